/**
 * Big rigs on a small machine: Precue and QLC+ side by side, in one run, on the same rig.
 *
 * For each N, generates an N-universe rig (128 four-channel RGBW pars per universe, bench/lib/rigFiles.ts),
 * runs `precue run --no-audio --no-model --no-console` as a child process while GOing its two cues
 * (full / out, 1 s fades) in turn over OSC, then QLC+ (Debian's, headless) on the same rig with a
 * looping chaser of the same two scenes and 1 s fades, both at 44 Hz. A loopback listener counts the
 * Art-Net frames of every universe; /proc gives CPU and RSS. Then the same with nothing fading (idle).
 *
 *   npx tsx bench/rig.ts                                   # N = 1, 16, 64, 256, 512; idle at 1 and 256
 *   npx tsx bench/rig.ts --universes 256 --seconds 30      # one size, longer window
 *   npx tsx bench/rig.ts --idle 1 --universes ''           # the idle comparison only
 *   options: --warmup <s> (30: a fading cost is a steady state too — in the first 5–30 s of fades the
 *              engine's main thread costs 2–3× its steady cost while V8 optimises, deoptimises and
 *              re-optimises the frame loop's functions on the paths the first fades open; both peers alike)
 *            --idle-warmup <s> (30: an idle cost is a steady state, after the
 *            start-up's compiling and the collector's first memory-reducing passes; both peers alike)
 *            --idle <list> (1,256)  --qlc-max <n> (256: larger rigs run Precue alone)
 *            --qlc-rig <auto|pars|dimmers> (auto: the same 128 pars per universe up to 64 universes,
 *              then one 512-channel dimmer pack per universe, which QLC+ loads in seconds: see rigFiles.ts)
 *            --qlc-timeout <s> (300: how long QLC+ may take to load before it is given up)
 *            --qlc-attempts <n> (3: QLC+ 4.12.6 can crash mid-run — SIGSEGV in Universe::processFaders,
 *              its universe threads racing the chaser's fader list — so a crashed run is retried; the
 *              crashes are counted in the table)
 *            --no-qlc  --runner <auto|dist|tsx> (how bin/precue.js runs the engine; auto = dist when built)
 *            --json <file> (also write the figures as JSON)
 *
 * CPU is the share of one core the whole process used over the window (all threads: user + system
 * time from /proc/<pid>/stat), RSS the resident memory (mean and peak over the window). Frame gaps are
 * the times between consecutive Art-Net frames of the same universe, pooled over every universe, as
 * received on loopback. Peers run one after the other under the same load: read the ratios, and check
 * the load average printed with them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { createSocket } from 'node:dgram';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { encodeOscMessage } from '../engine/core/osc/packet.js';
import { ArtnetCounter, type CounterReport } from './lib/artnetCounter.js';
import { loadLine, ProcessSampler } from './lib/procStats.js';
import { freePort, precueArgs, stopProcess } from './lib/processes.js';
import { type QlcRig, RIG_FADE_MS, writeRigShow, writeRigWorkspace } from './lib/rigFiles.js';

const ROOT = resolve(import.meta.dirname, '..');
const RATE_HZ = 44;
/** Each peer sends to its own loopback address, so the listener hears only the peer under test. */
const PRECUE_HOST = '127.0.0.2';
const QLC_HOST = '127.0.0.3';
const ARTNET_PORT = 6454;

const { values } = parseArgs({
  options: {
    universes: { type: 'string', default: '1,16,64,256,512' },
    idle: { type: 'string', default: '1,256' },
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '30' },
    'idle-warmup': { type: 'string', default: '30' },
    'qlc-max': { type: 'string', default: '256' },
    'qlc-rig': { type: 'string', default: 'auto' },
    'qlc-timeout': { type: 'string', default: '300' },
    'qlc-attempts': { type: 'string', default: '3' },
    'no-qlc': { type: 'boolean', default: false },
    runner: { type: 'string', default: 'auto' },
    json: { type: 'string' },
  },
});
const list = (s: string): number[] => s.split(',').map((x) => x.trim()).filter((x) => x !== '').map(Number);
const sizes = list(values.universes);
const idleSizes = list(values.idle);
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
const idleWarmup = Number(values['idle-warmup']);
const qlcMax = Number(values['qlc-max']);
const runner = values.runner;
const qlcRigOption = values['qlc-rig'];
if (!['auto', 'pars', 'dimmers'].includes(qlcRigOption)) throw new Error(`--qlc-rig must be auto, pars or dimmers, not '${qlcRigOption}'`);
const qlcRig = (n: number): QlcRig => (qlcRigOption === 'auto' ? (n <= 64 ? 'pars' : 'dimmers') : (qlcRigOption as QlcRig));
const qlcTimeoutMs = Number(values['qlc-timeout']) * 1000;
const qlcAttempts = Math.max(1, Math.floor(Number(values['qlc-attempts'])));
if (!['auto', 'dist', 'tsx'].includes(runner)) throw new Error(`--runner must be auto, dist or tsx, not '${runner}'`);
if ([...sizes, ...idleSizes].some((n) => !Number.isInteger(n) || n < 1 || n > 32768)) throw new Error('universe counts must be integers 1..32768');

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function hasQlc(): boolean {
  if (values['no-qlc']) return false;
  return (process.env.PATH ?? '').split(':').some((d) => existsSync(join(d, 'qlcplus')));
}

