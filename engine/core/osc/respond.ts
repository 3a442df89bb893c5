/**
 * Answers OSC control requests the way QLab does: every message gets `/reply/<address>` with one
 * string argument, a JSON object `{address, status, data}` (`status` is `ok`, `error` or `denied`).
 * Commands are checked against the state a console sees first (the same checks the console makes), so
 * a controller learns at once that a GO had nothing to fire; subscribers get `/update/…` messages
 * with the values that changed. Pure: the io listener supplies the state and moves the bytes.
 */
import { type ControlCommand } from '../control.js';
import { findDept, isRefusal, refuseDeptCommand, type CheckedAction } from '../commandChecks.js';
import { compareCueNumbers, cueId, type CueId, type DeptId, deptId } from '../ids.js';
import type { DeptState } from '../protocol/state.js';
import type { SafetyState } from '../universe/safety.js';
import { type OscQuery, type OscRequest } from './dictionary.js';
import { type OscArg, type OscMessageSpec } from './packet.js';

/** What a reply says. */
export type OscReplyStatus = 'ok' | 'error' | 'denied';

/** One reply: its status and data (for `error` and `denied`, a sentence saying why). */
export interface OscReply {
  readonly status: OscReplyStatus;
  readonly data: unknown;
}

/** The state requests are checked against and queries answered from. */
export interface OscControlState {
  /** Departments as the console sees them (stack order, modes, live and standby cues). */
  readonly depts: readonly DeptState[];
  /** PANIC in force. */
  readonly panic: boolean;
  /** Grand master, blackout and ALL_OFF as the universes apply them. */
  readonly safety: Pick<SafetyState, 'grandMaster' | 'blackout'>;
  /** The engine's version, for `/version`. */
  readonly version: string;
}

/** A request's outcome: the reply, and the command to carry out when it was accepted. */
export interface OscResponse {
  readonly reply: OscReply;
  readonly command?: ControlCommand;
}

/** UDP replies beyond this many bytes of JSON are refused with a pointer to a narrower query. */
export const OSC_REPLY_MAX_JSON = 60_000;

const ok = (data: unknown): OscReply => ({ status: 'ok', data });
const error = (message: string): OscReply => ({ status: 'error', data: message });

function defaultDept(state: OscControlState): DeptState | undefined {
  return state.depts[0];
}

/** The department a command addresses: its own, or the first (QLab's "current cue list"). */
function resolveDept(state: OscControlState, dept: DeptId | undefined): DeptState | OscReply {
  if (dept === undefined) return defaultDept(state) ?? error('the show has no departments');
  const d = findDept(state.depts, dept);
  return isRefusal(d) ? error(d.message) : d;
}

const isReply = (v: DeptState | OscReply): v is OscReply => 'status' in v;

function checked(state: OscControlState, dept: DeptState, action: CheckedAction, cue?: CueId): OscReply | undefined {
  const r = refuseDeptCommand(state.depts, dept.id, action, cue);
  return r === undefined ? undefined : error(r.message);
}

function respondCommand(c: ControlCommand, state: OscControlState): OscResponse {
  switch (c.type) {
    case 'go':
    case 'back':
    case 'cueStart':
    case 'cueLoad':
    case 'timedGo': {
      const d = resolveDept(state, c.dept);
      if (isReply(d)) return { reply: d };
      const action: CheckedAction = c.type === 'go' || (c.type === 'timedGo' && c.cue === undefined) ? 'go' : c.type === 'back' ? 'back' : 'other';
      const cue = 'cue' in c ? c.cue : undefined;
      const refused = checked(state, d, action, cue);
      if (refused !== undefined) return { reply: refused };
      const named = cue ?? (action === 'go' ? d.standby : action === 'back' ? d.current : null);
      // Name the department explicitly so the arbiter acts where the reply says it did.
      return { reply: ok({ dept: d.id, cue: named }), command: { ...c, dept: deptId(d.id) } };
    }
    case 'stop':
    case 'hold':
    case 'resume': {
      const cue = 'cue' in c ? c.cue : undefined;
      // Without a department these act on every department; a named cue belongs to the first's list.
      if (c.dept === undefined && cue === undefined) return { reply: ok({ dept: null }), command: c };
      const d = resolveDept(state, c.dept);
      if (isReply(d)) return { reply: d };
      const refused = checked(state, d, 'other', cue);
      if (refused !== undefined) return { reply: refused };
      return { reply: ok({ dept: d.id, ...(cue !== undefined ? { cue } : {}) }), command: { ...c, dept: deptId(d.id) } };
    }
    case 'setMode': {
      const d = resolveDept(state, c.dept);
      if (isReply(d)) return { reply: d };
      return { reply: ok(c.mode), command: c };
    }
    case 'panic':
      return { reply: ok({ fadeMs: c.fadeMs ?? null }), command: c };
    case 'grandMaster':
      return { reply: ok(c.level), command: c };
    case 'blackout':
      return { reply: ok(c.on ? 1 : 0), command: c };
    case 'allOff':
    case 'setControl':
    case 'fireMacro':
      return { reply: ok(null), command: c };
  }
}

function playheadOf(d: DeptState): Record<string, unknown> {
  return { dept: d.id, current: d.current, standby: d.standby, next: d.next, held: d.held };
}

function cueList(d: DeptState): Array<{ number: string; name: string }> {
  return d.cues.map((q) => ({ number: q.number, name: q.name ?? '' }));
}

