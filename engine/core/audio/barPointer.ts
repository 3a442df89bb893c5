/**
 * Decoding beat and downbeat activations with a bar-pointer HMM (Whiteley, Cemgil & Godsill 2006,
 * in the efficient state space of Krebs, Böck & Widmer 2015, as madmom's downbeat tracker): a hidden
 * state is (beats per bar M, beat interval τ in frames, position in the bar 0…M·τ−1). The position
 * advances one frame per frame; at a beat boundary the tempo may change (probability falling off
 * exponentially with the tempo ratio). Every tempo, phase and meter hypothesis is kept alive at
 * once, and a small restart probability lets a hypothesis that was starved (the off-beat, half or
 * double tempo, 3:2) regain the lead within a few beats once the evidence is for it.
 *
 * Online (`BarPointerFilter`) runs the forward algorithm only: each frame's belief uses no later
 * activation, and a beat is emitted on the frame where the most likely state crosses a beat
 * boundary. Offline (`decodeBarPointer`) runs Viterbi over a whole take (look-ahead allowed): the
 * rehearsal grids.
 *
 * Each (M, τ) block of positions is a ring buffer, so advancing every position costs nothing; only
 * the beat-entry states (tempo changes, restarts) and one state per beat (the evidence of the few
 * frames around it, counted once) are touched per frame, plus one pass to normalise and find the best
 * state.
 */

/** Tuning of the HMM (defaults chosen on the validation split, see bench/listener/README). */
export interface BarPointerTuning {
  /** Frames per second of the activations. */
  readonly fps: number;
  /** Tempo range (BPM of the beat). */
  readonly minBpm: number;
  readonly maxBpm: number;
  /** Meters (beats per bar) considered. */
  readonly meters: readonly number[];
  /**
   * Tempo-change sharpness at a beat boundary: P(τ→τ') ∝ exp(−λ·max(0, |τ' − τ| − s)/τ), τ in frames,
   * s = `transitionSlackFrames`.
   */
  readonly transitionLambda: number;
  /**
   * Interval change (frames) forgiven at a beat boundary: the grid's own quantisation. A steady tempo
   * whose beat is not a whole number of frames (140 BPM at 50 fps: 21.4) alternates between two
   * intervals; at fast tempi one frame is a 5 % step, which λ = 100 all but forbids (a click track at
   * 170 BPM was followed at half tempo, F 0.64). With 0.5 a one-frame step costs what half a frame did.
   */
  readonly transitionSlackFrames: number;
  /**
   * A beat-zone frame with beat probability p counts (λ−1)·p/(1−p) times a frame outside the zones: p
   * above 1/λ is evidence for a beat there, below it against. With `beatZoneFrames` 0 the zone is also
   * the first 1/λ of each beat (at least one frame).
   */
  readonly observationLambda: number;
  /**
   * 0 (shipped): the zone is the first 1/observationLambda of the beat and each frame of it counts
   * (madmom's model). Zones that grow with the beat let a slow hypothesis gather a peak and its flanks
   * over three frames against one for the true tempo: played 1.6× faster, 8 of 12 validation songs are
   * followed at half tempo. n > 0 (odd): every tempo's zone is the n frames centred on the beat and
   * counts once, with its strongest frame, so a beat brings one factor whatever its tempo. With n = 3,
   * λ = 4 it fixed the faster validation takes and held the others (stop 35), but on the held-out
   * renders (another soundfont, syncopated grooves) it doubled the tempo of seven more songs (beat F
   * 0.913 → 0.804), so it is not the default; see bench/listener/README.md, "One factor per beat".
   */
  readonly beatZoneFrames: number;
  /**
   * With `beatZoneFrames` > 0, the least a beat's factor can be. Where every frame is weak evidence
   * against a beat, each beat entered would cost, and the filter would flee to ever slower tempi and
   * emit no steady beat, even with a rehearsal prior saying where the beats are.
   */
  readonly beatFactorFloor: number;
  /**
   * How sharply the network's split between "downbeat" and "beat" places the bar: a beat zone is
   * weighted by the beat evidence (beat + downbeat) times (2·share)^κ, the share being the downbeat's
   * (on the first beat of the bar) or the beat's. κ = 1 is madmom's observation model.
   */
  readonly downbeatSharpness: number;
  /** Per frame, this share of the belief restarts at a beat entry (any tempo, meter, beat). */
  readonly restart: number;
  /** Tempo prior of the start and of restarts: log-Gaussian around `priorBpm`, `priorWidthOctaves` wide. */
  readonly priorBpm: number;
  readonly priorWidthOctaves: number;
  /** Prior weight of each meter, in `meters` order (4/4 is far more common than 3/4). */
  readonly meterPrior: readonly number[];
  /** A beat is not emitted closer than this share of the beat interval after the previous one. */
  readonly minGapBeats: number;
  /**
   * Beats are emitted only while the music gives evidence of them: the strongest beat activation
   * (beat + downbeat) of the last `evidenceHoldS` seconds must reach `minActivation`. Silence, a
   * room before the band and a held chord emit no beats (the belief keeps running underneath).
   */
  readonly minActivation: number;
  readonly evidenceHoldS: number;
}

