/**
 * The engine's continuity record (`ContinuityState`): one home for what a console sees of the engine's
 * place among several — its role, the link to its primary, how its outputs speak, a takeover, the
 * resume from the journal, the peers found on the network. The parts that own each field (the standby,
 * the journal, discovery) update it; the console model sends it whole on each change.
 *
 * It also carries the standby's answer to `take-control` and `hand-back`, so the console model asks
 * one port and never knows the standby. Pure.
 */
import { BehaviorSubject, distinctUntilChanged, type Observable } from 'rxjs';
import type { ContinuityState } from '../protocol/continuity.js';
import type { CommandResult } from '../protocol/port.js';

/** The commands a hot standby answers. */
export type ControlCommandType = 'take-control' | 'hand-back';

/** What a standby does with `take-control` / `hand-back` (`who`: for the log). */
export type ControlHandler = (command: ControlCommandType, who: string) => CommandResult;

/** A primary that nothing follows, with no journal and no peers. */
export const INITIAL_CONTINUITY: ContinuityState = {
  role: 'primary',
  primary: null,
  outputs: { sacnPriority: null, silent: false },
  tookControl: null,
  resumed: null,
  journal: null,
  peers: [],
};

/** The continuity record and the port the console model uses. */
export class ContinuityRecord {
  private readonly state: BehaviorSubject<ContinuityState>;
  /** Each new state (hot, current value first). */
  readonly states$: Observable<ContinuityState>;
  private handler: ControlHandler | undefined;

  constructor(initial: ContinuityState = INITIAL_CONTINUITY) {
    this.state = new BehaviorSubject(initial);
    this.states$ = this.state.pipe(distinctUntilChanged((a, b) => JSON.stringify(a) === JSON.stringify(b)));
  }

  current(): ContinuityState {
    return this.state.value;
  }

  /** Changes some fields. */
  update(patch: Partial<ContinuityState>): void {
    this.state.next({ ...this.state.value, ...patch });
  }

  /** The standby that answers take-control and hand-back (none: an engine that follows nobody). */
  handleControl(handler: ControlHandler): void {
    this.handler = handler;
  }

  /** Carries out take-control / hand-back, or refuses it. */
  command(command: ControlCommandType, who: string): CommandResult {
    if (this.handler === undefined) {
      return { ok: false, code: 'conflict', message: `this engine is not a hot standby (start one with 'precue run <show> --backup-of <host:port>'); ${command} does nothing here` };
    }
    return this.handler(command, who);
  }

  /** Ends the stream. */
  dispose(): void {
    this.state.complete();
  }
}
