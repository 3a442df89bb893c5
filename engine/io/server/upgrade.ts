/**
 * The gate before a WebSocket upgrade completes: the path, the Origin (the page's own, or one the
 * engine was told to allow) and the token. A refusal is a plain HTTP answer with a reason, counted.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Role } from '../../core/protocol/index.js';
import { tokenFromRequest, type TokenAuthenticator } from './auth.js';

/** The verdict on an upgrade request. */
export type UpgradeVerdict =
  | { readonly ok: true; readonly role: Role }
  | { readonly ok: false; readonly status: 401 | 403 | 404; readonly reason: string; readonly counter?: 'unauthorized' | 'badOrigin' };

/** Checks path, Origin and token of an upgrade request. */
export function checkUpgrade(req: IncomingMessage, url: URL, allowedOrigins: ReadonlySet<string>, auth: TokenAuthenticator): UpgradeVerdict {
  if (url.pathname !== '/ws') return { ok: false, status: 404, reason: 'not found' };
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
  const role = auth.authenticate(tokenFromRequest(req.headers, url));
  if (role === null) return { ok: false, status: 401, reason: 'a valid token is required (Authorization: Bearer <token> or ?token=)', counter: 'unauthorized' };
  return { ok: true, role };
}

const STATUS_TEXT: Readonly<Record<number, string>> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 503: 'Service Unavailable' };

/** Answers a refused upgrade on the raw socket and closes it (with Retry-After when given). */
export function refuseUpgrade(socket: Duplex, status: number, reason: string, retryAfterS?: number): void {
  const body = `${reason}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n${retryAfterS !== undefined ? `Retry-After: ${retryAfterS}\r\n` : ''}` +
      `Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
