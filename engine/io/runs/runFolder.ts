/**
 * Run folders on disk: `takes/<run>/` beside the show's takes (or under `$PRECUE_RUNS_DIR`), holding
 * `decisions.jsonl` (the run log), `fixtures-usage.json` and, when the show keeps it, `audio.wav` +
 * `cues.jsonl` (so a run that kept its audio is also a take). Naming, creating, listing and reading
 * them; what may be deleted when is `retention.ts`.
 */
import { mkdir, open, readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ShowFileError } from '../../core/errors.js';
import { FILE_JSON_BOUNDS, parseBoundedJson } from '../../core/json/bounded.js';
import { parseRunLog, startLineSchema, type RunLog, type StartLine } from '../../core/runs/runLog.js';
import { usageReportSchema, type UsageReport } from '../../core/runs/usage.js';
import { writeError } from '../files/writeError.js';

/** The run log's file name in a run folder. */
export const RUN_LOG_FILE = 'decisions.jsonl';
/** The usage file's name in a run folder. */
export const USAGE_FILE = 'fixtures-usage.json';
/** The audio file's name in a run (or take) folder. */
export const AUDIO_FILE = 'audio.wav';

/** Where a show's runs go: `$PRECUE_RUNS_DIR` when set (tests, a separate data disk), else `<show>/takes`. */
export function runsDirOf(showDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const override = env['PRECUE_RUNS_DIR'];
  return override !== undefined && override !== '' ? resolve(override) : resolve(showDir, 'takes');
}

/** A run's folder name from its wall-clock start: `run-20250131-204512`. */
export function runName(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `run-${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** Creates a new run folder `name` under `runsDir` (`name-2`, `name-3`… when taken); returns its path. */
export async function createRunFolder(runsDir: string, name: string): Promise<string> {
  await mkdir(runsDir, { recursive: true }).catch((err: unknown) => {
    throw writeError(runsDir, err);
  });
  for (let i = 1; i < 1000; i++) {
    const dir = join(runsDir, i === 1 ? name : `${name}-${i}`);
    try {
      // Runs hold performers' audio and who did what: not for every user of the machine.
      await mkdir(dir, { mode: 0o750 });
      return dir;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw writeError(dir, err);
    }
  }
  throw writeError(runsDir, Object.assign(new Error('too many runs of this name'), { code: 'EEXIST' }));
}

/** A run folder as listed. */
export interface RunInfo {
  readonly name: string;
  readonly dir: string;
  /** The run's start line (undefined when its first line cannot be read). */
  readonly start: StartLine | undefined;
  readonly startedAt: Date | undefined;
  /** Bytes of kept audio (0: none). */
  readonly audioBytes: number;
}

/** The first line of a run log, without reading the rest. */
async function readStartLine(file: string): Promise<StartLine | undefined> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (handle === undefined) return undefined;
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    const first = buf.subarray(0, bytesRead).toString('utf8').split('\n')[0] ?? '';
    const parsed = parseBoundedJson(first, FILE_JSON_BOUNDS);
    if (!parsed.ok) return undefined;
    const start = startLineSchema.safeParse(parsed.value);
    return start.success ? start.data : undefined;
  } finally {
    await handle.close();
  }
}

/** Every run folder (a folder with a run log) under `runsDir`, oldest first. */
export async function listRuns(runsDir: string): Promise<RunInfo[]> {
  const names = await readdir(runsDir).catch(() => [] as string[]);
  const out: RunInfo[] = [];
  for (const name of names) {
    const dir = join(runsDir, name);
    const logFile = join(dir, RUN_LOG_FILE);
    if (!(await stat(logFile).then((s) => s.isFile(), () => false))) continue;
    const start = await readStartLine(logFile);
    const startedAt = start !== undefined && !Number.isNaN(Date.parse(start.startedAt)) ? new Date(start.startedAt) : undefined;
    const audioBytes = await stat(join(dir, AUDIO_FILE)).then((s) => s.size, () => 0);
    out.push({ name, dir, start, startedAt, audioBytes });
  }
  return out.sort((a, b) => (a.startedAt?.getTime() ?? 0) - (b.startedAt?.getTime() ?? 0) || a.name.localeCompare(b.name));
}

/** Whether `dir` holds a run log. */
export async function isRunFolder(dir: string): Promise<boolean> {
  return stat(join(dir, RUN_LOG_FILE)).then((s) => s.isFile(), () => false);
}

/** Reads a run folder's log. A log whose start cannot be read is a ShowFileError naming the file. */
export async function readRunLog(dir: string): Promise<RunLog> {
  const file = join(resolve(dir), RUN_LOG_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ShowFileError([{ file, path: '', message: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'is missing' : 'cannot be read', expected: 'a run folder written by precue run' }], { cause: err });
  }
  const { log, problems } = parseRunLog(text, file);
  if (log === undefined) throw new ShowFileError(problems);
  return log;
}

/** A run's fixture usage, when it wrote one (a run killed in its first seconds may not have). */
export async function readUsage(dir: string): Promise<UsageReport | undefined> {
  const file = join(dir, USAGE_FILE);
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const parsed = parseBoundedJson(text, FILE_JSON_BOUNDS);
  if (!parsed.ok) return undefined;
  const u = usageReportSchema.safeParse(parsed.value);
  return u.success ? u.data : undefined;
}
