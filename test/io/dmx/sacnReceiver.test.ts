import { firstValueFrom, filter, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { FrameClock } from '../../../engine/io/frameClock/frameClock.js';
import { SacnReceiver } from '../../../engine/io/dmx/sacnReceiver.js';
import { type UniverseOutput } from '../../../engine/core/show/schema.js';

const PORT = 25570;

describe('sACN multicast on loopback', () => {
  it('receives 45 universes over ⌈45/20⌉ = 3 sockets (Linux allows 20 memberships per socket), each packet once', async () => {
    const universes = Array.from({ length: 45 }, (_, i) => i + 1);
    const rx = new SacnReceiver({ universes, port: PORT, interfaceAddress: '127.0.0.1' });
    await rx.open();
    expect(rx.socketCount).toBe(3);
    const sendTo = [1, 20, 21, 45];
    const outputs: UniverseOutput[] = sendTo.map((u) => ({ id: u, rateHz: 10, sendOnChange: false, keepAliveMs: 1000, driver: { kind: 'sacn', universe: u, priority: 100, port: PORT, sourceName: 'Precue test' } }));
    const got = firstValueFrom(
      rx.packets$.pipe(
        filter((p) => p.packet.kind === 'data' && p.packet.data[0] === 99),
        take(12),
        toArray(),
      ),
    );
    const clock = await FrameClock.start({ universes: outputs, multicastInterface: '127.0.0.1' });
    try {
      for (const u of sendTo) clock.write(u, new Uint8Array(512).fill(99));
      const packets = await got;
      const perUniverse = new Map<number, number[]>();
      for (const p of packets) if (p.packet.kind === 'data') perUniverse.set(p.packet.universe, [...(perUniverse.get(p.packet.universe) ?? []), p.packet.sequence]);
      expect([...perUniverse.keys()].sort((a, b) => a - b)).toEqual(sendTo);
      // Delivered once each: no repeated sequence numbers within a universe.
      for (const seqs of perUniverse.values()) expect(new Set(seqs).size).toBe(seqs.length);
    } finally {
      await clock.stop('clean');
      await rx.close();
    }
  }, 20_000);
});
