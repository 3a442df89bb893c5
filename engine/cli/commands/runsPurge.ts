/** `precue runs list` and `precue runs purge`: a show's runs on disk, and removing their audio. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { FILE_JSON_BOUNDS, parseBoundedJson } from '../../core/json/bounded.js';
import { runsSettingsSchema, type RunsSettings } from '../../core/show/schema.js';
import { purgeRuns } from '../../io/runs/retention.js';
import { listRuns, runsDirOf } from '../../io/runs/runFolder.js';
import { parseCommandArgs, type Command } from '../command.js';
import { EXIT } from '../exitCodes.js';

/** The show's `runs` settings (defaults where it says nothing). */
async function runsSettings(showDir: string): Promise<RunsSettings> {
  const file = join(showDir, 'show.json');
  const text = await readFile(file, 'utf8').catch(() => {
    throw new UsageError(`precue runs: ${file} cannot be read: give a show folder`);
  });
  const doc = parseBoundedJson(text, FILE_JSON_BOUNDS);
  const runs = runsSettingsSchema.safeParse(doc.ok ? ((doc.value as { runs?: unknown }).runs ?? {}) : {});
  if (!runs.success) throw new UsageError(`precue runs: ${file}: runs: ${runs.error.issues[0]?.message ?? 'invalid'} (precue validate ${showDir} says more)`);
  return runs.data;
}

export const listCommand: Command = {
  name: ['runs', 'list'],
  summary: "a show's runs: when, how long, whether their audio is kept",
  help: `Usage: precue runs list <show-folder>

Lists the runs 'precue run' wrote for the show (takes/run-…, or $PRECUE_RUNS_DIR), oldest first:
when each started, what it holds, and the audio still kept.
`,
  async run(args, ctx) {
    const { positionals } = parseCommandArgs('runs list', args, {});
    const showDir = positionals[0];
    if (showDir === undefined || positionals.length > 1) throw new UsageError("precue runs list: give one show folder, e.g. 'precue runs list shows/demo'.");
    const settings = await runsSettings(showDir);
    const runs = await listRuns(runsDirOf(showDir));
    for (const r of runs) ctx.stdout(`${r.name}  ${r.startedAt?.toISOString() ?? 'start unreadable'}  ${r.audioBytes > 0 ? `audio ${(r.audioBytes / 1048576).toFixed(1)} MiB` : 'no audio'}\n`);
    ctx.stdout(`${runs.length} run(s) in ${runsDirOf(showDir)}; the show ${settings.keepAudio ? `keeps run audio ${settings.audioDays} days` : 'does not keep run audio'}${settings.logDays !== undefined ? `, runs ${settings.logDays} days` : ''}\n`);
    return EXIT.ok;
  },
};

export const command: Command = {
  name: ['runs', 'purge'],
  summary: "remove runs' audio (performers are on it) past the show's retention, or all of it",
  help: `Usage: precue runs purge <show-folder> [--all-audio] [--dry-run]

Applies the show's retention ('runs' in show.json) now: a run's audio goes audioDays after the run
(default 30), a whole run (log, usage, audio) logDays after when the show sets it. The engine does the
same at every start. Takes recorded on purpose (precue record) are never touched.

Options:
  --all-audio   remove every run's audio now, whatever its age (the decision logs stay)
  --dry-run     say what would go, remove nothing
`,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs('runs purge', args, {
      'all-audio': { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
    });
    const showDir = positionals[0];
    if (showDir === undefined || positionals.length > 1) throw new UsageError("precue runs purge: give one show folder, e.g. 'precue runs purge shows/demo'.");
    const settings = await runsSettings(showDir);
    const r = await purgeRuns(runsDirOf(showDir), settings, new Date(), { allAudio: values['all-audio'], dryRun: values['dry-run'] });
    for (const l of r.lines) ctx.stdout(`${l}\n`);
    ctx.stdout(`${values['dry-run'] ? 'would free' : 'freed'} ${(r.bytes / 1048576).toFixed(1)} MiB: ${r.audioRemoved.length} run(s)' audio, ${r.runsRemoved.length} whole run(s)\n`);
    return EXIT.ok;
  },
};
