/**
 * The one place that decides what the console page shows: pure functions from the engine's state
 * (the protocol snapshot) and the page's own state (selection, cursor, overlays, the link) to what
 * is on screen, and from a key press to what it does. `main.ts` only turns these into DOM and sends
 * the commands they name; nothing it draws is computed anywhere else. No DOM here, so it is tested
 * in Node.
 */
import {
  COMMAND_ROLE, DEPT_MODES, roleAllows,
  type ConsoleCommand, type Decision, type DeptMode, type DeptState, type EngineSnapshot, type Role,
} from '../../engine/core/protocol/index.js';

/** What the page itself holds besides the engine's state. */
export interface PageState {
  readonly role: Role | null;
  /** Index of the selected department. */
  readonly selected: number;
  /** Department id → index of the cue under the cursor. */
  readonly cursor: ReadonlyMap<string, number>;
  /** An overlay (the key help, the token form) has the keyboard. */
  readonly overlay: 'help' | 'token' | null;
  /** Engine-clock ms of the last single ESC (a second within `PANIC_ESC_WINDOW_MS` PANICs). */
  readonly lastEscAt: number;
}

/** Two ESC presses within this window PANIC every department. */
export const PANIC_ESC_WINDOW_MS = 1500;

/** May this console send the command at all (the server decides; the page greys what it would refuse). */
export function allowed(role: Role | null, type: ConsoleCommand['type']): boolean {
  return role !== null && roleAllows(role, COMMAND_ROLE[type]);
}

