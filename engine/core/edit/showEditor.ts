/**
 * The show editor: programming from the console while the show runs. Every change — record a look,
 * insert a point cue, edit a cue's times, label or music position, delete a cue, undo, redo — is
 *
 * 1. checked against the cue's revision (someone else changed it since: a conflict, never a silent
 *    overwrite) and the show's revision (undo and redo name the revision they were asked against);
 * 2. validated by the same schema and checks as the show file (`showFileSchema`, `checkShowSemantics`);
 * 3. prepared in the engine (compiled for playback), then saved (the show file, atomically, the
 *    previous version kept), and only then carried into the running show (`EditTarget`). A change
 *    that cannot be saved is not made;
 * 4. recorded in the history (undo/redo back to when the engine started) and announced (`changes$`:
 *    the decision log; `state$`: the consoles).
 *
 * Changes run one at a time, in the order they arrive. The editor edits the show document as written
 * (defaults absent, no venue applied): a venue never touches cues, so the running show's cues are the
 * document's with the defaults filled in.
 */
import { Subject, type Observable } from 'rxjs';
import type { FileProblem } from '../errors.js';
import { compareCueNumbers, deptId } from '../ids.js';
import type { CueListChange } from '../arbiter/arbiter.js';
import { formatJsonPath, type LocatedJson } from '../json/locate.js';
import type { DiscreteValues } from '../playback/slots.js';
import { checkShowSemantics, zodProblems, type FixtureCatalog } from '../show/validate.js';
import { showFileSchema, type departmentSchema, type ShowFile } from '../show/schema.js';
import type { ConsoleCommand } from '../protocol/messages.js';
import type { CommandIssuer, CommandResult } from '../protocol/port.js';
import type { CueDetail, ProgrammingCommandType, ProgrammingState } from '../protocol/programming.js';
import { PROGRAMMING_COMMANDS } from '../protocol/programming.js';
import type { z } from 'zod';
import { deleteCue, indexOfCue, insertCue, withFields } from './cueChanges.js';
import { EditHistory, type Change, type DeptCues } from './history.js';
import { LookSpace, type RawCue } from './looks.js';
import { changedNumbers, recordLook, stageLooks } from './record.js';

/** A department as the show file holds it. */
export type RawDept = z.input<typeof departmentSchema>;

/** The show document as written (migrated to this version in memory), departments typed. */
export type ShowDocument = Record<string, unknown> & { departments: RawDept[] };

/** A programming command. */
export type ProgrammingCommand = Extract<ConsoleCommand, { type: ProgrammingCommandType }>;

/** True for the commands the show editor carries out. */
export function isProgrammingCommand(c: ConsoleCommand): c is ProgrammingCommand {
  return (PROGRAMMING_COMMANDS as readonly string[]).includes(c.type);
}

/** What changed in one department, as the running show needs to know it. */
export interface DeptChange {
  readonly dept: string;
  /** Cue numbers whose content changed, were added or were removed. */
  readonly cues: readonly string[];
}

/** The running show the editor changes, and the stage it records from. */
export interface EditTarget {
  /**
   * The department's look on stage now: every fixture's slot values (patch order) and the table the
   * gobo and colour-wheel values are interned in; undefined for a department without levels.
   */
  stage(dept: string): { readonly slots: Float64Array; readonly discrete: Pick<DiscreteValues, 'value'> } | undefined;
  /** The department's live cue. */
  live(dept: string): string | null;
  /**
   * Prepares a new version of the show (compiles what changed; throws when it cannot run) and returns
   * the step that puts it on: the running show changes only then. `updateLive`: a live cue whose look
   * changed goes to its new look now; otherwise it keeps its look until the next GO.
   */
  prepare(show: ShowFile, changes: readonly DeptChange[], updateLive: boolean): () => void;
}

/** Where the show document is saved. */
export interface ShowStore {
  /** The file changes are saved to (for the console). */
  readonly file: string | null;
  /** Saves the document; rejects with an error saying why it could not. */
  save(doc: ShowDocument): Promise<void>;
}

