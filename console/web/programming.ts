/**
 * The programming panel: edit the show while it runs. Pick a department and a cue, change its label,
 * fade, delay, follow and music position (bar/beat) and APPLY; RECORD the look on stage as a new cue
 * under the number typed, UPDATE the picked cue with it, INSERT a point cue (12.5), DELETE; UNDO and
 * REDO name what they would do. The engine validates, saves and applies every change.
 *
 * Two consoles editing the same cue: every change carries the revision the form was opened on. When
 * someone else changes the open cue, the panel says so at once (who, what) and keeps this console's
 * values in the form; the engine refuses a change made on an old revision (a conflict, shown here),
 * and nothing is overwritten until the operator chooses: take theirs, or apply theirs-then-mine.
 *
 * Imports only the protocol (types); the page's main file sends the commands and hands outcomes back.
 */
import type { ConsoleCommand, CueDetail, EngineSnapshot, ProgrammingState, Role } from '../../engine/core/protocol/index.js';

const PROGRAMMING_TYPES: ReadonlySet<string> = new Set(['record-cue', 'insert-cue', 'edit-cue', 'delete-cue', 'undo', 'redo']);

/** True for a command this panel sends (its outcome belongs here). */
export function isProgrammingCommand(c: ConsoleCommand): boolean {
  return PROGRAMMING_TYPES.has(c.type);
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className !== undefined) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

const seconds = (ms: number | undefined): string => (ms === undefined ? '' : String(Number((ms / 1000).toFixed(3))));
const position = (c: CueDetail): string => (c.musicPosition === undefined ? '' : `${c.musicPosition.bar}.${c.musicPosition.beat}`);

/** The form's fields as typed. */
interface Draft {
  number: string;
  name: string;
  fade: string;
  delay: string;
  follow: boolean;
  bar: string;
  beat: string;
}

/** A field the operator typed that is not a number where one is needed: said, never sent. */
class DraftError extends Error {}

/** Seconds as typed, in ms; an empty field is 0 (the show's default). */
function ms(text: string, what: string): number {
  const v = Number(text.trim());
  if (!Number.isFinite(v) || v < 0 || v > 86_400) throw new DraftError(`${what}: type seconds, e.g. 2.5`);
  return Math.round(v * 1000);
}

/** The programming panel (see the module comment). */
export class ProgrammingPanel {
  private readonly section: HTMLElement;
  private readonly fileLine: HTMLElement;
  private readonly undoButton: HTMLButtonElement;
  private readonly redoButton: HTMLButtonElement;
  private readonly deptBar: HTMLElement;
  private readonly table: HTMLTableSectionElement;
  private readonly conflict: HTMLElement;
  private readonly message: HTMLElement;
  private readonly inputs: Record<keyof Draft, HTMLInputElement>;
  private state: ProgrammingState | null = null;
  private dept: string | null = null;
  /** The cue the form is open on, and its revision then. */
  private open: { number: string; rev: number } | null = null;
  /** The operator typed since the form was filled. */
  private edited = false;
  /** A change of this console's to the open cue is on its way: its own new revision is no conflict. */
  private awaiting = false;

