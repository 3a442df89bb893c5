/**
 * The incoming OSC control dictionary, modelled on QLab's so existing Companion/TouchOSC/QLab scripts
 * work: `/go`, `/stop`, `/panic`, `/cue/{number}/start`, `/playhead/next`, `/updates 1`…, optionally
 * under `/workspace/{id}`, plus Precue's own (`/dept/{dept}/…`, `/gm`, `/blackout`) and the older
 * `/precue/…` aliases.
 *
 * `OSC_DICTIONARY` is the one home of the address space: the parser matches against it and the
 * README's table is generated from it (`oscDictionaryMarkdown`; a test keeps the README in step).
 * Parsing is pure and total: any message gives a request or an InputError naming what is wrong.
 */
import { type AutomationMode, type ControlCommand } from '../control.js';
import { InputError } from '../errors.js';
import { type CueId, cueId, type DeptId, deptId } from '../ids.js';
import { type OscMessageIn, type OscValue } from './packet.js';

/** A question the engine answers from its state. */
export type OscQuery =
  | { readonly kind: 'thump' }
  | { readonly kind: 'version' }
  | { readonly kind: 'cueLists' }
  | { readonly kind: 'cues'; readonly dept: DeptId }
  | { readonly kind: 'runningCues' }
  | { readonly kind: 'state' }
  | { readonly kind: 'playhead'; readonly dept?: DeptId }
  | { readonly kind: 'mode'; readonly dept: DeptId }
  | { readonly kind: 'cueName'; readonly cue: CueId; readonly dept?: DeptId }
  | { readonly kind: 'grandMaster' }
  | { readonly kind: 'blackout' };

/** What one incoming message asks for. */
export type OscRequest =
  /** An operator command for the arbiter (or the universes, for blackout and the grand master). */
  | { readonly kind: 'command'; readonly command: ControlCommand }
  /** Move the standby one cue on or back without firing (QLab's playhead); needs the stack to resolve. */
  | { readonly kind: 'playhead'; readonly step: 1 | -1; readonly dept?: DeptId }
  | { readonly kind: 'query'; readonly query: OscQuery }
  /** Open a session (QLab `/connect`); a passcode is needed when the show sets one. */
  | { readonly kind: 'connect'; readonly passcode?: string }
  | { readonly kind: 'disconnect' }
  /** Subscribe to (1) or unsubscribe from (0) `/update/…` messages. */
  | { readonly kind: 'updates'; readonly on: boolean };

const CUE_RE = /^[0-9]{1,6}(\.[0-9]{1,3})?$/;
const DEPT_RE = /^[A-Za-z0-9_-]{1,32}$/;
const MODES: readonly AutomationMode[] = ['manual', 'assist', 'auto'];

function fail(address: string, detail: string): never {
  throw new InputError('osc', `${address}: ${detail}`);
}

function dept(address: string, s: string): DeptId {
  if (!DEPT_RE.test(s)) fail(address, `department '${s}' must be 1..32 letters, digits, - or _`);
  return deptId(s);
}

function cue(address: string, s: string): CueId {
  let decoded: string;
  try {
    decoded = decodeURIComponent(s);
  } catch {
    fail(address, `cue number '${s}' is not valid percent-encoding`);
  }
  if (!CUE_RE.test(decoded)) fail(address, `cue number '${decoded}' must be digits with optional points, e.g. 12.5`);
  return cueId(decoded);
}

function str(address: string, a: OscValue | undefined, what: string): string | undefined {
  if (a === undefined) return undefined;
  if (typeof a.value !== 'string') fail(address, `${what} must be a string, got type '${a.type}'`);
  return a.value;
}

function num(address: string, a: OscValue | undefined, what: string): number | undefined {
  if (a === undefined) return undefined;
  const v = typeof a.value === 'number' ? a.value : typeof a.value === 'bigint' ? Number(a.value) : typeof a.value === 'string' && a.value.trim() !== '' ? Number(a.value) : NaN;
  if (!Number.isFinite(v)) fail(address, `${what} must be a number, got type '${a.type}'`);
  return v;
}

function fade(address: string, a: OscValue | undefined): { fadeMs?: number } {
  const v = num(address, a, 'fade time (ms)');
  if (v === undefined) return {};
  if (v < 0 || v > 3_600_000) fail(address, `fade time ${v} ms is outside 0..3600000`);
  return { fadeMs: v };
}

