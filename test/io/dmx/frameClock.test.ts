import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { universeId } from '../../../engine/core/ids.js';
import { Universe } from '../../../engine/core/universe/universe.js';
import { FrameClock } from '../../../engine/io/frameClock/frameClock.js';
import { decodeArtnet } from '../../../engine/core/dmx/artnet.js';

const nullUniverse = (id: number, rateHz = 44) => ({ id, rateHz, sendOnChange: false, keepAliveMs: 1000, driver: { kind: 'null' as const } });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('FrameClock', () => {
  it('at rest sends the change, three repeats, then one keep-alive a second (Art-Net by default); a new look goes at once', async () => {
    const node = dgram.createSocket('udp4');
    await new Promise<void>((r) => node.bind(0, '127.0.0.1', () => r()));
    const seen: { t: number; ch1: number }[] = [];
    node.on('message', (m) => {
      const p = decodeArtnet(new Uint8Array(m));
      if (p.op === 'dmx') seen.push({ t: performance.now(), ch1: p.data[0]! });
    });
    const clock = await FrameClock.start({ universes: [{ id: 1, rateHz: 44, keepAliveMs: 1000, driver: { kind: 'artnet', host: '127.0.0.1', port: node.address().port, net: 0, subnet: 0, universe: 0 } }] });
    try {
      await sleep(300);
      const t0 = performance.now();
      clock.write(1, new Uint8Array(512).fill(200));
      await sleep(4600);
      const after = seen.filter((p) => p.t >= t0 && p.ch1 === 200);
      const gaps = after.slice(1).map((p, i) => p.t - after[i]!.t);
      // 4 at the change, then a keep-alive every second, however long the rest (the worker has
      // nothing else to wake it: a waitAsync timeout alone once stopped them after the first).
      expect(after.length).toBeGreaterThanOrEqual(7);
      expect(after.length).toBeLessThanOrEqual(9); // streaming at 44 Hz would be ~200
      for (const g of gaps.slice(0, 3)) expect(g).toBeLessThan(60); // the repeats follow the frame rate
      for (const g of gaps.slice(3)) expect(g).toBeGreaterThan(900);
      // At rest, a new look goes out when written, not at the next grid point or keep-alive.
      const t1 = performance.now();
      clock.write(1, new Uint8Array(512).fill(100));
      await sleep(100);
      const first = seen.find((p) => p.ch1 === 100)!;
      expect(first.t - t1).toBeLessThan(12);
    } finally {
      await clock.stop('hold');
      node.close();
    }
  });

  it('hands a rendered Universe to the worker only when the look changed', async () => {
    const clock = await FrameClock.start({ universes: [nullUniverse(1)] });
    try {
      const u = new Universe(universeId(1), { intensityChannels: [1] });
      u.addSource({ id: 'playback', priority: 100 });
      u.setLevels('playback', 1, [200, 50]);
      u.setGrandMaster(0.5);
      expect(clock.render(u, 0)).toBe(true);
      expect([...clock.current(1).subarray(0, 2)]).toEqual([100, 50]);
      expect(clock.render(u, 0)).toBe(false);
    } finally {
      await clock.stop('hold');
    }
  });

  it('while the looks are moving, a stalled main thread leaves the last look going out at the full rate', async () => {
    const node = dgram.createSocket('udp4');
    await new Promise<void>((r) => node.bind(0, '127.0.0.1', () => r()));
    const seen: number[] = [];
    node.on('message', () => seen.push(performance.now()));
    const clock = await FrameClock.start({ universes: [{ id: 1, rateHz: 44, keepAliveMs: 1000, driver: { kind: 'artnet', host: '127.0.0.1', port: node.address().port, net: 0, subnet: 0, universe: 0 } }] });
    try {
      await sleep(200);
      clock.setMoving(true);
      const t0 = performance.now();
      clock.write(1, new Uint8Array(512).fill(50)); // then nothing for a while: a stalled fade
      await sleep(450);
      const moving = seen.filter((t) => t >= t0).length;
      expect(moving).toBeGreaterThanOrEqual(15); // ~20 at 44 Hz; 4 if it dropped to keep-alives
      clock.setMoving(false);
      clock.write(1, new Uint8Array(512).fill(60));
      await sleep(600);
      const t1 = performance.now() - 400;
      expect(seen.filter((t) => t >= t1).length).toBeLessThanOrEqual(1); // at rest: keep-alives only
    } finally {
      await clock.stop('hold');
      node.close();
    }
  });

  it('mid-fade, an urgent look (a GO) goes out at once and the grid restarts from it; a plain one waits for its grid point', async () => {
    // A slow grid (2 Hz, streaming) makes "at once" and "at the next grid point" hundreds of ms apart.
    const node = dgram.createSocket('udp4');
    await new Promise<void>((r) => node.bind(0, '127.0.0.1', () => r()));
    const seen: { t: number; ch1: number }[] = [];
    let onPacket: (() => void) | undefined;
    node.on('message', (m) => {
      const p = decodeArtnet(new Uint8Array(m));
      if (p.op !== 'dmx') return;
      seen.push({ t: performance.now(), ch1: p.data[0]! });
      onPacket?.();
    });
    const nextPacket = (): Promise<number> => new Promise((r) => (onPacket = () => ((onPacket = undefined), r(performance.now()))));
    const clock = await FrameClock.start({ universes: [{ id: 1, rateHz: 2, sendOnChange: false, keepAliveMs: 1000, driver: { kind: 'artnet', host: '127.0.0.1', port: node.address().port, net: 0, subnet: 0, universe: 0 } }] });
    try {
      clock.setMoving(true);
      await nextPacket();
      await sleep(50);
      const tPlain = performance.now();
      clock.write(1, new Uint8Array(512).fill(66));
      const plainAt = await nextPacket();
      expect(seen.at(-1)!.ch1).toBe(66);
      expect(plainAt - tPlain).toBeGreaterThan(300); // on the grid, ~450 ms later
      await sleep(50);
      const tUrgent = performance.now();
      clock.write(1, new Uint8Array(512).fill(77));
      clock.sendNow();
      const urgentAt = await nextPacket();
      expect(seen.at(-1)!.ch1).toBe(77);
      expect(urgentAt - tUrgent).toBeLessThan(200); // at once, not ~450 ms later at the grid point
      const following = await nextPacket();
      expect(following - urgentAt).toBeGreaterThan(400); // the grid restarted from the urgent packet: no burst
    } finally {
      await clock.stop('hold');
      node.close();
    }
  });

  it('keeps sending the last look while the main thread is blocked', async () => {
    const clock = await FrameClock.start({ universes: [nullUniverse(1)] });
    try {
      clock.write(1, new Uint8Array(512).fill(9));
      await sleep(100);
      await clock.stats({ reset: true });
      const end = performance.now() + 500;
      while (performance.now() < end) {
        // the main thread is stuck (a model load, a long GC): the worker must not notice
      }
      const s = await clock.stats();
      expect(s.packets).toBeGreaterThanOrEqual(19); // 44 Hz × 0.5 s = 22
    } finally {
      await clock.stop('hold');
    }
  });

  it('restarts a worker that died and resumes with the last look', async () => {
    const clock = await FrameClock.start({ universes: [nullUniverse(1)] });
    try {
      clock.write(1, new Uint8Array(512).fill(42));
      await (clock as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate(); // as if it crashed
      for (let i = 0; i < 100 && clock.restarts === 0; i++) await sleep(50);
      expect(clock.restarts).toBe(1);
      await sleep(200);
      const s = await clock.stats();
      expect(s.packets).toBeGreaterThan(3);
      expect(clock.current(1)[0]).toBe(42);
    } finally {
      await clock.stop('hold');
    }
  });

  it('sends each universe at its own rate', async () => {
    const clock = await FrameClock.start({ universes: [nullUniverse(1, 44), nullUniverse(2, 10)] });
    try {
      await sleep(100);
      await clock.stats({ reset: true });
      await sleep(1000);
      const s = await clock.stats();
      const hz = s.universes.map((u) => u.sent);
      expect(hz[0]! - hz[1]!).toBeGreaterThan(25);
      expect(s.packets / (s.elapsedMs / 1000)).toBeGreaterThan(48);
      expect(s.packets / (s.elapsedMs / 1000)).toBeLessThan(60);
    } finally {
      await clock.stop('hold');
    }
  });

  it('rejects unknown universes and duplicate ids with clear errors', async () => {
    await expect(FrameClock.start({ universes: [nullUniverse(1), nullUniverse(1)] })).rejects.toThrow(/listed twice/);
    const clock = await FrameClock.start({ universes: [nullUniverse(1)] });
    try {
      expect(() => clock.write(5, new Uint8Array(512))).toThrow(/universe 5 is not in outputs.universes/);
    } finally {
      await clock.stop('hold');
    }
  });
});
