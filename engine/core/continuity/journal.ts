/**
 * The show journal (`journal.jsonl` in the show folder): one JSON object per line, appended as the
 * show runs — every cue a department fires (from any source), every mode change, PANIC and its
 * release, the grand master and blackout — so that an engine restarted after a crash resumes each
 * department at its last fired cue and mode (DESIGN: "a restarted engine resumes from its journal").
 *
 * Pure: encoding one line, reading a whole file's text (tolerantly: a line torn by a kill mid-write or
 * damaged on disk is skipped and reported with its line number, never fatal) and folding the entries
 * into the point to resume from. The file itself is `engine/io/continuity/journalFile.ts`.
 *
 * Why no checksum per line: a line is only ever cut short (a process killed mid-write, a disk full),
 * and no proper prefix of a JSON object is itself valid JSON, so a torn line always fails to parse.
 */
import { z } from 'zod';
import { cueNumberSchema, deptIdSchema, deptModeSchema, type DeptMode } from '../protocol/state.js';

/** Journal format version, in every line. A line of another version is skipped (and reported). */
export const JOURNAL_VERSION = 1;

/** The journal's file name in the show folder. */
export const JOURNAL_FILE = 'journal.jsonl';

/** Lines after which the journal is compacted (rewritten as one checkpoint) when the engine starts. */
export const JOURNAL_COMPACT_LINES = 5000;

const at = z.string().min(1).max(40);
const v = z.literal(JOURNAL_VERSION);

/** One department's position, as a checkpoint lists it. */
export const journalDeptSchema = z.strictObject({
  dept: deptIdSchema,
  /** The live cue, or null before the first cue. */
  cue: cueNumberSchema.nullable(),
  mode: deptModeSchema.optional(),
  /** PANIC in force in this department. */
  panicked: z.boolean().optional(),
});
/** One department's position in a checkpoint. */
export type JournalDept = z.infer<typeof journalDeptSchema>;

/** One line of the journal. `at` is the wall-clock time (ISO 8601) it was written. */
export const journalEntrySchema = z.discriminatedUnion('kind', [
  /**
   * An engine started on this show. `resumed`: it resumed from the entries before this one; false: it
   * started from the top, and the entries before it no longer say where the show is.
   */
  z.strictObject({ v, at, kind: z.literal('start'), engine: z.string().min(1).max(100), show: z.string().max(200), resumed: z.boolean(), role: z.string().max(40).optional() }),
  /** The engine was stopped on purpose (Ctrl-C, SIGTERM): the next start begins at the top unless asked to resume. */
  z.strictObject({ v, at, kind: z.literal('stop') }),
  /** A cue went live in a department (`by`: the source — operator, model, follow, osc…, or restore). */
  z.strictObject({ v, at, kind: z.literal('fire'), dept: deptIdSchema, cue: cueNumberSchema, by: z.string().max(120) }),
  /** BACK from the first cue: the department is before its first cue again. */
  z.strictObject({ v, at, kind: z.literal('home'), dept: deptIdSchema }),
  z.strictObject({ v, at, kind: z.literal('mode'), dept: deptIdSchema, mode: deptModeSchema }),
  /** PANIC on or off, on the outputs (no `dept`) or in one department. */
  z.strictObject({ v, at, kind: z.literal('panic'), dept: deptIdSchema.optional(), on: z.boolean() }),
  /** The outputs' masters. */
  z.strictObject({ v, at, kind: z.literal('master'), grandMaster: z.number().min(0).max(1), blackout: z.boolean() }),
  /** The whole state at once (written when the engine resumes and when the journal is compacted). */
  z.strictObject({
    v, at, kind: z.literal('checkpoint'),
    depts: z.array(journalDeptSchema).max(64),
    panic: z.boolean(),
    grandMaster: z.number().min(0).max(1),
    blackout: z.boolean(),
  }),
]);
/** One line of the journal. */
export type JournalEntry = z.infer<typeof journalEntrySchema>;

/** An entry before it is stamped with the version and time. */
export type JournalRecord = JournalEntry extends infer E ? (E extends JournalEntry ? Omit<E, 'v' | 'at'> : never) : never;

/** One line of the journal file (with its newline) for `record` written at `atIso`. */
export function encodeJournalLine(record: JournalRecord, atIso: string): string {
  return `${JSON.stringify({ v: JOURNAL_VERSION, at: atIso, ...record })}\n`;
}

/** A line that could not be read, and why. */
export interface SkippedLine {
  /** 1-based. */
  readonly line: number;
  readonly reason: string;
}

/** Where a department resumes. */
export interface ResumeDept {
  readonly dept: string;
  readonly cue: string | null;
  readonly mode: DeptMode | undefined;
  readonly panicked: boolean;
  /** When its cue went live (ISO), if the journal says. */
  readonly since: string | undefined;
}

