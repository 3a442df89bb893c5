/**
 * The frame clock's worker thread: owns the DMX drivers and sends each universe on its own grid
 * (k / rateHz), away from audio analysis, the model and the WebSocket server on the main thread.
 *
 * Timing: a coarse setTimeout wakes the thread ~4 ms early, then Atomics.wait sleeps the remainder
 * (a futex with sub-millisecond precision) — no spinning. Buffers are preallocated; a tick allocates
 * nothing. Unchanged looks are re-sent at `rateHz` (or every `keepAliveMs` with `sendOnChange`), so
 * receivers never time out. If the main thread stalls or dies mid-show, the last look keeps going out.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { execFileSync } from 'node:child_process';
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { parseCid } from '../../core/dmx/sacn.js';
import { DeviceError } from '../../core/errors.js';
import { RepeatingProblem } from '../repeatingProblem.js';
import { DriverFactory } from '../dmx/createDriver.js';
import { type CloseMode, type DmxDriver } from '../dmx/driver.js';
import { ArtnetDriver, ArtSyncSender } from '../dmx/artnetDriver.js';
import { SacnDiscoverySender, SacnDriver, SacnSyncSender } from '../dmx/sacnDriver.js';
import { SACN_DISCOVERY_INTERVAL_MS } from '../../core/dmx/sacn.js';
import { dataOffset, type FromWorker, type FrameClockStats, type FrameClockWorkerData, type OutputMode, type ToWorker } from './protocol.js';
import { TimingHistogram } from './timing.js';

const port = parentPort;
if (port === null) throw new Error('frame clock worker must run in a worker thread');
const data = workerData as FrameClockWorkerData;
const post = (m: FromWorker): void => port.postMessage(m);

interface Slot {
  readonly index: number;
  readonly id: number;
  readonly driver: DmxDriver;
  readonly view: Uint8Array;
  readonly frame: Uint8Array;
  readonly sendOnChange: boolean;
  readonly keepAliveMs: number;
  readonly sync: SacnSyncSender | ArtSyncSender | undefined;
  lastSeq: number;
  lastSendMs: number;
  /** Sends nothing (a hot standby's Art-Net and USB universes). */
  silent: boolean;
}

interface Group {
  readonly periodMs: number;
  readonly slots: Slot[];
  /** Grid index of the next tick. */
  k: number;
}

const header = new Int32Array(data.shared, 0, 1 + data.universes.length);
const cid = parseCid(data.cidHex);
const factory = new DriverFactory(cid, data.multicastInterface !== undefined ? { multicastInterface: data.multicastInterface } : {});
const syncSenders = new Map<number, SacnSyncSender>();
const artSyncSenders = new Map<string, ArtSyncSender>();
const slots: Slot[] = data.universes.map((u, index) => {
  const driver = factory.create(u.driver);
  let sync: SacnSyncSender | ArtSyncSender | undefined;
  if (driver instanceof SacnDriver && driver.syncUniverse !== undefined) {
    const dest = driver.syncDestination()!;
    const key = driver.syncUniverse;
    sync = syncSenders.get(key) ?? new SacnSyncSender(key, cid, dest, driver.socket);
    syncSenders.set(key, sync);
  } else if (driver instanceof ArtnetDriver && driver.syncDestination() !== undefined) {
    // One ArtSync per destination and socket per frame, however many universes go there.
    const dest = driver.syncDestination()!;
    const key = `${driver.socket.name}|${dest.host}:${dest.port}`;
    sync = artSyncSenders.get(key) ?? new ArtSyncSender(dest, driver.socket);
    artSyncSenders.set(key, sync);
  }
  return {
    index,
    id: u.id,
    driver,
    view: new Uint8Array(data.shared, dataOffset(data.universes.length, index), 512),
    frame: new Uint8Array(512),
    sendOnChange: u.sendOnChange,
    keepAliveMs: u.keepAliveMs,
    sync,
    lastSeq: -1,
    lastSendMs: -Infinity,
    silent: false,
  };
});

/** Applies an output mode: each sACN stream's priority (the show's where the mode names none), silence elsewhere. */
function applyOutputMode(mode: OutputMode | undefined): void {
  for (const s of slots) {
    const u = data.universes[s.index]!;
    if (s.driver instanceof SacnDriver) {
      const showPriority = u.driver.kind === 'sacn' ? u.driver.priority : 100;
      s.driver.setPriority(mode?.sacnPriority[u.id] ?? showPriority);
      s.silent = false;
    } else s.silent = mode?.silenceNonSacn ?? false;
    // The next tick sends, also when the look is unchanged: receivers see a takeover's priority at once.
    s.lastSendMs = -Infinity;
  }
}
applyOutputMode(data.outputMode);
const groups: Group[] = [];
for (const s of slots) {
  const rate = data.universes[s.index]!.rateHz;
  const periodMs = 1000 / rate;
  let g = groups.find((x) => Math.abs(x.periodMs - periodMs) < 1e-9);
  if (g === undefined) {
    g = { periodMs, slots: [], k: 0 };
    groups.push(g);
  }
  g.slots.push(s);
}

