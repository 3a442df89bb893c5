/**
 * The online-alignment baseline: a classical online score follower that aligns the live features to a
 * rehearsal take and carries the rehearsal's cue times across, and the compact alignment features
 * both sides use.
 *
 * The follower is a streaming Viterbi/online-DTW over the whole rehearsal: each live hop the rehearsal
 * position holds, advances one or advances two hops (tempo from half to double), and it may also jump
 * anywhere at a fixed cost, so a repeated or skipped section is followed instead of derailing it (as
 * the "any-time" followers of Arzt and Widmer). The position is the end of the cheapest path. Cues
 * are fired ahead of time: from the position and the local tempo ratio the follower predicts when the
 * next cue falls and schedules it then, never before the moment the deciding frame was heard. The
 * prediction starts from a line fitted through the last seconds of path rather than from its end,
 * which wavers by a hop or two on held chords and real recordings (`cueRefTime`).
 */
import type { FeatureFrame } from '../audio/types.js';
import type { TimedCue } from './metrics.js';

/** Feature frames averaged per alignment hop (4 hops ≈ 46 ms at the default listening settings). */
export const ALIGN_FRAMES = 4;
/**
 * Entries per alignment vector: 12 log-compressed chroma (unit length), 12 positive chroma changes
 * since the previous vector, and spectral flux and low-band flux, each divided by its recent peak.
 * Chroma is timbre-invariant and the log compression keeps quiet notes and a noise floor from
 * flattening it; the flux entries mark note onsets, which pin the timing within a chord.
 */
export const ALIGN_DIMS = 26;

/** Log compression of the chroma before normalising (log(1 + γ·c)). */
const CHROMA_GAMMA = 100;
/** Weight of the two flux entries against the unit-length chroma. */
const FLUX_WEIGHT = 0.5;
/** Per-hop decay of the flux peak the flux is divided by (about a 9 s memory). */
export const FLUX_PEAK_DECAY = 0.995;
/**
 * A hop this many dB below the loudest hop heard so far (which fades by `LEVEL_PEAK_FALL_DB` per hop)
 * is quiet: the band has stopped (a break), and nothing should fire until it plays again.
 */
export const QUIET_BELOW_PEAK_DB = 30;
export const LEVEL_PEAK_FALL_DB = 0.02;
/** Hops in a row that must be quiet before they count as a break (about 0.09 s; a single hop between notes is not one). */
const QUIET_HOPS = 2;

/**
 * Seconds from a frame's time (the centre of its analysis window) until it has been heard: half of
 * the default 1024-sample window at 22.05 kHz. The follower never fires a cue before this.
 */
export const DEFAULT_ALIGN_LATENCY_S = 512 / 22050;

/** Turns feature frames into alignment vectors, one per `ALIGN_FRAMES` frames. Causal. */
export class AlignmentFeatures {
  private readonly acc = new Float64Array(12);
  private readonly prev = new Float64Array(12);
  private flux = 0;
  private fluxLow = 0;
  private fluxPeak = 1e-6;
  private fluxLowPeak = 1e-6;
  private n = 0;
  private t = 0;
  private level = 0;
  private levelPeak = Number.NEGATIVE_INFINITY;
  private quietRun = 0;

