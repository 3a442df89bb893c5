/**
 * The port the console server needs from the engine. `engine/main.ts` implements it from the
 * playback and arbiter state; the server never sees more of the engine than this.
 */
import type { Observable } from 'rxjs';
import type { ConsoleCommand, RefusalCode, Role } from './messages.js';
import type { EngineDelta, EngineSnapshot } from './state.js';

/** Who sent a command, as the server authenticated them. */
export interface CommandIssuer {
  readonly role: Role;
  /** For the decision log, e.g. `operator@127.0.0.1`. */
  readonly name: string;
}

/** What the engine says about a command: done, or refused with a reason a person can act on. */
export type CommandResult =
  | { readonly ok: true; readonly detail?: string }
  | { readonly ok: false; readonly code: Exclude<RefusalCode, 'malformed' | 'oversized' | 'rate-limited' | 'forbidden'>; readonly message: string };

/**
 * The engine as the console sees it.
 *
 * Contract: `snapshot()` is the state with every delta already emitted on `deltas$` folded in (so
 * `applyDelta(snapshot(), d)` for each later `d` gives the next snapshots); deltas are emitted
 * synchronously in engine order; `deltas$` is hot and never completes while the engine runs.
 * `execute` has already been authorised by role — it checks only whether the engine can do it now.
 * It may throw (the server refuses the command with `engine-error` and carries on).
 */
export interface ConsoleEngine {
  snapshot(): EngineSnapshot;
  readonly deltas$: Observable<EngineDelta>;
  execute(command: ConsoleCommand, who: CommandIssuer): CommandResult | Promise<CommandResult>;
  /** The engine clock in ms (the scheduler's `now()`), the time base of every `*AtMs` field. */
  now(): number;
}
