/**
 * Learns a show's tempo range from its rehearsal takes (see `core/model/tempoFit.ts`): listens to the
 * takes with the tracker's defaults and once per candidate range, and keeps the range whose beats
 * carry the most rehearsal cues. Replays go through the replay cache, so a second training is quick.
 */
import type { Beat } from '../../core/audio/types.js';
import { candidateRange, chooseTempo, cueBeatFit, medianBpm, TEMPO_CANDIDATES_BPM, type TempoChoice, type TempoTrial } from '../../core/model/tempoFit.js';
import type { TakeCue } from '../../core/model/types.js';
import { replayAllCached, type ReplayJob } from './replayPool.js';
import type { Replay } from './replay.js';

/** A rehearsal to learn from: its replay job and cues. */
export interface TempoTake {
  readonly job: ReplayJob;
  readonly cues: readonly TakeCue[];
}

/** What `learnTempo` found, with the replays made in the chosen settings (ready for training). */
export interface LearnedTempo extends TempoChoice {
  readonly replays: Replay[];
  readonly trials: readonly TempoTrial[];
}

function beatsOf(r: Replay): Beat[] {
  const out: Beat[] = [];
  for (const e of r.events) if (e.kind === 'beat') out.push(e.v);
  return out;
}

/** Tries every candidate range on the takes and returns the choice and the matching replays. */
export async function learnTempo(takes: readonly TempoTake[], cacheDir: string | undefined, options: { threads?: number; onTrial?: (label: string, fit: number) => void } = {}): Promise<LearnedTempo> {
  const replay = (settings: ReplayJob['settings']): Promise<Replay[]> =>
    replayAllCached(
      takes.map((t) => ({ ...t.job, ...(settings !== undefined ? { settings } : {}) })),
      cacheDir,
      options.threads !== undefined ? { threads: options.threads } : {},
    );
  const defaults = await replay(undefined);
  const defaultFits = defaults.map((r, i) => cueBeatFit(beatsOf(r), takes[i]!.cues));
  options.onTrial?.('defaults', defaultFits.reduce((s, x) => s + x, 0) / Math.max(1, defaultFits.length));
  const trials: TempoTrial[] = [];
  for (const centre of TEMPO_CANDIDATES_BPM) {
    const range = candidateRange(centre);
    const replays = await replay({ ...range });
    const fits = replays.map((r, i) => cueBeatFit(beatsOf(r), takes[i]!.cues));
    trials.push({ range, fits, bpms: replays.map((r) => medianBpm(beatsOf(r))) });
    options.onTrial?.(`${range.minBpm.toFixed(0)}–${range.maxBpm.toFixed(0)} BPM`, fits.reduce((s, x) => s + x, 0) / Math.max(1, fits.length));
  }
  const choice = chooseTempo(trials, defaultFits);
  const replays = choice.range === undefined ? defaults : await replay({ ...choice.range });
  return { ...choice, replays, trials };
}
