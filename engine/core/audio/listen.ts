/**
 * The one entry point of the listening stage: audio blocks in; features, onsets, tempo, beats and
 * section boundaries out, all in the audio's time base and all causal.
 */
import { asyncScheduler, share, subscribeOn, type Observable, type SchedulerLike } from 'rxjs';
import { detectOnsets } from './detectOnsets.js';
import { detectSections } from './detectSections.js';
import { extractFeatures } from './extractFeatures.js';
import { trackBeats } from './trackBeats.js';
import { trackTempo } from './trackTempo.js';
import { defaultListeningSettings, type AudioBlock, type Listen, type ListeningSettings, type ListeningStreams } from './types.js';

/** Fills in defaults and checks the settings that would otherwise fail deep inside. */
export function resolveListeningSettings(partial: Partial<ListeningSettings> = {}): ListeningSettings {
  const s = { ...defaultListeningSettings, ...partial };
  if (s.bufferSize < 64 || (s.bufferSize & (s.bufferSize - 1)) !== 0) {
    throw new RangeError(`listening: bufferSize must be a power of two ≥ 64, got ${s.bufferSize}`);
  }
  if (!(s.hopSize >= 1 && s.hopSize <= s.bufferSize)) throw new RangeError(`listening: hopSize must be 1..bufferSize, got ${s.hopSize}`);
  if (!(s.sampleRate >= 8000)) throw new RangeError(`listening: sampleRate must be ≥ 8000 Hz, got ${s.sampleRate}`);
  if (!(s.minBpm > 0 && s.maxBpm > s.minBpm)) throw new RangeError(`listening: need 0 < minBpm < maxBpm, got ${s.minBpm}..${s.maxBpm}`);
  return s;
}

/**
 * Builds the listening pipeline over `blocks$`. The outputs are shared: the analysis runs once
 * however many streams are subscribed. The source is subscribed on `scheduler` (asynchronously by
 * default), so every output subscribed in the same tick as `listen` sees the first block, even when
 * the source is a synchronous offline replay. A block with `reset: true` starts a new song.
 */
export function listen(
  blocks$: Observable<AudioBlock>,
  settings: Partial<ListeningSettings> = {},
  scheduler: SchedulerLike = asyncScheduler,
): ListeningStreams {
  const s = resolveListeningSettings(settings);
  const features$ = blocks$.pipe(subscribeOn(scheduler), extractFeatures(s), share());
  const onsets$ = features$.pipe(detectOnsets(s), share());
  const tempo$ = features$.pipe(trackTempo(s), share());
  const beats$ = features$.pipe(trackBeats(s), share());
  const sections$ = features$.pipe(detectSections(s, beats$), share());
  return { features$, onsets$, tempo$, beats$, sections$ };
}

/** Compile-time check that `listen` matches the published `Listen` signature in types.ts. */
export const listenSignature: Listen = listen;
