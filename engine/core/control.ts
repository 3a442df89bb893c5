/**
 * Operator control commands, whatever they arrive through (OSC, MIDI Show Control, MIDI notes, the
 * console, the keyboard). Inputs turn their bytes into these; the arbiter consumes them, so "the
 * operator always wins" is decided in one place.
 */
import { type CueId, type DeptId } from './ids.js';

/** Automation mode of a department (see DESIGN.md, rule 1). */
export type AutomationMode = 'manual' | 'assist' | 'auto';

/** One operator command. `dept` absent = every department (or the selected one, as the arbiter decides). */
export type ControlCommand =
  /** GO the next cue. */
  | { readonly type: 'go'; readonly dept?: DeptId }
  /** Stop running cues/fades (QLab /stop, MSC STOP). `cue` names one cue when given. */
  | { readonly type: 'stop'; readonly dept?: DeptId; readonly cue?: CueId }
  /** Pause running fades and block the model (Precue /precue/hold). */
  | { readonly type: 'hold'; readonly dept?: DeptId }
  /** Continue paused fades (MSC RESUME, /precue/resume). */
  | { readonly type: 'resume'; readonly dept?: DeptId; readonly cue?: CueId }
  /** Go back to the previous cue. */
  | { readonly type: 'back'; readonly dept?: DeptId }
  /** Start one cue by number (QLab /cue/{number}/start, MSC GO with a cue number). */
  | { readonly type: 'cueStart'; readonly dept?: DeptId; readonly cue: CueId; readonly list?: string }
  /** Arm a cue as the next one without running it (MSC LOAD, /cue/{number}/load). */
  | { readonly type: 'cueLoad'; readonly dept?: DeptId; readonly cue: CueId; readonly list?: string }
  /** GO with an explicit fade time (MSC TIMED_GO). */
  | { readonly type: 'timedGo'; readonly dept?: DeptId; readonly cue?: CueId; readonly list?: string; readonly fadeMs: number }
  /** PANIC: every output to its safe state over `fadeMs` (default: the show's `safety.panicFadeMs`). */
  | { readonly type: 'panic'; readonly fadeMs?: number }
  /** MSC ALL_OFF: outputs off, restorable with `resume`. */
  | { readonly type: 'allOff' }
  /** Blackout on or off. */
  | { readonly type: 'blackout'; readonly on: boolean }
  /** Grand master 0..1, optionally faded. */
  | { readonly type: 'grandMaster'; readonly level: number; readonly fadeMs?: number }
  /** Change a department's automation mode. */
  | { readonly type: 'setMode'; readonly dept: DeptId; readonly mode: AutomationMode }
  /** MSC SET: a generic control (fader) number to a value (0..1). */
  | { readonly type: 'setControl'; readonly control: number; readonly value: number }
  /** MSC FIRE: fire a macro by number. */
  | { readonly type: 'fireMacro'; readonly macro: number };

/** The kind of input a command came through. */
export type ControlOrigin = 'osc' | 'msc' | 'midi' | 'console' | 'keyboard' | 'timecode';

/** A command with where it came from (for the decision log and allow-lists). */
export interface ControlEvent {
  readonly command: ControlCommand;
  readonly origin: ControlOrigin;
  /** e.g. `127.0.0.1:50123` for OSC, the MIDI port name for MSC. */
  readonly from: string;
}

/** Every command type, in a stable order (for docs and exhaustive tests). */
export const CONTROL_COMMAND_TYPES: readonly ControlCommand['type'][] = [
  'go', 'stop', 'hold', 'resume', 'back', 'cueStart', 'cueLoad', 'timedGo', 'panic', 'allOff', 'blackout',
  'grandMaster', 'setMode', 'setControl', 'fireMacro',
];
