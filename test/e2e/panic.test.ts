/**
 * PANIC on the wire, as a technical director meets it: fixtures imported with `precue fixtures
 * import` from ../shared/data (OFL and the QLC+ sample), patched into a show whose first cue lights
 * everything while an audio-driven effect holds the intensities low; `precue run` sends Art-Net to a
 * listener on a free loopback port; OSC `/panic` arrives as from a remote.
 *
 * - `/panic 0`: within one frame every fixture's light-making channels are at their safe value and
 *   the oracle (test/core/fixtures/darkness.ts) reads every fixture as dark.
 * - `/panic 600` (after a GO has taken the show back): over the fade, no light-making channel moves
 *   away from its safe value on any frame — although the effect that held the lights low stops at
 *   PANIC, which used to throw them up to the cue's full level — and at the end every fixture is dark.
 */
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../engine/cli/main.js';
import { parseFixtureDefinition, type FixtureDefinition } from '../../engine/core/fixtures/definition.js';
import { compileProfile, type FixtureProfile } from '../../engine/core/fixtures/profile.js';
import { encodeOscMessage } from '../../engine/core/osc/packet.js';
import { lightOf } from '../core/fixtures/darkness.js';

const root = resolve(import.meta.dirname, '../..');
const data = resolve(root, '../shared/data');
/** A spread of ways to go dark: dimmers, dimmerless RGB, shutter-only, on/off dimmer, macros and programs, laser off, haze, closed wheel slot, pixel groups. */
const SOURCES = [
  'ofl/fixtures/abstract/twister-4.json',
  'ofl/fixtures/chauvet-dj/kinta-x.json',
  'ofl/fixtures/eurolite/led-ps-4-hcl.json',
  'ofl/fixtures/laserworld/ds-1000rgb.json',
  'ofl/fixtures/cameo/instant-hazer-1500-t-pro.json',
  'ofl/fixtures/martin/roboscan-812.json',
  'ofl/fixtures/chauvet-dj/gigbar-2.json',
  'ofl/fixtures/lightmaxx/led-par-56.json',
  'ofl/fixtures/american-dj/flat-par-qa12.json',
  'qlcplus-sample/GLP/GLP-PocketScan.qxf',
  'qlcplus-sample/Clay_Paky/Clay-Paky-A.leda-B-EYE-K20.qxf',
].map((f) => join(data, f));
const haveData = SOURCES.every((f) => existsSync(f));

interface Patched {
  readonly id: string;
  readonly def: FixtureDefinition;
  readonly mode: string;
  readonly profile: FixtureProfile;
  readonly universe: number;
  readonly address: number;
}

