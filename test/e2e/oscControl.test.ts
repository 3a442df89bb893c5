/**
 * The OSC dictionary end to end, as a Companion button or a QLab network cue would use it: `precue run
 * shows/demo` (no audio, no model: only the operator moves the stacks), a UDP OSC client sends every
 * address of the dictionary and checks each reply; `/updates 1` brings the changes; a sender outside
 * `inputs.osc.allow` is refused, logged and never answered.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import dgram from 'node:dgram';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OSC_DICTIONARY } from '../../engine/core/osc/dictionary.js';
import { decodeOscPacket, encodeOscMessage, type OscArg } from '../../engine/core/osc/packet.js';

const root = resolve(import.meta.dirname, '../..');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Client {
  readonly port: number;
  send(path: string, ...args: OscArg[]): void;
  /** The next message at `path` (waits up to 2 s). */
  take(path: string): Promise<unknown[]>;
  /** Waits (up to 2 s) for an update at `path` carrying `value`; earlier updates at `path` are skipped. */
  update(path: string, value: unknown): Promise<void>;
  readonly inbox: { address: string; args: unknown[] }[];
  close(): Promise<void>;
}

async function client(bindAddress: string, enginePort: () => number): Promise<Client> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, bindAddress, () => r()));
  const inbox: { address: string; args: unknown[] }[] = [];
  s.on('message', (m) => {
    for (const msg of decodeOscPacket(new Uint8Array(m))) inbox.push({ address: msg.address, args: msg.args.map((a) => a.value) });
  });
  return {
    port: s.address().port,
    inbox,
    send: (path, ...args) => s.send(encodeOscMessage({ address: path, args }), enginePort(), '127.0.0.1'),
    async take(path) {
      for (let i = 0; i < 200; i++) {
        const at = inbox.findIndex((m) => m.address === path);
        if (at >= 0) return inbox.splice(at, 1)[0]!.args;
        await sleep(10);
      }
      throw new Error(`no ${path} within 2 s (inbox: ${inbox.map((m) => m.address).join(', ') || 'empty'})`);
    },
    async update(path, value) {
      for (let i = 0; i < 200; i++) {
        const at = inbox.findIndex((m) => m.address === path && JSON.stringify(m.args) === JSON.stringify([value]));
        if (at >= 0) {
          inbox.splice(0, at + 1);
          return;
        }
        await sleep(10);
      }
      throw new Error(`no ${path} ${JSON.stringify(value)} within 2 s (inbox: ${JSON.stringify(inbox.filter((m) => m.address === path))})`);
    },
    close: () => new Promise<void>((r) => s.close(() => r())),
  };
}

let engine: ChildProcessWithoutNullStreams;
let out = '';
let err = '';
let oscPort = 0;
let exited: Promise<number | null>;

beforeAll(async () => {
  engine = spawn(process.execPath, ['bin/precue.js', 'run', 'shows/demo', '--no-journal', '--no-console', '--no-audio', '--no-model', '--osc-in-port', '0', '--artnet-port', '9', '--artnet-discovery-port', '0'], { cwd: root });
  engine.stdout.on('data', (d: Buffer) => (out += d.toString()));
  engine.stderr.on('data', (d: Buffer) => (err += d.toString()));
  exited = new Promise((r) => engine.once('exit', (code) => r(code)));
  const started = Date.now();
  while (!out.includes('stop with Ctrl-C') && Date.now() - started < 20_000 && engine.exitCode === null) await sleep(50);
  const m = /OSC control in: 127\.0\.0\.1:(\d+) from 127\.0\.0\.1, replies to the sender/.exec(out);
  expect(m, `${out}\n${err}`).not.toBeNull();
  oscPort = Number(m![1]);
});

afterAll(async () => {
  engine.kill('SIGTERM');
  expect(await Promise.race([exited, sleep(8000).then(() => 'timeout')])).toBe(0);
});

