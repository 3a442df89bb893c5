/** Maps incoming MIDI Show Control messages to operator commands. */
import { type ControlCommand } from '../control.js';
import { InputError } from '../errors.js';
import { cueId, type DeptId } from '../ids.js';
import { MSC_ALL_CALL, type MscMessage } from './msc.js';
import { timecodeToSeconds } from './timecode.js';

/** Which messages a receiver answers and how lists map to departments. */
export interface MscControlOptions {
  /** Our device ID (0..111); we also answer all-call (127). Group IDs (112..126) listed in `groups`. */
  readonly deviceId: number;
  readonly groups?: readonly number[];
  /** Department for a command format (e.g. 0x01 lighting → LX, 0x30 video → VID). */
  readonly deptForFormat?: (commandFormat: number) => DeptId | undefined;
}

/** True when a message is addressed to us. */
export function mscAddressedTo(m: MscMessage, o: MscControlOptions): boolean {
  return m.deviceId === o.deviceId || m.deviceId === MSC_ALL_CALL || (o.groups?.includes(m.deviceId) ?? false);
}

/** Maps an MSC message to a command; throws InputError when it makes no sense as a command. */
export function mscToControl(m: MscMessage, o: MscControlOptions): ControlCommand {
  const d = o.deptForFormat?.(m.commandFormat);
  const dept = d === undefined ? {} : { dept: d };
  const list = m.list === undefined ? {} : { list: m.list };
  switch (m.command) {
    case 'GO':
      return m.cue === undefined ? { type: 'go', ...dept } : { type: 'cueStart', cue: cueId(m.cue), ...list, ...dept };
    case 'STOP':
      return m.cue === undefined ? { type: 'stop', ...dept } : { type: 'stop', cue: cueId(m.cue), ...dept };
    case 'RESUME':
      return m.cue === undefined ? { type: 'resume', ...dept } : { type: 'resume', cue: cueId(m.cue), ...dept };
    case 'TIMED_GO': {
      if (m.time === undefined) throw new InputError('msc', 'TIMED_GO without a time');
      const fadeMs = Math.round((timecodeToSeconds(m.time) + (m.time.fractionalFrames ?? 0) / 100 / m.time.rate) * 1000);
      return { type: 'timedGo', fadeMs, ...(m.cue !== undefined ? { cue: cueId(m.cue) } : {}), ...list, ...dept };
    }
    case 'LOAD':
      if (m.cue === undefined) throw new InputError('msc', 'LOAD without a cue number');
      return { type: 'cueLoad', cue: cueId(m.cue), ...list, ...dept };
    case 'SET':
      if (m.control === undefined || m.value === undefined) throw new InputError('msc', 'SET without control and value');
      return { type: 'setControl', control: m.control, value: m.value / 16383 };
    case 'FIRE':
      if (m.macro === undefined) throw new InputError('msc', 'FIRE without a macro number');
      return { type: 'fireMacro', macro: m.macro };
    case 'ALL_OFF':
      return { type: 'allOff' };
  }
}