/** Defaults for `BarPointerTuning`. */
export const defaultBarPointerTuning: BarPointerTuning = {
  fps: 50,
  minBpm: 50,
  maxBpm: 200,
  meters: [3, 4],
  transitionLambda: 100,
  transitionSlackFrames: 0.5,
  observationLambda: 16,
  beatZoneFrames: 0,
  beatFactorFloor: 0.3,
  downbeatSharpness: 1,
  restart: 1e-4,
  priorBpm: 100,
  priorWidthOctaves: 1,
  meterPrior: [0.3, 0.7],
  minGapBeats: 0.45,
  minActivation: 0.15,
  evidenceHoldS: 4,
};

/**
 * The one-factor-per-beat observation tried in stop 35 and not the default (better on validation
 * played faster, worse held out: see `beatZoneFrames`); its floor is `beatFactorFloor`'s default.
 * The one home of its numbers, for tune.ts and the tests.
 */
export const oneFactorPerBeat: Partial<BarPointerTuning> = { beatZoneFrames: 3, observationLambda: 4 };

/** One (meter, interval) block of the state space. */
interface Block {
  readonly meter: number;
  readonly tau: number;
  readonly len: number;
  /** Index of the block's tempo in `taus`. */
  readonly ti: number;
  /** Index of the meter in `meters`. */
  readonly mi: number;
  /** Beat-zone length in frames. */
  readonly zone: number;
  /** Belief per position, ring-indexed: position p lives at (head + p) % len. */
  readonly a: Float64Array;
  head: number;
  /** Prior weight of a restart into one beat entry of this block. */
  readonly restartWeight: number;
}

/** The most likely state after a frame. */
export interface BarPointerState {
  readonly meter: number;
  /** Beat interval in frames. */
  readonly tau: number;
  /** 0-based beat in the bar. */
  readonly beatInBar: number;
  /** Position within the beat, 0..1. */
  readonly phase: number;
}

/** A beat emitted by the online filter. */
export interface FilterBeat {
  /** Frame index (since the reset) the beat falls on. */
  readonly frame: number;
  readonly beatInBar: number;
  readonly meter: number;
  /** Beat interval in frames. */
  readonly tau: number;
  /** Posterior mass of the hypotheses that agree with this beat (same meter, tempo within ±6 %, beat phase within ±0.1), 0..1. */
  readonly confidence: number;
}

/**
 * A prior from outside the audio (the rehearsals, through the score follower) on what a beat entered
 * now should be: `weight(meter, tau, beatInBar)` multiplies the belief of every hypothesis entering a
 * beat on this frame. Return 1 for "no opinion".
 */
export type EntryPrior = (meter: number, tau: number, beatInBar: number) => number;

