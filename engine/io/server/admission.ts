/**
 * Who may knock on the console server, before a token is even looked at:
 *
 * - **Host check** (DNS rebinding): a page on `evil.example` whose name is made to resolve to the desk
 *   sends `Host: evil.example` and a matching Origin, so comparing Origin with Host proves nothing. The
 *   Host must name this machine: the address the server listens on, localhost, the machine's name, an
 *   interface address when listening on all of them, or a host the operator allowed.
 * - **Auth back-off**: wrong tokens are counted per address; past a few, the address waits (doubling,
 *   capped) and is answered `429` without a token check, so guessing costs time, not just CPU.
 * - **Connection caps**: per address and in total, so one client cannot take every socket.
 *
 * Bounded memory: at most `maxTrackedAddresses` addresses are remembered (the oldest go first).
 */
import { hostname, networkInterfaces } from 'node:os';
import { SourceBudget } from '../sourceBudget.js';

/** Limits (all optional; the defaults suit a desk with a few remote operators). */
export interface AdmissionOptions {
  /** Open console connections in total (default 64). */
  readonly maxConnections?: number;
  /** Open console connections from one address (default 16: a NAT'd crew of tablets). */
  readonly maxConnectionsPerAddress?: number;
  /** Wrong tokens an address may present before it must wait (default 5: the fifth starts the wait). */
  readonly freeFailures?: number;
  /** First wait, doubled at each further failure (default 1 s), up to `maxBackoffMs` (default 30 s). */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  /** A quiet address is forgiven after this long (default 10 min). */
  readonly forgetAfterMs?: number;
  /** Addresses remembered at most (default 10,000). */
  readonly maxTrackedAddresses?: number;
  /**
   * New connections (and /auth checks) per second from one address, and burst (defaults 5/s, 20): a
   * reconnect flood costs the engine a snapshot per connection, so it is refused before that.
   */
  readonly connectsPerSecond?: number;
  readonly connectBurst?: number;
}

interface Failures {
  count: number;
  until: number;
  last: number;
}

/** Host names (lower case, no port) a console listening on `listenHost` answers to, plus `extra`. */
export function servedHostNames(listenHost: string, extra: readonly string[] = []): Set<string> {
  const names = new Set<string>(['localhost', '127.0.0.1', '::1', '[::1]', listenHost.toLowerCase()]);
  const me = hostname().toLowerCase();
  names.add(me);
  names.add(`${me}.local`);
  if (listenHost === '0.0.0.0' || listenHost === '::' || listenHost === '') {
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) {
        names.add(a.address.toLowerCase());
        if (a.family === 'IPv6') names.add(`[${a.address.toLowerCase()}]`);
      }
    }
  }
  for (const h of extra) names.add(h.toLowerCase());
  return names;
}

/** The host name of a Host header without its port (`[::1]:8080` → `[::1]`). */
export function hostWithoutPort(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.lastIndexOf(':');
  return colon > -1 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
}

/** Admission control for the console server. Time is passed in (ms). */
export class Admission {
  private readonly failures = new Map<string, Failures>();
  private readonly attempts: SourceBudget;
  private readonly open = new Map<string, number>();
  private total = 0;
  private readonly o: Required<AdmissionOptions>;

  constructor(
    private readonly hosts: ReadonlySet<string>,
    options: AdmissionOptions = {},
  ) {
    this.o = {
      maxConnections: options.maxConnections ?? 64,
      maxConnectionsPerAddress: options.maxConnectionsPerAddress ?? 16,
      freeFailures: options.freeFailures ?? 5,
      backoffMs: options.backoffMs ?? 1000,
      maxBackoffMs: options.maxBackoffMs ?? 30_000,
      forgetAfterMs: options.forgetAfterMs ?? 600_000,
      maxTrackedAddresses: options.maxTrackedAddresses ?? 10_000,
      connectsPerSecond: options.connectsPerSecond ?? 5,
      connectBurst: options.connectBurst ?? 20,
    };
    this.attempts = new SourceBudget({ perSourcePerSecond: this.o.connectsPerSecond, perSourceBurst: this.o.connectBurst, totalPerSecond: 1e9, totalBurst: 1e9, maxSources: this.o.maxTrackedAddresses });
  }

  /** Spends one connection attempt of `address`; false when it comes too fast (refuse it unread). */
  attempt(address: string, now: number): boolean {
    return this.attempts.take(address, now);
  }

  /** True when the Host header names this console (absent Host: HTTP/1.0 tools on the desk, allowed). */
  hostAllowed(header: string | undefined): boolean {
    return header === undefined || this.hosts.has(hostWithoutPort(header));
  }

  /** Milliseconds this address must still wait before its next token is checked (0: go ahead). */
  waitMs(address: string, now: number): number {
    const f = this.failures.get(address);
    if (f === undefined) return 0;
    if (now - f.last > this.o.forgetAfterMs) {
      this.failures.delete(address);
      return 0;
    }
    return Math.max(0, f.until - now);
  }

  /** A wrong token from `address`: past the free ones, it waits (doubling each time, capped). */
  failed(address: string, now: number): void {
    const f = this.failures.get(address) ?? { count: 0, until: 0, last: now };
    this.failures.delete(address); // re-inserted last: the map's order is the eviction order
    f.count++;
    f.last = now;
    const over = f.count - this.o.freeFailures + 1;
    if (over > 0) f.until = now + Math.min(this.o.maxBackoffMs, this.o.backoffMs * 2 ** Math.min(over - 1, 20));
    this.failures.set(address, f);
    while (this.failures.size > this.o.maxTrackedAddresses) {
      const oldest = this.failures.keys().next().value;
      if (oldest === undefined) break;
      this.failures.delete(oldest);
    }
  }

  /** A right token: the address's failures are forgiven. */
  succeeded(address: string): void {
    this.failures.delete(address);
  }

  /** Whether one more connection from `address` fits; `null` when it does, else why not. */
  refuseConnection(address: string): string | null {
    if (this.total >= this.o.maxConnections) return `the console is full (${this.o.maxConnections} connections)`;
    if ((this.open.get(address) ?? 0) >= this.o.maxConnectionsPerAddress) return `too many connections from ${address} (${this.o.maxConnectionsPerAddress})`;
    return null;
  }

  /** Counts an accepted connection; call `closed` when it ends. */
  opened(address: string): void {
    this.total++;
    this.open.set(address, (this.open.get(address) ?? 0) + 1);
  }

  closed(address: string): void {
    this.total = Math.max(0, this.total - 1);
    const n = (this.open.get(address) ?? 1) - 1;
    if (n <= 0) this.open.delete(address);
    else this.open.set(address, n);
  }

  /** Addresses currently waiting (for /healthz and the log). */
  throttled(now: number): number {
    let n = 0;
    for (const f of this.failures.values()) if (f.until > now) n++;
    return n;
  }
}
