/**
 * The DMX side of the safety commands: PANIC (every universe to its safe state over a timed fade),
 * MSC ALL_OFF, blackout and the grand master, applied to every Universe at once. Time comes in as
 * `nowMs` from the caller's scheduler. Commands that are not about safety are left to the arbiter.
 */
import { BehaviorSubject, type Observable } from 'rxjs';
import { type ControlCommand } from '../control.js';
import { type Universe } from './universe.js';

/** The show's `safety` section. */
export interface SafetySettings {
  /** Default PANIC fade. */
  readonly panicFadeMs: number;
  /** Grand master at show start, 0..1. */
  readonly grandMaster: number;
}

/** What the safety layer is doing now (for the console). */
export interface SafetyState {
  readonly panic: boolean;
  readonly allOff: boolean;
  readonly blackout: boolean;
  readonly grandMaster: number;
  /** Who made the last change (`osc`, `msc`, `operator@…`, `system`), for the decision log. */
  readonly changedBy: string;
}

/** Applies safety commands to a set of universes. */
export class UniverseSafety {
  private readonly subject: BehaviorSubject<SafetyState>;
  /** The state, now and on every change (whoever made it: console, OSC, MSC, a GO after PANIC). */
  readonly state$: Observable<SafetyState>;

  constructor(
    private readonly universes: readonly Universe[],
    private readonly settings: SafetySettings,
  ) {
    for (const u of universes) u.setGrandMaster(settings.grandMaster);
    this.subject = new BehaviorSubject<SafetyState>({ panic: false, allOff: false, blackout: false, grandMaster: settings.grandMaster, changedBy: 'system' });
    this.state$ = this.subject.asObservable();
  }

  /** The current state. */
  get current(): SafetyState {
    return this.subject.value;
  }

  private set state(next: SafetyState) {
    const s = this.subject.value;
    if (s.panic !== next.panic || s.allOff !== next.allOff || s.blackout !== next.blackout || s.grandMaster !== next.grandMaster) this.subject.next(next);
  }

  private get state(): SafetyState {
    return this.subject.value;
  }

  /**
   * Applies a command if it is a safety command (panic, allOff, blackout, grandMaster; resume ends
   * ALL_OFF). Returns true when it was one. `go`/`cueStart` after a PANIC do not lift it: the operator
   * lifts PANIC explicitly with `clearPanic`.
   */
  handle(command: ControlCommand, nowMs: number, by = 'system'): boolean {
    switch (command.type) {
      case 'panic': {
        const fadeMs = command.fadeMs ?? this.settings.panicFadeMs;
        for (const u of this.universes) u.startPanic(fadeMs, nowMs);
        this.state = { ...this.state, panic: true, changedBy: by };
        return true;
      }
      case 'allOff':
        for (const u of this.universes) u.startPanic(0, nowMs);
        this.state = { ...this.state, allOff: true, changedBy: by };
        return true;
      case 'resume':
        if (!this.state.allOff || this.state.panic) return false;
        for (const u of this.universes) u.clearPanic(0, nowMs);
        this.state = { ...this.state, allOff: false, changedBy: by };
        return false; // resume also continues paused fades: let the arbiter see it too
      case 'blackout':
        for (const u of this.universes) u.setBlackout(command.on);
        this.state = { ...this.state, blackout: command.on, changedBy: by };
        return true;
      case 'grandMaster': {
        const level = Math.min(1, Math.max(0, command.level));
        for (const u of this.universes) u.setGrandMaster(level, command.fadeMs ?? 0, nowMs);
        this.state = { ...this.state, grandMaster: level, changedBy: by };
        return true;
      }
      case 'go':
      case 'stop':
      case 'hold':
      case 'back':
      case 'cueStart':
      case 'cueLoad':
      case 'timedGo':
      case 'setMode':
      case 'setControl':
      case 'fireMacro':
        return false;
    }
  }

  /** Lifts PANIC / ALL_OFF, fading back to the live look over `fadeMs`. */
  clearPanic(nowMs: number, fadeMs = 0, by = 'system'): void {
    for (const u of this.universes) u.clearPanic(fadeMs, nowMs);
    this.state = { ...this.state, panic: false, allOff: false, changedBy: by };
  }

  /** Completes `state$` (the pipeline is disposed). */
  dispose(): void {
    this.subject.complete();
  }
}
