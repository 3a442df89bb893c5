/**
 * A hot standby mirrors its primary: from the primary's state (as its console snapshot shows it) and
 * its own, the next step that brings it in line — a department to the primary's cue (GOTO, with the
 * cue's own fade, so a fade in progress runs on the standby too; BACK where the primary went back; a
 * RESTORE, at once and without firing, when catching up on connect), the standby cue, HOLD, PANIC and
 * its release, the grand master, blackout. The standby applies one step, looks again, and repeats
 * until nothing differs, so each step sees the effects of the last (a GO after PANIC also lifts it).
 *
 * And the sACN priorities a standby sends at: below its primary while it follows (receivers take the
 * primary), above it once in control (receivers switch at the next packet, without waiting out the
 * dead primary's 2.5 s stream timeout, and a primary that comes back does not take the stage back
 * until an operator hands it back). Pure.
 */
import { compareCueNumbers } from '../ids.js';
import type { ConsoleCommand } from '../protocol/messages.js';

/** How far below its primary's sACN priority a standby sends while it follows. */
export const STANDBY_PRIORITY_BELOW = 10;
/** How far above the primary's priority a standby sends once it has taken control. */
export const TAKEOVER_PRIORITY_ABOVE = 1;
/**
 * A primary silent this long (no pong, no delta) is lost: the standby takes over. A killed primary's
 * connection closes at once; this covers a pulled cable or a frozen machine. With the frame that
 * follows, the outputs change hands within 1 s (measured: test/e2e/standby.test.ts with
 * PRECUE_STANDBY_FREEZE=1). A primary whose event loop stalls this long is taken from.
 */
export const PRIMARY_SILENCE_MS = 700;
/** How often a standby pings its primary (and checks its silence: a loss is seen within this of the limit). */
export const PRIMARY_PING_MS = 100;

/** The sACN priority a standby follows at, for a universe the show sends at `showPriority`. */
export function standbyPriority(showPriority: number): number {
  return Math.max(0, showPriority - STANDBY_PRIORITY_BELOW);
}

/** The sACN priority a standby in control sends at (E1.31 allows up to 200). */
export function takeoverPriority(showPriority: number): number {
  return Math.min(200, showPriority + TAKEOVER_PRIORITY_ABOVE);
}

/** One department as mirroring compares it. */
export interface MirrorDept {
  readonly id: string;
  readonly current: string | null;
  readonly standby: string | null;
  readonly held: boolean;
  readonly panicked: boolean;
}

/** One side (the primary or the standby) as mirroring compares it. */
export interface MirrorView {
  readonly depts: readonly MirrorDept[];
  readonly panic: boolean;
  readonly blackout: boolean;
  readonly grandMaster: number;
}

/** One step towards the primary's state. */
export type MirrorStep =
  /** Put the department at the cue at once, firing nothing (catching up on connect). */
  | { readonly kind: 'restore'; readonly dept: string; readonly cue: string | null }
  /** A console command, carried out as a person's would be. */
  | { readonly kind: 'command'; readonly command: ConsoleCommand }
  | { readonly kind: 'blackout'; readonly on: boolean };

/**
 * The next step that brings `local` towards `primary`, or undefined when they agree. `catchUp`: the
 * standby has just connected (cue positions are restored, not faded). `cues(dept)` lists a
 * department's cue numbers in order.
 */
export function nextMirrorStep(primary: MirrorView, local: MirrorView, catchUp: boolean, cues: (dept: string) => readonly string[]): MirrorStep | undefined {
  const mine = new Map(local.depts.map((d) => [d.id, d]));
  for (const p of primary.depts) {
    const l = mine.get(p.id);
    if (l === undefined || same(p.current, l.current)) continue;
    if (catchUp) return { kind: 'restore', dept: p.id, cue: p.current };
    const list = cues(p.id);
    const at = (c: string | null): number => (c === null ? -1 : list.findIndex((x) => compareCueNumbers(x, c) === 0));
    if (l.current !== null && at(p.current) === at(l.current) - 1) return { kind: 'command', command: { type: 'back', dept: p.id } };
    if (p.current === null) return { kind: 'restore', dept: p.id, cue: null };
    return { kind: 'command', command: { type: 'goto', dept: p.id, cue: p.current } };
  }
  for (const p of primary.depts) {
    const l = mine.get(p.id);
    if (l === undefined || p.standby === null || same(p.standby, l.standby)) continue;
    return { kind: 'command', command: { type: 'standby', dept: p.id, cue: p.standby } };
  }
  for (const p of primary.depts) {
    const l = mine.get(p.id);
    if (l === undefined || p.held === l.held) continue;
    return { kind: 'command', command: { type: p.held ? 'hold' : 'resume', dept: p.id } };
  }
  if (primary.panic !== local.panic) return { kind: 'command', command: primary.panic ? { type: 'panic' } : { type: 'release-panic' } };
  for (const p of primary.depts) {
    const l = mine.get(p.id);
    if (l === undefined || p.panicked === l.panicked) continue;
    return { kind: 'command', command: p.panicked ? { type: 'panic', dept: p.id } : { type: 'release-panic', dept: p.id } };
  }
  if (Math.abs(primary.grandMaster - local.grandMaster) > 1e-6) return { kind: 'command', command: { type: 'set-grand-master', level: primary.grandMaster } };
  if (primary.blackout !== local.blackout) return { kind: 'blackout', on: primary.blackout };
  return undefined;
}

/** Where the two sides' cue positions differ, one sentence each (what a hand-back must not leave). */
export function mirrorDifferences(primary: MirrorView, local: MirrorView): string[] {
  const mine = new Map(local.depts.map((d) => [d.id, d]));
  const out: string[] = [];
  const name = (c: string | null): string => (c === null ? 'the top' : `cue ${c}`);
  for (const p of primary.depts) {
    const l = mine.get(p.id);
    if (l === undefined) out.push(`${p.id}: not in this engine's show`);
    else if (!same(p.current, l.current)) out.push(`${p.id}: primary at ${name(p.current)}, here at ${name(l.current)}`);
  }
  for (const l of local.depts) if (!primary.depts.some((p) => p.id === l.id)) out.push(`${l.id}: not in the primary's show`);
  if (primary.panic !== local.panic) out.push(`PANIC ${primary.panic ? 'on' : 'off'} on the primary, ${local.panic ? 'on' : 'off'} here`);
  return out;
}

function same(a: string | null, b: string | null): boolean {
  return a === b || (a !== null && b !== null && compareCueNumbers(a, b) === 0);
}
