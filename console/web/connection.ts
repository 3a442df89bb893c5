/**
 * The page's link to the engine: one WebSocket with fast reconnects, a ping for round-trip time, and
 * the protocol state (`init` replaces the snapshot, `delta`s fold into it). A reconnect receives a
 * fresh `init`, so the page never reloads.
 */
import {
  PROTOCOL_VERSION, applyDelta, parseServerMessage,
  type ConnectionLimits, type ConsoleCommand, type EngineDelta, type EngineSnapshot, type Role, type ServerMessage,
} from '../../engine/core/protocol/index.js';

/** What the top bar shows about the link. */
export type LinkState =
  | { readonly kind: 'connecting'; readonly attempt: number }
  | { readonly kind: 'open' }
  | { readonly kind: 'lost'; readonly attempt: number; readonly reason: string }
  | { readonly kind: 'refused'; readonly reason: string };

/** A command's outcome, as the page reports it. */
export interface CommandOutcome {
  /** The command answered, or null for a notice about no command in particular (e.g. rate limiting). */
  readonly command: ConsoleCommand | null;
  readonly ok: boolean;
  readonly message: string;
  readonly rttMs: number;
}

/** Callbacks the view registers. */
export interface ConnectionEvents {
  /** `changed`: what moved — `init` for a whole new snapshot, else the delta's type. */
  onState(snapshot: EngineSnapshot, changed: 'init' | Exclude<EngineDelta['type'], 'reset'>): void;
  onLink(state: LinkState): void;
  onOutcome(outcome: CommandOutcome): void;
  onRtt(rttMs: number): void;
}

const PING_EVERY_MS = 2000;
const STALE_AFTER_MS = 6000;
const BACKOFF_MS = [100, 250, 500, 1000];

/** The console's connection. */
export class ConsoleConnection {
  snapshot: EngineSnapshot | null = null;
  role: Role | null = null;
  name = '';
  limits: ConnectionLimits | null = null;
  /** Estimated engine clock offset: engine ms = performance.now() + offset. */
  private clockOffset = 0;
  private ws: WebSocket | null = null;
  private seq = 0;
  private attempt = 0;
  private opened = false;
  private stopped = false;
  private nextId = 1;
  private lastPongAt = 0;
  private pingTimer: number | undefined;
  private readonly pending = new Map<string, { command: ConsoleCommand; sentAt: number }>();

  constructor(
    private readonly base: { wsUrl: string; authUrl: string },
    private readonly token: string,
    private readonly events: ConnectionEvents,
  ) {}

  /** The engine clock now, in ms (for countdowns). */
  engineNow(): number {
    return performance.now() + this.clockOffset;
  }

  start(): void {
    this.connect();
  }

  /** Closes the link for good (a new token replaces this connection). */
  stop(): void {
    this.stopped = true;
    window.clearInterval(this.pingTimer);
    this.ws?.close(1000, 'replaced');
  }

  /** Sends a command; the outcome arrives through `onOutcome`. */
  send(command: ConsoleCommand): void {
    if (this.ws === null || this.ws.readyState !== WebSocket.OPEN) {
      this.events.onOutcome({ command, ok: false, message: 'not connected: the command was not sent', rttMs: 0 });
      return;
    }
    const id = `c${this.nextId++}`;
    this.pending.set(id, { command, sentAt: performance.now() });
    this.ws.send(JSON.stringify({ type: 'command', id, command }));
  }

  private connect(): void {
    if (this.stopped) return;
    this.events.onLink({ kind: 'connecting', attempt: this.attempt });
    this.opened = false;
    const url = `${this.base.wsUrl}?token=${encodeURIComponent(this.token)}`;
    let ws: WebSocket;
    try {
      ws = new WebSocket(url);
    } catch (err) {
      this.events.onLink({ kind: 'refused', reason: `bad console address: ${String(err)}` });
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.opened = true;
      this.attempt = 0;
      this.lastPongAt = performance.now();
      this.ping();
      window.clearInterval(this.pingTimer);
      this.pingTimer = window.setInterval(() => this.ping(), PING_EVERY_MS);
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (typeof ev.data === 'string') this.receive(ev.data);
    };
    ws.onclose = (ev: CloseEvent) => {
      window.clearInterval(this.pingTimer);
      this.ws = null;
      for (const [, p] of this.pending) this.events.onOutcome({ command: p.command, ok: false, message: 'connection lost before the engine answered', rttMs: 0 });
      this.pending.clear();
      void this.afterClose(ev);
    };
  }