/** One peer's figures in one phase. */
interface Result {
  readonly peer: 'precue' | 'qlcplus';
  readonly universes: number;
  readonly fading: boolean;
  /** Spawn → first Art-Net frame, ms. */
  readonly firstFrameMs: number;
  /** Spawn → "precue: running" (Precue only), ms. */
  readonly readyMs: number | null;
  readonly cpuCores: number;
  /** Of `cpuCores`: the main thread's share and the busiest other thread's (Precue's DMX frame clock). */
  readonly mainCores: number;
  readonly busiestOtherCores: number;
  readonly rssMeanMb: number;
  readonly rssMaxMb: number;
  /** Frames per second of the slowest universe and the mean over universes. */
  readonly minRateHz: number;
  readonly meanRateHz: number;
  readonly maxRateHz: number;
  readonly gapP50Ms: number;
  readonly gapP99Ms: number;
  readonly gapMaxMs: number;
  /** Universes that sent nothing in the window. */
  readonly silent: number;
  /** How QLC+ was patched (QLC+ rows only). */
  readonly qlcRig?: QlcRig;
  /** QLC+ runs that crashed before this one (each retried). */
  readonly crashes?: readonly string[];
  readonly error?: string;
}

function summarise(report: CounterReport, universes: number): Pick<Result, 'minRateHz' | 'meanRateHz' | 'maxRateHz' | 'gapP50Ms' | 'gapP99Ms' | 'gapMaxMs' | 'silent'> {
  const s = report.elapsedMs / 1000;
  let min = Infinity;
  let sum = 0;
  let silent = 0;
  for (let u = 0; u < universes; u++) {
    const f = report.frames[u] ?? 0;
    if (f === 0) silent++;
    min = Math.min(min, f / s);
    sum += f / s;
  }
  return { minRateHz: min, meanRateHz: sum / universes, maxRateHz: summariseMax(report, universes), gapP50Ms: report.gapP50Ms, gapP99Ms: report.gapP99Ms, gapMaxMs: report.gapMaxMs, silent };
}

/** Waits until the counter has seen a frame (or the process died / timed out). Returns ms since `t0`. */
async function firstFrame(counter: ArtnetCounter, child: ChildProcess, t0: number, timeoutMs: number): Promise<number> {
  while (performance.now() - t0 < timeoutMs) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited (${child.exitCode ?? child.signalCode}) before sending`);
    const r = await counter.report();
    if (r.frames.some((f) => f > 0)) return performance.now() - t0;
    await sleep(20);
  }
  throw new Error(`no Art-Net frame within ${timeoutMs / 1000} s`);
}

/**
 * Waits until a one-second window shows no universe above 1.2× the frame rate. QLC+ catches up on
 * every timer tick it missed while loading a big workspace, so it bursts for a few seconds after its
 * first frame; the window starts once the peer is steady.
 */
async function settle(counter: ArtnetCounter, universes: number): Promise<void> {
  const until = performance.now() + 120_000;
  while (performance.now() < until) {
    counter.reset();
    await sleep(1000);
    const r = summariseMax(await counter.report(), universes);
    if (r <= RATE_HZ * 1.2) return;
  }
}

function summariseMax(report: CounterReport, universes: number): number {
  let max = 0;
  for (let u = 0; u < universes; u++) max = Math.max(max, (report.frames[u] ?? 0) / (report.elapsedMs / 1000));
  return max;
}

async function measure(counter: ArtnetCounter, child: ChildProcess, universes: number, fading: boolean): Promise<Pick<Result, 'cpuCores' | 'mainCores' | 'busiestOtherCores' | 'rssMeanMb' | 'rssMaxMb'> & ReturnType<typeof summarise>> {
  const alive = (): void => {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited (${child.exitCode ?? child.signalCode}) before the window ended`);
  };
  await settle(counter, universes);
  await sleep((fading ? warmup : idleWarmup) * 1000);
  alive();
  const sampler = new ProcessSampler(child.pid!);
  counter.reset();
  sampler.start();
  await sleep(seconds * 1000);
  const proc = sampler.stop();
  alive();
  const report = await counter.report();
  return { cpuCores: proc.cpuCores, mainCores: proc.mainCores, busiestOtherCores: proc.busiestOtherCores, rssMeanMb: proc.rssMeanMb, rssMaxMb: proc.rssMaxMb, ...summarise(report, universes) };
}

