/**
 * Our Art-Net and E1.31 traffic as Wireshark's dissectors (tshark) decode it: universe, sequence,
 * priority, the stream-terminated goodbye and the channel values we set, and the frame rate per
 * universe measured from capture timestamps. Loopback only; skips when tshark cannot capture on lo.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCapture, tsharkCanCapture } from './tsharkCapture.js';
import { FrameClock } from '../../../engine/io/frameClock/frameClock.js';
import { type UniverseOutput } from '../../../engine/core/show/schema.js';

const skipReason = tsharkCanCapture();
if (skipReason !== undefined) console.warn(`skipping tshark capture tests: ${skipReason}`);

// Uncommon ports so other Art-Net/sACN traffic on this machine does not mix in; decoded with -d / heuristics.
const ARTNET_PORT = 26454;
const SACN_PORT = 25568;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const universes: UniverseOutput[] = [
  { id: 1, rateHz: 44, sendOnChange: false, keepAliveMs: 1000, driver: { kind: 'artnet', host: '127.0.0.1', port: ARTNET_PORT, net: 0, subnet: 1, universe: 2 } },
  { id: 2, rateHz: 30, sendOnChange: false, keepAliveMs: 1000, driver: { kind: 'sacn', universe: 7, priority: 150, host: '127.0.0.1', port: SACN_PORT, sourceName: 'Precue test', syncUniverse: 9 } },
  { id: 3, rateHz: 40, sendOnChange: true, keepAliveMs: 250, driver: { kind: 'sacn', universe: 300, priority: 100, host: '127.0.0.1', port: SACN_PORT, sourceName: 'Precue test' } },
];

interface Capture {
  /** Raw E1.31 synchronisation packets (Wireshark's ACN dissector predates them: shown as data). */
  sync: { t: number; bytes: number[] }[];
  artnet: { t: number; universe: number; sequence: number; data: number[] }[];
  sacn: { t: number; universe: number; sequence: number; priority: number; terminated: boolean; data: number[] }[];
}

