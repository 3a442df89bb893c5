/**
 * The ATEM output through atem-connection against a loopback stand-in of the switcher: every command
 * a show can send is asserted byte for byte as it arrives at the switcher, shots go as one packet
 * (preview + CUT, or style + rate + preview + AUTO), the tally follows the switcher's own table, names
 * the switcher lacks are reported on connect, and a switcher that goes silent is re-connected.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cueId, deptId } from '../../../engine/core/ids.js';
import { SHOW_VERSION, showFileSchema, type OutputMessage, type ShowFileInput } from '../../../engine/core/show/schema.js';
import { DeviceLink } from '../../../engine/io/devices/deviceLink.js';
import { DeviceRegistry } from '../../../engine/io/devices/registry.js';
import { atemFrameRate, atemRateFrames, AtemConnector } from '../../../engine/io/video/atemSwitcher.js';
import type { SwitcherSession } from '../../../engine/io/video/switcher.js';
import { openVideoOutputs } from '../../../engine/io/video/videoOutputs.js';
import { AtemStandIn } from './atemStandIn.js';
import { until } from './until.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});


function show(port: number, messages: OutputMessage[] = []) {
  const input: ShowFileInput = {
    version: SHOW_VERSION,
    name: 'atem',
    outputs: {
      switchers: [{ id: 'atem', kind: 'atem', host: '127.0.0.1', port }],
      cameras: [
        { id: 'cam1', switcher: 'atem', input: 1 },
        { id: 'cam2', switcher: 'atem', input: 'Camera 2' },
        { id: 'wide', switcher: 'atem', input: 'WIDE' },
      ],
    },
    departments: [{ id: 'CAM', cues: [{ number: '1', messages }] }],
  };
  return showFileSchema.parse(input);
}

/** Every ATEM message a show can send, with the payload the switcher must receive (protocol 2.30). */
const EVERY_COMMAND: Array<[OutputMessage, string, string]> = [
  [{ kind: 'atem', target: 'atem', action: 'cut' }, 'DCut', '00000000'],
  [{ kind: 'atem', target: 'atem', action: 'auto' }, 'DAut', '00000000'],
  [{ kind: 'atem', target: 'atem', action: 'program', input: 3 }, 'CPgI', '00000003'],
  [{ kind: 'atem', target: 'atem', action: 'preview', input: 'Camera 2' }, 'CPvI', '00000002'],
  [{ kind: 'atem', target: 'atem', action: 'preview', input: 'MP1' }, 'CPvI', '00000bc2'],
  // CTTp: mask (next style), M/E, next style, next selection.
  [{ kind: 'atem', target: 'atem', action: 'transition-style', style: 'dip' }, 'CTTp', '01000100'],
  [{ kind: 'atem', target: 'atem', action: 'transition-style', style: 'mix' }, 'CTTp', '01000000'],
  [{ kind: 'atem', target: 'atem', action: 'transition-style', style: 'wipe' }, 'CTTp', '01000200'],
  [{ kind: 'atem', target: 'atem', action: 'transition-style', style: 'dve' }, 'CTTp', '01000300'],
  [{ kind: 'atem', target: 'atem', action: 'transition-style', style: 'sting' }, 'CTTp', '01000400'],
  [{ kind: 'atem', target: 'atem', action: 'transition-rate', style: 'mix', frames: 50 }, 'CTMx', '00320000'],
  // CTDp: mask (rate), M/E, rate, pad, input (unchanged).
  [{ kind: 'atem', target: 'atem', action: 'transition-rate', style: 'dip', frames: 30 }, 'CTDp', '01001e0000000000'],
  // CTWp: 16-bit mask (rate), M/E, rate, then the pattern fields (unchanged).
  [{ kind: 'atem', target: 'atem', action: 'transition-rate', style: 'wipe', frames: 20 }, 'CTWp', `00010014${'00'.repeat(16)}`],
  // MAct: macro index (the software's macro 2 is index 1), action 0 = run.
  [{ kind: 'atem', target: 'atem', action: 'macro', macro: 'Credits' }, 'MAct', '00010000'],
  [{ kind: 'atem', target: 'atem', action: 'macro', macro: 1 }, 'MAct', '00000000'],
  [{ kind: 'atem', target: 'atem', action: 'keyer', keyer: 1, onAir: true }, 'CKOn', '00000100'],
  [{ kind: 'atem', target: 'atem', action: 'keyer', keyer: 1, onAir: false }, 'CKOn', '00000000'],
  [{ kind: 'atem', target: 'atem', action: 'dsk', keyer: 2, onAir: true }, 'CDsL', '01010000'],
  [{ kind: 'atem', target: 'atem', action: 'dsk-auto', keyer: 1 }, 'DDsA', '00000000'],
];