function buildTaus(t: BarPointerTuning): number[] {
  // A beat is longer than its window (at 50 fps and 3 frames: up to 750 BPM, far beyond any range asked for).
  const lo = Math.max(2, t.beatZoneFrames + 1, Math.floor((60 * t.fps) / t.maxBpm));
  const hi = Math.max(lo, Math.ceil((60 * t.fps) / t.minBpm));
  const out: number[] = [];
  for (let k = lo; k <= hi; k++) out.push(k);
  return out;
}

/** Frames of a beat's zone at interval `tau`. */
function zoneFrames(tau: number, t: BarPointerTuning): number {
  return Math.max(1, Math.floor(tau / t.observationLambda));
}

/** Frames of the peak window either side of a beat (`beatZoneFrames` > 0), or undefined (zones that grow with the beat). */
function peakHalfWidth(t: BarPointerTuning): number | undefined {
  if (t.beatZoneFrames <= 0) return undefined;
  const h = Math.floor(t.beatZoneFrames / 2);
  if (2 * h + 1 !== t.beatZoneFrames) throw new RangeError(`bar pointer: beatZoneFrames must be odd (a window centred on the beat), got ${t.beatZoneFrames}`);
  return h;
}

/** The strongest beat and downbeat factors of the last frames (the peak window). */
class PeakWindow {
  private readonly b: Float64Array;
  private readonly d: Float64Array;
  private n = 0;
  constructor(width: number, private readonly floor: number) {
    this.b = new Float64Array(width).fill(1);
    this.d = new Float64Array(width).fill(1);
  }
  push(f: { b: number; d: number }): { b: number; d: number } {
    const i = this.n++ % this.b.length;
    this.b[i] = f.b;
    this.d[i] = f.d;
    let mb = 0;
    let md = 0;
    for (let k = 0; k < this.b.length; k++) {
      if (this.b[k]! > mb) mb = this.b[k]!;
      if (this.d[k]! > md) md = this.d[k]!;
    }
    return { b: Math.max(this.floor, mb), d: Math.max(this.floor, md) };
  }
  reset(): void {
    this.b.fill(1);
    this.d.fill(1);
    this.n = 0;
  }
}

function tempoTransitions(taus: readonly number[], lambda: number, slackFrames: number): Float64Array {
  const n = taus.length;
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const v = Math.exp((-lambda * Math.max(0, Math.abs(taus[j]! - taus[i]!) - slackFrames)) / taus[i]!);
      m[i * n + j] = v;
      sum += v;
    }
    for (let j = 0; j < n; j++) m[i * n + j]! /= sum;
  }
  return m;
}

function priorWeights(t: BarPointerTuning, taus: readonly number[]): Float64Array {
  const w = Float64Array.from(taus, (tau) => {
    const o = Math.log2((60 * t.fps) / tau / t.priorBpm) / t.priorWidthOctaves;
    return Math.exp(-0.5 * o * o);
  });
  const s = w.reduce((a, x) => a + x, 0);
  return w.map((x) => x / s);
}

/** Observation factors of one frame for beat and downbeat zones, relative to a non-beat frame. */
function zoneFactors(beat: number, downbeat: number, lambda: number, sharpness: number): { b: number; d: number } {
  const pb = Number.isFinite(beat) ? Math.min(1, Math.max(1e-6, beat)) : 1e-6;
  const pd = Number.isFinite(downbeat) ? Math.min(1, Math.max(1e-6, downbeat)) : 1e-6;
  const none = Math.max(1e-6, 1 - pb - pd) / (lambda - 1);
  const any = (pb + pd) / none;
  if (sharpness === 1) return { b: pb / none, d: pd / none };
  const share = pd / (pb + pd);
  return { b: (any / 2) * (2 * (1 - share)) ** sharpness, d: (any / 2) * (2 * share) ** sharpness };
}

