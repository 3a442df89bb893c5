/**
 * The desk connection against a simulated X32 on loopback: it connects (`/info`), subscribes
 * (`/xremote`, renewed), reads back the show's parameters, follows a person's moves on the desk,
 * reports health, goes `retrying` when the desk falls silent, and reconnects and reads back again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { resolveMixerParam, X32_PROFILE } from '../../../engine/core/mixer/profile.js';
import { DeviceLink } from '../../../engine/io/devices/deviceLink.js';
import { OscMixerConnector, type OscMixerSession } from '../../../engine/io/mixer/oscMixer.js';
import { X32Sim } from './x32Sim.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, ms = 3000, what = cond.toString()): Promise<void> {
  for (let t = 0; t < ms && !cond(); t += 20) await sleep(20);
  expect(cond(), what).toBe(true);
}
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('OSC mixer connection (simulated X32)', () => {
  it('connects, subscribes and renews, reads back, follows the desk, and reconnects after a silence', async () => {
    const sim = new X32Sim({ '/ch/01/mix/fader': 0.5, '/ch/03/mix/on': 1 });
    await sim.start();
    cleanups.push(() => sim.stop());
    const seen: Array<[string, number]> = [];
    const params = ['ch/1/fader', 'ch/3/mute', 'scene'].map((p) => resolveMixerParam(X32_PROFILE, p));
    const profile = { ...X32_PROFILE, subscribe: { address: '/xremote', renewMs: 300 } };
    const connector = new OscMixerConnector({ id: 'foh', kind: 'x32', host: '127.0.0.1', port: sim.port }, profile, params, { value: (a, v) => seen.push([a, v]) }, undefined, { heartbeatMs: 100, silenceMs: 400 });
    const link = new DeviceLink<OscMixerSession>(connector, { backoff: { minMs: 100, maxMs: 200, factor: 2 }, connectTimeoutMs: 500 });
    cleanups.push(() => link.stop());
    link.start();
    await until(() => link.state.health === 'connected');
    expect(link.state).toMatchObject({ kind: 'x32', address: `127.0.0.1:${sim.port}`, facts: { model: 'X32', firmware: '4.06' } });
    await until(() => seen.length >= 2);
    expect(seen).toEqual([['/ch/01/mix/fader', 0.5], ['/ch/03/mix/on', 1]]); // the scene is an action: never read
    await until(() => link.state.facts['ch/1/fader'] === '-10.0 dB' && link.state.facts['ch/3/mute'] === 'on'); // shown on the console
    await until(() => sim.received.filter((a) => a === '/xremote').length >= 3, 2000); // renewed
    sim.touch('/ch/01/mix/fader', 0.25); // a person pulls the fader down
    await until(() => seen.some(([a, v]) => a === '/ch/01/mix/fader' && v === 0.25));
    expect(link.run('fader', (s) => s.set(params[0]!, 0.75))).toBe(true);
    await until(() => sim.values.get('/ch/01/mix/fader') === 0.75);
    await until(() => link.state.facts['ch/1/fader'] === '0.0 dB'); // what we sent shows too (the desk does not echo it)

    sim.silent = true;
    await until(() => link.state.health === 'retrying', 3000);
    expect(link.state.detail).toMatch(/no answer/);
    expect(link.run('fader', (s) => s.set(params[0]!, 0.1), { quiet: true })).toBe(false); // dropped, not queued
    const queriesBefore = sim.received.filter((a) => a === '/ch/01/mix/fader').length;
    sim.touch('/ch/01/mix/fader', 0.625); // changed while we were away
    sim.silent = false;
    await until(() => link.state.health === 'connected', 4000);
    await until(() => seen.some(([a, v]) => a === '/ch/01/mix/fader' && v === 0.625)); // read back on reconnect
    expect(sim.received.filter((a) => a === '/ch/01/mix/fader').length).toBeGreaterThan(queriesBefore);
    expect(sim.values.get('/ch/01/mix/fader')).toBe(0.625); // nothing blasted at the desk
  });
});
