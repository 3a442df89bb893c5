/**
 * The one entry point of the listening stage: audio blocks in; features, onsets, tempo, beats and
 * section boundaries out, all in the audio's time base and all causal.
 */
import { asyncScheduler, filter, map, share, subscribeOn, type Observable, type SchedulerLike } from 'rxjs';
import { detectOnsets } from './detectOnsets.js';
import { detectSections } from './detectSections.js';
import { extractFrames } from './extractFeatures.js';
import type { BeatPrior } from './learnedTracker.js';
import { trackBeats } from './trackBeats.js';
import { trackTempo } from './trackTempo.js';
import { defaultListeningSettings, type AudioBlock, type Listen, type ListeningSettings, type ListeningStreams, type TrackerKind } from './types.js';

/**
 * The listening settings, plus what the show knows: a prior for the learned tracker (one per run of
 * the pipeline; `core/rehearsal`'s `RehearsalPrior` over the rehearsals' grids).
 */
export interface ListenOptions extends Partial<ListeningSettings> {
  readonly prior?: () => BeatPrior;
}

/**
 * The tracker that runs: the one asked for, else the learned one when rehearsal grids are given (the
 * prior guides it only), else the default. Asking for the DSP tracker with rehearsals is an error.
 */
export function chooseTracker(asked: TrackerKind | undefined, withRehearsals: boolean): TrackerKind {
  if (asked === 'dsp' && withRehearsals) throw new RangeError("rehearsal grids guide the learned tracker only: use tracker 'learned' (or no rehearsals)");
  return asked ?? (withRehearsals ? 'learned' : defaultListeningSettings.tracker);
}

/** Fills in defaults and checks the settings that would otherwise fail deep inside. */
export function resolveListeningSettings(partial: ListenOptions = {}): ListeningSettings {
  const { prior: _prior, ...rest } = partial;
  const s = { ...defaultListeningSettings, ...rest };
  if (s.bufferSize < 64 || (s.bufferSize & (s.bufferSize - 1)) !== 0) {
    throw new RangeError(`listening: bufferSize must be a power of two ≥ 64, got ${s.bufferSize}`);
  }
  if (!(s.hopSize >= 1 && s.hopSize <= s.bufferSize)) throw new RangeError(`listening: hopSize must be 1..bufferSize, got ${s.hopSize}`);
  if (!(s.sampleRate >= 8000)) throw new RangeError(`listening: sampleRate must be ≥ 8000 Hz, got ${s.sampleRate}`);
  if (!(s.minBpm > 0 && s.maxBpm > s.minBpm)) throw new RangeError(`listening: need 0 < minBpm < maxBpm, got ${s.minBpm}..${s.maxBpm}`);
  if (s.tracker !== 'learned' && s.tracker !== 'dsp') throw new RangeError(`listening: tracker must be 'learned' or 'dsp', got '${String(s.tracker)}'`);
  return s;
}

/**
 * Builds the listening pipeline over `blocks$`. The outputs are shared: the analysis runs once
 * however many streams are subscribed. The source is subscribed on `scheduler` (asynchronously by
 * default), so every output subscribed in the same tick as `listen` sees the first block, even when
 * the source is a synchronous offline replay. A block with `reset: true` starts a new song.
 * Beats and tempo come from the tracker the settings name (`tracker`, `defaultListeningSettings`'s by default); with
 * `prior`, the learned tracker weighs its beat hypotheses by it (the rehearsals' grids).
 */
export function listen(
  blocks$: Observable<AudioBlock>,
  settings: ListenOptions = {},
  scheduler: SchedulerLike = asyncScheduler,
): ListeningStreams {
  const s = resolveListeningSettings(settings);
  const frames$ = blocks$.pipe(subscribeOn(scheduler), extractFrames(s), share());
  const features$ = frames$.pipe(
    filter((f) => f.kind === 'feature'),
    map((f) => f.frame),
    share(),
  );
  const onsets$ = features$.pipe(detectOnsets(s), share());
  const tracked$ = frames$.pipe(trackBeats(s, settings.prior), share());
  const beats$ = tracked$.pipe(
    filter((x) => x.kind === 'beat'),
    map((x) => x.v),
    share(),
  );
  const tempo$ =
    s.tracker === 'dsp'
      ? features$.pipe(trackTempo(s), share())
      : tracked$.pipe(
          filter((x) => x.kind === 'tempo'),
          map((x) => x.v),
          share(),
        );
  const sections$ = features$.pipe(detectSections(s, beats$), share());
  return { features$, onsets$, tempo$, beats$, sections$ };
}

/** Compile-time check that `listen` matches the published `Listen` signature in types.ts. */
export const listenSignature: Listen = listen;
