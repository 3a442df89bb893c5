import { connect as netConnect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Admission, hostWithoutPort } from '../../../engine/io/server/admission.js';
import { startConsoleServer, type ConsoleServer, type ConsoleServerOptions } from '../../../engine/io/server/server.js';
import { FakeEngine } from './fakeEngine.js';
import { connect, type TestClient } from './wsClient.js';

const tokens = { operator: 'operator-token-0123456789' };
const open: ConsoleServer[] = [];
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function start(extra: Partial<ConsoleServerOptions> = {}): Promise<ConsoleServer> {
  const server = await startConsoleServer({ engine: new FakeEngine(), tokens, port: 0, page: null, ...extra });
  open.push(server);
  return server;
}

/** One raw HTTP exchange (so any Host header can be sent); resolves with the status line. */
function rawRequest(port: number, lines: string[]): Promise<string> {
  return new Promise((resolve) => {
    const s = netConnect(port, '127.0.0.1', () => s.write(`${lines.join('\r\n')}\r\n\r\n`));
    let data = '';
    s.on('data', (d: Buffer) => (data += d.toString()));
    s.on('close', () => resolve(data.split('\r\n')[0] ?? ''));
    s.on('error', () => resolve(data.split('\r\n')[0] ?? 'error'));
    setTimeout(() => s.destroy(), 1500);
  });
}

const upgrade = (host: string, token = tokens.operator): string[] => [
  `GET /ws?token=${token} HTTP/1.1`, `Host: ${host}`, 'Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
];

describe('console admission', () => {
  it('refuses a DNS-rebinding Host even with a matching Origin, and survives a malformed Host', async () => {
    const server = await start();
    const port = Number(new URL(server.url).port);
    expect(await rawRequest(port, [...upgrade('evil.example:' + port), `Origin: http://evil.example:${port}`])).toMatch(/^HTTP\/1.1 403/);
    expect(await rawRequest(port, ['GET /healthz HTTP/1.1', 'Host: evil.example'])).toMatch(/^HTTP\/1.1 403/);
    expect(await rawRequest(port, upgrade(`127.0.0.1:${port}`))).toMatch(/^HTTP\/1.1 101/);
    expect(await rawRequest(port, upgrade(`localhost:${port}`))).toMatch(/^HTTP\/1.1 101/);
    expect(await rawRequest(port, upgrade('a b[::'))).toMatch(/^HTTP\/1.1 (400|403)/);
    expect((await fetch(`${server.url}healthz`)).status).toBe(200); // still up
    expect(server.stats().badHost).toBeGreaterThanOrEqual(2);
  });

  it('makes a guessing address wait after five wrong tokens, answering 429 without checking', async () => {
    const server = await start({ admission: { freeFailures: 5, backoffMs: 60_000 } });
    const results: number[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await connect(`${server.wsUrl}?token=wrong-token-${i}-000000`);
      results.push(r.ok ? 101 : r.status);
    }
    expect(results.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(results.slice(5).every((s) => s === 429)).toBe(true);
    // Even the right token waits: guessing must cost time.
    const right = await connect(`${server.wsUrl}?token=${tokens.operator}`);
    expect(right.ok ? 101 : right.status).toBe(429);
    expect(server.stats()).toMatchObject({ unauthorized: 5, throttled: 16 });
  });

  it('caps connections per address', async () => {
    const server = await start({ admission: { maxConnectionsPerAddress: 3 } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await connect(`${server.wsUrl}?token=${tokens.operator}`);
      if (r.ok) clients.push(r.client);
      statuses.push(r.ok ? 101 : r.status);
    }
    expect(statuses).toEqual([101, 101, 101, 503, 503]);
    clients.pop()!.ws.close();
    await new Promise((r) => setTimeout(r, 200));
    const again = await connect(`${server.wsUrl}?token=${tokens.operator}`);
    if (again.ok) clients.push(again.client);
    expect(again.ok).toBe(true);
  });

  it('doubles the wait per failure up to the cap, forgets quiet addresses, and remembers a bounded number', () => {
    const a = new Admission(new Set(['localhost']), { freeFailures: 2, backoffMs: 1000, maxBackoffMs: 8000, forgetAfterMs: 60_000, maxTrackedAddresses: 3 });
    a.failed('x', 0);
    expect(a.waitMs('x', 0)).toBe(0);
    const waits = [1, 2, 3, 4, 5].map(() => {
      a.failed('x', 0);
      return a.waitMs('x', 0);
    });
    expect(waits).toEqual([1000, 2000, 4000, 8000, 8000]);
    expect(a.waitMs('x', 120_000)).toBe(0);
    for (const ip of ['a', 'b', 'c', 'd', 'e']) for (let i = 0; i < 4; i++) a.failed(ip, 0);
    expect(a.waitMs('a', 1)).toBe(0); // evicted
    expect(a.waitMs('e', 1)).toBeGreaterThan(0);
    expect(hostWithoutPort('[::1]:8080')).toBe('[::1]');
    expect(hostWithoutPort('Desk.Local:8080')).toBe('desk.local');
  });
});
