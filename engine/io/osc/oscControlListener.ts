/**
 * Incoming OSC control over UDP: decodes packets (osc-js), checks the sender against the optional
 * allow-list, maps each message to a `ControlCommand` (engine/core/osc/control.ts documents the
 * address space) and emits it. Malformed packets, refused senders and unknown addresses are counted,
 * logged at debug (a flood must not flood the log) and dropped; the show goes on. The socket and all
 * of that run in their own thread (oscControlWorker.ts, oscPacketHandler.ts): 10⁵ hostile packets a
 * second must never take the frame loop's thread.
 */
import type { Worker } from 'node:worker_threads';
import { Subject, type Observable } from 'rxjs';
import { type ControlEvent } from '../../core/control.js';
import { DeviceError } from '../../core/errors.js';
import { createLogger, type Logger } from '../../core/log.js';
import { spawnModuleWorker } from '../spawnWorker.js';
import type { OscWorkerOut } from './oscControlWorker.js';
import type { OscControlOptions, OscControlStats } from './oscPacketHandler.js';

export type { OscControlOptions, OscControlStats } from './oscPacketHandler.js';

/** Listens for OSC control and emits commands; the socket and the decoding live in their own thread. */
export class OscControlListener {
  private worker: Worker | undefined;
  private boundPort: number | undefined;
  private readonly subject = new Subject<ControlEvent>();
  /** Commands as they arrive. */
  readonly commands$: Observable<ControlEvent> = this.subject.asObservable();
  /** Counters, as of the input thread's last batch. */
  readonly stats: OscControlStats = { packets: 0, commands: 0, malformed: 0, refused: 0, unknown: 0, overBudget: 0 };

  constructor(
    private readonly options: OscControlOptions,
    private readonly log: Logger = createLogger('io/osc-in'),
  ) {}

  /** The bound port (useful when `port` was 0). */
  get port(): number {
    return this.boundPort ?? this.options.port;
  }

  /** Binds the port (in the input thread); rejects with DeviceError when it is taken. */
  async open(): Promise<void> {
    if (this.worker !== undefined) return;
    const worker = spawnModuleWorker(import.meta.url, 'oscControlWorker', { options: this.options, debug: this.log.enabled('debug') });
    const where = `osc in ${this.options.host}:${this.options.port}`;
    this.boundPort = await new Promise<number>((resolve, reject) => {
      worker.on('message', (m: OscWorkerOut) => {
        switch (m.type) {
          case 'ready':
            resolve(m.port);
            return;
          case 'failed':
            reject(new DeviceError(where, `cannot listen: ${m.message}`, 'another program (QLab bridge, a second Precue) may hold the port; change inputs.osc.port'));
            void worker.terminate();
            return;
          case 'batch':
            Object.assign(this.stats, m.stats);
            for (const e of m.events) this.subject.next(e);
            return;
          case 'log':
            this.log[m.level](m.message);
            return;
          case 'closed':
            return;
        }
      });
      worker.once('error', (err) => reject(new DeviceError(where, `the OSC input thread failed: ${err.message}`)));
    });
    worker.on('error', (err) => this.log.error(`OSC input thread failed: ${err.message}; OSC control is off`));
    this.worker = worker;
    this.log.info(`listening for OSC control on ${this.options.host}:${this.port}`);
  }

  /** Stops listening and completes `commands$`. */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w !== undefined) {
      const exited = new Promise<void>((r) => w.once('exit', () => r()));
      w.postMessage({ type: 'close' });
      await Promise.race([exited, new Promise<void>((r) => setTimeout(r, 2000).unref())]);
      await w.terminate();
    }
    this.subject.complete();
  }
}