// sACN universe discovery: one announcer per sending socket, listing the universes sent through it.
const discovery: SacnDiscoverySender[] = [];
{
  const bySocket = new Map<SacnDriver['socket'], SacnDriver[]>();
  for (const s of slots) if (s.driver instanceof SacnDriver) bySocket.set(s.driver.socket, [...(bySocket.get(s.driver.socket) ?? []), s.driver]);
  for (const [socket, streams] of bySocket) discovery.push(new SacnDiscoverySender(cid, streams, socket));
}
let discoveryTimer: ReturnType<typeof setInterval> | undefined;

const histogram = new TimingHistogram();
let overruns = 0;
let packets = 0;
let t0 = 0;
let statsStart = 0;
let cpuStartNs = 0;
let stopping = false;
const syncDue = new Set<SacnSyncSender | ArtSyncSender>();

function threadCpuNs(): number {
  try {
    const text = readFileSync('/proc/thread-self/schedstat', 'latin1');
    return Number(text.split(' ')[0]);
  } catch {
    return -1;
  }
}

/** Copies a universe's shared bytes under the seqlock; returns the sequence, or -1 if mid-write. */
function readShared(s: Slot): number {
  for (let attempt = 0; attempt < 3; attempt++) {
    const a = Atomics.load(header, 1 + s.index);
    if ((a & 1) === 1) continue;
    s.frame.set(s.view);
    if (Atomics.load(header, 1 + s.index) === a) return a;
  }
  return -1; // the main thread is writing right now: send the previous frame again
}

function tick(g: Group, idealMs: number): void {
  for (const s of g.slots) {
    const seq = readShared(s);
    const now = performance.now();
    const changed = seq !== -1 && seq !== s.lastSeq;
    if (s.silent || (s.sendOnChange && !changed && now - s.lastSendMs < s.keepAliveMs)) {
      if (s.silent && seq !== -1) s.lastSeq = seq;
      continue;
    }
    if (seq !== -1) s.lastSeq = seq;
    s.driver.send(s.frame);
    packets++;
    s.lastSendMs = now;
    if (s.sync !== undefined) syncDue.add(s.sync);
    if (data.measure) histogram.add(performance.now() - idealMs);
  }
  if (syncDue.size > 0) {
    for (const sync of syncDue) sync.send();
    syncDue.clear();
  }
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

function loop(): void {
  if (stopping) return;
  try {
    for (;;) {
      let nextMs = Infinity;
      let now = performance.now();
      for (const g of groups) {
        let ideal = t0 + g.k * g.periodMs;
        if (ideal <= now + 0.02) {
          if (now - ideal > g.periodMs) {
            // Fell behind (machine stalled): skip to the current grid point instead of bursting.
            const skip = Math.floor((now - ideal) / g.periodMs);
            overruns += skip;
            g.k += skip;
            ideal = t0 + g.k * g.periodMs;
          }
          tick(g, ideal);
          g.k++;
          now = performance.now();
        }
        nextMs = Math.min(nextMs, t0 + g.k * g.periodMs);
      }
      if (nextMs === Infinity) return;
      const wait = nextMs - performance.now();
      if (wait > 5) {
        // Wake well before the deadline (timers run late on a loaded machine), then sleep precisely.
        setTimeout(loop, wait - 4);
        return;
      }
      if (wait > 0) Atomics.wait(sleepCell, 0, 0, wait);
    }
  } catch (err) {
    // A bug in a tick must not stop the look going out: report and carry on next period.
    post({ type: 'log', level: 'error', message: `frame clock tick failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}` });
    setTimeout(loop, 1);
  }
}

function stats(reset: boolean): FrameClockStats {
  const now = performance.now();
  const cpu = threadCpuNs();
  const s: FrameClockStats = {
    elapsedMs: now - statsStart,
    cpuMs: cpu < 0 || cpuStartNs < 0 ? -1 : (cpu - cpuStartNs) / 1e6,
    timing: histogram.summary(),
    overruns,
    packets,
    universes: slots.map((x) => ({ id: x.id, description: x.driver.description, ...x.driver.stats })),
    udpErrors: factory.udpErrors(),
  };
  if (reset) {
    histogram.reset();
    overruns = 0;
    packets = 0;
    statsStart = now;
    cpuStartNs = cpu;
  }
  return s;
}

async function stop(mode: CloseMode): Promise<void> {
  stopping = true;
  if (discoveryTimer !== undefined) clearInterval(discoveryTimer);
  await Promise.allSettled(slots.map((s) => s.driver.close(mode)));
  await factory.close();
  post({ type: 'stopped' });
  port!.close();
}

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'stats':
      post({ type: 'stats', requestId: m.requestId, stats: stats(m.reset) });
      break;
    case 'stop':
      void stop(m.mode);
      break;
    case 'outputMode':
      applyOutputMode(m.mode);
      break;
  }
});

