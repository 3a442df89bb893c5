/**
 * Onset detection: causal peak picking on the log-magnitude flux with an adaptive threshold (median-
 * like running mean of the last 0.5 s plus a floor). A peak at frame n is confirmed one hop later.
 */
import { Observable, type OperatorFunction } from 'rxjs';
import type { FeatureFrame, ListeningSettings, Onset } from './types.js';

/** Tuning of onset peak picking. */
export interface OnsetTuning {
  /** Multiplier of the running mean the peak must exceed. */
  readonly ratio: number;
  /** Absolute floor in flux units (silence never makes onsets). */
  readonly floor: number;
  /** Minimum seconds between onsets. */
  readonly minIntervalS: number;
}

/** Defaults for `OnsetTuning`. */
export const defaultOnsetTuning: OnsetTuning = { ratio: 1.5, floor: 0.02, minIntervalS: 0.03 };

/** Stateful onset picker; `push` returns the onset confirmed by this frame, if any. */
export class OnsetPicker {
  private readonly history: number[] = [];
  private readonly size: number;
  private readonly tuning: OnsetTuning;
  private prev2 = 0;
  private prev1 = 0;
  private prev1T = 0;
  private lastOnsetT = -Infinity;

  constructor(settings: ListeningSettings, tuning: Partial<OnsetTuning> = {}) {
    this.size = Math.max(3, Math.round((0.5 * settings.sampleRate) / settings.hopSize));
    this.tuning = { ...defaultOnsetTuning, ...tuning };
  }

  reset(): void {
    this.history.length = 0;
    this.prev2 = 0;
    this.prev1 = 0;
    this.lastOnsetT = -Infinity;
  }

  push(f: FeatureFrame): Onset | undefined {
    if (f.reset === true) this.reset();
    let onset: Onset | undefined;
    const meanPast = this.history.length > 0 ? this.history.reduce((a, b) => a + b, 0) / this.history.length : 0;
    const threshold = Math.max(this.tuning.floor, meanPast * this.tuning.ratio);
    const x = this.prev1;
    if (x > this.prev2 && x >= f.flux && x > threshold && this.prev1T - this.lastOnsetT >= this.tuning.minIntervalS) {
      onset = { t: this.prev1T, strength: x - threshold };
      this.lastOnsetT = this.prev1T;
    }
    this.history.push(x);
    if (this.history.length > this.size) this.history.shift();
    this.prev2 = this.prev1;
    this.prev1 = f.flux;
    this.prev1T = f.t;
    return onset;
  }
}

/** Operator: feature frames in, onsets out (each one hop after its peak). Resets with the frames. */
export function detectOnsets(settings: ListeningSettings, tuning: Partial<OnsetTuning> = {}): OperatorFunction<FeatureFrame, Onset> {
  return (source) =>
    new Observable<Onset>((subscriber) => {
      const picker = new OnsetPicker(settings, tuning);
      return source.subscribe({
        next: (f) => {
          const o = picker.push(f);
          if (o !== undefined) subscriber.next(o);
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
}