/** The online bar-pointer filter: feed one activation pair per frame, read beats as they come. */
export class BarPointerFilter {
  readonly tuning: BarPointerTuning;
  private readonly taus: number[];
  private readonly blocks: Block[];
  private readonly trans: Float64Array;
  /** Peak-window observation (`beatZoneFrames` > 0): its half width and its last frames. */
  private readonly half: number | undefined;
  private readonly peaks: PeakWindow | undefined;
  /** Scratch: exit mass per (block, beat). */
  private readonly exits: Float64Array[];
  private frame = 0;
  private lastBeatFrame = -Infinity;
  private prevPhase = 0;
  private best: Block | undefined;
  private bestPos = 0;
  /** Frames of the last activation at or above `minActivation` (−∞: none yet). */
  private lastEvidence = -Infinity;

  constructor(tuning: Partial<BarPointerTuning> = {}) {
    this.tuning = { ...defaultBarPointerTuning, ...tuning };
    const t = this.tuning;
    if (t.meters.length === 0 || t.meters.length !== t.meterPrior.length) throw new RangeError('bar pointer: one prior weight per meter');
    this.taus = buildTaus(t);
    this.trans = tempoTransitions(this.taus, t.transitionLambda, t.transitionSlackFrames);
    this.half = peakHalfWidth(t);
    this.peaks = this.half !== undefined ? new PeakWindow(2 * this.half + 1, t.beatFactorFloor) : undefined;
    const prior = priorWeights(t, this.taus);
    const meterSum = t.meterPrior.reduce((a, x) => a + x, 0);
    this.blocks = [];
    t.meters.forEach((meter, mi) => {
      this.taus.forEach((tau, ti) => {
        const len = meter * tau;
        this.blocks.push({
          meter,
          tau,
          len,
          ti,
          mi,
          zone: zoneFrames(tau, t),
          a: new Float64Array(len),
          head: 0,
          restartWeight: ((t.meterPrior[mi]! / meterSum) * prior[ti]!) / meter,
        });
      });
    });
    this.exits = this.blocks.map((b) => new Float64Array(b.meter));
    this.reset();
  }

  /** Number of hidden states. */
  get stateCount(): number {
    return this.blocks.reduce((s, b) => s + b.len, 0);
  }

  /** Beat intervals (frames) the filter models. */
  get intervals(): readonly number[] {
    return this.taus;
  }

  /** Forgets everything: every state at its prior weight (tempo and meter prior, phase uniform). */
  reset(): void {
    for (const b of this.blocks) {
      b.a.fill(b.restartWeight / b.tau);
      b.head = 0;
    }
    this.normalise();
    this.peaks?.reset();
    this.frame = 0;
    this.lastBeatFrame = -Infinity;
    this.prevPhase = 0;
    this.best = undefined;
    this.lastEvidence = -Infinity;
  }

  /** Frames processed since the reset. */
  get frames(): number {
    return this.frame;
  }

  /** The most likely state after the last frame (undefined before the first). */
  get state(): BarPointerState | undefined {
    const b = this.best;
    if (b === undefined) return undefined;
    return { meter: b.meter, tau: b.tau, beatInBar: Math.floor(this.bestPos / b.tau), phase: (this.bestPos % b.tau) / b.tau };
  }

