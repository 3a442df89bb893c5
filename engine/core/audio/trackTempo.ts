/**
 * Tempo as a stream: the same estimator the beat tracker uses, re-run every half second, emitted
 * once a second or at once when the tempo moves by more than 3%.
 */
import { Observable, type OperatorFunction } from 'rxjs';
import { defaultBeatTuning } from './beatTracker.js';
import { TempoEstimator } from './tempo.js';
import type { FeatureFrame, ListeningSettings, TempoEstimate } from './types.js';

/** Operator: feature frames in, tempo estimates out. Resets with the frames. */
export function trackTempo(settings: ListeningSettings): OperatorFunction<FeatureFrame, TempoEstimate> {
  return (source) =>
    new Observable<TempoEstimate>((subscriber) => {
      const est = new TempoEstimator(settings);
      const fps = settings.sampleRate / settings.hopSize;
      let sinceUpdate = 0;
      let lastEmitT = -Infinity;
      let lastBpm = 0;
      return source.subscribe({
        next: (f) => {
          if (f.reset === true) {
            est.reset();
            sinceUpdate = 0;
            lastEmitT = -Infinity;
            lastBpm = 0;
          }
          // The same onset envelope the beat tracker uses, so tempo$ agrees with the beats' bpm.
          est.push(f.flux + defaultBeatTuning.odfLowWeight * f.fluxLow);
          if (++sinceUpdate < 0.5 * fps) return;
          sinceUpdate = 0;
          const b = est.update();
          if (b === undefined) return;
          if (f.t - lastEmitT >= 1 || Math.abs(b.bpm - lastBpm) > 0.03 * lastBpm) {
            lastEmitT = f.t;
            lastBpm = b.bpm;
            subscriber.next({ t: f.t, bpm: b.bpm, confidence: b.confidence });
          }
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
}
