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
  /** One socket per protocol and sending interface (`''` = the system's route). */
  private readonly artnet = new Map<string, UdpOut>();
  private readonly sacn = new Map<string, UdpOut>();

  constructor(
    /** sACN component identifier (16 bytes), stable per show on this machine. */
    readonly cid: Uint8Array,
    private readonly options: { readonly multicastInterface?: string } = {},
  ) {}

  /** The shared sACN socket for an interface (for sync and discovery packets). */
  sacnSocket(iface?: string): UdpOut {
    const key = iface ?? '';
    let s = this.sacn.get(key);
    if (s === undefined) {
      s = new UdpOut(`sacn${iface !== undefined ? ` via ${iface}` : ''}`, {
        multicastTtl: 8,
        ...(this.options.multicastInterface !== undefined ? { multicastInterface: this.options.multicastInterface } : {}),
        ...(iface !== undefined ? { interface: iface } : {}),
      });
      this.sacn.set(key, s);
    }
    return s;
  }

  /** The shared Art-Net socket for an interface. */
  artnetSocket(iface?: string): UdpOut {
    const key = iface ?? '';
    let s = this.artnet.get(key);
    if (s === undefined) {
      // SO_BROADCAST is harmless for unicast, so one socket serves unicast (Art-Net 4's default) and
      // broadcast hosts alike (dmxnet instead broadcasts to 255.255.255.255 unless told otherwise).
      s = new UdpOut(`art-net${iface !== undefined ? ` via ${iface}` : ''}`, { broadcast: true, ...(iface !== undefined ? { interface: iface } : {}) });
      this.artnet.set(key, s);
    }
    return s;
  }

  /** Creates (but does not open) the driver for a configuration. */
  create(config: DmxDriverConfig): DmxDriver {
    switch (config.kind) {
      case 'artnet':
        return new ArtnetDriver(config, this.artnetSocket(config.interface));
      case 'sacn':
        return new SacnDriver(config, this.cid, this.sacnSocket(config.interface));
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
    let n = 0;
    for (const s of [...this.artnet.values(), ...this.sacn.values()]) n += s.errors;
    return n;
  }

  /** The shared sockets with their error counts and last error (for the once-with-a-count log). */
  udpSockets(): ReadonlyArray<{ readonly name: string; readonly errors: number; readonly lastError: string | undefined }> {
    return [...this.artnet.values(), ...this.sacn.values()];
  }

  /** Closes the shared sockets. */
  async close(): Promise<void> {
    await Promise.all([...this.artnet.values(), ...this.sacn.values()].map((s) => s.close()));
  }
}
