/**
 * The main-thread frame loop: ticks only while something moves, and a GO reaches the frame sink in
 * the same turn of the event loop, at rest or mid-fade.
 */
import { resolve } from 'node:path';
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { type ConsoleInput } from '../../../engine/core/arbiter/arbiter.js';
import { type ControlEvent } from '../../../engine/core/control.js';
import { buildShowPipeline } from '../../../engine/core/pipeline.js';
import { showFileSchema } from '../../../engine/core/show/schema.js';
import { loadFixtureLibrary } from '../../../engine/io/fixtures/loadFixtureLibrary.js';
import { runFrameLoop } from '../../../engine/io/frameClock/frameLoop.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function setup() {
  const show = showFileSchema.parse({
    version: 1,
    name: 'frame loop',
    fixtures: [{ id: 'p1', type: 'generic/dimmer', mode: '8-bit', universe: 1, address: 1 }],
    outputs: { universes: [{ id: 1, driver: { kind: 'null' } }] },
    departments: [{ id: 'LX', mode: 'manual', minGoIntervalMs: 0, cues: [
      { number: '1', levels: { p1: { intensity: 1 } } },
      { number: '2', fadeUpMs: 300, levels: { p1: { intensity: 0 } } },
    ] }],
  });
  const library = await loadFixtureLibrary(resolve('fixtures'));
  const profiles = new Map(show.fixtures.map((f) => [f.id, library.profile(f.type, f.mode)]));
  const console$ = new Subject<ConsoleInput>();
  const controls$ = new Subject<ControlEvent>();
  const pipeline = buildShowPipeline(show, profiles, { console$, controls$ });
  const writes: { t: number; ch1: number }[] = [];
  const loop = runFrameLoop(pipeline, { write: (_id, v) => writes.push({ t: performance.now(), ch1: v[0]! }) }, { guardMs: 100 });
  const go = (): void => console$.next({ command: { type: 'go', dept: 'LX' }, user: 'test' });
  return { pipeline, loop, writes, go, controls$, dispose: () => { loop.stop(); pipeline.dispose(); } };
}

describe('frame loop', () => {
  it('rests when nothing moves: no tick, only the slow guard', async () => {
    const { loop, dispose } = await setup();
    try {
      await sleep(50);
      expect(loop.ticking).toBe(false);
      const before = loop.frames;
      await sleep(500);
      expect(loop.frames - before).toBeLessThanOrEqual(6); // the 100 ms guard; ticking would be ~22
    } finally {
      dispose();
    }
  });

  it('a GO at rest is written in the same turn; a fade ticks at the frame rate and stops when done', async () => {
    const { loop, writes, go, dispose } = await setup();
    try {
      await sleep(50);
      writes.length = 0;
      go(); // cue 1: a snap to full
      await Promise.resolve(); // one microtask turn, no timer
      expect(writes.map((w) => w.ch1)).toEqual([255]);
      go(); // cue 2: 300 ms fade out
      await Promise.resolve();
      expect(loop.ticking).toBe(true);
      await sleep(450);
      expect(loop.ticking).toBe(false);
      const fade = writes.slice(1);
      expect(fade[fade.length - 1]!.ch1).toBe(0);
      expect(fade.length).toBeGreaterThan(8); // ~13 frames at 44 Hz
    } finally {
      dispose();
    }
  });

  it('a safety command at rest is written at once (grand master)', async () => {
    const { writes, go, controls$, dispose } = await setup();
    try {
      go();
      await sleep(20);
      writes.length = 0;
      controls$.next({ command: { type: 'grandMaster', level: 0.5 }, origin: 'osc', from: '127.0.0.1:9000' });
      await Promise.resolve();
      expect(writes.map((w) => w.ch1)).toEqual([128]);
    } finally {
      dispose();
    }
  });
});
