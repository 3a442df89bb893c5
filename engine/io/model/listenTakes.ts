/**
 * Listening to rehearsal takes for training: checks their cues first (a bad take is refused before
 * minutes of listening), then learns the tempo range (or takes the one given) and returns the replays
 * made in it, ready for `trainModel`. Shared by `precue train` and the learning bench.
 */
import { checkCues, type TrainingTake } from '../../core/model/train.js';
import { showTempoRange, type TempoRange } from '../../core/model/tempoFit.js';
import { readWavFile } from '../audio/wavFile.js';
import type { Take } from '../takes/take.js';
import { learnTempo, type LearnedTempo } from './learnTempo.js';
import type { Replay } from './replay.js';
import { replayAllCached } from './replayPool.js';

/** How the tempo range is chosen: learned, the tracker's defaults, or around a given BPM. */
export type TempoMode = 'auto' | 'off' | number;

/** What `listenTakes` produced. */
export interface ListenedTakes {
  readonly training: TrainingTake[];
  readonly tempo: TempoRange | undefined;
  /** The tempo search, when the mode was `auto`. */
  readonly learned?: LearnedTempo;
}

/** Listens to `takes` for training (see the module comment). */
export async function listenTakes(
  takes: readonly Take[],
  options: { cache?: string; threads?: number; tempo?: TempoMode; onTrial?: (label: string, fit: number) => void; onListened?: (done: number, total: number) => void } = {},
): Promise<ListenedTakes> {
  checkCues(await Promise.all(takes.map(async (t) => ({ name: t.name, cueFile: `${t.dir}/cues.jsonl`, durationS: (await readWavFile(t.audioPath)).durationS, cues: t.cues }))));
  const mode = options.tempo ?? 'auto';
  const jobs = takes.map((t) => ({ audioPath: t.audioPath, performer: t.performer }));
  const threads = options.threads !== undefined ? { threads: options.threads } : {};
  let replays: Replay[];
  let tempo: TempoRange | undefined;
  let learned: LearnedTempo | undefined;
  if (mode === 'auto') {
    learned = await learnTempo(
      takes.map((t, i) => ({ job: jobs[i]!, cues: t.cues })),
      options.cache,
      { ...threads, ...(options.onTrial !== undefined ? { onTrial: options.onTrial } : {}) },
    );
    replays = learned.replays;
    tempo = learned.range;
  } else {
    tempo = mode === 'off' ? undefined : showTempoRange(mode);
    let done = 0;
    replays = await replayAllCached(
      jobs.map((j) => ({ ...j, ...(tempo !== undefined ? { settings: { ...tempo } } : {}) })),
      options.cache,
      { ...threads, onDone: () => options.onListened?.(++done, takes.length) },
    );
  }
  const training = takes.map((t, i) => ({ name: t.name, cueFile: `${t.dir}/cues.jsonl`, durationS: replays[i]!.durationS, cues: t.cues, events: replays[i]!.events, arrivals: replays[i]!.arrivals }));
  return { training, tempo, ...(learned !== undefined ? { learned } : {}) };
}
