/**
 * A loopback stand-in for a Blackmagic ATEM, speaking the switcher's UDP protocol as the device does
 * (learned from atem-connection's socket and command code, which mirror what a real ATEM sends):
 *
 * - handshake: the client's hello (flag NewSessionId) is answered with a hello carrying the session;
 *   after the client's ACK the switcher sends its state dump — `_ver`, `_pin`, `_top`, `_MeC`, `_MAC`,
 *   `VidM`, `InPr` per input, `MPrp` per macro, `PrgI`, `PrvI`, `TrSS`, `TMxP`, `KeOn`, `DskB`, `DskS`,
 *   `TlSr` — ending with `InCm` (init complete), in ack-requested packets numbered from 1;
 * - then a keep-alive packet every second (a client hears nothing for 5 s → it reconnects);
 * - every ack-requested client packet is ACKed; each command in it is recorded byte for byte and
 *   acted on as a switcher would (preview/program/cut/auto change the buses and re-send the tally).
 *
 * `silence()` makes it stop answering (a switcher unplugged); `resume()` brings it back.
 */
import dgram from 'node:dgram';

/** One command the client sent: its four-letter name and payload, as hex. */
export interface ReceivedCommand {
  readonly name: string;
  readonly hex: string;
}

const ACK_REQUEST = 0x01;
const NEW_SESSION = 0x02;
const ACK_REPLY = 0x10;

/** A command as the ATEM frames it: length (with the 8-byte header), two zero bytes, name, payload. */
export function atemCommand(name: string, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt16BE(payload.length + 8, 0);
  header.write(name, 4, 4, 'ascii');
  return Buffer.concat([header, payload]);
}

function text(s: string, length: number): Buffer {
  const b = Buffer.alloc(length);
  b.write(s, 0, Math.min(s.length, length - 1), 'utf8');
  return b;
}

/** An input of the stand-in. */
export interface StandInInput {
  readonly id: number;
  readonly name: string;
  readonly short: string;
}

/** The stand-in's configuration (defaults: a one-M/E switcher, 1080p25, three cameras, bars, MP1). */
export interface AtemStandInOptions {
  readonly inputs?: readonly StandInInput[];
  readonly macros?: readonly string[];
}

export const DEFAULT_INPUTS: readonly StandInInput[] = [
  { id: 1, name: 'Camera 1', short: 'CAM1' },
  { id: 2, name: 'Camera 2', short: 'CAM2' },
  { id: 3, name: 'Wide', short: 'WIDE' },
  { id: 1000, name: 'Color Bars', short: 'BARS' },
  { id: 3010, name: 'Media Player 1', short: 'MP1' },
];

/** A running stand-in. */
export class AtemStandIn {
  readonly received: ReceivedCommand[] = [];
  /** Packets (their command names) in arrival order, to assert what went together. */
  readonly packets: string[][] = [];
  /** Hellos seen: one per (re)connection. */
  hellos = 0;
  program = 1;
  preview = 2;
  private nextStyle = 0;
  private mixRate = 25;
  private readonly keyOnAir = [false];
  private readonly dskOnAir = [false, false];
  private inTransition = false;
  private client: { port: number; address: string } | null = null;
  private session = 0x8001;
  private packetId = 0;
  private silent = false;
  private keepAlive: ReturnType<typeof setInterval> | undefined;
  private transitionTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly inputs: readonly StandInInput[];
  private readonly macros: readonly string[];

  private constructor(
    private readonly socket: dgram.Socket,
    options: AtemStandInOptions,
  ) {
    this.inputs = options.inputs ?? DEFAULT_INPUTS;
    this.macros = options.macros ?? ['Opener', 'Credits'];
    socket.on('message', (msg, rinfo) => this.receive(msg, rinfo));
  }

  static async start(options: AtemStandInOptions = {}): Promise<AtemStandIn> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    return new AtemStandIn(socket, options);
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** Stops answering anything (the switcher went away). */
  silence(): void {
    this.silent = true;
    clearInterval(this.keepAlive);
  }

  /** Answers again (the next hello gets a fresh session). */
  resume(): void {
    this.silent = false;
  }

  /** Names of the commands received since `from`. */
  names(from = 0): string[] {
    return this.received.slice(from).map((c) => c.name);
  }