async function runPrecue(dir: string, universes: number, fading: boolean, counter: ArtnetCounter): Promise<Result> {
  const oscPort = await freePort('udp');
  const showDir = await writeRigShow(join(dir, 'show'), universes, { host: PRECUE_HOST, port: ARTNET_PORT }, oscPort);
  const env = { ...process.env, ...(runner === 'tsx' ? { PRECUE_SOURCE: '1' } : runner === 'dist' ? { PRECUE_DIST: '1' } : {}) };
  if (runner === 'dist' && !existsSync(join(ROOT, 'dist'))) throw new Error('--runner dist: run `npm run build` first');
  const args = precueArgs(['run', showDir, '--no-audio', '--no-model', '--no-console', '--log-level', 'warn']);
  counter.reset(true);
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let readyMs: number | null = null;
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => {
    if (readyMs === null && d.toString().includes('precue: running')) readyMs = performance.now() - t0;
  });
  const osc = createSocket('udp4');
  let goTimer: NodeJS.Timeout | undefined;
  const base = { peer: 'precue' as const, universes, fading };
  try {
    const firstFrameMs = await firstFrame(counter, child, t0, 300_000);
    while (readyMs === null) await sleep(10);
    if (fading) {
      let cue = 1;
      const go = (): void => {
        osc.send(encodeOscMessage({ address: `/cue/${cue}/start` }), oscPort, '127.0.0.1');
        cue = cue === 1 ? 2 : 1;
      };
      go();
      goTimer = setInterval(go, RIG_FADE_MS);
    }
    const m = await measure(counter, child, universes, fading);
    return { ...base, firstFrameMs, readyMs, ...m };
  } catch (err) {
    return failed(base, `${err instanceof Error ? err.message : String(err)}${stderr !== '' ? ` — ${stderr.trim().split('\n').slice(-3).join(' / ')}` : ''}`);
  } finally {
    if (goTimer !== undefined) clearInterval(goTimer);
    osc.close();
    await stopProcess(child);
  }
}

/** Runs QLC+ until a run lasts the window (at most `qlcAttempts` runs); earlier crashes are listed in the result. */
async function runQlc(dir: string, universes: number, fading: boolean, counter: ArtnetCounter): Promise<Result> {
  const crashes: string[] = [];
  for (;;) {
    const r = await runQlcOnce(dir, universes, fading, counter);
    const crashed = r.error !== undefined && /\(SIG(SEGV|ABRT|BUS)\)/.test(r.error);
    if (!crashed || crashes.length + 1 >= qlcAttempts) return crashes.length > 0 ? { ...r, crashes } : r;
    crashes.push(r.error.split(' — ')[0]!);
  }
}