  private async afterClose(ev: CloseEvent): Promise<void> {
    if (this.stopped) return;
    if (!this.opened) {
      // The upgrade failed: a refused token looks like a network error to a browser, so ask.
      try {
        const res = await fetch(this.base.authUrl, { headers: { Authorization: `Bearer ${this.token}` }, cache: 'no-store' });
        if (res.status === 401) {
          this.stopped = true;
          this.events.onLink({ kind: 'refused', reason: 'the engine refused this token' });
          return;
        }
        if (res.status === 403) {
          this.stopped = true;
          this.events.onLink({ kind: 'refused', reason: 'the engine refused this page\'s origin' });
          return;
        }
      } catch {
        // engine unreachable: retry below
      }
    }
    this.attempt++;
    const reason = this.opened ? `closed (${ev.code}${ev.reason !== '' ? `: ${ev.reason}` : ''})` : 'engine unreachable';
    this.events.onLink({ kind: 'lost', attempt: this.attempt, reason });
    const delay = BACKOFF_MS[Math.min(this.attempt - 1, BACKOFF_MS.length - 1)] ?? 1000;
    window.setTimeout(() => this.connect(), delay);
  }

  private ping(): void {
    const ws = this.ws;
    if (ws === null || ws.readyState !== WebSocket.OPEN) return;
    if (performance.now() - this.lastPongAt > STALE_AFTER_MS) {
      ws.close(4000, 'no pong');
      return;
    }
    ws.send(JSON.stringify({ type: 'ping', id: `p${this.nextId++}`, clientTime: performance.now() }));
  }

  private receive(text: string): void {
    const parsed = parseServerMessage(text);
    if (!parsed.ok) {
      this.ws?.send(JSON.stringify({ type: 'resync', id: `r${this.nextId++}` }));
      return;
    }
    this.handle(parsed.value);
  }

  private handle(msg: ServerMessage): void {
    switch (msg.type) {
      case 'init':
        if (msg.protocol !== PROTOCOL_VERSION) {
          this.stopped = true;
          this.ws?.close(1000, 'protocol mismatch');
          this.events.onLink({ kind: 'refused', reason: `the engine speaks protocol ${msg.protocol}; this page speaks ${PROTOCOL_VERSION}. Reload the page.` });
          return;
        }
        this.seq = msg.seq;
        this.role = msg.role;
        this.name = msg.name;
        this.limits = msg.limits;
        this.snapshot = msg.snapshot;
        this.clockOffset = msg.snapshot.engineTimeMs - performance.now();
        this.events.onLink({ kind: 'open' });
        this.events.onState(msg.snapshot, 'init');
        return;
      case 'delta':
        if (this.snapshot === null) return;
        if (msg.seq !== this.seq + 1) {
          this.ws?.send(JSON.stringify({ type: 'resync', id: `r${this.nextId++}`, lastSeq: this.seq }));
          this.seq = msg.seq;
          return;
        }
        this.seq = msg.seq;
        this.snapshot = applyDelta(this.snapshot, msg.delta, msg.engineTimeMs);
        if (msg.delta.type !== 'reset') this.events.onState(this.snapshot, msg.delta.type);
        return;
      case 'ack':
      case 'refused': {
        const p = msg.id === null ? undefined : this.pending.get(msg.id);
        if (msg.id !== null) this.pending.delete(msg.id);
        const rttMs = p === undefined ? 0 : performance.now() - p.sentAt;
        if (p !== undefined) {
          this.events.onOutcome({
            command: p.command, ok: msg.type === 'ack', rttMs,
            message: msg.type === 'ack' ? (msg.detail ?? 'done') : `refused by the engine (${msg.code}): ${msg.message}`,
          });
        } else if (msg.type === 'refused') {
          this.events.onOutcome({ command: null, ok: false, rttMs: 0, message: `engine: ${msg.message}` });
        }
        return;
      }
      case 'pong': {
        const t = performance.now();
        const rtt = t - msg.clientTime;
        this.lastPongAt = t;
        this.clockOffset = msg.engineTimeMs + rtt / 2 - t;
        this.events.onRtt(rtt);
        return;
      }
      default: {
        const never: never = msg;
        return never;
      }
    }
  }
}