  /**
   * Adds a frame; returns a finished vector (and its time) every `ALIGN_FRAMES` frames, and whether
   * the hop was quiet (`QUIET_HOPS` hops in a row `QUIET_BELOW_PEAK_DB` below the loudest so far: a
   * break, not music).
   */
  push(f: FeatureFrame): { t: number; v: Float32Array; quiet: boolean } | undefined {
    if (f.reset === true) this.reset();
    for (let i = 0; i < 12; i++) this.acc[i]! += f.chroma[i] ?? 0;
    this.flux += Number.isFinite(f.flux) ? f.flux : 0;
    this.fluxLow += Number.isFinite(f.fluxLow) ? f.fluxLow : 0;
    this.level += Number.isFinite(f.levelDb) ? Math.max(-120, f.levelDb) : -120;
    this.n++;
    this.t = f.t;
    if (this.n < ALIGN_FRAMES) return undefined;
    const v = new Float32Array(ALIGN_DIMS);
    let norm = 0;
    for (let i = 0; i < 12; i++) {
      const c = Math.log1p((CHROMA_GAMMA * Math.max(0, this.acc[i]!)) / ALIGN_FRAMES);
      this.acc[i] = c;
      norm += c * c;
    }
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < 12; i++) {
      const c = this.acc[i]! / norm;
      v[i] = c;
      v[12 + i] = Math.max(0, c - this.prev[i]!);
      this.prev[i] = c;
    }
    this.fluxPeak = Math.max(this.flux, this.fluxPeak * FLUX_PEAK_DECAY);
    this.fluxLowPeak = Math.max(this.fluxLow, this.fluxLowPeak * FLUX_PEAK_DECAY);
    v[24] = (FLUX_WEIGHT * this.flux) / this.fluxPeak;
    v[25] = (FLUX_WEIGHT * this.fluxLow) / this.fluxLowPeak;
    const level = this.level / ALIGN_FRAMES;
    this.levelPeak = Math.max(level, this.levelPeak - LEVEL_PEAK_FALL_DB);
    this.quietRun = level < this.levelPeak - QUIET_BELOW_PEAK_DB ? this.quietRun + 1 : 0;
    const quiet = this.quietRun >= QUIET_HOPS;
    this.acc.fill(0);
    this.flux = 0;
    this.fluxLow = 0;
    this.level = 0;
    this.n = 0;
    return { t: this.t, v, quiet };
  }

  private reset(): void {
    this.acc.fill(0);
    this.prev.fill(0);
    this.flux = 0;
    this.fluxLow = 0;
    this.fluxPeak = 1e-6;
    this.fluxLowPeak = 1e-6;
    this.level = 0;
    this.levelPeak = Number.NEGATIVE_INFINITY;
    this.quietRun = 0;
    this.n = 0;
  }
}

/** Tuning of the online follower (defaults measured on the POP909 show takes, see bench notes). */
export interface AlignerOptions {
  /** Cost of holding the rehearsal position for a live hop (the live is slower). Default 0.1. */
  readonly holdCost?: number;
  /** Extra cost of advancing two rehearsal hops in one live hop (the live is faster). Default 0.1. */
  readonly skipCost?: number;
  /** Cost of a jump to anywhere in the rehearsal (a repeated or skipped section). Default 5; `Infinity`: no jumps. */
  readonly jumpCost?: number;
  /** A move of more than this many rehearsal seconds in one hop counts as a jump. Default 1.5. */
  readonly jumpS?: number;
  /** A cue the position reaches more than this late is dropped (it was skipped). Default 0.25. */
  readonly staleS?: number;
  /** Seconds of path over which the local tempo ratio is measured. Default 3. */
  readonly tempoWindowS?: number;
  /**
   * Cue times are predicted from a line fitted through the recent path rather than from its end
   * (`OnlineAligner.cueRefTime`); a move of more than this many rehearsal seconds in one hop restarts
   * that line. Default 0.25; 0: predict from the path's end. Set on the stage development takes
   * (POP909 001–002 and frontiers): 0.15 / 0.25 / 0.35 gave 52 / 41 / 41 false fires.
   */
  readonly anchorStepS?: number;
  /** Seconds from a vector's time until it has been heard. Default `DEFAULT_ALIGN_LATENCY_S`. */
  readonly latencyS?: number;
  /** Seconds over which the match (`AlignerState.match`) is smoothed. Default 1. */
  readonly matchWindowS?: number;
}

/** Seconds of path a fitted anchor needs before it is used (`OnlineAligner.cueRefTime`); before, the path's end. */
const ANCHOR_MIN_S = 1;
/** Furthest the fitted anchor may lie from the path's end (rehearsal seconds): a line bent by a tempo change stays near it. */
const ANCHOR_CAP_S = 0.2;

/** Rehearsal cells sampled (evenly) to measure how well the live input matches the rehearsal at large. */
const MATCH_SAMPLE = 192;

const INF = Number.POSITIVE_INFINITY;

/**
 * Online score follower over a rehearsal's alignment vectors (`ref`, `ALIGN_DIMS` per hop, at
 * `refTimes`), firing the rehearsal's `cues` as the live performance reaches them. Causal: each
 * `push` uses only the vectors pushed so far, and every fire it returns is at or after the moment the
 * latest vector was heard.
 */
