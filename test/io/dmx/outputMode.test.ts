/**
 * A hot standby's output modes on the real frame clock: sACN below the show's priority with Art-Net
 * silent while it follows, then — with the look at rest, when the clock sends only a keep-alive a
 * second — the takeover's priority on the wire at once, not at the next keep-alive.
 */
import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { decodeSacn } from '../../../engine/core/dmx/sacn.js';
import type { UniverseOutput } from '../../../engine/core/show/schema.js';
import { FrameClock } from '../../../engine/io/frameClock/frameClock.js';

async function receiver(): Promise<{ port: number; packets: Array<{ at: number; kind: 'sacn' | 'artnet'; priority?: number; first?: number }>; close(): void }> {
  const socket = createSocket('udp4');
  const packets: Array<{ at: number; kind: 'sacn' | 'artnet'; priority?: number; first?: number }> = [];
  socket.on('message', (msg) => {
    if (msg.toString('latin1', 0, 8) === 'Art-Net\0') {
      packets.push({ at: performance.now(), kind: 'artnet' });
      return;
    }
    try {
      const p = decodeSacn(msg);
      if (p.kind === 'data') packets.push({ at: performance.now(), kind: 'sacn', priority: p.priority, first: p.data[0] });
    } catch {
      // not ours
    }
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  return { port: socket.address().port, packets, close: () => socket.close() };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('frame clock output modes (hot standby)', () => {
  it('starts with its initial look at the standby priority, Art-Net silent; a takeover at rest is on the wire at once', async () => {
    const rx = await receiver();
    const universes: UniverseOutput[] = [
      { id: 1, rateHz: 40, sendOnChange: true, keepAliveMs: 1000, driver: { kind: 'sacn', universe: 1, priority: 100, host: '127.0.0.1', port: rx.port, sourceName: 'Precue test' } },
      { id: 2, rateHz: 40, sendOnChange: true, keepAliveMs: 1000, driver: { kind: 'artnet', host: '127.0.0.1', port: rx.port, net: 0, subnet: 0, universe: 0 } },
    ];
    const look = new Uint8Array(512).fill(0);
    look[0] = 200;
    const clock = await FrameClock.start({ universes, initial: new Map([[1, look], [2, look]]), outputMode: { sacnPriority: { 1: 90 }, silenceNonSacn: true }, priority: 'normal' });
    try {
      await sleep(1500);
      const following = rx.packets.filter((p) => p.kind === 'sacn');
      expect(following.length).toBeGreaterThan(0);
      // The first packet already carries the initial look, at the standby's priority.
      expect(following[0]).toMatchObject({ priority: 90, first: 200 });
      expect(rx.packets.filter((p) => p.kind === 'artnet')).toEqual([]);
      // At rest now: take over and time the first packet at the new priority.
      const at = performance.now();
      clock.setOutputMode({ sacnPriority: { 1: 101 }, silenceNonSacn: false });
      await sleep(600);
      const first = rx.packets.find((p) => p.at > at && p.kind === 'sacn' && p.priority === 101);
      expect(first, 'no packet at the takeover priority within 600 ms').toBeDefined();
      const delayMs = first!.at - at;
      console.log(`takeover at rest: first sACN packet at priority 101 after ${delayMs.toFixed(1)} ms`);
      expect(delayMs).toBeLessThan(200);
      expect(rx.packets.some((p) => p.at > at && p.kind === 'artnet')).toBe(true);
    } finally {
      await clock.stop('clean');
      rx.close();
    }
  }, 20_000);
});
