import { describe, expect, it } from 'vitest';
import { oscToControl } from '../../../engine/core/osc/control.js';
import { decodeOscPacket, encodeOscBundle, encodeOscMessage } from '../../../engine/core/osc/packet.js';
import { InputError } from '../../../engine/core/errors.js';

const msg = (address: string, ...args: { type: string; value: number | string | boolean | null }[]) => ({ address, args });

describe('OSC control address space', () => {
  it.each([
    ['/go', [], { type: 'go' }],
    ['/go', [{ type: 's', value: 'LX' }], { type: 'go', dept: 'LX' }],
    ['/workspace/ABC/go', [], { type: 'go' }],
    ['/stop', [], { type: 'stop' }],
    ['/panic', [], { type: 'panic' }],
    ['/panic', [{ type: 'i', value: 500 }], { type: 'panic', fadeMs: 500 }],
    ['/cue/12.5/start', [], { type: 'cueStart', cue: '12.5' }],
    ['/cue/7/load', [{ type: 's', value: 'VID' }], { type: 'cueLoad', cue: '7', dept: 'VID' }],
    ['/precue/mode/LX', [{ type: 's', value: 'auto' }], { type: 'setMode', dept: 'LX', mode: 'auto' }],
    ['/precue/hold', [], { type: 'hold' }],
    ['/precue/go/CAM', [], { type: 'go', dept: 'CAM' }],
    ['/precue/cue/LX/3', [], { type: 'cueStart', dept: 'LX', cue: '3' }],
    ['/precue/blackout', [{ type: 'F', value: false }], { type: 'blackout', on: false }],
    ['/precue/gm', [{ type: 'f', value: 0.5 }, { type: 'i', value: 1000 }], { type: 'grandMaster', level: 0.5, fadeMs: 1000 }],
    ['/playhead/previous', [], { type: 'back' }],
  ] as const)('%s %j → %j', (address, args, expected) => {
    expect(oscToControl(msg(address, ...args))).toEqual(expected);
  });

  it('rejects unknown addresses and bad arguments with a clear InputError', () => {
    expect(() => oscToControl(msg('/fly'))).toThrow(InputError);
    expect(() => oscToControl(msg('/cue/abc/start'))).toThrow(/cue number 'abc'/);
    expect(() => oscToControl(msg('/precue/mode/LX', { type: 's', value: 'turbo' }))).toThrow(/manual/);
    expect(() => oscToControl(msg('/precue/gm', { type: 'f', value: 2 }))).toThrow(/0 to 1/);
  });
});

describe('OSC packets', () => {
  it('infers i/f/s/T/F from bare values and keeps explicit types', () => {
    const bytes = encodeOscMessage({ address: '/layer1/clip/connect', args: [1, 0.5, 'x', true, false, { type: 'f', value: 2 }, { type: 'N' }] });
    expect(decodeOscPacket(bytes)).toEqual([
      { address: '/layer1/clip/connect', args: [
        { type: 'i', value: 1 }, { type: 'f', value: 0.5 }, { type: 's', value: 'x' }, { type: 'T', value: true }, { type: 'F', value: false }, { type: 'f', value: 2 }, { type: 'N', value: null },
      ] },
    ]);
  });

  it('flattens bundles in order', () => {
    const bytes = encodeOscBundle([{ address: '/a', args: [1] }, { address: '/b' }]);
    expect(decodeOscPacket(bytes).map((m) => m.address)).toEqual(['/a', '/b']);
  });

  it('throws InputError on malformed packets and bad addresses', () => {
    expect(() => decodeOscPacket(Uint8Array.of(1, 2, 3))).toThrow(InputError);
    expect(() => decodeOscPacket(new TextEncoder().encode('/go\0,x\0\0'))).toThrow(InputError);
    expect(() => encodeOscMessage({ address: 'no-slash' })).toThrow(/must start with \//);
  });
});
