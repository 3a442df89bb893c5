/**
 * The incoming OSC control address space. Modelled on QLab's (`/go`, `/stop`, `/panic`,
 * `/cue/{number}/start`, optionally under `/workspace/{id}`), plus Precue's own under `/precue/`:
 *
 * | address                         | args                 | command                      |
 * |---------------------------------|----------------------|------------------------------|
 * | /go                             | [dept]               | go                           |
 * | /stop                           | [dept]               | stop                         |
 * | /panic                          | [fadeMs]             | panic                        |
 * | /pause, /precue/hold            | [dept]               | hold                         |
 * | /resume, /precue/resume         | [dept]               | resume                       |
 * | /back, /playhead/previous       | [dept]               | back                         |
 * | /cue/{number}/start             | [dept]               | cueStart                     |
 * | /cue/{number}/load              | [dept]               | cueLoad                      |
 * | /cue/{number}/stop              | [dept]               | stop (that cue)              |
 * | /precue/go/{dept}               |                      | go in dept                   |
 * | /precue/back/{dept}             |                      | back in dept                 |
 * | /precue/hold/{dept}             |                      | hold in dept                 |
 * | /precue/mode/{dept}             | manual|assist|auto   | setMode                      |
 * | /precue/cue/{dept}/{number}     |                      | cueStart in dept             |
 * | /precue/blackout                | [1|0|T|F] (default 1)| blackout                     |
 * | /precue/gm                      | level 0..1 [fadeMs]  | grandMaster                  |
 * | /precue/panic                   | [fadeMs]             | panic                        |
 */
import { type AutomationMode, type ControlCommand } from '../control.js';
import { InputError } from '../errors.js';
import { cueId, deptId } from '../ids.js';
import { type OscMessageIn, type OscValue } from './packet.js';

const CUE_RE = /^[0-9]+(\.[0-9]+)*$/;
const DEPT_RE = /^[A-Za-z0-9_-]{1,32}$/;

function fail(address: string, detail: string): never {
  throw new InputError('osc', `${address}: ${detail}`);
}

function dept(address: string, s: string): ReturnType<typeof deptId> {
  if (!DEPT_RE.test(s)) fail(address, `department '${s}' must be 1..32 letters, digits, - or _`);
  return deptId(s);
}

function cue(address: string, s: string): ReturnType<typeof cueId> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(s);
  } catch {
    fail(address, `cue number '${s}' is not valid percent-encoding`);
  }
  if (!CUE_RE.test(decoded)) fail(address, `cue number '${decoded}' must be digits with optional points, e.g. 12.5`);
  return cueId(decoded);
}

function optDeptArg(address: string, args: readonly OscValue[]): { dept?: ReturnType<typeof deptId> } {
  const a = args[0];
  if (a === undefined) return {};
  if (typeof a.value !== 'string') fail(address, `first argument must be a department name (string), got type '${a.type}'`);
  return { dept: dept(address, a.value) };
}

function num(address: string, a: OscValue | undefined, what: string): number | undefined {
  if (a === undefined) return undefined;
  const v = typeof a.value === 'number' ? a.value : typeof a.value === 'bigint' ? Number(a.value) : typeof a.value === 'string' ? Number(a.value) : NaN;
  if (!Number.isFinite(v)) fail(address, `${what} must be a number, got type '${a.type}'`);
  return v;
}

function fadeArg(address: string, a: OscValue | undefined): { fadeMs?: number } {
  const v = num(address, a, 'fade time (ms)');
  if (v === undefined) return {};
  if (v < 0 || v > 3_600_000) fail(address, `fade time ${v} ms is outside 0..3600000`);
  return { fadeMs: v };
}

function bool(address: string, a: OscValue | undefined): boolean {
  if (a === undefined) return true;
  if (typeof a.value === 'boolean') return a.value;
  const v = num(address, a, 'on/off');
  return v !== undefined && v !== 0;
}

const MODES: readonly AutomationMode[] = ['manual', 'assist', 'auto'];

/** Maps one incoming OSC message to a command; throws InputError for unknown addresses or bad args. */
export function oscToControl(message: OscMessageIn): ControlCommand {
  const { address, args } = message;
  let parts = address.split('/').slice(1);
  if (parts[0] === 'workspace' && parts.length > 2) parts = parts.slice(2); // QLab: /workspace/{id}/go
  const [a, b, c, d] = parts;
  const n = parts.length;
  if (n === 1) {
    switch (a) {
      case 'go':
        return { type: 'go', ...optDeptArg(address, args) };
      case 'stop':
        return { type: 'stop', ...optDeptArg(address, args) };
      case 'panic':
        return { type: 'panic', ...fadeArg(address, args[0]) };
      case 'pause':
        return { type: 'hold', ...optDeptArg(address, args) };
      case 'resume':
        return { type: 'resume', ...optDeptArg(address, args) };
      case 'back':
        return { type: 'back', ...optDeptArg(address, args) };
      default:
        break;
    }
  }
  if (n === 2 && a === 'playhead' && b === 'previous') return { type: 'back', ...optDeptArg(address, args) };
  if (n === 3 && a === 'cue' && b !== undefined) {
    const number = cue(address, b);
    if (c === 'start') return { type: 'cueStart', cue: number, ...optDeptArg(address, args) };
    if (c === 'load') return { type: 'cueLoad', cue: number, ...optDeptArg(address, args) };
    if (c === 'stop') return { type: 'stop', cue: number, ...optDeptArg(address, args) };
  }
  if (a === 'precue') {
    if (n === 2) {
      switch (b) {
        case 'hold':
          return { type: 'hold', ...optDeptArg(address, args) };
        case 'resume':
          return { type: 'resume', ...optDeptArg(address, args) };
        case 'go':
          return { type: 'go', ...optDeptArg(address, args) };
        case 'back':
          return { type: 'back', ...optDeptArg(address, args) };
        case 'panic':
          return { type: 'panic', ...fadeArg(address, args[0]) };
        case 'blackout':
          return { type: 'blackout', on: bool(address, args[0]) };
        case 'gm': {
          const level = num(address, args[0], 'grand master level');
          if (level === undefined || level < 0 || level > 1) fail(address, 'needs a level from 0 to 1');
          return { type: 'grandMaster', level, ...fadeArg(address, args[1]) };
        }
        default:
          break;
      }
    }
    if (n === 3 && c !== undefined) {
      switch (b) {
        case 'go':
          return { type: 'go', dept: dept(address, c) };
        case 'back':
          return { type: 'back', dept: dept(address, c) };
        case 'hold':
          return { type: 'hold', dept: dept(address, c) };
        case 'resume':
          return { type: 'resume', dept: dept(address, c) };
        case 'mode': {
          const m = args[0]?.value;
          if (typeof m !== 'string' || !MODES.includes(m as AutomationMode)) fail(address, "needs a mode: 'manual', 'assist' or 'auto'");
          return { type: 'setMode', dept: dept(address, c), mode: m as AutomationMode };
        }
        default:
          break;
      }
    }
    if (n === 4 && b === 'cue' && c !== undefined && d !== undefined) return { type: 'cueStart', dept: dept(address, c), cue: cue(address, d) };
  }
  fail(address, 'not in the control address space (see engine/core/osc/control.ts)');
}
