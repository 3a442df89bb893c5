/**
 * The online-alignment baseline: online dynamic time warping of the live features against a rehearsal
 * take (the classical score-following approach), carrying the rehearsal's cue times across the
 * alignment path. Also the compact alignment features both sides use.
 */
import type { FeatureFrame } from '../audio/types.js';
import type { TimedCue } from './metrics.js';

/** Feature frames averaged per alignment hop (4 hops ≈ 46 ms at the default listening settings). */
export const ALIGN_FRAMES = 4;
/**
 * Entries per alignment vector: 12 chroma (unit length) + 12 positive chroma changes since the
 * previous vector. Both are timbre-invariant, so a show on another instrument sound still aligns.
 */
export const ALIGN_DIMS = 24;

/** Turns feature frames into alignment vectors, one per `ALIGN_FRAMES` frames. */
export class AlignmentFeatures {
  private readonly acc = new Float64Array(12);
  private readonly prev = new Float64Array(12);
  private n = 0;
  private t = 0;

  /** Adds a frame; returns a finished vector (and its time) every `ALIGN_FRAMES` frames. */
  push(f: FeatureFrame): { t: number; v: Float32Array } | undefined {
    for (let i = 0; i < 12; i++) this.acc[i]! += f.chroma[i] ?? 0;
    this.n++;
    this.t = f.t;
    if (this.n < ALIGN_FRAMES) return undefined;
    const v = new Float32Array(ALIGN_DIMS);
    let norm = 0;
    for (let i = 0; i < 12; i++) norm += this.acc[i]! ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < 12; i++) {
      const c = this.acc[i]! / norm;
      v[i] = c;
      v[12 + i] = Math.max(0, c - this.prev[i]!);
      this.prev[i] = c;
    }
    this.acc.fill(0);
    this.n = 0;
    return { t: this.t, v };
  }
}

/**
 * Online DTW (Dixon-style, banded): each live vector extends the cumulative cost by one column over a
 * band around the current position; the position is the band's cheapest cell (path-length
 * normalised) and never moves backwards. A rehearsal cue fires when the position reaches it.
 */
export class OnlineAligner {
  private readonly n: number;
  private prev: Float64Array;
  private cur: Float64Array;
  private prevLen: Float64Array;
  private curLen: Float64Array;
  private position = 0;
  private j = 0;
  private nextCue = 0;
  private lastScore = Number.POSITIVE_INFINITY;

  constructor(
    private readonly ref: Float32Array,
    private readonly refTimes: Float32Array,
    private readonly cues: readonly TimedCue[],
    private readonly band: { behind: number; ahead: number } = { behind: 40, ahead: 600 },
  ) {
    this.n = refTimes.length;
    this.prev = new Float64Array(this.n).fill(Number.POSITIVE_INFINITY);
    this.cur = new Float64Array(this.n).fill(Number.POSITIVE_INFINITY);
    this.prevLen = new Float64Array(this.n);
    this.curLen = new Float64Array(this.n);
  }

  /** Path-length-normalised cost of the best cell after the latest push (lower = better match). */
  get score(): number {
    return this.lastScore;
  }

  /** Current position in the rehearsal, in its seconds. */
  get refTime(): number {
    return this.refTimes[this.position] ?? 0;
  }

  /** Adds one live vector at live time `t`; returns the rehearsal cues the position passed. */
  push(v: Float32Array, t: number): TimedCue[] {
    const lo = Math.max(0, this.position - this.band.behind);
    const hi = Math.min(this.n - 1, this.position + this.band.ahead);
    this.cur.fill(Number.POSITIVE_INFINITY, Math.max(0, lo - 1), Math.min(this.n, hi + 2));
    let best = this.position;
    let bestScore = Number.POSITIVE_INFINITY;
    for (let i = lo; i <= hi; i++) {
      let d = 0;
      const base = i * 24;
      for (let k = 0; k < 24; k++) {
        const x = v[k]! - this.ref[base + k]!;
        d += x * x;
      }
      d = Math.sqrt(d);
      let c: number;
      let len: number;
      if (this.j === 0) {
        c = i === 0 ? d : Number.POSITIVE_INFINITY;
        len = 1;
        if (i > 0 && this.cur[i - 1]! < Number.POSITIVE_INFINITY) {
          c = this.cur[i - 1]! + d;
          len = this.curLen[i - 1]! + 1;
        }
      } else {
        const diag = i > 0 ? this.prev[i - 1]! + 2 * d : Number.POSITIVE_INFINITY;
        const horiz = this.prev[i]! + d;
        const vert = i > 0 ? this.cur[i - 1]! + d : Number.POSITIVE_INFINITY;
        if (diag <= horiz && diag <= vert) {
          c = diag;
          len = this.prevLen[i - 1]! + 2;
        } else if (horiz <= vert) {
          c = horiz;
          len = this.prevLen[i]! + 1;
        } else {
          c = vert;
          len = this.curLen[i - 1]! + 1;
        }
      }
      this.cur[i] = c;
      this.curLen[i] = len;
      const score = c / len;
      if (score < bestScore) {
        bestScore = score;
        best = i;
      }
    }
    [this.prev, this.cur] = [this.cur, this.prev];
    [this.prevLen, this.curLen] = [this.curLen, this.prevLen];
    this.j++;
    this.lastScore = bestScore;
    if (best > this.position) this.position = best;
    const out: TimedCue[] = [];
    const refT = this.refTime;
    while (this.nextCue < this.cues.length && this.cues[this.nextCue]!.t <= refT + 1e-9) {
      const c = this.cues[this.nextCue++]!;
      out.push({ t, dept: c.dept, cue: c.cue });
    }
    return out;
  }
}
