/**
 * Counts ArtDmx packets per Port-Address on one loopback address, in its own thread (so the counting
 * process's other work does not delay timestamps), and measures the gap between consecutive frames of
 * each universe. Optionally watches one channel for a change (latency benchmarks).
 *
 * Binds `host:port` with SO_REUSEADDR: a peer that binds the wildcard address on the same port (QLC+
 * binds 0.0.0.0:6454) still leaves the packets addressed to `host` to us.
 *
 * The counting thread asks for real-time scheduling (SCHED_FIFO through `chrt`, as the frame clock
 * does; needs CAP_SYS_NICE) so that on a loaded machine the arrival times it stamps are the
 * packets', not the wait for a CPU. `realtime` says whether it got it.
 */
import { Worker } from 'node:worker_threads';

/** What the counter saw in a window. */
export interface CounterReport {
  readonly elapsedMs: number;
  /** Frames per Port-Address (index = Port-Address), for 0..maxPortAddress. */
  readonly frames: readonly number[];
  /** Gaps between consecutive frames of the same universe, pooled over all universes. */
  readonly gapP50Ms: number;
  readonly gapP99Ms: number;
  readonly gapMaxMs: number;
  readonly gaps: number;
  /** Packets that were not ArtDmx (ArtPoll etc.). */
  readonly other: number;
}

/** A change seen on a watched channel. */
export interface WatchHit {
  /** performance.timeOrigin + performance.now() in the counter thread, ms (comparable across threads). */
  readonly atMs: number;
  readonly portAddress: number;
  /** 1-based channel. */
  readonly channel: number;
  readonly value: number;
}

