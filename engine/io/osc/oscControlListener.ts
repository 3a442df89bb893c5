/**
 * Incoming OSC control over UDP: decodes packets (osc-js), checks the sender against the optional
 * allow-list, maps each message to a `ControlCommand` (engine/core/osc/control.ts documents the
 * address space) and emits it. Malformed packets, refused senders and unknown addresses are counted,
 * logged at debug (a flood must not flood the log) and dropped; the show goes on.
 */
import dgram from 'node:dgram';
import { Subject, type Observable } from 'rxjs';
import { type ControlEvent } from '../../core/control.js';
import { DeviceError, InputError } from '../../core/errors.js';
import { createLogger, type Logger } from '../../core/log.js';
import { oscToControl } from '../../core/osc/control.js';
import { decodeOscPacket } from '../../core/osc/packet.js';
import { RepeatingProblem } from '../repeatingProblem.js';
import { SourceBudget, type SourceBudgetOptions } from '../sourceBudget.js';

/** Listener settings (the show's `inputs.osc`). */
export interface OscControlOptions {
  readonly port: number;
  readonly host: string;
  /** Source IP addresses allowed to send control; absent = anyone. */
  readonly allow?: readonly string[];
  /** Packets per second per sender and in total before the rest is dropped unread. */
  readonly budget?: SourceBudgetOptions;
}

/** Counters. */
export interface OscControlStats {
  packets: number;
  commands: number;
  malformed: number;
  refused: number;
  unknown: number;
  /** Dropped unread: over the per-sender or total packet budget (a flood). */
  overBudget: number;
  lastProblem?: string;
}

/** Listens for OSC control and emits commands. */
export class OscControlListener {
  private socket: dgram.Socket | undefined;
  private readonly subject = new Subject<ControlEvent>();
  /** Commands as they arrive. */
  readonly commands$: Observable<ControlEvent> = this.subject.asObservable();
  readonly stats: OscControlStats = { packets: 0, commands: 0, malformed: 0, refused: 0, unknown: 0, overBudget: 0 };
  /** Spent before decoding: a flood costs a lookup per packet, never a decode on the frame loop's thread. */
  private readonly budget: SourceBudget;
  private readonly flood: RepeatingProblem;
  private readonly allow: ReadonlySet<string> | undefined;

  constructor(
    private readonly options: OscControlOptions,
    private readonly log: Logger = createLogger('io/osc-in'),
  ) {
    this.allow = options.allow === undefined ? undefined : new Set(options.allow.map((a) => a.replace(/^::ffff:/, '')));
    this.budget = new SourceBudget(options.budget, performance.now());
    this.flood = new RepeatingProblem('OSC control in', (level, message) => this.log[level](message));
  }

  /** The bound port (useful when `port` was 0). */
  get port(): number {
    return this.socket?.address().port ?? this.options.port;
  }

  /** Binds the port; rejects with DeviceError when it is taken. */
  async open(): Promise<void> {
    const s = dgram.createSocket({ type: 'udp4', reuseAddr: false });
    await new Promise<void>((resolve, reject) => {
      s.once('error', (err) =>
        reject(new DeviceError(`osc in ${this.options.host}:${this.options.port}`, `cannot listen: ${err.message}`, 'another program (QLab bridge, a second Precue) may hold the port; change inputs.osc.port')),
      );
      s.bind(this.options.port, this.options.host, () => resolve());
    });
    s.on('error', (err) => this.log.warn(`osc in socket error: ${err.message}`));
    s.on('message', (msg, rinfo) => this.onPacket(msg, rinfo));
    this.socket = s;
    this.log.info(`listening for OSC control on ${this.options.host}:${this.port}`);
  }

  private problem(kind: 'malformed' | 'refused' | 'unknown', detail: string): void {
    this.stats[kind]++;
    this.stats.lastProblem = detail;
    this.log.debug(`dropped OSC (${kind}): ${detail}`);
  }

  private onPacket(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    this.stats.packets++;
    const now = performance.now();
    if (!this.budget.take(rinfo.address, now)) {
      this.stats.overBudget++;
      this.flood.occurred(`more packets than the control budget from ${rinfo.address}; the excess is dropped unread`, now);
      return;
    }
    const from = `${rinfo.address}:${rinfo.port}`;
    if (this.allow !== undefined && !this.allow.has(rinfo.address.replace(/^::ffff:/, ''))) {
      this.problem('refused', `${from} is not in inputs.osc.allow`);
      return;
    }
    let messages;
    try {
      messages = decodeOscPacket(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength));
    } catch (err) {
      this.problem('malformed', `${from}: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    for (const m of messages) {
      try {
        const command = oscToControl(m);
        this.stats.commands++;
        this.subject.next({ command, origin: 'osc', from });
      } catch (err) {
        if (err instanceof InputError) this.problem('unknown', `${from}: ${err.message}`);
        else this.log.error(`OSC control subscriber failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  /** Stops listening and completes `commands$`. */
  async close(): Promise<void> {
    const s = this.socket;
    this.socket = undefined;
    if (s !== undefined) await new Promise<void>((r) => s.close(() => r()));
    this.subject.complete();
  }
}
