/**
 * Engines find each other on the local network over mDNS/DNS-SD (`_precue._tcp`, bonjour-service):
 * each engine with a console announces it — show name, role, TLS, the interface it listens on, its
 * engine id — and lists the others it hears as `peers` in its continuity record, for a console over
 * several engines to add. Nothing here is trusted: a peer is an address to offer, and connecting to
 * it still takes that engine's token.
 *
 * A console bound to loopback is announced too (a desk running several engines on one machine); the
 * others list it at 127.0.0.1 only when its mDNS answer comes from this machine.
 */
import { networkInterfaces } from 'node:os';
import { Bonjour, type Service } from 'bonjour-service';
import type { ContinuityRecord } from '../../core/continuity/record.js';
import type { Logger } from '../../core/log.js';
import type { EngineRole, Peer } from '../../core/protocol/continuity.js';

/** The DNS-SD service type (`_precue._tcp`). */
export const PRECUE_SERVICE_TYPE = 'precue';

/** What an engine announces. */
export interface Announcement {
  readonly engineId: string;
  readonly show: string;
  /** The interface the console listens on. */
  readonly bind: string;
  readonly port: number;
  readonly tls: boolean;
}

const isLoopback = (host: string): boolean => host === '127.0.0.1' || host === '::1' || host === 'localhost' || host.startsWith('127.');

function ownAddresses(): Set<string> {
  const out = new Set<string>(['127.0.0.1', '::1']);
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(a.address);
  return out;
}

/** A peer from an mDNS answer, or undefined for ourselves or an answer that is not a Precue engine's. */
export function peerOf(service: Pick<Service, 'name' | 'port' | 'txt' | 'addresses' | 'host'>, selfId: string, own: ReadonlySet<string> = ownAddresses()): Peer | undefined {
  const txt = (service.txt ?? {}) as Record<string, unknown>;
  const text = (k: string): string => (typeof txt[k] === 'string' ? (txt[k]) : '');
  if (text('engine') === selfId || !(service.port >= 1 && service.port <= 65_535)) return undefined;
  const addresses = service.addresses ?? [];
  const bind = text('bind');
  let host: string | undefined;
  if (bind !== '' && isLoopback(bind)) {
    // Reachable only from its own machine: ours, when one of its addresses is one of ours.
    if (addresses.some((a) => own.has(a))) host = '127.0.0.1';
  } else if (bind !== '' && bind !== '0.0.0.0' && bind !== '::') host = bind;
  else host = addresses.find((a) => /^\d+\.\d+\.\d+\.\d+$/.test(a)) ?? addresses[0] ?? service.host;
  if (host === undefined || host === '') return undefined;
  const role = text('role');
  return {
    name: service.name.slice(0, 200),
    show: text('show').slice(0, 200),
    host: host.slice(0, 300),
    port: service.port,
    tls: text('tls') === '1',
    ...(role === 'primary' || role === 'standby' || role === 'in-control' ? { role: role } : {}),
  };
}

/** Announces this engine and keeps `record.peers` up to date until stopped. */
export class Discovery {
  private readonly bonjour: Bonjour;
  private readonly found = new Map<string, Peer>();
  private service: Service | undefined;
  private browser: ReturnType<Bonjour['find']> | undefined;
  private role: EngineRole;

  constructor(
    private readonly me: Announcement,
    private readonly record: ContinuityRecord,
    private readonly log: Logger,
  ) {
    this.bonjour = new Bonjour({}, (err: unknown) => this.log.warn(`mDNS: ${err instanceof Error ? err.message : String(err)} (engines on the network are not listed; add them by address)`));
    this.role = record.current().role;
  }

  start(): void {
    this.publish();
    this.browser = this.bonjour.find({ type: PRECUE_SERVICE_TYPE });
    this.browser.on('up', (s: Service) => this.seen(s));
    this.browser.on('txt-update', (s: Service) => this.seen(s));
    this.browser.on('down', (s: Service) => {
      if (this.found.delete(s.name)) this.publishPeers();
    });
  }

  /** Announces the role again when it changed (a standby that took control). */
  roleChanged(role: EngineRole): void {
    if (role === this.role) return;
    this.role = role;
    const old = this.service;
    if (old === undefined) return;
    // Service.stop is typed as a bare CallableFunction: call it with its callback, as documented.
    (old.stop as (done: () => void) => void)(() => this.publish());
  }

  async stop(): Promise<void> {
    this.browser?.stop();
    await new Promise<void>((resolve) => this.bonjour.unpublishAll(() => resolve()));
    this.bonjour.destroy();
  }

  private publish(): void {
    this.service = this.bonjour.publish({
      // Instance names are unique on the network: the engine id keeps two shows of one name apart.
      name: `Precue ${this.me.show} ${this.me.engineId.slice(0, 8)}`.slice(0, 63),
      type: PRECUE_SERVICE_TYPE,
      port: this.me.port,
      txt: { engine: this.me.engineId, show: this.me.show.slice(0, 200), role: this.role, tls: this.me.tls ? '1' : '0', bind: this.me.bind, v: '1' },
    });
    this.service.on('error', (err: unknown) => this.log.warn(`mDNS announce: ${err instanceof Error ? err.message : String(err)}`));
  }

  private seen(s: Service): void {
    const peer = peerOf(s, this.me.engineId);
    if (peer === undefined) return;
    this.found.set(s.name, peer);
    this.publishPeers();
  }

  private publishPeers(): void {
    this.record.update({ peers: [...this.found.values()].slice(0, 64) });
  }
}