  /**
   * One frame: `beat` and `downbeat` are the network's probabilities of a (non-down)beat and of a
   * downbeat on this frame. Returns the beat that falls on this frame, if any.
   */
  step(beatIn: number, downbeatIn: number, prior?: EntryPrior): FilterBeat | undefined {
    const t = this.tuning;
    // A non-finite activation counts as no evidence either way.
    const beat = Number.isFinite(beatIn) ? beatIn : 0;
    const downbeat = Number.isFinite(downbeatIn) ? downbeatIn : 0;
    const nT = this.taus.length;
    // 1. Exit mass of every beat (the last position of each beat) before the positions advance.
    for (let k = 0; k < this.blocks.length; k++) {
      const b = this.blocks[k]!;
      const ex = this.exits[k]!;
      for (let beatIdx = 0; beatIdx < b.meter; beatIdx++) ex[beatIdx] = b.a[(b.head + (beatIdx + 1) * b.tau - 1) % b.len]!;
    }
    // 2. Advance every position by one (ring heads), 3. then refill each beat entry from the exits of
    // the previous beat at every tempo of the same meter, plus restarts.
    for (const b of this.blocks) b.head = (b.head - 1 + b.len) % b.len;
    const restart = t.restart;
    for (let k = 0; k < this.blocks.length; k++) {
      const b = this.blocks[k]!;
      const first = k - b.ti; // first block of this meter
      for (let beatIdx = 0; beatIdx < b.meter; beatIdx++) {
        const from = (beatIdx - 1 + b.meter) % b.meter;
        let m = 0;
        for (let j = 0; j < nT; j++) m += this.exits[first + j]![from]! * this.trans[j * nT + b.ti]!;
        m = (1 - restart) * m + restart * b.restartWeight;
        if (prior !== undefined) {
          const w = prior(b.meter, b.tau, beatIdx);
          if (Number.isFinite(w) && w >= 0) m *= w;
        }
        b.a[(b.head + beatIdx * b.tau) % b.len] = m;
      }
    }
    // 4. Observation: beat zones weighted by the activations, relative to non-beat frames.
    const f = zoneFactors(beat, downbeat, t.observationLambda, t.downbeatSharpness);
    if (this.peaks !== undefined) {
      // Once per beat, `half` frames after it: the strongest frame of the window centred on it.
      const h = this.half!;
      const p = this.peaks.push(f);
      for (const b of this.blocks) for (let beatIdx = 0; beatIdx < b.meter; beatIdx++) b.a[(b.head + beatIdx * b.tau + h) % b.len]! *= beatIdx === 0 ? p.d : p.b;
    } else {
      for (const b of this.blocks) {
        for (let beatIdx = 0; beatIdx < b.meter; beatIdx++) {
          const w = beatIdx === 0 ? f.d : f.b;
          const start = beatIdx * b.tau;
          for (let j = 0; j < b.zone; j++) {
            const i = (b.head + start + j) % b.len;
            b.a[i]! *= w;
          }
        }
      }
    }
    this.normalise();
    const n = this.frame++;
    if (beat + downbeat >= t.minActivation) this.lastEvidence = n;
    // 5. A beat when the most likely state has just crossed a beat boundary (and the music shows beats).
    const b = this.best!;
    const phase = (this.bestPos % b.tau) / b.tau;
    const crossed = this.prevPhase >= 0.5 && phase < 0.5;
    this.prevPhase = phase;
    if (!crossed || n - this.lastBeatFrame < t.minGapBeats * b.tau || n - this.lastEvidence > t.evidenceHoldS * t.fps) return undefined;
    this.lastBeatFrame = n;
    return { frame: n, beatInBar: Math.floor(this.bestPos / b.tau), meter: b.meter, tau: b.tau, confidence: this.agreement(b, this.bestPos) };
  }

  /** Normalises the belief to sum 1 and finds the most likely state. */
  private normalise(): void {
    let sum = 0;
    let bestV = -1;
    for (const b of this.blocks) {
      const a = b.a;
      for (let i = 0; i < b.len; i++) {
        const v = a[i]!;
        sum += v;
        if (v > bestV) {
          bestV = v;
          this.best = b;
          this.bestPos = (i - b.head + b.len) % b.len;
        }
      }
    }
    if (!(sum > 0) || !Number.isFinite(sum)) {
      // Every hypothesis ruled out (cannot happen with restarts, but never leave NaN behind).
      for (const b of this.blocks) b.a.fill(b.restartWeight / b.tau);
      sum = this.blocks.reduce((s, b) => s + b.a.reduce((x, y) => x + y, 0), 0);
    }
    const inv = 1 / sum;
    for (const b of this.blocks) {
      const a = b.a;
      for (let i = 0; i < b.len; i++) a[i]! *= inv;
    }
  }

