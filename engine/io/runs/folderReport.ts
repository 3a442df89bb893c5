/**
 * The report of a folder on disk: a run folder (its `decisions.jsonl`), or a take without one (its
 * audio replayed through the model in shadow mode, the take's cues as the operator's GOs). Reads what
 * the report needs — the log, the rehearsal the model follows, the audio for the waveform, the
 * fixtures' usage and the show's maintenance thresholds — and writes `report.html` and
 * `timeline.png`.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { takeBlocks } from '../../core/audio/analyze.js';
import type { TimedCue } from '../../core/model/metrics.js';
import { buildRunReport, compareReports, type RunReport } from '../../core/runs/report.js';
import type { RunLog } from '../../core/runs/runLog.js';
import { replayShadow } from '../../core/runs/shadowReplay.js';
import { maintenanceHints, sumUsage, type MaintenanceHint, type UsageReport } from '../../core/runs/usage.js';
import { maintenanceSchema, type MaintenanceSettings } from '../../core/show/schema.js';
import { FILE_JSON_BOUNDS, parseBoundedJson } from '../../core/json/bounded.js';
import { UsageError } from '../../core/errors.js';
import { readWavFile } from '../audio/wavFile.js';
import { writeFileAtomic } from '../files/atomicWrite.js';
import { loadModelFolder, readModelMeta, type ModelFolder } from '../model/modelFolder.js';
import { readTake } from '../takes/take.js';
import { svgToPng, timelineSvg, waveformOf, type Waveform } from '../plots/timeline.js';
import { reportHtml } from './reportHtml.js';
import { AUDIO_FILE, isRunFolder, listRuns, readRunLog, readUsage } from './runFolder.js';

/** A folder's report, with what it was made from. */
export interface FolderReport {
  readonly report: RunReport;
  readonly log: RunLog;
  /** How the log was obtained. */
  readonly from: 'run log' | 'shadow replay';
  readonly waveform?: Waveform;
  readonly usage?: UsageReport;
  readonly hints: readonly MaintenanceHint[];
  readonly notes: readonly string[];
}

/** Options of a folder report. */
export interface FolderReportOptions {
  /** The model to replay a take through (default: the show's, found beside the take). */
  readonly model?: string | ModelFolder;
  /** Progress lines. */
  readonly progress?: (line: string) => void;
}

async function readJson(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const parsed = parseBoundedJson(text, FILE_JSON_BOUNDS);
  return parsed.ok ? parsed.value : undefined;
}

/** The show folder a take or run folder belongs to (`<show>/takes/<name>`), if it is one. */
async function showDirOf(dir: string, hinted?: string): Promise<string | undefined> {
  for (const d of [hinted, dirname(dirname(resolve(dir)))]) {
    if (d !== undefined && d !== '' && (await readJson(join(d, 'show.json'))) !== undefined) return d;
  }
  return undefined;
}

async function waveformFrom(file: string): Promise<Waveform | undefined> {
  const wav = await readWavFile(file).catch(() => undefined);
  return wav === undefined ? undefined : waveformOf(wav.samples, wav.sampleRate);
}

