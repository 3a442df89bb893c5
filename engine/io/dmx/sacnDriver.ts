/**
 * sACN / E1.31 output: multicast to 239.255.hi.lo (or unicast to `host`), a per-packet sequence, the
 * show's priority, an optional synchronisation universe, and three stream-terminated packets on a
 * clean stop (E1.31 §6.7.1) — the `sacn` package's close() sends none.
 */
import { SacnDataEncoder, SacnOptions, SacnSyncEncoder, sacnMulticastAddress } from '../../core/dmx/sacn.js';
import { type CloseMode, type DmxDriver, type DmxDriverStats } from './driver.js';
import { type UdpOut } from './udp.js';

/** sACN driver settings (show schema `sacn` driver). */
export interface SacnDriverOptions {
  readonly universe: number;
  readonly priority: number;
  readonly host?: string;
  readonly port: number;
  readonly sourceName: string;
  readonly syncUniverse?: number;
}

/** Sends E1.31 data for one universe through a shared socket. */
export class SacnDriver implements DmxDriver {
  readonly description: string;
  readonly stats: DmxDriverStats = { sent: 0, skipped: 0, errors: 0 };
  private readonly encoder: SacnDataEncoder;
  private readonly destination: string;
  private readonly last = new Uint8Array(512);

  constructor(
    private readonly options: SacnDriverOptions,
    cid: Uint8Array,
    private readonly udp: UdpOut,
  ) {
    this.encoder = new SacnDataEncoder({
      universe: options.universe,
      cid,
      sourceName: options.sourceName,
      priority: options.priority,
      ...(options.syncUniverse !== undefined ? { syncUniverse: options.syncUniverse } : {}),
    });
    this.destination = options.host ?? sacnMulticastAddress(options.universe);
    this.description = `sacn universe ${options.universe} → ${this.destination}:${options.port} priority ${options.priority}`;
  }

  /** The sync universe this stream is synchronised to, if any. */
  get syncUniverse(): number | undefined {
    return this.options.syncUniverse;
  }

  /** Where sync packets for this stream go (unicast host, or the sync universe's multicast group). */
  syncDestination(): { host: string; port: number } | undefined {
    const s = this.options.syncUniverse;
    if (s === undefined) return undefined;
    return { host: this.options.host ?? sacnMulticastAddress(s), port: this.options.port };
  }

  async open(): Promise<void> {
    await this.udp.open();
  }

  send(data: Uint8Array): void {
    const len = this.encoder.encode(data);
    this.last.set(data.subarray(0, 512));
    this.udp.send(this.encoder.packet, len, this.options.port, this.destination);
    this.stats.sent++;
  }

  async close(mode: CloseMode): Promise<void> {
    if (mode !== 'clean') return;
    for (let i = 0; i < 3; i++) {
      // Each packet needs its own bytes: sends leave on the next tick, after the encoder moved on.
      const len = this.encoder.encode(this.last, SacnOptions.streamTerminated);
      this.udp.send(this.encoder.packet.slice(0, len), len, this.options.port, this.destination);
      this.stats.sent++;
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Sends E1.31 synchronisation packets for one sync universe. */
export class SacnSyncSender {
  private readonly encoder: SacnSyncEncoder;

  constructor(
    readonly syncUniverse: number,
    cid: Uint8Array,
    private readonly destination: { host: string; port: number },
    private readonly udp: UdpOut,
  ) {
    this.encoder = new SacnSyncEncoder(syncUniverse, cid);
  }

  /** Sends one sync packet (after the data packets of a frame). */
  send(): void {
    const len = this.encoder.encode();
    this.udp.send(this.encoder.packet.slice(0, len), len, this.destination.port, this.destination.host);
  }
}
