/**
 * MIDI 1.0 channel voice messages (note on/off, control change, program change): encode and decode,
 * and the top-level decoder that sorts any incoming MIDI message into channel, MSC, MTC or other.
 * Channels are 1..16 as users write them.
 */
import { InputError } from '../errors.js';
import { decodeMsc, type MscMessage } from './msc.js';
import { decodeMtcFullFrame, decodeQuarterFrame, type MtcQuarterFrame } from './mtc.js';
import { type Timecode } from './timecode.js';

/** A channel voice message as the show writes it. */
export interface MidiChannelMessage {
  readonly type: 'note-on' | 'note-off' | 'cc' | 'program';
  /** 1..16. */
  readonly channel: number;
  /** Note, controller or program number, 0..127. */
  readonly number: number;
  /** Velocity or controller value, 0..127 (unused for program). */
  readonly value?: number;
}

function data7(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 127) throw new InputError('midi', `${name} ${v} is outside 0..127`);
  return v;
}

/** Encodes a channel voice message; throws InputError on out-of-range fields. */
export function encodeMidi(msg: MidiChannelMessage): Uint8Array {
  if (!Number.isInteger(msg.channel) || msg.channel < 1 || msg.channel > 16) throw new InputError('midi', `channel ${msg.channel} is outside 1..16`);
  const ch = msg.channel - 1;
  const n = data7('number', msg.number);
  switch (msg.type) {
    case 'note-on':
      return Uint8Array.of(0x90 | ch, n, data7('velocity', msg.value ?? 127));
    case 'note-off':
      return Uint8Array.of(0x80 | ch, n, data7('velocity', msg.value ?? 0));
    case 'cc':
      return Uint8Array.of(0xb0 | ch, n, data7('value', msg.value ?? 0));
    case 'program':
      return Uint8Array.of(0xc0 | ch, n);
  }
}

/** Anything a MIDI input can deliver, sorted. */
export type MidiEvent =
  | { readonly kind: 'channel'; readonly message: MidiChannelMessage }
  | { readonly kind: 'msc'; readonly message: MscMessage }
  | { readonly kind: 'mtc-quarter'; readonly frame: MtcQuarterFrame }
  | { readonly kind: 'mtc-full'; readonly timecode: Timecode }
  | { readonly kind: 'other'; readonly status: number; readonly bytes: Uint8Array };

/**
 * Decodes one complete MIDI message (as the `midi` package delivers them). Note-on with velocity 0
 * reads as note-off. Throws InputError on malformed bytes (the caller counts and drops them).
 */
export function decodeMidi(bytes: ArrayLike<number>): MidiEvent {
  const b = Uint8Array.from(bytes);
  const status = b[0];
  if (status === undefined || status < 0x80) throw new InputError('midi', 'message does not start with a status byte');
  const needData = (n: number): void => {
    if (b.length < n + 1) throw new InputError('midi', `status 0x${status.toString(16)} needs ${n} data bytes, got ${b.length - 1}`);
    for (let i = 1; i <= n; i++) if (b[i]! > 127) throw new InputError('midi', `data byte ${i} is 0x${b[i]!.toString(16)} (must be < 0x80)`);
  };
  const hi = status & 0xf0;
  const channel = (status & 0x0f) + 1;
  switch (hi) {
    case 0x80:
      needData(2);
      return { kind: 'channel', message: { type: 'note-off', channel, number: b[1]!, value: b[2]! } };
    case 0x90:
      needData(2);
      return { kind: 'channel', message: { type: b[2] === 0 ? 'note-off' : 'note-on', channel, number: b[1]!, value: b[2]! } };
    case 0xb0:
      needData(2);
      return { kind: 'channel', message: { type: 'cc', channel, number: b[1]!, value: b[2]! } };
    case 0xc0:
      needData(1);
      return { kind: 'channel', message: { type: 'program', channel, number: b[1]! } };
    default:
      break;
  }
  if (status === 0xf1) {
    needData(1);
    return { kind: 'mtc-quarter', frame: decodeQuarterFrame(b) };
  }
  if (status === 0xf0) {
    if (b[b.length - 1] !== 0xf7) throw new InputError('midi', 'SysEx does not end with F7');
    if (b[1] === 0x7f && b[3] === 0x02) return { kind: 'msc', message: decodeMsc(b) };
    if (b[1] === 0x7f && b[3] === 0x01 && b[4] === 0x01) return { kind: 'mtc-full', timecode: decodeMtcFullFrame(b) };
  }
  return { kind: 'other', status, bytes: b };
}