export class OnlineAligner {
  private readonly n: number;
  private readonly cues: readonly TimedCue[];
  private readonly opt: Required<AlignerOptions>;
  private prev: Float64Array;
  private cur: Float64Array;
  private position = 0;
  private nextCue = 0;
  private frames = 0;
  private total = 0;
  private ratio = 1;
  private lastT: number | undefined;
  private stepS = (ALIGN_FRAMES * 256) / 22050;
  private histLive: number[] = [];
  private histRef: number[] = [];
  private readonly live = new Float64Array(ALIGN_DIMS);
  /** Highest rehearsal hop any path has reached (cells beyond stay unreachable without jumps). */
  private reach = 0;
  /** The latest hop's match (see `match`) and its smoothed value; NaN before the first hop. */
  private hopMatch = Number.NaN;
  private smoothMatch = Number.NaN;
  /** The latest hop's fitted position (`fitAnchor`) and the stretch of path it is fitted over. */
  private anchor = 0;
  private readonly anchorLive: number[] = [];
  private readonly anchorRefs: number[] = [];

  constructor(
    private readonly ref: Float32Array,
    private readonly refTimes: Float32Array,
    cues: readonly TimedCue[],
    options: AlignerOptions = {},
  ) {
    this.n = refTimes.length;
    if (ref.length < this.n * ALIGN_DIMS) throw new RangeError(`OnlineAligner: ${ref.length} values cannot hold ${this.n} vectors of ${ALIGN_DIMS}`);
    this.cues = [...cues].sort((a, b) => a.t - b.t);
    this.opt = {
      holdCost: options.holdCost ?? 0.1,
      skipCost: options.skipCost ?? 0.1,
      jumpCost: options.jumpCost ?? 5,
      jumpS: options.jumpS ?? 1.5,
      staleS: options.staleS ?? 0.25,
      tempoWindowS: options.tempoWindowS ?? 3,
      anchorStepS: options.anchorStepS ?? 0.25,
      latencyS: options.latencyS ?? DEFAULT_ALIGN_LATENCY_S,
      matchWindowS: options.matchWindowS ?? 1,
    };
    // Before the first hop the follower sits at the top of the rehearsal; anywhere else costs a jump.
    this.prev = new Float64Array(this.n).fill(INF);
    if (this.n > 0) this.prev[0] = 0;
    this.cur = new Float64Array(this.n).fill(INF);
  }

  /** Mean cost per hop of the best path so far (lower = better match); infinite before the first push. */
  get score(): number {
    return this.frames === 0 ? INF : this.total / this.frames;
  }

  /** Current position in the rehearsal, in its seconds. */
  get refTime(): number {
    return this.refTimes[this.position] ?? 0;
  }

  /** A move of more than this many rehearsal seconds counts as a jump (`AlignerOptions.jumpS`). */
  get jumpS(): number {
    return this.opt.jumpS;
  }

  /**
   * How well the live input matches the rehearsal where the follower places it, smoothed over
   * `matchWindowS`: the distance to the rehearsal at the position divided by the mean distance to the
   * rehearsal at large (sampled). Near 0: the live sounds like that moment and unlike the rest; near 1
   * or above: it sounds no more like that moment than like any other (crowd noise, silence, a band
   * playing something the rehearsal never had). NaN before the first hop.
   */
  get match(): number {
    return this.smoothMatch;
  }

  /** The latest hop's match, unsmoothed. */
  get lastMatch(): number {
    return this.hopMatch;
  }

  /**
   * The rehearsal position (seconds) at the latest hop's live time that cue times are predicted from:
   * `refTime` steadied by a line through the recent path (`fitAnchor`).
   */
  get cueRefTime(): number {
    return this.anchor;
  }

  /** The local tempo ratio (rehearsal seconds per live second) the follower predicts with. */
  get tempoRatio(): number {
    return this.ratio;
  }