export const pct = (x: number): string => `${Math.round(x * 100)}%`;
export const fmtSeconds = (ms: number): string => (ms >= 10_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 1000).toFixed(1)} s`);

// ---------- the top bar ----------

/** What the top bar shows. */
export interface HeaderView {
  readonly showName: string;
  readonly role: string;
  readonly viewer: boolean;
  /** The outputs are in PANIC (faded to their safe state). */
  readonly panic: boolean;
  readonly blackout: boolean;
  readonly gmText: string;
  /** The grand master is below full: shown in a warning colour. */
  readonly gmDown: boolean;
  /** Departments still in PANIC (their model waits for an operator). */
  readonly panickedDepts: readonly string[];
  /** The RELEASE ALL button: shown while anything is in PANIC. */
  readonly releaseAll: { readonly shown: boolean; readonly allowed: boolean };
  readonly tempo: string;
  readonly bar: string;
  readonly beatsPerBar: number;
  /** 1-based lit beat, or 0 for none. */
  readonly beatOn: number;
  readonly rmsFill: number;
  readonly peakFill: number;
  readonly meterText: string;
}

/** The top bar, from the snapshot. */
export function headerView(s: EngineSnapshot, page: PageState): HeaderView {
  const a = s.audio;
  const panickedDepts = s.depts.filter((d) => d.panicked).map((d) => d.id);
  const fill = (db: number): number => Math.max(0, Math.min(1, (db + 60) / 60));
  return {
    showName: s.show?.name ?? 'no show loaded',
    role: page.role?.toUpperCase() ?? '',
    viewer: page.role === 'viewer',
    panic: s.panic,
    blackout: s.blackout,
    gmText: `GM ${pct(s.grandMaster)}`,
    gmDown: s.grandMaster < 1,
    panickedDepts,
    releaseAll: { shown: s.panic || panickedDepts.length > 0, allowed: allowed(page.role, 'release-panic') },
    tempo: a.tempoBpm === null ? '— BPM' : `${a.tempoBpm.toFixed(1)} BPM`,
    bar: `bar ${a.bar}`,
    beatsPerBar: a.beatsPerBar,
    beatOn: a.beatCount > 0 ? a.beatInBar : 0,
    rmsFill: fill(a.running ? a.rmsDb : -120),
    peakFill: fill(a.running ? a.peakDb : -120),
    meterText: a.running ? `${a.rmsDb.toFixed(0)} dB` : 'no audio',
  };
}

// ---------- a department ----------

/** A button of a department (or the top bar) and the command it sends. */
export interface ButtonView {
  readonly label: string;
  readonly cls: string;
  readonly key: string;
  readonly command: ConsoleCommand;
  readonly allowed: boolean;
}

/** One line of a cue stack. */
export interface CueRowView {
  readonly number: string;
  readonly name: string;
  readonly tag: '' | 'LIVE' | 'STBY' | 'NEXT';
  readonly classes: readonly string[];
}

/** A badge under the department's head. `untilMs` makes it a countdown (lockout). */
export interface BadgeView {
  readonly kind: 'panicked' | 'hold' | 'fade' | 'lockout';
  readonly text: string;
  readonly untilMs?: number;
}

/** The model's prediction as shown. */
export interface PredictionView {
  readonly label: 'AUTO FIRE' | 'ON ATTACK' | 'YOUR GO' | 'ARMED' | 'PREDICTS';
  /** What an `ON ATTACK` cue waits for, or why a `YOUR GO` cue is left to a person, in one line (the label's tooltip), or null. */
  readonly waitingFor: string | null;
  readonly armed: boolean;
  readonly cue: string;
  readonly confidence: number;
  readonly confidenceText: string;
  readonly overThreshold: boolean;
  readonly threshold: number;
  readonly fireAtMs: number | null;
  readonly hint: string | null;
}

/** What a department's column shows. */
export interface DeptView {
  readonly id: string;
  readonly label: string;
  readonly key: string;
  readonly selected: boolean;
  readonly held: boolean;
  readonly panicked: boolean;
  readonly modes: readonly { readonly mode: DeptMode; readonly active: boolean; readonly key: string; readonly command: ConsoleCommand }[];
  readonly prediction: PredictionView | null;
  readonly idleText: string;
  readonly badges: readonly BadgeView[];
  /** RELEASE for a department still in PANIC. */
  readonly release: ButtonView | null;
  readonly rows: readonly CueRowView[];
  readonly buttons: readonly ButtonView[];
}

const MODE_KEY: Record<DeptMode, string> = { manual: 'M', assist: 'A', auto: 'U' };

/** A department, from the snapshot. */
export function deptView(d: DeptState, index: number, page: PageState): DeptView {
  const p = d.prediction;
  const cur = page.cursor.get(d.id);
  const badges: BadgeView[] = [];
  if (d.panicked) badges.push({ kind: 'panicked', text: 'PANIC — model waits' });
  if (d.held) badges.push({ kind: 'hold', text: 'HOLD' });
  if (d.fadeProgress !== null) badges.push({ kind: 'fade', text: `fade ${pct(d.fadeProgress)}` });
  if (d.lockoutUntilMs !== null) badges.push({ kind: 'lockout', text: 'model locked out', untilMs: d.lockoutUntilMs });
  const button = (label: string, cls: string, command: ConsoleCommand, key: string): ButtonView => ({ label, cls, command, key, allowed: allowed(page.role, command.type) });
  return {
    id: d.id,
    label: d.label,
    key: String(index + 1),
    selected: index === page.selected,
    held: d.held,
    panicked: d.panicked,
    modes: DEPT_MODES.map((m) => ({ mode: m, active: d.mode === m, key: MODE_KEY[m], command: { type: 'set-mode', dept: d.id, mode: m } })),
    prediction: p === null ? null : {
      // A lost follower: `auto` falls back to `assist` (followerBadge.ts says why); a cue awaiting the
      // band's attack fires in `auto` once it is heard; an open entry in `auto` waits for a person's GO.
      label: p.armed ? (d.mode === 'auto' && p.lost === undefined ? (p.open !== undefined ? 'YOUR GO' : p.awaiting !== undefined ? 'ON ATTACK' : 'AUTO FIRE') : 'ARMED') : 'PREDICTS',
      waitingFor: p.open ?? p.awaiting ?? null,
      armed: p.armed,
      cue: p.cue,
      confidence: p.confidence,
      confidenceText: pct(p.confidence),
      overThreshold: p.confidence >= d.confidenceThreshold,
      threshold: d.confidenceThreshold,
      fireAtMs: p.fireAtMs,
      hint: p.armed && (d.mode === 'assist' || p.lost !== undefined || p.awaiting !== undefined || p.open !== undefined) ? 'ENTER confirm · X reject' : null,
    },
    idleText: d.mode === 'manual' ? 'model: watching' : 'model: no prediction',
    badges,
    release: d.panicked ? button('RELEASE', 'release', { type: 'release-panic', dept: d.id }, 'R') : null,
    rows: d.cues.map((c, i) => {
      const classes: string[] = [];
      let tag: CueRowView['tag'] = '';
      if (c.number === d.current) { classes.push('current'); tag = 'LIVE'; }
      else if (c.number === d.standby) { classes.push('standby'); tag = 'STBY'; }
      else if (c.number === d.next) { classes.push('next'); tag = 'NEXT'; }
      if (p !== null && c.number === p.cue) classes.push('predicted');
      if (cur === i) classes.push('cursor');
      return { number: c.number, name: c.name ?? '', tag, classes };
    }),
    buttons: [
      button('GO', 'go', { type: 'go', dept: d.id }, 'SPACE'),
      button('BACK', 'back', { type: 'back', dept: d.id }, 'B'),
      d.held ? button('RESUME', 'hold', { type: 'resume', dept: d.id }, 'H') : button('HOLD', 'hold', { type: 'hold', dept: d.id }, 'H'),
    ],
  };
}

/** A prediction's countdown at the engine's `nowMs`. */
export function countdownText(fireAtMs: number | null, nowMs: number): { text: string; soon: boolean } {
  if (fireAtMs === null) return { text: 'untimed', soon: false };
  const left = fireAtMs - nowMs;
  return left > 0 ? { text: `in ${fmtSeconds(left)}`, soon: left < 2000 } : { text: 'due', soon: false };
}

/** A lockout badge's text at the engine's `nowMs`. */
export function lockoutText(untilMs: number, nowMs: number): string {
  const left = untilMs - nowMs;
  return left > 0 ? `model locked out ${fmtSeconds(left)}` : 'model free';
}

// ---------- the decision log ----------

const ACTION_TEXT: Record<Decision['action'], string> = {
  go: 'GO', back: 'BACK', goto: 'GOTO', standby: 'STANDBY', stop: 'STOP', hold: 'HOLD', resume: 'RESUME', panic: 'PANIC', release: 'RELEASE',
  confirm: 'CONFIRM', reject: 'REJECT', mode: 'MODE', load: 'LOAD', lockout: 'LOCKOUT', setting: 'SET', edit: 'EDIT',
};

/** One row of the decision log. */
export interface LogRowView {
  readonly source: Decision['source'];
  readonly time: string;
  readonly dept: string;
  readonly action: string;
  readonly cue: string;
  readonly who: string;
  readonly confidence: string;
  readonly note: string | null;
}

/** An engine clock reading: time of day when the engine runs on epoch ms, else mm:ss.t since start. */
export function formatEngineTime(atMs: number): string {
  if (atMs > 1e11) {
    const d = new Date(atMs);
    return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}:${String(d.getSeconds()).padStart(2, '0')}`;
  }
  const t = atMs / 1000;
  const mm = Math.floor(t / 60);
  return `${String(mm).padStart(2, '0')}:${(t - mm * 60).toFixed(1).padStart(4, '0')}`;
}

