/**
 * Whether a department command can be carried out now, from the state a console sees: the one home
 * of "no such department", "no such cue", "end of the cue list" and "nothing to go back from", shared
 * by the console (`ConsoleModel`) and remote control (OSC replies), so both refuse the same things
 * with the same words.
 */
import { compareCueNumbers } from './ids.js';
import type { DeptState } from './protocol/state.js';

/** Why a command was refused: the protocol's codes a person can act on. */
export interface Refusal {
  readonly code: 'not-found' | 'conflict';
  readonly message: string;
}

/** The department command being checked: GO and BACK depend on the stack; others only on the names. */
export type CheckedAction = 'go' | 'back' | 'other';

/** Finds a department, or says which ones the show has. */
export function findDept(depts: readonly DeptState[], dept: string): DeptState | Refusal {
  const d = depts.find((x) => x.id === dept);
  return d ?? { code: 'not-found', message: `there is no department '${dept}' (this show has ${depts.map((x) => x.id).join(', ')})` };
}

/** True for a refusal (as opposed to a department). */
export function isRefusal(v: DeptState | Refusal): v is Refusal {
  return 'code' in v;
}

/** Why `action` (on `cue`, when given) cannot run in `dept` now, or undefined when it can. */
export function refuseDeptCommand(depts: readonly DeptState[], dept: string, action: CheckedAction, cue?: string): Refusal | undefined {
  const d = findDept(depts, dept);
  if (isRefusal(d)) return d;
  if (cue !== undefined && !d.cues.some((q) => compareCueNumbers(q.number, cue) === 0)) return { code: 'not-found', message: `${d.id} has no cue ${cue}` };
  if (action === 'go' && d.standby === null) return { code: 'conflict', message: `${d.id} is at the end of its cue list; GOTO a cue or BACK` };
  if (action === 'back' && d.current === null) return { code: 'conflict', message: `${d.id} has no live cue to go back from` };
  return undefined;
}