  /** Adds one live vector (its frame time `t`); returns the cues to fire, at their fire times. */
  push(v: Float32Array, t: number): TimedCue[] {
    if (this.n === 0) return [];
    if (this.lastT !== undefined && t > this.lastT) this.stepS = t - this.lastT;
    this.lastT = t;
    const { jumpCost } = this.opt;
    const prev = this.prev;
    const cur = this.cur;
    const live = this.live;
    for (let k = 0; k < ALIGN_DIMS; k++) live[k] = v[k] ?? 0;
    // prev is kept relative to its best cell (0), so a jump starts from cost 0.
    let best = 0;
    let bestCost = INF;
    // Without jumps only the cells a path can reach (two hops per hop) are computed.
    const last = Number.isFinite(jumpCost) ? this.n - 1 : Math.min(this.n - 1, this.reach + 2);
    // A cell ending at least `jumpCost` above the column's best is no better than a fresh jump next
    // hop: its exact cost does not matter, so its distance stops as soon as it gets there (exact, and
    // most cells far from the position stop after a few entries). `bound` (≥ the column's best) starts
    // from the cell one hop on from the position.
    let bound = this.cellCost(Math.min(last, this.position + 1), INF);
    // `cellCost` written out: this loop is nearly all of the follower's time (rehearsal hops × live
    // hops), and inlined it runs several times faster with the same arithmetic in the same order.
    const { holdCost, skipCost } = this.opt;
    const ref = this.ref;
    for (let i = 0; i <= last; i++) {
      const cap = bound + jumpCost;
      let c = jumpCost;
      const hold = prev[i]! + holdCost;
      if (hold < c) c = hold;
      if (i > 0 && prev[i - 1]! < c) c = prev[i - 1]!;
      if (i > 1 && prev[i - 2]! + skipCost < c) c = prev[i - 2]! + skipCost;
      let cost = cap;
      if (c < cap) {
        // The squared distance, given up (the cell is `cap`) once it passes the room left under the cap.
        const room = (cap - c) ** 2;
        const base = i * ALIGN_DIMS;
        let d = 0;
        let k = 0;
        for (; k < ALIGN_DIMS - 3; k += 4) {
          const x0 = live[k]! - ref[base + k]!;
          const x1 = live[k + 1]! - ref[base + k + 1]!;
          const x2 = live[k + 2]! - ref[base + k + 2]!;
          const x3 = live[k + 3]! - ref[base + k + 3]!;
          d += x0 * x0;
          d += x1 * x1;
          d += x2 * x2;
          d += x3 * x3;
          if (d >= room) break;
        }
        if (k >= ALIGN_DIMS - 3) {
          for (; k < ALIGN_DIMS; k++) {
            const x = live[k]! - ref[base + k]!;
            d += x * x;
          }
          cost = c + Math.sqrt(d);
        }
      }
      cur[i] = cost;
      if (cost < bestCost) {
        bestCost = cost;
        best = i;
      }
      if (cost < bound) bound = cost;
    }
    for (let i = 0; i <= last; i++) cur[i]! -= bestCost;
    this.reach = last;
    this.prev = cur;
    this.cur = prev;
    this.total += bestCost;
    this.frames++;
    this.measureMatch(best);
    return this.follow(best, t);
  }

  /**
   * Squared distance from the live vector to rehearsal hop `i`; once it reaches `room` (checked every
   * four entries) it stops early and returns infinity.
   */
  private squaredDistance(i: number, room = INF): number {
    const ref = this.ref;
    const live = this.live;
    const base = i * ALIGN_DIMS;
    let d = 0;
    for (let k = 0; k < ALIGN_DIMS; k++) {
      const x = live[k]! - ref[base + k]!;
      d += x * x;
      if ((k & 3) === 3 && d >= room) return INF;
    }
    return d;
  }

  /** Distance from the live vector to rehearsal hop `i`. */
  private distance(i: number): number {
    return Math.sqrt(this.squaredDistance(i));
  }

  /** Updates `match` after a hop placed at `best`. */
  private measureMatch(best: number): void {
    const stride = Math.max(1, Math.floor(this.n / MATCH_SAMPLE));
    let sum = 0;
    let count = 0;
    for (let i = Math.floor(stride / 2); i < this.n; i += stride) {
      sum += this.distance(i);
      count++;
    }
    const typical = count > 0 ? sum / count : 0;
    const m = typical > 1e-9 ? this.distance(best) / typical : 1;
    this.hopMatch = m;
    const a = Math.min(1, this.stepS / Math.max(this.stepS, this.opt.matchWindowS));
    this.smoothMatch = Number.isNaN(this.smoothMatch) ? m : this.smoothMatch + a * (m - this.smoothMatch);
  }

