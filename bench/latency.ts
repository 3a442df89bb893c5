/**
 * How long from a cause to light on the wire, measured from outside `precue run` (a child process),
 * with a loopback listener stamping the first Art-Net packet that carries the change:
 *
 * 1. console GO → wire: a GOTO sent over the console's WebSocket (and the same over OSC) until the
 *    first packet with the cue's level; with the rig at rest, and again while another department
 *    fades (the frame loop ticking). Cues snap (0 ms fade), so the first changed packet is the cue.
 * 2. OSC state change → console page: a grand master sent over OSC until a console page in Debian's
 *    Chromium (headless, `playwright-core`) shows it, read on the page's animation frames; skipped with
 *    a line where /usr/bin/chromium is absent. (The console e2e test checks that every page shows it;
 *    the 100 ms figure lives here, not in a timed test.)
 * 3. audio → wire: a 120 BPM click track handed to the engine in real time, 256 samples at a time,
 *    each block when its last sample is due, as a sound card delivers it; a cue binds a dimmer's
 *    intensity to the beat and another to onsets (pulse). For each click, from the moment the block
 *    holding its first sample went in to the first packet where the dimmer jumps up. The analysis window (bufferSize / sample rate) is part of it and printed
 *    beside it; the acceptance is about what comes on top.
 *
 *   npx tsx bench/latency.ts [--trials 60] [--seconds 30] [--runner auto|dist|tsx] [--json <file>]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { encodeOscMessage } from '../engine/core/osc/packet.js';
import { SHOW_VERSION } from '../engine/core/show/schema.js';
import { ArtnetCounter, type WatchHit } from './lib/artnetCounter.js';
import { loadLine } from './lib/procStats.js';
import { freePort, precueArgs, stopProcess } from './lib/processes.js';

const ROOT = resolve(import.meta.dirname, '..');
const HOST = '127.0.0.4';
const ARTNET_PORT = 6454;
const TOKEN = 'bench-latency-operator-token-0123456789';
const RATE = 44100;
const BUFFER = 1024;
const HOP = 256;

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '60' },
    seconds: { type: 'string', default: '30' },
    runner: { type: 'string', default: 'auto' },
    json: { type: 'string' },
  },
});
const trials = Number(values.trials);
const audioSeconds = Number(values.seconds);
const runner = values.runner;
if (!['auto', 'dist', 'tsx'].includes(runner)) throw new Error(`--runner must be auto, dist or tsx, not '${runner}'`);
if (runner === 'dist' && !existsSync(join(ROOT, 'dist'))) throw new Error('--runner dist: run `npm run build` first');

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const wallMs = (): number => performance.timeOrigin + performance.now();

interface Stats {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

function stats(xs: readonly number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number): number => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? NaN;
  return { n: s.length, p50: q(0.5), p99: q(0.99), max: s[s.length - 1] ?? NaN };
}

const fmt = (s: Stats): string => `p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms, max ${s.max.toFixed(2)} ms (n=${s.n})`;

/**
 * Extra Node flags for the engine under test, e.g. `PRECUE_BENCH_ENGINE_FLAGS='--cpu-prof
 * --cpu-prof-dir=/tmp/prof'` to see where a slow GO went (Node refuses --cpu-prof in NODE_OPTIONS).
 */
const engineFlags = process.env.PRECUE_BENCH_ENGINE_FLAGS?.split(' ').filter((f) => f !== '') ?? [];

