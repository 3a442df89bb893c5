/**
 * An sACN receiver for any number of universes. Linux lets one socket join at most 20 multicast
 * groups (net.ipv4.igmp_max_memberships), so universes are spread over sockets of 20 each, all bound
 * to the E1.31 port with SO_REUSEADDR. Meant for multicast (the usual sACN); a unicast stream lands on
 * one arbitrary socket of the set, so receive unicast with 20 universes or fewer. Packets are decoded with our E1.31 decoder; malformed ones
 * are counted and dropped. (The `sacn` package's merging receiver maps universe numbers through
 * base 36, breaking universes 10 and up; this one does not merge — it reports each source's packets.)
 */
import dgram from 'node:dgram';
import { Subject, type Observable } from 'rxjs';
import { decodeSacn, sacnMulticastAddress, SACN_PORT, type SacnPacket } from '../../core/dmx/sacn.js';
import { DeviceError } from '../../core/errors.js';

/** Multicast groups one Linux socket may join by default. */
export const MEMBERSHIPS_PER_SOCKET = 20;

/** Receiver settings. */
export interface SacnReceiverOptions {
  readonly universes: readonly number[];
  readonly port?: number;
  /** Local interface address to join on (e.g. 127.0.0.1 for loopback tests; default: the OS's choice). */
  readonly interfaceAddress?: string;
}

/** A received packet with its sender. */
export interface SacnReceived {
  readonly packet: SacnPacket;
  readonly from: string;
}

/** Receives E1.31 on many universes. */
export class SacnReceiver {
  private readonly sockets: dgram.Socket[] = [];
  private readonly subject = new Subject<SacnReceived>();
  /** Every data and sync packet received for the joined universes (data for other universes is dropped). */
  readonly packets$: Observable<SacnReceived> = this.subject.asObservable();
  readonly stats = { packets: 0, malformed: 0, foreign: 0 };
  private readonly wanted: ReadonlySet<number>;

  constructor(private readonly options: SacnReceiverOptions) {
    this.wanted = new Set(options.universes);
  }

  /** Sockets in use (⌈universes / 20⌉). */
  get socketCount(): number {
    return this.sockets.length;
  }

  /** Binds the sockets and joins the groups. */
  async open(): Promise<void> {
    const port = this.options.port ?? SACN_PORT;
    const universes = [...this.wanted];
    for (let i = 0; i < universes.length; i += MEMBERSHIPS_PER_SOCKET) {
      const chunk = universes.slice(i, i + MEMBERSHIPS_PER_SOCKET);
      const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
      await new Promise<void>((resolve, reject) => {
        s.once('error', (err) => reject(new DeviceError(`sacn receiver port ${port}`, `cannot bind: ${err.message}`)));
        s.bind(port, () => resolve());
      });
      for (const u of chunk) {
        try {
          s.addMembership(sacnMulticastAddress(u), this.options.interfaceAddress);
        } catch (err) {
          s.close();
          throw new DeviceError(`sacn receiver universe ${u}`, `cannot join ${sacnMulticastAddress(u)}: ${err instanceof Error ? err.message : String(err)}`, 'check the interface address and net.ipv4.igmp_max_memberships');
        }
      }
      // Linux delivers every multicast group joined on the host to every socket bound to the port
      // (IP_MULTICAST_ALL), so each socket accepts only the universes it joined: each packet counts once.
      const own = new Set(chunk);
      const first = i === 0;
      s.on('message', (msg, rinfo) => this.onMessage(msg, `${rinfo.address}:${rinfo.port}`, own, first));
      this.sockets.push(s);
    }
  }

  private onMessage(msg: Buffer, from: string, own: ReadonlySet<number>, first: boolean): void {
    let packet: SacnPacket;
    try {
      packet = decodeSacn(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength));
    } catch {
      if (first) this.stats.malformed++;
      return;
    }
    // Sync and discovery packets are not per universe: report them once, from the first socket.
    if (packet.kind !== 'data' ? !first : !own.has(packet.universe)) {
      if (first && packet.kind === 'data' && !this.wanted.has(packet.universe)) this.stats.foreign++;
      return;
    }
    this.stats.packets++;
    this.subject.next({ packet, from });
  }

  /** Leaves the groups and closes the sockets. */
  async close(): Promise<void> {
    await Promise.all(this.sockets.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
    this.subject.complete();
  }
}
