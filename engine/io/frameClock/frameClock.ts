/**
 * The frame clock's main-thread handle. Start it with the show's `outputs.universes`; write looks into
 * it (directly, or by rendering a core `Universe`); it sends them from its own worker thread at each
 * universe's rate, however busy the main thread gets.
 *
 * ```ts
 * const clock = await FrameClock.start({ universes: show.outputs.universes });
 * clock.render(universe, nowMs);   // each playback frame (cheap when nothing changed)
 * await clock.stop('clean');       // sACN says goodbye; 'hold' keeps receivers on the last look
 * ```
 */
import { performance } from 'node:perf_hooks';
import { type Worker } from 'node:worker_threads';
import { randomUUID } from 'node:crypto';
import { DeviceError, InputError } from '../../core/errors.js';
import { createLogger, type Logger } from '../../core/log.js';
import { type UniverseOutput } from '../../core/show/schema.js';
import { type Universe } from '../../core/universe/universe.js';
import { type CloseMode } from '../dmx/driver.js';
import { SMALL_WORKER_LIMITS, spawnModuleWorker } from '../workers.js';
import { dataOffset, DOORBELL, MOVING, SEQ, URGENT, sharedBytes, type FrameClockStats, type FrameClockWorkerData, type FromWorker, type OutputMode, type ToWorker } from './protocol.js';

/** Options for starting the clock. */
export interface FrameClockOptions {
  /** The show's `outputs.universes` (validated: rateHz, sendOnChange, keepAliveMs filled in). */
  readonly universes: readonly UniverseOutput[];
  /** sACN CID (a UUID); stable per installation so receivers recognise us after a restart. Random if absent. */
  readonly cid?: string;
  readonly multicastInterface?: string;
  /** Keep per-send timing statistics (default true; a few ns per packet). */
  readonly measure?: boolean;
  /**
   * Scheduling of the sending thread (default `realtime`: SCHED_FIFO 20 through `chrt`, falling back
   * to nice -10, then normal, logging the fallback once; both need CAP_SYS_NICE).
   */
  readonly priority?: 'realtime' | 'nice' | 'normal';
  /**
   * Looks to send from the first packet on, by universe id (default: every channel 0). A restarted
   * engine resuming from its journal starts with its resumed look: never a dark frame first.
   */
  readonly initial?: ReadonlyMap<number, Uint8Array>;
  /** How the outputs speak from the first packet on (default: as the show says; see `setOutputMode`). */
  readonly outputMode?: OutputMode;
  /** Reject `start` when a device cannot be opened (default false: log it, keep the others running). */
  readonly strict?: boolean;
  readonly log?: Logger;
}

function spawnWorker(data: FrameClockWorkerData): Worker {
  return spawnModuleWorker(import.meta.url, './worker', { name: 'frameClock', workerData: data, resourceLimits: SMALL_WORKER_LIMITS });
}

type Ready = Extract<FromWorker, { type: 'ready' }>;

/** Spawns the worker and waits until its drivers are open. */
async function bootWorker(data: FrameClockWorkerData): Promise<{ worker: Worker; ready: Ready }> {
  const worker = spawnWorker(data);
  const ready = await new Promise<Ready>((resolve, reject) => {
    const onMessage = (m: FromWorker): void => {
      if (m.type === 'ready') {
        cleanup();
        resolve(m);
      } else if (m.type === 'fatal') {
        cleanup();
        reject(new DeviceError('frame clock', m.message));
      }
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(new DeviceError('frame clock', `worker failed to start: ${err.message}`, undefined, { cause: err }));
    };
    const cleanup = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
  });
  return { worker, ready };
}

/** Restarts allowed per minute before the clock gives up (a worker that dies at once would spin). */
const MAX_RESTARTS_PER_MINUTE = 5;

/** Sends universes from a worker thread at their configured rates. */
export class FrameClock {
  private readonly header: Int32Array;
  private readonly views = new Map<number, { index: number; view: Uint8Array }>();
  private readonly scratch = new Uint8Array(512);
  private requestId = 0;
  private readonly pending = new Map<number, (s: FrameClockStats) => void>();
  private stopped: Promise<void> | undefined;
  private exited = false;
  private readonly restartTimes: number[] = [];
  /** Times the worker died and was restarted (the shared buffers keep the look, so it resumes where it was). */
  restarts = 0;