  private send(flags: number, payload: Buffer, fields: { ackId?: number; packetId?: number } = {}): void {
    if (this.client === null || this.silent) return;
    const header = Buffer.alloc(12);
    header.writeUInt16BE((flags << 11) | (12 + payload.length), 0);
    header.writeUInt16BE(this.session, 2);
    header.writeUInt16BE(fields.ackId ?? 0, 4);
    header.writeUInt16BE(fields.packetId ?? 0, 10);
    this.socket.send(Buffer.concat([header, payload]), this.client.port, this.client.address);
  }

  /** Sends commands in one ack-requested packet. */
  private push(...commands: Buffer[]): void {
    this.packetId = (this.packetId + 1) % 0x8000;
    this.send(ACK_REQUEST, Buffer.concat(commands), { packetId: this.packetId });
  }

  private receive(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.silent || msg.length < 12) return;
    const flags = msg.readUInt8(0) >> 3;
    if (flags & NEW_SESSION) {
      // A hello: answer with the session accepted (payload byte 0 = 0x02), as the ATEM does.
      this.hellos++;
      this.client = { port: rinfo.port, address: rinfo.address };
      this.session = 0x8000 | (this.hellos & 0x7fff);
      this.packetId = 0;
      const answer = Buffer.alloc(8);
      answer.writeUInt8(0x02, 0);
      this.send(NEW_SESSION, answer);
      this.pendingDump = true;
      return;
    }
    if (flags & ACK_REPLY && this.pendingDump) {
      this.pendingDump = false;
      this.dump();
      clearInterval(this.keepAlive);
      this.keepAlive = setInterval(() => this.push(), 1000);
    }
    if (flags & ACK_REQUEST) {
      const packetId = msg.readUInt16BE(10);
      this.send(ACK_REPLY, Buffer.alloc(0), { ackId: packetId });
      const names: string[] = [];
      let at = 12;
      while (at + 8 <= msg.length) {
        const length = msg.readUInt16BE(at);
        if (length < 8 || at + length > msg.length) break;
        const name = msg.toString('ascii', at + 4, at + 8);
        const payload = msg.subarray(at + 8, at + length);
        this.received.push({ name, hex: payload.toString('hex') });
        names.push(name);
        this.act(name, payload);
        at += length;
      }
      if (names.length > 0) this.packets.push(names);
    }
  }

  private pendingDump = false;

  private dump(): void {
    const version = Buffer.alloc(4);
    version.writeUInt16BE(2, 0);
    version.writeUInt16BE(30, 2); // protocol 2.30 (atem-connection's V8_1_1)
    const product = Buffer.concat([text('ATEM Television Studio HD', 40), Buffer.from([0x09, 0, 0, 0])]);
    const topology = Buffer.alloc(24);
    topology.set([1, this.inputs.length, 2, 1, 0, 1, 1, 0, 0, 1, 1, 0], 0); // 1 M/E, 2 DSKs, 1 aux, 1 media player, 1 multiviewer
    this.push(
      atemCommand('_ver', version),
      atemCommand('_pin', product),
      atemCommand('_top', topology),
      atemCommand('_MeC', Buffer.from([0, 1, 0, 0])), // M/E 1 has one upstream keyer
      atemCommand('_MAC', Buffer.from([this.macros.length, 0, 0, 0])),
      atemCommand('VidM', Buffer.from([10, 0, 0, 0])), // 1080p25
    );
    this.push(
      ...this.inputs.map((i) => {
        const b = Buffer.alloc(36);
        b.writeUInt16BE(i.id, 0);
        text(i.name, 20).copy(b, 2);
        text(i.short, 4).copy(b, 22);
        b.writeUInt8(0, 26);
        b.writeUInt16BE(1, 28);
        b.writeUInt16BE(1, 30);
        b.writeUInt8(i.id < 1000 ? 0 : 1, 32);
        b.writeUInt8(0x1f, 34);
        b.writeUInt8(0x01, 35);
        return atemCommand('InPr', b);
      }),
    );
    this.push(
      ...this.macros.map((name, index) => {
        const b = Buffer.alloc(Math.ceil((8 + name.length) / 4) * 4);
        b.writeUInt16BE(index, 0);
        b.writeUInt8(1, 2);
        b.writeUInt16BE(name.length, 4);
        b.writeUInt16BE(0, 6);
        b.write(name, 8, 'utf8');
        return atemCommand('MPrp', b);
      }),
    );
    this.push(
      this.prgI(),
      this.prvI(),
      this.trSS(),
      atemCommand('TMxP', Buffer.from([0, this.mixRate, 0, 0])),
      atemCommand('KeOn', Buffer.from([0, 0, 0, 0])),
      ...[0, 1].map((k) => atemCommand('DskB', Buffer.from([k, 0, 0x0b, 0xc2, 0x0b, 0xc3, 0, 0]))), // fill MP1, key MP1 key
      ...[0, 1].map((k) => this.dskS(k)),
      this.tlSr(),
    );
    this.push(atemCommand('InCm', Buffer.from([1, 0, 0, 0])));
  }

  private prgI(): Buffer {
    const b = Buffer.alloc(4);
    b.writeUInt16BE(this.program, 2);
    return atemCommand('PrgI', b);
  }

  private prvI(): Buffer {
    const b = Buffer.alloc(8);
    b.writeUInt16BE(this.preview, 2);
    return atemCommand('PrvI', b);
  }

  private trSS(): Buffer {
    return atemCommand('TrSS', Buffer.from([0, this.nextStyle, 1, this.nextStyle, 1, 0, 0, 0]));
  }

  private dskS(k: number): Buffer {
    return atemCommand('DskS', Buffer.from([k, this.dskOnAir[k] === true ? 1 : 0, 0, 0, 0, 0, 0, 0]));
  }

  /** Tally by source: bit 0 program, bit 1 preview (a source in a transition is on both). */
  private tlSr(): Buffer {
    const b = Buffer.alloc(Math.ceil((2 + this.inputs.length * 3) / 4) * 4);
    b.writeUInt16BE(this.inputs.length, 0);
    this.inputs.forEach((input, i) => {
      const program = input.id === this.program || (this.inTransition && input.id === this.preview);
      const preview = input.id === this.preview;
      b.writeUInt16BE(input.id, 2 + i * 3);
      b.writeUInt8((program ? 1 : 0) | (preview ? 2 : 0), 4 + i * 3);
    });
    return atemCommand('TlSr', b);
  }

  private act(name: string, p: Buffer): void {
    switch (name) {
      case 'CPvI':
        this.preview = p.readUInt16BE(2);
        this.push(this.prvI(), this.tlSr());
        return;
      case 'CPgI':
        this.program = p.readUInt16BE(2);
        this.push(this.prgI(), this.tlSr());
        return;
      case 'DCut':
        [this.program, this.preview] = [this.preview, this.program];
        this.push(this.prgI(), this.prvI(), this.tlSr());
        return;
      case 'DAut': {
        // A mix: both sources on air until the rate (frames at 25 fps) has run, then the buses swap.
        this.inTransition = true;
        this.push(atemCommand('TrPs', Buffer.from([0, 1, this.mixRate, 0, 0, 0, 0, 0])), this.tlSr());
        clearTimeout(this.transitionTimer);
        this.transitionTimer = setTimeout(() => {
          this.inTransition = false;
          [this.program, this.preview] = [this.preview, this.program];
          this.push(atemCommand('TrPs', Buffer.from([0, 0, 0, 0, 0, 0, 0, 0])), this.prgI(), this.prvI(), this.tlSr());
        }, (this.mixRate / 25) * 1000);
        return;
      }
      case 'CTTp':
        if ((p.readUInt8(0) & 1) !== 0) this.nextStyle = p.readUInt8(2);
        this.push(this.trSS());
        return;
      case 'CTMx':
        this.mixRate = p.readUInt8(1);
        this.push(atemCommand('TMxP', Buffer.from([0, this.mixRate, 0, 0])));
        return;
      case 'CKOn':
        this.keyOnAir[p.readUInt8(1)] = p.readUInt8(2) === 1;
        this.push(atemCommand('KeOn', Buffer.from([0, p.readUInt8(1), p.readUInt8(2), 0])));
        return;
      case 'CDsL':
        this.dskOnAir[p.readUInt8(0)] = p.readUInt8(1) === 1;
        this.push(this.dskS(p.readUInt8(0)));
        return;
      case 'DDsA': {
        const k = p.readUInt8(1);
        this.dskOnAir[k] = !this.dskOnAir[k];
        this.push(this.dskS(k));
        return;
      }
      default:
        return; // MAct, CTDp, CTWp: recorded only
    }
  }

  async close(): Promise<void> {
    clearInterval(this.keepAlive);
    clearTimeout(this.transitionTimer);
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}
