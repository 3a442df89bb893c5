/**
 * MIDI Show Control 1.0 (MMA/USITT, 1991): `F0 7F <device_ID> 02 <command_format> <command> <data> F7`.
 * Encodes and decodes GO, STOP, RESUME, TIMED_GO, LOAD, SET, FIRE, ALL_OFF, RESTORE and RESET with
 * Q_number, Q_list and Q_path as ASCII digits and `.` separated by 00, and the Standard Time
 * Specification (hr mn sc fr ff) that TIMED_GO and SET carry. ALL_OFF, RESTORE and RESET carry no data.
 */
import { InputError } from '../errors.js';
import { rateCode, rateFromCode, validateTimecode, type Timecode } from './timecode.js';

/** MSC command bytes. */
export const MscCommandByte = {
  GO: 0x01,
  STOP: 0x02,
  RESUME: 0x03,
  TIMED_GO: 0x04,
  LOAD: 0x05,
  SET: 0x06,
  FIRE: 0x07,
  ALL_OFF: 0x08,
  RESTORE: 0x09,
  RESET: 0x0a,
} as const;

/** The MSC commands we speak. */
export type MscCommand = keyof typeof MscCommandByte;

/** Common command formats (0x01 = Lighting, the default). */
export const MscCommandFormat = { lighting: 0x01, movingLights: 0x02, sound: 0x10, video: 0x30, projection: 0x40, allTypes: 0x7f } as const;

/** Device ID that every device answers (all-call). */
export const MSC_ALL_CALL = 0x7f;

/** An MSC standard time: a timecode plus fractional frames (0..99). */
export interface MscTime extends Timecode {
  readonly fractionalFrames?: number;
}

/** One MSC message. */
export interface MscMessage {
  /** 0..111 individual, 112..126 group, 127 all-call. */
  readonly deviceId: number;
  /** 0x01 lighting by default. */
  readonly commandFormat: number;
  readonly command: MscCommand;
  /** Q_number, e.g. `12.5` (GO, STOP, RESUME, TIMED_GO, LOAD). */
  readonly cue?: string;
  readonly list?: string;
  readonly path?: string;
  /** TIMED_GO: the fade time; SET: optional time. */
  readonly time?: MscTime;
  /** SET: 14-bit control number and value. */
  readonly control?: number;
  readonly value?: number;
  /** FIRE: macro number 0..127. */
  readonly macro?: number;
}

const NUMBER_RE = /^[0-9]+(\.[0-9]+)*$/;

function byte7(name: string, v: number, max = 127): number {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new InputError('msc', `${name} ${v} is outside 0..${max}`);
  return v;
}

function ascii(name: string, s: string): number[] {
  if (!NUMBER_RE.test(s)) throw new InputError('msc', `${name} '${s}' must be digits with optional points, e.g. 12.5`);
  return [...s].map((c) => c.charCodeAt(0));
}

function encodeTime(t: MscTime): number[] {
  validateTimecode(t);
  const ff = byte7('fractional frames', t.fractionalFrames ?? 0, 99);
  return [(rateCode(t.rate) << 5) | t.hours, t.minutes, t.seconds, t.frames, ff];
}

function decodeTime(b: Uint8Array, at: number): MscTime {
  if (b.length < at + 5) throw new InputError('msc', 'truncated time field');
  const hr = b[at]!;
  const fr = b[at + 3]!;
  const statusForm = (fr & 0x20) !== 0;
  return validateTimecodeLoose({
    hours: hr & 0x1f,
    minutes: b[at + 1]! & 0x3f,
    seconds: b[at + 2]! & 0x3f,
    frames: fr & 0x1f,
    rate: rateFromCode((hr >> 5) & 3),
    fractionalFrames: statusForm ? 0 : b[at + 4]! & 0x7f,
  });
}

function validateTimecodeLoose(t: MscTime): MscTime {
  if (t.hours > 23 || t.minutes > 59 || t.seconds > 59) throw new InputError('msc', 'time field out of range');
  return t;
}

function cueFields(m: MscMessage): number[] {
  const out: number[] = [];
  const parts = [m.cue, m.list, m.path];
  // Trailing absent parts are omitted; an absent part before a present one is sent empty (as MagicQ does).
  let last = -1;
  parts.forEach((p, i) => {
    if (p !== undefined) last = i;
  });
  for (let i = 0; i <= last; i++) {
    if (i > 0) out.push(0x00);
    const p = parts[i];
    if (p !== undefined) out.push(...ascii(['cue', 'list', 'path'][i]!, p));
  }
  return out;
}

