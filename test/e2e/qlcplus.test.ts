/**
 * QLC+ as the receiver: it reads our Art-Net and our sACN (input patches) and passes what it read
 * through to its own E1.31 output, which this test receives; every channel must equal what the engine
 * sent. The engine runs a small show (RGBW pars on an Art-Net and an sACN universe) and a cue is fired
 * over OSC. QLC+ 4.12 runs headless (QT_QPA_PLATFORM=offscreen).
 *
 * QLC+ ignores Art-Net from its own address, and on loopback that is 127.0.0.1: so its Art-Net input
 * listens on this machine's external address and the show sends there from interface `lo` — which
 * also exercises per-output interface selection. Skips without qlcplus or an external IPv4 address.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeOscMessage } from '../../engine/core/osc/packet.js';
import { freeUdpPort } from '../io/dmx/tsharkCapture.js';
import { SacnReceiver } from '../../engine/io/dmx/sacnReceiver.js';
import { startEngine, type RunningEngine } from '../../engine/main.js';

const root = resolve(import.meta.dirname, '../..');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const external = Object.values(networkInterfaces()).flat().find((i) => i?.family === 'IPv4' && !i.internal)?.address;
const hasQlc = spawnSync('qlcplus', ['--version'], { env: { ...process.env, QT_QPA_PLATFORM: 'offscreen' }, timeout: 15_000 }).error === undefined;
const skip = !hasQlc ? 'qlcplus is not installed (apt-get install qlcplus)' : external === undefined ? 'no external IPv4 address for QLC+ to receive Art-Net on' : undefined;
if (skip !== undefined) console.warn(`skipping QLC+ receiver test: ${skip}`);


/** QLC+'s Art-Net and E1.31 lines are its IPv4 addresses in string order. */
function qlcLine(address: string): number {
  const all = [...new Set(Object.values(networkInterfaces()).flat().filter((i) => i?.family === 'IPv4').map((i) => i.address))].sort();
  return all.indexOf(address);
}

