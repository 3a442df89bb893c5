/** Art-Net 4 ArtDmx output: unicast by default (Art-Net 4), broadcast when the host is a broadcast address. */
import { ArtDmxEncoder } from '../../core/dmx/artnet.js';
import { type CloseMode, type DmxDriver, type DmxDriverStats } from './driver.js';
import { type UdpOut } from './udp.js';

/** Art-Net driver settings (show schema `artnet` driver). */
export interface ArtnetDriverOptions {
  readonly host: string;
  readonly port: number;
  readonly net: number;
  readonly subnet: number;
  readonly universe: number;
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

/** True for addresses that need SO_BROADCAST (x.x.x.255 and 255.255.255.255). */
export function isBroadcastHost(host: string): boolean {
  return /^\d+\.\d+\.\d+\.255$/.test(host);
}
