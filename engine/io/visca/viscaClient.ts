/**
 * VISCA over IP to one camera (UDP, port 52381 by default). UDP loses packets, so each command carries
 * a sequence number and is re-sent (same number) until the camera acknowledges it; the completion
 * (or error) reply arrives later on the socket the ACK named. Commands go out one at a time until
 * acknowledged (a camera has two command buffers; waiting for the ACK keeps us from overrunning them).
 * On open the client resets the camera's sequence counter; a sequence-number error triggers a reset
 * and a re-send.
 *
 * A camera that stops answering must not hold up the show: queued commands are coalesced (a newer
 * pan-tilt, zoom or preset recall replaces a queued one of the same kind, so a burst of PANICs queues
 * one stop, not one per PANIC), and once a command goes unacknowledged the camera is marked
 * unreachable — commands then get one try each, without re-sends, until it answers again (logged
 * once each way, with a count).
 */
import dgram from 'node:dgram';
import { DeviceError, InputError } from '../../core/errors.js';
import { createLogger, type Logger } from '../../core/log.js';
import { type ViscaCamera } from '../../core/show/schema.js';
import {
  VISCA_RESET_SEQUENCE,
  ViscaPayloadType,
  viscaCommandKey,
  decodeViscaIp,
  decodeViscaReply,
  encodeViscaIp,
  type ViscaReply,
} from '../../core/visca/visca.js';

/** Timing of acknowledgements and re-sends. */
export interface ViscaClientOptions {
  /** Wait this long for an ACK before re-sending (default 150 ms). */
  readonly ackTimeoutMs?: number;
  /** Re-sends before giving up (default 3). */
  readonly retries?: number;
  /** Wait this long for completion after the ACK (default 10 s: a slow preset move). */
  readonly completionTimeoutMs?: number;
  readonly log?: Logger;
}

/** How a command ended. */
export interface ViscaResult {
  readonly sequence: number;
  /** False when the ACK came but no completion within the timeout. */
  readonly completed: boolean;
  /** True when a newer command of the same kind replaced this one before it was sent. */
  readonly superseded?: boolean;
  /** Re-sends this command needed. */
  readonly resends: number;
  /** The completion's data (an inquiry's answer), when it carried any. */
  readonly data?: Uint8Array;
}

/** Counters. */
export interface ViscaStats {
  sent: number;
  resends: number;
  acks: number;
  completions: number;
  errors: number;
  malformed: number;
  /** Queued commands replaced by a newer one of the same kind. */
  coalesced: number;
  /** Commands given up on without an acknowledgement. */
  unanswered: number;
}

interface Pending {
  readonly payloadType: number;
  readonly payload: Uint8Array;
  readonly key: string | undefined;
  sequence: number;
  resends: number;
  acked: boolean;
  socketNo: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  readonly resolve: (r: ViscaResult) => void;
  readonly reject: (e: Error) => void;
}

/** A VISCA-over-IP camera connection. */
export class ViscaClient {
  private socket: dgram.Socket | undefined;
  private sequence = 0;
  private readonly queue: Pending[] = [];
  /** The command waiting for its ACK. */
  private inFlight: Pending | undefined;
  /** Acknowledged commands waiting for completion, by camera socket number. */
  private readonly executing = new Map<number, Pending>();
  private readonly ackTimeoutMs: number;
  private readonly retries: number;
  private readonly completionTimeoutMs: number;
  private readonly log: Logger;
  readonly stats: ViscaStats = { sent: 0, resends: 0, acks: 0, completions: 0, errors: 0, malformed: 0, coalesced: 0, unanswered: 0 };
  /** True after a command went unacknowledged, until the camera answers again. */
  private unreachable = false;

  constructor(
    readonly camera: ViscaCamera,
    options: ViscaClientOptions = {},
  ) {
    this.ackTimeoutMs = options.ackTimeoutMs ?? 150;
    this.retries = options.retries ?? 3;
    this.completionTimeoutMs = options.completionTimeoutMs ?? 10_000;
    this.log = options.log ?? createLogger('io/visca');
  }

