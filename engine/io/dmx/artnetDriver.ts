/**
 * Art-Net 4 ArtDmx output: unicast by default (Art-Net 4), broadcast when the host is a broadcast
 * address; and ArtSync after a frame for universes that ask for it.
 */
import { ArtDmxEncoder, encodeArtSync } from '../../core/dmx/artnet.js';
import { type CloseMode, type DmxDriver, type DmxDriverStats } from './driver.js';
import { type UdpOut } from './udp.js';

/** Art-Net driver settings (show schema `artnet` driver). */
export interface ArtnetDriverOptions {
  readonly host: string;
  readonly port: number;
  readonly net: number;
  readonly subnet: number;
  readonly universe: number;
  /** Follow each frame with an ArtSync. */
  readonly sync?: boolean;
  readonly interface?: string;
}

/** Sends ArtDmx for one Port-Address through a shared socket. */
export class ArtnetDriver implements DmxDriver {
  readonly description: string;
  readonly stats: DmxDriverStats = { sent: 0, skipped: 0, errors: 0 };
  private readonly encoder: ArtDmxEncoder;

  constructor(
    private readonly options: ArtnetDriverOptions,
    private readonly udp: UdpOut,
  ) {
    this.encoder = new ArtDmxEncoder(options);
    this.description = `art-net ${options.host}:${options.port} ${options.net}:${options.subnet}:${options.universe}`;
  }

  /** Where ArtSync for this universe goes (its own destination), when it asks for sync. */
  syncDestination(): { host: string; port: number } | undefined {
    return this.options.sync === true ? { host: this.options.host, port: this.options.port } : undefined;
  }

  /** The socket this driver sends through (ArtSync must leave from the same one). */
  get socket(): UdpOut {
    return this.udp;
  }

  /** The sequence number of the last packet sent. */
  get lastSequence(): number {
    return this.encoder.lastSequence;
  }

  async open(): Promise<void> {
    await this.udp.open();
  }

  send(data: Uint8Array): void {
    const len = this.encoder.encode(data);
    this.udp.send(this.encoder.packet, len, this.options.port, this.options.host);
    this.stats.sent++;
  }

  close(_mode: CloseMode): Promise<void> {
    return Promise.resolve(); // Art-Net has no goodbye: nodes hold the last look.
  }
}

/**
 * Sends ArtSync to one destination. Art-Net 4 broadcasts it; we send it where the synchronised
 * universes go (unicast or broadcast), so a node that gets our DMX also gets the sync.
 */
export class ArtSyncSender {
  private readonly packet = encodeArtSync();

  constructor(
    private readonly destination: { host: string; port: number },
    private readonly udp: UdpOut,
  ) {}

  /** Sends one ArtSync (after the frame's ArtDmx packets). */
  send(): void {
    this.udp.send(this.packet, this.packet.length, this.destination.port, this.destination.host);
  }
}

/** True for addresses that need SO_BROADCAST (x.x.x.255 and 255.255.255.255). */
export function isBroadcastHost(host: string): boolean {
  return /^\d+\.\d+\.\d+\.255$/.test(host);
}