  /** Posterior mass agreeing with a beat of block `best` at bar position `pos`. */
  private agreement(best: Block, pos: number): number {
    const phase = (pos % best.tau) / best.tau;
    let mass = 0;
    for (const b of this.blocks) {
      if (b.meter !== best.meter || Math.abs(b.tau / best.tau - 1) > 0.06) continue;
      for (let p = 0; p < b.len; p++) {
        const ph = (p % b.tau) / b.tau;
        let d = Math.abs(ph - phase);
        if (d > 0.5) d = 1 - d;
        if (d <= 0.1) mass += b.a[(b.head + p) % b.len]!;
      }
    }
    return Math.min(1, mass);
  }
}

/** A beat of an offline decode. */
export interface DecodedBeat {
  readonly frame: number;
  readonly beatInBar: number;
  readonly meter: number;
}

/**
 * Viterbi over a whole take: the single most likely bar-pointer path given every activation (look-
 * ahead allowed). `acts` holds (beat, downbeat) per frame. Returns the path's beats in order.
 */
export function decodeBarPointer(acts: Float32Array, tuning: Partial<BarPointerTuning> = {}): DecodedBeat[] {
  return decodeBarPointerScored(acts, tuning).beats;
}

/** A Viterbi decode and the log-probability of its path (the model's, observations included). */
export interface ScoredDecode {
  readonly beats: DecodedBeat[];
  /** Natural log of the best path's joint probability with the activations; −Infinity when no path is allowed. */
  readonly logProb: number;
}

/**
 * `decodeBarPointer` with the path's log-probability, optionally restricted to beats of `allowedBpm`
 * ([low, high]): the other tempi keep their place in the model (its tempo prior and transitions are
 * those of the whole range) but no path may enter them, so decodes restricted to different ranges
 * compare by their log-probabilities — how one song's takes agree on a tempo octave
 * (`core/rehearsal/songGrids.ts`).
 */