describe('ATEM output (atem-connection against a loopback switcher)', () => {
  it('connects, reads the switcher, and sends every command a show can send byte for byte', async () => {
    const atem = await AtemStandIn.start();
    cleanups.push(() => atem.close());
    const s = show(atem.port, EVERY_COMMAND.map(([m]) => m));
    const tallies: Array<{ program: string[]; preview: string[] }> = [];
    const sink = { tally: (_: string, p: ReadonlySet<string>, v: ReadonlySet<string>) => tallies.push({ program: [...p], preview: [...v] }), tallyLost: () => undefined };
    const link = new DeviceLink<SwitcherSession>(new AtemConnector(s.outputs.switchers[0] as Extract<typeof s.outputs.switchers[number], { kind: 'atem' }>, s, sink));
    cleanups.push(() => link.stop());
    link.start();
    await until('the ATEM link to connect', () => link.state.health === 'connected');
    expect(link.state).toMatchObject({ kind: 'atem', address: `127.0.0.1:${atem.port}`, problems: [], facts: { model: 'ATEM Television Studio HD', program: 'Camera 1', preview: 'Camera 2' } });
    expect(tallies.at(-1)).toEqual({ program: ['cam1'], preview: ['cam2'] });

    for (const [message, name, hex] of EVERY_COMMAND) {
      const before = atem.received.length;
      link.session!.send(message as Parameters<SwitcherSession['send']>[0]).catch(() => undefined);
      await until(`${name} at the switcher`, () => atem.received.length > before);
      expect(atem.received.slice(before), JSON.stringify(message)).toEqual([{ name, hex }]);
    }
    expect(link.stats.failed).toBe(0);
  });

  it('takes a shot as one packet, follows the switcher tally through a mix, and re-connects after the switcher goes silent', async () => {
    const atem = await AtemStandIn.start();
    cleanups.push(() => atem.close());
    const s = show(atem.port);
    const registry = new DeviceRegistry();
    const forwarded: OutputMessage[] = [];
    const video = await openVideoOutputs(s, { visca: new Map(), fallback: { send: (m) => forwarded.push(m) }, registry, link: { backoff: { minMs: 100, maxMs: 400, factor: 2 }, connectTimeoutMs: 2000 } });
    cleanups.push(async () => {
      await video.close();
      await registry.stop();
    });
    registry.start();
    const device = () => registry.snapshot()[0]!;
    const camera = (id: string) => video.cameras.snapshot().find((c) => c.id === id)!;
    await until('connected', () => device().health === 'connected');
    const CAM = deptId('CAM');
    const shot = (cue: string, target: string, transition: 'cut' | { style: 'mix'; durationMs: number }) =>
      video.route({ tMs: 0, dept: CAM, cue: cueId(cue), message: { kind: 'shot', target, transition, moveLive: false } });

    let from = atem.packets.length;
    shot('2', 'wide', 'cut');
    await until('the cut', () => camera('wide').program);
    expect(atem.packets.slice(from)).toEqual([['CPvI', 'DCut']]);
    expect(atem.received.slice(-2)).toEqual([{ name: 'CPvI', hex: '00000003' }, { name: 'DCut', hex: '00000000' }]);
    expect(camera('cam1')).toMatchObject({ program: false, preview: true, tallyKnown: true });

    // A one-second mix at 1080p25 is 25 frames; both cameras are on air until it ends.
    from = atem.received.length;
    const packetsFrom = atem.packets.length;
    shot('3', 'cam2', { style: 'mix', durationMs: 1000 });
    await until('the mix to start', () => camera('cam2').program && camera('wide').program);
    expect(atem.packets.slice(packetsFrom)).toEqual([['CTTp', 'CTMx', 'CPvI', 'DAut']]);
    expect(atem.received.slice(from)).toEqual([
      { name: 'CTTp', hex: '01000000' },
      { name: 'CTMx', hex: '00190000' },
      { name: 'CPvI', hex: '00000002' },
      { name: 'DAut', hex: '00000000' },
    ]);
    await until('the mix to end', () => !camera('wide').program);
    expect(camera('cam2').program).toBe(true);

    // The switcher goes silent: atem-connection notices after 5 s without a packet; the link retries.
    atem.silence();
    await until('the drop to be noticed', () => device().health === 'retrying', 9000);
    expect(camera('cam2').tallyKnown).toBe(false);
    expect(device().detail).toMatch(/connection lost/);
    const hellos = atem.hellos;
    atem.resume();
    await until('the re-connection', () => device().health === 'connected', 9000);
    expect(atem.hellos).toBeGreaterThan(hellos);
    expect(camera('cam2')).toMatchObject({ program: true, tallyKnown: true });
    from = atem.received.length;
    shot('4', 'cam1', 'cut');
    await until('a cut after the re-connection', () => atem.received.length >= from + 2);
    expect(atem.received.slice(from)).toEqual([{ name: 'CPvI', hex: '00000001' }, { name: 'DCut', hex: '00000000' }]);
  }, 40_000);

  it('reports on connect the inputs and macros the show names that the switcher does not have', async () => {
    const atem = await AtemStandIn.start();
    cleanups.push(() => atem.close());
    const s = show(atem.port, [
      { kind: 'atem', target: 'atem', action: 'program', input: 'Camera 9' },
      { kind: 'atem', target: 'atem', action: 'macro', macro: 'Finale' },
      { kind: 'atem', target: 'atem', action: 'keyer', keyer: 3, onAir: true },
    ]);
    const link = new DeviceLink<SwitcherSession>(new AtemConnector(s.outputs.switchers[0] as Extract<typeof s.outputs.switchers[number], { kind: 'atem' }>, s, { tally: () => undefined, tallyLost: () => undefined }));
    cleanups.push(() => link.stop());
    link.start();
    await until('connected', () => link.state.health === 'degraded');
    expect(link.state.problems).toEqual([
      expect.stringMatching(/^show\.json departments\[0\]\.cues\[0\]\.messages\[0\]\.input: ATEM 'atem' has no input "Camera 9" \(expected an input number or name: "1 Camera 1", "2 Camera 2"/),
      expect.stringMatching(/messages\[1\]\.macro: ATEM 'atem' has no macro "Finale" \(expected one of "1 Opener", "2 Credits"\)/),
      expect.stringMatching(/messages\[2\]\.keyer: ATEM 'atem' has 1 upstream keyer per M\/E/),
    ]);
  });

  it('counts transition rates in the video mode\'s frames', () => {
    expect(atemFrameRate(10)).toBe(25); // 1080p25
    expect(atemFrameRate(13)).toBeCloseTo(59.94); // 1080p59.94
    expect(atemFrameRate(7)).toBeCloseTo(29.97); // 1080i59.94: frames, not fields
    expect(atemRateFrames(1000, 25)).toBe(25);
    expect(atemRateFrames(20_000, 50)).toBe(250);
    expect(atemRateFrames(1, 25)).toBe(1);
  });
});