  private get name(): string {
    return `visca camera '${this.camera.id}' ${this.camera.host}:${this.camera.port}`;
  }

  /** Binds a socket and resets the camera's sequence counter (not waiting for the camera to answer). */
  async open(): Promise<void> {
    if (this.socket !== undefined) return;
    const s = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      s.once('error', (err) => reject(new DeviceError(this.name, `cannot bind a UDP socket: ${err.message}`)));
      s.bind(0, () => resolve());
    });
    s.on('error', (err) => this.log.warn(`${this.name}: ${err.message}`));
    s.on('message', (msg, rinfo) => {
      if (rinfo.port !== this.camera.port) return; // not from the camera's VISCA port
      if (this.unreachable) {
        this.unreachable = false;
        this.log.info(`${this.name}: answers again (${this.stats.unanswered} commands went unanswered)`);
      }
      this.onReply(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength));
    });
    this.socket = s;
    this.sendReset();
  }

  private sendReset(): void {
    this.sequence = 0;
    this.raw(encodeViscaIp({ payloadType: ViscaPayloadType.control, sequence: 0, payload: VISCA_RESET_SEQUENCE }));
  }

  private raw(bytes: Uint8Array): void {
    this.socket?.send(bytes, this.camera.port, this.camera.host, (err) => {
      if (err) this.log.warn(`${this.name}: send failed: ${err.message}`);
    });
  }

  /** Sends a VISCA command (e.g. `viscaPresetRecall(3)`); resolves on completion, rejects on error or silence. */
  send(payload: Uint8Array): Promise<ViscaResult> {
    return this.enqueue(ViscaPayloadType.command, payload);
  }

  /**
   * Sends a VISCA inquiry (e.g. `viscaPanTiltInquiry()`); resolves with the answer's data. Rejects when
   * the camera refuses it or stays silent (a camera that does not answer inquiries).
   */
  async inquire(payload: Uint8Array): Promise<Uint8Array> {
    const result = await this.enqueue(ViscaPayloadType.inquiry, payload);
    if (!result.completed || result.data === undefined) throw new DeviceError(this.name, 'no answer to the inquiry');
    return result.data;
  }

  private enqueue(payloadType: number, payload: Uint8Array): Promise<ViscaResult> {
    if (this.socket === undefined) return Promise.reject(new DeviceError(this.name, 'not open (call open() first)'));
    if (payload.length < 3 || payload[payload.length - 1] !== 0xff) return Promise.reject(new InputError('visca', 'a VISCA command is 3..16 bytes ending in FF'));
    // Commands of one kind coalesce (the latest wins); inquiries are each answered.
    const key = payloadType === ViscaPayloadType.command ? viscaCommandKey(payload) : undefined;
    return new Promise<ViscaResult>((resolve, reject) => {
      if (key !== undefined) {
        // The latest command of a kind wins: a queued older one is dropped, not sent late.
        const older = this.queue.findIndex((q) => q.key === key);
        if (older >= 0) {
          const [dropped] = this.queue.splice(older, 1);
          this.stats.coalesced++;
          dropped!.resolve({ sequence: -1, completed: false, resends: 0, superseded: true });
        }
      }
      this.queue.push({ payloadType, payload, key, sequence: -1, resends: 0, acked: false, socketNo: -1, timer: undefined, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    if (this.inFlight !== undefined) return;
    const next = this.queue.shift();
    if (next === undefined) return;
    this.sequence = (this.sequence + 1) >>> 0;
    next.sequence = this.sequence;
    this.inFlight = next;
    this.transmit(next);
  }

  private transmit(p: Pending): void {
    this.raw(encodeViscaIp({ payloadType: p.payloadType, sequence: p.sequence, payload: p.payload }));
    this.stats.sent++;
    p.timer = setTimeout(() => this.onAckTimeout(p), this.ackTimeoutMs);
  }

  private onAckTimeout(p: Pending): void {
    if (this.inFlight !== p) return;
    if (p.resends >= (this.unreachable ? 0 : this.retries)) {
      this.inFlight = undefined;
      this.stats.unanswered++;
      if (!this.unreachable) {
        this.unreachable = true;
        this.log.warn(`${this.name}: not answering; commands get one try each until it does`);
      }
      p.reject(new DeviceError(this.name, `no acknowledgement after ${p.resends + 1} tries`, 'check the camera is on, its IP and that VISCA over IP is enabled'));
      this.pump();
      return;
    }
    p.resends++;
    this.stats.resends++;
    this.log.debug(`${this.name}: re-sending sequence ${p.sequence}`);
    this.transmit(p);
  }

  private finish(p: Pending, completed: boolean, data?: Uint8Array): void {
    if (p.timer !== undefined) clearTimeout(p.timer);
    p.resolve({ sequence: p.sequence, completed, resends: p.resends, ...(data !== undefined && data.length > 0 ? { data } : {}) });
  }

  private onReply(bytes: Uint8Array): void {
    let packet;
    try {
      packet = decodeViscaIp(bytes);
    } catch {
      this.stats.malformed++;
      return;
    }
    if (packet.payloadType === ViscaPayloadType.controlReply) {
      // 0x01 = reset acknowledged; 0x0F 01 = sequence-number error, 0x0F 02 = message-type error.
      if (packet.payload[0] === 0x0f && packet.payload[1] === 0x01 && this.inFlight !== undefined) {
        const p = this.inFlight;
        if (p.timer !== undefined) clearTimeout(p.timer);
        this.sendReset();
        this.sequence = (this.sequence + 1) >>> 0;
        p.sequence = this.sequence;
        this.transmit(p);
      }
      return;
    }
    if (packet.payloadType !== ViscaPayloadType.reply) return;
    let reply: ViscaReply;
    try {
      reply = decodeViscaReply(packet.payload);
    } catch {
      this.stats.malformed++;
      return;
    }
    const p = this.inFlight;
    switch (reply.kind) {
      case 'ack': {
        if (p === undefined || packet.sequence !== p.sequence) return; // a duplicate ACK of a re-sent command
        this.stats.acks++;
        if (p.timer !== undefined) clearTimeout(p.timer);
        p.acked = true;
        p.socketNo = reply.socket;
        this.inFlight = undefined;
        const superseded = this.executing.get(reply.socket);
        if (superseded !== undefined) this.finish(superseded, false); // the camera reused the socket: the old command is over
        this.executing.set(reply.socket, p);
        p.timer = setTimeout(() => {
          if (this.executing.get(reply.socket) === p) this.executing.delete(reply.socket);
          this.finish(p, false);
        }, this.completionTimeoutMs);
        this.pump();
        return;
      }
      case 'completion': {
        // Completion may come without an ACK (inquiries, fast commands) — match by sequence then socket.
        if (p !== undefined && packet.sequence === p.sequence) {
          this.inFlight = undefined;
          this.stats.completions++;
          this.finish(p, true, reply.data);
          this.pump();
          return;
        }
        const e = this.executing.get(reply.socket);
        if (e === undefined) return;
        this.executing.delete(reply.socket);
        this.stats.completions++;
        this.finish(e, true, reply.data);
        return;
      }
      case 'error': {
        this.stats.errors++;
        const target = p !== undefined && packet.sequence === p.sequence ? p : this.executing.get(reply.socket);
        if (target === undefined) return;
        if (target === p) this.inFlight = undefined;
        else this.executing.delete(reply.socket);
        if (target.timer !== undefined) clearTimeout(target.timer);
        target.reject(new DeviceError(this.name, `camera refused the command: ${reply.reason}`));
        this.pump();
        return;
      }
    }
  }

  /** Fails what is pending and closes the socket. */
  async close(): Promise<void> {
    const closed = new DeviceError(this.name, 'connection closed');
    for (const p of [...this.queue.splice(0), ...(this.inFlight !== undefined ? [this.inFlight] : []), ...this.executing.values()]) {
      if (p.timer !== undefined) clearTimeout(p.timer);
      p.reject(closed);
    }
    this.inFlight = undefined;
    this.executing.clear();
    const s = this.socket;
    this.socket = undefined;
    if (s !== undefined) await new Promise<void>((r) => s.close(() => r()));
  }
}