/** Everything a restarted engine resumes from. */
export interface ResumePoint {
  /** Per department that the journal mentions, in first-mentioned order. */
  readonly depts: readonly ResumeDept[];
  /** PANIC was in force on the outputs. */
  readonly panic: boolean;
  readonly grandMaster: number | undefined;
  readonly blackout: boolean | undefined;
  /** The last run ended with a clean stop (not a crash): a start resumes only when asked to. */
  readonly cleanStop: boolean;
  /** Time of the last entry read (ISO), or undefined for an empty journal. */
  readonly lastAt: string | undefined;
  /** Entries read. */
  readonly entries: number;
  /** Lines that could not be read (torn by a kill mid-write, or damaged). */
  readonly skipped: readonly SkippedLine[];
}

/** Reads a journal's text: every readable entry in order, and the lines skipped. Never throws. */
export function readJournal(text: string): { entries: JournalEntry[]; skipped: SkippedLine[] } {
  const entries: JournalEntry[] = [];
  const skipped: SkippedLine[] = [];
  const lines = text.split('\n');
  // A file that ends with a newline has an empty last element: not a line.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      skipped.push({ line: i + 1, reason: i === lines.length - 1 ? 'cut short (written when the engine stopped)' : 'not JSON' });
      return;
    }
    const parsed = journalEntrySchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      skipped.push({ line: i + 1, reason: issue === undefined ? 'not a journal entry' : `${issue.path.map(String).join('.') || 'entry'}: ${issue.message}`.slice(0, 200) });
      return;
    }
    entries.push(parsed.data);
  });
  return { entries, skipped };
}

interface DeptFold {
  cue: string | null;
  mode: DeptMode | undefined;
  panicked: boolean;
  since: string | undefined;
}

/** Folds entries (oldest first) into the point to resume from. */
export function foldJournal(entries: readonly JournalEntry[], skipped: readonly SkippedLine[] = []): ResumePoint {
  const depts = new Map<string, DeptFold>();
  const dept = (id: string): DeptFold => {
    let d = depts.get(id);
    if (d === undefined) {
      d = { cue: null, mode: undefined, panicked: false, since: undefined };
      depts.set(id, d);
    }
    return d;
  };
  let panic = false;
  let grandMaster: number | undefined;
  let blackout: boolean | undefined;
  let lastAt: string | undefined;
  let cleanStop = false;
  for (const e of entries) {
    lastAt = e.at;
    switch (e.kind) {
      case 'start':
        cleanStop = false;
        if (!e.resumed) {
          depts.clear();
          panic = false;
          grandMaster = undefined;
          blackout = undefined;
        }
        break;
      case 'stop':
        cleanStop = true;
        break;
      case 'fire': {
        const d = dept(e.dept);
        d.cue = e.cue;
        d.since = e.at;
        break;
      }
      case 'home': {
        const d = dept(e.dept);
        d.cue = null;
        d.since = e.at;
        break;
      }
      case 'mode':
        dept(e.dept).mode = e.mode;
        break;
      case 'panic':
        if (e.dept === undefined) {
          panic = e.on;
          for (const d of depts.values()) d.panicked = e.on;
        } else dept(e.dept).panicked = e.on;
        break;
      case 'master':
        grandMaster = e.grandMaster;
        blackout = e.blackout;
        break;
      case 'checkpoint':
        depts.clear();
        for (const c of e.depts) depts.set(c.dept, { cue: c.cue, mode: c.mode, panicked: c.panicked ?? false, since: e.at });
        panic = e.panic;
        grandMaster = e.grandMaster;
        blackout = e.blackout;
        break;
    }
  }
  return {
    depts: [...depts].map(([id, d]) => ({ dept: id, cue: d.cue, mode: d.mode, panicked: d.panicked, since: d.since })),
    panic,
    grandMaster,
    blackout,
    cleanStop,
    lastAt,
    entries: entries.length,
    skipped,
  };
}

/** Reads and folds a journal's text. */
export function resumePointOf(text: string): ResumePoint {
  const { entries, skipped } = readJournal(text);
  return foldJournal(entries, skipped);
}

/** One line a person reads: where each department resumes. */
export function describeResume(point: ResumePoint): string {
  const parts = point.depts.map((d) => `${d.dept} at ${d.cue === null ? 'the top (no cue yet)' : `cue ${d.cue}`}${d.mode !== undefined ? ` (${d.mode})` : ''}${d.panicked ? ' in PANIC' : ''}`);
  return parts.length === 0 ? 'nothing to resume' : parts.join(', ');
}