function flag(address: string, a: OscValue | undefined, what: string): boolean | undefined {
  if (a === undefined) return undefined;
  if (typeof a.value === 'boolean') return a.value;
  const v = num(address, a, what);
  return v !== undefined && v !== 0;
}

function level(address: string, a: OscValue | undefined): number | undefined {
  const v = num(address, a, 'grand master level');
  if (v !== undefined && (v < 0 || v > 1)) fail(address, `level ${v} is outside 0 to 1`);
  return v;
}

/** An OSC message as matched against a dictionary row: its address, its arguments, and what the row's `{dept}` and `{number}` segments matched. */
interface Params {
  readonly address: string;
  readonly args: readonly OscValue[];
  readonly dept?: DeptId;
  readonly cue?: CueId;
}

/** The department in a `{dept}` segment, else the optional first argument. */
function deptOf(p: Params): { dept?: DeptId } {
  if (p.dept !== undefined) return { dept: p.dept };
  const s = str(p.address, p.args[0], 'the first argument (a department)');
  return s === undefined ? {} : { dept: dept(p.address, s) };
}

const command = (c: ControlCommand): OscRequest => ({ kind: 'command', command: c });
const query = (q: OscQuery): OscRequest => ({ kind: 'query', query: q });

/** One row of the dictionary. */
export interface OscDictionaryEntry {
  /** Address patterns; `{number}` is a cue number, `{dept}` a department id. The first is documented. */
  readonly addresses: readonly string[];
  /** Arguments, as the README shows them. */
  readonly args: string;
  /** What it does. */
  readonly does: string;
  /** The reply's `data` when `status` is `ok`. */
  readonly reply: string;
  readonly parse: (p: Params) => OscRequest;
}

const DEPT_ARG = '[dept]';

