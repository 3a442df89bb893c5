import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { interpretOsc, oscDictionaryMarkdown, oscToControl, OSC_DICTIONARY } from '../../../engine/core/osc/dictionary.js';
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
    ['/dept/VID/cue/4/start', [], { type: 'cueStart', dept: 'VID', cue: '4' }],
    ['/dept/LX/mode', [{ type: 's', value: 'manual' }], { type: 'setMode', dept: 'LX', mode: 'manual' }],
    ['/select/3', [{ type: 's', value: 'LX' }], { type: 'cueLoad', cue: '3', dept: 'LX' }],
    ['/gm', [{ type: 'f', value: 0.25 }], { type: 'grandMaster', level: 0.25 }],
    ['/blackout', [{ type: 'i', value: 1 }], { type: 'blackout', on: true }],
    ['/hold', [{ type: 's', value: 'CAM' }], { type: 'hold', dept: 'CAM' }],
  ] as const)('%s %j → %j', (address, args, expected) => {
    expect(oscToControl(msg(address, ...args))).toEqual(expected);
  });

  it('reads queries, sessions and playhead moves', () => {
    expect(interpretOsc(msg('/playhead/next'))).toEqual({ kind: 'playhead', step: 1 });
    expect(interpretOsc(msg('/playhead/previous', { type: 's', value: 'LX' }))).toEqual({ kind: 'playhead', step: -1, dept: 'LX' });
    expect(interpretOsc(msg('/playhead/7'))).toEqual({ kind: 'command', command: { type: 'cueLoad', cue: '7' } });
    expect(interpretOsc(msg('/playhead'))).toEqual({ kind: 'query', query: { kind: 'playhead' } });
    expect(interpretOsc(msg('/dept/LX/mode'))).toEqual({ kind: 'query', query: { kind: 'mode', dept: 'LX' } });
    expect(interpretOsc(msg('/gm'))).toEqual({ kind: 'query', query: { kind: 'grandMaster' } });
    expect(interpretOsc(msg('/blackout'))).toEqual({ kind: 'query', query: { kind: 'blackout' } });
    expect(interpretOsc(msg('/cue/2/name'))).toEqual({ kind: 'query', query: { kind: 'cueName', cue: '2' } });
    expect(interpretOsc(msg('/workspace/X/cueLists'))).toEqual({ kind: 'query', query: { kind: 'cueLists' } });
    expect(interpretOsc(msg('/connect', { type: 's', value: 'secret' }))).toEqual({ kind: 'connect', passcode: 'secret' });
    expect(interpretOsc(msg('/connect'))).toEqual({ kind: 'connect' });
    expect(interpretOsc(msg('/updates', { type: 'i', value: 0 }))).toEqual({ kind: 'updates', on: false });
    expect(interpretOsc(msg('/updates'))).toEqual({ kind: 'updates', on: true });
  });

  it('documents every address once, and the README carries the generated table', () => {
    const all = OSC_DICTIONARY.flatMap((e) => e.addresses);
    expect(new Set(all).size).toBe(all.length);
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    expect(readme, 'README.md: regenerate the OSC table with oscDictionaryMarkdown()').toContain(oscDictionaryMarkdown());
  });

  it('rejects unknown addresses and bad arguments with a clear InputError', () => {
    expect(() => oscToControl(msg('/fly'))).toThrow(InputError);
    expect(() => oscToControl(msg('/cue/abc/start'))).toThrow(/cue number 'abc'/);
    expect(() => oscToControl(msg('/precue/mode/LX', { type: 's', value: 'turbo' }))).toThrow(/manual/);
    expect(() => oscToControl(msg('/precue/gm', { type: 'f', value: 2 }))).toThrow(/0 to 1/);
    expect(() => interpretOsc(msg('/cue/12abc/start'))).toThrow(/cue number '12abc'/);
    expect(() => interpretOsc(msg('/go', { type: 'i', value: 3 }))).toThrow(/department.*string/);
    expect(() => interpretOsc(msg('/dept/L X/go'))).toThrow(/department 'L X'/);
    expect(() => interpretOsc(msg('/panic', { type: 'f', value: -1 }))).toThrow(/outside/);
    expect(() => interpretOsc(msg('/cue/%E0%A4%A/start'))).toThrow(InputError);
    expect(() => oscToControl(msg('/thump'))).toThrow(/not a command/);
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

describe('OSC strings', () => {
  it('go out as UTF-8 and come back as sent', () => {
    const bytes = encodeOscMessage({ address: '/clip', args: ['Intro — café'] });
    expect(new TextDecoder().decode(bytes)).toContain('Intro — café');
    expect(decodeOscPacket(bytes)[0]!.args[0]!.value).toBe('Intro — café');
  });
});