/** The newest `limit` decisions, newest first. */
export function logView(s: EngineSnapshot, limit = 60): LogRowView[] {
  return s.log.slice(-limit).reverse().map((d) => ({
    source: d.source,
    time: formatEngineTime(d.atMs),
    dept: d.dept ?? 'ALL',
    action: d.action === 'mode' && d.note !== undefined ? `MODE ${d.note.toUpperCase()}` : d.action === 'setting' && d.note !== undefined ? d.note.toUpperCase() : ACTION_TEXT[d.action],
    cue: d.cue ?? '',
    who: d.who ?? '',
    confidence: d.confidence === null ? '' : pct(d.confidence),
    note: d.note ?? null,
  }));
}

// ---------- keys ----------

/** What a key press does: send a command, change the page, tell the operator something, or nothing. */
export type KeyEffect =
  | { readonly kind: 'command'; readonly command: ConsoleCommand }
  | { readonly kind: 'page'; readonly change: Partial<Pick<PageState, 'selected' | 'overlay' | 'lastEscAt'>> & { readonly cursorMove?: -1 | 1 } }
  | { readonly kind: 'status'; readonly text: string; readonly page?: Partial<Pick<PageState, 'lastEscAt'>> }
  | { readonly kind: 'none' };

/** A key press, as much of it as the keymap reads. */
export interface KeyPress {
  readonly key: string;
  readonly repeat: boolean;
  readonly modifier: boolean;
  /** The key went to a text field (the token input): never a shortcut. */
  readonly inTextField: boolean;
}

