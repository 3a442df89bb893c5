/**
 * Incoming OSC control, as QLab users expect it. The socket, the packet budget, the allow-list, the
 * decode, the dictionary and the `/connect` passcode run in their own thread (oscControlWorker.ts,
 * oscPacketHandler.ts): 10⁵ hostile packets a second must never take the frame loop's thread. This
 * side answers what needs the engine's state: commands are checked against the state a console sees
 * (engine/core/osc/respond.ts) and emitted, queries answered, and every answer goes back on
 * `/reply/<address>` through the input thread's socket. Subscribers (`/updates 1`) get `/update/…`
 * messages when the state changes.
 */
import type { Worker } from 'node:worker_threads';
import { Subject, type Observable, type Subscription } from 'rxjs';
import { type ControlEvent } from '../../core/control.js';
import { DeviceError } from '../../core/errors.js';
import { createLogger, type Logger } from '../../core/log.js';
import { type OscArg, type OscMessageSpec } from '../../core/osc/packet.js';
import { oscReplyMessage, oscUpdateMessages, oscUpdateValues, respondToOsc, type OscControlState, type OscReply } from '../../core/osc/respond.js';
import { SMALL_WORKER_LIMITS, spawnModuleWorker } from '../workers.js';
import { buildAllowList, type OscControlOptions, type OscControlStats, type OscEngineRequest, type OscPeer } from './oscPacketHandler.js';
import type { OscWorkerIn, OscWorkerOut } from './oscControlWorker.js';

export type { OscControlOptions, OscControlStats } from './oscPacketHandler.js';
export { buildAllowList } from './oscPacketHandler.js';

/** The engine as OSC control sees it. */
export interface OscControlView {
  /** The state to check commands against and answer queries from (cheap: called per message). */
  state(): OscControlState;
  /** Emits whenever the state may have changed (the console's deltas); updates are sent then. */
  readonly changes$?: Observable<unknown>;
}

/** How often subscribers' values are compared when nothing announced a change (blackout, MSC). */
const UPDATE_POLL_MS = 250;

/** Listens for OSC control, emits commands, answers every message. */
export class OscControlListener {
  private worker: Worker | undefined;
  private boundPort: number | undefined;
  private readonly subject = new Subject<ControlEvent>();
  /** Commands as they arrive. */
  readonly commands$: Observable<ControlEvent> = this.subject.asObservable();
  /** Counters, as of the input thread's last batch (commands and queries counted here). */
  readonly stats: OscControlStats = { packets: 0, commands: 0, queries: 0, malformed: 0, refused: 0, denied: 0, unknown: 0, overBudget: 0, replies: 0, updates: 0 };
  private view: OscControlView | undefined;
  private viewSubscription: Subscription | undefined;
  private subscribers = 0;
  private lastValues = new Map<string, OscArg>();
  private pollTimer: ReturnType<typeof setInterval> | undefined;
  private updatePending = false;
  private commands = 0;
  private queries = 0;

  constructor(
    private readonly options: OscControlOptions,
    private readonly log: Logger = createLogger('io/osc-in'),
  ) {
    // A bad allow-list entry fails the start here, with its name, not in the input thread.
    if (options.allow !== undefined) buildAllowList(options.allow);
  }

  /** The bound port (useful when `port` was 0). */
  get port(): number {
    return this.boundPort ?? this.options.port;
  }

  /** How many senders are subscribed to updates. */
  get subscriberCount(): number {
    return this.subscribers;
  }

