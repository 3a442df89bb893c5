/**
 * Takes on disk: a folder with `audio.wav`, `cues.jsonl` (one `{"t","dept","cue"}` per line) and an
 * optional `performer.jsonl`. Reading validates every line and reports the file and line of each
 * problem; a take is never half-used.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { ShowFileError, type FileProblem } from '../../core/errors.js';
import { LINE_JSON_BOUNDS, parseBoundedJson } from '../../core/json/bounded.js';
import type { PerformerEvent, TakeCue } from '../../core/model/types.js';

/** A take as read from disk (audio not decoded yet). */
export interface Take {
  readonly name: string;
  readonly dir: string;
  readonly audioPath: string;
  readonly cues: TakeCue[];
  readonly performer: PerformerEvent[];
}

async function readText(file: string, required: boolean): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !required) return undefined;
    const why = code === 'ENOENT' ? 'is missing' : `cannot be read (${code ?? String(err)})`;
    throw new ShowFileError([{ file, path: '', message: why, expected: 'a take folder with audio.wav and cues.jsonl' }], { cause: err });
  }
}

/** Parses `cues.jsonl` text; returns the cues and every problem found (file and line named). */
export function parseCues(text: string, file: string): { cues: TakeCue[]; problems: FileProblem[] } {
  const cues: TakeCue[] = [];
  const problems: FileProblem[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const at = { file, path: '', line: i + 1, column: 1 };
    const parsed = parseBoundedJson(line, LINE_JSON_BOUNDS);
    if (!parsed.ok) {
      problems.push({ ...at, message: `is not valid JSON (${parsed.error})`, expected: '{"t": 12.345, "dept": "LX", "cue": "5"}' });
      return;
    }
    const v = parsed.value;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      problems.push({ ...at, message: 'is not a JSON object', expected: '{"t": 12.345, "dept": "LX", "cue": "5"}' });
      return;
    }
    const o = v as Record<string, unknown>;
    if (typeof o.t !== 'number' || !Number.isFinite(o.t) || o.t < 0) problems.push({ ...at, path: 't', message: `t is ${JSON.stringify(o.t)}`, expected: 'seconds from the start of the audio, a number ≥ 0' });
    else if (typeof o.dept !== 'string' || !/^[A-Za-z][A-Za-z0-9_-]*$/.test(o.dept)) problems.push({ ...at, path: 'dept', message: `dept is ${JSON.stringify(o.dept)}`, expected: 'a department id such as "LX"' });
    else if ((typeof o.cue !== 'string' && typeof o.cue !== 'number') || String(o.cue).trim() === '') problems.push({ ...at, path: 'cue', message: `cue is ${JSON.stringify(o.cue)}`, expected: 'a cue number such as "12.5"' });
    else cues.push({ t: o.t, dept: o.dept, cue: String(o.cue), ...(typeof o.by === 'string' ? { by: o.by } : {}) });
  });
  cues.sort((a, b) => a.t - b.t);
  return { cues, problems };
}

/** Parses `performer.jsonl` text. */
export function parsePerformer(text: string, file: string): { events: PerformerEvent[]; problems: FileProblem[] } {
  const events: PerformerEvent[] = [];
  const problems: FileProblem[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    try {
      const parsed = parseBoundedJson(line, LINE_JSON_BOUNDS);
      if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null) throw new Error('not an object');
      const o = parsed.value as Record<string, unknown>;
      if (typeof o.t !== 'number' || !Number.isFinite(o.t) || o.t < 0) throw new Error('t');
      const value = typeof o.value === 'number' || typeof o.value === 'string' ? o.value : undefined;
      events.push({ t: o.t, kind: typeof o.kind === 'string' ? o.kind : 'event', ...(value !== undefined ? { value } : {}) });
    } catch {
      problems.push({ file, path: '', line: i + 1, column: 1, message: 'is not a performer event', expected: '{"t": 12.3, "kind": "note", "value": 60}' });
    }
  });
  events.sort((a, b) => a.t - b.t);
  return { events, problems };
}

/**
 * Reads and validates a take folder. A missing folder or file, a malformed line, or (unless
 * `allowEmpty`) a take with no cues raises a `ShowFileError` naming the file and line.
 */
export async function readTake(dir: string, options: { allowEmpty?: boolean } = {}): Promise<Take> {
  const full = resolve(dir);
  try {
    const st = await stat(full);
    if (!st.isDirectory()) throw new Error('not a folder');
  } catch (err) {
    throw new ShowFileError([{ file: dir, path: '', message: 'is not a take folder', expected: 'a folder with audio.wav and cues.jsonl' }], { cause: err });
  }
  const audioPath = join(full, 'audio.wav');
  try {
    await stat(audioPath);
  } catch (err) {
    throw new ShowFileError([{ file: audioPath, path: '', message: 'is missing', expected: 'the take audio as a WAV file' }], { cause: err });
  }
  const cueFile = join(full, 'cues.jsonl');
  const { cues, problems } = parseCues((await readText(cueFile, true)) ?? '', cueFile);
  const perfFile = join(full, 'performer.jsonl');
  const perfText = await readText(perfFile, false);
  const perf = perfText === undefined ? { events: [], problems: [] } : parsePerformer(perfText, perfFile);
  const all = [...problems, ...perf.problems];
  if (all.length > 0) throw new ShowFileError(all);
  if (cues.length === 0 && options.allowEmpty !== true) {
    throw new ShowFileError([{ file: cueFile, path: '', message: 'has no cues', expected: 'at least one {"t","dept","cue"} line — record or write the cues of this take first' }]);
  }
  return { name: basename(full), dir: full, audioPath, cues, performer: perf.events };
}

/** Formats cues as `cues.jsonl` text. */
export function formatCues(cues: readonly TakeCue[]): string {
  return cues.map((c) => JSON.stringify(c.by === undefined ? { t: c.t, dept: c.dept, cue: c.cue } : { t: c.t, dept: c.dept, cue: c.cue, by: c.by })).join('\n') + (cues.length > 0 ? '\n' : '');
}