async function runQlcOnce(dir: string, universes: number, fading: boolean, counter: ArtnetCounter): Promise<Result> {
  const rig = qlcRig(universes);
  const { file, configHome } = await writeRigWorkspace(join(dir, 'qlc'), universes, { host: QLC_HOST, port: ARTNET_PORT }, fading, RATE_HZ, rig);
  await chmod(join(dir, 'qlc'), 0o700); // Qt wants its XDG_RUNTIME_DIR private
  counter.reset(true);
  const t0 = performance.now();
  // -p operate mode (runs the Autostart function), -m -n no window manager, GUI hidden.
  const child = spawn('qlcplus', ['-m', '-n', '-p', '-o', file], {
    env: { ...process.env, QT_QPA_PLATFORM: 'offscreen', XDG_CONFIG_HOME: configHome, XDG_RUNTIME_DIR: join(dir, 'qlc') },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const base = { peer: 'qlcplus' as const, universes, fading, qlcRig: rig };
  try {
    const firstFrameMs = await firstFrame(counter, child, t0, qlcTimeoutMs);
    const m = await measure(counter, child, universes, fading);
    return { ...base, firstFrameMs, readyMs: null, ...m };
  } catch (err) {
    return failed(base, `${err instanceof Error ? err.message : String(err)}${stderr !== '' ? ` — ${stderr.trim().split('\n').slice(-2).join(' / ')}` : ''}`);
  } finally {
    await stopProcess(child);
  }
}

function failed(base: Pick<Result, 'peer' | 'universes' | 'fading' | 'qlcRig'>, error: string): Result {
  return { ...base, firstFrameMs: NaN, readyMs: null, cpuCores: NaN, mainCores: NaN, busiestOtherCores: NaN, rssMeanMb: NaN, rssMaxMb: NaN, minRateHz: NaN, meanRateHz: NaN, maxRateHz: NaN, gapP50Ms: NaN, gapP99Ms: NaN, gapMaxMs: NaN, silent: base.universes, error };
}

const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '—');
const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '—');
const ratio = (a: number, b: number): string => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : '—');

function table(results: readonly Result[], fading: boolean): string {
  const rows: string[] = [];
  rows.push(`| universes | peer | CPU (of one core) | RSS mean / peak (MB) | rate min / mean / max (Hz) | frame gap p50 / p99 / max (ms) | first frame (s) | CPU ratio | RSS ratio |`);
  rows.push('|---|---|---|---|---|---|---|---|---|');
  const ns = [...new Set(results.filter((r) => r.fading === fading).map((r) => r.universes))];
  for (const n of ns) {
    const p = results.find((r) => r.fading === fading && r.universes === n && r.peer === 'precue');
    const q = results.find((r) => r.fading === fading && r.universes === n && r.peer === 'qlcplus');
    for (const r of [p, q]) {
      if (r === undefined) continue;
      const isP = r.peer === 'precue';
      rows.push(
        `| ${n} | ${r.peer === 'precue' ? 'Precue' : `QLC+ (${r.qlcRig ?? 'pars'})`} | ${pct(r.cpuCores)} | ${f1(r.rssMeanMb)} / ${f1(r.rssMaxMb)} | ${f1(r.minRateHz)} / ${f1(r.meanRateHz)} / ${f1(r.maxRateHz)} | ${f1(r.gapP50Ms)} / ${f1(r.gapP99Ms)} / ${f1(r.gapMaxMs)} | ${Number.isFinite(r.firstFrameMs) ? (r.firstFrameMs / 1000).toFixed(2) : '—'} | ${isP && q !== undefined ? ratio(r.cpuCores, q.cpuCores) : ''} | ${isP && q !== undefined ? ratio(r.rssMeanMb, q.rssMeanMb) : ''} |`,
      );
      if (r.crashes !== undefined) rows.push(`|  | ↳ ${r.peer} crashed ${r.crashes.length}× before this run (retried): ${r.crashes.join('; ')} | | | | | | | |`);
      if (r.error !== undefined) rows.push(`|  | ↳ ${r.peer} failed: ${r.error.replace(/\|/g, '/')} | | | | | | | |`);
    }
  }
  return rows.join('\n');
}