  /** Binds the port (in the input thread); rejects with DeviceError when it is taken. */
  async open(): Promise<void> {
    if (this.worker !== undefined) return;
    const worker = spawnModuleWorker(import.meta.url, './oscControlWorker', { workerData: { options: this.options, debug: this.log.enabled('debug') }, resourceLimits: SMALL_WORKER_LIMITS });
    const where = `osc in ${this.options.host}:${this.options.port}`;
    this.boundPort = await new Promise<number>((resolve, reject) => {
      worker.on('message', (m: OscWorkerOut) => {
        switch (m.type) {
          case 'ready':
            resolve(m.port);
            return;
          case 'failed':
            reject(new DeviceError(where, `cannot listen: ${m.message}`, 'another program (QLab, a second Precue) may hold the port; change inputs.osc.port'));
            void worker.terminate();
            return;
          case 'batch':
            Object.assign(this.stats, m.stats, { commands: this.commands, queries: this.queries });
            if (m.subscribers !== this.subscribers) {
              const added = m.subscribers > this.subscribers;
              this.subscribers = m.subscribers;
              // A new subscriber starts from the whole picture; the others get nothing twice.
              if (added) this.sendUpdates(true);
            }
            for (const r of m.requests) this.onRequest(r);
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

  /**
   * Starts answering queries and checking commands against the engine's state. Until then commands
   * are still emitted (unchecked) and queries are answered with an error.
   */
  serve(view: OscControlView): void {
    this.view = view;
    this.viewSubscription?.unsubscribe();
    this.viewSubscription = view.changes$?.subscribe({ next: () => this.scheduleUpdate(), error: () => undefined });
    this.pollTimer ??= setInterval(() => this.sendUpdates(false), UPDATE_POLL_MS);
    this.pollTimer.unref();
  }

  private post(m: OscWorkerIn): void {
    this.worker?.postMessage(m);
  }

  private reply(to: OscPeer, address: string, reply: OscReply): void {
    this.post({ type: 'send', to, messages: [oscReplyMessage(address, reply)] });
  }

  private emit(command: ControlEvent['command'], from: string): void {
    this.commands++;
    this.stats.commands = this.commands;
    try {
      this.subject.next({ command, origin: 'osc', from });
    } catch (err) {
      this.log.error(`OSC control subscriber failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private onRequest(r: OscEngineRequest): void {
    const view = this.view;
    if (view === undefined) {
      // Still starting: commands go through unchecked (the arbiter drops what makes no sense), queries wait.
      if (r.request.kind === 'command') {
        this.emit(r.request.command, r.from);
        this.reply(r.replyTo, r.address, { status: 'ok', data: null });
      } else this.reply(r.replyTo, r.address, { status: 'error', data: 'the engine is still starting' });
      return;
    }
    let response;
    try {
      response = respondToOsc(r.request, view.state());
    } catch (err) {
      this.log.error(`OSC ${r.address} from ${r.from} failed: ${err instanceof Error ? err.message : String(err)}`);
      this.reply(r.replyTo, r.address, { status: 'error', data: 'internal error (logged)' });
      return;
    }
    if (response.command !== undefined) this.emit(response.command, r.from);
    else {
      this.queries++;
      this.stats.queries = this.queries;
    }
    if (response.reply.status !== 'ok') this.log.debug(`OSC ${r.address} from ${r.from}: ${String(response.reply.data)}`);
    this.reply(r.replyTo, r.address, response.reply);
    if (response.command !== undefined) this.scheduleUpdate();
  }

  private scheduleUpdate(): void {
    if (this.updatePending || this.subscribers === 0) return;
    this.updatePending = true;
    setImmediate(() => {
      this.updatePending = false;
      this.sendUpdates(false);
    });
  }

  /** Sends subscribers what changed since the last time (everything when `all`). */
  private sendUpdates(all: boolean): void {
    const view = this.view;
    if (view === undefined || this.subscribers === 0) return;
    let next: Map<string, OscArg>;
    try {
      next = oscUpdateValues(view.state());
    } catch (err) {
      this.log.error(`OSC updates failed: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    const changed: OscMessageSpec[] = oscUpdateMessages(all ? new Map() : this.lastValues, next);
    this.lastValues = next;
    if (changed.length > 0) this.post({ type: 'send', to: 'subscribers', messages: changed });
  }

  /** Tells subscribers we are going (`/update/disconnect`), stops listening and completes `commands$`. */
  async close(): Promise<void> {
    if (this.pollTimer !== undefined) clearInterval(this.pollTimer);
    this.viewSubscription?.unsubscribe();
    const w = this.worker;
    this.worker = undefined;
    if (w !== undefined) {
      const exited = new Promise<void>((r) => w.once('exit', () => r()));
      w.postMessage({ type: 'close', farewell: { address: '/update/disconnect' } } satisfies OscWorkerIn);
      await Promise.race([exited, new Promise<void>((r) => setTimeout(r, 2000).unref())]);
      await w.terminate();
    }
    this.subject.complete();
  }
}
