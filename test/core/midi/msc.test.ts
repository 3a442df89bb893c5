import { describe, expect, it } from 'vitest';
import { decodeMsc, encodeMsc, type MscMessage } from '../../../engine/core/midi/msc.js';
import { InputError } from '../../../engine/core/errors.js';
import { cueId, deptId } from '../../../engine/core/ids.js';
import { mscToControl } from '../../../engine/core/midi/mscControl.js';
import { MidiTriggers } from '../../../engine/core/midi/triggers.js';

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

  it('encodes RESTORE (09) and RESET (0A) with no data, and decodes them', () => {
    expect([...encodeMsc({ deviceId: 1, commandFormat: 1, command: 'RESTORE' })]).toEqual(hex('F0 7F 01 02 01 09 F7'));
    expect([...encodeMsc({ deviceId: 0x7f, commandFormat: 0x7f, command: 'RESET' })]).toEqual(hex('F0 7F 7F 02 7F 0A F7'));
    expect(decodeMsc(hex('F0 7F 01 02 01 09 F7'))).toEqual({ deviceId: 1, commandFormat: 1, command: 'RESTORE' });
    expect(decodeMsc(hex('F0 7F 7F 02 7F 0A F7'))).toEqual({ deviceId: 127, commandFormat: 127, command: 'RESET' });
  });

  it('rejects malformed input with InputError', () => {
    expect(() => decodeMsc(hex('F0 7F 01 02 01 01 41 F7'))).toThrow(InputError);
    expect(() => decodeMsc(hex('F0 7F 01 02 01 55 F7'))).toThrow(/not supported/);
    expect(() => encodeMsc({ deviceId: 1, commandFormat: 1, command: 'GO', cue: '1a' })).toThrow(/digits/);
    expect(() => encodeMsc({ deviceId: 1, commandFormat: 1, command: 'LOAD' })).toThrow(/cue number/);
  });
});

describe('MSC as commands', () => {
  const triggers = new MidiTriggers([
    { on: { type: 'msc-set', control: 1 }, do: { type: 'grand-master' } },
    { on: { type: 'msc-fire', macro: 12 }, do: { type: 'cue', dept: 'VID', cue: '4' } },
  ]);
  const o = { deviceId: 1, deptForFormat: (f: number) => (f === 1 ? deptId('LX') : undefined), firstCues: new Map([[deptId('LX'), cueId('1')], [deptId('VID'), cueId('0.5')]]), triggers };
  const cmd = (m: Omit<MscMessage, 'deviceId' | 'commandFormat'>) => mscToControl({ deviceId: 1, commandFormat: 1, ...m }, o);

  it('GO/STOP/RESUME/TIMED_GO/LOAD drive the stacks; ALL_OFF and RESTORE the outputs; RESET goes to the top', () => {
    expect(cmd({ command: 'GO', cue: '5' })).toEqual([{ type: 'cueStart', cue: '5', dept: 'LX' }]);
    expect(cmd({ command: 'STOP' })).toEqual([{ type: 'stop', dept: 'LX' }]);
    expect(cmd({ command: 'RESUME' })).toEqual([{ type: 'resume', dept: 'LX' }]);
    expect(cmd({ command: 'LOAD', cue: '9' })).toEqual([{ type: 'cueLoad', cue: '9', dept: 'LX' }]);
    expect(cmd({ command: 'ALL_OFF' })).toEqual([{ type: 'allOff' }]);
    expect(cmd({ command: 'RESTORE' })).toEqual([{ type: 'resume' }]);
    expect(cmd({ command: 'RESET' })).toEqual([{ type: 'stop' }, { type: 'cueLoad', dept: 'LX', cue: '1' }, { type: 'cueLoad', dept: 'VID', cue: '0.5' }]);
  });

  it('SET and FIRE do what the show maps, and say what is not mapped', () => {
    expect(cmd({ command: 'SET', control: 1, value: 8192 })).toEqual([{ type: 'grandMaster', level: 8192 / 16383 }]);
    expect(cmd({ command: 'FIRE', macro: 12 })).toEqual([{ type: 'cueStart', cue: '4', dept: 'VID' }]);
    expect(() => cmd({ command: 'SET', control: 2, value: 0 })).toThrow(/SET of control 2 is not mapped/);
    expect(() => cmd({ command: 'FIRE', macro: 3 })).toThrow(/FIRE of macro 3 is not mapped/);
  });
});

describe('MIDI triggers', () => {
  it('note-on, CC as a button or a fader, and program change', () => {
    const t = new MidiTriggers([
      { on: { type: 'note', channel: 10, note: 36 }, do: { type: 'go', dept: 'LX' } },
      { on: { type: 'cc', controller: 64 }, do: { type: 'back' } },
      { on: { type: 'cc', channel: 1, controller: 7 }, do: { type: 'grand-master', fadeMs: 100 } },
      { on: { type: 'program', program: 5 }, do: { type: 'cue', cue: '12.5' } },
      { on: { type: 'cc', controller: 20, value: 3 }, do: { type: 'mode', dept: 'LX', mode: 'manual' } },
    ]);
    expect(t.channel({ type: 'note-on', channel: 10, number: 36, value: 90 })).toEqual([{ type: 'go', dept: 'LX' }]);
    expect(t.channel({ type: 'note-on', channel: 9, number: 36, value: 90 })).toEqual([]); // another channel
    expect(t.channel({ type: 'note-off', channel: 10, number: 36, value: 0 })).toEqual([]);
    // A sustain pedal: fires once per press (rising through 64), not on release or while held.
    expect(t.channel({ type: 'cc', channel: 3, number: 64, value: 127 })).toEqual([{ type: 'back' }]);
    expect(t.channel({ type: 'cc', channel: 3, number: 64, value: 120 })).toEqual([]);
    expect(t.channel({ type: 'cc', channel: 3, number: 64, value: 0 })).toEqual([]);
    expect(t.channel({ type: 'cc', channel: 3, number: 64, value: 127 })).toEqual([{ type: 'back' }]);
    // A fader: every value.
    expect(t.channel({ type: 'cc', channel: 1, number: 7, value: 0 })).toEqual([{ type: 'grandMaster', level: 0, fadeMs: 100 }]);
    expect(t.channel({ type: 'cc', channel: 1, number: 7, value: 127 })).toEqual([{ type: 'grandMaster', level: 1, fadeMs: 100 }]);
    expect(t.channel({ type: 'program', channel: 16, number: 5 })).toEqual([{ type: 'cueStart', cue: '12.5' }]);
    expect(t.channel({ type: 'cc', channel: 1, number: 20, value: 3 })).toEqual([{ type: 'setMode', dept: 'LX', mode: 'manual' }]);
    expect(t.channel({ type: 'cc', channel: 1, number: 20, value: 3 })).toEqual([]);
  });
});
