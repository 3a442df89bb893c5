/**
 * A PTZ camera on loopback speaking VISCA over IP: ACKs each command, travels to a preset or an
 * absolute position over `travelMs` (its position moves linearly), sends the completion when it gets
 * there, and answers pan-tilt and zoom position inquiries with where it is now — or stays silent to
 * inquiries, as cameras without them do. Every command is recorded with its arrival time.
 */
import dgram from 'node:dgram';
import { ViscaPayloadType, decodeViscaIp, encodePanTiltPosition, encodeViscaIp } from '../../../engine/core/visca/visca.js';

/** A command the camera received. */
export interface CameraCommand {
  readonly atMs: number;
  readonly payload: number[];
}

/** Where preset `n` points this camera. */
export const presetPosition = (n: number): { pan: number; tilt: number } => ({ pan: n * 1000, tilt: -n * 100 });

export class FakeViscaCamera {
  readonly commands: CameraCommand[] = [];
  private from = { pan: 0, tilt: 0 };
  private to = { pan: 0, tilt: 0 };
  private startedAt = 0;
  private constructor(
    private readonly socket: dgram.Socket,
    private readonly options: { travelMs: number; answersInquiries: boolean },
  ) {
    socket.on('message', (msg, rinfo) => this.receive(new Uint8Array(msg), rinfo));
  }

  static async start(options: { travelMs?: number; answersInquiries?: boolean } = {}): Promise<FakeViscaCamera> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
    return new FakeViscaCamera(socket, { travelMs: options.travelMs ?? 300, answersInquiries: options.answersInquiries ?? true });
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** Where the camera points now. */
  position(now = Date.now()): { pan: number; tilt: number } {
    const f = this.options.travelMs <= 0 ? 1 : Math.min(1, (now - this.startedAt) / this.options.travelMs);
    return { pan: Math.round(this.from.pan + (this.to.pan - this.from.pan) * f), tilt: Math.round(this.from.tilt + (this.to.tilt - this.from.tilt) * f) };
  }

  /** Recall-preset commands received (`81 01 04 3F 02 pp FF`), as preset numbers with times. */
  recalls(): Array<{ atMs: number; preset: number }> {
    return this.commands.filter((c) => c.payload[1] === 0x01 && c.payload[2] === 0x04 && c.payload[3] === 0x3f && c.payload[4] === 0x02).map((c) => ({ atMs: c.atMs, preset: c.payload[5]! }));
  }

  private receive(bytes: Uint8Array, rinfo: dgram.RemoteInfo): void {
    const p = decodeViscaIp(bytes);
    const reply = (payload: readonly number[]): void => {
      this.socket.send(encodeViscaIp({ payloadType: ViscaPayloadType.reply, sequence: p.sequence, payload: Uint8Array.from(payload) }), rinfo.port, rinfo.address);
    };
    if (p.payloadType === ViscaPayloadType.control) {
      this.socket.send(encodeViscaIp({ payloadType: ViscaPayloadType.controlReply, sequence: p.sequence, payload: Uint8Array.of(0x01) }), rinfo.port, rinfo.address);
      return;
    }
    const m = [...p.payload];
    if (p.payloadType === ViscaPayloadType.inquiry) {
      if (!this.options.answersInquiries) return;
      if (m[1] === 0x09 && m[2] === 0x06 && m[3] === 0x12) {
        const where = this.position();
        reply([0x90, 0x50, ...encodePanTiltPosition(where.pan, where.tilt), 0xff]);
      } else if (m[1] === 0x09 && m[2] === 0x04 && m[3] === 0x47) {
        reply([0x90, 0x50, 0x00, 0x00, 0x00, 0x00, 0xff]);
      } else {
        reply([0x90, 0x60, 0x02, 0xff]); // syntax error: an inquiry this camera does not know
      }
      return;
    }
    this.commands.push({ atMs: Date.now(), payload: m });
    reply([0x90, 0x41, 0xff]);
    let target: { pan: number; tilt: number } | undefined;
    if (m[1] === 0x01 && m[2] === 0x04 && m[3] === 0x3f && m[4] === 0x02) target = presetPosition(m[5]!);
    if (m[1] === 0x01 && m[2] === 0x06 && m[3] === 0x02) {
      const word = (at: number): number => {
        const v = ((m[at]! & 15) << 12) | ((m[at + 1]! & 15) << 8) | ((m[at + 2]! & 15) << 4) | (m[at + 3]! & 15);
        return v >= 0x8000 ? v - 0x10000 : v;
      };
      target = { pan: word(6), tilt: word(10) };
    }
    if (target === undefined) {
      reply([0x90, 0x51, 0xff]);
      return;
    }
    this.from = this.position();
    this.to = target;
    this.startedAt = Date.now();
    setTimeout(() => reply([0x90, 0x51, 0xff]), this.options.travelMs);
  }

  async close(): Promise<void> {
    await new Promise<void>((r) => this.socket.close(() => r()));
  }
}
