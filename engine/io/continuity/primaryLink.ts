/**
 * A hot standby's link to its primary: the primary's own console protocol over WebSocket, with a token
 * (any role: a viewer's is enough to follow), validated like any console's input. It keeps the
 * primary's snapshot current (`init`, then `delta`s; a gap asks for a fresh `init`), pings every
 * `PRIMARY_PING_MS` and calls the primary lost when the connection closes (a killed process: at once)
 * or nothing arrives for `PRIMARY_SILENCE_MS` (a pulled cable, a frozen machine). It reconnects on its
 * own, for as long as it runs.
 */
import WebSocket from 'ws';
import { PRIMARY_PING_MS, PRIMARY_SILENCE_MS } from '../../core/continuity/mirror.js';
import { UsageError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { applyDelta, parseServerMessage, PROTOCOL_VERSION, type EngineSnapshot, type ServerMessage } from '../../core/protocol/index.js';
import type { PrimaryLink } from '../../core/protocol/continuity.js';

/** The primary's console WebSocket URL from `host:port` or a `ws://` / `wss://` URL. */
export function primaryWsUrl(address: string): string {
  const text = address.trim();
  if (/^wss?:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new UsageError(`--backup-of ${address}: not a URL; give host:port, e.g. 10.0.0.5:8080`);
    }
    if (url.pathname === '/' || url.pathname === '') url.pathname = '/ws';
    return url.toString();
  }
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(text);
  const port = Number(m?.[2]);
  if (m === null || !(port >= 1 && port <= 65535)) throw new UsageError(`--backup-of ${address}: give the primary's console as host:port, e.g. 10.0.0.5:8080`);
  return `ws://${m[1]!}:${port}/ws`;
}

/** What the link tells its owner. */
export interface PrimaryLinkEvents {
  /** The primary's state changed (`fresh`: a whole new snapshot, after connecting or a resync). */
  onState(snapshot: EngineSnapshot, fresh: boolean): void;
  /** The link changed. `lost` follows a link that was following. */
  onLink(link: PrimaryLink['link'], detail: string): void;
}

/** Timing of the link (defaults from `core/continuity/mirror.ts`). */
export interface PrimaryLinkOptions {
  readonly pingMs?: number;
  readonly silenceMs?: number;
  /** Wait before reconnecting (refused tokens wait 5× longer). */
  readonly retryMs?: number;
  readonly log: Logger;
}

/** The link to a primary. */
export class PrimaryConnection {
  snapshot: EngineSnapshot | null = null;
  /** `performance.now()` of the last message from the primary (0: none yet). */
  lastSeenAt = 0;
  private ws: WebSocket | undefined;
  private seq = 0;
  private nextId = 1;
  private following = false;
  private stopped = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;
  readonly url: string;

  constructor(
    readonly address: string,
    private readonly token: string,
    private readonly events: PrimaryLinkEvents,
    private readonly options: PrimaryLinkOptions,
  ) {
    this.url = primaryWsUrl(address);
  }

  start(): void {
    this.connect();
  }

  /** Closes the link for good. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.retry);
    this.ws?.terminate();
  }

  private connect(): void {
    if (this.stopped) return;
    this.events.onLink('connecting', `connecting to ${this.address}`);
    const ws = new WebSocket(this.url, { headers: { Authorization: `Bearer ${this.token}` }, handshakeTimeout: 2000, maxPayload: 4 * 1024 * 1024 });
    this.ws = ws;
    let refused: string | undefined;
    ws.on('unexpected-response', (_req, res) => {
      refused = res.statusCode === 401 ? 'the primary refused the token ($PRECUE_PRIMARY_TOKEN / --primary-token-file)' : `the primary answered HTTP ${res.statusCode ?? '?'}`;
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => {
      this.lastSeenAt = performance.now();
      clearInterval(this.timer);
      this.timer = setInterval(() => this.tick(), this.options.pingMs ?? PRIMARY_PING_MS);
      this.ping();
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      this.lastSeenAt = performance.now();
      const parsed = parseServerMessage(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8'));
      if (!parsed.ok) {
        this.options.log.warn(`primary ${this.address}: message dropped (${parsed.error}); asking for a fresh state`);
        this.send({ type: 'resync', id: `r${this.nextId++}` });
        return;
      }
      this.handle(parsed.value);
    });
    ws.on('error', (err) => this.options.log.debug(`primary ${this.address}: ${err.message}`));
    ws.on('close', (code, reason) => {
      if (this.ws !== ws) return;
      clearInterval(this.timer);
      this.ws = undefined;
      const was = this.following;
      this.following = false;
      if (this.stopped) return;
      if (refused !== undefined) this.events.onLink('refused', refused);
      else if (was) this.events.onLink('lost', `connection closed (${code}${reason.length > 0 ? `: ${reason.toString()}` : ''})`);
      else this.events.onLink('unreachable', `no console at ${this.address}`);
      const wait = (this.options.retryMs ?? 1000) * (refused !== undefined ? 5 : 1);
      this.retry = setTimeout(() => this.connect(), wait);
    });
  }

  private tick(): void {
    if (this.ws === undefined) return;
    const silentMs = performance.now() - this.lastSeenAt;
    if (silentMs > (this.options.silenceMs ?? PRIMARY_SILENCE_MS)) {
      const ws = this.ws;
      const was = this.following;
      this.following = false;
      this.ws = undefined;
      clearInterval(this.timer);
      ws.terminate();
      if (was) this.events.onLink('lost', `no answer for ${Math.round(silentMs)} ms`);
      else this.events.onLink('unreachable', `no answer from ${this.address}`);
      this.retry = setTimeout(() => this.connect(), this.options.retryMs ?? 1000);
      return;
    }
    this.ping();
  }

  private ping(): void {
    this.send({ type: 'ping', id: `p${this.nextId++}`, clientTime: performance.now() });
  }

  private send(message: unknown): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  private handle(msg: ServerMessage): void {
    switch (msg.type) {
      case 'init':
        if (msg.protocol !== PROTOCOL_VERSION) {
          this.stop();
          this.events.onLink('refused', `the primary speaks console protocol ${msg.protocol}, this engine ${PROTOCOL_VERSION}: run the same Precue version on both`);
          return;
        }
        this.seq = msg.seq;
        this.snapshot = msg.snapshot;
        if (!this.following) {
          this.following = true;
          this.events.onLink('following', `following as ${msg.name} (${msg.role})`);
        }
        this.events.onState(msg.snapshot, true);
        return;
      case 'delta':
        if (this.snapshot === null) return;
        if (msg.seq !== this.seq + 1) {
          this.options.log.warn(`primary ${this.address}: delta ${msg.seq} after ${this.seq}; asking for a fresh state`);
          this.send({ type: 'resync', id: `r${this.nextId++}`, lastSeq: this.seq });
          this.seq = msg.seq;
          return;
        }
        this.seq = msg.seq;
        if (msg.delta.type === 'reset') return;
        this.snapshot = applyDelta(this.snapshot, msg.delta, msg.engineTimeMs);
        // Meters, DMX previews and log lines move nothing a standby mirrors.
        if (msg.delta.type === 'dept' || msg.delta.type === 'engine') this.events.onState(this.snapshot, false);
        return;
      case 'refused':
        this.options.log.warn(`primary ${this.address}: ${msg.message}`);
        return;
      case 'ack':
      case 'pong':
        return;
      default: {
        const never: never = msg;
        return never;
      }
    }
  }
}
