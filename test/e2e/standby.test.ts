/**
 * Hot standby on loopback, two `precue run` processes: a primary and `--backup-of` it, both sending
 * sACN (unicast) to one receiver socket. The receiver arbitrates as E1.31 receivers do — the highest
 * priority among the sources heard within the last 2.5 s, a stream-terminated source out at once —
 * and is the oracle: what it would put on the rig, packet by packet.
 *
 * The primary takes LX to cue 1, then GOes cue 2 (a 3 s fade on every channel) and is killed with
 * SIGKILL mid-fade. The receiver must see the standby's frames (at a priority above the primary's) take
 * over within 1 s of the primary's last packet, with no frame in which a channel that was lit in the
 * primary's last frame and is lit in the cue's look goes to 0; the standby's next GO fires cue 3, and
 * the primary started again does not take the stage back: hand-back is refused while the two stand at
 * different cues, and once the primary is brought there, receivers go back to it.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { decodeSacn } from '../../engine/core/dmx/sacn.js';
import { applyDelta, parseServerMessage, type ConsoleCommand, type EngineSnapshot } from '../../engine/core/protocol/index.js';
import { writeTestShow } from '../reliability/precueProcess.js';
import { e2eTokens, spawnEngine, type EngineProcess } from './consoleHarness.js';

interface Frame {
  readonly at: number;
  readonly cid: string;
  readonly priority: number;
  readonly universe: number;
  readonly terminated: boolean;
  readonly data: Uint8Array;
}

/** An sACN receiver on 127.0.0.1 that keeps every data packet. */
async function sacnSink(): Promise<{ port: number; frames: Frame[]; close(): void }> {
  const socket = createSocket('udp4');
  const frames: Frame[] = [];
  socket.on('message', (msg) => {
    try {
      const p = decodeSacn(msg);
      if (p.kind !== 'data' || p.startCode !== 0) return;
      frames.push({ at: performance.now(), cid: Buffer.from(p.cid).toString('hex'), priority: p.priority, universe: p.universe, terminated: (p.options & 0x40) !== 0, data: p.data.slice() });
    } catch {
      // not ours
    }
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  return { port: socket.address().port, frames, close: () => socket.close() };
}

/**
 * E1.31 receiver arbitration: each time the winner for that universe changes (a packet arrives), the
 * winning source's frame, stamped with the time of that packet (a look at rest goes out once a
 * second, so the winning frame may be older than the decision).
 */
function winners(frames: readonly Frame[], universe: number): Frame[] {
  const last = new Map<string, Frame>();
  const out: Frame[] = [];
  let shown: Frame | undefined;
  for (const f of frames) {
    if (f.universe !== universe) continue;
    if (f.terminated) last.delete(f.cid);
    else last.set(f.cid, f);
    let best: Frame | undefined;
    for (const [cid, g] of last) {
      if (f.at - g.at > 2500) {
        last.delete(cid);
        continue;
      }
      if (best === undefined || g.priority > best.priority) best = g;
    }
    if (best !== undefined && best !== shown) out.push({ ...best, at: f.at });
    shown = best;
  }
  return out;
}

/** A console connection with a token: commands answered by id, the snapshot kept current (validated like any console's input). */
async function consoleClient(httpUrl: string, token: string): Promise<{ command(c: ConsoleCommand): Promise<{ ok: boolean; text: string }>; state(): EngineSnapshot | null; lx(): string | null | undefined; close(): void }> {
  const url = httpUrl.replace(/^http/, 'ws').replace(/\/$/, '') + '/ws';
  const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${token}` } });
  let snapshot: EngineSnapshot | null = null;
  const pending = new Map<string, (r: { ok: boolean; text: string }) => void>();
  let next = 1;
  ws.on('message', (data: Buffer) => {
    const parsed = parseServerMessage(data.toString('utf8'));
    if (!parsed.ok) throw new Error(`bad message from the engine: ${parsed.error}`);
    const m = parsed.value;
    if (m.type === 'init') snapshot = m.snapshot;
    else if (m.type === 'delta' && snapshot !== null) snapshot = applyDelta(snapshot, m.delta, m.engineTimeMs);
    else if ((m.type === 'ack' || m.type === 'refused') && m.id !== null && pending.has(m.id)) {
      pending.get(m.id)!({ ok: m.type === 'ack', text: JSON.stringify(m) });
      pending.delete(m.id);
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  await until(() => snapshot !== null, 5000);
  return {
    command: (command) =>
      new Promise((resolve) => {
        const id = `c${next++}`;
        pending.set(id, resolve);
        ws.send(JSON.stringify({ type: 'command', id, command }));
      }),
    state: () => snapshot,
    lx: () => snapshot?.depts.find((d) => d.id === 'LX')?.current,
    close: () => ws.close(),
  };
}

async function until(pred: () => boolean, timeoutMs: number): Promise<boolean> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (pred()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return pred();
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Writes a show sending its two universes as sACN unicast to `port`, LX fading every channel over 3 s. */
async function showAt(dir: string, port: number): Promise<void> {
  await writeTestShow(dir, {
    edit: (show) => {
      const s = show as { outputs: Record<string, unknown>; departments: Array<{ id: string; mode: string; cues: Array<Record<string, unknown>> }> };
      s.outputs.universes = [1, 2].map((u) => ({ id: u, label: `U${u}`, driver: { kind: 'sacn', universe: u, priority: 100, host: '127.0.0.1', port } }));
      for (const d of s.departments) d.mode = 'manual';
      for (const c of s.departments.find((d) => d.id === 'LX')!.cues) {
        c.fadeUpMs = 3000;
        c.fadeDownMs = 3000;
        delete c.attributeTimes;
      }
    },
  });
}

/** Per universe, the 0-based slots of 16-bit fine bytes (they pass through 0 in any fade: not intensities). */
async function fineSlots(showDir: string): Promise<Map<number, Set<number>>> {
  const show = JSON.parse(await readFile(join(showDir, 'show.json'), 'utf8')) as { fixtures: Array<{ type: string; mode: string; universe: number; address: number }> };
  const out = new Map<number, Set<number>>();
  for (const f of show.fixtures) {
    const def = JSON.parse(await readFile(join('fixtures', `${f.type}.json`), 'utf8')) as { modes: Array<{ name: string; channels: Array<string | null> }> };
    const channels = def.modes.find((m) => m.name === f.mode)?.channels ?? [];
    const slots = out.get(f.universe) ?? new Set<number>();
    channels.forEach((c, i) => {
      if (c !== null && /fine/i.test(c)) slots.add(f.address - 1 + i);
    });
    out.set(f.universe, slots);
  }
  return out;
}

const CHROMIUM = '/usr/bin/chromium';
const FREEZE = process.env.PRECUE_STANDBY_FREEZE === '1';
const engineArgs = ['--no-audio', '--no-model', '--osc-in-port', '0', '--port', '0'];
const ready = /console: (https?:\/\/[^\s#]+\/)/;

describe('hot standby over sACN priority (two engines on loopback)', () => {
  const procs: EngineProcess[] = [];
  const dirs: string[] = [];
  afterAll(async () => {
    for (const p of procs) await p.kill('SIGKILL');
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('takes over within 1 s of a kill -9 mid-fade, without a dark frame; its next GO fires the next cue; the primary back does not snatch the stage', async () => {
    const sink = await sacnSink();
    const base = await mkdtemp(join(tmpdir(), 'precue-standby-'));
    dirs.push(base);
    const primaryDir = join(base, 'primary');
    const standbyDir = join(base, 'standby');
    await showAt(primaryDir, sink.port);
    await cp(primaryDir, standbyDir, { recursive: true });

    const primary = await spawnEngine(['bin/precue.js', 'run', primaryDir, ...engineArgs], ready, 60_000);
    procs.push(primary);
    const primaryPort = new URL(primary.url).port;
    const standby = await spawnEngine(['bin/precue.js', 'run', standbyDir, ...engineArgs, '--backup-of', `127.0.0.1:${primaryPort}`], ready, 60_000, { PRECUE_PRIMARY_TOKEN: e2eTokens.viewer });
    procs.push(standby);
    const onStandby = await consoleClient(standby.url, e2eTokens.operator);
    expect(await until(() => onStandby.state()?.continuity?.primary?.link === 'following', 15_000), standby.output()).toBe(true);
    expect(onStandby.state()?.continuity?.role).toBe('standby');
    // A standby refuses to be operated while it follows.
    expect((await onStandby.command({ type: 'go', dept: 'LX' })).ok).toBe(false);

    const onPrimary = await consoleClient(primary.url, e2eTokens.operator);
    expect((await onPrimary.command({ type: 'go', dept: 'LX' })).text).toContain('ack');
    await sleep(3500);
    expect((await onPrimary.command({ type: 'go', dept: 'LX' })).text).toContain('ack');
    expect(await until(() => onStandby.lx() === '2', 3000)).toBe(true);
    await sleep(1200); // mid-fade
    const killedAt = performance.now();
    // PRECUE_STANDBY_FREEZE=1: the primary freezes (SIGSTOP: a hung machine or a pulled cable — its
    // connection stays open and falls silent) instead of dying.
    if (FREEZE) primary.child.kill('SIGSTOP');
    else await primary.kill('SIGKILL');
    onPrimary.close();
    await sleep(3000); // the fade ends on the standby
    expect(onStandby.state()?.continuity?.role, standby.output()).toBe('in-control');
    expect(onStandby.lx()).toBe('2');
    // Taking over fired nothing: after the takeover the log holds only the modes given back.
    const tookAt = onStandby.state()?.continuity?.tookControl?.atMs ?? 0;
    const firedSince = onStandby.state()?.log.filter((e) => e.atMs >= tookAt && e.action !== 'mode') ?? [];
    expect(firedSince, JSON.stringify(firedSince)).toEqual([]);
    const lookAtEnd = new Map([1, 2].map((u) => [u, sink.frames.filter((f) => f.universe === u).at(-1)!.data]));
    expect((await onStandby.command({ type: 'go', dept: 'LX' })).text).toContain('ack');
    expect(await until(() => onStandby.lx() === '3', 3000)).toBe(true);
    const goAt = performance.now();

    // What the operator sees on the standby's own console page (Chromium, when installed).
    if (existsSync(CHROMIUM)) {
      const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
      try {
        const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
        await page.goto(`${standby.url}#token=${e2eTokens.operator}`);
        await page.locator('#continuity .cont-role', { hasText: 'IN CONTROL' }).waitFor({ timeout: 10_000 });
        expect(await page.locator('#continuity').textContent()).toContain('primary lost');
        mkdirSync('test-output', { recursive: true });
        await page.screenshot({ path: 'test-output/standby-in-control.png' });
      } finally {
        await browser.close();
      }
    }

    if (FREEZE) await primary.kill('SIGKILL');
    // The primary comes back on its port (its journal resumes it at cue 2): it must not take the stage back.
    const back = await spawnEngine(['bin/precue.js', 'run', primaryDir, ...engineArgs.slice(0, -1), primaryPort], ready, 60_000);
    procs.push(back);
    expect(await until(() => onStandby.state()?.continuity?.primary?.link === 'following', 15_000), standby.output()).toBe(true);
    const backAt = performance.now();
    await sleep(1000);
    const backPhase = performance.now();
    // Hand-back is refused while the two stand at different cues, and done once the primary is brought there.
    const refused = await onStandby.command({ type: 'hand-back' });
    expect(refused.ok).toBe(false);
    expect(refused.text).toContain('LX: primary at cue 2, here at cue 3');
    const onBack = await consoleClient(back.url, e2eTokens.operator);
    expect(onBack.lx()).toBe('2');
    expect(onBack.state()?.continuity?.resumed?.depts.find((d) => d.dept === 'LX')?.cue).toBe('2');
    expect((await onBack.command({ type: 'go', dept: 'LX' })).ok).toBe(true);
    expect(await until(() => (onStandby.state()?.continuity?.primary?.differences.length ?? 1) === 0, 5000)).toBe(true);
    expect((await onStandby.command({ type: 'hand-back' })).ok).toBe(true);
    expect(onStandby.state()?.continuity?.role).toBe('standby');
    const handedAt = performance.now();
    await sleep(1000);
    onBack.close();
    sink.close();

    const fine = await fineSlots(primaryDir);
    const primaryCid = sink.frames.find((f) => f.at < killedAt && f.priority === 100)!.cid;
    const report: string[] = [];
    for (const u of [1, 2]) {
      const w = winners(sink.frames, u);
      const lastPrimary = w.filter((f) => f.cid === primaryCid && f.at <= killedAt + 50).at(-1)!;
      const firstTakeover = w.find((f) => f.at > lastPrimary.at && f.cid !== primaryCid)!;
      expect(firstTakeover, `universe ${u}: the standby never won`).toBeDefined();
      expect(firstTakeover.priority).toBeGreaterThan(100);
      const gapMs = firstTakeover.at - lastPrimary.at;
      // Channels lit in the primary's last frame and in the cue's look never drop to 0 until the next GO
      // (fine bytes of 16-bit channels pass through 0 in any fade: not intensities).
      const look = lookAtEnd.get(u)!;
      const lit = [...lastPrimary.data.keys()].filter((i) => lastPrimary.data[i]! > 0 && look[i]! > 0 && !(fine.get(u)?.has(i) ?? false));
      const dark = w.filter((f) => f.at >= lastPrimary.at && f.at < goAt).filter((f) => lit.some((i) => f.data[i] === 0));
      const maxJump = Math.max(0, ...lit.map((i) => Math.abs(firstTakeover.data[i]! - lastPrimary.data[i]!)));
      if (process.env.DEBUG_STANDBY) for (const i of lit) if (Math.abs(firstTakeover.data[i]! - lastPrimary.data[i]!) > 10) console.log(`u${u} ch${i + 1}: primary ${lastPrimary.data[i]} standby ${firstTakeover.data[i]} look ${look[i]}`);
      report.push(`${FREEZE ? 'frozen' : 'killed'} primary, universe ${u}: primary's last packet → standby's first winning packet ${gapMs.toFixed(1)} ms (priority ${firstTakeover.priority}), ${lit.length} lit channels (fine bytes aside), dark frames ${dark.length}, largest step between the two looks ${maxJump}/255`);
      expect(gapMs).toBeLessThan(1000);
      expect(dark.length).toBe(0);
      // After the primary came back, the standby still wins every packet, until it hands back.
      const after = w.filter((f) => f.at > backAt && f.at < backPhase);
      if (process.env.DEBUG_STANDBY) {
        const fs = sink.frames.filter((f) => f.universe === u && f.at > backAt - 3000 && f.at < backPhase);
        console.log(fs.map((f) => `${(f.at - backAt).toFixed(0)}:${f.cid.slice(0, 4)}:${f.priority}${f.terminated ? 'T' : ''}`).join(' '));
      }
      expect(after.length).toBeGreaterThan(0);
      expect(after.every((f) => f.cid !== primaryCid)).toBe(true);
      const handedBack = w.filter((f) => f.at > handedAt + 200);
      expect(handedBack.length).toBeGreaterThan(0);
      expect(handedBack.every((f) => f.cid === primaryCid && f.priority === 100)).toBe(true);
    }
    console.log(report.join('\n'));
    onStandby.close();
  }, 180_000);
});