  private constructor(
    private worker: Worker,
    private data: FrameClockWorkerData,
    private readonly log: Logger,
    /** Devices that could not be opened (their universes count errors until fixed by a restart). */
    readonly openErrors: readonly DeviceError[],
  ) {
    const universes = data.universes;
    this.header = new Int32Array(data.shared, 0, SEQ + universes.length);
    universes.forEach((u, index) => this.views.set(u.id, { index, view: new Uint8Array(data.shared, dataOffset(universes.length, index), 512) }));
    this.attach(worker);
  }

  private attach(worker: Worker): void {
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    worker.on('error', (err) => this.log.error(`frame clock worker crashed: ${err.message}`));
    worker.on('exit', (code) => {
      if (worker !== this.worker) return;
      if (this.stopped !== undefined) {
        this.exited = true;
        return;
      }
      this.restart(code);
    });
  }

  /** The worker died without being stopped: start a new one on the same shared buffers (the look survives). */
  private restart(code: number): void {
    const now = performance.now();
    while (this.restartTimes.length > 0 && now - this.restartTimes[0]! > 60_000) this.restartTimes.shift();
    if (this.restartTimes.length >= MAX_RESTARTS_PER_MINUTE) {
      this.exited = true;
      this.log.error(`frame clock worker died ${MAX_RESTARTS_PER_MINUTE} times within a minute (exit ${code}); DMX output has stopped, receivers hold their last look`);
      return;
    }
    this.restartTimes.push(now);
    this.log.error(`frame clock worker exited unexpectedly (code ${code}); restarting it with the last look`);
    bootWorker(this.data).then(
      ({ worker }) => {
        if (this.stopped !== undefined) {
          void worker.terminate();
          return;
        }
        this.worker = worker;
        this.restarts++;
        this.attach(worker);
      },
      (err: unknown) => {
        this.exited = true;
        this.log.error(`frame clock worker could not be restarted: ${err instanceof Error ? err.message : String(err)}`);
      },
    );
  }

  /** Starts the worker, opens every driver, and begins sending (all channels 0 until written). */
  static async start(options: FrameClockOptions): Promise<FrameClock> {
    const log = options.log ?? createLogger('io/frameClock');
    const ids = new Set<number>();
    for (const u of options.universes) {
      if (ids.has(u.id)) throw new InputError('frame clock', `universe ${u.id} is listed twice in outputs.universes`);
      ids.add(u.id);
    }
    const shared = new SharedArrayBuffer(sharedBytes(options.universes.length));
    options.universes.forEach((u, index) => {
      const look = options.initial?.get(u.id);
      if (look !== undefined) new Uint8Array(shared, dataOffset(options.universes.length, index), 512).set(look.subarray(0, 512));
    });
    const data: FrameClockWorkerData = {
      universes: options.universes,
      shared,
      ...(options.outputMode !== undefined ? { outputMode: options.outputMode } : {}),
      cidHex: (options.cid ?? randomUUID()).replace(/-/g, ''),
      measure: options.measure ?? true,
      priority: options.priority ?? 'realtime',
      ...(options.multicastInterface !== undefined ? { multicastInterface: options.multicastInterface } : {}),
    };
    const { worker, ready } = await bootWorker(data);
    const openErrors = ready.openErrors.map((e) => new DeviceError(e.device, e.detail.startsWith(`${e.device}: `) ? e.detail.slice(e.device.length + 2).replace(/ — .*$/, '') : e.detail, e.hint));
    const clock = new FrameClock(worker, data, log, openErrors);
    for (const e of openErrors) log.warn(e.message);
    if (options.strict === true && openErrors.length > 0) {
      await clock.stop('hold');
      throw openErrors[0]!;
    }
    return clock;
  }

  private onMessage(m: FromWorker): void {
    switch (m.type) {
      case 'stats': {
        const resolve = this.pending.get(m.requestId);
        this.pending.delete(m.requestId);
        resolve?.(m.stats);
        break;
      }
      case 'log':
        this.log[m.level](m.message, m.fields);
        break;
      case 'fatal':
        this.log.error(`frame clock: ${m.message}`);
        break;
      case 'ready':
      case 'stopped':
        break;
    }
  }