  constructor(parent: HTMLElement, private readonly send: (c: ConsoleCommand) => void) {
    this.section = el('section', 'panel prog-panel folded');
    this.section.id = 'programming';
    this.section.hidden = true;
    const head = el('h3', undefined, 'Programming');
    this.fileLine = el('span', 'prog-file');
    // Folded by default: the decision log and DMX panels keep their room while the show runs.
    const toggle = el('button', 'prog-toggle', 'EDIT ▸');
    toggle.id = 'prog-toggle';
    toggle.type = 'button';
    toggle.tabIndex = -1;
    toggle.addEventListener('click', () => {
      const folded = this.section.classList.toggle('folded');
      toggle.textContent = folded ? 'EDIT ▸' : 'HIDE ▾';
    });
    head.append(this.fileLine, toggle);
    this.undoButton = this.action('prog-undo', 'UNDO', () => this.history('undo'));
    this.redoButton = this.action('prog-redo', 'REDO', () => this.history('redo'));
    const history = el('div', 'prog-history');
    history.append(this.undoButton, this.redoButton);
    this.deptBar = el('div', 'prog-depts prog-body');
    const table = el('table', 'prog-cues');
    const thead = el('thead');
    const hr = el('tr');
    for (const h of ['cue', 'label', 'fade', 'delay', 'follow', 'bar.beat', 'edited']) hr.append(el('th', undefined, h));
    thead.append(hr);
    this.table = el('tbody');
    table.append(thead, this.table);
    const scroller = el('div', 'prog-scroll prog-body');
    scroller.append(table);

    const form = el('form', 'prog-form prog-body');
    form.id = 'prog-form';
    const field = (key: keyof Draft, label: string, type: 'text' | 'checkbox' = 'text', size = 5): HTMLInputElement => {
      const input = el('input');
      input.id = `prog-${key}`;
      input.type = type;
      if (type === 'text') { input.size = size; input.autocomplete = 'off'; input.spellcheck = false; }
      input.addEventListener('input', () => { this.edited = true; });
      const l = el('label', 'prog-field');
      l.append(el('span', undefined, label), input);
      form.append(l);
      return input;
    };
    this.inputs = {
      number: field('number', 'cue', 'text', 6),
      name: field('name', 'label', 'text', 14),
      fade: field('fade', 'fade s'),
      delay: field('delay', 'delay s'),
      follow: field('follow', 'follow', 'checkbox'),
      bar: field('bar', 'bar', 'text', 4),
      beat: field('beat', 'beat', 'text', 3),
    };
    form.addEventListener('submit', (e) => { e.preventDefault(); this.apply(); });
    const buttons = el('div', 'prog-buttons prog-body');
    buttons.append(
      this.action('prog-apply', 'APPLY', () => this.apply()),
      this.action('prog-record', 'RECORD', () => this.record(false)),
      this.action('prog-update', 'UPDATE', () => this.record(true)),
      this.action('prog-insert', 'INSERT', () => this.insert()),
      this.action('prog-delete', 'DELETE', () => this.remove()),
    );
    this.conflict = el('div', 'prog-conflict');
    this.conflict.hidden = true;
    this.message = el('div', 'prog-message');
    this.section.append(head, history, this.deptBar, scroller, form, buttons, this.conflict, this.message);
    parent.prepend(this.section);
  }

  private action(id: string, label: string, run: () => void): HTMLButtonElement {
    const b = el('button', 'btn prog-btn', label);
    b.id = id;
    b.type = 'button';
    b.tabIndex = -1;
    b.addEventListener('mousedown', (e) => e.preventDefault());
    b.addEventListener('click', run);
    return b;
  }

  /** Shows the engine's programming state (after `init` or a `programming` delta). */
  render(s: EngineSnapshot, role: Role | null): void {
    const p = s.programming;
    this.section.hidden = p === undefined;
    if (p === undefined) return;
    const before = this.state;
    this.state = p;
    const canEdit = role === 'operator' || role === 'admin';
    this.section.classList.toggle('read-only', !canEdit || p.readOnly !== null);
    this.fileLine.textContent = p.readOnly !== null ? ` · EDITS OFF: ${p.readOnly}` : p.file !== null ? ` · ${p.file} · rev ${p.revision}` : ` · rev ${p.revision}`;
    this.fileLine.classList.toggle('off', p.readOnly !== null);
    this.undoButton.textContent = p.undo === null ? 'UNDO' : `UNDO ${p.undo.label}`;
    this.undoButton.title = p.undo === null ? 'nothing to undo since the engine started' : `undo "${p.undo.label}" by ${p.undo.who} (${p.undoDepth} step${p.undoDepth === 1 ? '' : 's'})`;
    this.undoButton.disabled = p.undo === null;
    this.redoButton.textContent = p.redo === null ? 'REDO' : `REDO ${p.redo.label}`;
    this.redoButton.disabled = p.redo === null;
    if (this.dept === null || !p.depts.some((d) => d.dept === this.dept)) this.dept = p.depts.find((d) => d.hasLevels)?.dept ?? p.depts[0]?.dept ?? null;
    this.deptBar.replaceChildren(...p.depts.map((d) => {
      const b = el('button', `prog-dept${d.dept === this.dept ? ' active' : ''}`, d.dept);
      b.type = 'button';
      b.tabIndex = -1;
      b.title = `${d.dept}: record ${d.recordMode}`;
      b.addEventListener('click', () => { this.dept = d.dept; this.select(null); this.renderCues(); });
      return b;
    }));
    this.renderCues();
    this.watchOpenCue(before);
  }

  private cues(): readonly CueDetail[] {
    return this.state?.depts.find((d) => d.dept === this.dept)?.cues ?? [];
  }