/** Starts `precue run` on a show folder; resolves once it prints that it runs. */
async function startEngine(showDir: string, extra: string[], stdin: 'pipe' | 'ignore'): Promise<ChildProcess> {
  // The console's operator token goes in the environment (precue refuses secrets on the command line).
  const env = { ...process.env, PRECUE_TOKEN_OPERATOR: TOKEN, ...(runner === 'tsx' ? { PRECUE_SOURCE: '1' } : runner === 'dist' ? { PRECUE_DIST: '1' } : {}) };
  const child = spawn(process.execPath, [...engineFlags, ...precueArgs(['run', showDir, '--no-model', '--log-level', process.env.PRECUE_BENCH_LOG ?? 'warn', ...extra])], { cwd: ROOT, env, stdio: [stdin, 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-2000);
    if (process.env.PRECUE_BENCH_LOG !== undefined) process.stderr.write(d);
  });
  await new Promise<void>((resolveRun, reject) => {
    const timer = setTimeout(() => reject(new Error(`engine did not start in 60 s: ${err}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('precue: running')) {
        clearTimeout(timer);
        resolveRun();
      }
    });
    child.once('exit', (code) => reject(new Error(`engine exited (${code}): ${err}`)));
  });
  return child;
}

/** A show of two 8-bit dimmers on one Art-Net universe to the listener, and `rest` (departments, inputs, audio). */
function dimmerShow(name: string, ids: readonly [string, string], rest: Record<string, unknown>): Record<string, unknown> {
  return {
    version: SHOW_VERSION,
    name,
    fixtures: ids.map((id, i) => ({ id, type: 'generic/dimmer', mode: '8-bit', universe: 1, address: i + 1 })),
    outputs: { universes: [{ id: 1, driver: { kind: 'artnet', host: HOST, port: ARTNET_PORT, net: 0, subnet: 0, universe: 0 } }] },
    ...rest,
  };
}

function goShow(oscPort: number): Record<string, unknown> {
  return dimmerShow('bench latency: GO', ['d1', 'd2'], {
    inputs: { osc: { port: oscPort, host: '127.0.0.1' } },
    departments: [
      { id: 'LX', mode: 'manual', minGoIntervalMs: 0, cues: [{ number: '1', levels: { d1: { intensity: 1 } } }, { number: '2', levels: { d1: { intensity: 0 } } }] },
      // Another department that can keep the frame loop ticking (a long fade on d2).
      { id: 'FX', mode: 'manual', minGoIntervalMs: 0, cues: [{ number: '1', fadeUpMs: 600_000, levels: { d2: { intensity: 1 } } }] },
    ],
  });
}

/** GO → wire: `send(cue)` fires cue 1 or 2 of LX; returns ms from each send to the first packet with its level. */
async function goTrials(counter: ArtnetCounter, send: (cue: '1' | '2') => void, label: string): Promise<number[]> {
  const out: number[] = [];
  const hrs: bigint[] = [];
  let lost = 0;
  let waiting: { want: number; resolve: (hit: WatchHit) => void } | undefined;
  counter.watch(0, [1], (hit) => {
    if (waiting !== undefined && hit.value === waiting.want) {
      const w = waiting;
      waiting = undefined;
      w.resolve(hit);
    }
  });
  for (let i = 0; i < trials; i++) {
    const cue = i % 2 === 0 ? '1' : '2';
    const want = cue === '1' ? 255 : 0;
    const hit = new Promise<WatchHit>((r) => (waiting = { want, resolve: r }));
    const t0 = wallMs();
    const sentUs = process.hrtime.bigint() / 1000n;
    send(cue);
    const h = await Promise.race([hit, sleep(2000).then(() => undefined)]);
    if (h === undefined) lost++;
    else {
      out.push(h.atMs - t0);
      hrs.push(sentUs);
    }
    await sleep(120 + Math.random() * 60); // at rest between GOs (keep-alives only), at a random phase of the grid
  }
  counter.watch(null);
  if (lost > 0) console.log(`  ${label}: ${lost} of ${trials} GOs brought no packet with the cue's level within 2 s`);
  const slowest = out.map((ms, i) => ({ ms, i })).sort((a, b) => b.ms - a.ms).slice(0, 3);
  // Each with when it was sent on the monotonic clock (µs), which a --cpu-prof profile of the engine also uses.
  console.log(`  ${label}: slowest GOs ${slowest.map((s) => `#${s.i + 1} ${s.ms.toFixed(2)} ms (sent at ${hrs[s.i]} µs)`).join(', ')}`);
  return out;
}

const CHROMIUM = '/usr/bin/chromium';

/**
 * OSC grand master → a console page shows it: `send(level)` alternates 50 % and 100 %; each time
 * from the send to the first animation frame on which the page's GM readout showed the new level.
 */
async function consoleShownTrials(httpPort: number, send: (level: number) => void): Promise<number[] | undefined> {
  if (!existsSync(CHROMIUM)) {
    console.log(`  OSC → console page: skipped, ${CHROMIUM} is absent (apt-get install chromium)`);
    return undefined;
  }
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  try {
    const page = await (await browser.newContext({ viewport: { width: 1920, height: 1080 } })).newPage();
    await page.goto(`http://127.0.0.1:${httpPort}/#token=${TOKEN}`);
    await page.waitForFunction(() => document.getElementById('link-text')?.textContent === 'CONNECTED', undefined, { timeout: 15_000 });
    const out: number[] = [];
    let lost = 0;
    for (let i = 0; i < trials; i++) {
      const level = i % 2 === 0 ? 0.5 : 1;
      const text = `GM ${Math.round(level * 100)}%`;
      await page.evaluate(() => { (window as unknown as { seenAt?: number }).seenAt = undefined; });
      const seen = page.waitForFunction((want: string) => {
        const ok = document.getElementById('gm')?.textContent === want;
        const w = window as unknown as { seenAt?: number };
        if (ok) w.seenAt ??= performance.timeOrigin + performance.now();
        return ok;
      }, text, { polling: 'raf', timeout: 2000 }).then(() => true, () => false);
      const t0 = wallMs();
      send(level);
      if (await seen) out.push((await page.evaluate(() => (window as unknown as { seenAt?: number }).seenAt ?? Number.NaN)) - t0);
      else lost++;
      await sleep(100 + Math.random() * 60);
    }
    if (lost > 0) console.log(`  OSC → console page: ${lost} of ${trials} grand master changes not shown within 2 s`);
    return out;
  } finally {
    await browser.close();
  }
}

async function goBench(dir: string, counter: ArtnetCounter): Promise<Record<string, Stats>> {
  const oscPort = await freePort('udp');
  const httpPort = await freePort('tcp');
  const showDir = join(dir, 'go');
  await mkdir(showDir, { recursive: true });
  await writeFile(join(showDir, 'show.json'), JSON.stringify(goShow(oscPort)));
  const engine = await startEngine(showDir, ['--port', String(httpPort), '--no-audio'], 'ignore');
  const osc = createSocket('udp4');
  try {
    const ws = new WebSocket(`ws://127.0.0.1:${httpPort}/ws`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    await new Promise<void>((resolveOpen, reject) => {
      ws.once('error', reject);
      ws.on('message', (m: Buffer) => {
        if ((JSON.parse(m.toString()) as { type: string }).type === 'init') resolveOpen();
      });
    });
    let id = 0;
    const consoleGo = (cue: string): void => ws.send(JSON.stringify({ type: 'command', id: `b${id++}`, command: { type: 'goto', dept: 'LX', cue } }));
    const oscGo = (cue: string): void => void osc.send(encodeOscMessage({ address: `/cue/${cue}/start`, args: ['LX'] }), oscPort, '127.0.0.1');
    await sleep(500);
    const result: Record<string, Stats> = {};
    result['console GO → wire, rig at rest'] = stats(await goTrials(counter, consoleGo, 'console at rest'));
    result['OSC GO → wire, rig at rest'] = stats(await goTrials(counter, oscGo, 'OSC at rest'));
    ws.send(JSON.stringify({ type: 'command', id: 'fx', command: { type: 'goto', dept: 'FX', cue: '1' } }));
    await sleep(300);
    result['console GO → wire, another department fading'] = stats(await goTrials(counter, consoleGo, 'console while fading'));
    const shown = await consoleShownTrials(httpPort, (level) => void osc.send(encodeOscMessage({ address: '/precue/gm', args: [{ type: 'f', value: level }] }), oscPort, '127.0.0.1'));
    if (shown !== undefined) result['OSC grand master → shown on a console page'] = stats(shown);
    ws.close();
    return result;
  } finally {
    osc.close();
    await stopProcess(engine);
  }
}

function audioShow(): Record<string, unknown> {
  return dimmerShow('bench latency: audio', ['beat', 'onset'], {
    audio: { source: { kind: 'stdin', rate: RATE, channels: 1, format: 's16le' }, bufferSize: BUFFER, hopSize: HOP },
    departments: [
      {
        id: 'LX',
        mode: 'manual',
        minGoIntervalMs: 0,
        cues: [
          {
            number: '1',
            levels: { beat: { intensity: 0 }, onset: { intensity: 0 } },
            bindings: [
              { source: 'beat', target: 'beat', attribute: 'intensity', mode: 'pulse', range: [0, 1], releaseMs: 150 },
              { source: 'onset', target: 'onset', attribute: 'intensity', mode: 'pulse', range: [0, 1], releaseMs: 150 },
            ],
          },
        ],
      },
    ],
  });
}

/** A 120 BPM click track: 5 ms of 2 kHz at -2 dBFS every 500 ms, silence between (s16le mono). */
function clickTrack(seconds: number): { pcm: Int16Array; clicks: number[] } {
  const pcm = new Int16Array(Math.round(seconds * RATE));
  const clicks: number[] = [];
  for (let c = Math.round(0.25 * RATE); c < pcm.length; c += RATE / 2) {
    clicks.push(c);
    for (let i = 0; i < Math.round(0.005 * RATE) && c + i < pcm.length; i++) pcm[c + i] = Math.round(26000 * Math.sin((2 * Math.PI * 2000 * i) / RATE) * (1 - i / (0.005 * RATE)));
  }
  return { pcm, clicks };
}

/**
 * The engine in this process (startEngine, the same composition `precue run` builds: analysis worker,
 * frame clock worker, UDP), its audio handed over block by block as a sound card would: each block
 * when its last sample is due, stamped on the engine's audio clock. (From outside, raw PCM on stdin
 * starts the audio clock when the engine starts listening, not when the first sample arrives.)
 */
async function audioBench(dir: string, counter: ArtnetCounter): Promise<Record<string, Stats>> {
  const showDir = join(dir, 'audio');
  await mkdir(showDir, { recursive: true });
  await writeFile(join(showDir, 'show.json'), JSON.stringify(audioShow()));
  const { Subject } = await import('rxjs');
  const { startEngine: start } = await import('../engine/main.js');
  const { listenInWorker } = await import('../engine/io/audio/workerListen.js');
  const { setLogSink } = await import('../engine/core/log.js');
  setLogSink(() => undefined, 'error');
  const blocks$ = new Subject<{ t: number; sampleRate: number; samples: Float32Array }>();
  const engine = await start(
    { showDir, fixturesDir: join(ROOT, 'fixtures'), console: null, model: false },
    undefined,
    { listen: (settings) => listenInWorker(blocks$, settings) },
  );
  const rises: { channel: number; atMs: number }[] = [];
  const last = new Map<number, number>();
  counter.watch(0, [1, 2], (hit) => {
    const before = last.get(hit.channel) ?? 0;
    last.set(hit.channel, hit.value);
    if (before < 40 && hit.value >= 40) rises.push({ channel: hit.channel, atMs: hit.atMs });
  });
  try {
    engine.pipeline.playback.apply({ t: 0, dept: 'LX' as never, action: 'goto', cue: '1' as never, source: 'operator' }); // the bindings run from here
    const { pcm, clicks } = clickTrack(audioSeconds);
    const offsetMs = engine.pipeline.playback.feed.offsetMs; // engine ms of audio time 0
    const written: number[] = []; // wall ms at which the block holding each click's first sample went in
    let clickIndex = 0;
    // Audio time 0 is the engine's offset: the first block is due (its last sample heard) HOP samples later.
    const wallAtAudio0 = performance.timeOrigin + performance.now() - (Date.now() - offsetMs);
    for (let next = 0; next < pcm.length; next += HOP) {
      const end = Math.min(pcm.length, next + HOP);
      const dueWall = wallAtAudio0 + (end / RATE) * 1000;
      const wait = dueWall - wallMs();
      if (wait > 0) await sleep(wait);
      const samples = new Float32Array(end - next);
      for (let i = 0; i < samples.length; i++) samples[i] = pcm[next + i]! / 32768;
      const at = wallMs();
      while (clickIndex < clicks.length && clicks[clickIndex]! < end) {
        written.push(at);
        clickIndex++;
      }
      blocks$.next({ t: next / RATE, sampleRate: RATE, samples });
    }
    await sleep(500);
    const result: Record<string, Stats> = {};
    for (const [name, channel] of [['beat', 1], ['onset', 2]] as const) {
      const ups = rises.filter((r) => r.channel === channel).map((r) => r.atMs);
      const lat: number[] = [];
      let missed = 0;
      // Skip the first 6 s: the beat tracker locks on to the tempo first.
      written.forEach((w, k) => {
        if (k < 12) return;
        const up = ups.find((u) => u >= w - 200 && u <= w + 300);
        if (up === undefined) missed++;
        else lat.push(up - w);
      });
      result[`audio → ${name} → wire`] = stats(lat);
      if (missed > 0) console.log(`  ${name}: ${missed} of ${written.length - 12} clicks had no pulse within -200..+300 ms`);
    }
    return result;
  } finally {
    counter.watch(null);
    blocks$.complete();
    await engine.stop('hold');
  }
}

async function main(): Promise<void> {
  const dir = join(ROOT, '.tmp', 'latency');
  await rm(dir, { recursive: true, force: true });
  const counter = await ArtnetCounter.start(HOST, ARTNET_PORT);
  await counter.assertQuiet();
  console.log(`bench/latency.ts — ${loadLine()}; runner ${runner}; listener ${counter.realtime ? 'SCHED_FIFO' : 'at normal priority'}; analysis window ${BUFFER} samples at ${RATE} Hz = ${((BUFFER / RATE) * 1000).toFixed(1)} ms, hop ${HOP} = ${((HOP / RATE) * 1000).toFixed(1)} ms`);
  const results: Record<string, Stats> = {};
  try {
    Object.assign(results, await goBench(dir, counter));
    Object.assign(results, await audioBench(dir, counter));
  } finally {
    await counter.close();
  }
  const windowMs = (BUFFER / RATE) * 1000;
  for (const [name, s] of Object.entries(results)) {
    const beyond = name.startsWith('audio') ? `; beyond the ${windowMs.toFixed(1)} ms window: p50 ${(s.p50 - windowMs).toFixed(2)}, p99 ${(s.p99 - windowMs).toFixed(2)} ms` : '';
    console.log(`  ${name.padEnd(48)} ${fmt(s)}${beyond}`);
  }
  const go = results['console GO → wire, rig at rest'];
  const beat = results['audio → beat → wire'];
  console.log(`\nAcceptance (issue 20), ${loadLine()}:`);
  if (go !== undefined) console.log(`  ${go.p99 <= 10 ? 'PASS' : 'FAIL'}  console GO → wire p99 ${go.p99.toFixed(2)} ms ≤ 10 ms`);
  const shown = results['OSC grand master → shown on a console page'];
  if (shown !== undefined) console.log(`  ${shown.p50 <= 100 ? 'PASS' : 'FAIL'}  OSC grand master → shown on a console page p50 ${shown.p50.toFixed(1)} ms ≤ 100 ms (issue 17)`);
  if (beat !== undefined) console.log(`  ${beat.p99 - windowMs <= 30 ? 'PASS' : 'FAIL'}  audio → wire p99 ${(beat.p99 - windowMs).toFixed(2)} ms beyond the analysis window ≤ 30 ms`);
  if (values.json !== undefined) await writeFile(values.json, JSON.stringify({ load: loadLine(), runner, windowMs, results }, null, 2));
}

await main();
