/**
 * bench/soak.ts — does the engine hold a show day? Loops the demo show with its model, listening and a
 * console attached, and samples heap, RSS, event-loop delay and frame gaps every 30 s. Fails (exit 1)
 * on memory growth above 5 MB per hour after warm-up or on any frame gap above 50 ms.
 *
 *   npx tsx --expose-gc bench/soak.ts --offline --hours 8    # 8 show-hours on virtual time, as fast as the CPU allows
 *   npx tsx --expose-gc bench/soak.ts --live --hours 1       # 1 real hour: the real engine (startEngine), a WebSocket
 *                                                            # console, Art-Net received and timed on loopback
 *        … --live --dist                                    # the compiled engine (`npm run build`), as `precue run` ships
 *
 * Before each sample every isolate is collected (the main thread's, and each worker's through the
 * inspector), so a slow worker's uncollected garbage does not read as growth; the workers' heaps are
 * reported by name.
 *
 * Offline, a "frame gap" is the CPU time one 44 Hz frame tick takes to compute (the virtual clock has
 * no gaps; its wall time, which includes being descheduled on a shared machine, is kept as
 * `wireGapMaxMs`); live it is the time between two frame ticks of the main thread and between two Art-Net
 * packets of one universe at the receiver, while the look moves: between fades the frame loop rests and
 * a universe goes out once a second (keep-alive), by design. Growth is the least-squares slope of the post-GC heap
 * (and of RSS) over the samples after warm-up. Writes .tmp/soak/<mode>.json and .png (vega-lite).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Subject } from 'rxjs';
import WebSocket from 'ws';
import type { ConsoleInput } from '../engine/core/arbiter/arbiter.js';
import { listen } from '../engine/core/audio/listen.js';
import type { AudioBlock } from '../engine/core/audio/types.js';
import { ConsoleModel } from '../engine/core/console/consoleModel.js';
import type { FixtureProfile } from '../engine/core/fixtures/profile.js';
import { modelPredictor } from '../engine/core/model/predictor.js';
import { modelListening } from '../engine/core/model/types.js';
import { recyclingOfflineScheduler } from './lib/recyclingScheduler.js';
import { buildShowPipeline } from '../engine/core/pipeline.js';
import { catalogFromDefinitions } from '../engine/core/show/catalog.js';
import { readWavFile } from '../engine/io/audio/wavFile.js';
import { loadFixtureLibrary } from '../engine/io/fixtures/loadFixtureLibrary.js';
import { loadModelFolder } from '../engine/io/model/modelFolder.js';
import { loadShow } from '../engine/io/show/loadShow.js';
import type * as EngineMain from '../engine/main.js';
import type * as EnginePriority from '../engine/io/enginePriority.js';
import type * as EngineLog from '../engine/core/log.js';
import { existsSync } from 'node:fs';
import type { FrameTickWindow } from '../engine/io/frameTicks.js';
import { renderLinePlot } from './lib/plot.js';
import { ArtnetCounter } from './lib/artnetCounter.js';
import { Isolates, type IsolateHeap } from './lib/isolates.js';
import { readRssByKind, type RssByKind } from './lib/smaps.js';
import { freePort } from './lib/processes.js';

const { values } = parseArgs({
  options: {
    offline: { type: 'boolean', default: false },
    live: { type: 'boolean', default: false },
    hours: { type: 'string', default: '1' },
    'sample-s': { type: 'string', default: '30' },
    'warmup-min': { type: 'string', default: '10' },
    out: { type: 'string', default: '.tmp/soak' },
    dist: { type: 'boolean', default: false },
  },
});
const root = resolve(import.meta.dirname, '..');
const showDir = join(root, 'shows/demo');
const hours = Number(values.hours);
const sampleMs = Number(values['sample-s']) * 1000;
const warmupMs = Number(values['warmup-min']) * 60_000;
const mode = values.live ? 'live' : 'offline';
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) process.stderr.write('soak: run with --expose-gc (npx tsx --expose-gc bench/soak.ts) for post-GC heap figures\n');

/** One 30 s sample. */
interface Sample {
  /** Show time, minutes. */
  readonly tMin: number;
  readonly heapMB: number;
  readonly rssMB: number;
  readonly externalMB: number;
  /** Event-loop delay over the window, ms (live only). */
  readonly loopDelayP99Ms: number;
  readonly loopDelayMaxMs: number;
  /** Largest frame gap in the window, ms (see the header). */
  readonly frameGapMaxMs: number;
  readonly frameGapP99Ms: number;
  /** Live: Art-Net inter-packet gap at the receiver, ms. Offline: the frame compute's wall time. */
  readonly wireGapMaxMs: number;
  readonly decisions: number;
  readonly consoleMessages: number;
  /** Live: the longest garbage-collection pause of the engine's main thread in the window (the bench's own forced GC left out), ms, and its kind. */
  readonly gcPauseMaxMs?: number;
  readonly gcPauseKind?: string;
  /** Live: the heaps of the process's worker threads after a full collection in each, MB used (see `bench/lib/isolates.ts`). */
  readonly workerHeaps?: readonly IsolateHeap[];
  /** RSS split into malloc's arenas and the rest (see `bench/lib/smaps.ts`), where /proc has it. */
  readonly rssKinds?: RssByKind;
}