  private renderCues(): void {
    for (const b of this.deptBar.querySelectorAll<HTMLElement>('.prog-dept')) b.classList.toggle('active', b.textContent === this.dept);
    this.table.replaceChildren(...this.cues().map((c) => {
      const tr = el('tr', `prog-cue${this.open?.number === c.number ? ' open' : ''}${c.rev > 0 ? ' edited' : ''}`);
      tr.dataset['cue'] = c.number;
      tr.append(
        el('td', 'prog-num', c.number), el('td', 'prog-name', c.name ?? ''), el('td', undefined, seconds(c.fadeUpMs)), el('td', undefined, seconds(c.delayMs)),
        el('td', undefined, c.autoFollow ? 'F' : c.autoContinueMs !== undefined ? `+${seconds(c.autoContinueMs)}` : ''), el('td', undefined, position(c)),
        el('td', 'prog-who', c.editedBy ?? ''),
      );
      tr.title = c.editedBy !== undefined ? `revision ${c.rev}, last changed by ${c.editedBy}` : 'unchanged since the engine started';
      tr.addEventListener('click', () => this.select(c));
      return tr;
    }));
  }

  /** Opens a cue in the form (null: an empty form for a new cue). */
  private select(c: CueDetail | null): void {
    this.open = c === null ? null : { number: c.number, rev: c.rev };
    this.edited = false;
    this.conflict.hidden = true;
    const i = this.inputs;
    i.number.value = c?.number ?? '';
    i.name.value = c?.name ?? '';
    i.fade.value = seconds(c?.fadeUpMs ?? 0);
    i.delay.value = seconds(c?.delayMs ?? 0);
    i.follow.checked = c?.autoFollow ?? false;
    i.bar.value = c?.musicPosition?.bar.toString() ?? '';
    i.beat.value = c?.musicPosition?.beat.toString() ?? '';
    this.renderCues();
  }

  /**
   * Someone else changed (or deleted) the cue this form is open on: with nothing typed the form just
   * follows; with the operator's own values in it, the panel says who changed what and keeps them.
   */
  private watchOpenCue(before: ProgrammingState | null): void {
    if (this.open === null || before === null || this.awaiting) return;
    const now = this.cues().find((c) => c.number === this.open?.number);
    if (now !== undefined && now.rev === this.open.rev) return;
    if (!this.edited) {
      if (now !== undefined) this.select(now);
      return;
    }
    const who = now?.editedBy ?? before.undo?.who ?? 'another console';
    this.showConflict(now === undefined
      ? `${this.dept ?? ''} ${this.open.number} was deleted by ${who} while you were editing it.`
      : `${this.dept ?? ''} ${now.number} was changed by ${who} while you were editing it (now: fade ${seconds(now.fadeUpMs)} s${now.name !== undefined ? `, "${now.name}"` : ''}). Your values are still in the form.`, now);
  }

  private showConflict(text: string, theirs: CueDetail | undefined): void {
    this.conflict.hidden = false;
    this.conflict.replaceChildren(el('strong', undefined, 'CONFLICT '), el('span', 'prog-conflict-text', text));
    const take = this.action('prog-take-theirs', 'TAKE THEIRS', () => this.select(theirs ?? null));
    this.conflict.append(take);
    if (theirs !== undefined) {
      const mine = this.action('prog-keep-mine', 'APPLY MINE OVER THEIRS', () => {
        this.open = { number: theirs.number, rev: theirs.rev };
        this.conflict.hidden = true;
        this.apply();
      });
      this.conflict.append(mine);
    }
  }

  /** The fields the form says, as a change to `c` (only what differs from it). */
  private fields(c: CueDetail | undefined): NonNullable<Extract<ConsoleCommand, { type: 'edit-cue' }>['fields']> {
    const i = this.inputs;
    const out: Record<string, unknown> = {};
    const name = i.name.value.trim();
    if (name !== (c?.name ?? '')) out['name'] = name === '' ? null : name;
    const fade = ms(i.fade.value, 'fade');
    if (fade !== (c?.fadeUpMs ?? 0)) out['fadeUpMs'] = fade;
    const delay = ms(i.delay.value, 'delay');
    if (delay !== (c?.delayMs ?? 0)) out['delayMs'] = delay;
    if (i.follow.checked !== (c?.autoFollow ?? false)) out['autoFollow'] = i.follow.checked;
    const bar = i.bar.value.trim();
    const beat = i.beat.value.trim();
    if (bar === '' && beat === '') {
      if (c?.musicPosition !== undefined) out['musicPosition'] = null;
    } else {
      const b = Number(bar);
      const t = beat === '' ? 1 : Number(beat);
      if (!Number.isInteger(b) || b < 1 || !(t >= 1 && t < 17)) throw new DraftError('bar and beat: a bar from 1 and a beat from 1 (2.5 is between beats 2 and 3)');
      if (c?.musicPosition?.bar !== b || c.musicPosition.beat !== t) out['musicPosition'] = { bar: b, beat: t };
    }
    return out;
  }