function workspace(sacnIn: number, sacnOut: number): string {
  const ext = external!;
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE Workspace>
<Workspace xmlns="http://www.qlcplus.org/Workspace" CurrentWindow="FixtureManager">
 <Creator><Name>Q Light Controller Plus</Name><Version>4.12.6</Version><Author>Precue test</Author></Creator>
 <Engine>
  <InputOutputMap>
   <Universe Name="From Precue Art-Net" ID="0" Passthrough="True">
    <Input Plugin="ArtNet" UID="${ext}" Line="${qlcLine(ext)}"><PluginParameters inputUni="18"/></Input>
    <Output Plugin="E1.31" UID="127.0.0.1" Line="${qlcLine('127.0.0.1')}"><PluginParameters multicast="0" ucastIP="127.0.0.1" ucastPort="${sacnOut}" universe="1"/></Output>
   </Universe>
   <Universe Name="From Precue sACN" ID="1" Passthrough="True">
    <Input Plugin="E1.31" UID="127.0.0.1" Line="${qlcLine('127.0.0.1')}"><PluginParameters multicast="0" ucastPort="${sacnIn}" universe="7"/></Input>
    <Output Plugin="E1.31" UID="127.0.0.1" Line="${qlcLine('127.0.0.1')}"><PluginParameters multicast="0" ucastIP="127.0.0.1" ucastPort="${sacnOut}" universe="2"/></Output>
   </Universe>
  </InputOutputMap>
 </Engine>
</Workspace>
`;
}

const dir = mkdtempSync(join(tmpdir(), 'precue-qlc-'));
let engine: RunningEngine | undefined;
let qlc: ChildProcess | undefined;
afterAll(async () => {
  qlc?.kill('SIGTERM');
  await engine?.stop('clean');
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(skip !== undefined)('QLC+ receiving our output', () => {
  it('reads every channel of our Art-Net and our sACN universe as we send them', async () => {
    const [sacnIn, sacnOut, discovery] = [await freeUdpPort(), await freeUdpPort(), await freeUdpPort()];
    const showDir = join(dir, 'show');
    mkdirSync(showDir);
    const par = (id: string, universe: number, address: number) => ({ id, type: 'generic/rgbw-par', mode: '8-channel', universe, address });
    writeFileSync(
      join(showDir, 'show.json'),
      JSON.stringify({
        version: 1,
        name: 'QLC+ receiver test',
        fixtures: [par('p1', 1, 1), par('p2', 1, 9), par('p3', 1, 505), par('p4', 2, 1), par('p5', 2, 300)],
        outputs: {
          universes: [
            { id: 1, driver: { kind: 'artnet', host: external, port: 6454, net: 0, subnet: 1, universe: 2, interface: 'lo' } },
            { id: 2, driver: { kind: 'sacn', universe: 7, host: '127.0.0.1', port: sacnIn } },
          ],
        },
        inputs: { osc: {} },
        departments: [
          {
            id: 'LX',
            mode: 'manual',
            cues: [
              { number: '1', levels: { p1: { intensity: 1, color: '#ff8000' }, p2: { intensity: 0.2, color: '#2040c0' }, p3: { intensity: 0.7, color: '#ffffff' }, p4: { intensity: 0.5, color: '#00ff7f' }, p5: { intensity: 1, color: '#123456' } } },
            ],
          },
        ],
      }),
    );
    engine = await startEngine({ showDir, fixturesDir: join(root, 'fixtures'), console: null, audio: false, model: false, oscInPort: 0, artnetDiscoveryPort: discovery });
    expect(engine.banner.join('\n')).toMatch(new RegExp(`DMX universe 1: Art-Net to ${external!.replace(/\./g, '\\.')}:6454`));
    const oscPort = Number(/OSC control in: 127\.0\.0\.1:(\d+)/.exec(engine.banner.join('\n'))![1]);
    const osc = dgram.createSocket('udp4');
    osc.send(encodeOscMessage({ address: '/cue/1/start' }), oscPort, '127.0.0.1');
    await sleep(300);
    osc.close();
    const sent1 = engine.pipeline.outputs.get(1)!.slice();
    const sent2 = engine.pipeline.outputs.get(2)!.slice();
    expect(sent1.filter((v) => v > 0).length).toBeGreaterThan(10); // the cue is up

    const rx = new SacnReceiver({ universes: [1, 2], port: sacnOut, interfaceAddress: '127.0.0.1' });
    await rx.open();
    const last = new Map<number, Uint8Array>();
    rx.packets$.subscribe((p) => {
      if (p.packet.kind === 'data') last.set(p.packet.universe, p.packet.data);
    });
    writeFileSync(join(dir, 'receiver.qxw'), workspace(sacnIn, sacnOut));
    let log = '';
    qlc = spawn('qlcplus', ['-o', join(dir, 'receiver.qxw')], { env: { ...process.env, QT_QPA_PLATFORM: 'offscreen', HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
    qlc.stdout!.on('data', (b: Buffer) => (log += b.toString()));
    qlc.stderr!.on('data', (b: Buffer) => (log += b.toString()));
    const same = (u: number, sent: Uint8Array): boolean => {
      const got = last.get(u);
      return got !== undefined && got.length >= 512 && got.subarray(0, 512).every((v, i) => v === sent[i]);
    };
    const t0 = Date.now();
    while (Date.now() - t0 < 15_000 && !(same(1, sent1) && same(2, sent2))) await sleep(100);
    await rx.close();
    expect(last.has(1), `QLC+ sent nothing back; its log:\n${log.slice(-2000)}`).toBe(true);
    const diff = (u: number, sent: Uint8Array): string[] => [...sent].flatMap((v, i) => (last.get(u)?.[i] === v ? [] : [`universe ${u} channel ${i + 1}: sent ${v}, QLC+ read ${last.get(u)?.[i]}`]));
    expect([...diff(1, sent1), ...diff(2, sent2)]).toEqual([]);
  }, 60_000);
});