/** A change carried out, for the decision log. */
export interface EditRecord {
  readonly atMs: number;
  readonly dept: string;
  readonly cue: string | null;
  readonly who: string;
  /** What was done, in words (`LX 5: fade 2 s → 3 s`). */
  readonly label: string;
  readonly revision: number;
}

type Refused = Exclude<CommandResult, { ok: true }>;
const refuse = (code: Refused['code'], message: string): Refused => ({ ok: false, code, message: message.slice(0, 300) });

/** What a command would do, before it is validated and saved. */
interface Plan {
  readonly dept: RawDept;
  readonly index: number;
  readonly cue: string | null;
  readonly cues: RawCue[];
  readonly label: string;
  readonly updateLive: boolean;
  readonly kind: 'edit' | 'undo' | 'redo';
  /** For undo and redo: every department's lists to restore. */
  readonly lists?: readonly DeptCues[];
}

/** The show editor as the console model uses it. */
export interface ProgrammingPort {
  state(): ProgrammingState;
  readonly state$: Observable<ProgrammingState>;
  readonly changes$: Observable<EditRecord>;
  readonly shows$: Observable<ShowFile>;
  execute(command: ProgrammingCommand, who: CommandIssuer): Promise<CommandResult>;
}

/** Carries out programming commands on a running show. */
export class ShowEditor implements ProgrammingPort {
  private doc: ShowDocument;
  private current: ShowFile;
  private readonly history = new EditHistory();
  private readonly space: LookSpace;
  private queue: Promise<unknown> = Promise.resolve();
  private readOnly: string | null = null;
  private readonly stateSubject = new Subject<ProgrammingState>();
  private readonly changesSubject = new Subject<EditRecord>();
  private readonly showsSubject = new Subject<ShowFile>();
  private readonly cueListsSubject = new Subject<CueListChange>();
  /** The cue numbers of each department a change touched (hot): the arbiter's feed (`PipelineInputs.cues$`). */
  readonly cueLists$: Observable<CueListChange> = this.cueListsSubject.asObservable();
  /** The programming state after each change (hot). */
  readonly state$: Observable<ProgrammingState> = this.stateSubject.asObservable();
  /** Every change carried out (hot): the decision log's feed. */
  readonly changes$: Observable<EditRecord> = this.changesSubject.asObservable();
  /** The running show after each change (hot). */
  readonly shows$: Observable<ShowFile> = this.showsSubject.asObservable();

  constructor(
    doc: ShowDocument,
    show: ShowFile,
    private readonly catalog: FixtureCatalog,
    private readonly target: EditTarget,
    private readonly store: ShowStore,
    private readonly now: () => number,
  ) {
    this.doc = structuredClone(doc);
    this.current = show;
    this.space = new LookSpace(show);
  }

  /** The running show as edited so far. */
  get show(): ShowFile {
    return this.current;
  }

  /** The show document as saved. */
  get document(): ShowDocument {
    return this.doc;
  }

