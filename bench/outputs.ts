/**
 * How well does the frame clock keep time? For 1, 16, 64 and 256 Art-Net universes at 44 Hz, prints
 * the worker thread's CPU share and the p50/p99/max error of send times against the ideal 22.7 ms
 * grid, idle and with the main thread busy (a tight compute loop standing in for audio analysis and
 * model inference, writing a new look into every universe every 20 ms without ever yielding).
 *
 *   npx tsx bench/outputs.ts [seconds-per-phase=5] [realtime|nice|normal (thread priority, default realtime)]
 *
 * Packets go to 127.0.0.1:6454 over loopback (nobody needs to listen). Targets: 256 universes within
 * half a core, p99 ≤ 2 ms.
 *
 *   npx tsx bench/outputs.ts libraries
 *
 * measures why we do not send through dmx-ts's own drivers: sACN keep-alive and goodbye packets, and
 * Art-Net packets per update() (no rate cap).
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { FrameClock } from '../engine/io/frameClock/frameClock.js';
import { type FrameClockStats } from '../engine/io/frameClock/protocol.js';
import { type UniverseOutput } from '../engine/core/show/schema.js';

import dgram from 'node:dgram';
import { ArtnetDriver, SACNDriver } from 'dmx-ts';

async function librariesBench(): Promise<void> {
  const listen = async (port: number): Promise<{ count: () => number; close: () => void }> => {
    const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    let n = 0;
    s.on('message', () => n++);
    await new Promise<void>((r) => s.bind(port, '127.0.0.1', () => r()));
    return { count: () => n, close: () => s.close() };
  };
  const art = await listen(36454);
  const artnet = new ArtnetDriver('127.0.0.1', { port: 36454 });
  await artnet.init();
  const t0 = performance.now();
  for (let i = 0; i < 100; i++) {
    artnet.update({ 1: i });
    await sleep(1); // 100 updates within ~0.2 s, as an effect engine would call it
  }
  const updateMs = performance.now() - t0;
  await sleep(300);
  console.log(`dmx-ts Art-Net: 100 update() calls over ${updateMs.toFixed(0)} ms → ${art.count()} packets (a 44 Hz cap would send ${Math.ceil((updateMs / 1000) * 44) + 1})`);
  await artnet.close();
  art.close();

  const sacnRx = await listen(35568);
  const sacn = new SACNDriver(1, { reuseAddr: true, port: 35568, ip: '127.0.0.1' });
  sacn.update({ 1: 255 }, undefined);
  await sleep(3000);
  const static3s = sacnRx.count();
  sacn.close();
  await sleep(300);
  console.log(`dmx-ts sACN: one update() then a static look for 3 s → ${static3s} packet(s) (receivers time out after 2.5 s); close() added ${sacnRx.count() - static3s} stream-terminated packets (E1.31 wants 3)`);
  sacnRx.close();
}

const phaseSeconds = Number(process.argv[2] ?? 5);
const counts = [1, 16, 64, 256];
const priorityArg = process.argv[3] ?? 'realtime';
if (priorityArg !== 'realtime' && priorityArg !== 'nice' && priorityArg !== 'normal') throw new Error(`priority must be realtime, nice or normal, not '${priorityArg}'`);
const priority: 'realtime' | 'nice' | 'normal' = priorityArg;

function universes(n: number): UniverseOutput[] {
  return Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    rateHz: 44,
    sendOnChange: false,
    keepAliveMs: 1000,
    driver: { kind: 'artnet' as const, host: '127.0.0.1', port: 6454, net: (i >> 8) & 0x7f, subnet: (i >> 4) & 0x0f, universe: i & 0x0f },
  }));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

if (process.argv[2] === 'libraries') {
  await librariesBench();
  process.exit(0);
}


/** Burns the main thread like FFT + dense layers would, writing looks every 20 ms, never yielding. */
function busyMainThread(clock: FrameClock, ids: number[], ms: number): number {
  const end = performance.now() + ms;
  const look = new Uint8Array(512);
  const work = new Float32Array(4096);
  let nextWrite = performance.now();
  let x = 0;
  while (performance.now() < end) {
    for (let i = 0; i < work.length; i++) work[i] = Math.sin(i * 0.01 + x) * Math.cos(i * 0.003);
    for (let i = 0; i < work.length; i++) x += work[i]! * 1e-9;
    if (performance.now() >= nextWrite) {
      look.fill((look[0]! + 1) & 0xff);
      for (const id of ids) clock.write(id, look);
      nextWrite += 20;
    }
  }
  return x;
}

function row(n: number, phase: string, s: FrameClockStats): string {
  const cpu = s.cpuMs < 0 ? 'n/a' : `${((100 * s.cpuMs) / s.elapsedMs).toFixed(1)}%`;
  const rate = s.packets / n / (s.elapsedMs / 1000);
  return `| ${String(n).padStart(4)} | ${phase.padEnd(4)} | ${cpu.padStart(6)} | ${rate.toFixed(2).padStart(6)} | ${s.timing.p50Ms.toFixed(2).padStart(5)} | ${s.timing.p99Ms.toFixed(2).padStart(5)} | ${s.timing.maxMs.toFixed(2).padStart(6)} | ${String(s.overruns).padStart(3)} |`;
}

console.log(`frame clock: Art-Net to 127.0.0.1, 44 Hz (grid 22.73 ms), ${phaseSeconds} s per phase, thread priority ${priority}, node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log('| univ | main | worker CPU (% of a core) | Hz/universe | p50 ms | p99 ms | max ms | overruns |');
console.log('|------|------|-----|-----|-----|-----|-----|-----|');
for (const n of counts) {
  const clock = await FrameClock.start({ universes: universes(n), priority });
  const ids = clock.universeIds;
  await sleep(1000); // warm-up (JIT, socket buffers)
  await clock.stats({ reset: true });
  await sleep(phaseSeconds * 1000);
  const idle = await clock.stats({ reset: true });
  busyMainThread(clock, ids, phaseSeconds * 1000);
  const busy = await clock.stats({ reset: true });
  console.log(row(n, 'idle', idle));
  console.log(row(n, 'busy', busy));
  await clock.stop('hold');
}
