/**
 * Outputs end to end on loopback: an operator's OSC (sent with liblo's oscsend) sets the grand master
 * and hits PANIC; the commands go through UniverseSafety into the Universes, the main thread renders
 * them into the frame clock, and the Art-Net on the wire shows the master and the timed fade to the
 * safe state, while the last look keeps going out. A cue's messages reach oscdump.
 */
import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { decodeArtnet } from '../../engine/core/dmx/artnet.js';
import { universeId } from '../../engine/core/ids.js';
import { UniverseSafety } from '../../engine/core/universe/safety.js';
import { Universe } from '../../engine/core/universe/universe.js';
import { FrameClock } from '../../engine/io/frameClock/frameClock.js';
import { OscControlListener } from '../../engine/io/osc/oscControlListener.js';
import { OutputMessageSender } from '../../engine/io/osc/outputMessages.js';
import { OscSender } from '../../engine/io/osc/oscSender.js';

const has = (tool: string): boolean => spawnSync(tool, ['-h'], { timeout: 5000 }).error === undefined;
const liblo = has('oscsend') && has('oscdump');
if (!liblo) console.warn('skipping outputs e2e: oscsend/oscdump missing (apt-get install liblo-tools)');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!liblo)('outputs end to end', () => {
  it('operator OSC → safety → universes → frame clock → Art-Net; cue messages → oscdump', async () => {
    // Art-Net receiver standing in for a node.
    const node = dgram.createSocket('udp4');
    await new Promise<void>((r) => node.bind(0, '127.0.0.1', () => r()));
    const frames: { t: number; ch1: number; ch2: number }[] = [];
    node.on('message', (msg) => {
      const p = decodeArtnet(new Uint8Array(msg));
      if (p.op === 'dmx') frames.push({ t: performance.now(), ch1: p.data[0]!, ch2: p.data[1]! });
    });

    const clock = await FrameClock.start({ universes: [{ id: 1, rateHz: 44, sendOnChange: false, keepAliveMs: 1000, driver: { kind: 'artnet', host: '127.0.0.1', port: node.address().port, net: 0, subnet: 0, universe: 0 } }] });
    const u = new Universe(universeId(1), { intensityChannels: [1] });
    u.addSource({ id: 'playback', priority: 100 });
    u.setLevels('playback', 1, [255, 77]); // ch1 intensity, ch2 e.g. pan (holds through PANIC)
    const safety = new UniverseSafety([u], { panicFadeMs: 2000, grandMaster: 1 });
    const render = setInterval(() => clock.render(u, performance.now()), 5);

    const control = new OscControlListener({ port: 0, host: '127.0.0.1', allow: ['127.0.0.1'] });
    await control.open();
    const handled: string[] = [];
    control.commands$.subscribe((e) => {
      if (safety.handle(e.command, performance.now())) handled.push(e.command.type);
    });

    const dumpPort = 20000 + Math.floor(Math.random() * 20000);
    const dump = spawn('oscdump', ['-L', String(dumpPort)], { stdio: ['ignore', 'pipe', 'ignore'] });
    let dumped = '';
    dump.stdout.on('data', (b: Buffer) => (dumped += b.toString()));
    const osc = new OscSender([{ id: 'video', host: '127.0.0.1', port: dumpPort }]);
    await osc.open();
    const messages = new OutputMessageSender({ osc });

    try {
      await sleep(300);
      const oscsend = (...args: string[]): void => void spawnSync('oscsend', ['127.0.0.1', String(control.port), ...args], { timeout: 5000 });
      oscsend('/precue/gm', 'f', '0.5');
      await sleep(300);
      const atHalf = frames[frames.length - 1]!;
      expect([atHalf.ch1, atHalf.ch2]).toEqual([128, 77]);

      messages.sendAll([
        { kind: 'osc', target: 'video', address: '/composition/columns/3/connect', args: [1] },
        { kind: 'osc', target: 'nowhere', address: '/x', args: [] }, // logged and counted, the rest goes on
        { kind: 'osc-bundle', target: 'video', messages: [{ address: '/layer/1/opacity', args: [0.5] }] },
      ]);

      const panicAt = performance.now();
      oscsend('/panic', 'i', '400');
      await sleep(800);
      const after = frames.filter((f) => f.t > panicAt);
      const mid = after.filter((f) => f.ch1 > 0 && f.ch1 < 128);
      expect(mid.length).toBeGreaterThan(5); // a fade, not a snap
      expect(after[after.length - 1]).toMatchObject({ ch1: 0, ch2: 77 });
      expect(handled).toEqual(['grandMaster', 'panic']);

      // The look holds: frames keep coming at 44 Hz though nothing changes.
      const n = frames.length;
      await sleep(500);
      expect(frames.length - n).toBeGreaterThan(18);

      for (let i = 0; i < 20 && !dumped.includes('/layer/1/opacity'); i++) await sleep(50);
      expect(dumped).toContain('/composition/columns/3/connect i 1');
      expect(dumped).toContain('/layer/1/opacity f 0.500000');
      expect(messages.stats).toMatchObject({ sent: 2, failed: 1 });
    } finally {
      clearInterval(render);
      dump.kill();
      await osc.close();
      await control.close();
      await clock.stop('clean');
      await new Promise<void>((r) => node.close(() => r()));
    }
  }, 30_000);
});
