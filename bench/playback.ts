/**
 * How much CPU playback's per-frame path costs: N universes × 512 channels of RGBW pars
 * (generic/rgbw-par, 8-channel: 64 per universe), every channel mid-fade, rendered at 44 Hz through
 * the real fixture profiles. Prints wall ms per frame and its p99, CPU ms per frame (process CPU
 * time, so other load on the machine does not inflate it) and the CPU share of one core at 44 Hz, and the
 * load average. Fades, effects and submasters allocate nothing per frame, and the profile reads each
 * fixture's look through a view over the slot array (nothing copied); what remains on the heap per
 * frame is the profile's own arithmetic (see `node --import tsx --trace-gc bench/playback.ts 64`).
 *
 * Run: npx tsx bench/playback.ts            (1, 16, 64, 128 universes)
 *      npx tsx bench/playback.ts 64 256     (chosen sizes)
 */
import { performance } from 'node:perf_hooks';
import { VirtualTimeScheduler } from 'rxjs';
import { createPlayback, type LookRenderer } from '../engine/core/playback/playback.js';
import { showFileSchema, SHOW_VERSION } from '../engine/core/show/schema.js';
import { loadFixtureLibrary } from '../engine/io/fixtures/loadFixtureLibrary.js';
import { deptId } from '../engine/core/ids.js';

const RATE_HZ = 44;
const WARMUP = 300;
const FRAMES = 2000;
const PER_UNIVERSE = 64; // 8-channel pars → 512 channels

function makeShow(universes: number, withEffects: boolean) {
  const fixtures = [];
  for (let u = 1; u <= universes; u++) {
    for (let i = 0; i < PER_UNIVERSE; i++) fixtures.push({ id: `u${u}f${i}`, type: 'generic/rgbw-par', mode: '8-channel', universe: u, address: 1 + i * 8 });
  }
  const ids = fixtures.map((f) => f.id);
  // Distinct targets per fixture so every slot is really fading, not one shared value.
  const levels: Record<string, { intensity: number; color: { r: number; g: number; b: number; w: number }; strobeHz: number }> = {};
  ids.forEach((id, i) => {
    levels[id] = { intensity: 0.5 + (i % 50) / 100, color: { r: (i % 7) / 7, g: (i % 11) / 11, b: (i % 13) / 13, w: (i % 5) / 5 }, strobeHz: 0 };
  });
  return showFileSchema.parse({
    version: SHOW_VERSION,
    name: 'bench',
    fixtures,
    groups: { all: ids },
    outputs: { universes: Array.from({ length: universes }, (_, i) => ({ id: i + 1, driver: { kind: 'null' } })) },
    departments: [{
      id: 'LX', mode: 'manual', minGoIntervalMs: 0, cues: [
        {
          number: '1', fadeUpMs: 600_000, fadeDownMs: 600_000, curve: 's-curve', levels,
          ...(withEffects ? { bindings: [{ source: 'beat', target: 'all', attribute: 'intensity', mode: 'chase', range: [0, 1], releaseMs: 200 }] } : {}),
        },
      ],
    }],
  });
}

async function main(): Promise<void> {
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  const universes = sizes.length > 0 ? sizes : [1, 16, 64, 128];
  const library = await loadFixtureLibrary('fixtures');
  const profile = library.profile('generic/rgbw-par', '8-channel');
  const renderer: LookRenderer = profile;
  const nothing: LookRenderer = { render: () => undefined };
  const [load1] = (await import('node:os')).loadavg();
  console.log(`load average ${load1!.toFixed(1)} on ${(await import('node:os')).cpus().length} cores while measuring; ${FRAMES} frames after ${WARMUP} warm-up`);
  console.log(`playback per-frame cost, ${RATE_HZ} Hz, ${PER_UNIVERSE} × ${profile.fixtureName} (${profile.footprint} ch) per universe, all fading (node ${process.version})`);
  console.log('universes  channels  fixtures  variant            wall ms/frame  wall p99  CPU ms/frame  CPU share@44Hz');
  for (const n of universes) {
    for (const variant of ['levels only', 'levels + DMX', 'levels + DMX + fx'] as const) {
      const show = makeShow(n, variant === 'levels + DMX + fx');
      const r = variant === 'levels only' ? nothing : renderer;
      const scheduler = new VirtualTimeScheduler();
      const pb = createPlayback(show, { renderers: new Map(show.fixtures.map((f) => [f.id, r])) }, scheduler);
      pb.apply({ t: 0, dept: deptId('LX'), action: 'go', source: 'operator' });
      let t = 0;
      const step = 1000 / RATE_HZ;
      let beat = 0;
      const tick = (): void => {
        t += step;
        if (variant === 'levels + DMX + fx' && t >= beat * 500) {
          pb.feed.pushBeat({ t: t / 1000, index: beat, bpm: 120, confidence: 1, beatInBar: beat % 4, beatsPerBar: 4, isDownbeat: beat % 4 === 0, barIndex: beat >> 2, nextBeatT: (t + 500) / 1000, decidedT: t / 1000 });
          beat++;
        }
        pb.frame(t);
      };
      for (let i = 0; i < WARMUP; i++) tick();
      const times = new Float64Array(FRAMES);
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < FRAMES; i++) {
        const a = performance.now();
        tick();
        times[i] = performance.now() - a;
      }
      const cpu = process.cpuUsage(cpu0);
      const cpuMs = (cpu.user + cpu.system) / 1000 / FRAMES;
      const sorted = Float64Array.from(times).sort();
      const mean = times.reduce((s, x) => s + x, 0) / FRAMES;
      const p99 = sorted[Math.floor(FRAMES * 0.99)]!;
      const share = (cpuMs * RATE_HZ) / 1000;
      console.log(
        `${String(n).padStart(9)}  ${String(n * 512).padStart(8)}  ${String(show.fixtures.length).padStart(8)}  ${variant.padEnd(17)}  ${mean.toFixed(3).padStart(13)}  ${p99.toFixed(3).padStart(8)}  ${cpuMs.toFixed(3).padStart(12)}  ${(share * 100).toFixed(2).padStart(13)} %`,
      );
      pb.dispose();
    }
  }
}

await main();