export function decodeBarPointerScored(acts: Float32Array, tuning: Partial<BarPointerTuning> = {}, allowedBpm?: readonly [number, number]): ScoredDecode {
  const t = { ...defaultBarPointerTuning, ...tuning };
  const frames = Math.floor(acts.length / 2);
  if (frames === 0) return { beats: [], logProb: 0 };
  const taus = buildTaus(t);
  const nT = taus.length;
  const trans = tempoTransitions(taus, t.transitionLambda, t.transitionSlackFrames);
  const logTrans = trans.map((v) => Math.log(v + 1e-300));
  const prior = priorWeights(t, taus);
  const meterSum = t.meterPrior.reduce((a, x) => a + x, 0);
  interface VBlock {
    meter: number;
    tau: number;
    len: number;
    ti: number;
    zone: number;
    d: Float64Array;
    head: number;
    /** Offset of this block's entries in the per-frame backpointer row. */
    entryAt: number;
    /** Outside `allowedBpm`: no path may be here. */
    barred: boolean;
  }
  const blocks: VBlock[] = [];
  let entries = 0;
  const barredTau = (tau: number): boolean => allowedBpm !== undefined && !((60 * t.fps) / tau >= allowedBpm[0] && (60 * t.fps) / tau <= allowedBpm[1]);
  t.meters.forEach((meter, mi) => {
    taus.forEach((tau, ti) => {
      const len = meter * tau;
      const w = ((t.meterPrior[mi]! / meterSum) * prior[ti]!) / len;
      const barred = barredTau(tau);
      blocks.push({ meter, tau, len, ti, zone: zoneFrames(tau, t), d: new Float64Array(len).fill(barred ? -Infinity : Math.log(w)), head: 0, entryAt: entries, barred });
      entries += meter;
    });
  });
  // Backpointer per frame and entry: index (within the meter) of the tempo the beat came from.
  const back = new Uint8Array(frames * entries);
  const exits = blocks.map((b) => new Float64Array(b.meter));
  const half = peakHalfWidth(t);
  const peaks = half !== undefined ? new PeakWindow(2 * half + 1, t.beatFactorFloor) : undefined;
  const observe = (n: number): void => {
    const f = zoneFactors(acts[2 * n]!, acts[2 * n + 1]!, t.observationLambda, t.downbeatSharpness);
    if (peaks !== undefined) {
      const p = peaks.push(f);
      const lb = Math.log(p.b);
      const ld = Math.log(p.d);
      for (const b of blocks) for (let beatIdx = 0; beatIdx < b.meter; beatIdx++) b.d[(b.head + beatIdx * b.tau + half!) % b.len]! += beatIdx === 0 ? ld : lb;
      return;
    }
    const lb = Math.log(f.b);
    const ld = Math.log(f.d);
    for (const b of blocks) {
      for (let beatIdx = 0; beatIdx < b.meter; beatIdx++) {
        const w = beatIdx === 0 ? ld : lb;
        for (let j = 0; j < b.zone; j++) b.d[(b.head + beatIdx * b.tau + j) % b.len]! += w;
      }
    }
  };
  observe(0);
  let logScale = 0;
  for (let n = 1; n < frames; n++) {
    for (let k = 0; k < blocks.length; k++) {
      const b = blocks[k]!;
      for (let beatIdx = 0; beatIdx < b.meter; beatIdx++) exits[k]![beatIdx] = b.d[(b.head + (beatIdx + 1) * b.tau - 1) % b.len]!;
    }
    for (const b of blocks) b.head = (b.head - 1 + b.len) % b.len;
    const row = n * entries;
    for (let k = 0; k < blocks.length; k++) {
      const b = blocks[k]!;
      if (b.barred) continue;
      const first = k - b.ti;
      for (let beatIdx = 0; beatIdx < b.meter; beatIdx++) {
        const from = (beatIdx - 1 + b.meter) % b.meter;
        let bestV = -Infinity;
        let arg = 0;
        for (let j = 0; j < nT; j++) {
          const v = exits[first + j]![from]! + logTrans[j * nT + b.ti]!;
          if (v > bestV) {
            bestV = v;
            arg = j;
          }
        }
        b.d[(b.head + beatIdx * b.tau) % b.len] = bestV;
        back[row + b.entryAt + beatIdx] = arg;
      }
    }
    observe(n);
    // Keep the numbers small.
    let max = -Infinity;
    for (const b of blocks) for (let i = 0; i < b.len; i++) if (b.d[i]! > max) max = b.d[i]!;
    if (Number.isFinite(max)) {
      for (const b of blocks) for (let i = 0; i < b.len; i++) b.d[i]! -= max;
      logScale += max;
    }
  }
  // Best final state, then back along the path.
  let bk = 0;
  let pos = 0;
  let bestV = -Infinity;
  blocks.forEach((b, k) => {
    for (let p = 0; p < b.len; p++) {
      const v = b.d[(b.head + p) % b.len]!;
      if (v > bestV) {
        bestV = v;
        bk = k;
        pos = p;
      }
    }
  });
  if (bestV === -Infinity) return { beats: [], logProb: -Infinity };
  const out: DecodedBeat[] = [];
  for (let n = frames - 1; n >= 0; n--) {
    const b = blocks[bk]!;
    if (pos % b.tau === 0) {
      out.push({ frame: n, beatInBar: pos / b.tau, meter: b.meter });
      if (n === 0) break;
      // Came from the last position of the previous beat, at the tempo the backpointer names.
      const beatIdx = pos / b.tau;
      const j = back[n * entries + b.entryAt + beatIdx]!;
      bk = bk - b.ti + j;
      const nb = blocks[bk]!;
      const from = (beatIdx - 1 + nb.meter) % nb.meter;
      pos = (from + 1) * nb.tau - 1;
    } else pos--;
  }
  return { beats: out.reverse(), logProb: logScale + bestV };
}

/** Runs the online filter over a whole activation sequence ((beat, downbeat) per frame); returns its beats. */
export function filterActivations(acts: Float32Array, tuning: Partial<BarPointerTuning> = {}): FilterBeat[] {
  const filter = new BarPointerFilter(tuning);
  const out: FilterBeat[] = [];
  for (let n = 0; 2 * n + 1 < acts.length; n++) {
    const b = filter.step(acts[2 * n]!, acts[2 * n + 1]!);
    if (b !== undefined) out.push(b);
  }
  return out;
}
