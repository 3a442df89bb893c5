import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { FixtureProfile } from '../../../engine/core/fixtures/profile.js';
import type { PatchedFixture } from '../../../engine/core/show/schema.js';
import { maintenanceHints, strobeChannels, sumUsage, UsageMeter } from '../../../engine/core/runs/usage.js';
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

  it('reads only the universes where something it watches changed, and adds up exactly as a meter that reads every fixture at every sample', async () => {
    const library = await loadFixtureLibrary(resolve('fixtures'));
    const show = (await loadShow(resolve('shows/demo'), catalogFromDefinitions(library))).show;
    const profiles = new Map(show.fixtures.map((f) => [f.id, library.profile(f.type, f.mode)]));
    const looks = [{ intensity: 0 }, { intensity: 1 }, { intensity: 0.5, color: '#ff0000' }, { intensity: 1, strobeHz: 8 }, { intensity: 1, pan: 30 }, { intensity: 1, pan: -40 }, { intensity: 0, pan: 10 }];
    const step = fc.record({ gapMs: fc.oneof(fc.constant(100), fc.constant(150), fc.constant(300), fc.integer({ min: 0, max: 1500 })), changes: fc.array(fc.record({ fixture: fc.nat(show.fixtures.length - 1), look: fc.nat(looks.length - 1) }), { maxLength: 4 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 60 }), async (steps) => {
        const meter = new UsageMeter(show.fixtures, profiles);
        const reference = eagerMeter(show.fixtures, profiles);
        const outputs = new Map(show.fixtures.map((f) => [f.universe, new Uint8Array(512)]));
        let t = 0;
        for (const st of steps) {
          t += st.gapMs;
          for (const c of st.changes) {
            const f = show.fixtures[c.fixture]!;
            const p = profiles.get(f.id)!;
            const buf = new Uint8Array(p.footprint);
            p.render(looks[c.look]!, buf);
            outputs.get(f.universe)!.set(buf, f.address - 1);
          }
          meter.sample(t, outputs);
          reference.sample(t, outputs);
        }
        expect(meter.report()).toEqual(reference.report());
      }),
      { numRuns: 60, seed: 7 },
    );
  });
});

/** The meter as first written: every fixture read at every sample, time added step by step (the oracle). */
function eagerMeter(fixtures: readonly PatchedFixture[], profiles: ReadonlyMap<string, FixtureProfile>) {
  const meters = fixtures.map((f) => {
    const p = profiles.get(f.id)!;
    const coarse = p.channels.filter((c) => c.byte === 0);
    const emitters = coarse.filter((c) => c.emitter !== undefined && c.attribute === 'color').map((c) => c.offset);
    const dimmers = coarse.filter((c) => c.attribute === 'intensity').map((c) => c.offset);
    const lamps = [...dimmers.map((o, i) => ({ o, name: coarse.filter((c) => c.attribute === 'intensity')[i]!.name, emitter: false })), ...coarse.filter((c) => c.emitter !== undefined && c.attribute === 'color').map((c) => ({ o: c.offset, name: c.name, emitter: true }))];
    const motors = p.channels.filter((c) => c.attribute === 'pan' || c.attribute === 'tilt').map((c) => c.offset);
    return { f, dimmers, emitters, lamps, strobe: strobeChannels(p), motors, on: lamps.map(() => 0), lit: 0, strobes: 0, strobeMs: 0, strobing: false, moves: 0, last: undefined as number[] | undefined, moving: false, still: 0 };
  });
  let lastMs: number | undefined;
  let span = 0;
  return {
    sample(tMs: number, outputs: ReadonlyMap<number, Uint8Array>): void {
      const dt = lastMs === undefined ? 0 : Math.max(0, Math.min(1000, tMs - lastMs));
      lastMs = tMs;
      span += dt;
      for (const m of meters) {
        const out = outputs.get(m.f.universe)!;
        const at = (o: number): number => out[m.f.address - 1 + o] ?? 0;
        const dimmerUp = m.dimmers.length === 0 || m.dimmers.some((o) => at(o) > 0);
        const emitting = m.emitters.length === 0 ? m.dimmers.length > 0 && dimmerUp : dimmerUp && m.emitters.some((o) => at(o) > 0);
        if (emitting) m.lit += dt;
        m.lamps.forEach((l, i) => {
          if (at(l.o) > 0 && (!l.emitter || dimmerUp)) m.on[i]! += dt;
        });
        const strobing = emitting && m.strobe.some((x) => at(x.offset) >= x.lo && at(x.offset) <= x.hi);
        if (strobing && !m.strobing) m.strobes++;
        if (strobing) m.strobeMs += dt;
        m.strobing = strobing;
        if (m.motors.length > 0) {
          const now = m.motors.map(at);
          const changed = m.last !== undefined && now.some((v, i) => v !== m.last![i]);
          m.last = now;
          if (changed) {
            if (!m.moving) m.moves++;
            m.moving = true;
            m.still = 0;
          } else if (m.moving) {
            m.still += dt;
            if (m.still >= 300) m.moving = false;
          }
        }
      }
    },
    report() {
      const s = (ms: number): number => Math.round(ms) / 1000;
      return {
        v: 1,
        spanS: s(span),
        fixtures: meters.map((m) => ({ id: m.f.id, type: m.f.type, ...(m.f.label !== undefined ? { label: m.f.label } : {}), litS: s(m.lit), channels: m.lamps.map((l, i) => ({ name: l.name, onS: s(m.on[i]!) })), strobes: m.strobes, strobeS: s(m.strobeMs), moves: m.moves })),
      };
    },
  };
}
