/** Builds drivers from show configuration, sharing one UDP socket per protocol. */
import { assertNever } from '../../core/errors.js';
import { type DmxDriverConfig } from '../../core/show/schema.js';
import { ArtnetDriver } from './artnetDriver.js';
import { type DmxDriver } from './driver.js';
import { NullDriver } from './nullDriver.js';
import { SacnDriver } from './sacnDriver.js';
import { EnttecProDriver, OpenDmxDriver } from './serialDrivers.js';
import { UdpOut } from './udp.js';

/** Shared transports for a set of drivers. */
export class DriverFactory {
  private artnet: UdpOut | undefined;
  private sacn: UdpOut | undefined;

  constructor(
    /** sACN component identifier (16 bytes), stable per Precue installation. */
    readonly cid: Uint8Array,
    private readonly options: { readonly multicastInterface?: string } = {},
  ) {}

  /** The shared sACN socket (for sync packets). */
  sacnSocket(): UdpOut {
    this.sacn ??= new UdpOut('sacn', { multicastTtl: 8, ...(this.options.multicastInterface !== undefined ? { multicastInterface: this.options.multicastInterface } : {}) });
    return this.sacn;
  }

  /** Creates (but does not open) the driver for a configuration. */
  create(config: DmxDriverConfig): DmxDriver {
    switch (config.kind) {
      case 'artnet':
        // SO_BROADCAST is harmless for unicast, so one socket serves unicast (Art-Net 4's default) and
        // broadcast hosts alike (dmxnet instead broadcasts to 255.255.255.255 unless told otherwise).
        this.artnet ??= new UdpOut('art-net', { broadcast: true });
        return new ArtnetDriver(config, this.artnet);
      case 'sacn':
        return new SacnDriver(config, this.cid, this.sacnSocket());
      case 'enttec-usb-pro':
        return new EnttecProDriver(config.port);
      case 'open-dmx':
        return new OpenDmxDriver(config.port);
      case 'null':
        return new NullDriver();
      default:
        return assertNever(config, 'DMX driver kind');
    }
  }

  /** Send errors on the shared UDP sockets so far. */
  udpErrors(): number {
    return (this.artnet?.errors ?? 0) + (this.sacn?.errors ?? 0);
  }

  /** The shared sockets with their error counts and last error (for the once-with-a-count log). */
  udpSockets(): ReadonlyArray<{ readonly name: string; readonly errors: number; readonly lastError: string | undefined }> {
    return [this.artnet, this.sacn].filter((u): u is UdpOut => u !== undefined);
  }

  /** Closes the shared sockets. */
  async close(): Promise<void> {
    await Promise.all([this.artnet?.close(), this.sacn?.close()]);
  }
}