  /**
   * Cost of the best path ending at rehearsal hop `i` after the live vector in `live`: the cheapest
   * step into it (hold, advance one, advance two, or a jump) plus the distance. Once that reaches
   * `cap` the rest of the distance is skipped and `cap` is returned.
   */
  private cellCost(i: number, cap: number): number {
    const { holdCost, skipCost, jumpCost } = this.opt;
    const prev = this.prev;
    let c = jumpCost;
    const hold = prev[i]! + holdCost;
    if (hold < c) c = hold;
    if (i > 0 && prev[i - 1]! < c) c = prev[i - 1]!;
    if (i > 1 && prev[i - 2]! + skipCost < c) c = prev[i - 2]! + skipCost;
    if (c >= cap) return cap;
    const room = (cap - c) ** 2;
    const d = this.squaredDistance(i, room);
    return d === INF ? cap : c + Math.sqrt(d);
  }

  /** Moves the position to `best` (live time `t`) and returns the cues due before the next hop. */
  private follow(best: number, t: number): TimedCue[] {
    const { jumpS, staleS, tempoWindowS, latencyS } = this.opt;
    const refNow = this.refTimes[best]!;
    const moved = refNow - this.refTime;
    if (this.frames > 1 && Math.abs(moved) > jumpS) {
      // A jump: the cues in between were skipped; those just behind the new position still go (late).
      this.histLive = [];
      this.histRef = [];
      let k = 0;
      while (k < this.cues.length && this.cues[k]!.t <= refNow - staleS) k++;
      this.nextCue = k;
    }
    this.position = best;
    this.histLive.push(t);
    this.histRef.push(refNow);
    const keep = Math.max(2, Math.round(tempoWindowS / this.stepS) + 1);
    if (this.histLive.length > keep) {
      this.histLive.shift();
      this.histRef.shift();
    }
    // The tempo ratio over the window, once it spans most of it (else the last one stands).
    const span = this.histLive[this.histLive.length - 1]! - this.histLive[0]!;
    if (span >= tempoWindowS * 0.6) {
      const r = (this.histRef[this.histRef.length - 1]! - this.histRef[0]!) / span;
      this.ratio = Math.min(1.3, Math.max(0.75, r));
    }
    const heard = t + latencyS;
    const out: TimedCue[] = [];
    this.anchor = this.fitAnchor(t, refNow);
    while (this.nextCue < this.cues.length) {
      const c = this.cues[this.nextCue]!;
      const when = t + (c.t - this.anchor) / this.ratio;
      // Not due before the next hop: decide then, with more evidence.
      if (when > heard + this.stepS) break;
      this.nextCue++;
      if (when < heard - staleS) continue;
      out.push({ t: Math.max(when, heard), dept: c.dept, cue: c.cue });
    }
    return out;
  }

  /**
   * The rehearsal position at live time `t` that cue times are predicted from: a least-squares line
   * through this stretch of path (at most `tempoWindowS`), evaluated at `t`, within `ANCHOR_CAP_S` of
   * the path's end `refNow`. The end alone wavers by a hop or two (46–92 ms) on a held chord or a
   * real recording's smeared onsets; the line does not. A stretch restarts when the path moves by more
   * than `anchorStepS` in one hop (it caught up, or jumped), and until it spans `ANCHOR_MIN_S` the end
   * stands.
   */
  private fitAnchor(t: number, refNow: number): number {
    const { anchorStepS, tempoWindowS } = this.opt;
    const live = this.anchorLive;
    const ref = this.anchorRefs;
    const last = ref[ref.length - 1];
    if (last !== undefined && Math.abs(refNow - last) > anchorStepS) {
      live.length = 0;
      ref.length = 0;
    }
    live.push(t);
    ref.push(refNow);
    while (live.length > 1 && t - live[0]! > tempoWindowS) {
      live.shift();
      ref.shift();
    }
    const n = live.length;
    if (anchorStepS <= 0 || n < 4 || t - live[0]! < ANCHOR_MIN_S) return refNow;
    let sx = 0;
    let sy = 0;
    for (let i = 0; i < n; i++) {
      sx += live[i]! - t;
      sy += ref[i]!;
    }
    const mx = sx / n;
    const my = sy / n;
    let sxx = 0;
    let sxy = 0;
    for (let i = 0; i < n; i++) {
      const dx = live[i]! - t - mx;
      sxx += dx * dx;
      sxy += dx * (ref[i]! - my);
    }
    const fit = my - (sxx > 0 ? sxy / sxx : this.ratio) * mx;
    return refNow + Math.max(-ANCHOR_CAP_S, Math.min(ANCHOR_CAP_S, fit - refNow));
  }
}

