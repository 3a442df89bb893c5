import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { maintenanceHints, sumUsage, UsageMeter } from '../../../engine/core/runs/usage.js';
import { catalogFromDefinitions } from '../../../engine/core/show/catalog.js';
import { loadFixtureLibrary } from '../../../engine/io/fixtures/loadFixtureLibrary.js';
import { loadShow } from '../../../engine/io/show/loadShow.js';

describe('fixture usage from the outputs', () => {
  it('counts lit time per fixture and lamp channel, strobe starts and pan/tilt moves', async () => {
    const library = await loadFixtureLibrary(resolve('fixtures'));
    const show = (await loadShow(resolve('shows/demo'), catalogFromDefinitions(library))).show;
    const fixtures = show.fixtures.filter((f) => f.id === 'par1' || f.id === 'mh1');
    const profiles = new Map(fixtures.map((f) => [f.id, library.profile(f.type, f.mode)]));
    const meter = new UsageMeter(fixtures, profiles);
    const par = fixtures.find((f) => f.id === 'par1')!;
    const mh = fixtures.find((f) => f.id === 'mh1')!;
    const outputs = new Map<number, Uint8Array>([[par.universe, new Uint8Array(512)], [mh.universe, new Uint8Array(512)]]);
    const write = (f: typeof par, look: Parameters<ReturnType<typeof library.profile>['render']>[0]): void => {
      const p = profiles.get(f.id)!;
      const buf = new Uint8Array(p.footprint);
      p.render(look, buf);
      outputs.get(f.universe)!.set(buf, f.address - 1);
    };
    // 0–2 s: the par red at full; 2–4 s dark. The head: lit and still, then strobing, then moving.
    for (let t = 0; t <= 6000; t += 100) {
      write(par, t < 2000 ? { intensity: 1, color: '#ff0000' } : { intensity: 0 });
      write(mh, t < 3000 ? { intensity: 1 } : t < 4000 ? { intensity: 1, strobeHz: 8 } : { intensity: 1, pan: (t - 4000) / 20 });
      meter.sample(t, outputs);
    }
    // The head holds still 500 ms (unchanged outputs: the meter reuses its last reading), then moves again: a second move.
    for (let t = 6100; t <= 6600; t += 100) meter.sample(t, outputs);
    write(mh, { intensity: 1, pan: 0.2 });
    meter.sample(6700, outputs);
    expect(meter.report().fixtures.find((f) => f.id === 'mh1')!.moves).toBe(2);
    // The file text, built a slice at a time, says exactly what report() says.
    let turns = 0;
    expect(JSON.parse(await meter.reportJson(async () => void turns++, 1))).toEqual(meter.report());
    expect(turns).toBe(1); // two fixtures, one per slice
    const u = meter.report();
    const p1 = u.fixtures.find((f) => f.id === 'par1')!;
    const oneSample = (x: number, want: number): void => expect(Math.abs(x - want)).toBeLessThanOrEqual(0.1 + 1e-9); // sampled every 100 ms
    oneSample(p1.litS, 2);
    oneSample(u.spanS, 6.7);
    oneSample(p1.channels.find((c) => c.name === 'Red')!.onS, 2);
    expect(p1.channels.find((c) => c.name === 'Blue')!.onS).toBe(0);
    const h = u.fixtures.find((f) => f.id === 'mh1')!;
    expect(h.strobes).toBe(1);
    oneSample(h.strobeS, 1);
    expect(h.moves).toBe(2);
    oneSample(h.litS, 6.7);
    const total = sumUsage([u, u]);
    expect(total.fixtures.find((f) => f.id === 'mh1')!.strobes).toBe(2);
    const hints = maintenanceHints(total, (id) => (id === 'mh1' ? { strobes: 2 } : { litHours: 1000 }));
    expect(hints.map((x) => x.text)).toEqual([expect.stringContaining('mh1') as string]);
    expect(hints[0]!.text).toContain('strobed 2 times');
  });
});
