/**
 * Offline analysis: run the live pipeline over a whole recording as fast as the CPU allows and
 * collect what it emitted. `precue analyze` and the benches use it, so what they measure is what runs
 * live.
 */
import { from, lastValueFrom, merge, toArray, map, tap, type Observable, type SchedulerLike, asyncScheduler } from 'rxjs';
import { listen, type ListenOptions } from './listen.js';
import { AUDIO_BLOCK_SAMPLES, type AudioBlock, type Beat, type FeatureFrame, type Onset, type SectionChange, type TempoEstimate } from './types.js';

/** Everything the pipeline emitted over one recording. */
export interface AnalysisResult {
  readonly durationS: number;
  /** Median BPM over the beats of the second half of the recording (0 when no beats). */
  readonly tempoBpm: number;
  readonly beats: readonly Beat[];
  readonly onsets: readonly Onset[];
  readonly tempo: readonly TempoEstimate[];
  readonly sections: readonly SectionChange[];
  /** Frame times and onset strength (flux), for plots. */
  readonly envelope: { readonly t: Float32Array; readonly flux: Float32Array };
}

/** Cuts a mono recording into blocks (as a live source would deliver them). */
export function audioBlocks(samples: Float32Array, sampleRate: number, blockSize = 1024, startT = 0): Observable<AudioBlock> {
  return from(cutBlocks(samples, sampleRate, blockSize, startT, false));
}

/**
 * A take's audio cut into the blocks a live source delivers, the first marked `reset` (a new song):
 * what every offline replay of a take (eval, training, the replay cache) feeds the listening stage.
 */
export function takeBlocks(samples: Float32Array, sampleRate: number, blockSize = AUDIO_BLOCK_SAMPLES): AudioBlock[] {
  return cutBlocks(samples, sampleRate, blockSize, 0, true);
}

function cutBlocks(samples: Float32Array, sampleRate: number, blockSize: number, startT: number, resetFirst: boolean): AudioBlock[] {
  const blocks: AudioBlock[] = [];
  for (let i = 0; i < samples.length; i += blockSize) {
    blocks.push({ t: startT + i / sampleRate, sampleRate, samples: samples.subarray(i, Math.min(samples.length, i + blockSize)), ...(resetFirst && i === 0 ? { reset: true } : {}) });
  }
  return blocks;
}

type Tagged =
  | { k: 'b'; v: Beat }
  | { k: 'o'; v: Onset }
  | { k: 't'; v: TempoEstimate }
  | { k: 's'; v: SectionChange }
  | { k: 'f'; v: FeatureFrame };

/** Listening options plus a progress callback for long recordings. */
export interface AnalyzeOptions extends ListenOptions {
  /** Called as the analysis goes, with the audio seconds reached and the total. */
  readonly onProgress?: (doneS: number, totalS: number) => void;
}

/** Runs the pipeline over a whole recording and gathers its outputs. */
export async function analyzeRecording(
  samples: Float32Array,
  sampleRate: number,
  options: AnalyzeOptions = {},
  scheduler: SchedulerLike = asyncScheduler,
): Promise<AnalysisResult> {
  const { onProgress, ...settings } = options;
  const totalS = samples.length / sampleRate;
  const blocks$ = audioBlocks(samples, sampleRate);
  const streams = listen(onProgress === undefined ? blocks$ : blocks$.pipe(tap((b) => onProgress(b.t + b.samples.length / sampleRate, totalS))), settings, scheduler);
  const all = await lastValueFrom(
    merge(
      streams.beats$.pipe(map((v): Tagged => ({ k: 'b', v }))),
      streams.onsets$.pipe(map((v): Tagged => ({ k: 'o', v }))),
      streams.tempo$.pipe(map((v): Tagged => ({ k: 't', v }))),
      streams.sections$.pipe(map((v): Tagged => ({ k: 's', v }))),
      streams.features$.pipe(map((v): Tagged => ({ k: 'f', v }))),
    ).pipe(toArray()),
  );
  const beats: Beat[] = [];
  const onsets: Onset[] = [];
  const tempo: TempoEstimate[] = [];
  const sections: SectionChange[] = [];
  const ft: number[] = [];
  const fl: number[] = [];
  for (const x of all) {
    switch (x.k) {
      case 'b':
        beats.push(x.v);
        break;
      case 'o':
        onsets.push(x.v);
        break;
      case 't':
        tempo.push(x.v);
        break;
      case 's':
        sections.push(x.v);
        break;
      case 'f':
        ft.push(x.v.t);
        fl.push(x.v.flux);
        break;
    }
  }
  const durationS = samples.length / sampleRate;
  const late = beats.filter((b) => b.t >= durationS / 2).map((b) => b.bpm).sort((a, b) => a - b);
  const tempoBpm = late.length > 0 ? late[Math.floor(late.length / 2)]! : (beats.at(-1)?.bpm ?? 0);
  return { durationS, tempoBpm, beats, onsets, tempo, sections, envelope: { t: Float32Array.from(ft), flux: Float32Array.from(fl) } };
}
