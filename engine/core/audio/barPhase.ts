/**
 * The place in the bar, beat by beat: a small hidden-Markov filter over (beats per bar M, beat in the
 * bar) fed, on each beat, the bar network's probability that the beat begins a bar (`barNet.ts`).
 * The place advances one per beat (or by the beats a gap spanned); with a small probability it jumps
 * anywhere (a band that drops or adds a beat, a meter change, a wrong guess made early). Forward
 * algorithm only: each beat's answer uses nothing after it. A rehearsal prior may weigh each
 * (meter, beat) before the beat's evidence.
 */

/** Tuning (chosen on the validation split, see bench/listener/README). */
export interface BarPhaseTuning {
  /** Meters considered, and their prior weights. */
  readonly meters: readonly number[];
  readonly meterPrior: readonly number[];
  /** Per beat, this share of the belief jumps to any place (restart). */
  readonly jump: number;
  /** How sharply the bar network's probability counts (1: as a likelihood ratio). */
  readonly sharpness: number;
}

export const defaultBarPhaseTuning: BarPhaseTuning = {
  meters: [3, 4],
  meterPrior: [0.3, 0.7],
  jump: 0.05,
  sharpness: 1,
};

/** Beats a gap of `intervalFrames` spans at a beat interval of `tauFrames` (1 for the first beat, at least 1). */
export function beatsSpanned(intervalFrames: number, tauFrames: number): number {
  return intervalFrames > 0 && tauFrames > 0 ? Math.max(1, Math.round(intervalFrames / tauFrames)) : 1;
}

/** The filter's answer for one beat. */
export interface BarPlace {
  readonly meter: number;
  readonly beatInBar: number;
  /** Posterior of that (meter, beat). */
  readonly confidence: number;
}

/** Weight of a (meter, beat in bar) for this beat from outside the audio (1: no opinion). */
export type BarPlacePrior = (meter: number, beatInBar: number) => number;

export class BarPhaseFilter {
  readonly tuning: BarPhaseTuning;
  /** Belief per (meter, place), meters in `tuning.meters` order, flattened. */
  private readonly a: Float64Array;
  private readonly next: Float64Array;
  private readonly offsets: number[];
  private readonly restart: Float64Array;

  /** `downbeatRate`: the share of beats that begin a bar in the bar network's training (its base rate). */
  constructor(
    readonly downbeatRate: number,
    tuning: Partial<BarPhaseTuning> = {},
  ) {
    this.tuning = { ...defaultBarPhaseTuning, ...tuning };
    const t = this.tuning;
    if (t.meters.length === 0 || t.meters.length !== t.meterPrior.length) throw new RangeError('bar phase: one prior weight per meter');
    if (!(downbeatRate > 0 && downbeatRate < 1)) throw new RangeError(`bar phase: downbeat rate ${downbeatRate} is not in (0, 1)`);
    this.offsets = [];
    let n = 0;
    for (const m of t.meters) {
      this.offsets.push(n);
      n += m;
    }
    this.a = new Float64Array(n);
    this.next = new Float64Array(n);
    const sum = t.meterPrior.reduce((s, x) => s + x, 0);
    this.restart = new Float64Array(n);
    t.meters.forEach((m, mi) => {
      for (let p = 0; p < m; p++) this.restart[this.offsets[mi]! + p] = t.meterPrior[mi]! / sum / m;
    });
    this.reset();
  }

  reset(): void {
    this.a.set(this.restart);
  }

  /**
   * A beat, `steps` beats after the last one (1 normally; more after a gap the tracker did not beat
   * through), with the bar network's probability `pDown` that it begins a bar and, if known,
   * `pPreviousDown` that the beat before it did (ignored after a gap).
   */
  step(pDown: number, steps = 1, prior?: BarPlacePrior, pPreviousDown?: number): BarPlace {
    const t = this.tuning;
    const k = Number.isFinite(steps) && steps >= 1 ? Math.round(steps) : 1;
    const stay = (1 - t.jump) ** k;
    const a = this.a;
    const next = this.next;
    t.meters.forEach((m, mi) => {
      const o = this.offsets[mi]!;
      for (let p = 0; p < m; p++) next[o + ((p + k) % m)] = stay * a[o + p]! + (1 - stay) * this.restart[o + ((p + k) % m)]!;
    });
    const p = Number.isFinite(pDown) ? Math.min(1 - 1e-4, Math.max(1e-4, pDown)) : this.downbeatRate;
    const down = (p / this.downbeatRate) ** t.sharpness;
    const other = ((1 - p) / (1 - this.downbeatRate)) ** t.sharpness;
    // What the network says of the beat before counts only when that beat was one beat back.
    const pp = k === 1 && pPreviousDown !== undefined && Number.isFinite(pPreviousDown) ? Math.min(1 - 1e-4, Math.max(1e-4, pPreviousDown)) : this.downbeatRate;
    const prevDown = (pp / this.downbeatRate) ** t.sharpness;
    const prevOther = ((1 - pp) / (1 - this.downbeatRate)) ** t.sharpness;
    let sum = 0;
    t.meters.forEach((m, mi) => {
      const o = this.offsets[mi]!;
      for (let q = 0; q < m; q++) {
        let v = next[o + q]! * (q === 0 ? down : other) * ((q - 1 + m) % m === 0 ? prevDown : prevOther);
        if (prior !== undefined) {
          const w = prior(m, q);
          if (Number.isFinite(w) && w >= 0) v *= w;
        }
        next[o + q] = v;
        sum += v;
      }
    });
    if (!(sum > 0) || !Number.isFinite(sum)) {
      next.set(this.restart);
      sum = 1;
    }
    let best = 0;
    for (let i = 0; i < next.length; i++) {
      a[i] = next[i]! / sum;
      if (a[i]! > a[best]!) best = i;
    }
    let mi = this.offsets.length - 1;
    while (mi > 0 && this.offsets[mi]! > best) mi--;
    return { meter: t.meters[mi]!, beatInBar: best - this.offsets[mi]!, confidence: a[best]! };
  }
}

