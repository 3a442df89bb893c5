/**
 * Beats as a stream: each beat (with bar position and the predicted next beat) is emitted on the
 * frame that reaches it. The learned tracker (`learnedTracker.ts`) also emits the tempo;
 * the DSP tracker (`beatTracker.ts`, `tracker: 'dsp'`) leaves the tempo to `trackTempo`.
 */
import { Observable, type OperatorFunction } from 'rxjs';
import { BeatTracker, type BeatTrackerTuning } from './beatTracker.js';
import { LearnedBeatTracker, type BeatPrior } from './learnedTracker.js';
import type { Beat, ListeningFrame, ListeningSettings, TempoEstimate } from './types.js';

/** What the tracking stage emits. */
export type Tracked = { readonly kind: 'beat'; readonly v: Beat } | { readonly kind: 'tempo'; readonly v: TempoEstimate };

/**
 * Operator: listening frames in, beats (and with the learned tracker, tempo) out. Resets with the
 * frames. `prior` (learned tracker only) makes the prior that weighs beat hypotheses (rehearsal grids).
 */
export function trackBeats(settings: ListeningSettings, prior?: () => BeatPrior, tuning: Partial<BeatTrackerTuning> = {}): OperatorFunction<ListeningFrame, Tracked> {
  return (source) =>
    new Observable<Tracked>((subscriber) => {
      if (settings.tracker === 'dsp') {
        const tracker = new BeatTracker(settings, tuning);
        return source.subscribe({
          next: (f) => {
            if (f.kind !== 'feature') return;
            const b = tracker.push(f.frame);
            if (b !== undefined) subscriber.next({ kind: 'beat', v: b });
          },
          error: (err: unknown) => subscriber.error(err),
          complete: () => subscriber.complete(),
        });
      }
      const tracker = new LearnedBeatTracker(settings, prior !== undefined ? { prior: prior() } : {});
      return source.subscribe({
        next: (f) => {
          if (f.kind === 'feature') {
            tracker.pushFeature(f.frame);
            return;
          }
          const out = tracker.pushBeatFrame(f.frame);
          if (out.tempo !== undefined) subscriber.next({ kind: 'tempo', v: out.tempo });
          if (out.beat !== undefined) subscriber.next({ kind: 'beat', v: out.beat });
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
}