/**
 * Raises this thread's scheduling priority so a loaded machine preempts other work rather than the
 * DMX clock. Measured on a 2-core box at load 12: nice -10 still let wake-ups slip by 8 ms at p99;
 * SCHED_FIFO (as audio servers use for their I/O threads) kept them under 0.2 ms. The thread sleeps
 * between frames (Atomics.wait), so real-time priority cannot starve the machine. Needs CAP_SYS_NICE
 * (root or `setcap`/rtkit); without it we fall back to nice, then to normal, and say so once.
 */
function raisePriority(mode: FrameClockWorkerData['priority']): void {
  if (mode === 'normal') return;
  let tid: string;
  try {
    tid = readlinkSync('/proc/thread-self').split('/').pop() ?? '';
    if (!/^\d+$/.test(tid)) return;
  } catch {
    return;
  }
  if (mode === 'realtime') {
    try {
      execFileSync('chrt', ['--fifo', '--pid', '20', tid], { stdio: 'ignore', timeout: 2000 });
      post({ type: 'log', level: 'debug', message: `frame clock thread ${tid} runs SCHED_FIFO 20` });
      return;
    } catch (err) {
      post({ type: 'log', level: 'info', message: `frame clock could not get real-time priority (chrt: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}); trying nice -10` });
    }
  }
  try {
    setPriority(Number(tid), -10);
  } catch (err) {
    post({ type: 'log', level: 'info', message: `frame clock runs at normal priority (${err instanceof Error ? err.message : String(err)}); grant CAP_SYS_NICE for steadier timing on a loaded machine` });
  }
}

async function start(): Promise<void> {
  raisePriority(data.priority);
  const results = await Promise.allSettled(slots.map((s) => s.driver.open()));
  const openErrors = results.flatMap((r, i) => {
    if (r.status === 'fulfilled') return [];
    const e: unknown = r.reason;
    const d = slots[i]!.driver.description;
    return [e instanceof DeviceError ? { device: e.device, detail: e.message, ...(e.hint !== undefined ? { hint: e.hint } : {}) } : { device: d, detail: `${d}: ${String(e)}` }];
  });
  t0 = performance.now();
  statsStart = t0;
  cpuStartNs = threadCpuNs();
  post({ type: 'ready', openErrors });
  loop();
  if (discovery.length > 0) {
    const announce = (): void => {
      for (const d of discovery) d.send();
    };
    announce();
    discoveryTimer = setInterval(announce, SACN_DISCOVERY_INTERVAL_MS);
  }
  watchSendErrors();
}

/**
 * A network that goes away (EHOSTUNREACH, ENETDOWN, ENOBUFS) fails every DMX packet: logged once
 * with a count and once when it clears, while the clock keeps sending (each send is a retry) and the
 * other universes and outputs are never held up.
 */
function watchSendErrors(): void {
  const problems = new Map<string, { seen: number; problem: RepeatingProblem; quietSince: number }>();
  const timer = setInterval(() => {
    const now = performance.now();
    for (const u of factory.udpSockets()) {
      let p = problems.get(u.name);
      if (p === undefined) {
        p = { seen: 0, quietSince: now, problem: new RepeatingProblem(`DMX over ${u.name}`, (level, message) => post({ type: 'log', level, message })) };
        problems.set(u.name, p);
      }
      const fresh = u.errors - p.seen;
      p.seen = u.errors;
      if (fresh > 0) {
        p.problem.occurred(`sending fails: ${u.lastError ?? 'unknown error'}`, now, fresh);
        p.quietSince = now;
      } else if (now - p.quietSince > 2000) p.problem.cleared();
    }
  }, 1000);
  timer.unref();
}

start().catch((err: unknown) => post({ type: 'fatal', message: err instanceof Error ? err.message : String(err) }));
