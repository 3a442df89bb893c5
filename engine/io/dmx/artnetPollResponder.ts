/**
 * Art-Net discovery: answers ArtPoll with ArtPollReply so consoles, visualisers and node managers
 * (QLC+, DMX Workshop, Capture) list Precue by name with the Port-Addresses it sends. Listens on the
 * Art-Net port with SO_REUSEADDR (other Art-Net software on this machine keeps working), replies to the
 * poller's address and port (Art-Net 4 unicasts replies), one reply per four ports of a Net/Sub-Net
 * with increasing BindIndex. Malformed packets are counted and dropped.
 */
import dgram from 'node:dgram';
import { ARTNET_PORT, ARTPOLLREPLY_PORTS, decodeArtnet, encodeArtPollReply, type ArtnetAddress } from '../../core/dmx/artnet.js';
import { DeviceError } from '../../core/errors.js';
import { createLogger, type Logger } from '../../core/log.js';
import { localAddressFor, localIPv4, resolveInterface, type LocalAddress } from '../net/interfaces.js';

/** What the responder says about us. */
export interface ArtPollResponderOptions {
  /** Port-Addresses we send (the show's Art-Net universes). */
  readonly universes: readonly ArtnetAddress[];
  /** Up to 17 ASCII characters. */
  readonly shortName: string;
  /** Up to 63 ASCII characters. */
  readonly longName: string;
  /** UDP port to listen on (Art-Net's 6454 unless testing). */
  readonly port?: number;
  /** Interface the universes go out of (name or address): its address goes in the reply. */
  readonly interface?: string;
  readonly refreshRateHz?: number;
  readonly version?: { readonly major: number; readonly minor: number };
  readonly log?: Logger;
  /** The machine's addresses (tests). */
  readonly addresses?: () => readonly LocalAddress[];
}

/** Counters. */
export interface ArtPollResponderStats {
  polls: number;
  replies: number;
  malformed: number;
}

/** Groups Port-Addresses by Net/Sub-Net into replies of at most four ports. */
export function pollReplyGroups(universes: readonly ArtnetAddress[]): Array<{ net: number; subnet: number; universes: number[] }> {
  const byKey = new Map<number, Set<number>>();
  for (const u of universes) {
    const key = (u.net << 4) | u.subnet;
    byKey.set(key, (byKey.get(key) ?? new Set()).add(u.universe));
  }
  const out: Array<{ net: number; subnet: number; universes: number[] }> = [];
  for (const key of [...byKey.keys()].sort((a, b) => a - b)) {
    const list = [...byKey.get(key)!].sort((a, b) => a - b);
    for (let i = 0; i < list.length; i += ARTPOLLREPLY_PORTS) out.push({ net: key >> 4, subnet: key & 0x0f, universes: list.slice(i, i + ARTPOLLREPLY_PORTS) });
  }
  return out;
}

/** Answers ArtPoll. */
export class ArtPollResponder {
  private socket: dgram.Socket | undefined;
  private replyCount = 0;
  readonly stats: ArtPollResponderStats = { polls: 0, replies: 0, malformed: 0 };
  private readonly log: Logger;

  constructor(private readonly options: ArtPollResponderOptions) {
    this.log = options.log ?? createLogger('io/artnet-discovery');
  }

  /** The bound port. */
  get port(): number {
    return this.socket?.address().port ?? this.options.port ?? ARTNET_PORT;
  }

  /** Binds the Art-Net port (shared). Rejects with DeviceError when it cannot. */
  async open(): Promise<void> {
    const port = this.options.port ?? ARTNET_PORT;
    if (this.options.interface !== undefined) resolveInterface(this.options.interface, this.addresses());
    const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    await new Promise<void>((resolve, reject) => {
      s.once('error', (err) => reject(new DeviceError(`art-net discovery on UDP ${port}`, `cannot listen: ${err.message}`, 'another program may hold the Art-Net port exclusively')));
      // All addresses: broadcast polls (x.x.x.255) never reach a socket bound to one unicast address.
      s.bind(port, () => resolve());
    });
    s.setBroadcast(true);
    s.on('error', (err) => this.log.warn(`art-net discovery socket error: ${err.message}`));
    s.on('message', (msg, rinfo) => this.onPacket(msg, rinfo));
    this.socket = s;
  }

  private addresses(): readonly LocalAddress[] {
    return this.options.addresses?.() ?? localIPv4();
  }

  private onPacket(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    let packet;
    try {
      packet = decodeArtnet(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength));
    } catch {
      this.stats.malformed++;
      return;
    }
    if (packet.op !== 'poll') return;
    this.stats.polls++;
    this.reply(rinfo.address, rinfo.port);
  }

  /** Sends our ArtPollReply packets to a poller. */
  private reply(address: string, port: number): void {
    const s = this.socket;
    if (s === undefined) return;
    const all = this.addresses();
    const local = this.options.interface !== undefined ? all.find((a) => a.address === this.options.interface || a.name === this.options.interface) : localAddressFor(address, all);
    const ip = local?.address ?? '0.0.0.0';
    this.replyCount = (this.replyCount + 1) % 10000;
    const groups = pollReplyGroups(this.options.universes);
    groups.forEach((g, i) => {
      const packet = encodeArtPollReply({
        ip,
        shortName: this.options.shortName,
        longName: this.options.longName,
        report: `${this.options.universes.length} universe${this.options.universes.length === 1 ? '' : 's'} sending`,
        replyCount: this.replyCount,
        net: g.net,
        subnet: g.subnet,
        inputUniverses: g.universes,
        bindIndex: i + 1,
        ...(local !== undefined && local.mac !== '00:00:00:00:00:00' ? { mac: local.mac } : {}),
        ...(this.options.version !== undefined ? { version: this.options.version } : {}),
        ...(this.options.refreshRateHz !== undefined ? { refreshRateHz: this.options.refreshRateHz } : {}),
      });
      s.send(packet, port, address, (err) => {
        if (err !== null && err !== undefined) this.log.debug(`ArtPollReply to ${address}:${port} failed: ${err.message}`);
      });
      this.stats.replies++;
    });
    this.log.debug(`answered ArtPoll from ${address}:${port} with ${groups.length} ArtPollReply`);
  }

  /** Stops listening. */
  async close(): Promise<void> {
    const s = this.socket;
    this.socket = undefined;
    if (s !== undefined) await new Promise<void>((r) => s.close(() => r()));
  }
}