describe('OSC control of a running engine (demo show)', () => {
  it('answers every address of the dictionary with a checked reply', async () => {
    const c = await client('127.0.0.1', () => oscPort);
    const seen = new Set<string>();
    const ask = async (path: string, ...args: OscArg[]): Promise<{ status: string; data: unknown }> => {
      c.send(path, ...args);
      const [json] = await c.take(`/reply${path}`);
      const reply = JSON.parse(json as string) as { address: string; status: string; data: unknown };
      expect(reply.address).toBe(path);
      const matched = OSC_DICTIONARY.find((e) => e.addresses.some((a) => new RegExp(`^${a.replace(/\{number\}/g, '[0-9.]+').replace(/\{dept\}/g, '[A-Z]+')}$`).test(path)));
      if (matched !== undefined) for (const a of matched.addresses) seen.add(a);
      return reply;
    };
    try {
      expect(await ask('/connect')).toEqual({ address: '/connect', status: 'ok', data: 'ok' });
      expect(await ask('/thump')).toMatchObject({ status: 'ok', data: 'thump' });
      expect(await ask('/version')).toMatchObject({ status: 'ok', data: '0.1.0' });
      expect(((await ask('/cueLists')).data as { dept: string }[]).map((d) => d.dept)).toEqual(['LX', 'VID', 'CAM']);
      expect(((await ask('/dept/CAM/cues')).data as unknown[]).length).toBe(9);
      expect(await ask('/playhead')).toMatchObject({ status: 'ok', data: { dept: 'LX', current: null, standby: '1', next: '2', held: false } });
      expect(await ask('/dept/VID/playhead')).toMatchObject({ data: { dept: 'VID', standby: '1' } });
      expect(await ask('/select')).toMatchObject({ data: { dept: 'LX' } });
      expect((await ask('/updates', 1)).data).toBe(1);
      expect(await c.take('/update/dept/LX/playbackPosition')).toEqual(['1']);
      expect(await c.take('/update/gm')).toEqual([1]);
      expect(await c.take('/update/panic')).toEqual([0]); // the last of the whole picture a subscriber starts with
      c.inbox.length = 0;

      // Commands, each checked, each carried out (the playhead and the updates say so).
      expect(await ask('/go')).toMatchObject({ status: 'ok', data: { dept: 'LX', cue: '1' } });
      await c.update('/update/dept/LX/current', '1');
      expect(await ask('/go', 'VID')).toMatchObject({ status: 'ok', data: { dept: 'VID', cue: '1' } });
      expect(await ask('/precue/go')).toMatchObject({ data: { dept: 'LX', cue: '2' } });
      expect(await ask('/dept/CAM/go')).toMatchObject({ data: { dept: 'CAM', cue: '1' } });
      expect(await ask('/precue/go/CAM')).toMatchObject({ data: { dept: 'CAM', cue: '2' } });
      expect(await ask('/back', 'CAM')).toMatchObject({ data: { dept: 'CAM', cue: '2' } });
      expect(await ask('/precue/back')).toMatchObject({ status: 'ok', data: { dept: 'LX', cue: '2' } });
      expect(await ask('/dept/VID/back')).toMatchObject({ data: { dept: 'VID', cue: '1' } });
      expect(await ask('/precue/back/LX')).toMatchObject({ status: 'ok', data: { dept: 'LX' } });
      expect(await ask('/cue/5/start')).toMatchObject({ data: { dept: 'LX', cue: '5' } });
      expect(await ask('/cue/3/go', 'VID')).toMatchObject({ data: { dept: 'VID', cue: '3' } });
      expect(await ask('/dept/CAM/cue/7/start')).toMatchObject({ data: { dept: 'CAM', cue: '7' } });
      expect(await ask('/precue/cue/CAM/8')).toMatchObject({ data: { dept: 'CAM', cue: '8' } });
      expect(await ask('/dept/LX/playhead')).toMatchObject({ data: { current: '5', standby: '6' } });
      expect(await ask('/runningCues')).toMatchObject({ data: [{ dept: 'LX', cue: '5' }, { dept: 'VID', cue: '3' }, { dept: 'CAM', cue: '8' }] });
      expect(await ask('/cue/7/load')).toMatchObject({ data: { dept: 'LX', cue: '7' } });
      await c.update('/update/dept/LX/playbackPosition', '7');
      expect(await ask('/select/2', 'VID')).toMatchObject({ data: { dept: 'VID', cue: '2' } });
      expect(await ask('/playhead/4', 'CAM')).toMatchObject({ data: { dept: 'CAM', cue: '4' } });
      expect(await ask('/playhead/next')).toMatchObject({ data: { dept: 'LX', cue: '8' } });
      expect(await ask('/playhead/next')).toMatchObject({ status: 'error', data: 'LX: the standby is already at the end of the cue list' });
      expect(await ask('/playhead/previous')).toMatchObject({ data: { dept: 'LX', cue: '7' } });
      expect(await ask('/cue/3/name')).toMatchObject({ status: 'ok', data: expect.stringMatching(/^Chorus/) as unknown });
      expect(await ask('/cue/3/stop')).toMatchObject({ data: { dept: 'LX', cue: '3' } });
      expect(await ask('/stop', 'VID')).toMatchObject({ data: { dept: 'VID' } });
      expect(await ask('/dept/CAM/stop')).toMatchObject({ data: { dept: 'CAM' } });
      expect(await ask('/pause', 'LX')).toMatchObject({ data: { dept: 'LX' } });
      await c.update('/update/dept/LX/held', 1);
      expect(await ask('/resume', 'LX')).toMatchObject({ data: { dept: 'LX' } });
      expect(await ask('/hold')).toMatchObject({ data: { dept: null } });
      expect(await ask('/precue/resume')).toMatchObject({ data: { dept: null } });
      expect(await ask('/precue/hold', 'VID')).toMatchObject({ data: { dept: 'VID' } });
      expect(await ask('/dept/VID/resume')).toMatchObject({ data: { dept: 'VID' } });
      expect(await ask('/dept/CAM/hold')).toMatchObject({ data: { dept: 'CAM' } });
      expect(await ask('/precue/resume/CAM')).toMatchObject({ data: { dept: 'CAM' } });
      expect(await ask('/precue/hold/LX')).toMatchObject({ data: { dept: 'LX' } });
      expect(await ask('/resume')).toMatchObject({ data: { dept: null } });
      expect(await ask('/dept/LX/mode')).toMatchObject({ data: 'auto' });
      expect(await ask('/dept/LX/mode', 'manual')).toMatchObject({ status: 'ok', data: 'manual' });
      await c.update('/update/dept/LX/mode', 'manual');
      expect(await ask('/precue/mode/LX', 'assist')).toMatchObject({ data: 'assist' });
      expect(await ask('/gm', 0.5, 100)).toMatchObject({ data: 0.5 });
      await c.update('/update/gm', 0.5);
      expect(await ask('/precue/gm', 1)).toMatchObject({ data: 1 });
      expect(await ask('/gm')).toMatchObject({ data: 1 });
      expect(await ask('/blackout', 1)).toMatchObject({ data: 1 });
      expect(await ask('/blackout')).toMatchObject({ data: 1 });
      expect(await ask('/precue/blackout', 0)).toMatchObject({ data: 0 });
      expect(await ask('/state')).toMatchObject({ status: 'ok', data: { panic: false, blackout: false, grandMaster: 1 } });
      expect(await ask('/panic', 100)).toMatchObject({ status: 'ok', data: { fadeMs: 100 } });
      await c.update('/update/panic', 1);
      expect(await ask('/precue/panic')).toMatchObject({ data: { fadeMs: null } });

      // Refusals say why.
      expect(await ask('/cue/99/start')).toEqual({ address: '/cue/99/start', status: 'error', data: 'LX has no cue 99' });
      expect(await ask('/go', 'SND')).toMatchObject({ status: 'error', data: expect.stringMatching(/no department 'SND'/) as unknown });
      expect(await ask('/fly')).toMatchObject({ status: 'error', data: expect.stringMatching(/not in the OSC control dictionary/) as unknown });
      expect(await ask('/updates', 0)).toMatchObject({ data: 0 });
      expect(await ask('/disconnect')).toMatchObject({ status: 'ok' });

      const documented = OSC_DICTIONARY.flatMap((e) => e.addresses);
      expect(documented.filter((a) => !seen.has(a))).toEqual([]);
    } finally {
      await c.close();
    }
  });

  it('refuses and logs a sender outside inputs.osc.allow, and never answers it', async () => {
    const outsider = await client('127.0.0.2', () => oscPort);
    try {
      outsider.send('/panic');
      for (let i = 0; i < 100 && !/OSC control refused: 127\.0\.0\.2:\d+ is not in inputs\.osc\.allow/.test(err); i++) await sleep(20);
      expect(err).toMatch(new RegExp(`OSC control refused: 127\\.0\\.0\\.2:${outsider.port} is not in inputs\\.osc\\.allow`));
      await sleep(200);
      expect(outsider.inbox).toEqual([]);
    } finally {
      await outsider.close();
    }
  });
});
