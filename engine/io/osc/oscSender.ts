/**
 * Outgoing OSC over UDP to the show's targets (`outputs.osc`: video servers such as Resolume or
 * disguise, audio desks, any OSC device). osc-js encodes (engine/core/osc/packet.ts); this only moves
 * bytes. Unknown targets and bad messages throw InputError so the caller can log and drop them.
 */
import dgram from 'node:dgram';
import { DeviceError, InputError } from '../../core/errors.js';
import { createLogger, type Logger } from '../../core/log.js';
import { encodeOscBundle, encodeOscMessage, type OscMessageSpec } from '../../core/osc/packet.js';
import { type OscTarget } from '../../core/show/schema.js';

/** Counters for the console and tests. */
export interface OscSenderStats {
  sent: number;
  errors: number;
  lastError?: string;
}

/** Sends OSC messages and bundles to named targets from one UDP socket. */
export class OscSender {
  private readonly targets = new Map<string, OscTarget>();
  private socket: dgram.Socket | undefined;
  readonly stats: OscSenderStats = { sent: 0, errors: 0 };

  constructor(
    targets: readonly OscTarget[],
    private readonly log: Logger = createLogger('io/osc'),
  ) {
    for (const t of targets) this.targets.set(t.id, t);
  }

  /** Binds the sending socket. */
  async open(): Promise<void> {
    if (this.socket !== undefined) return;
    const s = dgram.createSocket('udp4');
    s.on('error', (err) => this.fail(err.message));
    await new Promise<void>((resolve, reject) => {
      s.once('error', (err) => reject(new DeviceError('osc', `cannot bind a UDP socket: ${err.message}`)));
      s.bind(0, () => resolve());
    });
    s.setBroadcast(true);
    this.socket = s;
  }

  private fail(message: string): void {
    this.stats.errors++;
    this.stats.lastError = message;
    this.log.warn(`osc send failed: ${message}`);
  }

  private target(id: string): OscTarget {
    const t = this.targets.get(id);
    if (t === undefined) throw new InputError('osc', `unknown OSC target '${id}' (known: ${[...this.targets.keys()].join(', ') || 'none'})`);
    return t;
  }

  private sendBytes(targetId: string, bytes: Uint8Array): void {
    const t = this.target(targetId);
    const s = this.socket;
    if (s === undefined) throw new DeviceError('osc', 'sender is not open (call open() first)');
    s.send(bytes, t.port, t.host, (err) => {
      if (err) this.fail(`${t.id} ${t.host}:${t.port}: ${err.message}`);
    });
    this.stats.sent++;
  }

  /** Sends one message to a target. */
  send(targetId: string, message: OscMessageSpec): void {
    this.sendBytes(targetId, encodeOscMessage(message));
  }

  /** Sends messages as one bundle (timetag: immediately) so the receiver applies them together. */
  sendBundle(targetId: string, messages: readonly OscMessageSpec[]): void {
    this.sendBytes(targetId, encodeOscBundle(messages));
  }

  /** Replaces a target's address (venue remap, console edit). */
  setTarget(target: OscTarget): void {
    this.targets.set(target.id, target);
  }

  /** Closes the socket. */
  async close(): Promise<void> {
    const s = this.socket;
    this.socket = undefined;
    if (s !== undefined) await new Promise<void>((r) => setImmediate(() => s.close(() => r())));
  }
}