/**
 * The keymap. Under an overlay only ESC (close it) and `?` (toggle the help) act: no shortcut, PANIC
 * included, fires through the help or the token form. ESC twice within `PANIC_ESC_WINDOW_MS`
 * PANICs every department. `nowMs` is any monotonic clock (the page's).
 */
export function keyEffect(k: KeyPress, s: EngineSnapshot | null, page: PageState, nowMs: number): KeyEffect {
  if (k.modifier || k.inTextField) return { kind: 'none' };
  if (page.overlay !== null) {
    if (k.key === 'Escape' || (k.key === '?' && page.overlay === 'help')) return { kind: 'page', change: { overlay: null, lastEscAt: -Infinity } };
    return { kind: 'none' };
  }
  const depts = s?.depts ?? [];
  const d = depts[Math.min(page.selected, Math.max(0, depts.length - 1))];
  const key = k.key;
  if (key === 'Escape') {
    if (nowMs - page.lastEscAt < PANIC_ESC_WINDOW_MS) return { kind: 'command', command: { type: 'panic' } };
    return { kind: 'status', text: 'Press ESC again to PANIC all departments', page: { lastEscAt: nowMs } };
  }
  if (key === '?') return { kind: 'page', change: { overlay: 'help' } };
  if (key === 'ArrowLeft' || key === 'ArrowRight') {
    const n = depts.length;
    return n === 0 ? { kind: 'none' } : { kind: 'page', change: { selected: (page.selected + (key === 'ArrowLeft' ? n - 1 : 1)) % n } };
  }
  if (/^[1-9]$/.test(key)) {
    const i = Number(key) - 1;
    return i < depts.length ? { kind: 'page', change: { selected: i } } : { kind: 'none' };
  }
  if (key === 'ArrowUp' || key === 'ArrowDown') return { kind: 'page', change: { cursorMove: key === 'ArrowUp' ? -1 : 1 } };
  if (d === undefined) return { kind: 'none' };
  switch (key === ' ' || key === 'Spacebar' ? ' ' : key.toLowerCase()) {
    case ' ': return k.repeat ? { kind: 'none' } : { kind: 'command', command: { type: 'go', dept: d.id } };
    case 'b': return k.repeat ? { kind: 'none' } : { kind: 'command', command: { type: 'back', dept: d.id } };
    case 'h': return { kind: 'command', command: d.held ? { type: 'resume', dept: d.id } : { type: 'hold', dept: d.id } };
    case 'r': return d.panicked ? { kind: 'command', command: { type: 'release-panic', dept: d.id } } : { kind: 'status', text: `${d.id} is not in PANIC` };
    case 'enter': return d.prediction !== null ? { kind: 'command', command: { type: 'confirm-prediction', dept: d.id, cue: d.prediction.cue } } : { kind: 'status', text: `${d.id}: no prediction to confirm` };
    case 'x': return { kind: 'command', command: { type: 'reject-prediction', dept: d.id } };
    case 'm': return { kind: 'command', command: { type: 'set-mode', dept: d.id, mode: 'manual' } };
    case 'a': return { kind: 'command', command: { type: 'set-mode', dept: d.id, mode: 'assist' } };
    case 'u': return { kind: 'command', command: { type: 'set-mode', dept: d.id, mode: 'auto' } };
    case 'l': return { kind: 'command', command: { type: 'clear-lockout', dept: d.id } };
    case 'g':
    case 's': {
      const i = page.cursor.get(d.id);
      const cue = i === undefined ? undefined : d.cues[i];
      if (cue === undefined) return { kind: 'status', text: 'Move the cursor with ↑/↓ first' };
      return { kind: 'command', command: key.toLowerCase() === 'g' ? { type: 'goto', dept: d.id, cue: cue.number } : { type: 'standby', dept: d.id, cue: cue.number } };
    }
    default: return { kind: 'none' };
  }
}