  private number(): string | null {
    const n = this.inputs.number.value.trim();
    if (!/^\d{1,6}(\.\d{1,3})?$/.test(n)) {
      this.say(`type a cue number such as 12 or 12.5 (not "${n}")`, 'error');
      return null;
    }
    return n;
  }

  private issue(build: () => ConsoleCommand | null): void {
    if (this.dept === null || this.state === null) return;
    try {
      const c = build();
      if (c === null) return;
      this.say(`${c.type.toUpperCase()} sent…`, 'info');
      this.awaiting = true;
      this.send(c);
    } catch (err) {
      if (!(err instanceof DraftError)) throw err;
      this.say(err.message, 'error');
    }
  }

  private apply(): void {
    this.issue(() => {
      if (this.open === null) { this.say('pick a cue in the list to change it (or RECORD / INSERT a new one)', 'error'); return null; }
      const c = this.cues().find((x) => x.number === this.open?.number);
      const fields = this.fields(c);
      if (Object.keys(fields).length === 0) { this.say('nothing changed', 'info'); return null; }
      return { type: 'edit-cue', dept: this.dept!, cue: this.open.number, baseRev: this.open.rev, fields };
    });
  }

  private record(update: boolean): void {
    this.issue(() => {
      if (update) {
        if (this.open === null) { this.say('pick the cue to update in the list', 'error'); return null; }
        const c = this.cues().find((x) => x.number === this.open?.number);
        const fields = this.fields(c);
        // The stage already shows the recorded look: the live cue holds it (a fade under way stops heading for the old one).
        return { type: 'record-cue', dept: this.dept!, cue: this.open.number, baseRev: this.open.rev, updateLive: true, ...(Object.keys(fields).length > 0 ? { fields } : {}) };
      }
      const n = this.number();
      if (n === null) return null;
      const fields = this.fields(undefined);
      return { type: 'record-cue', dept: this.dept!, cue: n, baseRev: null, ...(Object.keys(fields).length > 0 ? { fields } : {}) };
    });
  }

  private insert(): void {
    this.issue(() => {
      const n = this.number();
      if (n === null) return null;
      const fields = this.fields(undefined);
      return { type: 'insert-cue', dept: this.dept!, cue: n, ...(Object.keys(fields).length > 0 ? { fields } : {}) };
    });
  }

  private remove(): void {
    this.issue(() => {
      if (this.open === null) { this.say('pick the cue to delete in the list', 'error'); return null; }
      return { type: 'delete-cue', dept: this.dept!, cue: this.open.number, baseRev: this.open.rev };
    });
  }

  private history(kind: 'undo' | 'redo'): void {
    this.issue(() => ({ type: kind, revision: this.state!.revision }));
  }

  /** The engine's answer to a command this panel sent. */
  outcome(command: ConsoleCommand, ok: boolean, message: string): void {
    this.awaiting = false;
    if (ok) {
      this.say(message, 'ok');
      // The cue just written is the open one now, at its new revision (the state delta came first).
      if ((command.type === 'record-cue' || command.type === 'insert-cue' || command.type === 'edit-cue') && command.dept === this.dept) {
        const c = this.cues().find((x) => Number(x.number) === Number(command.cue));
        if (c !== undefined) this.select(c);
      }
      if (command.type === 'delete-cue') this.select(null);
      return;
    }
    if (/\(conflict\)/.test(message) && 'cue' in command) {
      const theirs = this.cues().find((x) => Number(x.number) === Number(command.cue));
      this.showConflict(message.replace(/^refused by the engine \(conflict\): /, ''), command.type === 'insert-cue' || (command.type === 'record-cue' && command.baseRev === null) ? undefined : theirs);
      this.say('not changed: see the conflict above', 'error');
      return;
    }
    this.say(message, 'error');
  }

  private say(text: string, kind: 'ok' | 'error' | 'info'): void {
    this.message.textContent = text;
    this.message.className = `prog-message ${kind}`;
  }
}