function verdicts(results: readonly Result[]): string[] {
  const out: string[] = [];
  const get = (peer: Result['peer'], n: number, fading: boolean): Result | undefined => results.find((r) => r.peer === peer && r.universes === n && r.fading === fading && r.error === undefined);
  const line = (ok: boolean, text: string): void => {
    out.push(`${ok ? 'PASS' : 'FAIL'}  ${text}`);
  };
  const p256 = get('precue', 256, true);
  const q256 = get('qlcplus', 256, true);
  if (p256 !== undefined) {
    line(p256.cpuCores <= 0.25, `256 fading: Precue CPU ${pct(p256.cpuCores)} ≤ 25% of a core`);
    if (q256 !== undefined) {
      line(p256.cpuCores <= q256.cpuCores / 3, `256 fading: Precue CPU ${pct(p256.cpuCores)} ≤ QLC+ ${pct(q256.cpuCores)} ÷ 3 = ${pct(q256.cpuCores / 3)}`);
      line(p256.rssMeanMb <= q256.rssMeanMb, `256 fading: Precue RSS ${f1(p256.rssMeanMb)} MB ≤ QLC+ ${f1(q256.rssMeanMb)} MB`);
    }
    line(p256.minRateHz >= 43, `256 fading: every universe ≥ 43 Hz (slowest ${f1(p256.minRateHz)} Hz)`);
    line(p256.gapP99Ms <= 24 && p256.gapMaxMs <= 30, `256 fading: frame gap p99 ${f1(p256.gapP99Ms)} ≤ 24 ms, max ${f1(p256.gapMaxMs)} ≤ 30 ms`);
  }
  const p512 = get('precue', 512, true);
  if (p512 !== undefined) line(p512.minRateHz >= 43 && p512.cpuCores <= 0.5, `512 fading: every universe ≥ 43 Hz (slowest ${f1(p512.minRateHz)}) with ≤ 50% of a core (${pct(p512.cpuCores)})`);
  const p1 = get('precue', 1, false);
  const q1 = get('qlcplus', 1, false);
  if (p1 !== undefined && q1 !== undefined) line(p1.cpuCores <= q1.cpuCores, `1 universe idle: Precue CPU ${pct(p1.cpuCores)} ≤ QLC+ ${pct(q1.cpuCores)}`);
  return out;
}

async function main(): Promise<void> {
  const qlc = hasQlc();
  const tmp = join(ROOT, '.tmp', 'rig');
  await rm(tmp, { recursive: true, force: true });
  const counters = { precue: await ArtnetCounter.start(PRECUE_HOST, ARTNET_PORT), qlcplus: await ArtnetCounter.start(QLC_HOST, ARTNET_PORT) };
  await Promise.all([counters.precue.assertQuiet(), counters.qlcplus.assertQuiet()]);
  const startLoad = loadLine();
  console.log(`bench/rig.ts — ${startLoad}; ${seconds} s windows after ${warmup} s warm-up (idle: ${idleWarmup} s); Precue via bin/precue.js (runner ${runner}); ${qlc ? `QLC+ up to ${qlcMax} universes` : 'QLC+ not run'}; listener ${counters.precue.realtime ? 'SCHED_FIFO' : 'at normal priority (arrival times include its wait for a CPU)'}`);
  const results: Result[] = [];
  const plan: { n: number; fading: boolean }[] = [...sizes.map((n) => ({ n, fading: true })), ...idleSizes.map((n) => ({ n, fading: false }))];
  for (const { n, fading } of plan) {
    const dir = join(tmp, `${n}${fading ? '' : '-idle'}`);
    await mkdir(dir, { recursive: true });
    const p = await runPrecue(dir, n, fading, counters.precue);
    results.push(p);
    console.log(`  ${n} ${fading ? 'fading' : 'idle'}: Precue CPU ${pct(p.cpuCores)} (main thread ${pct(p.mainCores)}, busiest other ${pct(p.busiestOtherCores)}), RSS ${f1(p.rssMeanMb)} MB, slowest universe ${f1(p.minRateHz)} Hz, gap p99 ${f1(p.gapP99Ms)} ms${p.error !== undefined ? ` — ${p.error}` : ''}`);
    if (qlc && n <= qlcMax) {
      const q = await runQlc(dir, n, fading, counters.qlcplus);
      results.push(q);
      console.log(`  ${n} ${fading ? 'fading' : 'idle'}: QLC+   CPU ${pct(q.cpuCores)}, RSS ${f1(q.rssMeanMb)} MB, slowest universe ${f1(q.minRateHz)} Hz, gap p99 ${f1(q.gapP99Ms)} ms${q.crashes !== undefined ? ` (after ${q.crashes.length} crashed run${q.crashes.length === 1 ? '' : 's'})` : ''}${q.error !== undefined ? ` — ${q.error}` : ''}`);
    }
  }
  await counters.precue.close();
  await counters.qlcplus.close();
  console.log(`\nFading every channel, 1 s fades (${loadLine()} at the end):\n`);
  console.log(table(results, true));
  if (idleSizes.length > 0) {
    console.log('\nIdle (nothing fading):\n');
    console.log(table(results, false));
  }
  const v = verdicts(results);
  if (v.length > 0) console.log(`\nAcceptance (issue 20):\n${v.map((l) => `  ${l}`).join('\n')}`);
  if (values.json !== undefined) await writeFile(values.json, JSON.stringify({ load: { start: startLoad, end: loadLine() }, seconds, warmup, runner, results }, null, 2));
}

await main();
