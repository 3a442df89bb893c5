/** A WebSocket test client: collects server messages and waits for one, with a bound on every wait. */
import WebSocket from 'ws';
import { parseServerMessage, type ServerMessage } from '../../../engine/core/protocol/index.js';

/** A connected client. */
export interface TestClient {
  readonly ws: WebSocket;
  readonly messages: ServerMessage[];
  /** Resolves with the first message (already received or future) matching `pred`. */
  next<T extends ServerMessage>(pred: (m: ServerMessage) => m is T, timeoutMs?: number): Promise<T>;
  nextOf<K extends ServerMessage['type']>(type: K, timeoutMs?: number): Promise<Extract<ServerMessage, { type: K }>>;
  send(value: unknown): void;
  closed: Promise<{ code: number; reason: string }>;
}

/** Outcome of an upgrade attempt: a client, or the HTTP status the server refused with. */
export type ConnectResult = { ok: true; client: TestClient } | { ok: false; status: number };

/** Connects to `url` (with headers), resolving once open or refused; bounded by `timeoutMs`. */
export function connect(url: string, headers: Record<string, string> = {}, options: WebSocket.ClientOptions = {}, timeoutMs = 3000): Promise<ConnectResult> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, ...options });
    const messages: ServerMessage[] = [];
    const waiters: Array<{ pred: (m: ServerMessage) => boolean; done: (m: ServerMessage) => void }> = [];
    const timer = setTimeout(() => { ws.terminate(); reject(new Error(`connect to ${url} timed out`)); }, timeoutMs);
    const closed = new Promise<{ code: number; reason: string }>((res) => ws.on('close', (code, reason) => res({ code, reason: reason.toString() })));
    ws.on('message', (data) => {
      const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
      const parsed = parseServerMessage(text);
      if (!parsed.ok) throw new Error(`server sent an invalid message: ${parsed.error}: ${text.slice(0, 200)}`);
      messages.push(parsed.value);
      for (const w of [...waiters]) if (w.pred(parsed.value)) { waiters.splice(waiters.indexOf(w), 1); w.done(parsed.value); }
    });
    ws.on('unexpected-response', (_req, res) => { clearTimeout(timer); resolve({ ok: false, status: res.statusCode ?? 0 }); ws.terminate(); });
    ws.on('error', (err) => { clearTimeout(timer); reject(err); });
    ws.on('open', () => {
      clearTimeout(timer);
      const next = <T extends ServerMessage>(pred: (m: ServerMessage) => m is T, wait = 3000): Promise<T> => {
        const have = messages.find(pred);
        if (have !== undefined) { messages.splice(messages.indexOf(have), 1); return Promise.resolve(have); }
        return new Promise<T>((res, rej) => {
          const t = setTimeout(() => rej(new Error('timed out waiting for a server message')), wait);
          waiters.push({ pred, done: (m) => { clearTimeout(t); messages.splice(messages.indexOf(m), 1); res(m as T); } });
        });
      };
      resolve({
        ok: true,
        client: {
          ws, messages, next, closed,
          nextOf: (type, wait) => next((m): m is Extract<ServerMessage, { type: typeof type }> => m.type === type, wait),
          send: (v) => ws.send(typeof v === 'string' ? v : JSON.stringify(v)),
        },
      });
    });
  });
}

/** Connects and fails the test when refused. */
export async function mustConnect(url: string, headers: Record<string, string> = {}, options: WebSocket.ClientOptions = {}): Promise<TestClient> {
  const r = await connect(url, headers, options);
  if (!r.ok) throw new Error(`connection refused with HTTP ${r.status}`);
  return r.client;
}