  /** Carries out a programming command (one at a time, in order of arrival). */
  execute(command: ProgrammingCommand, who: CommandIssuer): Promise<CommandResult> {
    const run = this.queue.then(() => this.run(command, who.name));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** What a console needs to edit. */
  state(): ProgrammingState {
    const entry = (c: Change | undefined): ProgrammingState['undo'] => (c === undefined ? null : { revision: c.revision, label: c.label.slice(0, 200), who: c.who.slice(0, 120), atMs: c.atMs });
    return {
      revision: this.history.revision,
      file: this.store.file,
      readOnly: this.readOnly,
      undo: entry(this.history.undoTop),
      redo: entry(this.history.redoTop),
      undoDepth: this.history.undoDepth,
      redoDepth: this.history.redoDepth,
      depts: this.current.departments.map((d) => ({
        dept: d.id,
        recordMode: d.recordMode ?? 'tracking',
        hasLevels: d.cues.some((c) => c.levels !== undefined && Object.keys(c.levels).length > 0),
        cues: [...d.cues].sort((a, b) => compareCueNumbers(a.number, b.number)).map((c) => this.detail(d.id, c)),
      })),
    };
  }

  private detail(dept: string, c: ShowFile['departments'][number]['cues'][number]): CueDetail {
    const rev = this.history.cue(dept, c.number);
    return {
      number: c.number,
      ...(c.name !== undefined ? { name: c.name.slice(0, 200) } : {}),
      fadeUpMs: c.fadeUpMs,
      ...(c.fadeDownMs !== undefined ? { fadeDownMs: c.fadeDownMs } : {}),
      delayMs: c.delayMs,
      autoFollow: c.autoFollow === true,
      ...(c.autoContinueMs !== undefined ? { autoContinueMs: c.autoContinueMs } : {}),
      ...(c.musicPosition !== undefined ? { musicPosition: c.musicPosition } : {}),
      hasLevels: c.levels !== undefined && Object.keys(c.levels).length > 0,
      rev: rev?.rev ?? 0,
      ...(rev !== undefined ? { editedBy: rev.by.slice(0, 120), editedAtMs: rev.atMs } : {}),
    };
  }

  /** Completes the streams. */
  dispose(): void {
    this.stateSubject.complete();
    this.changesSubject.complete();
    this.showsSubject.complete();
    this.cueListsSubject.complete();
  }

  private async run(command: ProgrammingCommand, who: string): Promise<CommandResult> {
    const plan = this.plan(command);
    if ('ok' in plan) return plan;
    // Every department the change touches, before and after.
    const lists: DeptCues[] = plan.lists !== undefined ? [...plan.lists] : [{ index: plan.index, dept: String(plan.dept.id), cues: plan.cues }];
    const before: DeptCues[] = lists.map((l) => ({ index: l.index, dept: l.dept, cues: this.doc.departments[l.index]!.cues }));
    const changes: DeptChange[] = lists.map((l, i) => ({ dept: l.dept, cues: changedNumbers(before[i]!.cues, l.cues) })).filter((c) => c.cues.length > 0);
    if (changes.length === 0) return { ok: true, detail: 'nothing to change' };
    const doc: ShowDocument = { ...this.doc, departments: this.doc.departments.map((d, i) => {
      const l = lists.find((x) => x.index === i);
      return l === undefined ? d : { ...d, cues: l.cues as RawDept['cues'] };
    }) };
    const checked = this.validate(doc);
    if ('ok' in checked) return checked;
    const show: ShowFile = { ...this.current, departments: this.current.departments.map((d, i) => (lists.some((l) => l.index === i) ? { ...d, cues: checked.departments[i]!.cues } : d)) };
    let commit: () => void;
    try {
      commit = this.target.prepare(show, changes, plan.updateLive);
    } catch (err) {
      return refuse('invalid', `the running show cannot take this change: ${err instanceof Error ? err.message : String(err)}`);
    }
    try {
      await this.store.save(doc);
      this.readOnly = null;
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      this.readOnly = why.slice(0, 300);
      this.stateSubject.next(this.state());
      return refuse('unavailable', `not saved, so not changed: ${why}`);
    }
    commit();
    this.doc = doc;
    this.current = show;
    const atMs = this.now();
    for (const c of changes) this.history.bump(c.dept, c.cues, who, atMs);
    let label = plan.label;
    if (plan.kind === 'edit') this.history.push({ label, who, atMs, dept: String(plan.dept.id), cue: plan.cue, before, after: lists });
    else if (plan.kind === 'undo') this.history.undone();
    else this.history.redone();
    if (plan.kind !== 'edit') label = `${plan.kind}: ${plan.label}`;
    this.showsSubject.next(show);
    for (const c of changes) {
      const d = show.departments.find((x) => x.id === c.dept);
      if (d !== undefined) this.cueListsSubject.next({ dept: deptId(d.id), cues: d.cues.map((x) => x.number) });
    }
    this.stateSubject.next(this.state());
    this.changesSubject.next({ atMs, dept: String(plan.dept.id), cue: plan.cue, who, label, revision: this.history.revision });
    return { ok: true, detail: `${label} (revision ${this.history.revision}, saved)` };
  }

  /** Validates a candidate document as a show file is validated; the parsed show, or the first problem. */
  private validate(doc: ShowDocument): ShowFile | Refused {
    const file = this.store.file ?? 'show.json';
    const located: LocatedJson = {
      file,
      value: doc,
      syntaxProblems: [],
      problemAt: (path, message, expected) => ({ file, path: formatJsonPath(path), message, ...(expected !== undefined ? { expected } : {}) }),
    };
    const parsed = showFileSchema.safeParse(doc);
    const problems: FileProblem[] = parsed.success
      ? checkShowSemantics(parsed.data, this.catalog, (path, message, expected) => located.problemAt(path, message, expected))
      : zodProblems(located, parsed.error);
    if (problems.length > 0 || !parsed.success) {
      const first = problems[0];
      return refuse('invalid', first === undefined ? 'the show would not be valid' : `not valid: ${ShowEditor.describe(doc, first)}`);
    }
    return parsed.data;
  }

  /** A problem in words, placed by department and cue when it is inside one: `LX 12.5 fadeUpMs: …`. */
  private static describe(doc: ShowDocument, p: FileProblem): string {
    const m = /^departments\[(\d+)\]\.cues\[(\d+)\]\.?(.*)$/.exec(p.path);
    const dept = m === null ? undefined : doc.departments[Number(m[1])];
    const cue = m === null ? undefined : dept?.cues[Number(m[2])];
    const where = m === null || dept === undefined || cue === undefined ? p.path : `${dept.id} ${cue.number}${m[3] !== '' ? ` ${m[3]!}` : ''}`;
    return `${where === '' ? '' : `${where}: `}${p.message}${p.expected !== undefined ? ` (expected ${p.expected})` : ''}`;
  }

  private dept(id: string): { dept: RawDept; index: number } | Refused {
    const index = this.doc.departments.findIndex((d) => d.id === id);
    return index < 0 ? refuse('not-found', `there is no department '${id}' (this show has ${this.doc.departments.map((d) => d.id).join(', ')})`) : { dept: this.doc.departments[index]!, index };
  }

  /** The cue must still be at `baseRev`: someone else's change since is a conflict. */
  private stale(dept: string, cue: string, baseRev: number): Refused | undefined {
    const rev = this.history.cue(dept, cue);
    const now = rev?.rev ?? 0;
    if (now === baseRev) return undefined;
    return refuse('conflict', `${dept} ${cue} was changed by ${rev?.by ?? 'someone else'} since you opened it (now revision ${now}, you edited revision ${baseRev}); your change was not made — look again and redo it`);
  }

  private plan(c: ProgrammingCommand): Plan | Refused {
    if (c.type === 'undo' || c.type === 'redo') return this.planHistory(c.type, c.revision, c.updateLive === true);
    const found = this.dept(c.dept);
    if ('ok' in found) return found;
    const { dept, index } = found;
    const cues = dept.cues;
    // Sound playback compiles its mixer moves once, at start: a live edit would not reach the desk.
    if (cues.some((x) => (x.mixer ?? []).length > 0)) return refuse('unavailable', `${dept.id} moves a mixing desk: its cues cannot be edited while the show runs yet (edit show.json and restart the engine)`);
    const at = indexOfCue(cues, c.cue);
    const name = `${dept.id} ${at >= 0 ? cues[at]!.number : c.cue}`;
    switch (c.type) {
      case 'record-cue': {
        if (c.baseRev === null && at >= 0) return refuse('conflict', `${name} already exists${this.by(dept.id, c.cue)}; update it instead, or record under another number`);
        if (c.baseRev !== null && at < 0) return refuse('not-found', `${dept.id} has no cue ${c.cue} to update (deleted${this.by(dept.id, c.cue)}?)`);
        if (c.baseRev !== null) {
          const stale = this.stale(dept.id, c.cue, c.baseRev);
          if (stale !== undefined) return stale;
        }
        const stage = this.target.stage(dept.id);
        if (stage === undefined) return refuse('invalid', `${dept.id} drives no fixtures: there is no look to record (insert the cue instead)`);
        const mode = c.mode ?? dept.recordMode ?? 'tracking';
        const fields = c.fields === undefined ? undefined : withFields(at >= 0 ? cues[at]! : { number: c.cue }, c.fields).cue;
        const { number: _number, levels: _levels, ...fieldOnly } = fields ?? { number: c.cue };
        void _number;
        void _levels;
        const recorded = recordLook(this.space, cues, c.cue, stageLooks(this.space, stage.slots, stage.discrete), {
          mode, moveInBlack: dept.moveInBlack ?? true, ...(fields !== undefined ? { fields: fieldOnly } : {}),
        });
        const verb = c.baseRev === null ? 'record' : `update (${mode})`;
        const note = recorded.unreachable.length > 0 ? `; ${recorded.unreachable.join(', ')} kept values tracking cannot remove` : '';
        return { dept, index, cue: c.cue, cues: recorded.cues, label: `${verb} ${dept.id} ${c.cue}${note}`, updateLive: c.updateLive === true, kind: 'edit' };
      }
      case 'insert-cue': {
        if (at >= 0) return refuse('conflict', `${name} already exists${this.by(dept.id, c.cue)}`);
        return { dept, index, cue: c.cue, cues: insertCue(cues, c.cue, c.fields), label: `insert ${dept.id} ${c.cue}`, updateLive: false, kind: 'edit' };
      }
      case 'edit-cue': {
        if (at < 0) return refuse('not-found', `${dept.id} has no cue ${c.cue}`);
        const stale = this.stale(dept.id, c.cue, c.baseRev);
        if (stale !== undefined) return stale;
        const { cue, words } = withFields(cues[at]!, c.fields);
        const next = [...cues];
        next[at] = cue;
        return { dept, index, cue: cues[at]!.number, cues: next, label: `${name}: ${words.join(', ') || 'no change'}`, updateLive: c.updateLive === true, kind: 'edit' };
      }
      case 'delete-cue': {
        if (at < 0) return refuse('not-found', `${dept.id} has no cue ${c.cue}`);
        const stale = this.stale(dept.id, c.cue, c.baseRev);
        if (stale !== undefined) return stale;
        const live = this.target.live(dept.id);
        if (live !== null && compareCueNumbers(live, c.cue) === 0) return refuse('conflict', `${name} is live on stage; GO on or BACK before deleting it`);
        return { dept, index, cue: cues[at]!.number, cues: deleteCue(cues, c.cue), label: `delete ${name}`, updateLive: false, kind: 'edit' };
      }
      default: {
        const never: never = c;
        return never;
      }
    }
  }

  private by(dept: string, cue: string): string {
    const rev = this.history.cue(dept, cue);
    return rev === undefined ? '' : ` (last changed by ${rev.by})`;
  }

  private planHistory(kind: 'undo' | 'redo', revision: number, updateLive: boolean): Plan | Refused {
    const top = kind === 'undo' ? this.history.undoTop : this.history.redoTop;
    if (top === undefined) return refuse('conflict', kind === 'undo' ? 'nothing to undo since the engine started' : 'nothing to redo');
    if (revision !== this.history.revision) {
      return refuse('conflict', `the show changed since you looked (revision ${this.history.revision}, you saw ${revision}): ${kind} would now ${kind} "${top.label}" by ${top.who}; look again`);
    }
    const lists = kind === 'undo' ? top.before : top.after;
    const found = this.dept(top.dept);
    if ('ok' in found) return found;
    return { dept: found.dept, index: found.index, cue: top.cue, cues: [], label: top.label, updateLive, kind, lists };
  }
}
