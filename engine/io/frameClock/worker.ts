/**
 * The frame clock's worker thread: owns the DMX drivers and sends each universe on its own grid
 * (k / rateHz), away from audio analysis, the model and the WebSocket server on the main thread.
 *
 * Timing: a coarse wait (Atomics.waitAsync, so messages still arrive) wakes the thread ~4 ms early,
 * then Atomics.wait sleeps the remainder (a futex with sub-millisecond precision) — no spinning.
 * A group of universes whose looks are all at rest leaves its grid and sleeps until a keep-alive is
 * due or the main thread rings the doorbell (header cell 0) with a new look: that look goes out at
 * once and the group's grid restarts from it, so a GO reaches the wire without waiting for a grid
 * point, and a rig at rest wakes this thread about once a second. A moving group sleeps between its
 * grid points on the urgent cell: a look written as urgent (a GO, a beat, PANIC while something
 * fades) goes out at once and the grid restarts from it, as after a rest. Buffers are preallocated; a tick allocates
 * nothing. A universe goes out when its look changed, then REPEATS_AFTER_CHANGE times more (and,
 * while the engine's looks are moving, at its full rate for MOVING_HOLD_MS after each change, so a
 * fade keeps its frame rate through a stall of the main thread), then every `keepAliveMs`
 * (engine/core/dmx/refresh.ts has the protocols' rules): a rig at rest costs a packet a second per
 * universe and receivers never time out. A universe that must stream (Open DMX, or `sendOnChange:
 * false`) goes out at its rate. If the main thread stalls or dies mid-show, the last look keeps going
 * out.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { execFileSync } from 'node:child_process';
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { parseCid } from '../../core/dmx/sacn.js';
import { REPEATS_AFTER_CHANGE, sendsOnChange } from '../../core/dmx/refresh.js';
import { DeviceError } from '../../core/errors.js';
import { RepeatingProblem } from '../repeatingProblem.js';
import { DriverFactory } from '../dmx/createDriver.js';
import { type CloseMode, type DmxDriver } from '../dmx/driver.js';
import { ArtnetDriver, ArtSyncSender } from '../dmx/artnetDriver.js';
import { SacnDiscoverySender, SacnDriver, SacnSyncSender } from '../dmx/sacnDriver.js';
import { SACN_DISCOVERY_INTERVAL_MS } from '../../core/dmx/sacn.js';
import { dataOffset, DOORBELL, MOVING, SEQ, URGENT, type FromWorker, type FrameClockStats, type FrameClockWorkerData, type OutputMode, type ToWorker } from './protocol.js';
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
  /** Sends of the current look still owed after its change. */
  repeats: number;
  /** When the look last changed (worker clock, ms). */
  lastChangeMs: number;
  /** Sends nothing (a hot standby's Art-Net and USB universes). */
  silent: boolean;
}

interface Group {
  readonly periodMs: number;
  readonly slots: Slot[];
  /** Every universe of the group sends on change, so the group may rest between changes. */
  readonly mayRest: boolean;
  /** Grid origin (ms) and index of the next tick while the group is moving. */
  anchorMs: number;
  k: number;
  /** At rest: off the grid, sending only keep-alives until a new look arrives. */
  resting: boolean;
}

