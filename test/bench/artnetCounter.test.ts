/**
 * The soak's Art-Net counter in `movingOnly` mode: gaps count only while a look moves, also after a
 * fresh start (the soak restarts the count after its own forced collections), so a sender at rest
 * (keep-alives a second apart) never reads as a one-second stall.
 */
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { ArtnetCounter } from '../../bench/lib/artnetCounter.js';
import { freePort } from '../../bench/lib/processes.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function artDmx(universe: number, level: number): Buffer {
  const b = Buffer.alloc(18 + 512);
  b.write('Art-Net\0', 0, 'latin1');
  b[9] = 0x50;
  b[14] = universe;
  b[18] = level;
  return b;
}

describe('ArtnetCounter movingOnly', () => {
  const sender = createSocket('udp4');
  let counter: ArtnetCounter | undefined;
  afterEach(async () => {
    await counter?.close();
    sender.close();
  });

  it('does not count the keep-alive gap after a fresh start at rest, and counts gaps once the look moves', async () => {
    const port = await freePort('udp');
    counter = await ArtnetCounter.start('127.0.0.1', port, { movingOnly: true });
    const send = (level: number): void => sender.send(artDmx(0, level), port, '127.0.0.1');
    // At rest: the same look twice, then a fresh start, then keep-alives 400 ms apart.
    send(7);
    await sleep(30);
    send(7);
    await sleep(30);
    counter.reset(true);
    for (let i = 0; i < 3; i++) {
      send(7);
      await sleep(400);
    }
    expect((await counter.report()).gapMaxMs).toBe(0);
    // Moving: new looks 20 ms apart, then one 150 ms stall while still moving.
    for (let level = 10; level < 20; level++) {
      send(level);
      await sleep(20);
    }
    await sleep(130);
    send(99);
    await sleep(20);
    const r = await counter.report();
    expect(r.gapMaxMs).toBeGreaterThan(140);
    expect(r.gapMaxMs).toBeLessThan(600);
  });
});
