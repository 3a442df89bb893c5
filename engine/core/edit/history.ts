/**
 * The edit history of a running show: every change since the engine started, undoable and redoable in
 * order, and a revision per cue so that an edit made against an older version of a cue is a conflict.
 * A change is stored as the cue lists of the departments it touched, before and after: undo puts the
 * "before" lists back, redo the "after" ones. The lists are shared with the show document (never
 * changed in place), so a change costs the departments it touched; the oldest of more than 5000
 * changes is forgotten.
 */
import type { HistoryEntry } from '../protocol/programming.js';
import type { RawCue } from './looks.js';

/** The cue lists of one department, as the show file holds them. */
export interface DeptCues {
  /** Index of the department in the show. */
  readonly index: number;
  readonly dept: string;
  readonly cues: readonly RawCue[];
}

/** One change: what it was, who made it, and the department cue lists either side of it. */
export interface Change extends HistoryEntry {
  readonly dept: string;
  /** The cue the change was about (the log names it). */
  readonly cue: string | null;
  readonly before: readonly DeptCues[];
  readonly after: readonly DeptCues[];
}

/** Who last changed a cue, and how many times it changed. */
export interface CueRevision {
  readonly rev: number;
  readonly by: string;
  readonly atMs: number;
}

const key = (dept: string, cue: string): string => `${dept}\u0000${Number(cue)}`;

/** Undo and redo stacks, the show's revision and each cue's. */
export class EditHistory {
  private readonly undoStack: Change[] = [];
  private readonly redoStack: Change[] = [];
  private readonly revs = new Map<string, CueRevision>();
  /** Changes made since the engine started (edits, undos and redos). */
  revision = 0;

  constructor(private readonly maxDepth = 5000) {}

  /** A cue's revision (0 when unchanged since the engine started). */
  cue(dept: string, cue: string): CueRevision | undefined {
    return this.revs.get(key(dept, cue));
  }

  get undoTop(): Change | undefined {
    return this.undoStack[this.undoStack.length - 1];
  }

  get redoTop(): Change | undefined {
    return this.redoStack[this.redoStack.length - 1];
  }

  get undoDepth(): number {
    return this.undoStack.length;
  }

  get redoDepth(): number {
    return this.redoStack.length;
  }

  /** Counts a change of these cues by `by` at `atMs`: each one's revision goes up (never reused after a delete). */
  bump(dept: string, cues: readonly string[], by: string, atMs: number): void {
    for (const c of cues) {
      const k = key(dept, c);
      this.revs.set(k, { rev: (this.revs.get(k)?.rev ?? 0) + 1, by, atMs });
    }
  }

  /** A new change: the next revision; redo is no longer possible. */
  push(change: Omit<Change, 'revision'>): Change {
    this.revision++;
    const entry: Change = { ...change, revision: this.revision };
    this.undoStack.push(entry);
    if (this.undoStack.length > this.maxDepth) this.undoStack.shift();
    this.redoStack.length = 0;
    return entry;
  }

  /** Undo was carried out: the change moves to the redo stack. */
  undone(): void {
    const c = this.undoStack.pop();
    if (c !== undefined) this.redoStack.push(c);
    this.revision++;
  }

  /** Redo was carried out: the change moves back to the undo stack. */
  redone(): void {
    const c = this.redoStack.pop();
    if (c !== undefined) this.undoStack.push(c);
    this.revision++;
  }
}