/** The control address space, in the order the README lists it. `[dept]` defaults to the first department. */
export const OSC_DICTIONARY: readonly OscDictionaryEntry[] = [
  { addresses: ['/connect'], args: '[passcode]', does: 'opens a session for this sender (needed when `inputs.osc.passcode` is set)', reply: '`"ok"`; status `denied`, data `"badpass"` on a wrong passcode', parse: (p) => ({ kind: 'connect', ...optional('passcode', str(p.address, p.args[0], 'the passcode')) }) },
  { addresses: ['/disconnect'], args: '', does: 'ends the session and its update subscription', reply: '`"ok"`', parse: () => ({ kind: 'disconnect' }) },
  { addresses: ['/updates'], args: '1 or 0', does: 'subscribes this sender to `/update/…` messages (or stops them)', reply: '`1` or `0`', parse: (p) => ({ kind: 'updates', on: flag(p.address, p.args[0], 'the subscription flag') ?? true }) },
  { addresses: ['/thump'], args: '', does: 'heartbeat', reply: '`"thump"`', parse: () => query({ kind: 'thump' }) },
  { addresses: ['/version'], args: '', does: 'engine version', reply: 'e.g. `"0.1.0"`', parse: () => query({ kind: 'version' }) },
  { addresses: ['/go', '/precue/go'], args: DEPT_ARG, does: 'GO: fire the standby cue', reply: '`{dept, cue}` of the cue fired', parse: (p) => command({ type: 'go', ...deptOf(p) }) },
  { addresses: ['/stop'], args: DEPT_ARG, does: 'stop fades and follows where they are (every department without `dept`)', reply: '`{dept}`', parse: (p) => command({ type: 'stop', ...deptOf(p) }) },
  { addresses: ['/pause', '/hold', '/precue/hold'], args: DEPT_ARG, does: 'HOLD: pause fades, follows and the model (every department without `dept`)', reply: '`{dept}`', parse: (p) => command({ type: 'hold', ...deptOf(p) }) },
  { addresses: ['/resume', '/precue/resume'], args: DEPT_ARG, does: 'continue after HOLD (every department without `dept`)', reply: '`{dept}`', parse: (p) => command({ type: 'resume', ...deptOf(p) }) },
  { addresses: ['/back', '/precue/back'], args: DEPT_ARG, does: 'BACK: return to the previous cue', reply: '`{dept, cue}` of the cue left', parse: (p) => command({ type: 'back', ...deptOf(p) }) },
  { addresses: ['/panic'], args: '[fadeMs]', does: 'PANIC: every output to its safe state (default fade `safety.panicFadeMs`)', reply: '`{fadeMs}`', parse: (p) => command({ type: 'panic', ...fade(p.address, p.args[0]) }) },
  { addresses: ['/cue/{number}/start', '/cue/{number}/go'], args: DEPT_ARG, does: 'fire cue `number` now', reply: '`{dept, cue}`', parse: (p) => command({ type: 'cueStart', cue: p.cue!, ...deptOf(p) }) },
  { addresses: ['/cue/{number}/load', '/select/{number}', '/playhead/{number}'], args: DEPT_ARG, does: 'make cue `number` the standby without firing it', reply: '`{dept, cue}`', parse: (p) => command({ type: 'cueLoad', cue: p.cue!, ...deptOf(p) }) },
  { addresses: ['/cue/{number}/stop'], args: DEPT_ARG, does: 'stop the department where it is', reply: '`{dept, cue}`', parse: (p) => command({ type: 'stop', cue: p.cue!, ...deptOf(p) }) },
  { addresses: ['/cue/{number}/name'], args: DEPT_ARG, does: 'the cue\'s name', reply: '`"name"` (empty when unnamed)', parse: (p) => query({ kind: 'cueName', cue: p.cue!, ...deptOf(p) }) },
  { addresses: ['/playhead/next'], args: DEPT_ARG, does: 'move the standby one cue on without firing', reply: '`{dept, cue}` of the new standby', parse: (p) => ({ kind: 'playhead', step: 1, ...deptOf(p) }) },
  { addresses: ['/playhead/previous'], args: DEPT_ARG, does: 'move the standby one cue back without firing', reply: '`{dept, cue}` of the new standby', parse: (p) => ({ kind: 'playhead', step: -1, ...deptOf(p) }) },
  { addresses: ['/playhead', '/select'], args: DEPT_ARG, does: 'where the department stands', reply: '`{dept, current, standby, next, held}`', parse: (p) => query({ kind: 'playhead', ...deptOf(p) }) },
  { addresses: ['/cueLists'], args: '', does: 'every department and its cues', reply: '`[{dept, label, mode, cues: [{number, name}]}]`', parse: () => query({ kind: 'cueLists' }) },
  { addresses: ['/runningCues'], args: '', does: 'the live cue of each department', reply: '`[{dept, cue, fadeProgress}]`', parse: () => query({ kind: 'runningCues' }) },
  { addresses: ['/state'], args: '', does: 'the whole control state', reply: '`{panic, blackout, grandMaster, depts: [{dept, mode, current, standby, held}]}`', parse: () => query({ kind: 'state' }) },
  { addresses: ['/dept/{dept}/go', '/precue/go/{dept}'], args: '', does: 'GO in `dept`', reply: '`{dept, cue}`', parse: (p) => command({ type: 'go', ...deptOf(p) }) },
  { addresses: ['/dept/{dept}/back', '/precue/back/{dept}'], args: '', does: 'BACK in `dept`', reply: '`{dept, cue}`', parse: (p) => command({ type: 'back', ...deptOf(p) }) },
  { addresses: ['/dept/{dept}/stop'], args: '', does: 'stop in `dept`', reply: '`{dept}`', parse: (p) => command({ type: 'stop', ...deptOf(p) }) },
  { addresses: ['/dept/{dept}/hold', '/precue/hold/{dept}'], args: '', does: 'HOLD in `dept`', reply: '`{dept}`', parse: (p) => command({ type: 'hold', ...deptOf(p) }) },
  { addresses: ['/dept/{dept}/resume', '/precue/resume/{dept}'], args: '', does: 'resume in `dept`', reply: '`{dept}`', parse: (p) => command({ type: 'resume', ...deptOf(p) }) },
  { addresses: ['/dept/{dept}/cue/{number}/start', '/precue/cue/{dept}/{number}'], args: '', does: 'fire cue `number` in `dept`', reply: '`{dept, cue}`', parse: (p) => command({ type: 'cueStart', cue: p.cue!, ...deptOf(p) }) },
  { addresses: ['/dept/{dept}/playhead'], args: '', does: 'where `dept` stands', reply: '`{dept, current, standby, next, held}`', parse: (p) => query({ kind: 'playhead', ...deptOf(p) }) },
  { addresses: ['/dept/{dept}/cues'], args: '', does: 'the cues of `dept`', reply: '`[{number, name}]`', parse: (p) => query({ kind: 'cues', dept: p.dept! }) },
  {
    addresses: ['/dept/{dept}/mode', '/precue/mode/{dept}'],
    args: '[manual, assist or auto]',
    does: 'sets the automation mode; without an argument, asks it',
    reply: '`"manual"`, `"assist"` or `"auto"`',
    parse: (p) => {
      const m = str(p.address, p.args[0], 'the mode');
      if (m === undefined) return query({ kind: 'mode', dept: p.dept! });
      if (!MODES.includes(m as AutomationMode)) fail(p.address, `mode '${m}' is not 'manual', 'assist' or 'auto'`);
      return command({ type: 'setMode', dept: p.dept!, mode: m as AutomationMode });
    },
  },
  {
    addresses: ['/gm', '/precue/gm'],
    args: '[level 0..1] [fadeMs]',
    does: 'sets the grand master (optionally faded); without an argument, asks it',
    reply: 'the level',
    parse: (p) => {
      const l = level(p.address, p.args[0]);
      return l === undefined ? query({ kind: 'grandMaster' }) : command({ type: 'grandMaster', level: l, ...fade(p.address, p.args[1]) });
    },
  },
  {
    addresses: ['/blackout', '/precue/blackout'],
    args: '[1 or 0]',
    does: 'blackout on or off; without an argument, asks it',
    reply: '`1` or `0`',
    parse: (p) => {
      const on = flag(p.address, p.args[0], 'on/off');
      return on === undefined ? query({ kind: 'blackout' }) : command({ type: 'blackout', on });
    },
  },
  { addresses: ['/precue/panic'], args: '[fadeMs]', does: 'PANIC (as `/panic`)', reply: '`{fadeMs}`', parse: (p) => command({ type: 'panic', ...fade(p.address, p.args[0]) }) },
];