/** Builds the report of a run or take folder. */
export async function reportFolder(dir: string, options: FolderReportOptions = {}): Promise<FolderReport> {
  const notes: string[] = [];
  let log: RunLog;
  let from: FolderReport['from'];
  let rehearsal: TimedCue[] = [];
  let waveform: Waveform | undefined;
  let showDir: string | undefined;
  if (await isRunFolder(dir)) {
    from = 'run log';
    log = await readRunLog(dir);
    showDir = await showDirOf(dir, log.start.showDir);
    // The rehearsal the model follows, from the model the run used (when it is still there).
    const follows = log.start.model?.follows;
    if (log.start.model !== null && follows !== undefined) {
      const meta = await readModelMeta(log.start.model.path).catch(() => undefined);
      const r = meta?.rehearsals.find((x) => x.name === follows);
      if (r !== undefined) {
        rehearsal = r.cues;
        notes.push(`Rehearsal cues: ${follows}, the rehearsal the model follows (${(r.durationS / 60).toFixed(1)} min); a looping or longer run goes past its end.`);
      } else notes.push(`Rehearsal cues: not shown (the model at ${log.start.model.path} no longer holds ${follows}).`);
    }
    waveform = await waveformFrom(join(dir, AUDIO_FILE));
    if (waveform === undefined) notes.push(log.start.audio.kept ? 'The run kept its audio, but it is gone (purged or unreadable): no waveform.' : 'The show does not keep run audio (runs.keepAudio): no waveform.');
  } else {
    from = 'shadow replay';
    const take = await readTake(dir).catch((err: unknown) => {
      throw new UsageError(`precue report: ${dir} is neither a run folder (no decisions.jsonl) nor a take (${err instanceof Error ? err.message : String(err)})`);
    });
    showDir = await showDirOf(dir);
    let model: ModelFolder;
    if (typeof options.model === 'object') model = options.model;
    else {
      let modelDir = options.model;
      if (modelDir === undefined && showDir !== undefined) {
        const doc = (await readJson(join(showDir, 'show.json'))) as { model?: { path?: unknown } } | undefined;
        modelDir = join(showDir, typeof doc?.model?.path === 'string' ? doc.model.path : 'model');
      }
      if (modelDir === undefined) throw new UsageError(`precue report: ${dir} has no decision log and no show around it: give the model to replay it through with --model <dir>`);
      model = await loadModelFolder(modelDir);
    }
    const wav = await readWavFile(take.audioPath);
    options.progress?.(`replaying ${take.name} (${wav.durationS.toFixed(0)} s) through the model in shadow mode…`);
    log = replayShadow(model, { blocks: takeBlocks(wav.samples, wav.sampleRate) }, { name: take.name, operator: take.cues, durationS: wav.durationS });
    rehearsal = take.cues;
    waveform = waveformOf(wav.samples, wav.sampleRate);
    notes.push(`No decision log here: the take was replayed through the model (${model.dir}) on the offline clock with every department in manual, its own cues fired as the operator's GOs; rehearsal cues are the take's.`);
    const trained = new Set([...model.meta.training.takes, ...model.meta.training.validationTakes]);
    if (trained.has(take.name)) notes.push(`This take was one the model trained on (${take.name}): its score says how well the model learned it, not how it does on music it has not heard.`);
  }
  const report = buildRunReport(log, rehearsal);
  // Usage: this run's; hints from every run of the show (since each fixture's service date).
  const usage = from === 'run log' ? await readUsage(dir) : undefined;
  const hints = usage === undefined ? [] : await showHints(dirname(resolve(dir)), showDir);
  return { report, log, from, ...(waveform !== undefined ? { waveform } : {}), ...(usage !== undefined ? { usage } : {}), hints, notes };
}

/** Maintenance hints for a show: the usage of every run in `runsDir` against the show's thresholds. */
export async function showHints(runsDir: string, showDir: string | undefined): Promise<MaintenanceHint[]> {
  if (showDir === undefined) return [];
  const doc = (await readJson(join(showDir, 'show.json'))) as { maintenance?: unknown } | undefined;
  const m = maintenanceSchema.safeParse(doc?.maintenance ?? {});
  if (!m.success) return [];
  const settings: MaintenanceSettings = m.data;
  const runs = await listRuns(runsDir);
  const usages: { at: Date | undefined; u: UsageReport }[] = [];
  for (const r of runs) {
    const u = await readUsage(r.dir);
    if (u !== undefined) usages.push({ at: r.startedAt, u });
  }
  const hints: MaintenanceHint[] = [];
  const fixtureIds = new Set(usages.flatMap((x) => x.u.fixtures.map((f) => f.id)));
  for (const id of fixtureIds) {
    const own = settings.fixtures?.[id];
    const since = own?.since !== undefined ? new Date(`${own.since}T00:00:00Z`) : undefined;
    const total = sumUsage(usages.filter((x) => since === undefined || (x.at !== undefined && x.at >= since)).map((x) => ({ ...x.u, fixtures: x.u.fixtures.filter((f) => f.id === id) })));
    hints.push(...maintenanceHints(total, () => ({ litHours: own?.litHours ?? settings.litHours, strobes: own?.strobes ?? settings.strobes, moves: own?.moves ?? settings.moves })));
  }
  return hints;
}

/** Writes `report.html` and `timeline.png` of a folder report into `outDir` (with `before`: compared with it); returns their paths. */
export async function writeFolderReport(r: FolderReport, outDir: string, before?: FolderReport): Promise<{ html: string; png: string }> {
  const svg = await timelineSvg({
    title: `${r.report.show} — ${r.report.run}`,
    durationS: r.report.durationS,
    ...(r.waveform !== undefined ? { waveform: r.waveform } : {}),
    bars: r.report.bars.map((b) => b.audioS),
    depts: r.report.depts,
  });
  const html = join(outDir, 'report.html');
  const png = join(outDir, 'timeline.png');
  await writeFileAtomic(html, reportHtml(r.report, { timelineSvg: svg, ...(r.usage !== undefined ? { usage: r.usage } : {}), hints: r.hints, notes: r.notes, ...(before !== undefined ? { comparison: { name: before.report.run, depts: compareReports(before.report, r.report) } } : {}) }), { backup: false });
  await writeFileAtomic(png, svgToPng(svg), { backup: false });
  return { html, png };
}

/** The folder's name, for messages. */
export const folderName = (dir: string): string => basename(resolve(dir));