const dir = mkdtempSync(join(tmpdir(), 'precue-tshark-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function captureRun(): Promise<Capture> {
  const pcap = join(dir, 'out.pcap');
  const tshark = await startCapture(`udp port ${ARTNET_PORT} or udp port ${SACN_PORT}`, pcap, 20);
  await sleep(300);
  const clock = await FrameClock.start({ universes });
  const look = new Uint8Array(512);
  look[0] = 255;
  look[9] = 42;
  look[511] = 7;
  clock.write(1, look);
  clock.write(2, look);
  await sleep(1000);
  const second = look.slice();
  second[1] = 128;
  clock.write(3, second); // send-on-change universe: the change and three repeats, then keep-alives every 250 ms
  await sleep(2000);
  await clock.stop('clean');
  await sleep(300);
  const exited = new Promise((r) => tshark.once('exit', r));
  tshark.kill('SIGINT');
  await exited;

  const art = spawnSync('tshark', ['-r', pcap, '-d', `udp.port==${ARTNET_PORT},artnet`, '-Y', 'artnet.output', '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'artnet.output.universe', '-e', 'artnet.output.sequence', '-e', 'dmx_chan.data_filter'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const acn = spawnSync('tshark', ['-r', pcap, '--enable-heuristic', 'acn', '-o', 'acn.dmx_enable:TRUE', '-o', 'acn.dmx_display_view:Decimal', '-o', 'acn.dmx_display_zeros:TRUE', '-Y', 'acn.dmx.universe', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=;', '-e', 'frame.time_epoch', '-e', 'acn.dmx.universe', '-e', 'acn.dmx.seq_number', '-e', 'acn.dmx.priority', '-e', 'acn.dmx.option_s', '-e', 'acn.dmx.data'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const sync = spawnSync('tshark', ['-r', pcap, '-Y', `udp.dstport == ${SACN_PORT} && udp.length == 57`, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'data.data'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const lines = (s: string): string[][] => s.split('\n').filter((l) => l.trim() !== '').map((l) => l.split('\t'));
  return {
    sync: lines(sync.stdout).map(([t, hex]) => ({ t: Number(t), bytes: (hex ?? '').replace(/:/g, '').match(/../g)!.map((h) => parseInt(h, 16)) })),
    artnet: lines(art.stdout).map(([t, u, seq, hex]) => ({ t: Number(t), universe: Number(u), sequence: Number(seq), data: (hex ?? '').match(/../g)!.map((h) => parseInt(h, 16)) })),
    sacn: lines(acn.stdout).map(([t, u, seq, prio, term, data]) => ({
      t: Number(t),
      universe: Number(u),
      sequence: Number(seq),
      priority: Number(prio),
      terminated: term === '1' || term === 'True',
      // Occurrences: a header row, then "001-020: v v … | v v …" rows.
      data: (data ?? '').split(';').filter((row) => row.includes(':')).flatMap((row) => row.slice(row.indexOf(':') + 1).replace(/\|/g, ' ').trim().split(/\s+/).map(Number)),
    })),
  };
}

function rateHz(ts: number[]): number {
  return (ts.length - 1) / (ts[ts.length - 1]! - ts[0]!);
}

describe.skipIf(skipReason !== undefined)('Art-Net and sACN on the wire (tshark dissectors)', () => {
  let cap: Capture;
  beforeAll(async () => {
    cap = await captureRun();
  }, 40_000);

  it('captures our traffic', () => {
    expect(cap.artnet.length).toBeGreaterThan(50);
    expect(cap.sacn.length).toBeGreaterThan(50);
  });

  it('Art-Net: port-address, sequence 1..255 in order, channel values, 44 Hz', () => {
    expect(new Set(cap.artnet.map((p) => p.universe))).toEqual(new Set([0x12]));
    for (let i = 1; i < cap.artnet.length; i++) expect(cap.artnet[i]!.sequence).toBe(cap.artnet[i - 1]!.sequence === 255 ? 1 : cap.artnet[i - 1]!.sequence + 1);
    const last = cap.artnet[cap.artnet.length - 1]!;
    expect([last.data.length, last.data[0], last.data[9], last.data[511]]).toEqual([512, 255, 42, 7]);
    expect(rateHz(cap.artnet.map((p) => p.t))).toBeCloseTo(44, 0);
  });

  it('sACN: universe, priority, sequence, channel values and 30 Hz', () => {
    const u7 = cap.sacn.filter((p) => p.universe === 7 && !p.terminated);
    expect(new Set(u7.map((p) => p.priority))).toEqual(new Set([150]));
    for (let i = 1; i < u7.length; i++) expect(u7[i]!.sequence).toBe((u7[i - 1]!.sequence + 1) & 0xff);
    const last = u7[u7.length - 1]!;
    expect([last.data.length, last.data[0], last.data[9], last.data[511]]).toEqual([512, 255, 42, 7]);
    expect(Math.abs(rateHz(u7.map((p) => p.t)) - 30)).toBeLessThan(0.5);
  });

  it('sACN send-on-change: the change and three repeats at the frame rate, then keep-alives every 250 ms', () => {
    const u300 = cap.sacn.filter((p) => p.universe === 300 && !p.terminated);
    const withChange = u300.filter((p) => p.data[1] === 128);
    expect(withChange.length).toBeGreaterThan(6);
    const gaps = withChange.slice(1).map((p, i) => p.t - withChange[i]!.t);
    for (const g of gaps.slice(0, 3)) expect(g).toBeCloseTo(0.025, 2); // 40 Hz
    for (const g of gaps.slice(3)) expect(g).toBeGreaterThan(0.22);
    for (const g of gaps.slice(3)) expect(g).toBeLessThan(0.3);
  });

  it('sACN sync: a 49-byte synchronisation packet for sync universe 9 follows each frame of universe 7', () => {
    const u7 = cap.sacn.filter((p) => p.universe === 7 && !p.terminated);
    expect(Math.abs(cap.sync.length - u7.length)).toBeLessThanOrEqual(1);
    const s = cap.sync[0]!.bytes;
    expect(s.length).toBe(49);
    expect(s.slice(18, 22)).toEqual([0, 0, 0, 8]); // VECTOR_ROOT_E131_EXTENDED
    expect(s.slice(40, 44)).toEqual([0, 0, 0, 1]); // VECTOR_E131_EXTENDED_SYNCHRONIZATION
    expect(s.slice(45, 47)).toEqual([0, 9]);
    const seqs = cap.sync.map((x) => x.bytes[44]!);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe((seqs[i - 1]! + 1) & 0xff);
  });

  it('a clean stop sends three stream-terminated packets per sACN universe', () => {
    for (const u of [7, 300]) {
      const term = cap.sacn.filter((p) => p.universe === u && p.terminated);
      expect(term.length).toBe(3);
      expect(term[0]!.data[0]).toBe(255); // the last look, not a blackout
    }
  });
});
