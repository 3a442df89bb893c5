/**
 * Maps incoming MIDI Show Control messages to operator commands: GO/STOP/RESUME/TIMED_GO/LOAD to the
 * stacks, ALL_OFF and RESTORE to the outputs, RESET to a stop and every department back to its first
 * cue, SET and FIRE to what the show's triggers say.
 */
import { type ControlCommand } from '../control.js';
import { InputError } from '../errors.js';
import { type CueId, cueId, type DeptId } from '../ids.js';
import { MSC_ALL_CALL, type MscMessage } from './msc.js';
import { timecodeToSeconds } from './timecode.js';
import { type MidiTriggers } from './triggers.js';

/** Which messages a receiver answers and how lists map to departments. */
export interface MscControlOptions {
  /** Our device ID (0..111); we also answer all-call (127). Group IDs (112..126) listed in `groups`. */
  readonly deviceId: number;
  readonly groups?: readonly number[];
  /** Department for a command format (e.g. 0x01 lighting → LX, 0x30 video → VID). */
  readonly deptForFormat?: (commandFormat: number) => DeptId | undefined;
  /** The first cue of each department, where RESET puts the stacks. */
  readonly firstCues?: ReadonlyMap<DeptId, CueId>;
  /** The show's SET/FIRE mappings. */
  readonly triggers?: MidiTriggers;
}

/** True when a message is addressed to us. */
export function mscAddressedTo(m: MscMessage, o: MscControlOptions): boolean {
  return m.deviceId === o.deviceId || m.deviceId === MSC_ALL_CALL || (o.groups?.includes(m.deviceId) ?? false);
}

/**
 * Maps an MSC message to the commands it stands for (usually one). Throws InputError when it makes
 * no sense as a command, or when it is a SET/FIRE the show does not map (so the caller can say which).
 */
export function mscToControl(m: MscMessage, o: MscControlOptions): ControlCommand[] {
  const d = o.deptForFormat?.(m.commandFormat);
  const dept = d === undefined ? {} : { dept: d };
  const list = m.list === undefined ? {} : { list: m.list };
  switch (m.command) {
    case 'GO':
      return [m.cue === undefined ? { type: 'go', ...dept } : { type: 'cueStart', cue: cueId(m.cue), ...list, ...dept }];
    case 'STOP':
      return [m.cue === undefined ? { type: 'stop', ...dept } : { type: 'stop', cue: cueId(m.cue), ...dept }];
    case 'RESUME':
      return [m.cue === undefined ? { type: 'resume', ...dept } : { type: 'resume', cue: cueId(m.cue), ...dept }];
    case 'TIMED_GO': {
      if (m.time === undefined) throw new InputError('msc', 'TIMED_GO without a time');
      const fadeMs = Math.round((timecodeToSeconds(m.time) + (m.time.fractionalFrames ?? 0) / 100 / m.time.rate) * 1000);
      return [{ type: 'timedGo', fadeMs, ...(m.cue !== undefined ? { cue: cueId(m.cue) } : {}), ...list, ...dept }];
    }
    case 'LOAD':
      if (m.cue === undefined) throw new InputError('msc', 'LOAD without a cue number');
      return [{ type: 'cueLoad', cue: cueId(m.cue), ...list, ...dept }];
    case 'SET':
    case 'FIRE': {
      const mapped = o.triggers?.msc(m);
      if (mapped === undefined) {
        throw new InputError('msc', m.command === 'SET' ? `SET of control ${m.control ?? '?'} is not mapped (add an inputs.midi.triggers entry with on: {type: "msc-set", control: ${m.control ?? 0}})` : `FIRE of macro ${m.macro ?? '?'} is not mapped (add an inputs.midi.triggers entry with on: {type: "msc-fire", macro: ${m.macro ?? 0}})`);
      }
      return mapped;
    }
    case 'ALL_OFF':
      return [{ type: 'allOff' }];
    case 'RESTORE':
      // Undoes ALL_OFF: the outputs come back to where they were.
      return [{ type: 'resume' }];
    case 'RESET': {
      // Running cues end; every stack goes back to its first cue, ready to GO.
      const loads: ControlCommand[] = [...(o.firstCues ?? new Map<DeptId, CueId>())].map(([dep, cue]) => ({ type: 'cueLoad', dept: dep, cue }));
      return [{ type: 'stop' }, ...loads];
    }
  }
}
