/**
 * Art-Net 4 and E1.31 as receivers expect them, judged by Wireshark's dissectors (tshark) on loopback:
 * `precue run` of a show with two synchronised Art-Net universes and one unicast sACN universe,
 * started twice. An ArtPoll gets a valid ArtPollReply naming us and our Port-Addresses; ArtSync follows
 * the frames; sACN carries the same CID in both runs and announces its universes (discovery).
 * Skips when tshark cannot capture on lo.
 */
import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeArtnet, encodeArtPoll } from '../../engine/core/dmx/artnet.js';
import { decodeSacn } from '../../engine/core/dmx/sacn.js';
import { freeUdpPort, startCapture, tsharkCanCapture } from '../io/dmx/tsharkCapture.js';

const root = resolve(import.meta.dirname, '../..');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const skipReason = tsharkCanCapture();
if (skipReason !== undefined) console.warn(`skipping Art-Net/sACN discovery capture: ${skipReason}`);


const dir = mkdtempSync(join(tmpdir(), 'precue-discovery-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  readonly startedAt: number;
  readonly pollReplies: ReturnType<typeof decodeArtnet>[];
}

async function runEngine(showDir: string, discoveryPort: number, poll: boolean): Promise<Run> {
  const startedAt = Date.now() / 1000;
  const child = spawn(process.execPath, ['bin/precue.js', 'run', showDir, '--no-console', '--no-audio', '--no-model', '--artnet-discovery-port', String(discoveryPort)], { cwd: root });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const pollReplies: ReturnType<typeof decodeArtnet>[] = [];
  try {
    const t0 = Date.now();
    while (!out.includes('stop with Ctrl-C') && Date.now() - t0 < 20_000 && child.exitCode === null) await sleep(50);
    expect(out, err).toContain(`Art-Net discovery: answering ArtPoll on UDP ${discoveryPort} as 'Precue' (2 ports)`);
    expect(out).toMatch(/sACN source CID [0-9a-f-]{36} \(this show on this machine\), universe discovery every 10 s/);
    if (poll) {
      const poller = dgram.createSocket('udp4');
      await new Promise<void>((r) => poller.bind(0, '127.0.0.1', () => r()));
      poller.on('message', (m) => pollReplies.push(decodeArtnet(new Uint8Array(m))));
      poller.send(encodeArtPoll(), discoveryPort, '127.0.0.1');
      for (let i = 0; i < 100 && pollReplies.length === 0; i++) await sleep(10);
      await new Promise<void>((r) => poller.close(() => r()));
    }
    await sleep(800);
  } finally {
    child.kill('SIGTERM');
    expect(await Promise.race([exited, sleep(8000).then(() => 'timeout')])).toBe(0);
  }
  return { startedAt, pollReplies };
}

interface Captured {
  runs: Run[];
  replyFields: string[][];
  malformed: number;
  artSyncTimes: number[];
  artDmxTimes: number[];
  sacn: { t: number; packet: ReturnType<typeof decodeSacn> }[];
}

describe.skipIf(skipReason !== undefined)('Art-Net and sACN discovery on the wire (tshark)', () => {
  let cap: Captured;
  beforeAll(async () => {
    const [artnetPort, sacnPort, discoveryPort] = [await freeUdpPort(), await freeUdpPort(), await freeUdpPort()];
    const showDir = join(dir, 'show');
    rmSync(showDir, { recursive: true, force: true });
    spawnSync('mkdir', ['-p', showDir]);
    writeFileSync(
      join(showDir, 'show.json'),
      JSON.stringify({
        version: 1,
        name: 'Discovery test',
        outputs: {
          universes: [
            // Streamed (not only on change), so there is a frame to follow with ArtSync every 1/44 s.
            { id: 1, sendOnChange: false, driver: { kind: 'artnet', host: '127.0.0.1', port: artnetPort, net: 0, subnet: 1, universe: 2, sync: true } },
            { id: 2, sendOnChange: false, driver: { kind: 'artnet', host: '127.0.0.1', port: artnetPort, net: 0, subnet: 1, universe: 3, sync: true } },
            { id: 3, rateHz: 20, driver: { kind: 'sacn', universe: 7, host: '127.0.0.1', port: sacnPort, sourceName: 'Precue discovery test' } },
          ],
        },
        departments: [{ id: 'LX', cues: [{ number: '1' }] }],
      }),
    );
    const pcap = join(dir, 'discovery.pcap');
    const tshark = await startCapture(`udp port ${artnetPort} or udp port ${sacnPort} or udp port ${discoveryPort}`, pcap, 40);
    await sleep(300);
    const runs = [await runEngine(showDir, discoveryPort, true), await runEngine(showDir, discoveryPort, false)];
    await sleep(300);
    const done = new Promise((r) => tshark.once('exit', r));
    tshark.kill('SIGINT');
    await done;
    const read = (args: string[]): string[][] => {
      const r = spawnSync('tshark', ['-r', pcap, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
      expect(r.status, r.stderr).toBe(0); // a filter tshark cannot parse must not pass as "nothing found"
      return r.stdout.split('\n').filter((l) => l.trim() !== '').map((l) => l.split('\t'));
    };
    const artnet = ['-d', `udp.port==${artnetPort},artnet`, '-d', `udp.port==${discoveryPort},artnet`];
    cap = {
      runs,
      replyFields: read([...artnet, '-Y', 'artnet.poll_reply', '-T', 'fields', '-e', 'artnet.poll_reply.short_name', '-e', 'artnet.poll_reply.long_name', '-e', 'artnet.poll_reply.num_ports', '-e', 'artnet.poll_reply.swin_1_universe', '-e', 'artnet.poll_reply.swin_2_universe', '-e', 'artnet.poll_reply.style', '-e', 'artnet.poll_reply.ip_address', '-e', 'artnet.poll_reply.port_nr', '-e', 'artnet.poll_reply.node_report']),
      malformed: read([...artnet, '-Y', '_ws.malformed || _ws.expert.severity >= "warning"', '-T', 'fields', '-e', 'frame.number']).length,
      artSyncTimes: read([...artnet, '-Y', 'artnet.header.opcode == 0x5200', '-T', 'fields', '-e', 'frame.time_epoch']).map(([t]) => Number(t)),
      artDmxTimes: read([...artnet, '-Y', 'artnet.output', '-T', 'fields', '-e', 'frame.time_epoch']).map(([t]) => Number(t)),
      sacn: read(['-Y', `udp.dstport == ${sacnPort}`, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'udp.payload']).map(([t, hex]) => ({ t: Number(t), packet: decodeSacn(Uint8Array.from(Buffer.from((hex ?? '').replace(/:/g, ''), 'hex'))) })),
    };
  }, 90_000);

  it('answers an ArtPoll with an ArtPollReply Wireshark decodes cleanly: our names, Port-Addresses and style', () => {
    expect(cap.runs[0]!.pollReplies).toMatchObject([{ op: 'pollReply', shortName: 'Precue', longName: 'Precue - Discovery test', ip: '127.0.0.1', bindIndex: 1, style: 1 }]);
    expect(cap.replyFields).toHaveLength(1);
    const [short, long, ports, u1, u2, style, ip, port, report] = cap.replyFields[0]!;
    expect({ short, long, ports, u1, u2, ip, port }).toEqual({ short: 'Precue', long: 'Precue - Discovery test', ports: '2', u1: '18', u2: '19', ip: '127.0.0.1', port: '6454' });
    expect(Number(style)).toBe(1); // StController
    expect(report).toMatch(/^#0001 \[0001\] 2 universes sending$/);
    expect(cap.malformed).toBe(0);
  });

  it('follows the synchronised Art-Net frames with ArtSync, one per frame', () => {
    const frames = cap.artDmxTimes.length / 2; // two universes per frame
    expect(frames).toBeGreaterThan(40);
    expect(Math.abs(cap.artSyncTimes.length - frames) / frames).toBeLessThan(0.05);
  });

  it('sends sACN with the same CID after a restart, and announces its universes', () => {
    const data = cap.sacn.filter((p) => p.packet.kind === 'data');
    const second = cap.runs[1]!.startedAt;
    const before = new Set(data.filter((p) => p.t < second).map((p) => Buffer.from(p.packet.cid).toString('hex')));
    const after = new Set(data.filter((p) => p.t >= second).map((p) => Buffer.from(p.packet.cid).toString('hex')));
    expect(before.size).toBe(1);
    expect(after).toEqual(before);
    const discovery = cap.sacn.filter((p) => p.packet.kind === 'discovery').map((p) => p.packet);
    expect(discovery.length).toBe(2); // one at each start (then every 10 s)
    expect(discovery[0]).toMatchObject({ kind: 'discovery', sourceName: 'Precue discovery test', page: 0, lastPage: 0, universes: [7] });
    expect(Buffer.from(discovery[1]!.cid).toString('hex')).toBe([...before][0]);
  });
});
