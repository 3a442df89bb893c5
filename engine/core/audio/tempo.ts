/**
 * Causal tempo estimation from the onset-strength envelope: autocorrelation over the last few seconds,
 * a comb over the first four multiples of each candidate period, a log-Gaussian prior around
 * `priorBpm`, and a forward (HMM-style) smoothing over tempo states so the estimate does not jump.
 */
import type { ListeningSettings } from './types.js';

/** The estimator's current belief. */
export interface TempoBelief {
  readonly bpm: number;
  /** Beat period in frames (fractional). */
  readonly periodFrames: number;
  readonly confidence: number;
}

/** Keeps a window of the onset envelope and re-estimates the tempo on demand. */
export class TempoEstimator {
  private readonly fps: number;
  private readonly window: Float64Array;
  private count = 0;
  private readonly bpms: Float64Array;
  private readonly lags: Float64Array;
  private readonly prior: Float64Array;
  private belief: Float64Array;
  /** Row-major n×n transition matrix between tempo states. */
  private readonly transition: Float64Array;
  private readonly maxLag: number;
  private readonly acf: Float64Array;
  private readonly scratch: Float64Array;
  private readonly prefix: Float64Array;
  private current: TempoBelief | undefined;

  constructor(settings: ListeningSettings) {
    this.fps = settings.sampleRate / settings.hopSize;
    this.window = new Float64Array(Math.round(settings.tempoWindowS * this.fps));
    const states: number[] = [];
    for (let b = settings.minBpm; b <= settings.maxBpm + 1e-9; b += 1) states.push(b);
    this.bpms = Float64Array.from(states);
    this.lags = this.bpms.map((b) => (60 * this.fps) / b);
    this.prior = this.bpms.map((b) => {
      const o = Math.log2(b / settings.priorBpm) / settings.priorWidthOctaves;
      return Math.exp(-0.5 * o * o);
    });
    this.belief = new Float64Array(this.bpms.length).fill(1 / this.bpms.length);
    // Transition: stay near the same tempo (σ = 2% in tempo), with a small chance of a jump anywhere.
    const n = this.bpms.length;
    this.transition = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let j = 0; j < n; j++) {
        const d = Math.log2(this.bpms[j]! / this.bpms[i]!) / 0.03;
        const v = Math.exp(-0.5 * d * d) + 0.002;
        this.transition[i * n + j] = v;
        sum += v;
      }
      for (let j = 0; j < n; j++) this.transition[i * n + j]! /= sum;
    }
    this.maxLag = Math.min(this.window.length - 1, Math.ceil(4 * this.lags[0]!) + 4);
    this.acf = new Float64Array(this.maxLag + 1);
    this.scratch = new Float64Array(this.window.length);
    this.prefix = new Float64Array(this.window.length + 1);
  }

  /** Forgets everything (new song). */
  reset(): void {
    this.window.fill(0);
    this.count = 0;
    this.belief.fill(1 / this.bpms.length);
    this.current = undefined;
  }

  /** Appends one onset-envelope value. */
  push(value: number): void {
    this.window.copyWithin(0, 1);
    this.window[this.window.length - 1] = value;
    this.count++;
  }

  /** Frames pushed since the last reset. */
  get frames(): number {
    return this.count;
  }

  /** The latest estimate, if `update` has run. */
  get estimate(): TempoBelief | undefined {
    return this.current;
  }

  /** Re-estimates from the window. Needs at least ~2 s of envelope; returns undefined before that. */
  update(): TempoBelief | undefined {
    const len = Math.min(this.count, this.window.length);
    if (len < 2 * this.fps) return undefined;
    const x = this.scratch;
    const start = this.window.length - len;
    // Adaptive threshold: remove the local mean (±8 frames), keep what stands out.
    const half = 8;
    let total = 0;
    const prefix = this.prefix;
    prefix[0] = 0;
    for (let i = 0; i < len; i++) prefix[i + 1] = prefix[i]! + this.window[start + i]!;
    for (let i = 0; i < len; i++) {
      const lo = Math.max(0, i - half);
      const hi = Math.min(len - 1, i + half);
      const v = this.window[start + i]! - (prefix[hi + 1]! - prefix[lo]!) / (hi - lo + 1);
      x[i] = v > 0 ? v : 0;
      total += x[i]!;
    }
    if (total <= 1e-9) return this.current;
    const maxLag = Math.min(this.maxLag, len - 1);
    for (let l = 0; l <= maxLag; l++) {
      let s = 0;
      for (let i = l; i < len; i++) s += x[i]! * x[i - l]!;
      this.acf[l] = s / (len - l);
    }
    for (let l = maxLag + 1; l < this.acf.length; l++) this.acf[l] = 0;
    const n = this.bpms.length;
    const score = new Float64Array(n);
    let best = 0;
    let sumScore = 0;
    for (let i = 0; i < n; i++) {
      const lag = this.lags[i]!;
      let s = 0;
      for (let k = 1; k <= 4; k++) {
        const centre = k * lag;
        const lo = Math.max(1, Math.floor(centre - (k - 1) - 0.5));
        const hi = Math.min(maxLag, Math.ceil(centre + (k - 1) + 0.5));
        let m = 0;
        for (let l = lo; l <= hi; l++) m = Math.max(m, this.acf[l]!);
        s += m / k;
      }
      score[i] = s * this.prior[i]!;
      sumScore += score[i]!;
      if (score[i]! > best) best = score[i]!;
    }
    if (best <= 0) return this.current;
    const mean = sumScore / n;
    const next = new Float64Array(n);
    let norm = 0;
    for (let j = 0; j < n; j++) {
      let p = 0;
      for (let i = 0; i < n; i++) p += this.belief[i]! * this.transition[i * n + j]!;
      const obs = (score[j]! / best) ** 4;
      next[j] = p * obs;
      norm += next[j]!;
    }
    if (!(norm > 0)) next.fill(1 / n);
    else for (let j = 0; j < n; j++) next[j]! /= norm;
    this.belief = next;
    let arg = 0;
    for (let j = 1; j < n; j++) if (next[j]! > next[arg]!) arg = j;
    const bpm = this.bpms[arg]!;
    const confidence = Math.max(0, Math.min(1, (score[arg]! - mean) / best));
    this.current = { bpm, periodFrames: (60 * this.fps) / bpm, confidence };
    return this.current;
  }
}