const header = new Int32Array(data.shared, 0, SEQ + data.universes.length);
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
    sendOnChange: sendsOnChange(u),
    keepAliveMs: u.keepAliveMs,
    sync,
    lastSeq: -1,
    lastSendMs: -Infinity,
    repeats: 0,
    lastChangeMs: -Infinity,
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
  let g = groups.find((x) => Math.abs(x.periodMs - periodMs) < 1e-9 && x.mayRest === s.sendOnChange);
  if (g === undefined) {
    g = { periodMs, slots: [], mayRest: s.sendOnChange, anchorMs: 0, k: 0, resting: false };
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

const readBuffer = new Uint8Array(512);

/**
 * Copies a universe's shared bytes into its frame under the seqlock; returns the sequence, or -1 if
 * the main thread was writing throughout (the frame then keeps the previous look, never a torn one).
 */
function readShared(s: Slot): number {
  for (let attempt = 0; attempt < 3; attempt++) {
    const a = Atomics.load(header, SEQ + s.index);
    if ((a & 1) === 1) continue;
    readBuffer.set(s.view);
    if (Atomics.load(header, SEQ + s.index) === a) {
      s.frame.set(readBuffer);
      return a;
    }
  }
  return -1;
}

/**
 * While the engine's looks are moving, how long after its last change a universe keeps its full rate
 * without a new look (the main thread stalled mid-fade: the last look repeats on the grid, as it
 * would on a DMX line, instead of dropping to keep-alives).
 */
const MOVING_HOLD_MS = 500;

/** The universe still goes out at its full rate: repeats owed, or the engine moving and the look changed lately. */
function streaming(s: Slot, now: number): boolean {
  return s.repeats > 0 || (Atomics.load(header, MOVING) === 1 && now - s.lastChangeMs < MOVING_HOLD_MS);
}

function tick(g: Group, idealMs: number): void {
  for (const s of g.slots) {
    // A new look is an odd-then-even bump of the universe's sequence; read the bytes only when sending.
    const changed = Atomics.load(header, SEQ + s.index) !== s.lastSeq;
    const now = performance.now();
    if (s.silent) {
      // A hot standby's Art-Net/USB universe: nothing goes out, yet it keeps time as if it had sent (so
      // a resting group sleeps) and takes each new look as seen.
      s.lastSeq = Atomics.load(header, SEQ + s.index);
      s.repeats = 0;
      s.lastSendMs = now;
      continue;
    }
    if (changed) {
      s.repeats = REPEATS_AFTER_CHANGE + 1;
      s.lastChangeMs = now;
    }
    if (s.sendOnChange && !streaming(s, now) && now - s.lastSendMs < s.keepAliveMs) continue;
    if (s.repeats > 0) s.repeats--;
    const seq = readShared(s);
    if (seq !== -1) s.lastSeq = seq; // else mid-write: the previous look goes now, the new one next tick
    s.driver.send(s.frame);
    packets++;
    s.lastSendMs = now;
    if (s.sync !== undefined) syncDue.add(s.sync);
    if (data.measure && idealMs === idealMs) histogram.add(performance.now() - idealMs);
  }
  if (syncDue.size > 0) {
    for (const sync of syncDue) sync.send();
    syncDue.clear();
  }
}

/** The urgent counter last seen (an urgent look since then goes out off the grid). */
let seenUrgent = 0;
/** Atomics.waitAsync (V8 since 8.7, Node 16; not yet in TypeScript's ES2023 lib). */
const atomics = Atomics as unknown as {
  waitAsync(cell: Int32Array, index: number, value: number, timeoutMs: number): { async: false; value: string } | { async: true; value: Promise<string> };
};

/** A new look waits in some universe of the group. */
function hasNews(g: Group): boolean {
  for (const s of g.slots) if (Atomics.load(header, SEQ + s.index) !== s.lastSeq) return true;
  return false;
}

/** Nothing left to send but keep-alives. */
function settled(g: Group): boolean {
  const now = performance.now();
  for (const s of g.slots) if (streaming(s, now)) return false;
  return !hasNews(g);
}

/** When the group's next keep-alive is due. */
function keepAliveDue(g: Group): number {
  let due = Infinity;
  for (const s of g.slots) due = Math.min(due, s.lastSendMs + s.keepAliveMs);
  return due;
}

function loop(): void {
  if (stopping) return;
  try {
    for (;;) {
      // Read the doorbell before looking for news: a look written after this makes the wait below return at once.
      const bell = Atomics.load(header, DOORBELL);
      const urgent = Atomics.load(header, URGENT);
      const urgentNews = urgent !== seenUrgent;
      seenUrgent = urgent;
      let nextMs = Infinity;
      let now = performance.now();
      let resting = false;
      for (const g of groups) {
        if (g.resting) {
          if (hasNews(g)) {
            // A new look after a rest: out now, and the grid restarts from here.
            g.resting = false;
            g.anchorMs = now;
            g.k = 0;
          } else {
            if (keepAliveDue(g) <= now + 0.02) {
              tick(g, NaN);
              now = performance.now();
            }
            if (settled(g)) {
              nextMs = Math.min(nextMs, keepAliveDue(g));
              resting = true;
              continue;
            }
            // A look arrived during that keep-alive and went out with it: its repeats follow on a grid.
            g.resting = false;
            g.anchorMs = now;
            g.k = 1;
          }
        }
        let ideal = g.anchorMs + g.k * g.periodMs;
        // An urgent look (a GO, a beat, PANIC) in the middle of a fade goes out now, off the grid, and
        // the grid carries on from here (one shorter interval, never a longer one).
        const offGrid = urgentNews && ideal > now + 0.02 && hasNews(g);
        if (offGrid || ideal <= now + 0.02) {
          if (offGrid) {
            tick(g, NaN);
            g.anchorMs = now;
            g.k = 1;
          } else {
            if (now - ideal > g.periodMs) {
              // Fell behind (machine stalled): skip to the current grid point instead of bursting.
              const skip = Math.floor((now - ideal) / g.periodMs);
              overruns += skip;
              g.k += skip;
              ideal = g.anchorMs + g.k * g.periodMs;
            }
            tick(g, ideal);
            g.k++;
          }
          now = performance.now();
          if (g.mayRest && settled(g)) {
            g.resting = true;
            nextMs = Math.min(nextMs, keepAliveDue(g));
            resting = true;
            continue;
          }
        }
        nextMs = Math.min(nextMs, g.anchorMs + g.k * g.periodMs);
      }
      if (nextMs === Infinity) return;
      // Resting groups must hear the doorbell; moving ones tick on their grid, and hear only urgent looks.
      const value = resting ? bell : urgent;
      const index = resting ? DOORBELL : URGENT;
      const wait = nextMs - performance.now();
      if (wait > 5) {
        // Wake well before the deadline (timers run late on a loaded machine), then sleep precisely.
        // The timeout is a libuv timer: a waitAsync timeout alone was seen never to fire in a worker
        // whose event loop had nothing else to do. waitAsync only listens for the doorbell (or the urgent cell).
        let woken = false;
        const wake = (): void => {
          if (woken) return;
          woken = true;
          clearTimeout(timer);
          loop();
        };
        const timer = setTimeout(wake, wait - 4);
        const w = atomics.waitAsync(header, index, value, wait - 4);
        if (!w.async) {
          woken = true;
          clearTimeout(timer);
          continue; // the doorbell (or an urgent look) rang meanwhile
        }
        void w.value.then(wake);
        return;
      }
      if (wait > 0) Atomics.wait(header, index, value, wait);
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
      // Ring our own doorbell: a resting group wakes and sends at the new priority now, not at its next keep-alive.
      Atomics.add(header, DOORBELL, 1);
      Atomics.notify(header, DOORBELL);
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
  const t0 = performance.now();
  for (const g of groups) g.anchorMs = t0;
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
