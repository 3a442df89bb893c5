/**
 * A simulated Behringer X32 on loopback, speaking the X32 OSC protocol as the desk does: `/info`
 * answers `V2.07 osc-server X32 4.06`; `/xremote` subscribes the sender to changes for 10 s; a parameter
 * address without arguments is a query (answered with its value); with one, it sets the value and
 * the desk tells its other subscribers. It logs every set with its arrival time, can go silent (a
 * cable pulled) and can have a person move a fader on the desk.
 */
import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { decodeOscPacket, encodeOscMessage, type OscArg } from '../../../engine/core/osc/packet.js';

/** One set the desk received. */
export interface SimSet {
  readonly tMs: number;
  readonly address: string;
  readonly value: number;
}

/** The simulated desk. */
export class X32Sim {
  private socket: dgram.Socket | undefined;
  /** Parameter values (faders 0..1, on 0/1…): preset values are what the desk "has". */
  readonly values = new Map<string, number>();
  readonly sets: SimSet[] = [];
  readonly received: string[] = [];
  private readonly subscribers = new Map<string, { address: string; port: number; untilMs: number }>();
  /** While true the desk answers nothing (and takes nothing). */
  silent = false;

  constructor(initial: Record<string, number> = {}) {
    for (const [k, v] of Object.entries(initial)) this.values.set(k, v);
  }

  get port(): number {
    return this.socket!.address().port;
  }

  /** How many senders hold a live `/xremote` subscription now. */
  get subscriberCount(): number {
    const now = performance.now();
    return [...this.subscribers.values()].filter((s) => s.untilMs > now).length;
  }

  async start(port = 0): Promise<void> {
    const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    await new Promise<void>((r) => s.bind(port, '127.0.0.1', () => r()));
    s.on('message', (msg, rinfo) => this.onPacket(msg, rinfo));
    this.socket = s;
  }

  private reply(to: dgram.RemoteInfo | { address: string; port: number }, address: string, args: OscArg[]): void {
    this.socket?.send(encodeOscMessage({ address, args }), to.port, to.address);
  }

  private onPacket(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.silent) return;
    for (const m of decodeOscPacket(new Uint8Array(msg))) {
      this.received.push(m.address);
      if (m.address === '/info') {
        this.reply(rinfo, '/info', ['V2.07', 'osc-server', 'X32', '4.06']);
      } else if (m.address === '/xremote') {
        this.subscribers.set(`${rinfo.address}:${rinfo.port}`, { address: rinfo.address, port: rinfo.port, untilMs: performance.now() + 10_000 });
      } else if (m.args.length === 0) {
        const v = this.values.get(m.address);
        if (v !== undefined) this.reply(rinfo, m.address, [this.typed(m.address, v)]);
      } else {
        const v = m.args[0]!.value;
        if (typeof v !== 'number') continue;
        this.values.set(m.address, v);
        this.sets.push({ tMs: performance.now(), address: m.address, value: v });
        this.notify(m.address, v, `${rinfo.address}:${rinfo.port}`);
      }
    }
  }

  private typed(address: string, v: number): OscArg {
    return /fader|level/.test(address) ? { type: 'f', value: v } : { type: 'i', value: v };
  }

  private notify(address: string, v: number, except?: string): void {
    const now = performance.now();
    for (const [key, s] of this.subscribers) if (key !== except && s.untilMs > now) this.reply(s, address, [this.typed(address, v)]);
  }

  /** A person moves something on the desk: subscribers hear about it. */
  touch(address: string, value: number): void {
    this.values.set(address, value);
    this.notify(address, value);
  }

  async stop(): Promise<void> {
    const s = this.socket;
    this.socket = undefined;
    if (s !== undefined) await new Promise<void>((r) => s.close(() => r()));
  }
}
