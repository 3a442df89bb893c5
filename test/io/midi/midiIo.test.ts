import { existsSync } from 'node:fs';
import { firstValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { deptId } from '../../../engine/core/ids.js';
import { setLogSink, type LogRecord } from '../../../engine/core/log.js';
import { encodeMsc } from '../../../engine/core/midi/msc.js';
import { encodeMtcFullFrame, MtcGenerator } from '../../../engine/core/midi/mtc.js';
import { formatTimecode, parseTimecode } from '../../../engine/core/midi/timecode.js';
import { detectMidi, type MidiBackend } from '../../../engine/io/midi/backend.js';
import { MidiIo } from '../../../engine/io/midi/midiIo.js';

/** A MIDI system in memory: outputs record bytes, inputs can be fed. */
function fakeBackend() {
  const sent = new Map<string, number[][]>();
  const feeders = new Map<string, (bytes: readonly number[]) => void>();
  const outs = ['Midi Through Port-0', 'USB MIDI Interface MIDI 1'];
  const ins = ['Midi Through Port-0', 'ETC Desk MSC', 'LTC-MTC Bridge'];
  const backend: MidiBackend = {
    name: 'fake',
    inputNames: () => ins,
    outputNames: () => outs,
    openOutput: (i) => {
      const name = outs[i]!;
      sent.set(name, []);
      return { name, send: (b) => sent.get(name)!.push([...b]), close: () => undefined };
    },
    openInput: (i, on) => {
      feeders.set(ins[i]!, on);
      return { name: ins[i]!, close: () => feeders.delete(ins[i]!) };
    },
  };
  return { backend, sent, feed: (port: string, bytes: ArrayLike<number>) => feeders.get(port)!(Array.from(bytes)) };
}

describe('MIDI availability', () => {
  it.skipIf(existsSync('/dev/snd/seq'))('says clearly that there is no ALSA sequencer, before touching the native module', async () => {
    let loaded = false;
    const a = await detectMidi({ load: () => ((loaded = true), Promise.resolve({})) });
    expect(a.available).toBe(false);
    expect(loaded).toBe(false);
    if (!a.available) expect(a.reason).toMatch(/\/dev\/snd\/seq is missing/);
  });

  it('tells the user how to install the module when it is missing', async () => {
    const a = await detectMidi({ seqDevice: '/', load: () => Promise.reject(new Error("Cannot find module '@julusian/midi'")) });
    expect(a.available).toBe(false);
    if (!a.available) expect(a.reason).toMatch(/npm install @julusian\/midi \(prebuilt; no compiler needed\)/);
  });

  it('finds the prebuilt RtMidi binding installed without a compiler (real ports need the ALSA sequencer, absent here)', async () => {
    const mod = (await import('@julusian/midi').catch(() => undefined)) as { Input?: unknown; Output?: unknown } | undefined;
    if (mod === undefined) {
      console.warn('skipping: @julusian/midi is not installed (optional dependency)');
      return;
    }
    expect(typeof mod.Input).toBe('function');
    expect(typeof mod.Output).toBe('function');
    if (!existsSync('/dev/snd/seq')) console.warn('no ALSA sequencer (/dev/snd/seq): real MIDI ports cannot be opened on this machine; bytes are tested against a fake port');
  });

  it('without MIDI, warns once and drops sends without throwing', async () => {
    const records: LogRecord[] = [];
    const prev = setLogSink((r) => records.push(r), 'debug');
    try {
      const io = await MidiIo.open({ ports: [{ id: 'desk', port: 'USB', direction: 'out', mscDeviceId: 1 }], availability: { available: false, reason: 'no ALSA sequencer' } });
      io.send('desk', { type: 'note-on', channel: 1, number: 60, value: 100 });
      io.sendMsc('desk', { commandFormat: 1, command: 'GO', cue: '5' });
      expect(io.available).toBe(false);
      expect(io.stats.dropped).toBe(2);
      expect(records.filter((r) => r.level === 'warn').map((r) => r.message)).toEqual(['no ALSA sequencer']);
      io.close();
    } finally {
      setLogSink(prev);
    }
  });
});

describe('MidiIo with a MIDI system', () => {
  it('sends notes and MSC to the port whose name contains the configured name', async () => {
    const f = fakeBackend();
    const io = await MidiIo.open({ ports: [{ id: 'desk', port: 'usb midi', direction: 'out', mscDeviceId: 3 }], availability: { available: true, backend: f.backend } });
    io.send('desk', { type: 'cc', channel: 2, number: 7, value: 64 });
    io.sendMsc('desk', { commandFormat: 1, command: 'GO', cue: '12.5' });
    expect(f.sent.get('USB MIDI Interface MIDI 1')).toEqual([[0xb1, 7, 64], [...encodeMsc({ deviceId: 3, commandFormat: 1, command: 'GO', cue: '12.5' })]]);
    expect(() => io.send('nope', { type: 'program', channel: 1, number: 1 })).toThrow(/unknown MIDI target 'nope'/);
    io.close();
  });

  it('reports a missing port with the ports that exist, and keeps the others', async () => {
    const f = fakeBackend();
    const io = await MidiIo.open({ ports: [{ id: 'a', port: 'Nonexistent', direction: 'out', mscDeviceId: 0 }, { id: 'b', port: 'Through', direction: 'out', mscDeviceId: 0 }], availability: { available: true, backend: f.backend } });
    expect(io.problems.map((p) => p.message)).toEqual([expect.stringMatching(/midi output 'Nonexistent': no such port — available: 'Midi Through Port-0', 'USB MIDI Interface MIDI 1'/)]);
    io.send('a', { type: 'note-on', channel: 1, number: 1 });
    io.send('b', { type: 'note-on', channel: 1, number: 1 });
    expect(io.stats).toMatchObject({ sent: 1, dropped: 1 });
    io.close();
  });

  it('turns MSC addressed to us into commands and ignores other device IDs', async () => {
    const f = fakeBackend();
    const io = await MidiIo.open({ ports: [], inputs: { midi: { port: 'ETC', mscDeviceId: 1 } }, deptForFormat: (fmt) => (fmt === 1 ? deptId('LX') : undefined), availability: { available: true, backend: f.backend } });
    const got = firstValueFrom(io.commands$.pipe(take(3), toArray()));
    f.feed('ETC Desk MSC', encodeMsc({ deviceId: 1, commandFormat: 1, command: 'GO', cue: '7' }));
    f.feed('ETC Desk MSC', encodeMsc({ deviceId: 2, commandFormat: 1, command: 'GO', cue: '8' })); // not us
    f.feed('ETC Desk MSC', [0xf0, 0x7f, 0x01, 0x02, 0x01, 0x01, 0x41, 0xf7]); // malformed cue
    f.feed('ETC Desk MSC', encodeMsc({ deviceId: 127, commandFormat: 1, command: 'STOP' }));
    f.feed('ETC Desk MSC', encodeMsc({ deviceId: 1, commandFormat: 0x10, command: 'TIMED_GO', cue: '3', time: { ...parseTimecode('00:00:02:15', 30), fractionalFrames: 0 } }));
    const events = await got;
    expect(events.map((e) => e.command)).toEqual([
      { type: 'cueStart', cue: '7', dept: 'LX' },
      { type: 'stop', dept: 'LX' },
      { type: 'timedGo', cue: '3', fadeMs: 2500 },
    ]);
    expect(events[0]!.origin).toBe('msc');
    expect(io.stats.malformed).toBe(1);
    io.close();
  });

  it('maps notes and CCs on the control port, and MSC SET/FIRE, through the show\'s triggers; an unmapped SET is said once', async () => {
    const f = fakeBackend();
    const records: LogRecord[] = [];
    const prev = setLogSink((r) => records.push(r), 'debug');
    try {
      const io = await MidiIo.open({
        ports: [],
        inputs: {
          midi: {
            port: 'ETC',
            mscDeviceId: 1,
            triggers: [
              { on: { type: 'note', note: 60 }, do: { type: 'go', dept: 'LX' } },
              { on: { type: 'cc', channel: 1, controller: 7 }, do: { type: 'grand-master' } },
              { on: { type: 'msc-fire', macro: 2 }, do: { type: 'blackout', on: true } },
            ],
          },
        },
        availability: { available: true, backend: f.backend },
      });
      const got = firstValueFrom(io.commands$.pipe(take(3), toArray()));
      f.feed('ETC Desk MSC', [0x90, 60, 100]);
      f.feed('ETC Desk MSC', [0x90, 61, 100]); // not mapped: nothing
      f.feed('ETC Desk MSC', [0xb0, 7, 127]);
      for (let i = 0; i < 3; i++) f.feed('ETC Desk MSC', encodeMsc({ deviceId: 1, commandFormat: 1, command: 'SET', control: 9, value: 100 * i }));
      f.feed('ETC Desk MSC', encodeMsc({ deviceId: 1, commandFormat: 1, command: 'FIRE', macro: 2 }));
      const events = await got;
      expect(events.map((e) => [e.origin, e.command])).toEqual([
        ['midi', { type: 'go', dept: 'LX' }],
        ['midi', { type: 'grandMaster', level: 1 }],
        ['msc', { type: 'blackout', on: true }],
      ]);
      expect(records.filter((r) => r.level === 'warn').map((r) => r.message)).toEqual([expect.stringMatching(/SET of control 9 is not mapped/)]);
      io.close();
    } finally {
      setLogSink(prev);
    }
  });

  it('chases incoming MTC', async () => {
    const f = fakeBackend();
    const io = await MidiIo.open({ ports: [], inputs: { timecode: { source: 'mtc', midiPort: 'LTC-MTC', fps: 25 } }, availability: { available: true, backend: f.backend } });
    const positions: string[] = [];
    io.timecode$.subscribe((e) => {
      if (e.kind === 'position') positions.push(formatTimecode(e.timecode));
    });
    f.feed('LTC-MTC Bridge', encodeMtcFullFrame(parseTimecode('01:00:00:00', 25)));
    const gen = new MtcGenerator(25);
    gen.at(3600);
    for (let t = 3600; t < 3601; t += 0.005) for (const m of gen.at(t)) f.feed('LTC-MTC Bridge', m);
    expect(positions[0]).toBe('01:00:00:00');
    expect(positions.length).toBeGreaterThan(20);
    expect(positions[positions.length - 1]).toMatch(/^01:00:00:2[3-4]$|^01:00:01:00$/);
    io.close();
  });
});
