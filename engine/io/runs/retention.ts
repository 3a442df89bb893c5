/**
 * What a show keeps of its runs, and for how long (`show.runs`): a run's audio holds performers, so it
 * goes `audioDays` after the run (at the next start, or `precue runs purge`); whole runs (log, usage,
 * audio) go `logDays` after, when the show sets it. `purgeRuns` with `all` removes every run's audio
 * now, whatever the age. Only run folders (a `decisions.jsonl` with a readable start line) are
 * touched: rehearsal takes recorded on purpose are never deleted here.
 */
import { rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunsSettings } from '../../core/show/schema.js';
import { AUDIO_FILE, listRuns } from './runFolder.js';

const DAY_MS = 24 * 3600 * 1000;

/** What a purge did. */
export interface PurgeResult {
  /** Runs whose audio was removed. */
  readonly audioRemoved: readonly string[];
  /** Runs removed whole. */
  readonly runsRemoved: readonly string[];
  /** Bytes freed (audio only; logs are small). */
  readonly bytes: number;
  /** One line per removal, for the log or the CLI. */
  readonly lines: readonly string[];
}

/** Options of a purge. */
export interface PurgeOptions {
  /** Remove every run's audio now, whatever its age. */
  readonly allAudio?: boolean;
  /** Say what would go, without removing it. */
  readonly dryRun?: boolean;
}

/** Applies the show's retention to the runs in `runsDir` at `now`. */
export async function purgeRuns(runsDir: string, settings: Pick<RunsSettings, 'audioDays' | 'logDays'>, now: Date, options: PurgeOptions = {}): Promise<PurgeResult> {
  const audioRemoved: string[] = [];
  const runsRemoved: string[] = [];
  const lines: string[] = [];
  let bytes = 0;
  const verb = options.dryRun === true ? 'would remove' : 'removed';
  for (const r of await listRuns(runsDir)) {
    // A run whose start cannot be read has no age: its audio goes only on an explicit purge of all.
    const ageDays = r.startedAt === undefined ? undefined : (now.getTime() - r.startedAt.getTime()) / DAY_MS;
    if (ageDays !== undefined && settings.logDays !== undefined && ageDays >= settings.logDays) {
      if (options.dryRun !== true) await rm(r.dir, { recursive: true, force: true });
      runsRemoved.push(r.name);
      bytes += r.audioBytes;
      lines.push(`${verb} run ${r.name} (${ageDays.toFixed(0)} days old; the show keeps runs ${settings.logDays} days)`);
      continue;
    }
    if (r.audioBytes === 0) continue;
    if (options.allAudio === true || (ageDays !== undefined && ageDays >= settings.audioDays)) {
      if (options.dryRun !== true) await unlink(join(r.dir, AUDIO_FILE));
      audioRemoved.push(r.name);
      bytes += r.audioBytes;
      lines.push(`${verb} the audio of ${r.name} (${(r.audioBytes / 1048576).toFixed(1)} MiB${ageDays !== undefined ? `, ${ageDays.toFixed(0)} days old` : ''}; the show keeps run audio ${settings.audioDays} days)`);
    }
  }
  return { audioRemoved, runsRemoved, bytes, lines };
}
