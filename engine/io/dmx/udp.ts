/**
 * One UDP socket shared by many drivers (one per protocol in the frame clock worker): a universe
 * costs a preallocated packet buffer, not a socket. Sends are fire-and-forget with errors counted.
 *
 * Per packet this is the frame clock's hottest path (256 universes at 44 Hz are 11,264 sends a
 * second): IP-literal destinations skip the resolver (node:dgram would otherwise route every send
 * through dns.lookup and a nextTick), and every send shares one completion callback, so a packet
 * costs one sendmsg and no closure; failed sends are counted.
 */
import dgram from 'node:dgram';
import dns from 'node:dns';
import { isIP } from 'node:net';
import { DeviceError } from '../../core/errors.js';
import { resolveInterface } from '../net/interfaces.js';

/** Options for the shared socket. */
export interface UdpOutOptions {
  /** Enable SO_BROADCAST (Art-Net to x.x.x.255). */
  readonly broadcast?: boolean;
  /** Multicast TTL (sACN), default 8… and loopback on so a local receiver sees it. */
  readonly multicastTtl?: number;
  /** Local interface address for multicast. */
  readonly multicastInterface?: string;
  /** Local port to bind (0 = any). */
  readonly bindPort?: number;
  /**
   * Send from this interface (a name such as `eth1` or a local IPv4 address): the socket binds to its
   * address and multicast leaves through it. Resolved at `open`; an unknown one is a DeviceError.
   */
  readonly interface?: string;
}

/** A bound UDP socket for sending. */
export class UdpOut {
  private socket: dgram.Socket | undefined;
  /** Send errors (reported asynchronously by the socket). */
  errors = 0;
  lastError: string | undefined;
  private readonly onSent = (err: Error | null): void => {
    if (err !== null && err !== undefined) {
      this.errors++;
      this.lastError = err.message;
    }
  };

  constructor(
    readonly name: string,
    private readonly options: UdpOutOptions = {},
  ) {}

  /** Binds the socket. */
  async open(): Promise<void> {
    if (this.socket !== undefined) return;
    const local = this.options.interface === undefined ? undefined : resolveInterface(this.options.interface);
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true, lookup: literalFirstLookup });
    socket.on('error', (err) => {
      this.errors++;
      this.lastError = err.message;
    });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(new DeviceError(this.name, `cannot bind a UDP socket: ${err.message}`, 'check the network interface and that the port is free', { cause: err }));
      socket.once('error', onError);
      socket.bind(this.options.bindPort ?? 0, local?.address, () => {
        socket.off('error', onError);
        resolve();
      });
    });
    if (this.options.broadcast === true) socket.setBroadcast(true);
    if (this.options.multicastTtl !== undefined) {
      socket.setMulticastTTL(this.options.multicastTtl);
      socket.setMulticastLoopback(true);
      const multicastInterface = this.options.multicastInterface ?? local?.address;
      if (multicastInterface !== undefined) socket.setMulticastInterface(multicastInterface);
    }
    this.socket = socket;
  }

  /** Sends `length` bytes of `packet` (the buffer must stay untouched until the next event-loop turn). */
  send(packet: Uint8Array, length: number, port: number, host: string): void {
    const s = this.socket;
    if (s === undefined) {
      this.errors++;
      this.lastError = 'socket not open';
      return;
    }
    try {
      s.send(packet, 0, length, port, host, this.onSent);
    } catch (err) {
      this.errors++;
      this.lastError = err instanceof Error ? err.message : String(err);
    }
  }

  /** Closes the socket after pending sends. */
  async close(): Promise<void> {
    const s = this.socket;
    this.socket = undefined;
    if (s === undefined) return;
    await new Promise<void>((resolve) => {
      // Let queued sends (dispatched on the next tick) go out before closing.
      setImmediate(() => s.close(() => resolve()));
    });
  }
}

/** dns.lookup, answered at once for an IPv4 literal (dgram's per-send resolution). */
function literalFirstLookup(host: string, options: dns.LookupOneOptions, callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void): void {
  if (isIP(host) === 4) {
    callback(null, host, 4);
    return;
  }
  dns.lookup(host, options, callback);
}
