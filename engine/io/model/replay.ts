/**
 * Offline replay of a take through the live listening pipeline, on a synchronous virtual clock: the
 * audio is cut into the blocks a live source would deliver and every stream's output is gathered in
 * arrival order, exactly as the live predictor would receive it.
 */
import { asyncScheduler, lastValueFrom, toArray } from 'rxjs';
import { audioBlocks } from '../../core/audio/analyze.js';
import { listen } from '../../core/audio/listen.js';
import type { ListeningSettings } from '../../core/audio/types.js';
import { predictorEvents, type PredictorEvent } from '../../core/model/predictor.js';
import type { PerformerEvent } from '../../core/model/types.js';
import { readWavFile } from '../audio/wavFile.js';

/** What a replay produced. */
export interface Replay {
  readonly durationS: number;
  readonly events: PredictorEvent[];
}

/** Replays `audio.wav` (and performer events) through `listen` and returns every event in order. */
export async function replayAudio(audioPath: string, performer: readonly PerformerEvent[] = [], settings: Partial<ListeningSettings> = {}): Promise<Replay> {
  const wav = await readWavFile(audioPath);
  // listen() subscribes its source on the scheduler: deferring it (asyncScheduler) lets every output
  // stream subscribe first, so the analysis runs once and the events arrive interleaved in time order
  // (a synchronous scheduler would run the whole take before the beat stream even subscribed).
  const streams = listen(audioBlocks(wav.samples, wav.sampleRate, 1024), settings, asyncScheduler);
  const listened = await lastValueFrom(predictorEvents(streams).pipe(toArray()));
  const events = performer.length === 0 ? listened : mergePerformer(listened, performer);
  return { durationS: wav.durationS, events };
}

/** Inserts performer events before the first frame at or after their time. */
function mergePerformer(events: readonly PredictorEvent[], performer: readonly PerformerEvent[]): PredictorEvent[] {
  const sorted = [...performer].sort((a, b) => a.t - b.t);
  const out: PredictorEvent[] = [];
  let p = 0;
  for (const e of events) {
    if (e.kind === 'frame') {
      while (p < sorted.length && sorted[p]!.t <= e.v.t) out.push({ kind: 'performer', v: sorted[p++]! });
    }
    out.push(e);
  }
  return out;
}