function optional<K extends string, V>(key: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [key]: v }) as { [P in K]?: V };
}

interface CompiledPattern {
  readonly segments: readonly string[];
  readonly entry: OscDictionaryEntry;
}

const compiled: readonly CompiledPattern[] = OSC_DICTIONARY.flatMap((entry) => entry.addresses.map((a) => ({ segments: a.split('/').slice(1), entry })));

/** Strips QLab's `/workspace/{id}` prefix. */
export function workspaceRelative(address: string): string {
  const parts = address.split('/');
  return parts[1] === 'workspace' && parts.length > 3 ? `/${parts.slice(3).join('/')}` : address;
}

/**
 * Reads one incoming message against the dictionary. Throws InputError (one sentence: the address and
 * what is wrong) for unknown addresses and bad arguments.
 */
export function interpretOsc(message: OscMessageIn): OscRequest {
  const { address, args } = message;
  if (typeof address !== 'string' || !address.startsWith('/') || address.length > 512) throw new InputError('osc', 'an OSC address must start with / (at most 512 characters)');
  const parts = workspaceRelative(address).split('/').slice(1);
  // First pass: a `{number}` segment must look like a number, so `/playhead/next` finds its literal
  // pattern; second pass: any segment, so `/cue/abc/start` gets "cue number 'abc' must be digits…".
  for (const numbersOnly of [true, false]) {
    for (const { segments, entry } of compiled) {
      if (segments.length !== parts.length) continue;
      let ok = true;
      let d: string | undefined;
      let n: string | undefined;
      for (let i = 0; i < segments.length && ok; i++) {
        const s = segments[i]!;
        const v = parts[i]!;
        if (s === '{dept}') d = v;
        else if (s === '{number}') {
          n = v;
          ok = !numbersOnly || /^[0-9]/.test(v);
        } else ok = s === v;
      }
      if (!ok) continue;
      const params: Params = { address, args, ...(d !== undefined ? { dept: dept(address, d) } : {}), ...(n !== undefined ? { cue: cue(address, n) } : {}) };
      return entry.parse(params);
    }
  }
  fail(address, 'not in the OSC control dictionary (see the README)');
}

/** Maps a message that must be a command (older callers, tests); throws InputError otherwise. */
export function oscToControl(message: OscMessageIn): ControlCommand {
  const r = interpretOsc(message);
  if (r.kind !== 'command') fail(message.address, 'is not a command');
  return r.command;
}

/** The dictionary as the README's Markdown table. */
export function oscDictionaryMarkdown(): string {
  const rows = OSC_DICTIONARY.map((e) => `| ${e.addresses.map((a) => `\`${a}\``).join(', ')} | ${e.args} | ${e.does} | ${e.reply} |`);
  return ['| address | args | does | reply data |', '|---|---|---|---|', ...rows].join('\n');
}
