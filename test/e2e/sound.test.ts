/**
 * A sound department end to end: the engine runs a show whose SND cues move a simulated X32 (on
 * loopback, speaking the X32 OSC protocol); cues are fired through the same path as any department
 * (here OSC control, as a Stream Deck would). Cue 2 fades channel 1 from -inf to -10 dB over 2 s: the
 * desk sees a smooth ramp, at least 20 updates a second, ending exactly on -10 dB. Cue 5 mutes
 * channel 3 and recalls a scene; BACK un-mutes it.
 */
import dgram from 'node:dgram';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../engine/cli/main.js';
import { x32DbToLevel } from '../../engine/core/mixer/profile.js';
import { decodeOscPacket, encodeOscMessage } from '../../engine/core/osc/packet.js';
import { startEngine, type RunningEngine } from '../../engine/main.js';
import { X32Sim } from '../io/mixer/x32Sim.js';

const root = resolve(import.meta.dirname, '../..');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const dir = mkdtempSync(join(tmpdir(), 'precue-sound-'));
let engine: RunningEngine | undefined;
const sim = new X32Sim({ '/ch/01/mix/fader': 0, '/ch/03/mix/on': 1 });
afterAll(async () => {
  await engine?.stop('clean');
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('sound department (simulated X32)', () => {
  it('fades a fader as a smooth 2 s ramp, mutes with cue 5 and BACK undoes it', async () => {
    await sim.start();
    const showDir = join(dir, 'show');
    mkdirSync(showDir);
    writeFileSync(
      join(showDir, 'show.json'),
      JSON.stringify({
        version: 2,
        name: 'Sound test',
        outputs: { mixers: [{ id: 'foh', kind: 'x32', host: '127.0.0.1', port: sim.port, label: 'FOH X32' }] },
        inputs: { osc: {} },
        departments: [
          {
            id: 'SND',
            mode: 'manual',
            cues: [
              { number: '1', name: 'Walk-in', mixer: [{ mixer: 'foh', param: 'ch/1/fader', value: '-inf' }] },
              { number: '2', name: 'Soloist up', fadeUpMs: 2000, mixer: [{ mixer: 'foh', param: 'ch/1/fader', value: '-10dB' }] },
              { number: '5', name: 'Choir out, scene 4', mixer: [{ mixer: 'foh', param: 'ch/3/mute', value: true }, { mixer: 'foh', param: 'scene', value: 4 }] },
            ],
          },
        ],
      }),
    );
    engine = await startEngine({ showDir, fixturesDir: join(root, 'fixtures'), console: null, audio: false, model: false, oscInPort: 0 });
    expect(engine.banner.join('\n')).toMatch(new RegExp(`mixer foh: Behringer X32 / Midas M32 at 127\\.0\\.0\\.1:${sim.port} \\(3 parameters in the show's cues\\)`));
    const oscPort = Number(/OSC control in: 127\.0\.0\.1:(\d+)/.exec(engine.banner.join('\n'))![1]);
    const osc = dgram.createSocket('udp4');
    await new Promise<void>((r) => osc.bind(0, '127.0.0.1', () => r()));
    const replies: string[] = [];
    osc.on('message', (m) => replies.push(...decodeOscPacket(new Uint8Array(m)).map((x) => String(x.args[0]?.value))));
    const send = (address: string): void => osc.send(encodeOscMessage({ address }), oscPort, '127.0.0.1');
    try {
      for (let i = 0; i < 100 && !sim.received.includes('/xremote'); i++) await sleep(20);
      expect(sim.received).toContain('/xremote'); // subscribed to the desk's changes
      await sleep(200); // read-back done

      send('/dept/SND/cue/2/start');
      await sleep(2600);
      const ramp = sim.sets.filter((s) => s.address === '/ch/01/mix/fader');
      const end = Math.fround(x32DbToLevel(-10));
      expect(ramp.length).toBeGreaterThan(0);
      expect(ramp[ramp.length - 1]!.value).toBe(end); // exactly -10 dB on the desk's grid
      const span = (ramp[ramp.length - 1]!.tMs - ramp[0]!.tMs) / 1000;
      expect(span).toBeGreaterThan(1.8);
      expect(span).toBeLessThan(2.3);
      expect(ramp.length / span).toBeGreaterThanOrEqual(20);
      for (let i = 1; i < ramp.length; i++) expect(ramp[i]!.value).toBeGreaterThanOrEqual(ramp[i - 1]!.value); // never backwards
      // Smooth: no step bigger than a tenth of the travel, and linear in fader travel within 5%.
      for (let i = 1; i < ramp.length; i++) expect(ramp[i]!.value - ramp[i - 1]!.value).toBeLessThan(end / 10);
      const t0 = ramp[0]!.tMs;
      for (const s of ramp) expect(Math.abs(s.value - Math.min(1, (s.tMs - t0) / 2000) * end)).toBeLessThan(0.05 * end + end / 20);

      send('/dept/SND/cue/5/start');
      for (let i = 0; i < 50 && sim.values.get('/ch/03/mix/on') !== 0; i++) await sleep(20);
      expect(sim.values.get('/ch/03/mix/on')).toBe(0); // muted
      expect(sim.sets.filter((s) => s.address === '/-action/goscene').map((s) => s.value)).toEqual([4]);
      send('/dept/SND/back');
      for (let i = 0; i < 50 && sim.values.get('/ch/03/mix/on') !== 1; i++) await sleep(20);
      expect(sim.values.get('/ch/03/mix/on')).toBe(1); // BACK undoes the mute
      expect(sim.values.get('/ch/01/mix/fader')).toBe(end); // and leaves the soloist where cue 2 put them
      expect(replies.filter((r) => r.includes('"status":"ok"')).length).toBe(3);
      // The console's device list shows the desk, connected, with the levels it reports.
      expect(engine.devices.snapshot()).toContainEqual(
        expect.objectContaining({ id: 'foh', kind: 'x32', label: 'FOH X32', health: 'connected', facts: expect.objectContaining({ model: 'X32', 'ch/1/fader': '-10.0 dB' }) as unknown }),
      );
    } finally {
      osc.close();
    }
  }, 30_000);

  it('precue validate locates a parameter or value the desk does not have', async () => {
    const showDir = join(dir, 'broken');
    mkdirSync(showDir);
    writeFileSync(
      join(showDir, 'show.json'),
      JSON.stringify(
        {
          version: 2,
          name: 'Broken sound',
          outputs: { mixers: [{ id: 'foh', kind: 'x32', host: '127.0.0.1' }] },
          departments: [{ id: 'SND', cues: [{ number: '1', mixer: [{ mixer: 'foh', param: 'ch/40/fader', value: 0 }, { mixer: 'mon', param: 'ch/1/fader', value: 0 }] }] }],
        },
        null,
        2,
      ),
    );
    let out = '';
    const code = await runCli(['validate', showDir], { stdout: (t) => (out += t), stderr: (t) => (out += t), exit: () => undefined });
    expect(code).not.toBe(0);
    expect(out).toMatch(/show\.json:\d+:\d+: departments\[0\]\.cues\[0\]\.mixer\[0\]: cue SND 1: Behringer X32 \/ Midas M32 has no 'ch\/40\/fader'/);
    expect(out).toMatch(/departments\[0\]\.cues\[0\]\.mixer\[1\]\.mixer: cue SND 1 moves mixer 'mon', which is not defined/);
  });
});
