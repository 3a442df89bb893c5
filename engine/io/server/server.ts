/**
 * The console server: HTTP for the page, WebSocket at `/ws` for the protocol. Tokens are checked
 * before the upgrade completes; every message is size-checked, rate-limited and validated; a bad
 * client is refused and counted, and the engine never notices.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import type { Subscription } from 'rxjs';
import { createLogger, type Logger } from '../../core/log.js';
import {
  COMMAND_ROLE, PROTOCOL_VERSION, parseClientMessage, roleAllows, salvageRequestId,
  type ConnectionLimits, type ConsoleCommand, type RefusalCode, type Role, type ServerMessage,
} from '../../core/protocol/messages.js';
import type { CommandResult, ConsoleEngine } from '../../core/protocol/port.js';
import { assertNever } from '../../core/errors.js';
import { TokenAuthenticator, tokenFromRequest, type RoleTokens } from './auth.js';
import { TokenBucket } from './rateLimit.js';
import { Admission, servedHostNames, type AdmissionOptions } from './admission.js';
import type { PageAssets } from './page.js';

/** What `startConsoleServer` needs. Only `engine` and `tokens` are required. */
export interface ConsoleServerOptions {
  readonly engine: ConsoleEngine;
  /** Tokens per role (see `resolveRoleTokens`). A role without a token cannot log in. */
  readonly tokens: RoleTokens;
  /** Interface to listen on; default 127.0.0.1. */
  readonly host?: string;
  /** TCP port; default 7700, 0 picks a free one. */
  readonly port?: number;
  /** PEM certificate and key: serve https and wss. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** Origins allowed besides the page's own (e.g. `http://desk.local:7700`); `*` allows any. */
  readonly allowedOrigins?: readonly string[];
  /** Host names the console answers to besides this machine's own (the hosts of `allowedOrigins` are added). */
  readonly allowedHosts?: readonly string[];
  /** Connection caps and the back-off on wrong tokens (see admission.ts). */
  readonly admission?: AdmissionOptions;
  /** More for `/healthz` (the engine's frame ticks since the last read…). */
  readonly health?: () => Readonly<Record<string, unknown>>;
  /** Largest message accepted (bytes, default 16 KiB); up to 4× larger is refused, beyond that the socket is closed. */
  readonly maxMessageBytes?: number;
  /** Sustained messages per second per connection (default 30) and burst (default 60). */
  readonly messagesPerSecond?: number;
  readonly burst?: number;
  /** Messages refused for rate in a row before the connection is closed as flooding (default 200). */
  readonly floodCloseAfter?: number;
  /** The page (from `buildConsolePage`); null serves only `/ws` and `/healthz`. */
  readonly page: PageAssets | null;
  /** WebSocket ping interval; a client silent for two intervals is dropped. Default 10 s. */
  readonly heartbeatMs?: number;
  /** Bytes queued for a slow client before it is dropped (it reconnects and gets a fresh init). Default 8 MiB. */
  readonly maxBufferedBytes?: number;
  /** How long a command may take before it is refused as `unavailable`. Default 10 s. */
  readonly commandTimeoutMs?: number;
  /** Wall clock in ms for rate limits; default `performance.now`. */
  readonly now?: () => number;
  readonly log?: Logger;
}

/** Counters a test, the log or `/healthz` can read. */
export interface ConsoleServerStats {
  clients: number;
  connections: number;
  /** Upgrades refused: no or wrong token, bad Origin, wrong path. */
  unauthorized: number;
  badOrigin: number;
  /** Requests refused because the Host header does not name this console (DNS rebinding). */
  badHost: number;
  /** Token attempts refused unchecked while the address waits out its back-off. */
  throttled: number;
  /** Connections refused by the caps. */
  overCapacity: number;
  /** Messages refused by kind. */
  malformed: number;
  oversized: number;
  rateLimited: number;
  forbidden: number;
  /** Connections closed for flooding or being too slow. */
  closedForFlooding: number;
  closedAsSlow: number;
  commands: number;
  acked: number;
  /** Commands the engine refused or failed. */
  engineRefused: number;
  engineErrors: number;
  deltas: number;
}

