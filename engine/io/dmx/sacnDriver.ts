/**
 * sACN / E1.31 output: multicast to 239.255.hi.lo (or unicast to `host`), a per-packet sequence, the
 * show's priority, an optional synchronisation universe, and three stream-terminated packets on a
 * clean stop (E1.31 §6.7.1) — the `sacn` package's close() sends none.
 */
import { encodeUniverseDiscovery, SACN_DISCOVERY_ADDRESS, SacnDataEncoder, SacnOptions, SacnSyncEncoder, sacnMulticastAddress } from '../../core/dmx/sacn.js';
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
  readonly interface?: string;
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

  /** The universe this stream sends. */
  get universe(): number {
    return this.options.universe;
  }

  /** The source name receivers show. */
  get sourceName(): string {
    return this.options.sourceName;
  }

  /** Where this stream's data goes: unicast host (or undefined for multicast) and port. */
  get target(): { host?: string; port: number } {
    return { ...(this.options.host !== undefined ? { host: this.options.host } : {}), port: this.options.port };
  }

  /** The socket this driver sends through. */
  get socket(): UdpOut {
    return this.udp;
  }

  /** Where sync packets for this stream go (unicast host, or the sync universe's multicast group). */
  syncDestination(): { host: string; port: number } | undefined {
    const s = this.options.syncUniverse;
    if (s === undefined) return undefined;
    return { host: this.options.host ?? sacnMulticastAddress(s), port: this.options.port };
  }

  /** The priority this stream sends at now. */
  get priority(): number {
    return this.encoder.priority;
  }

  /** Sends the following packets at `priority` (0..200) instead of the show's. */
  setPriority(priority: number): void {
    this.encoder.setPriority(priority);
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

/**
 * Announces which universes a source sends (E1.31 §8 universe discovery, every 10 s): to the discovery
 * multicast group 239.255.250.214 on each port the streams use, and to every unicast receiver too (a
 * receiver we unicast to may not hear multicast).
 */
export class SacnDiscoverySender {
  private readonly destinations: { host: string; port: number }[] = [];

  constructor(
    private readonly cid: Uint8Array,
    private readonly streams: readonly SacnDriver[],
    private readonly udp: UdpOut,
  ) {
    const seen = new Set<string>();
    const add = (host: string, port: number): void => {
      const key = `${host}:${port}`;
      if (seen.has(key)) return;
      seen.add(key);
      this.destinations.push({ host, port });
    };
    for (const s of streams) {
      const t = s.target;
      add(t.host ?? SACN_DISCOVERY_ADDRESS, t.port);
    }
  }

  /** Sends the discovery pages to every destination. */
  send(): void {
    const name = this.streams[0]?.sourceName ?? 'Precue';
    const pages = encodeUniverseDiscovery(this.cid, name, this.streams.map((s) => s.universe));
    for (const d of this.destinations) for (const p of pages) this.udp.send(p, p.length, d.port, d.host);
  }
}
