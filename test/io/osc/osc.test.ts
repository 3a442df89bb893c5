/**
 * OSC against liblo's tools: `oscdump` receives what a cue sends (types included), `oscsend` drives
 * GO and PANIC through the incoming control address space. Loopback only; skips without liblo-tools.
 */
import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { firstValueFrom, take, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { type ControlEvent } from '../../../engine/core/control.js';
import { Subject } from 'rxjs';
import { decodeOscPacket, encodeOscMessage } from '../../../engine/core/osc/packet.js';
import type { DeptState } from '../../../engine/core/protocol/state.js';
import { freeUdpPort } from '../dmx/tsharkCapture.js';
import { OscControlListener } from '../../../engine/io/osc/oscControlListener.js';
import { OscSender } from '../../../engine/io/osc/oscSender.js';

const has = (tool: string): boolean => spawnSync(tool, ['-h'], { timeout: 5000 }).error === undefined;
const hasOscdump = has('oscdump');
const hasOscsend = has('oscsend');
if (!hasOscdump || !hasOscsend) console.warn('skipping liblo interop tests: oscdump/oscsend missing (apt-get install liblo-tools)');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** liblo's `oscdump` listening on `port` (stopped after the test); `out()` is what it printed so far. */
async function oscdump(port: number): Promise<{ out: () => string }> {
  const dump = spawn('oscdump', ['-L', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  cleanups.push(() => void dump.kill());
  let out = '';
  dump.stdout.on('data', (b: Buffer) => (out += b.toString()));
  await sleep(400);
  return { out: () => out };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** A UDP OSC client on `address` that collects what comes back. */
async function oscClient(address: string): Promise<{ send: (port: number, path: string, ...args: (string | number)[]) => void; next: (path: string) => Promise<{ address: string; status: string; data: unknown }>; nextArgs: (path: string) => Promise<unknown[]>; received: string[]; close: () => Promise<void> }> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, address, () => r()));
  const inbox: { address: string; args: unknown[] }[] = [];
  const received: string[] = [];
  s.on('message', (m) => {
    for (const msg of decodeOscPacket(new Uint8Array(m))) {
      inbox.push({ address: msg.address, args: msg.args.map((a) => a.value) });
      received.push(msg.address);
    }
  });
  const take = async (path: string): Promise<unknown[]> => {
    for (let i = 0; i < 100; i++) {
      const at = inbox.findIndex((m) => m.address === path);
      if (at >= 0) return inbox.splice(at, 1)[0]!.args;
      await sleep(10);
    }
    throw new Error(`no ${path} within 1 s (got ${inbox.map((m) => m.address).join(', ') || 'nothing'})`);
  };
  return {
    send: (port, path, ...args) => s.send(encodeOscMessage({ address: path, args }), port, '127.0.0.1'),
    next: async (path) => JSON.parse((await take(path))[0] as string) as { address: string; status: string; data: unknown },
    nextArgs: take,
    received,
    close: () => new Promise<void>((r) => s.close(() => r())),
  };
}


describe.skipIf(!hasOscdump)('OSC out, as oscdump sees it', () => {
  it('receives messages and bundles with their type tags', async () => {
    const port = await freeUdpPort();
    const dump = await oscdump(port);
    const sender = new OscSender([{ id: 'resolume', host: '127.0.0.1', port }]);
    await sender.open();
    cleanups.push(() => sender.close());
    sender.send('resolume', { address: '/composition/layers/1/clips/2/connect', args: [1] });
    sender.send('resolume', { address: '/precue/test', args: [0.5, 'intro', true, false, { type: 'N' }, { type: 'f', value: 3 }] });
    sender.sendBundle('resolume', [{ address: '/layer/1/opacity', args: [0.25] }, { address: '/layer/2/opacity', args: [{ type: 'i', value: 0 }] }]);
    for (let i = 0; i < 40 && dump.out().split('\n').length < 5; i++) await sleep(50);
    // oscdump prints "<timetag> <address> <types> <values>"; bundle members share the bundle's timetag.
    const lines = dump.out().trim().split('\n').map((l) => l.trim().split(' ').slice(1).join(' '));
    expect(lines).toEqual([
      '/composition/layers/1/clips/2/connect i 1',
      '/precue/test fsTFNf 0.500000 "intro" #T #F Nil 3.000000',
      '/layer/1/opacity f 0.250000',
      '/layer/2/opacity i 0',
    ]);
    const stamps = dump.out().trim().split('\n').map((l) => l.split(' ')[0]);
    expect(stamps[2]).toBe(stamps[3]);
    expect(sender.stats).toMatchObject({ sent: 3, errors: 0 });
  });

  it('throws a clear error for an unknown target', async () => {
    const sender = new OscSender([]);
    await sender.open();
    cleanups.push(() => sender.close());
    expect(() => sender.send('nowhere', { address: '/x' })).toThrow(/unknown OSC target 'nowhere'/);
  });
});

describe('OSC control in', () => {
  it.skipIf(!hasOscsend)('oscsend drives GO, cue start and PANIC through the address space', async () => {
    const listener = new OscControlListener({ port: 0, host: '127.0.0.1', allow: ['127.0.0.1'] });
    await listener.open();
    cleanups.push(() => listener.close());
    const got = firstValueFrom(listener.commands$.pipe(take(4), toArray()));
    const send = (...args: string[]): void => {
      const r = spawnSync('oscsend', ['127.0.0.1', String(listener.port), ...args], { timeout: 5000 });
      expect(r.status).toBe(0);
    };
    send('/go');
    send('/go', 's', 'LX');
    send('/cue/12.5/start');
    send('/panic', 'i', '1500');
    const events: ControlEvent[] = await got;
    expect(events.map((e) => e.command)).toEqual([
      { type: 'go' },
      { type: 'go', dept: 'LX' },
      { type: 'cueStart', cue: '12.5' },
      { type: 'panic', fadeMs: 1500 },
    ]);
    expect(events[0]!.origin).toBe('osc');
    expect(events[0]!.from).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('counts and drops malformed packets, unknown addresses and refused senders', async () => {
    const listener = new OscControlListener({ port: 0, host: '127.0.0.1' });
    await listener.open();
    cleanups.push(() => listener.close());
    const s = dgram.createSocket('udp4');
    cleanups.push(() => new Promise<void>((r) => s.close(() => r())));
    const send = (b: Uint8Array): Promise<void> => new Promise((r) => s.send(b, listener.port, '127.0.0.1', () => r()));
    const got = firstValueFrom(listener.commands$.pipe(take(1)));
    await send(Uint8Array.of(1, 2, 3));
    await send(new TextEncoder().encode('/go\0,zz\0'));
    await send(encodeOscMessage({ address: '/explode' }));
    await send(encodeOscMessage({ address: '/precue/mode/LX', args: ['auto'] }));
    expect((await got).command).toEqual({ type: 'setMode', dept: 'LX', mode: 'auto' });
    expect(listener.stats).toMatchObject({ packets: 4, commands: 1, malformed: 2, unknown: 1 });

    const strict = new OscControlListener({ port: 0, host: '127.0.0.1', allow: ['10.0.0.9'] });
    await strict.open();
    cleanups.push(() => strict.close());
    await new Promise<void>((r) => s.send(encodeOscMessage({ address: '/go' }), strict.port, '127.0.0.1', () => r()));
    for (let i = 0; i < 20 && strict.stats.refused === 0; i++) await sleep(20);
    expect(strict.stats).toMatchObject({ refused: 1, commands: 0 });
  });

  it('answers every message on /reply/<address>, checks commands against the state, and sends updates to subscribers', async () => {
    const listener = new OscControlListener({ port: 0, host: '127.0.0.1' });
    await listener.open();
    cleanups.push(() => listener.close());
    let standby: string | null = '2';
    const changes = new Subject<void>();
    const depts = (): DeptState[] => [{ id: 'LX', label: 'LX', mode: 'assist', confidenceThreshold: 0.8, cues: [{ number: '1' }, { number: '2' }], current: '1', standby, next: null, held: false, panicked: false, fadeProgress: null, lockoutUntilMs: null, prediction: null }];
    listener.serve({ state: () => ({ depts: depts(), panic: false, safety: { grandMaster: 1, blackout: false }, version: 'test' }), changes$: changes });
    const commands: ControlEvent[] = [];
    listener.commands$.subscribe((e) => commands.push(e));
    const client = await oscClient('127.0.0.1');
    cleanups.push(client.close);
    client.send(listener.port, '/go');
    expect(await client.next('/reply/go')).toEqual({ address: '/go', status: 'ok', data: { dept: 'LX', cue: '2' } });
    client.send(listener.port, '/cue/9/start');
    expect(await client.next('/reply/cue/9/start')).toEqual({ address: '/cue/9/start', status: 'error', data: 'LX has no cue 9' });
    client.send(listener.port, '/fly');
    expect((await client.next('/reply/fly')).status).toBe('error');
    expect(commands.map((c) => c.command)).toEqual([{ type: 'go', dept: 'LX' }]);
    client.send(listener.port, '/updates', 1);
    expect((await client.next('/reply/updates')).data).toBe(1);
    expect(await client.nextArgs('/update/dept/LX/playbackPosition')).toEqual(['2']);
    standby = null;
    changes.next();
    expect(await client.nextArgs('/update/dept/LX/playbackPosition')).toEqual(['']);
    expect(listener.subscriberCount).toBe(1);
    await listener.close();
    expect(await client.nextArgs('/update/disconnect')).toEqual([]);
  });

  it('takes commands only from allowed addresses and ranges, logging the refusals; a passcode needs /connect', async () => {
    const warnings: string[] = [];
    const log = { debug: () => undefined, info: () => undefined, warn: (m: string) => warnings.push(m), error: (m: string) => warnings.push(m), enabled: () => true };
    const listener = new OscControlListener({ port: 0, host: '0.0.0.0', allow: ['127.0.0.0/30'], passcode: 'opensesame' }, log);
    await listener.open();
    cleanups.push(() => listener.close());
    listener.serve({ state: () => ({ depts: [], panic: false, safety: { grandMaster: 1, blackout: false }, version: 'test' }) });
    const commands: ControlEvent[] = [];
    listener.commands$.subscribe((e) => commands.push(e));
    const outsider = await oscClient('127.0.0.9');
    cleanups.push(outsider.close);
    outsider.send(listener.port, '/panic');
    outsider.send(listener.port, '/panic');
    for (let i = 0; i < 50 && listener.stats.refused < 2; i++) await sleep(10);
    expect(listener.stats.refused).toBe(2);
    expect(warnings.filter((w) => /127\.0\.0\.9:\d+ is not in inputs\.osc\.allow/.test(w))).toHaveLength(1); // once a minute per source
    expect(outsider.received).toEqual([]); // never answered

    const insider = await oscClient('127.0.0.1');
    cleanups.push(insider.close);
    insider.send(listener.port, '/panic');
    expect(await insider.next('/reply/panic')).toMatchObject({ status: 'denied' });
    insider.send(listener.port, '/connect', 'guess');
    expect(await insider.next('/reply/connect')).toMatchObject({ status: 'denied', data: 'badpass' });
    insider.send(listener.port, '/connect', 'opensesame');
    expect(await insider.next('/reply/connect')).toMatchObject({ status: 'ok', data: 'ok' });
    insider.send(listener.port, '/panic', 250);
    expect(await insider.next('/reply/panic')).toMatchObject({ status: 'ok', data: { fadeMs: 250 } });
    expect(commands.map((c) => c.command)).toEqual([{ type: 'panic', fadeMs: 250 }]);
    expect(listener.stats).toMatchObject({ refused: 2, denied: 2 });
    expect(() => new OscControlListener({ port: 0, host: '127.0.0.1', allow: ['10.0.0.0/40'] })).toThrow(/prefix \/40/);
    expect(() => new OscControlListener({ port: 0, host: '127.0.0.1', allow: ['venue-desk'] })).toThrow(/not an IP address/);
  });

  it.skipIf(!hasOscsend || !hasOscdump)('oscsend commands, oscdump reads the replies on the reply port', async () => {
    const replyPort = await freeUdpPort();
    const dump = await oscdump(replyPort);
    const listener = new OscControlListener({ port: 0, host: '127.0.0.1', replyPort });
    await listener.open();
    cleanups.push(() => listener.close());
    listener.serve({ state: () => ({ depts: [], panic: false, safety: { grandMaster: 0.5, blackout: true }, version: 'test' }) });
    for (const args of [['/gm'], ['/blackout']]) expect(spawnSync('oscsend', ['127.0.0.1', String(listener.port), ...args], { timeout: 5000 }).status).toBe(0);
    for (let i = 0; i < 50 && dump.out().trim().split('\n').length < 2; i++) await sleep(20);
    const lines = dump.out().trim().split('\n').map((l) => l.trim().split(' ').slice(1).join(' '));
    expect(lines).toEqual(['/reply/gm s "{"address":"/gm","status":"ok","data":0.5}"', '/reply/blackout s "{"address":"/blackout","status":"ok","data":1}"']);
  });

  it('names the port when it cannot listen', async () => {
    const a = new OscControlListener({ port: 0, host: '127.0.0.1' });
    await a.open();
    cleanups.push(() => a.close());
    const b = new OscControlListener({ port: a.port, host: '127.0.0.1' });
    await expect(b.open()).rejects.toThrow(new RegExp(`osc in 127.0.0.1:${a.port}`));
  });
});
