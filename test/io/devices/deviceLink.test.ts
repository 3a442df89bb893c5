/**
 * The device link on virtual time: connects, backs off between failed attempts (0.5, 1, 2, 4 … s up
 * to the cap), reconnects after a drop, never queues a command for a device that is down, and reports
 * every step as a DeviceState for the console.
 */
import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { retryDelayMs } from '../../../engine/core/devices/backoff.js';
import type { DeviceState } from '../../../engine/core/protocol/devices.js';
import { deviceStateSchema } from '../../../engine/core/protocol/index.js';
import { DeviceLink, type DeviceConnector, type DeviceReporter, type DeviceSession } from '../../../engine/io/devices/deviceLink.js';

interface FakeSession extends DeviceSession {
  readonly n: number;
  closed: boolean;
  run(): Promise<void>;
}

/** A device whose attempts succeed or fail as the test says; `report` is the last session's reporter. */
function fakeDevice(outcomes: Array<'ok' | 'refuse' | 'hang'>) {
  let n = 0;
  const sessions: FakeSession[] = [];
  let report: DeviceReporter | undefined;
  const connector: DeviceConnector<FakeSession> = {
    kind: 'fake',
    id: 'sw',
    label: 'Test switcher',
    address: '127.0.0.1:1',
    open(r) {
      const outcome = outcomes[n] ?? 'ok';
      n++;
      if (outcome === 'refuse') return Promise.reject(new Error('connection refused'));
      if (outcome === 'hang') return new Promise<FakeSession>(() => undefined);
      report = r;
      const s: FakeSession = { n, closed: false, run: () => Promise.resolve(), close: () => { s.closed = true; return Promise.resolve(); } };
      sessions.push(s);
      return Promise.resolve(s);
    },
  };
  return { connector, sessions, attempts: () => n, report: () => report! };
}

const flush = () => new Promise<void>((r) => setImmediate(r));

describe('device link', () => {
  it('backs off 0.5 s, 1 s, 2 s … up to the cap between failed attempts', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => retryDelayMs(n))).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect(retryDelayMs(3, { minMs: 100, maxMs: 250, factor: 2 })).toBe(250);
  });

  it('retries with back-off until the device answers, then reports connected', async () => {
    const vt = new VirtualTimeScheduler();
    const dev = fakeDevice(['refuse', 'refuse', 'hang', 'ok']);
    const link = new DeviceLink(dev.connector, { connectTimeoutMs: 3000 }, vt);
    const states: DeviceState[] = [];
    link.state$.subscribe((s) => states.push(s));
    link.start();
    await flush();
    expect(link.state).toMatchObject({ health: 'retrying', attempts: 1, retryAtMs: 500, detail: 'connection refused' });
    vt.maxFrames = 500;
    vt.flush();
    await flush();
    expect(link.state).toMatchObject({ health: 'retrying', attempts: 2, retryAtMs: 1500 });
    vt.maxFrames = 1500;
    vt.flush();
    await flush();
    // The third attempt hangs: the connect timeout fails it 3 s later.
    expect(dev.attempts()).toBe(3);
    vt.maxFrames = 4500;
    vt.flush();
    await flush();
    expect(link.state).toMatchObject({ health: 'retrying', attempts: 3, retryAtMs: 6500, detail: 'no answer within 3.0 s' });
    vt.maxFrames = 6500;
    vt.flush();
    await flush();
    expect(link.state).toMatchObject({ health: 'connected', attempts: 0, retryAtMs: null, detail: null });
    expect(link.session?.n).toBe(4);
    expect(states.map((s) => s.health)).toEqual(['off', 'connecting', 'retrying', 'retrying', 'retrying', 'connected']);
    for (const s of states) expect(deviceStateSchema.safeParse(s).success).toBe(true);
    await link.stop();
    expect(dev.sessions[0]!.closed).toBe(true);
  });

  it('reconnects after a drop and drops commands while the device is down', async () => {
    const vt = new VirtualTimeScheduler();
    const dev = fakeDevice(['ok', 'refuse', 'ok']);
    const link = new DeviceLink(dev.connector, {}, vt);
    link.start();
    await flush();
    let ran = 0;
    expect(link.run('cut', async () => { ran++; })).toBe(true);
    dev.report().lost('socket closed');
    expect(link.state).toMatchObject({ health: 'retrying', attempts: 1, detail: 'connection lost: socket closed' });
    expect(dev.sessions[0]!.closed).toBe(true);
    expect(link.run('cut', async () => { ran++; })).toBe(false);
    expect(link.stats.dropped).toBe(1);
    vt.maxFrames = 500;
    vt.flush();
    await flush();
    expect(link.state).toMatchObject({ health: 'retrying', attempts: 2 });
    vt.maxFrames = 1500;
    vt.flush();
    await flush();
    expect(link.state.health).toBe('connected');
    expect(ran).toBe(1);
    await link.stop();
  });

  it('shows missing names and failing commands as degraded, and recovers', async () => {
    const vt = new VirtualTimeScheduler();
    const dev = fakeDevice(['ok']);
    const link = new DeviceLink(dev.connector, {}, vt);
    link.start();
    await flush();
    dev.report().problems(["show.json:40:9: departments[2].cues[0].messages[0].scene: OBS 'obs' has no scene 'Wide'"]);
    dev.report().facts({ program: 'Cam 1' });
    expect(link.state).toMatchObject({ health: 'degraded', facts: { program: 'Cam 1' } });
    expect(link.state.problems).toHaveLength(1);
    dev.report().problems([]);
    expect(link.state.health).toBe('connected');
    link.run('cut to Wide', () => Promise.reject(new Error('no scene named Wide')));
    await flush();
    expect(link.state).toMatchObject({ health: 'degraded', detail: 'cut to Wide failed: no scene named Wide' });
    link.run('cut to Cam 2', () => Promise.resolve());
    await flush();
    expect(link.state).toMatchObject({ health: 'connected', detail: null });
    await link.stop();
    expect(link.state.health).toBe('off');
  });
});