const mb = (n: number): number => Math.round((n / 1048576) * 10) / 10;
const p99 = (xs: number[]): number => {
  if (xs.length === 0) return 0;
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.99))]!;
};
const maxOf = (xs: readonly number[]): number => xs.reduce((m, x) => (x > m ? x : m), 0);
function memory(): { heapMB: number; rssMB: number; externalMB: number } {
  gc?.();
  const m = process.memoryUsage();
  return { heapMB: mb(m.heapUsed), rssMB: mb(m.rss), externalMB: mb(m.external) };
}

/** Least-squares slope (MB per hour) of `key` (or what `value` reads) over samples after warm-up. */
function slopePerHour(samples: readonly Sample[], key: 'heapMB' | 'rssMB' | ((s: Sample) => number)): number {
  const value = typeof key === 'function' ? key : (s: Sample): number => s[key];
  const xs = samples.filter((s) => s.tMin * 60_000 >= warmupMs);
  if (xs.length < 3) return NaN;
  const mx = xs.reduce((a, s) => a + s.tMin, 0) / xs.length;
  const my = xs.reduce((a, s) => a + value(s), 0) / xs.length;
  let num = 0;
  let den = 0;
  for (const s of xs) {
    num += (s.tMin - mx) * (value(s) - my);
    den += (s.tMin - mx) ** 2;
  }
  return (num / den) * 60;
}

