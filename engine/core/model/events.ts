/**
 * The predictor's input: the listening streams (plus performer events and the cues actually fired)
 * merged into one tagged stream in arrival order. Kept apart from the predictor so that a replay cache
 * keyed on this code stays valid while the model changes.
 */
import { EMPTY, map, merge, type Observable } from 'rxjs';
import type { Beat, FeatureFrame, ListeningStreams, Onset, SectionChange } from '../audio/types.js';
import type { PerformerEvent } from './types.js';

/** One event of the merged input stream, in arrival order. */
export type PredictorEvent =
  | { readonly kind: 'frame'; readonly v: FeatureFrame }
  | { readonly kind: 'beat'; readonly v: Beat }
  | { readonly kind: 'onset'; readonly v: Onset }
  | { readonly kind: 'section'; readonly v: SectionChange }
  | { readonly kind: 'performer'; readonly v: PerformerEvent }
  | { readonly kind: 'fired'; readonly v: { readonly dept: string; readonly cue: string; readonly t: number } };

/** Merges the listening streams (and optional performer and fired-cue streams) into one tagged stream. */
export function predictorEvents(
  streams: Pick<ListeningStreams, 'features$' | 'beats$' | 'onsets$'> & Partial<Pick<ListeningStreams, 'sections$'>>,
  performer$: Observable<PerformerEvent> = EMPTY,
  fired$: Observable<{ dept: string; cue: string; t: number }> = EMPTY,
): Observable<PredictorEvent> {
  return merge(
    streams.features$.pipe(map((v): PredictorEvent => ({ kind: 'frame', v }))),
    streams.beats$.pipe(map((v): PredictorEvent => ({ kind: 'beat', v }))),
    streams.onsets$.pipe(map((v): PredictorEvent => ({ kind: 'onset', v }))),
    (streams.sections$ ?? EMPTY).pipe(map((v): PredictorEvent => ({ kind: 'section', v }))),
    performer$.pipe(map((v): PredictorEvent => ({ kind: 'performer', v }))),
    fired$.pipe(map((v): PredictorEvent => ({ kind: 'fired', v }))),
  );
}


/**
 * What listening to a take emitted, in arrival order, with the moment each event arrived (seconds in
 * the take's time base: the end of the audio block whose analysis emitted it). Enough to replay the
 * take through the show pipeline exactly as its audio would (`replayTake` with `listened`), without
 * listening again: the replay cache holds these.
 */
export interface ListenedTake {
  readonly durationS: number;
  readonly events: readonly PredictorEvent[];
  /** One per event: when it arrived (audio seconds). */
  readonly arrivals: Float64Array;
}
