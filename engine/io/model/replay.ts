/**
 * Offline replay of a take through the live listening pipeline, on a synchronous virtual clock: the
 * audio is cut into the blocks a live source would deliver and every stream's output is gathered in
 * arrival order, exactly as the live predictor would receive it.
 */
import { asyncScheduler, from, lastValueFrom, tap, toArray } from 'rxjs';
import { takeBlocks } from '../../core/audio/analyze.js';
import { listen } from '../../core/audio/listen.js';
import type { ListeningSettings } from '../../core/audio/types.js';
import { predictorEvents, type PredictorEvent } from '../../core/model/predictor.js';
import type { ListenedTake } from '../../core/model/events.js';
import type { PerformerEvent } from '../../core/model/types.js';
import { readWavFile } from '../audio/wavFile.js';

/** What a replay produced: every event in arrival order, with the moment its audio block arrived. */
export type Replay = ListenedTake & { readonly events: PredictorEvent[] };

/** Replays `audio.wav` (and performer events) through `listen` and returns every event in order. */
export async function replayAudio(audioPath: string, performer: readonly PerformerEvent[] = [], settings: Partial<ListeningSettings> = {}): Promise<Replay> {
  const wav = await readWavFile(audioPath);
  // listen() subscribes its source on the scheduler: deferring it (asyncScheduler) lets every output
  // stream subscribe first, so the analysis runs once and the events arrive interleaved in time order
  // (a synchronous scheduler would run the whole take before the beat stream even subscribed).
  // Each event arrives with the block whose analysis emitted it (the blocks a live source, and every
  // offline replay of the take, deliver: `takeBlocks`).
  let arrival = 0;
  const blocks$ = from(takeBlocks(wav.samples, wav.sampleRate)).pipe(tap((b) => (arrival = b.t + b.samples.length / b.sampleRate)));
  const streams = listen(blocks$, settings, asyncScheduler);
  const times: number[] = [];
  const listened = await lastValueFrom(predictorEvents(streams).pipe(tap(() => times.push(arrival)), toArray()));
  const merged = performer.length === 0 ? { events: listened, at: times } : mergePerformer(listened, times, performer);
  return { durationS: wav.durationS, events: merged.events, arrivals: Float64Array.from(merged.at) };
}

/** Inserts performer events before the first frame at or after their time (arriving with that frame). */
function mergePerformer(events: readonly PredictorEvent[], times: readonly number[], performer: readonly PerformerEvent[]): { events: PredictorEvent[]; at: number[] } {
  const sorted = [...performer].sort((a, b) => a.t - b.t);
  const out: PredictorEvent[] = [];
  const at: number[] = [];
  let p = 0;
  events.forEach((e, i) => {
    if (e.kind === 'frame') {
      while (p < sorted.length && sorted[p]!.t <= e.v.t) {
        out.push({ kind: 'performer', v: sorted[p++]! });
        at.push(times[i]!);
      }
    }
    out.push(e);
    at.push(times[i]!);
  });
  return { events: out, at };
}
