/**
 * Beats as a stream: each beat (with bar position and the predicted next beat) is emitted on the
 * frame that reaches it. See `beatTracker.ts` for the method.
 */
import { Observable, type OperatorFunction } from 'rxjs';
import { BeatTracker, type BeatTrackerTuning } from './beatTracker.js';
import type { Beat, FeatureFrame, ListeningSettings } from './types.js';

/** Operator: feature frames in, beats out. Resets with the frames. */
export function trackBeats(settings: ListeningSettings, tuning: Partial<BeatTrackerTuning> = {}): OperatorFunction<FeatureFrame, Beat> {
  return (source) =>
    new Observable<Beat>((subscriber) => {
      const tracker = new BeatTracker(settings, tuning);
      return source.subscribe({
        next: (f) => {
          const b = tracker.push(f);
          if (b !== undefined) subscriber.next(b);
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
}