/** Encodes an MSC message; throws InputError when a field is missing or out of range. */
export function encodeMsc(m: MscMessage): Uint8Array {
  const head = [0xf0, 0x7f, byte7('device ID', m.deviceId), 0x02, byte7('command format', m.commandFormat), MscCommandByte[m.command]];
  let data: number[];
  switch (m.command) {
    case 'GO':
    case 'STOP':
    case 'RESUME':
      data = cueFields(m);
      break;
    case 'LOAD':
      if (m.cue === undefined) throw new InputError('msc', 'LOAD needs a cue number');
      data = cueFields(m);
      break;
    case 'TIMED_GO':
      if (m.time === undefined) throw new InputError('msc', 'TIMED_GO needs a time');
      data = [...encodeTime(m.time), ...cueFields(m)];
      break;
    case 'SET': {
      if (m.control === undefined || m.value === undefined) throw new InputError('msc', 'SET needs a control number and a value');
      const c = byte7('control number', m.control, 16383);
      const v = byte7('value', m.value, 16383);
      data = [c & 0x7f, c >> 7, v & 0x7f, v >> 7, ...(m.time !== undefined ? encodeTime(m.time) : [])];
      break;
    }
    case 'FIRE':
      if (m.macro === undefined) throw new InputError('msc', 'FIRE needs a macro number');
      data = [byte7('macro', m.macro)];
      break;
    case 'ALL_OFF':
    case 'RESTORE':
    case 'RESET':
      data = [];
      break;
  }
  const out = Uint8Array.from([...head, ...data, 0xf7]);
  if (out.length > 128) throw new InputError('msc', `message of ${out.length} bytes exceeds MSC's 128-byte limit`);
  return out;
}

function decodeCueFields(b: Uint8Array, from: number, to: number): { cue?: string; list?: string; path?: string } {
  const parts: string[] = [];
  let cur = '';
  for (let i = from; i < to; i++) {
    const c = b[i]!;
    if (c === 0x00) {
      parts.push(cur);
      cur = '';
    } else if ((c >= 0x30 && c <= 0x39) || c === 0x2e) {
      cur += String.fromCharCode(c);
    } else {
      throw new InputError('msc', `byte 0x${c.toString(16)} in a cue field (expected ASCII digits, '.' or 00)`);
    }
  }
  if (cur !== '' || (to > from && b[to - 1] !== 0x00)) parts.push(cur); // a trailing 00 (Hog style) adds nothing
  if (parts.length > 3) throw new InputError('msc', `${parts.length} cue fields (at most Q_number, Q_list, Q_path)`);
  const out: { cue?: string; list?: string; path?: string } = {};
  const names = ['cue', 'list', 'path'] as const;
  parts.forEach((p, i) => {
    if (p === '') return;
    if (!NUMBER_RE.test(p)) throw new InputError('msc', `${names[i]} '${p}' is not a number`);
    out[names[i]!] = p;
  });
  return out;
}

/** Decodes an MSC SysEx; throws InputError on anything malformed or unsupported. */
export function decodeMsc(bytes: ArrayLike<number>): MscMessage {
  const b = Uint8Array.from(bytes);
  if (b.length < 7 || b[0] !== 0xf0 || b[1] !== 0x7f || b[3] !== 0x02 || b[b.length - 1] !== 0xf7) {
    throw new InputError('msc', 'not an MSC message (expected F0 7F <dev> 02 <fmt> <cmd> … F7)');
  }
  for (let i = 1; i < b.length - 1; i++) if (b[i]! > 0x7f) throw new InputError('msc', `byte ${i} is 0x${b[i]!.toString(16)} inside SysEx`);
  const deviceId = b[2]!;
  const commandFormat = b[4]!;
  const cmdByte = b[5]!;
  const end = b.length - 1;
  const command = (Object.keys(MscCommandByte) as MscCommand[]).find((k) => MscCommandByte[k] === cmdByte);
  if (command === undefined) throw new InputError('msc', `command 0x${cmdByte.toString(16)} is not supported`);
  const base = { deviceId, commandFormat, command };
  switch (command) {
    case 'GO':
    case 'STOP':
    case 'RESUME':
      return { ...base, ...decodeCueFields(b, 6, end) };
    case 'LOAD': {
      const f = decodeCueFields(b, 6, end);
      if (f.cue === undefined) throw new InputError('msc', 'LOAD without a cue number');
      return { ...base, ...f };
    }
    case 'TIMED_GO':
      return { ...base, time: decodeTime(b, 6), ...decodeCueFields(b, 11, end) };
    case 'SET': {
      if (end < 10) throw new InputError('msc', 'SET needs control and value (4 bytes)');
      const control = b[6]! | (b[7]! << 7);
      const value = b[8]! | (b[9]! << 7);
      return end >= 15 ? { ...base, control, value, time: decodeTime(b, 10) } : { ...base, control, value };
    }
    case 'FIRE':
      if (end < 7) throw new InputError('msc', 'FIRE needs a macro number');
      return { ...base, macro: b[6]! };
    case 'ALL_OFF':
    case 'RESTORE':
    case 'RESET':
      return base;
  }
}
