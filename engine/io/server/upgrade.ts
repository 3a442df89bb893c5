/**
 * The gate before a WebSocket upgrade completes, in order: the path; the Host header (it must name
 * this console: a DNS-rebinding page passes an Origin check); the address's back-off after wrong
 * tokens and its connect rate; the Origin (the page's own, or one the engine was told to allow); the
 * token; the connection caps. A refusal is a plain HTTP answer with a reason, counted.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Role } from '../../core/protocol/index.js';
import type { Admission } from './admission.js';
import { tokenFromRequest, type TokenAuthenticator } from './auth.js';
import type { ConsoleServerStats } from './sessions.js';

/** Which refusal counter a verdict adds to. */
type RefusalCounter = 'unauthorized' | 'badOrigin' | 'badHost' | 'throttled' | 'overCapacity';

/** The verdict on an upgrade request. */
export type UpgradeVerdict =
  | { readonly ok: true; readonly role: Role; readonly address: string }
  | { readonly ok: false; readonly status: 401 | 403 | 404 | 429 | 503; readonly reason: string; readonly counter?: RefusalCounter; readonly retryAfterS?: number };

/** What the gate reads. */
export interface UpgradeGate {
  readonly allowedOrigins: ReadonlySet<string>;
  readonly auth: TokenAuthenticator;
  readonly admission: Admission;
  /** Wall clock (ms) for the back-off and rates. */
  readonly now: () => number;
}

/** The path and query of a request target, never its Host (a malformed Host cannot throw here); undefined when unparsable. */
export function parseRequestUrl(target: string | undefined): URL | undefined {
  try {
    return new URL(target ?? '/', 'http://console.invalid');
  } catch {
    return undefined;
  }
}

/** Whether a request's Host header names this console (or any host is allowed). */
export function hostServed(req: IncomingMessage, gate: Pick<UpgradeGate, 'allowedOrigins' | 'admission'>): boolean {
  return gate.allowedOrigins.has('*') || gate.admission.hostAllowed(req.headers.host);
}

/** Checks an upgrade request in the order the module comment gives; counts what the admission needs to. */
export function checkUpgrade(req: IncomingMessage, gate: UpgradeGate): UpgradeVerdict {
  const url = parseRequestUrl(req.url);
  if (url === undefined || url.pathname !== '/ws') return { ok: false, status: 404, reason: 'not found' };
  if (!hostServed(req, gate)) return { ok: false, status: 403, reason: `host ${req.headers.host ?? ''} is not this console (use its address, or --allow-origin)`, counter: 'badHost' };
  const { admission, allowedOrigins, now } = gate;
  const address = req.socket.remoteAddress ?? 'unknown';
  const waitMs = admission.waitMs(address, now());
  if (waitMs > 0 || !admission.attempt(address, now())) {
    return {
      ok: false, status: 429, counter: 'throttled', retryAfterS: Math.max(1, Math.ceil(waitMs / 1000)),
      reason: waitMs > 0 ? 'too many wrong tokens from this address; wait and try again' : 'connecting too often from this address; wait and try again',
    };
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !allowedOrigins.has('*') && !allowedOrigins.has(origin)) {
    let same = false;
    try {
      same = new URL(origin).host === req.headers.host;
    } catch {
      same = false;
    }
    if (!same) return { ok: false, status: 403, reason: `origin ${origin} is not allowed`, counter: 'badOrigin' };
  }
  const role = gate.auth.authenticate(tokenFromRequest(req.headers, url));
  if (role === null) {
    admission.failed(address, now());
    return { ok: false, status: 401, reason: 'a valid token is required (Authorization: Bearer <token> or ?token=)', counter: 'unauthorized' };
  }
  admission.succeeded(address);
  const full = admission.refuseConnection(address);
  if (full !== null) return { ok: false, status: 503, reason: full, counter: 'overCapacity', retryAfterS: 5 };
  return { ok: true, role, address };
}

const STATUS_TEXT: Readonly<Record<number, string>> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 503: 'Service Unavailable' };

/** Answers a refused upgrade on the raw socket and closes it. */
export function refuseUpgrade(socket: Duplex, status: number, reason: string, retryAfterS?: number): void {
  const body = `${reason}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n${retryAfterS !== undefined ? `Retry-After: ${retryAfterS}\r\n` : ''}` +
      `Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** Counts a refusal and logs it (a flood of wrong tokens only now and then: the counters say how many). */
export function countRefusal(verdict: Extract<UpgradeVerdict, { ok: false }>, stats: ConsoleServerStats, req: IncomingMessage, log: { warn(message: string, fields?: Record<string, unknown>): void }): void {
  if (verdict.counter === undefined) return;
  stats[verdict.counter]++;
  const remote = req.socket.remoteAddress;
  switch (verdict.counter) {
    case 'unauthorized':
      if (stats.unauthorized <= 10 || stats.unauthorized % 1000 === 0) log.warn('console connection refused: token', { remote, refusedSoFar: stats.unauthorized });
      return;
    case 'badOrigin':
      log.warn('console connection refused: origin', { origin: req.headers.origin, remote });
      return;
    case 'badHost':
      log.warn('console connection refused: host', { host: req.headers.host, remote });
      return;
    case 'overCapacity':
      log.warn('console connection refused: capacity', { remote, reason: verdict.reason });
      return;
    case 'throttled':
      return;
  }
}