/** A running console server. */
export interface ConsoleServer {
  /** `http(s)://host:port/`. */
  readonly url: string;
  /** `ws(s)://host:port/ws`. */
  readonly wsUrl: string;
  /** The page URL with a token in the fragment (it never reaches a server log). */
  consoleUrl(token: string): string;
  stats(): Readonly<ConsoleServerStats>;
  /** Closes every connection (code 1001) and the listener. */
  close(): Promise<void>;
}

interface Client {
  readonly ws: WebSocket;
  readonly role: Role;
  readonly name: string;
  readonly bucket: TokenBucket;
  refusedInARow: number;
  lastRateNoticeAt: number;
  alive: boolean;
  /** Reading is paused for a moment after the budget ran out. */
  paused: boolean;
}

const securityHeaders = {
  'Content-Security-Policy': "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'X-Frame-Options': 'DENY',
};

const STATUS_TEXT: Readonly<Record<number, string>> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 503: 'Service Unavailable' };

function refuseUpgrade(socket: Duplex, status: number, reason: string, retryAfterS?: number): void {
  const body = `${reason}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n${retryAfterS !== undefined ? `Retry-After: ${retryAfterS}\r\n` : ''}` +
      `Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function rawLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data instanceof ArrayBuffer ? data.byteLength : data.length;
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data).toString('utf8');
}

/** The path and query of a request target; undefined when it cannot be parsed. */
function parseRequestUrl(target: string | undefined): URL | undefined {
  try {
    return new URL(target ?? '/', 'http://console.invalid');
  } catch {
    return undefined;
  }
}

/** Starts the console server and resolves once it listens. */
export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const log = options.log ?? createLogger('io/server');
  const engine = options.engine;
  const auth = new TokenAuthenticator(options.tokens);
  const host = options.host ?? '127.0.0.1';
  const maxMessageBytes = options.maxMessageBytes ?? 16 * 1024;
  const limits: ConnectionLimits = {
    maxMessageBytes,
    messagesPerSecond: options.messagesPerSecond ?? 30,
    burst: options.burst ?? 60,
  };
  const floodCloseAfter = options.floodCloseAfter ?? 200;
  const heartbeatMs = options.heartbeatMs ?? 10_000;
  const maxBuffered = options.maxBufferedBytes ?? 8 * 1024 * 1024;
  const commandTimeoutMs = options.commandTimeoutMs ?? 10_000;
  const now = options.now ?? (() => performance.now());
  const allowedOrigins = new Set(options.allowedOrigins ?? []);
  const scheme = options.tls !== undefined ? 'https' : 'http';
  const originHosts = [...allowedOrigins].flatMap((o) => {
    try {
      return [new URL(o).hostname];
    } catch {
      return [];
    }
  });
  const admission = new Admission(servedHostNames(host, [...(options.allowedHosts ?? []), ...originHosts]), options.admission);
  const stats: ConsoleServerStats = {
    clients: 0, connections: 0, unauthorized: 0, badOrigin: 0, badHost: 0, throttled: 0, overCapacity: 0, malformed: 0, oversized: 0, rateLimited: 0,
    forbidden: 0, closedForFlooding: 0, closedAsSlow: 0, commands: 0, acked: 0, engineRefused: 0, engineErrors: 0, deltas: 0,
  };
  if (auth.roles.length === 0) log.warn('no console tokens configured: nobody can connect');

  const clients = new Set<Client>();
  let seq = 0;
  let closing = false;

  const send = (client: Client, message: ServerMessage | string): void => {
    if (client.ws.readyState !== WebSocket.OPEN) return;
    if (client.ws.bufferedAmount > maxBuffered) {
      stats.closedAsSlow++;
      log.warn('dropping a console that cannot keep up', { name: client.name, bufferedBytes: client.ws.bufferedAmount });
      client.ws.terminate();
      return;
    }
    client.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  };

  const sendInit = (client: Client): void => {
    let snapshot;
    try {
      snapshot = engine.snapshot();
    } catch (err) {
      log.error('engine snapshot failed', { error: err instanceof Error ? err.message : String(err) });
      client.ws.close(1011, 'engine snapshot failed');
      return;
    }
    send(client, { type: 'init', protocol: PROTOCOL_VERSION, seq, role: client.role, name: client.name, limits, snapshot });
  };

  const refuse = (client: Client, id: string | null, code: RefusalCode, message: string): void => {
    send(client, { type: 'refused', id, code, message: message.slice(0, 300) });
  };

  const subscription: Subscription = engine.deltas$.subscribe({
    next: (delta) => {
      seq++;
      stats.deltas++;
      if (delta.type === 'reset') {
        for (const c of clients) sendInit(c);
        return;
      }
      const text = JSON.stringify({ type: 'delta', seq, engineTimeMs: engine.now(), delta } satisfies ServerMessage);
      for (const c of clients) send(c, text);
    },
    error: (err: unknown) => log.error('engine delta stream failed; consoles keep their last state', { error: String(err) }),
  });

  const runCommand = async (client: Client, id: string, command: ConsoleCommand): Promise<void> => {
    stats.commands++;
    const needed = COMMAND_ROLE[command.type];
    if (!roleAllows(client.role, needed)) {
      stats.forbidden++;
      log.info('console command refused: role', { name: client.name, command: command.type });
      refuse(client, id, 'forbidden', `${command.type} needs the ${needed} role; this console is ${client.role}.`);
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    let result: CommandResult;
    try {
      result = await Promise.race([
        Promise.resolve(engine.execute(command, { role: client.role, name: client.name })),
        new Promise<CommandResult>((done) => {
          timer = setTimeout(() => done({ ok: false, code: 'unavailable', message: `the engine did not answer within ${commandTimeoutMs} ms.` }), commandTimeoutMs);
        }),
      ]);
    } catch (err) {
      stats.engineErrors++;
      log.error('engine failed a console command', { command: command.type, error: err instanceof Error ? err.stack ?? err.message : String(err) });
      refuse(client, id, 'engine-error', `the engine failed to ${command.type}; the show goes on (see the engine log).`);
      return;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
    if (result.ok) {
      stats.acked++;
      send(client, result.detail !== undefined ? { type: 'ack', id, detail: result.detail.slice(0, 300) } : { type: 'ack', id });
    } else {
      stats.engineRefused++;
      refuse(client, id, result.code, result.message);
    }
  };

  const onMessage = (client: Client, data: RawData, isBinary: boolean): void => {
    if (client.ws.readyState !== WebSocket.OPEN) return; // closing (e.g. for flooding): the rest is dropped unread
    const t = now();
    if (!client.bucket.take(t)) {
      stats.rateLimited++;
      client.refusedInARow++;
      // Back-pressure: stop reading this socket for a moment, so TCP slows the sender down instead of
      // the main thread (the frame loop's) reading and refusing every message of a flood.
      if (!client.paused) {
        client.paused = true;
        client.ws.pause();
        setTimeout(() => {
          client.paused = false;
          client.ws.resume();
        }, 250).unref();
      }
      if (client.refusedInARow >= floodCloseAfter) {
        stats.closedForFlooding++;
        log.warn('closing a flooding console', { name: client.name });
        client.ws.close(1008, 'flooding');
        return;
      }
      if (t - client.lastRateNoticeAt >= 1000) {
        client.lastRateNoticeAt = t;
        refuse(client, null, 'rate-limited', `more than ${limits.messagesPerSecond} messages a second; messages are being dropped.`);
      }
      return;
    }
    client.refusedInARow = 0;
    const length = rawLength(data);
    if (length > maxMessageBytes) {
      stats.oversized++;
      refuse(client, null, 'oversized', `message of ${length} bytes refused; the limit is ${maxMessageBytes}.`);
      return;
    }
    if (isBinary) {
      stats.malformed++;
      refuse(client, null, 'malformed', 'binary messages are not part of the protocol; send JSON text.');
      return;
    }
    const text = rawText(data);
    const parsed = parseClientMessage(text);
    if (!parsed.ok) {
      stats.malformed++;
      refuse(client, salvageRequestId(text), 'malformed', `malformed message: ${parsed.error}`);
      return;
    }
    const msg = parsed.value;
    switch (msg.type) {
      case 'ping':
        send(client, { type: 'pong', id: msg.id, clientTime: msg.clientTime, engineTimeMs: engine.now() });
        return;
      case 'resync':
        sendInit(client);
        return;
      case 'command':
        void runCommand(client, msg.id, msg.command);
        return;
      default:
        assertNever(msg, 'client message');
    }
  };

  const wss = new WebSocketServer({ noServer: true, maxPayload: Math.max(4 * maxMessageBytes, 64 * 1024), clientTracking: false });

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    // Path and query only: the Host header is checked below, never parsed into a URL (a malformed
    // one made `new URL` throw inside the upgrade handler).
    const url = parseRequestUrl(req.url);
    if (url === undefined || url.pathname !== '/ws' || closing) {
      refuseUpgrade(socket, 404, 'not found');
      return;
    }
    if (!allowedOrigins.has('*') && !admission.hostAllowed(req.headers.host)) {
      stats.badHost++;
      log.warn('console connection refused: host', { host: req.headers.host, remote: req.socket.remoteAddress });
      refuseUpgrade(socket, 403, `host ${req.headers.host ?? ''} is not this console (use its address, or --allow-origin)`);
      return;
    }
    const address = req.socket.remoteAddress ?? 'unknown';
    const waitMs = admission.waitMs(address, now());
    if (waitMs > 0 || !admission.attempt(address, now())) {
      stats.throttled++;
      refuseUpgrade(socket, 429, waitMs > 0 ? 'too many wrong tokens from this address; wait and try again' : 'connecting too often from this address; wait and try again', Math.max(1, Math.ceil(waitMs / 1000)));
      return;
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins.has('*') && !allowedOrigins.has(origin)) {
      let same = false;
      try {
        same = new URL(origin).host === req.headers.host;
      } catch {
        same = false;
      }
      if (!same) {
        stats.badOrigin++;
        log.warn('console connection refused: origin', { origin, remote: req.socket.remoteAddress });
        refuseUpgrade(socket, 403, `origin ${origin} is not allowed`);
        return;
      }
    }
    const role = auth.authenticate(tokenFromRequest(req.headers, url));
    if (role === null) {
      stats.unauthorized++;
      admission.failed(address, now());
      // A flood of wrong tokens is logged at debug: the counters and /healthz say how many.
      if (stats.unauthorized <= 10 || stats.unauthorized % 1000 === 0) log.warn('console connection refused: token', { remote: address, refusedSoFar: stats.unauthorized });
      refuseUpgrade(socket, 401, 'a valid token is required (Authorization: Bearer <token> or ?token=)');
      return;
    }
    admission.succeeded(address);
    const full = admission.refuseConnection(address);
    if (full !== null) {
      stats.overCapacity++;
      log.warn('console connection refused: capacity', { remote: address, reason: full });
      refuseUpgrade(socket, 503, full, 5);
      return;
    }
    admission.opened(address);
    socket.once('close', () => admission.closed(address));
    wss.handleUpgrade(req, socket, head, (ws) => {
      const client: Client = {
        ws, role, name: `${role}@${req.socket.remoteAddress ?? 'unknown'}`,
        bucket: new TokenBucket(limits.messagesPerSecond, limits.burst, now()),
        refusedInARow: 0, lastRateNoticeAt: -Infinity, alive: true, paused: false,
      };
      clients.add(client);
      stats.connections++;
      stats.clients = clients.size;
      log.info('console connected', { name: client.name });
      ws.on('message', (data, isBinary) => {
        try {
          onMessage(client, data, isBinary);
        } catch (err) {
          log.error('console message handler failed', { error: err instanceof Error ? err.stack ?? err.message : String(err) });
        }
      });
      ws.on('pong', () => { client.alive = true; });
      ws.on('error', (err: Error & { code?: string }) => {
        if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') stats.oversized++;
        else stats.malformed++;
        log.warn('console connection error', { name: client.name, error: err.message });
      });
      ws.on('close', () => {
        clients.delete(client);
        stats.clients = clients.size;
        log.info('console disconnected', { name: client.name });
      });
      sendInit(client);
    });
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (!allowedOrigins.has('*') && !admission.hostAllowed(req.headers.host)) {
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
      const body = JSON.stringify({ ok: true, protocol: PROTOCOL_VERSION, clients: clients.size, refused, ...options.health?.() });
      res.writeHead(200, { 'Content-Type': 'application/json', ...securityHeaders }).end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (url.pathname === '/auth') {
      // Lets a page tell a refused token from an engine that is down (a browser hides the upgrade's status).
      const address = req.socket.remoteAddress ?? 'unknown';
      const waitMs = admission.waitMs(address, now());
      if (waitMs > 0) {
        stats.throttled++;
        res.writeHead(429, { 'Retry-After': String(Math.ceil(waitMs / 1000)), 'Content-Type': 'application/json', ...securityHeaders }).end(JSON.stringify({ ok: false, retryAfterS: Math.ceil(waitMs / 1000) }));
        return;
      }
      const role = auth.authenticate(tokenFromRequest(req.headers, url));
      if (role === null) {
        stats.unauthorized++;
        admission.failed(address, now());
      } else admission.succeeded(address);
      res.writeHead(role === null ? 401 : 200, { 'Content-Type': 'application/json', ...securityHeaders });
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify(role === null ? { ok: false } : { ok: true, role }));
      return;
    }
    const asset = options.page?.get(url.pathname);
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
  };

  const server: HttpServer = options.tls !== undefined
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, onRequest)
    : createHttpServer(onRequest);
  server.on('upgrade', onUpgrade);
  server.on('clientError', (_err, socket) => socket.destroy());

  await new Promise<void>((resolveListen, rejectListen) => {
    const onError = (err: Error & { code?: string }): void => {
      rejectListen(err.code === 'EADDRINUSE'
        ? new Error(`console port ${options.port ?? 7700} on ${host} is in use; pick another with --port`)
        : err);
    };
    server.once('error', onError);
    server.listen(options.port ?? 7700, host, () => {
      server.off('error', onError);
      resolveListen();
    });
  });
  server.on('error', (err) => log.error('console server error', { error: err.message }));

  const heartbeat = setInterval(() => {
    for (const c of clients) {
      if (!c.alive) {
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }, heartbeatMs);
  heartbeat.unref();

  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${scheme}://${hostForUrl}:${address.port}/`;
  const wsUrl = `${scheme === 'https' ? 'wss' : 'ws'}://${hostForUrl}:${address.port}/ws`;
  log.info('console server listening', { url });

  return {
    url,
    wsUrl,
    consoleUrl: (token) => `${url}#token=${encodeURIComponent(token)}`,
    stats: () => ({ ...stats }),
    close: async () => {
      if (closing) return;
      closing = true;
      clearInterval(heartbeat);
      subscription.unsubscribe();
      for (const c of clients) c.ws.close(1001, 'engine shutting down');
      const forced = setTimeout(() => { for (const c of clients) c.ws.terminate(); }, 1000);
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeIdleConnections();
      });
      clearTimeout(forced);
      wss.close();
    },
  };
}