function respondQuery(q: OscQuery, state: OscControlState): OscReply {
  switch (q.kind) {
    case 'thump':
      return ok('thump');
    case 'version':
      return ok(state.version);
    case 'cueLists':
      return ok(state.depts.map((d) => ({ dept: d.id, label: d.label, mode: d.mode, cues: cueList(d) })));
    case 'cues': {
      const d = resolveDept(state, q.dept);
      return isReply(d) ? d : ok(cueList(d));
    }
    case 'runningCues':
      return ok(state.depts.filter((d) => d.current !== null).map((d) => ({ dept: d.id, cue: d.current, fadeProgress: d.fadeProgress })));
    case 'state':
      return ok({
        panic: state.panic,
        blackout: state.safety.blackout,
        grandMaster: state.safety.grandMaster,
        depts: state.depts.map((d) => ({ dept: d.id, mode: d.mode, current: d.current, standby: d.standby, held: d.held })),
      });
    case 'playhead': {
      const d = resolveDept(state, q.dept);
      return isReply(d) ? d : ok(playheadOf(d));
    }
    case 'mode': {
      const d = resolveDept(state, q.dept);
      return isReply(d) ? d : ok(d.mode);
    }
    case 'cueName': {
      const d = resolveDept(state, q.dept);
      if (isReply(d)) return d;
      const refused = checked(state, d, 'other', q.cue);
      if (refused !== undefined) return refused;
      return ok(d.cues.find((c) => compareCueNumbers(c.number, q.cue) === 0)?.name ?? '');
    }
    case 'grandMaster':
      return ok(state.safety.grandMaster);
    case 'blackout':
      return ok(state.safety.blackout ? 1 : 0);
  }
}

/** Moves the standby one cue on or back: a `cueLoad` of the neighbouring cue in stack order. */
function respondPlayhead(step: 1 | -1, dept: DeptId | undefined, state: OscControlState): OscResponse {
  const d = resolveDept(state, dept);
  if (isReply(d)) return { reply: d };
  const at = d.standby === null ? d.cues.length : d.cues.findIndex((c) => c.number === d.standby);
  const target = d.cues[at + step];
  if (target === undefined) return { reply: error(step === 1 ? `${d.id}: the standby is already at the end of the cue list` : `${d.id}: the standby is already the first cue`) };
  return { reply: ok({ dept: d.id, cue: target.number }), command: { type: 'cueLoad', dept: deptId(d.id), cue: cueId(target.number) } };
}

/**
 * Answers a command, query or playhead move from the state. Session requests (`/connect`,
 * `/disconnect`, `/updates`) belong to the listener, which knows who is talking.
 */
export function respondToOsc(request: Exclude<OscRequest, { kind: 'connect' | 'disconnect' | 'updates' }>, state: OscControlState): OscResponse {
  switch (request.kind) {
    case 'command':
      return respondCommand(request.command, state);
    case 'query':
      return { reply: respondQuery(request.query, state) };
    case 'playhead':
      return respondPlayhead(request.step, request.dept, state);
  }
}

/** Makes an address safe to send back inside `/reply…` (OSC forbids space # * , ? [ ] { } in addresses). */
function replyAddress(address: string): string {
  const clean = address.replace(/[^\x21-\x7e]|[#*,?[\]{}]/g, '_').slice(0, 512);
  return `/reply${clean.startsWith('/') ? clean : `/${clean}`}`;
}

/** The `/reply/<address>` message for a reply (too large a reply becomes an error naming a narrower query). */
export function oscReplyMessage(address: string, reply: OscReply): OscMessageSpec {
  let json = JSON.stringify({ address, status: reply.status, data: reply.data ?? null });
  if (json.length > OSC_REPLY_MAX_JSON) {
    json = JSON.stringify({ address, status: 'error', data: `the reply is over ${OSC_REPLY_MAX_JSON} bytes; ask one department at a time (/dept/{dept}/cues)` });
  }
  return { address: replyAddress(address), args: [json] };
}

/**
 * The values subscribers follow, by update address: per department its standby (`playbackPosition`,
 * QLab's name), live cue, mode and hold; and the grand master, blackout and PANIC. Empty string = none.
 */
export function oscUpdateValues(state: OscControlState): Map<string, OscArg> {
  const out = new Map<string, OscArg>();
  for (const d of state.depts) {
    out.set(`/update/dept/${d.id}/playbackPosition`, d.standby ?? '');
    out.set(`/update/dept/${d.id}/current`, d.current ?? '');
    out.set(`/update/dept/${d.id}/mode`, d.mode);
    out.set(`/update/dept/${d.id}/held`, d.held ? 1 : 0);
  }
  out.set('/update/gm', { type: 'f', value: state.safety.grandMaster });
  out.set('/update/blackout', state.safety.blackout ? 1 : 0);
  out.set('/update/panic', state.panic ? 1 : 0);
  return out;
}

/** The update messages for what changed between two value sets (all of `next` when `previous` is empty). */
export function oscUpdateMessages(previous: ReadonlyMap<string, OscArg>, next: ReadonlyMap<string, OscArg>): OscMessageSpec[] {
  const out: OscMessageSpec[] = [];
  const same = (a: OscArg | undefined, b: OscArg): boolean => JSON.stringify(a) === JSON.stringify(b);
  for (const [address, value] of next) if (!same(previous.get(address), value)) out.push({ address, args: [value] });
  return out;
}