  private slot(universeId: number): { index: number; view: Uint8Array } {
    const s = this.views.get(universeId);
    if (s === undefined) throw new InputError('frame clock', `universe ${universeId} is not in outputs.universes`);
    return s;
  }

  /** Universe ids this clock sends. */
  get universeIds(): number[] {
    return [...this.views.keys()];
  }

  /** Writes a whole look (512 bytes, channel 1 at index 0) for the next frame. */
  write(universeId: number, dmxValues: Uint8Array): void {
    const { index, view } = this.slot(universeId);
    const cell = SEQ + index;
    Atomics.add(this.header, cell, 1); // odd: writing
    view.set(dmxValues.length > 512 ? dmxValues.subarray(0, 512) : dmxValues);
    Atomics.add(this.header, cell, 1); // even: consistent
    // Ring the doorbell: a worker resting between changes sends this look at once.
    Atomics.add(this.header, DOORBELL, 1);
    Atomics.notify(this.header, DOORBELL);
  }

  /**
   * The looks written since the last grid point are urgent (a GO, a beat, PANIC — anything the show
   * waits for): a worker in the middle of a fade sends them at once, off its grid, and carries on with
   * the grid from there, instead of at the next grid point (up to one period later). Call it once
   * after writing a frame's universes (each call is a wake-up of the sending thread). A worker at rest
   * sends every new look at once anyway.
   */
  sendNow(): void {
    Atomics.add(this.header, URGENT, 1);
    Atomics.notify(this.header, URGENT);
  }

  /**
   * Tells the worker whether the looks are moving (a fade or an effect running). While they are, a
   * universe that changed within the last MOVING_HOLD_MS keeps going out at its full rate even when
   * no new look arrives for a while (the main thread busy), rather than dropping to keep-alives.
   */
  setMoving(moving: boolean): void {
    Atomics.store(this.header, MOVING, moving ? 1 : 0);
  }

  /**
   * Renders a core Universe (merge + masters) when it needs it and hands the result over if it changed.
   * Returns true when a new look was handed over.
   */
  render(universe: Universe, nowMs: number): boolean {
    if (!universe.needsRender(nowMs)) return false;
    const { view } = this.slot(universe.id);
    this.scratch.set(view);
    if (!universe.render(this.scratch, nowMs)) return false;
    this.write(universe.id, this.scratch);
    return true;
  }

  /**
   * From the next packet on, the outputs speak as `mode` says (a hot standby's lower sACN priority and
   * silent Art-Net; a takeover's higher priority). A worker restarted after a crash keeps it.
   */
  setOutputMode(mode: OutputMode): void {
    this.data = { ...this.data, outputMode: mode };
    this.post({ type: 'outputMode', mode });
  }

  /** The look last handed over for a universe (a copy). */
  current(universeId: number): Uint8Array {
    return this.slot(universeId).view.slice();
  }

  /** Counters and timing since start or the last reset. */
  async stats(options: { reset?: boolean } = {}): Promise<FrameClockStats> {
    if (this.exited) throw new DeviceError('frame clock', 'the worker has stopped');
    const requestId = ++this.requestId;
    const p = new Promise<FrameClockStats>((resolve) => this.pending.set(requestId, resolve));
    this.post({ type: 'stats', reset: options.reset ?? false, requestId });
    return p;
  }

  private post(m: ToWorker): void {
    this.worker.postMessage(m);
  }

  /**
   * Stops sending. `clean`: sACN sends three stream-terminated packets per universe (receivers release
   * at once). `hold`: nothing more is sent, so receivers keep the last look (restart, crash handling).
   */
  stop(mode: CloseMode): Promise<void> {
    this.stopped ??= (async () => {
      if (!this.exited) {
        const done = new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 2000);
          this.worker.on('message', (m: FromWorker) => {
            if (m.type === 'stopped') {
              clearTimeout(timer);
              resolve();
            }
          });
          this.worker.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
        });
        this.post({ type: 'stop', mode });
        await done;
      }
      await this.worker.terminate();
    })();
    return this.stopped;
  }
}