async function runOffline(): Promise<Sample[]> {
  const library = await loadFixtureLibrary(join(root, 'fixtures'));
  const loaded = await loadShow(showDir, catalogFromDefinitions(library));
  const show = loaded.show;
  const profiles = new Map<string, FixtureProfile>(show.fixtures.map((f) => [f.id, library.profile(f.type, f.mode)]));
  const model = await loadModelFolder(join(showDir, show.model.path));
  const scheduler = recyclingOfflineScheduler();
  if (show.audio === undefined || show.audio.source.kind !== 'file') throw new Error('the demo show has no audio file');
  const wav = await readWavFile(join(loaded.dir, show.audio.source.path));
  const blocks$ = new Subject<AudioBlock>();
  const listening = listen(blocks$, modelListening(model.meta), scheduler);
  const console$ = new Subject<ConsoleInput>();
  const pipeline = buildShowPipeline(show, profiles, { console$, listening, predict: modelPredictor(model, { audioOffsetMs: 0 }, scheduler), policy: model.meta.policy.numbers, audioOffsetMs: 0 }, scheduler);
  const consoleModel = new ConsoleModel(pipeline, { engineId: 'soak', showName: show.name, showPath: loaded.dir, commands: console$, listening, audioOffsetMs: 0 }, scheduler);
  let decisions = 0;
  let consoleMessages = 0;
  pipeline.decisions$.subscribe(() => decisions++);
  pipeline.messages$.subscribe(() => undefined);
  listening.sections$.subscribe();
  listening.tempo$.subscribe();
  // The console: every delta serialised as the server would, a fresh snapshot every minute.
  consoleModel.deltas$.subscribe((d) => {
    consoleMessages++;
    JSON.stringify(d);
  });
  // The audio (the demo take looped, the trackers reset at each loop as the live source does) and
  // the 44 Hz frame ticks are driven from here, in time order, advancing the virtual clock to each:
  // an rxjs interval or a self-rescheduling action on a VirtualTimeScheduler chains every action to
  // the previous one, which grows without bound (and overflows the stack on unsubscribe).
  const blockSize = 512;
  const blocksPerLoop = Math.ceil(wav.samples.length / blockSize);
  const loopS = wav.samples.length / wav.sampleRate;
  const blockAt = (k: number): AudioBlock => {
    const loop = Math.floor(k / blocksPerLoop);
    const i = k % blocksPerLoop;
    return { t: loop * loopS + (i * blockSize) / wav.sampleRate, sampleRate: wav.sampleRate, samples: wav.samples.subarray(i * blockSize, Math.min(wav.samples.length, (i + 1) * blockSize)), ...(i === 0 ? { reset: true } : {}) };
  };
  const blockDueMs = (k: number): number => {
    const b = blockAt(k);
    return (b.t + b.samples.length / b.sampleRate) * 1000;
  };
  const frameMs = 1000 / 44;
  let nextBlock = 0;
  let nextFrame = 1;
  let nextSnapshotMs = 60_000;
  const advance = (toMs: number): void => {
    scheduler.maxFrames = toMs;
    scheduler.flush();
    scheduler.frame = toMs;
  };
  let gaps: number[] = [];
  let wallGaps: number[] = [];
  const samples: Sample[] = [];
  const endMs = hours * 3_600_000;
  const wall = performance.now();
  for (let t = sampleMs; t <= endMs; t += sampleMs) {
    for (;;) {
      const blockDue = blockDueMs(nextBlock);
      const frameDue = nextFrame * frameMs;
      const due = Math.min(blockDue, frameDue, nextSnapshotMs);
      if (due > t) break;
      advance(due);
      if (due === blockDue) blocks$.next(blockAt(nextBlock++));
      else if (due === frameDue) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        pipeline.frame(due);
        wallGaps.push(performance.now() - t0);
        const c = process.cpuUsage(c0);
        gaps.push((c.user + c.system) / 1000);
        nextFrame++;
      } else {
        JSON.stringify(consoleModel.snapshot());
        nextSnapshotMs += 60_000;
      }
    }
    advance(t);
    const rssKinds = await readRssByKind();
    const s: Sample = { tMin: t / 60_000, ...memory(), ...(rssKinds !== undefined ? { rssKinds } : {}), loopDelayP99Ms: 0, loopDelayMaxMs: 0, frameGapMaxMs: maxOf(gaps), frameGapP99Ms: p99(gaps), wireGapMaxMs: maxOf(wallGaps), decisions, consoleMessages };
    gaps = [];
    wallGaps = [];
    samples.push(s);
    if (samples.length % 20 === 0) process.stderr.write(`  ${(t / 3_600_000).toFixed(2)} show-hours (${((performance.now() - wall) / 1000).toFixed(0)} s wall): heap ${s.heapMB} MB, rss ${s.rssMB} MB, ${decisions} decisions\n`);
  }
  pipeline.dispose();
  consoleModel.dispose();
  return samples;
}

/**
 * The live engine's modules: the compiled ones in dist/ with `--dist` (what `precue run` ships; its
 * worker threads then run without the TypeScript loader), else the sources.
 */
async function engineModules(): Promise<{ startEngine: typeof EngineMain.startEngine; raiseEnginePriority: typeof EnginePriority.raiseEnginePriority; createLogger: typeof EngineLog.createLogger }> {
  if (values.dist) {
    const built = join(root, 'dist', 'engine');
    if (!existsSync(join(built, 'main.js'))) throw new Error('--dist: run `npm run build` first');
    const m = (await import(join(built, 'main.js'))) as typeof EngineMain;
    const p = (await import(join(built, 'io', 'enginePriority.js'))) as typeof EnginePriority;
    const l = (await import(join(built, 'core', 'log.js'))) as typeof EngineLog;
    return { startEngine: m.startEngine, raiseEnginePriority: p.raiseEnginePriority, createLogger: l.createLogger };
  }
  const [m, p, l] = await Promise.all([import('../engine/main.js'), import('../engine/io/enginePriority.js'), import('../engine/core/log.js')]);
  return { startEngine: m.startEngine, raiseEnginePriority: p.raiseEnginePriority, createLogger: l.createLogger };
}