/** Art-Net DMX packets by Art-Net universe, with arrival times. */
async function artnetReceiver(): Promise<{ port: number; frames: Array<{ t: number; universe: number; data: Uint8Array }>; close: () => void }> {
  const socket = dgram.createSocket('udp4');
  const frames: Array<{ t: number; universe: number; data: Uint8Array }> = [];
  socket.on('message', (msg) => {
    if (msg.length >= 18 && msg.toString('latin1', 0, 8) === 'Art-Net\0' && msg.readUInt16LE(8) === 0x5000) {
      frames.push({ t: performance.now(), universe: msg.readUInt16LE(14), data: new Uint8Array(msg.subarray(18, 18 + msg.readUInt16BE(16))) });
    }
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  return { port: socket.address().port, frames, close: () => socket.close() };
}

async function importRig(dir: string): Promise<Patched[]> {
  const out = join(dir, 'fixtures');
  let log = '';
  const code = await runCli(['fixtures', 'import', ...SOURCES, '--out', out], { stdout: (s) => (log += s), stderr: (s) => (log += s), exit: () => undefined });
  expect(code, log).toBe(0);
  const patched: Patched[] = [];
  let universe = 1;
  let address = 1;
  for (const maker of (await readdir(out)).sort()) {
    for (const file of (await readdir(join(out, maker))).sort()) {
      const parsed = parseFixtureDefinition(JSON.parse(await readFile(join(out, maker, file), 'utf8')));
      if (!parsed.ok) throw new Error(`${maker}/${file}: ${JSON.stringify(parsed.issues)}`);
      const def = parsed.definition;
      const mode = def.modes.map((m) => m.name).find((m) => compileProfile(def, m).footprint <= 64);
      if (mode === undefined) continue;
      const profile = compileProfile(def, mode);
      if (address + profile.footprint - 1 > 512) {
        universe++;
        address = 1;
      }
      patched.push({ id: `f${patched.length + 1}`, def, mode, profile, universe, address });
      address += profile.footprint;
    }
  }
  return patched;
}

function showJson(rig: readonly Patched[], types: ReadonlyMap<Patched, string>): unknown {
  const universes = [...new Set(rig.map((f) => f.universe))];
  const everyone = Object.fromEntries(rig.map((f) => [f.id, { intensity: 1, color: '#ff8040', colorWheel: 'red', haze: 1, fan: 1 }]));
  const effect = { source: 'rms', target: rig.map((f) => f.id), attribute: 'intensity', mode: 'follow', range: [0.25, 0.5] };
  return {
    version: 1,
    name: 'PANIC rig',
    fixtures: rig.map((f) => ({ id: f.id, type: types.get(f)!, mode: f.mode, universe: f.universe, address: f.address })),
    outputs: { universes: universes.map((u) => ({ id: u, driver: { kind: 'artnet', host: '127.0.0.1', universe: u - 1 } })) },
    inputs: { osc: { port: 53000, host: '127.0.0.1' } },
    departments: [{ id: 'LX', mode: 'manual', minGoIntervalMs: 0, cues: [{ number: '1', levels: everyone, bindings: [effect] }, { number: '2', levels: everyone, bindings: [effect] }] }],
    safety: { panicFadeMs: 600, grandMaster: 1 },
  };
}

/** Light-making channels of the rig as absolute (universe, 0-based index) with their safety. */
function lightChannels(rig: readonly Patched[]): Array<{ universe: number; index: number; kind: string; safe: number; name: string }> {
  return rig.flatMap((f) =>
    f.profile.channels.flatMap((c) => (c.safety === undefined ? [] : [{ universe: f.universe, index: f.address - 1 + c.offset, kind: c.safety.kind, safe: c.safety.safeDmxValue, name: `${f.id} ${f.def.name} ${c.name}` }])),
  );
}

describe.skipIf(!haveData)('PANIC on the wire (imported fixtures, Art-Net on loopback; needs ../shared/data)', () => {
  it('darkens every fixture within one frame, and over a fade never lets a light-making channel rise', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'precue-panic-'));
    const rx = await artnetReceiver();
    const rig = await importRig(dir);
    expect(rig.length).toBe(SOURCES.length);
    const types = new Map(rig.map((f) => [f, '']));
    for (const maker of await readdir(join(dir, 'fixtures'))) {
      for (const file of await readdir(join(dir, 'fixtures', maker))) {
        const def = JSON.parse(await readFile(join(dir, 'fixtures', maker, file), 'utf8')) as { name: string };
        for (const f of rig) if (f.def.name === def.name) types.set(f, `${maker}/${file.replace(/\.json$/, '')}`);
      }
    }
    const showDir = join(dir, 'show');
    await import('node:fs/promises').then((fs) => fs.mkdir(showDir));
    await writeFile(join(showDir, 'show.json'), JSON.stringify(showJson(rig, types), null, 2));

    const child = spawn(process.execPath, ['bin/precue.js', 'run', showDir, '--fixtures', join(dir, 'fixtures'), '--no-console', '--no-audio', '--no-model', '--osc-in-port', '0', '--artnet-port', String(rx.port)], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const osc = dgram.createSocket('udp4');
    const until = async (ok: () => boolean, ms: number): Promise<void> => {
      const start = Date.now();
      while (!ok() && Date.now() - start < ms) await new Promise((r) => setTimeout(r, 20));
    };
    try {
      await until(() => out.includes('stop with Ctrl-C') || child.exitCode !== null, 20_000);
      expect(out, err).toContain('stop with Ctrl-C');
      const oscPort = Number(/OSC control in: 127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
      const send = (address: string, ...args: number[]): number => {
        const t = performance.now();
        osc.send(encodeOscMessage({ address, args: args.map((value) => ({ type: 'i' as const, value })) }), oscPort, '127.0.0.1');
        return t;
      };
      const channels = lightChannels(rig);
      const latest = (u: number): Uint8Array | undefined => rx.frames.findLast((f) => f.universe === u - 1)?.data;
      const allSafe = (data: Uint8Array, u: number): boolean => channels.every((c) => c.universe !== u || data[c.index] === c.safe);
      const universes = [...new Set(rig.map((f) => f.universe))];
      const lit = (): boolean => universes.every((u) => { const d = latest(u); return d !== undefined && rig.some((f) => f.universe === u && lightOf(f.def, f.mode, d.subarray(f.address - 1, f.address - 1 + f.profile.footprint)).lit); });
      const darkness = (): string[] =>
        rig.flatMap((f) => {
          const d = latest(f.universe)!;
          const r = lightOf(f.def, f.mode, d.subarray(f.address - 1, f.address - 1 + f.profile.footprint));
          return r.lit || r.fogOn ? [`${f.def.name} (${f.mode}): ${r.lit ? r.why : 'haze on'}`] : [];
        });

      // The look, with the effect holding intensities at 25%.
      send('/go');
      await until(lit, 3000);
      await new Promise((r) => setTimeout(r, 300));
      expect(lit()).toBe(true);

      // 1. PANIC with no fade: at most one frame per universe may still be on the wire before it.
      const snapAt = send('/panic', 0);
      await new Promise((r) => setTimeout(r, 400));
      for (const u of universes) {
        const after = rx.frames.filter((f) => f.t > snapAt && f.universe === u - 1);
        const firstSafe = after.findIndex((f) => allSafe(f.data, u));
        expect(firstSafe, `universe ${u}`).toBeGreaterThanOrEqual(0);
        expect(firstSafe, `universe ${u}: frames before PANIC showed`).toBeLessThanOrEqual(1);
        expect(after.slice(firstSafe).every((f) => allSafe(f.data, u))).toBe(true);
      }
      expect(darkness()).toEqual([]);

      // 2. A GO takes the show back; PANIC over 600 ms: no light-making channel ever moves away from dark.
      send('/go');
      await until(lit, 3000);
      await new Promise((r) => setTimeout(r, 300));
      expect(lit()).toBe(true);
      const fadeAt = send('/panic', 600);
      await new Promise((r) => setTimeout(r, 1200));
      const problems: string[] = [];
      for (const u of universes) {
        const seq = [latest(u)!, ...rx.frames.filter((f) => f.t > fadeAt && f.universe === u - 1).map((f) => f.data)];
        const before = rx.frames.filter((f) => f.t <= fadeAt && f.universe === u - 1).at(-1)!.data;
        seq[0] = before;
        for (let i = 1; i < seq.length; i++) {
          for (const c of channels) {
            if (c.universe !== u) continue;
            const was = seq[i - 1]![c.index]!;
            const now = seq[i]![c.index]!;
            if (c.kind === 'dimmer' && Math.abs(now - c.safe) > Math.abs(was - c.safe)) problems.push(`frame ${i}: ${c.name} rose ${was} → ${now}`);
            if ((c.kind === 'gate' || c.kind === 'gateNow') && now !== was && now !== c.safe) problems.push(`frame ${i}: ${c.name} moved ${was} → ${now}`);
          }
        }
        expect(allSafe(seq.at(-1)!, u), `universe ${u} ends safe`).toBe(true);
        // It was a fade, not a snap: some dimmer passed through a level between its look and dark.
        expect(seq.some((d) => channels.some((c) => c.universe === u && c.kind === 'dimmer' && d[c.index] !== c.safe && d[c.index] !== before[c.index]))).toBe(true);
      }
      expect(problems).toEqual([]);
      expect(darkness()).toEqual([]);
    } finally {
      osc.close();
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 8000))]);
      rx.close();
      await rm(dir, { recursive: true, force: true });
    }
    expect(err).not.toMatch(/internal error/);
  }, 60_000);
});
