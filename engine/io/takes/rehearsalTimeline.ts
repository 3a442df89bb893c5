/**
 * The rehearsal the timeline shows: when the show plays a take's `audio.wav` (a file source), that
 * take's cues are where the rehearsal put each cue on the very audio the engine hears, so they go on
 * the timeline at their own times. Any other source (a live input) has no rehearsal placed this way.
 */
import { basename, dirname, isAbsolute, join } from 'node:path';
import type { TimelineState } from '../../core/protocol/timeline.js';
import type { ShowFile } from '../../core/show/schema.js';
import { readWavFile } from '../audio/wavFile.js';
import { readTake } from './take.js';

/** The take the show plays, for the timeline; null when it plays none (or it cannot be read: `why`). */
export async function rehearsalForTimeline(show: Pick<ShowFile, 'audio'>, showDir: string): Promise<{ rehearsal: TimelineState['rehearsal']; why?: string }> {
  const source = show.audio?.source;
  if (source?.kind !== 'file') return { rehearsal: null, why: 'the show listens to a live input' };
  const path = isAbsolute(source.path) ? source.path : join(showDir, source.path);
  if (basename(path) !== 'audio.wav') return { rehearsal: null, why: `${source.path} is not a take's audio.wav` };
  try {
    const take = await readTake(dirname(path));
    const wav = await readWavFile(take.audioPath);
    const durationS = wav.samples.length / wav.sampleRate;
    return {
      rehearsal: { name: take.name.slice(0, 200), durationS, loop: source.loop, cues: take.cues.slice(0, 20_000).map((c) => ({ t: c.t, dept: c.dept, cue: c.cue })) },
    };
  } catch (err) {
    return { rehearsal: null, why: err instanceof Error ? err.message : String(err) };
  }
}
