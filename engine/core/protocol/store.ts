/**
 * A ready-made half of the ConsoleEngine port: holds the snapshot, folds each delta into it and
 * emits it, so the composition root only translates playback/arbiter/listening events into deltas.
 */
import { Subject, type Observable } from 'rxjs';
import { applyDelta } from './apply.js';
import { encodeDmx } from './dmx.js';
import type { ConsoleCommand } from './messages.js';
import type { CommandIssuer, CommandResult, ConsoleEngine } from './port.js';
import type { DeptPatch, EngineDelta, EngineSnapshot } from './state.js';

/** Console state with change detection: patches and frames that change nothing emit nothing. */
export class ConsoleStateStore {
  private state: EngineSnapshot;
  private readonly subject = new Subject<EngineDelta>();
  /** Every change, in order; hot. */
  readonly deltas$: Observable<EngineDelta> = this.subject.asObservable();

  constructor(initial: EngineSnapshot, private readonly now: () => number) {
    this.state = initial;
  }

  /** The current snapshot, stamped with the engine clock. */
  snapshot(): EngineSnapshot {
    return { ...this.state, engineTimeMs: this.now() };
  }

  /** Folds a delta in and emits it. */
  emit(delta: EngineDelta): void {
    this.state = applyDelta(this.state, delta, this.now());
    this.subject.next(delta);
  }

  /** Emits only the fields of `patch` that differ from the department's state (nothing if none do). */
  patchDept(dept: string, patch: DeptPatch): void {
    const current = this.state.depts.find((d) => d.id === dept);
    if (current === undefined) return;
    const changed: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(patch) as Array<[keyof DeptPatch, unknown]>) {
      if (value !== undefined && JSON.stringify(current[key]) !== JSON.stringify(value)) changed[key] = value;
    }
    if (Object.keys(changed).length > 0) this.emit({ type: 'dept', dept, patch: changed });
  }

  /** Emits a universe frame when its levels changed. */
  setUniverse(id: number, label: string, levels: Uint8Array): void {
    const dmx = encodeDmx(levels);
    const old = this.state.universes.find((u) => u.id === id);
    if (old !== undefined && old.dmx === dmx && old.label === label) return;
    this.emit({ type: 'universe', universe: { id, label, dmx } });
  }

  /** Ends the stream (engine shutdown). */
  complete(): void {
    this.subject.complete();
  }
}

/** Builds the ConsoleEngine port from a store and the engine's command handler. */
export function consoleEngineFrom(
  store: ConsoleStateStore,
  execute: (command: ConsoleCommand, who: CommandIssuer) => CommandResult | Promise<CommandResult>,
  now: () => number,
): ConsoleEngine {
  return { snapshot: () => store.snapshot(), deltas$: store.deltas$, execute, now };
}
