/**
 * The connected consoles: each WebSocket's role, rate budget and liveness; every message a console
 * sends is size-checked, rate-limited, validated and dispatched here; every engine delta is broadcast
 * from here. A bad client is refused and counted, and the engine never notices.
 */
import { WebSocket, type RawData } from 'ws';
import { assertNever } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import {
  COMMAND_ROLE, PROTOCOL_VERSION, parseClientMessage, roleAllows, salvageRequestId,
  type ConnectionLimits, type ConsoleCommand, type EngineDelta, type RefusalCode, type Role, type ServerMessage,
} from '../../core/protocol/index.js';
import type { CommandResult, ConsoleEngine } from '../../core/protocol/port.js';
import { TokenBucket } from './rateLimit.js';

/** The window (ms) over which a console's messages refused for rate are counted against `floodCloseAfter`. */
export const FLOOD_WINDOW_MS = 1000;

/** Counters a test, the log or `/healthz` can read. */
export interface ConsoleServerStats {
  clients: number;
  connections: number;
  /** Upgrades refused: no or wrong token, bad Origin, wrong path. */
  unauthorized: number;
  badOrigin: number;
  /** Requests refused because the Host header does not name this console (DNS rebinding). */
  badHost: number;
  /** Token attempts refused unchecked while the address waits out its back-off (or connects too often). */
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

/** Fresh, zeroed counters. */
export function emptyStats(): ConsoleServerStats {
  return {
    clients: 0, connections: 0, unauthorized: 0, badOrigin: 0, badHost: 0, throttled: 0, overCapacity: 0, malformed: 0, oversized: 0, rateLimited: 0,
    forbidden: 0, closedForFlooding: 0, closedAsSlow: 0, commands: 0, acked: 0, engineRefused: 0, engineErrors: 0, deltas: 0,
  };
}

/** Limits and timings of the sessions. */
export interface SessionSettings {
  readonly limits: ConnectionLimits;
  /**
   * Messages refused for rate within one second (`FLOOD_WINDOW_MS`) before the connection is closed as
   * flooding. Counted per window, not in a row: the bucket lets a message through every
   * 1/messagesPerSecond, so a steady flood of a few hundred messages a second never makes a long run.
   */
  readonly floodCloseAfter: number;
  /** Bytes queued for a slow client before it is dropped (it reconnects and gets a fresh init). */
  readonly maxBufferedBytes: number;
  /** How long a command may take before it is refused as `unavailable`. */
  readonly commandTimeoutMs: number;
  /** Wall clock in ms for rate limits. */
  readonly now: () => number;
}

interface Client {
  readonly ws: WebSocket;
  readonly role: Role;
  readonly name: string;
  readonly bucket: TokenBucket;
  /** Messages refused for rate since `refusedSince` (the start of the current flood window). */
  refusedInWindow: number;
  refusedSince: number;
  lastRateNoticeAt: number;
  alive: boolean;
}

function rawLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data instanceof ArrayBuffer ? data.byteLength : data.length;
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data).toString('utf8');
}

/** Every open console connection of one server. */
export class ConsoleSessions {
  private readonly clients = new Set<Client>();
  private seq = 0;

  constructor(
    private readonly engine: ConsoleEngine,
    private readonly settings: SessionSettings,
    private readonly stats: ConsoleServerStats,
    private readonly log: Logger,
  ) {}

  /** Open connections. */
  get size(): number {
    return this.clients.size;
  }