const WORKER = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const dgram = require('node:dgram');
let realtime = false;
try {
  const tid = require('node:fs').readlinkSync('/proc/thread-self').split('/').pop();
  require('node:child_process').execFileSync('chrt', ['--fifo', '--pid', '10', tid], { stdio: 'ignore', timeout: 2000 });
  realtime = true;
} catch {}
const { performance } = require('node:perf_hooks');
const { host, port, movingOnly } = workerData;
const MAX_PA = 32768;
const BIN_MS = 0.05;
const BINS = 40000; // 2 s
const frames = new Uint32Array(MAX_PA);
const last = new Float64Array(MAX_PA);
// movingOnly: a hash of each universe's last data and whether it differed from the one before.
const lastHash = movingOnly ? new Int32Array(MAX_PA) : null;
const moved = movingOnly ? new Uint8Array(MAX_PA) : null;
const hist = new Uint32Array(BINS + 1);
let gapMax = 0, gaps = 0, other = 0, maxPa = -1, t0 = performance.now();
let watch = null; // { pa, channels: number[], last: number[] }
const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
s.on('error', (e) => parentPort.postMessage({ type: 'error', message: e.message }));
s.on('message', (b) => {
  const t = performance.now();
  if (b.length < 18 || b[0] !== 0x41 || b[7] !== 0 || b[8] !== 0x00 || b[9] !== 0x50) { other++; return; }
  const pa = b[14] | ((b[15] & 0x7f) << 8);
  frames[pa]++;
  if (pa > maxPa) maxPa = pa;
  const prev = last[pa];
  let counts = prev > 0;
  if (lastHash !== null) {
    // A gap counts only while the universe's look moves (the packet before it brought a new look):
    // a sender at rest sends keep-alives a second apart by design.
    let h = 0x811c9dc5 | 0;
    for (let i = 18; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193);
    counts = counts && moved[pa] === 1;
    // The first packet after a fresh start is not known to be new: the gap after it counts only
    // once a look is seen to move (a universe at rest sends keep-alives a second apart).
    moved[pa] = prev > 0 && h !== lastHash[pa] ? 1 : 0;
    lastHash[pa] = h;
  }
  if (counts) {
    const g = t - prev;
    gaps++;
    if (g > gapMax) gapMax = g;
    const bin = Math.min(BINS, Math.floor(g / BIN_MS));
    hist[bin]++;
  }
  last[pa] = t;
  if (watch !== null && pa === watch.pa) {
    for (let k = 0; k < watch.channels.length; k++) {
      const v = b[18 + watch.channels[k] - 1];
      if (v !== watch.last[k]) {
        watch.last[k] = v;
        parentPort.postMessage({ type: 'watch', atMs: performance.timeOrigin + t, portAddress: pa, channel: watch.channels[k], value: v });
      }
    }
  }
});
function pct(p) {
  if (gaps === 0) return NaN;
  const want = Math.ceil(p * gaps);
  let acc = 0;
  for (let i = 0; i <= BINS; i++) { acc += hist[i]; if (acc >= want) return (i + 0.5) * BIN_MS; }
  return gapMax;
}
parentPort.on('message', (m) => {
  if (m.type === 'reset') {
    frames.fill(0); hist.fill(0); gapMax = 0; gaps = 0; other = 0; maxPa = -1; t0 = performance.now();
    // A window reset keeps last[] so its first gap is a real one; a fresh start (new sender) clears it.
    if (m.fresh) last.fill(0);
  } else if (m.type === 'report') {
    parentPort.postMessage({ type: 'report', id: m.id, report: {
      elapsedMs: performance.now() - t0,
      frames: Array.from(frames.subarray(0, Math.max(0, maxPa + 1))),
      gapP50Ms: pct(0.5), gapP99Ms: pct(0.99), gapMaxMs: gapMax, gaps, other,
    } });
  } else if (m.type === 'watch') {
    watch = m.portAddress === null ? null : { pa: m.portAddress, channels: m.channels, last: m.channels.map(() => -1) };
  } else if (m.type === 'close') {
    s.close(() => parentPort.close());
  }
});
s.bind(port, host, () => {
  try { s.setRecvBufferSize(4 * 1024 * 1024); } catch {}
  parentPort.postMessage({ type: 'ready', realtime });
});
`;

/** A running counter. */
export class ArtnetCounter {
  private nextId = 0;
  private readonly waiting = new Map<number, (r: CounterReport) => void>();
  private watchListener: ((hit: WatchHit) => void) | undefined;

  private constructor(
    private readonly worker: Worker,
    /** The counting thread runs SCHED_FIFO (its arrival times do not wait for a CPU). */
    readonly realtime: boolean,
  ) {
    worker.on('message', (m: { type: string; id?: number; report?: CounterReport } & Partial<WatchHit>) => {
      if (m.type === 'report' && m.id !== undefined && m.report !== undefined) {
        this.waiting.get(m.id)?.(m.report);
        this.waiting.delete(m.id);
      } else if (m.type === 'watch') {
        this.watchListener?.({ atMs: m.atMs!, portAddress: m.portAddress!, channel: m.channel!, value: m.value! });
      }
    });
  }

  /**
   * Starts listening on `host:port`. `movingOnly`: count a universe's gap only when the packet before
   * it brought a new look (a sender that rests between fades sends keep-alives a second apart).
   */
  static async start(host: string, port: number, options: { movingOnly?: boolean } = {}): Promise<ArtnetCounter> {
    const worker = new Worker(WORKER, { eval: true, workerData: { host, port, movingOnly: options.movingOnly === true } });
    const realtime = await new Promise<boolean>((resolve, reject) => {
      const onMessage = (m: { type: string; message?: string; realtime?: boolean }): void => {
        if (m.type === 'ready') {
          worker.off('message', onMessage);
          resolve(m.realtime === true);
        } else if (m.type === 'error') {
          reject(new Error(`Art-Net counter on ${host}:${port}: ${m.message ?? 'socket error'}`));
        }
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
    return new ArtnetCounter(worker, realtime);
  }

  /**
   * Zeroes the counters: the next report covers the time from now. `fresh`: a new sender starts, so
   * the gap from the previous sender's last frame is not counted either.
   */
  reset(fresh = false): void {
    this.worker.postMessage({ type: 'reset', fresh });
  }

  /** Counters since the last reset. */
  report(): Promise<CounterReport> {
    const id = this.nextId++;
    const p = new Promise<CounterReport>((resolve) => this.waiting.set(id, resolve));
    this.worker.postMessage({ type: 'report', id });
    return p;
  }

  /**
   * Throws when anything sends ArtDmx to this address within `ms` before a peer has started (a
   * leftover engine from an interrupted run would otherwise pass its packets off as the peer's).
   */
  async assertQuiet(ms = 1500): Promise<void> {
    this.reset(true);
    await new Promise((r) => setTimeout(r, ms));
    const r = await this.report();
    const n = r.frames.reduce((a, b) => a + b, 0);
    if (n > 0) throw new Error(`something already sends Art-Net here (${n} frames in ${ms} ms): stop it first (a leftover 'precue run' or 'qlcplus'?)`);
  }

  /** Calls `onHit` whenever one of the 1-based `channels` of `portAddress` changes value (null: stop watching). */
  watch(portAddress: number | null, channels: readonly number[] = [1], onHit?: (hit: WatchHit) => void): void {
    this.watchListener = onHit;
    this.worker.postMessage({ type: 'watch', portAddress, channels });
  }

  async close(): Promise<void> {
    this.worker.postMessage({ type: 'close' });
    await new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
  }
}
