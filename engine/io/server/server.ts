/**
 * The console server: HTTP for the page (`httpRoutes.ts`), WebSocket at `/ws` for the protocol. The
 * upgrade is gated on path, Origin and token before it completes (`upgrade.ts`); the connected consoles
 * and everything they send live in `sessions.ts`. This file only composes them and owns the listener.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { Subscription } from 'rxjs';
import { createLogger, type Logger } from '../../core/log.js';
import type { ConnectionLimits } from '../../core/protocol/messages.js';
import type { ConsoleEngine } from '../../core/protocol/port.js';
import { TokenAuthenticator, type RoleTokens } from './auth.js';
import { handleHttpRequest } from './httpRoutes.js';
import { ConsoleSessions, emptyStats, type ConsoleServerStats } from './sessions.js';
import { checkUpgrade, countRefusal, refuseUpgrade, type UpgradeGate } from './upgrade.js';
import { Admission, servedHostNames, type AdmissionOptions } from './admission.js';
import type { PageAssets } from './page.js';

export type { ConsoleServerStats } from './sessions.js';

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
  /** Largest message accepted (bytes, default 16 KiB); up to 4× larger is refused, beyond that the socket is closed. */
  readonly maxMessageBytes?: number;
  /** Sustained messages per second per connection (default 30) and burst (default 60). */
  readonly messagesPerSecond?: number;
  readonly burst?: number;
  /** Messages refused for rate within one second before the connection is closed as flooding (default 200). */
  readonly floodCloseAfter?: number;
  /** More for `/healthz` (the engine's frame ticks since the last read…). */
  readonly health?: () => Readonly<Record<string, unknown>>;
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

/** Starts the console server and resolves once it listens. */
export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const log = options.log ?? createLogger('io/server');
  const engine = options.engine;
  const auth = new TokenAuthenticator(options.tokens);
  const host = options.host ?? '127.0.0.1';
  const maxMessageBytes = options.maxMessageBytes ?? 16 * 1024;
  const limits: ConnectionLimits = { maxMessageBytes, messagesPerSecond: options.messagesPerSecond ?? 30, burst: options.burst ?? 60 };
  const allowedOrigins = new Set(options.allowedOrigins ?? []);
  const scheme = options.tls !== undefined ? 'https' : 'http';
  const stats = emptyStats();
  const originHosts = [...allowedOrigins].flatMap((o) => {
    try {
      return [new URL(o).hostname];
    } catch {
      return [];
    }
  });
  const now = options.now ?? (() => performance.now());
  const admission = new Admission(servedHostNames(host, [...(options.allowedHosts ?? []), ...originHosts]), options.admission);
  const gate: UpgradeGate = { allowedOrigins, auth, admission, now };
  if (auth.roles.length === 0) log.warn('no console tokens configured: nobody can connect');
  const sessions = new ConsoleSessions(
    engine,
    {
      limits,
      floodCloseAfter: options.floodCloseAfter ?? 200,
      maxBufferedBytes: options.maxBufferedBytes ?? 8 * 1024 * 1024,
      commandTimeoutMs: options.commandTimeoutMs ?? 10_000,
      now,
    },
    stats,
    log,
  );
  let closing = false;
  const subscription: Subscription = engine.deltas$.subscribe({
    next: (delta) => sessions.broadcast(delta),
    error: (err: unknown) => log.error('engine delta stream failed; consoles keep their last state', { error: String(err) }),
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: Math.max(4 * maxMessageBytes, 64 * 1024), clientTracking: false });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    const verdict = closing ? ({ ok: false, status: 404, reason: 'not found' } as const) : checkUpgrade(req, gate);
    if (!verdict.ok) {
      countRefusal(verdict, stats, req, log);
      refuseUpgrade(socket, verdict.status, verdict.reason, verdict.retryAfterS);
      return;
    }
    admission.opened(verdict.address);
    socket.once('close', () => admission.closed(verdict.address));
    wss.handleUpgrade(req, socket, head, (ws) => sessions.add(ws, verdict.role, `${verdict.role}@${verdict.address}`));
  };
  const routes = { page: options.page, gate, stats, clients: () => sessions.size, ...(options.health !== undefined ? { health: options.health } : {}) };
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => handleHttpRequest(req, res, routes);

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

  const heartbeat = setInterval(() => sessions.heartbeat(), options.heartbeatMs ?? 10_000);
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
      const cancelForce = sessions.closeAll(1000);
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeIdleConnections();
      });
      cancelForce();
      wss.close();
    },
  };
}