  /** Takes over an authenticated socket: sends `init`, then serves it until it closes. */
  add(ws: WebSocket, role: Role, name: string): void {
    const client: Client = {
      ws, role, name,
      bucket: new TokenBucket(this.settings.limits.messagesPerSecond, this.settings.limits.burst, this.settings.now()),
      refusedInWindow: 0, refusedSince: -Infinity, lastRateNoticeAt: -Infinity, alive: true,
    };
    this.clients.add(client);
    this.stats.connections++;
    this.stats.clients = this.clients.size;
    this.log.info('console connected', { name });
    ws.on('message', (data, isBinary) => {
      try {
        this.onMessage(client, data, isBinary);
      } catch (err) {
        this.log.error('console message handler failed', { error: err instanceof Error ? err.stack ?? err.message : String(err) });
      }
    });
    ws.on('pong', () => { client.alive = true; });
    ws.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.stats.oversized++;
      else this.stats.malformed++;
      this.log.warn('console connection error', { name, error: err.message });
    });
    ws.on('close', () => {
      this.clients.delete(client);
      this.stats.clients = this.clients.size;
      this.log.info('console disconnected', { name });
    });
    this.sendInit(client);
  }

  /** Sends one engine delta to every console (a `reset` re-sends `init` instead). */
  broadcast(delta: EngineDelta): void {
    this.seq++;
    this.stats.deltas++;
    if (delta.type === 'reset') {
      for (const c of this.clients) this.sendInit(c);
      return;
    }
    const text = JSON.stringify({ type: 'delta', seq: this.seq, engineTimeMs: this.engine.now(), delta } satisfies ServerMessage);
    for (const c of this.clients) this.send(c, text);
  }

  /** Pings every console; one that did not answer the previous ping is dropped. */
  heartbeat(): void {
    for (const c of this.clients) {
      if (!c.alive) {
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }

  /** Closes every console (1001), terminating those still open after `graceMs`. */
  closeAll(graceMs: number): () => void {
    for (const c of this.clients) c.ws.close(1001, 'engine shutting down');
    const forced = setTimeout(() => { for (const c of this.clients) c.ws.terminate(); }, graceMs);
    return () => clearTimeout(forced);
  }

  private send(client: Client, message: ServerMessage | string): void {
    if (client.ws.readyState !== WebSocket.OPEN) return;
    if (client.ws.bufferedAmount > this.settings.maxBufferedBytes) {
      this.stats.closedAsSlow++;
      this.log.warn('dropping a console that cannot keep up', { name: client.name, bufferedBytes: client.ws.bufferedAmount });
      client.ws.terminate();
      return;
    }
    client.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  private sendInit(client: Client): void {
    let snapshot;
    try {
      snapshot = this.engine.snapshot();
    } catch (err) {
      this.log.error('engine snapshot failed', { error: err instanceof Error ? err.message : String(err) });
      client.ws.close(1011, 'engine snapshot failed');
      return;
    }
    this.send(client, { type: 'init', protocol: PROTOCOL_VERSION, seq: this.seq, role: client.role, name: client.name, limits: this.settings.limits, snapshot });
  }

  private refuse(client: Client, id: string | null, code: RefusalCode, message: string): void {
    this.send(client, { type: 'refused', id, code, message: message.slice(0, 300) });
  }

  /** Rate, size, encoding and validation, then dispatch. */
  private onMessage(client: Client, data: RawData, isBinary: boolean): void {
    if (client.ws.readyState !== WebSocket.OPEN) return; // closing (e.g. for flooding): the rest is dropped unread
    const { limits, floodCloseAfter } = this.settings;
    const t = this.settings.now();
    if (!client.bucket.take(t)) {
      this.stats.rateLimited++;
      if (t - client.refusedSince >= FLOOD_WINDOW_MS) {
        client.refusedSince = t;
        client.refusedInWindow = 0;
      }
      client.refusedInWindow++;
      if (client.refusedInWindow >= floodCloseAfter) {
        this.stats.closedForFlooding++;
        this.log.warn('closing a flooding console', { name: client.name });
        client.ws.close(1008, 'flooding');
        return;
      }
      if (t - client.lastRateNoticeAt >= 1000) {
        client.lastRateNoticeAt = t;
        this.refuse(client, null, 'rate-limited', `more than ${limits.messagesPerSecond} messages a second; messages are being dropped.`);
      }
      return;
    }
    const length = rawLength(data);
    if (length > limits.maxMessageBytes) {
      this.stats.oversized++;
      this.refuse(client, null, 'oversized', `message of ${length} bytes refused; the limit is ${limits.maxMessageBytes}.`);
      return;
    }
    if (isBinary) {
      this.stats.malformed++;
      this.refuse(client, null, 'malformed', 'binary messages are not part of the protocol; send JSON text.');
      return;
    }
    const text = rawText(data);
    const parsed = parseClientMessage(text);
    if (!parsed.ok) {
      this.stats.malformed++;
      this.refuse(client, salvageRequestId(text), 'malformed', `malformed message: ${parsed.error}`);
      return;
    }
    const msg = parsed.value;
    switch (msg.type) {
      case 'ping':
        this.send(client, { type: 'pong', id: msg.id, clientTime: msg.clientTime, engineTimeMs: this.engine.now() });
        return;
      case 'resync':
        this.sendInit(client);
        return;
      case 'command':
        void this.runCommand(client, msg.id, msg.command);
        return;
      default:
        assertNever(msg, 'client message');
    }
  }

  /** Checks the role, runs the command with a time limit, answers ack or refused. */
  private async runCommand(client: Client, id: string, command: ConsoleCommand): Promise<void> {
    this.stats.commands++;
    const needed = COMMAND_ROLE[command.type];
    if (!roleAllows(client.role, needed)) {
      this.stats.forbidden++;
      this.log.info('console command refused: role', { name: client.name, command: command.type });
      this.refuse(client, id, 'forbidden', `${command.type} needs the ${needed} role; this console is ${client.role}.`);
      return;
    }
    const { commandTimeoutMs } = this.settings;
    let timer: NodeJS.Timeout | undefined;
    let result: CommandResult;
    try {
      result = await Promise.race([
        Promise.resolve(this.engine.execute(command, { role: client.role, name: client.name })),
        new Promise<CommandResult>((done) => {
          timer = setTimeout(() => done({ ok: false, code: 'unavailable', message: `the engine did not answer within ${commandTimeoutMs} ms.` }), commandTimeoutMs);
        }),
      ]);
    } catch (err) {
      this.stats.engineErrors++;
      this.log.error('engine failed a console command', { command: command.type, error: err instanceof Error ? err.stack ?? err.message : String(err) });
      this.refuse(client, id, 'engine-error', `the engine failed to ${command.type}; the show goes on (see the engine log).`);
      return;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
    if (result.ok) {
      this.stats.acked++;
      this.send(client, result.detail !== undefined ? { type: 'ack', id, detail: result.detail.slice(0, 300) } : { type: 'ack', id });
    } else {
      this.stats.engineRefused++;
      this.refuse(client, id, result.code, result.message);
    }
  }
}