/**
 * The single most likely places of a whole take's beats (Viterbi, look-ahead allowed): what a
 * rehearsal grid stores. `down[i]` and `previousDown[i]` are the bar network's two outputs on beat i,
 * `steps[i]` the beats its gap spanned (1 normally; the previous-beat evidence counts only then).
 */
export function decodeBarPhase(
  down: ArrayLike<number>,
  previousDown: ArrayLike<number>,
  steps: ArrayLike<number>,
  downbeatRate: number,
  tuning: Partial<BarPhaseTuning> = {},
): Pick<BarPlace, 'meter' | 'beatInBar'>[] {
  const filter = new BarPhaseFilter(downbeatRate, tuning);
  const t = filter.tuning;
  const states: { meter: number; q: number }[] = [];
  t.meters.forEach((meter) => {
    for (let q = 0; q < meter; q++) states.push({ meter, q });
  });
  const S = states.length;
  const n = down.length;
  if (n === 0) return [];
  const sum = t.meterPrior.reduce((s, x) => s + x, 0);
  const restart = states.map((s) => t.meterPrior[t.meters.indexOf(s.meter)]! / sum / s.meter);
  const clamp = (p: number): number => (Number.isFinite(p) ? Math.min(1 - 1e-4, Math.max(1e-4, p)) : downbeatRate);
  const logObs = (i: number, s: { meter: number; q: number }): number => {
    const p = clamp(down[i]!);
    let v = Math.log(s.q === 0 ? p / downbeatRate : (1 - p) / (1 - downbeatRate));
    const k = Number.isFinite(steps[i]!) && steps[i]! >= 1 ? Math.round(steps[i]!) : 1;
    if (i > 0 && k === 1) {
      const pp = clamp(previousDown[i]!);
      v += Math.log((s.q - 1 + s.meter) % s.meter === 0 ? pp / downbeatRate : (1 - pp) / (1 - downbeatRate));
    }
    return t.sharpness * v;
  };
  const back = new Int32Array(n * S);
  let score = states.map((s, j) => Math.log(restart[j]!) + logObs(0, s));
  for (let i = 1; i < n; i++) {
    const k = Number.isFinite(steps[i]!) && steps[i]! >= 1 ? Math.round(steps[i]!) : 1;
    const stay = (1 - t.jump) ** k;
    // Best predecessor overall (for a jump) and along the bar (for a stay).
    let bestAny = 0;
    for (let j = 1; j < S; j++) if (score[j]! > score[bestAny]!) bestAny = j;
    const next = states.map((s, j) => {
      const from = states.findIndex((p) => p.meter === s.meter && (p.q + k) % s.meter === s.q);
      const viaStay = Math.log(stay) + score[from]!;
      const viaJump = Math.log(1 - stay) + Math.log(restart[j]!) + score[bestAny]!;
      back[i * S + j] = viaStay >= viaJump ? from : bestAny;
      return Math.max(viaStay, viaJump) + logObs(i, s);
    });
    const max = Math.max(...next);
    score = next.map((v) => v - max);
  }
  let j = 0;
  for (let k = 1; k < S; k++) if (score[k]! > score[j]!) j = k;
  const out: Pick<BarPlace, 'meter' | 'beatInBar'>[] = new Array<Pick<BarPlace, 'meter' | 'beatInBar'>>(n);
  for (let i = n - 1; i >= 0; i--) {
    out[i] = { meter: states[j]!.meter, beatInBar: states[j]!.q };
    if (i > 0) j = back[i * S + j]!;
  }
  return out;
}