/** What a follower reads from its aligner after a hop. */
export interface AlignerReading {
  readonly refTime: number;
  readonly match: number;
  readonly tempoRatio: number;
  readonly cueRefTime: number;
}

function readingOf(a: OnlineAligner): AlignerReading {
  return { refTime: a.refTime, match: a.match, tempoRatio: a.tempoRatio, cueRefTime: a.cueRefTime };
}

interface TapeHop {
  readonly t: number;
  readonly v: Float32Array;
  readonly reading: AlignerReading;
}

/**
 * What a cue-less aligner said after each hop of a take, so following the same take through the same
 * reference again — `precue eval`'s model and its ablations, training's calibration replays — reads
 * the alignment back instead of computing it again (it is nearly all of a replay's time). Exact: a hop
 * is read back only where its time and vector equal the recorded ones; from the first that differs the
 * aligner catches up on the hops before it and aligns from there, and the tape records the new course.
 * Kept in stretches: each start of a follower (a new take) is the next stretch.
 */
export class AlignerTape {
  private reference: { readonly vectors: Float32Array; readonly options: AlignerOptions } | undefined;
  private readonly stretches: TapeHop[][] = [];

  /** The hops of stretch `index` through `vectors` with `options`; a tape follows one reference only. */
  stretch(index: number, vectors: Float32Array, options: AlignerOptions): TapeHop[] {
    const r = this.reference;
    if (r === undefined) this.reference = { vectors, options };
    else if (r.options !== options || r.vectors.buffer !== vectors.buffer || r.vectors.byteOffset !== vectors.byteOffset || r.vectors.length !== vectors.length) {
      throw new RangeError('AlignerTape: this tape was recorded through another reference or with other aligner options');
    }
    while (this.stretches.length <= index) this.stretches.push([]);
    return this.stretches[index]!;
  }
}

/** An `OnlineAligner` without cues that reads its hops back from an `AlignerTape` where it can (see there). */
export class TapedAligner {
  private readonly aligner: OnlineAligner;
  /** The tape's hops; undefined without a tape (the live engine: nothing is kept, a show runs for hours). */
  private readonly hops: TapeHop[] | undefined;
  /** Hops pushed, and hops the inner aligner has taken (fewer while read back from the tape). */
  private pushed = 0;
  private aligned = 0;
  private reading: AlignerReading;

  constructor(vectors: Float32Array, times: Float32Array, options: AlignerOptions, tape?: { readonly tape: AlignerTape; readonly stretch: number }) {
    this.aligner = new OnlineAligner(vectors, times, [], options);
    this.hops = tape === undefined ? undefined : tape.tape.stretch(tape.stretch, vectors, options);
    this.reading = readingOf(this.aligner);
  }

  get refTime(): number {
    return this.reading.refTime;
  }
  get match(): number {
    return this.reading.match;
  }
  get tempoRatio(): number {
    return this.reading.tempoRatio;
  }
  get cueRefTime(): number {
    return this.reading.cueRefTime;
  }
  get jumpS(): number {
    return this.aligner.jumpS;
  }

  /** Adds one live vector (its frame time `t`). */
  push(v: Float32Array, t: number): void {
    const hops = this.hops;
    if (hops === undefined) {
      this.aligner.push(v, t);
      this.reading = readingOf(this.aligner);
      return;
    }
    const k = this.pushed++;
    const hop = hops[k];
    if (hop !== undefined && hop.t === t && sameVector(hop.v, v)) {
      this.reading = hop.reading;
      return;
    }
    while (this.aligned < k) {
      const h = hops[this.aligned++]!;
      this.aligner.push(h.v, h.t);
    }
    this.aligner.push(v, t);
    this.aligned++;
    this.reading = readingOf(this.aligner);
    hops.length = k;
    hops.push({ t, v: Float32Array.from(v), reading: this.reading });
  }
}

function sameVector(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

