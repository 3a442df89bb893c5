/**
 * What goes into the arbiter and what comes out: predictions from the model, commands from people
 * and other controllers, and the decisions that drive playback.
 */
import { type CueId, type DeptId } from '../ids.js';
import { type AutomationMode } from '../show/schema.js';

/** The model's idea of the next cue in a department. */
export interface Prediction {
  readonly dept: DeptId;
  readonly cue: CueId;
  /** 0..1. */
  readonly confidence: number;
  /** When the cue should fire, in seconds on the engine clock (scheduler time / 1000). */
  readonly fireAt: number;
  readonly source: 'model';
  /** Why the policy predicts it, in one line (what the follower and the network said). */
  readonly reason?: string;
  /**
   * Engine seconds of the audio the prediction was made from. How far it trails the engine clock when
   * it arrives is the listening's lag (a worker catching up after its start, a loaded machine): the
   * arbiter judges whether a moment has passed on the audio's clock, so a late analysis delays a cue
   * rather than dropping it.
   */
  readonly heardAt?: number;
  /**
   * Set when the follower is lost (why, in one line): `auto` falls back to `assist` for this
   * prediction — it is armed for a person to confirm, never fired by the model.
   */
  readonly lost?: string;
  /**
   * Set while the cue waits for evidence the model fires it on (why, in one line; the band's attack):
   * armed, so `assist` counts down and a person may confirm, but `auto` does not fire it on its timer.
   */
  readonly awaiting?: string;
  /**
   * Set on an open entry (why, in one line: the rehearsals disagree on when it comes): armed for a
   * person to GO on the entry, never fired by the model, in `auto` too.
   */
  readonly open?: string;
}

/** What a decision does to a department's stack. */
export type DecisionAction =
  /** Fire the standby cue, or `cue` when given (a fire of a named cue). */
  | 'go'
  /** Return to the previous cue. */
  | 'back'
  /** Fire `cue` (jump). */
  | 'goto'
  /** Make `cue` the standby. */
  | 'load'
  /** Stop fades, waits and effects where they are. */
  | 'stop'
  /** Pause fades and waits. */
  | 'hold'
  /** Continue after a hold. */
  | 'resume'
  /** Everything to its safe state (intensities to 0) over `fadeMs`; automation stops. */
  | 'panic';

/** Who or what asked for a decision. */
export type DecisionSource = 'operator' | 'model' | 'timecode' | 'osc' | 'msc' | 'midi' | 'keyboard' | 'system';

/** One decision: playback carries it out, the log records it. */
export interface Decision {
  /** Engine clock, seconds. */
  readonly t: number;
  /** The department, or null for every department (PANIC, HOLD all…). */
  readonly dept: DeptId | null;
  readonly action: DecisionAction;
  readonly cue?: CueId;
  readonly source: DecisionSource;
  /** The prediction's confidence behind a model fire. */
  readonly confidence?: number;
  /** Console user or device (`operator@10.0.0.5`, `127.0.0.1:50123`). */
  readonly user?: string;
  /** Fade time override (MSC TIMED_GO) or PANIC fade time. */
  readonly fadeMs?: number;
  /** Why: for a model fire, the cue policy's reason. */
  readonly reason?: string;
}

/** Automation mode of a department. */
export type DeptMode = AutomationMode;
