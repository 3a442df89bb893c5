import { describe, expect, it } from 'vitest';
import { decodeMsc, encodeMsc, type MscMessage } from '../../../engine/core/midi/msc.js';
import { InputError } from '../../../engine/core/errors.js';

const hex = (s: string): number[] => s.split(' ').map((h) => parseInt(h, 16));

describe('MIDI Show Control', () => {
  // Published examples (ChamSys MagicQ manual §MIDI Show Control; ETC/Hog forum) in the MSC 1.0 layout.
  it.each([
    ['F0 7F 7F 02 01 01 31 F7', { deviceId: 127, commandFormat: 1, command: 'GO', cue: '1' }],
    ['F0 7F 7F 02 01 01 32 30 F7', { deviceId: 127, commandFormat: 1, command: 'GO', cue: '20' }],
    ['F0 7F 7F 02 01 02 31 F7', { deviceId: 127, commandFormat: 1, command: 'STOP', cue: '1' }],
    ['F0 7F 7F 02 01 01 00 31 30 F7', { deviceId: 127, commandFormat: 1, command: 'GO', list: '10' }],
    ['F0 7F 7F 02 01 01 32 00 31 30 F7', { deviceId: 127, commandFormat: 1, command: 'GO', cue: '2', list: '10' }],
  ] as [string, MscMessage][])('encodes %s byte for byte and decodes it back', (bytes, msg) => {
    expect([...encodeMsc(msg)]).toEqual(hex(bytes));
    expect(decodeMsc(hex(bytes))).toEqual(msg);
  });

  it('decodes a GO with a trailing delimiter (Hog style) — cue 91.5 list 12', () => {
    expect(decodeMsc(hex('F0 7F 01 02 01 01 39 31 2E 35 00 31 32 00 F7'))).toEqual({ deviceId: 1, commandFormat: 1, command: 'GO', cue: '91.5', list: '12' });
  });

  it('encodes cue, list and path separated by 00 (MSC 1.0 §4.1: 235.6 → 32 33 35 2E 36)', () => {
    expect([...encodeMsc({ deviceId: 1, commandFormat: 1, command: 'LOAD', cue: '235.6', list: '37', path: '6' })]).toEqual(
      hex('F0 7F 01 02 01 05 32 33 35 2E 36 00 33 37 00 36 F7'),
    );
  });

  it('encodes TIMED_GO with the standard time hr mn sc fr ff', () => {
    const msg: MscMessage = { deviceId: 0, commandFormat: 1, command: 'TIMED_GO', cue: '5', time: { hours: 0, minutes: 0, seconds: 3, frames: 15, rate: 30, fractionalFrames: 0 } };
    const bytes = encodeMsc(msg);
    expect([...bytes]).toEqual(hex('F0 7F 00 02 01 04 60 00 03 0F 00 35 F7'));
    expect(decodeMsc(bytes)).toEqual(msg);
  });

  it('encodes SET with 14-bit control and value LSB first, FIRE and ALL_OFF', () => {
    expect([...encodeMsc({ deviceId: 1, commandFormat: 1, command: 'SET', control: 130, value: 16383 })]).toEqual(hex('F0 7F 01 02 01 06 02 01 7F 7F F7'));
    expect(decodeMsc(hex('F0 7F 01 02 01 06 02 01 7F 7F F7'))).toMatchObject({ control: 130, value: 16383 });
    expect([...encodeMsc({ deviceId: 1, commandFormat: 1, command: 'FIRE', macro: 12 })]).toEqual(hex('F0 7F 01 02 01 07 0C F7'));
    expect([...encodeMsc({ deviceId: 1, commandFormat: 0x10, command: 'ALL_OFF' })]).toEqual(hex('F0 7F 01 02 10 08 F7'));
    expect([...encodeMsc({ deviceId: 1, commandFormat: 1, command: 'RESUME' })]).toEqual(hex('F0 7F 01 02 01 03 F7'));
  });

  it('rejects malformed input with InputError', () => {
    expect(() => decodeMsc(hex('F0 7F 01 02 01 01 41 F7'))).toThrow(InputError);
    expect(() => decodeMsc(hex('F0 7F 01 02 01 55 F7'))).toThrow(/not supported/);
    expect(() => encodeMsc({ deviceId: 1, commandFormat: 1, command: 'GO', cue: '1a' })).toThrow(/digits/);
    expect(() => encodeMsc({ deviceId: 1, commandFormat: 1, command: 'LOAD' })).toThrow(/cue number/);
  });
});
