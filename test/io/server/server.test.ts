import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConsoleServer, type ConsoleServer, type ConsoleServerOptions } from '../../../engine/io/server/server.js';
import { buildConsolePage, type PageAssets } from '../../../engine/io/server/page.js';
import { PROTOCOL_VERSION, serverMessageSchema } from '../../../engine/core/protocol/index.js';
import { FakeEngine } from './fakeEngine.js';
import { connect, mustConnect, type TestClient } from './wsClient.js';

const tokens = { viewer: 'viewer-token-0123456789', operator: 'operator-token-0123456789', admin: 'admin-token-0123456789' };
const bearer = (t: string): Record<string, string> => ({ Authorization: `Bearer ${t}` });

let page: PageAssets;
const open: ConsoleServer[] = [];
const clients: TestClient[] = [];

beforeAll(async () => {
  page = await buildConsolePage();
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function start(engine = new FakeEngine(), extra: Partial<ConsoleServerOptions> = {}): Promise<{ server: ConsoleServer; engine: FakeEngine }> {
  const server = await startConsoleServer({ engine, tokens, port: 0, page, ...extra });
  open.push(server);
  return { server, engine };
}

async function client(server: ConsoleServer, token: string, headers: Record<string, string> = {}): Promise<TestClient> {
  const c = await mustConnect(server.wsUrl, { ...bearer(token), ...headers });
  clients.push(c);
  return c;
}

describe('console server: page and health', () => {
  it('serves the bundled page with a strict content security policy', async () => {
    const { server } = await start();
    const html = await fetch(server.url);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await html.text()).toContain('<title>Precue console</title>');
    const js = await fetch(`${server.url}app.js`);
    expect(js.headers.get('content-type')).toContain('javascript');
    expect(js.headers.get('content-encoding')).toBe('gzip');
    expect((await js.text()).length).toBeGreaterThan(1000);
    expect((await fetch(`${server.url}nope`)).status).toBe(404);
    expect((await fetch(server.url, { method: 'POST' })).status).toBe(405);
    expect(await (await fetch(`${server.url}healthz`)).json()).toMatchObject({ ok: true, protocol: PROTOCOL_VERSION });
  });

  it('answers /auth with the role for a good token and 401 for a bad one', async () => {
    const { server } = await start();
    expect(await (await fetch(`${server.url}auth`, { headers: bearer(tokens.viewer) })).json()).toEqual({ ok: true, role: 'viewer' });
    expect((await fetch(`${server.url}auth`, { headers: bearer('wrong-token-000000000') })).status).toBe(401);
  });
});

describe('console server: authentication before the upgrade', () => {
  it('refuses a missing or wrong token with 401 and counts it', async () => {
    const { server } = await start();
    expect(await connect(server.wsUrl)).toEqual({ ok: false, status: 401 });
    expect(await connect(server.wsUrl, bearer('operator-token-0123456788'))).toEqual({ ok: false, status: 401 });
    expect(await connect(`${server.wsUrl}?token=nope`)).toEqual({ ok: false, status: 401 });
    expect(server.stats().unauthorized).toBe(3);
    expect(server.stats().connections).toBe(0);
  });

  it('accepts a bearer header or a token query parameter and tells the client its role', async () => {
    const { server } = await start();
    const a = await client(server, tokens.operator);
    expect((await a.nextOf('init')).role).toBe('operator');
    const b = await mustConnect(`${server.wsUrl}?token=${tokens.admin}`);
    clients.push(b);
    const init = await b.nextOf('init');
    expect(init.role).toBe('admin');
    expect(init.snapshot.depts.map((d) => d.id)).toEqual(['LX', 'VID', 'CAM']);
    expect(serverMessageSchema.safeParse(init).success).toBe(true);
  });

  it('refuses a foreign Origin but accepts its own and configured ones', async () => {
    const { server } = await start(undefined, { allowedOrigins: ['http://desk.local:7700'] });
    const host = new URL(server.url).host;
    expect(await connect(server.wsUrl, { ...bearer(tokens.operator), Origin: 'http://evil.example' })).toEqual({ ok: false, status: 403 });
    expect(server.stats().badOrigin).toBe(1);
    const same = await client(server, tokens.operator, { Origin: `http://${host}` });
    await same.nextOf('init');
    const listed = await client(server, tokens.operator, { Origin: 'http://desk.local:7700' });
    await listed.nextOf('init');
  });

  it('refuses upgrades on other paths', async () => {
    const { server } = await start();
    expect(await connect(server.url.replace('http', 'ws') + 'other', bearer(tokens.operator))).toEqual({ ok: false, status: 404 });
  });
});

describe('console server: commands and roles', () => {
  it("refuses a viewer's GO on the server and never reaches the engine", async () => {
    const { server, engine } = await start();
    const viewer = await client(server, tokens.viewer);
    await viewer.nextOf('init');
    viewer.send({ type: 'command', id: 'v1', command: { type: 'go', dept: 'LX' } });
    const refused = await viewer.nextOf('refused');
    expect(refused).toMatchObject({ id: 'v1', code: 'forbidden' });
    expect(refused.message).toMatch(/needs the operator role/);
    expect(engine.executed).toHaveLength(0);
    expect(server.stats().forbidden).toBe(1);
  });

  it("acks an operator's GO and every console sees the same deltas", async () => {
    const { server, engine } = await start();
    const op = await client(server, tokens.operator);
    const viewer = await client(server, tokens.viewer);
    await op.nextOf('init');
    await viewer.nextOf('init');
    op.send({ type: 'command', id: 'g1', command: { type: 'go', dept: 'LX' } });
    expect(await op.nextOf('ack')).toMatchObject({ id: 'g1', detail: 'LX cue 1' });
    const d1 = await op.nextOf('delta');
    const d2 = await viewer.nextOf('delta');
    expect(d1).toEqual(d2);
    expect(engine.dept('LX')?.current).toBe('1');
    expect(engine.executed[0]?.who).toEqual({ role: 'operator', name: 'operator@127.0.0.1' });
  });

  it('passes engine refusals through with their reason', async () => {
    const { server } = await start();
    const op = await client(server, tokens.operator);
    op.send({ type: 'command', id: 'x', command: { type: 'goto', dept: 'LX', cue: '99' } });
    expect(await op.nextOf('refused')).toMatchObject({ id: 'x', code: 'not-found', message: 'LX has no cue 99' });
    op.send({ type: 'command', id: 'y', command: { type: 'go', dept: 'SND' } });
    expect(await op.nextOf('refused')).toMatchObject({ id: 'y', code: 'not-found' });
  });

  it('keeps admin commands for admins, and answers a show load with a fresh init', async () => {
    const { server } = await start();
    const op = await client(server, tokens.operator);
    const admin = await client(server, tokens.admin);
    await op.nextOf('init');
    await admin.nextOf('init');
    op.send({ type: 'command', id: 'l1', command: { type: 'load', show: 'shows/demo' } });
    expect(await op.nextOf('refused')).toMatchObject({ id: 'l1', code: 'forbidden' });
    admin.send({ type: 'command', id: 'l2', command: { type: 'load', show: 'shows/demo' } });
    expect(await admin.nextOf('ack')).toMatchObject({ id: 'l2' });
    expect((await op.nextOf('init')).role).toBe('operator');
    expect((await admin.nextOf('init')).role).toBe('admin');
  });

  it('refuses a command the engine throws on, and keeps serving', async () => {
    const { server, engine } = await start();
    const op = await client(server, tokens.operator);
    engine.throwOnNext = true;
    op.send({ type: 'command', id: 'e1', command: { type: 'go', dept: 'LX' } });
    expect(await op.nextOf('refused')).toMatchObject({ id: 'e1', code: 'engine-error' });
    op.send({ type: 'command', id: 'e2', command: { type: 'go', dept: 'LX' } });
    expect(await op.nextOf('ack')).toMatchObject({ id: 'e2' });
    expect(server.stats().engineErrors).toBe(1);
  });

  it('answers ping with pong carrying the engine clock', async () => {
    const { server } = await start(new FakeEngine({ now: () => 12_345 }));
    const op = await client(server, tokens.viewer);
    op.send({ type: 'ping', id: 'p1', clientTime: 42 });
    expect(await op.nextOf('pong')).toEqual({ type: 'pong', id: 'p1', clientTime: 42, engineTimeMs: 12_345 });
  });
});

describe('console server: bad input is refused, counted, and the engine keeps running', () => {
  it('refuses malformed messages (not JSON, wrong shape, unknown command, binary) and keeps the connection', async () => {
    const { server } = await start();
    const op = await client(server, tokens.operator);
    await op.nextOf('init');
    op.send('{not json');
    op.send({ type: 'command', id: 'm2', command: { type: 'go' } });
    op.send({ type: 'command', id: 'm3', command: { type: 'self-destruct', dept: 'LX' } });
    op.send({ type: 'hello' });
    op.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    const refusals = [];
    for (let i = 0; i < 5; i++) refusals.push(await op.nextOf('refused'));
    expect(refusals.map((r) => r.code)).toEqual(['malformed', 'malformed', 'malformed', 'malformed', 'malformed']);
    expect(refusals.map((r) => r.id)).toEqual([null, 'm2', 'm3', null, null]);
    expect(server.stats().malformed).toBe(5);
    op.send({ type: 'command', id: 'ok', command: { type: 'go', dept: 'LX' } });
    expect(await op.nextOf('ack')).toMatchObject({ id: 'ok' });
  });

  it('refuses an oversized message and closes a connection that sends a huge one', async () => {
    const { server } = await start(undefined, { maxMessageBytes: 1024 });
    const op = await client(server, tokens.operator);
    await op.nextOf('init');
    op.send({ type: 'command', id: 'big', command: { type: 'load', show: 'x'.repeat(2000) } });
    expect(await op.nextOf('refused')).toMatchObject({ code: 'oversized', id: null });
    op.send({ type: 'ping', id: 'still', clientTime: 1 });
    await op.nextOf('pong');
    op.ws.send('x'.repeat(200_000));
    const closed = await op.closed;
    expect(closed.code).toBe(1009);
    expect(server.stats().oversized).toBe(2);
    const other = await client(server, tokens.operator);
    await other.nextOf('init');
  });

  it('rate-limits a flooding client, closes it, and other consoles carry on', async () => {
    const { server, engine } = await start(undefined, { messagesPerSecond: 10, burst: 20, floodCloseAfter: 100, now: () => 0 });
    const flooder = await client(server, tokens.operator);
    const calm = await client(server, tokens.operator);
    await flooder.nextOf('init');
    await calm.nextOf('init');
    for (let i = 0; i < 500; i++) flooder.send({ type: 'ping', id: `f${i}`, clientTime: i });
    expect((await flooder.closed).code).toBe(1008);
    const s = server.stats();
    expect(s.rateLimited).toBe(100);
    expect(s.closedForFlooding).toBe(1);
    expect(flooder.messages.filter((m) => m.type === 'pong')).toHaveLength(20);
    expect(flooder.messages.filter((m) => m.type === 'refused' && m.code === 'rate-limited')).toHaveLength(1);
    calm.send({ type: 'command', id: 'c1', command: { type: 'go', dept: 'LX' } });
    expect(await calm.nextOf('ack')).toMatchObject({ id: 'c1' });
    expect(engine.dept('LX')?.current).toBe('1');
  });
});

describe('console server: a steady flood', () => {
  it('closes a console flooding at a steady rate, which the bucket lets a message through every few dozen refusals', async () => {
    // 5 ms pass per message the server reads: 200 messages a second against 10 allowed. A token comes
    // back every 100 ms (every 20 messages), so refusals never run 100 in a row; 100 refused within
    // a second still close the connection.
    let clock = 0;
    const { server } = await start(undefined, { messagesPerSecond: 10, burst: 20, floodCloseAfter: 100, now: () => (clock += 5) });
    const flooder = await client(server, tokens.operator);
    await flooder.nextOf('init');
    for (let i = 0; i < 400; i++) flooder.send({ type: 'ping', id: `f${i}`, clientTime: i });
    expect((await flooder.closed).code).toBe(1008);
    const s = server.stats();
    expect(s.closedForFlooding).toBe(1);
    expect(s.rateLimited).toBe(100);
    // Let through: the burst and about one message in twenty while the window filled.
    expect(flooder.messages.filter((m) => m.type === 'pong').length).toBeGreaterThan(20);
    expect(flooder.messages.filter((m) => m.type === 'pong').length).toBeLessThan(30);
  });

  it('does not close a console refused now and then, over many seconds', async () => {
    let clock = 0;
    const { server } = await start(undefined, { messagesPerSecond: 10, burst: 20, floodCloseAfter: 100, now: () => (clock += 60) });
    const op = await client(server, tokens.operator);
    await op.nextOf('init');
    // 16 messages a second against 10 allowed, for 30 s: some are refused, never 100 within a second.
    for (let i = 0; i < 500; i++) op.send({ type: 'ping', id: `p${i}`, clientTime: i });
    await expect.poll(() => op.messages.filter((m) => m.type === 'pong').length + server.stats().rateLimited, { timeout: 5000 }).toBe(500);
    expect(server.stats().rateLimited).toBeGreaterThan(0);
    expect(server.stats().closedForFlooding).toBe(0);
  });
});

describe('console server: reconnects and TLS', () => {
  it('gives a reconnecting console the current state in a fresh init', async () => {
    const { server } = await start();
    const op = await client(server, tokens.operator);
    const first = await op.nextOf('init');
    expect(first.snapshot.depts[0]?.current).toBeNull();
    op.send({ type: 'command', id: 'g', command: { type: 'go', dept: 'LX' } });
    await op.nextOf('ack');
    op.ws.close();
    await op.closed;
    const again = await client(server, tokens.operator);
    const init = await again.nextOf('init');
    expect(init.snapshot.depts[0]?.current).toBe('1');
    expect(init.seq).toBeGreaterThan(first.seq);
    again.send({ type: 'resync', id: 'r' });
    expect((await again.nextOf('init')).seq).toBe(init.seq);
  });

  const haveOpenssl = existsSync('/usr/bin/openssl');
  it.skipIf(!haveOpenssl)('serves https and wss with a given certificate (needs openssl to make one)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'precue-tls-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
        '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore', timeout: 20_000 });
      const cert = readFileSync(join(dir, 'cert.pem'));
      const { server } = await start(undefined, { tls: { cert, key: readFileSync(join(dir, 'key.pem')) } });
      expect(server.wsUrl.startsWith('wss://')).toBe(true);
      const c = await mustConnect(server.wsUrl, bearer(tokens.viewer), { ca: cert });
      clients.push(c);
      expect((await c.nextOf('init')).role).toBe('viewer');
      expect(await connect(server.wsUrl, bearer('bad-token-00000000000'), { ca: cert })).toEqual({ ok: false, status: 401 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