async function runLive(): Promise<Sample[]> {
  const { startEngine, raiseEnginePriority, createLogger } = await engineModules();
  process.stderr.write(`soak: the engine from ${values.dist ? 'dist/ (compiled)' : 'the TypeScript sources (tsx)'}\n`);
  const token = 'soak-operator-token-0123456789';
  // Art-Net is received and timed in a counting thread of its own at real-time priority (as bench/rig.ts
  // does), not on this thread, which the engine shares: its arrival times are the packets'.
  const artnetPort = await freePort('udp');
  const artnet = await ArtnetCounter.start('127.0.0.1', artnetPort, { movingOnly: true });
  // Every isolate is collected before a sample: a worker that allocates slowly can go the whole hour
  // without a major collection of its own, and its garbage would read as the engine's growth.
  const isolates = await Isolates.attach();
  // As `precue run` does before it starts the engine.
  raiseEnginePriority(createLogger('bench/soak'));
  const engine = await startEngine({
    showDir,
    fixturesDir: join(root, 'fixtures'),
    console: { host: '127.0.0.1', port: 0, tokens: { env: { PRECUE_TOKEN_OPERATOR: token } } },
    artnetHost: '127.0.0.1',
    artnetPort,
    oscInPort: 0,
  });
  process.stderr.write(`${engine.banner.map((l) => `  ${l}`).join('\n')}\n`);
  // Frame ticks of the main thread, as the engine measures them (/healthz: since the last read).
  const frames = async (): Promise<FrameTickWindow> => ((await (await fetch(`${engine.server!.url}healthz`)).json()) as { frames: FrameTickWindow }).frames;
  await frames();
  // Art-Net at the receiver: gap between packets of each universe while its look moves (the packet
  // before the gap brought a new look). At rest a universe goes out once a second (keep-alive) by design.
  artnet.reset(true);
  if (!artnet.realtime) process.stderr.write('soak: the Art-Net counting thread did not get real-time priority (needs CAP_SYS_NICE): its gaps include waits for a CPU\n');
  let decisions = 0;
  engine.pipeline.decisions$.subscribe(() => decisions++);
  // One console attached for the whole hour, as the desk would be.
  let consoleMessages = 0;
  const ws = new WebSocket(`${engine.server!.wsUrl}?token=${encodeURIComponent(token)}`);
  ws.on('message', () => consoleMessages++);
  ws.on('error', (err) => process.stderr.write(`console error: ${err.message}\n`));
  // The main thread's GC pauses, to tell a stall of the engine's own work from a collection.
  let gcMax = { ms: 0, kind: '' };
  let forcing = false;
  const GC_KINDS: Record<number, string> = { [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major', [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor', [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental', [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks' };
  const gcObserver = new PerformanceObserver((list) => {
    if (forcing) return;
    for (const e of list.getEntries()) {
      const kind = GC_KINDS[((e as PerformanceEntry & { detail?: { kind?: number } }).detail)?.kind ?? -1] ?? 'other';
      if (e.duration > gcMax.ms) gcMax = { ms: e.duration, kind };
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const eld = monitorEventLoopDelay({ resolution: 10 });
  eld.enable();
  const samples: Sample[] = [];
  const started = performance.now();
  const endMs = hours * 3_600_000;
  let gcMsMax = 0;
  await new Promise<void>((done) => {
    const timer = setInterval(() => void sample(), sampleMs);
    const sample = async (): Promise<void> => {
      const tMs = performance.now() - started;
      const f = await frames();
      const loopDelayP99Ms = eld.percentile(99) / 1e6;
      const loopDelayMaxMs = eld.max / 1e6;
      const wireGapMaxMs = (await artnet.report()).gapMaxMs;
      artnet.reset();
      const gcStart = performance.now();
      const window = gcMax;
      forcing = true;
      await isolates.collectWorkers();
      const workerHeaps = await isolates.workerHeaps();
      const rssKinds = await readRssByKind();
      const s: Sample = { tMin: tMs / 60_000, workerHeaps, ...memory(), ...(rssKinds !== undefined ? { rssKinds } : {}), loopDelayP99Ms, loopDelayMaxMs, frameGapMaxMs: f.gapMaxMs, frameGapP99Ms: f.gapP99Ms, wireGapMaxMs, decisions, consoleMessages, gcPauseMaxMs: window.ms, gcPauseKind: window.kind };
      const gcMs = performance.now() - gcStart;
      // The full GC this bench forces for its post-GC heap figure stops the engine's main thread (the
      // same isolate) for tens of ms: the frame ticks and loop delay across it are the bench's, not
      // the engine's, so that stretch is dropped (the wire, sent from the frame clock's own thread, is not).
      await new Promise((r) => setTimeout(r, 100));
      await frames();
      // The frame clock worker's forced collection may hold a packet back: the wire's count restarts too.
      artnet.reset(true);
      eld.reset();
      // The forced GC's entry arrives asynchronously: the window restarts after it.
      forcing = false;
      gcMax = { ms: 0, kind: '' };
      gcMsMax = Math.max(gcMsMax, gcMs);
      samples.push(s);
      process.stderr.write(`  ${s.tMin.toFixed(1)} min: heap ${s.heapMB} MB, rss ${s.rssMB} MB, frame gap max ${s.frameGapMaxMs.toFixed(1)} ms (longest GC pause ${(s.gcPauseMaxMs ?? 0).toFixed(1)} ms ${s.gcPauseKind ?? ''}), loop delay p99 ${s.loopDelayP99Ms.toFixed(1)} ms, workers' heaps ${workerHeaps.map((h) => `${h.name} ${h.usedMB}`).join(' / ')} MB, ${decisions} decisions, ${consoleMessages} console messages\n`);
      void writeFile(join(outDir, `${mode}.partial.json`), JSON.stringify(samples));
      if (tMs >= endMs) {
        clearInterval(timer);
        done();
      }
    };
  });
  eld.disable();
  gcObserver.disconnect();
  if (gc !== undefined) process.stderr.write(`  the bench's own forced GC took up to ${gcMsMax.toFixed(1)} ms (the engine's frame ticks across it are not counted)\n`);
  ws.close();
  await engine.stop('clean');
  await isolates.close();
  await artnet.close();
  return samples;
}

const outDir = resolve(root, values.out);
await mkdir(outDir, { recursive: true });
const samples = await (mode === 'live' ? runLive() : runOffline());
const heapSlope = slopePerHour(samples, 'heapMB');
const rssSlope = slopePerHour(samples, 'rssMB');
const worstGap = maxOf(samples.filter((s) => s.tMin * 60_000 >= 60_000).map((s) => Math.max(s.frameGapMaxMs, mode === 'live' ? s.wireGapMaxMs : 0)));
const ok = heapSlope <= 5 && worstGap <= 50 && (mode === 'offline' || rssSlope <= 5);
// Where RSS growth lives: malloc (main arena, thread arenas) or V8 and the rest.
const kindSlope = (k: keyof RssByKind): number => slopePerHour(samples.filter((s) => s.rssKinds !== undefined), (s) => s.rssKinds![k]);
const rssGrowthByKindMBPerHour = samples.some((s) => s.rssKinds !== undefined)
  ? { mallocMain: kindSlope('mallocMainMB'), mallocThreads: kindSlope('mallocThreadsMB'), anon: kindSlope('anonMB'), file: kindSlope('fileMB') }
  : undefined;
const summary = { mode, hours, sampleS: sampleMs / 1000, warmupMin: warmupMs / 60_000, heapGrowthMBPerHour: heapSlope, rssGrowthMBPerHour: rssSlope, rssGrowthByKindMBPerHour, worstFrameGapMs: worstGap, ok };
await writeFile(join(outDir, `${mode}.json`), JSON.stringify({ summary, samples }, null, 1));
await renderLinePlot(join(outDir, `${mode}.png`), `Precue soak (${mode}, ${hours} h, demo show with model + console)`, samples.map((s) => ({ tMin: s.tMin, 'heap MB (post-GC)': s.heapMB, 'RSS MB': s.rssMB, 'frame gap max ms': s.frameGapMaxMs, ...(mode === 'live' ? { 'Art-Net gap max ms': s.wireGapMaxMs, 'loop delay p99 ms': s.loopDelayP99Ms, "workers' heaps MB (post-GC)": (s.workerHeaps ?? []).reduce((a, h) => a + h.usedMB, 0) } : {}) })));
process.stdout.write(`${JSON.stringify(summary, null, 1)}\nwrote ${join(values.out, `${mode}.json`)} and ${mode}.png\n`);
process.exitCode = ok ? 0 : 1;
