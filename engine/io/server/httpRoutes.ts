/**
 * The console server's plain HTTP side: the page's assets (gzip when asked), `/healthz` (up, and what
 * was refused), `/auth` (lets a page tell a refused token from an engine that is down: a browser hides
 * an upgrade's status; under the same back-off as the upgrade). Only GET and HEAD, and only for a Host
 * that names this console.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PROTOCOL_VERSION } from '../../core/protocol/index.js';
import { tokenFromRequest } from './auth.js';
import type { PageAssets } from './page.js';
import type { ConsoleServerStats } from './sessions.js';
import { hostServed, parseRequestUrl, type UpgradeGate } from './upgrade.js';

/** Headers on every HTTP answer: no framing, no sniffing, no caching, scripts only from the page itself. */
export const securityHeaders = {
  'Content-Security-Policy': "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'X-Frame-Options': 'DENY',
};

/** What the routes read. */
export interface HttpRouteContext {
  readonly page: PageAssets | null;
  readonly gate: UpgradeGate;
  /** More for `/healthz` (the engine's frame ticks since the last read…). */
  readonly health?: () => Readonly<Record<string, unknown>>;
  readonly stats: ConsoleServerStats;
  /** Open console connections. */
  readonly clients: () => number;
}

/** Answers one HTTP request. */
export function handleHttpRequest(req: IncomingMessage, res: ServerResponse, ctx: HttpRouteContext): void {
  const { stats, gate } = ctx;
  if (!hostServed(req, gate)) {
    stats.badHost++;
    res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8', ...securityHeaders }).end('this host name does not serve the console\n');
    return;
  }
  const url = parseRequestUrl(req.url);
  if (url === undefined) {
    res.writeHead(400, securityHeaders).end();
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', ...securityHeaders }).end();
    return;
  }
  if (url.pathname === '/healthz') {
    const refused = {
      unauthorized: stats.unauthorized, badOrigin: stats.badOrigin, badHost: stats.badHost, throttled: stats.throttled, overCapacity: stats.overCapacity, malformed: stats.malformed, oversized: stats.oversized,
      rateLimited: stats.rateLimited, forbidden: stats.forbidden, closedForFlooding: stats.closedForFlooding, closedAsSlow: stats.closedAsSlow,
    };
    const body = JSON.stringify({ ok: true, protocol: PROTOCOL_VERSION, clients: ctx.clients(), refused, ...ctx.health?.() });
    res.writeHead(200, { 'Content-Type': 'application/json', ...securityHeaders }).end(req.method === 'HEAD' ? undefined : body);
    return;
  }
  if (url.pathname === '/auth') {
    const address = req.socket.remoteAddress ?? 'unknown';
    const waitMs = gate.admission.waitMs(address, gate.now());
    if (waitMs > 0) {
      stats.throttled++;
      res.writeHead(429, { 'Retry-After': String(Math.ceil(waitMs / 1000)), 'Content-Type': 'application/json', ...securityHeaders }).end(JSON.stringify({ ok: false, retryAfterS: Math.ceil(waitMs / 1000) }));
      return;
    }
    const role = gate.auth.authenticate(tokenFromRequest(req.headers, url));
    if (role === null) {
      stats.unauthorized++;
      gate.admission.failed(address, gate.now());
    } else gate.admission.succeeded(address);
    res.writeHead(role === null ? 401 : 200, { 'Content-Type': 'application/json', ...securityHeaders });
    res.end(req.method === 'HEAD' ? undefined : JSON.stringify(role === null ? { ok: false } : { ok: true, role }));
    return;
  }
  const asset = ctx.page?.get(url.pathname);
  if (asset === undefined) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', ...securityHeaders }).end('not found\n');
    return;
  }
  const gzip = /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
  const body = gzip ? asset.gzip : asset.body;
  res.writeHead(200, {
    'Content-Type': asset.contentType, 'Content-Length': body.length, Vary: 'Accept-Encoding',
    ...(gzip ? { 'Content-Encoding': 'gzip' } : {}), ...securityHeaders,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
