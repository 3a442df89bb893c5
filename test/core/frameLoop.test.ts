/**
 * The pipeline's frame loop resting between changes (live): off its grid while nothing moves, a frame
 * at the very moment a GO or a safety command lands, the grid again while a fade runs. On a virtual
 * clock, so every time is exact; and on the wall clock, for the same-turn wake-up and for the order
 * live: the journal, then the wire, then everyone else.
 */
import { resolve } from 'node:path';
import { Subject, VirtualAction, VirtualTimeScheduler } from 'rxjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleInput } from '../../engine/core/arbiter/arbiter.js';
import { type ControlEvent } from '../../engine/core/control.js';
import { type FixtureProfile } from '../../engine/core/fixtures/profile.js';
import { buildShowPipeline, REST_GUARD_MS } from '../../engine/core/pipeline.js';
import { SHOW_VERSION, showFileSchema, type ShowFile } from '../../engine/core/show/schema.js';
import { loadFixtureLibrary } from '../../engine/io/fixtures/loadFixtureLibrary.js';

let show: ShowFile;
let profiles: Map<string, FixtureProfile>;

beforeAll(async () => {
  show = showFileSchema.parse({
    version: SHOW_VERSION,
    name: 'frame loop',
    fixtures: [{ id: 'p1', type: 'generic/dimmer', mode: '8-bit', universe: 1, address: 1 }],
    outputs: { universes: [{ id: 1, driver: { kind: 'null' } }] },
    departments: [{ id: 'LX', mode: 'manual', minGoIntervalMs: 0, cues: [
      { number: '1', levels: { p1: { intensity: 1 } } },
      { number: '2', fadeUpMs: 300, levels: { p1: { intensity: 0 } } },
    ] }],
  });
  const library = await loadFixtureLibrary(resolve('fixtures'));
  profiles = new Map(show.fixtures.map((f) => [f.id, library.profile(f.type, f.mode)]));
});

function setup(scheduler?: VirtualTimeScheduler) {
  const console$ = new Subject<ConsoleInput>();
  const controls$ = new Subject<ControlEvent>();
  const pipeline = buildShowPipeline(show, profiles, { console$, controls$ }, scheduler);
  const frames: { t: number; changed: number[]; ch1: number }[] = [];
  const urgent: number[] = [];
  const loop = pipeline.runFrames(
    (t, changed, isUrgent) => {
      frames.push({ t, changed: [...changed], ch1: pipeline.outputs.get(1)![0]! });
      if (isUrgent) urgent.push(t);
    },
    { restWhenIdle: true },
  );
  const go = (): void => console$.next({ command: { type: 'go', dept: 'LX' }, user: 'test' });
  return { pipeline, frames, urgent, go, controls$, dispose: () => (loop.unsubscribe(), pipeline.dispose()) };
}

describe('frame loop at rest', () => {
  it('ticks only on the guard while nothing moves, runs a frame the instant a GO lands, ticks through a fade, then rests', () => {
    const scheduler = new VirtualTimeScheduler(VirtualAction, 3000);
    const { frames, urgent, go, dispose } = setup(scheduler);
    scheduler.schedule(go, 1000); // cue 1: snap to full
    scheduler.schedule(go, 1500); // cue 2: 300 ms fade out
    scheduler.flush();
    dispose();
    // Only the frames that answer a GO are urgent (the frame clock sends them off its grid); the fade's and the guard's are not.
    expect(urgent).toEqual([1000, 1500]);
    const before = frames.filter((f) => f.t < 1000);
    expect(before.length).toBeLessThanOrEqual(Math.ceil(1000 / REST_GUARD_MS) + 1); // not 44 a second
    const atGo = frames.find((f) => f.t >= 1000)!;
    expect(atGo).toEqual({ t: 1000, changed: [1], ch1: 255 });
    const fade = frames.filter((f) => f.t >= 1500 && f.t <= 1830);
    expect(fade[0]).toMatchObject({ t: 1500 });
    const gaps = fade.slice(1).map((f, i) => f.t - fade[i]!.t);
    for (const g of gaps) expect(g).toBeCloseTo(1000 / 44, 6); // the grid, from the GO
    expect(fade.some((f) => f.ch1 > 0 && f.ch1 < 255)).toBe(true);
    const after = frames.filter((f) => f.t > 1900);
    expect(after.every((f) => f.ch1 === 0 && f.changed.length === 0)).toBe(true);
    expect(after.length).toBeLessThanOrEqual(Math.ceil(1100 / REST_GUARD_MS) + 1);
  });

  it('runs a frame the instant a safety command lands (grand master)', () => {
    const scheduler = new VirtualTimeScheduler(VirtualAction, 1500);
    const { frames, go, controls$, dispose } = setup(scheduler);
    scheduler.schedule(go, 100);
    scheduler.schedule(() => controls$.next({ command: { type: 'grandMaster', level: 0.5 }, origin: 'osc', from: '127.0.0.1:9000' }), 1000);
    scheduler.flush();
    dispose();
    expect(frames.find((f) => f.t >= 1000)).toEqual({ t: 1000, changed: [1], ch1: 128 });
  });

  it('on the wall clock, a GO at rest reaches the sink in the same turn of the event loop', async () => {
    const { frames, go, dispose } = setup();
    try {
      await new Promise((r) => setTimeout(r, 50));
      const t0 = performance.now();
      const n = frames.length;
      go();
      await new Promise((r) => setImmediate(r)); // microtasks have run; no timer has
      // The GO's frame, and at most one more for work announced after it in the same turn (nothing changed).
      const after = frames.slice(n);
      expect(after[0]).toMatchObject({ changed: [1], ch1: 255 });
      expect(after.slice(1)).toEqual(after.slice(1).map((f) => ({ ...f, changed: [], ch1: 255 })));
      expect(after.length).toBeLessThanOrEqual(2);
      expect(performance.now() - t0).toBeLessThan(20);
    } finally {
      dispose();
    }
  });

  it('on the wall clock, a GO reaches the sink right after the journal records it, before consoles and logs hear of it', async () => {
    const { pipeline, frames, go, dispose } = setup();
    try {
      await new Promise((r) => setTimeout(r, 50));
      const order: string[] = [];
      const n = frames.length;
      const seenSink = (): string => (frames.length > n ? `sink ${frames[n]!.ch1}` : 'no sink yet');
      // The journal is a recorder; the console model listens to state$; the run log to decisions$.
      const stopRecording = pipeline.playback.record((e) => { if (e.kind === 'fire') order.push(`journal (${seenSink()})`); });
      const state = pipeline.playback.state$.subscribe(() => order.push(`state (${seenSink()})`));
      const decisions = pipeline.decisions$.subscribe(() => order.push(`decision (${seenSink()})`));
      order.length = 0; // state$ replays the current state on subscribe
      go();
      // Synchronously, inside the GO: no microtask has run yet.
      expect(order).toEqual(['journal (no sink yet)', 'state (sink 255)', 'decision (sink 255)']);
      expect(frames.slice(n).map((f) => f.ch1)).toEqual([255]);
      stopRecording();
      state.unsubscribe();
      decisions.unsubscribe();
    } finally {
      dispose();
    }
  });

  it('on the wall clock, a decision that moves several departments sends one frame at once and the rest in the same turn', async () => {
    const twoDepts = showFileSchema.parse({
      ...show,
      fixtures: [...show.fixtures, { id: 'p2', type: 'generic/dimmer', mode: '8-bit', universe: 1, address: 2 }],
      departments: [
        { id: 'LX', mode: 'manual', minGoIntervalMs: 0, cues: [{ number: '1', levels: { p1: { intensity: 1 } } }] },
        { id: 'FX', mode: 'manual', minGoIntervalMs: 0, cues: [{ number: '1', levels: { p2: { intensity: 1 } } }] },
      ],
    });
    const console$ = new Subject<ConsoleInput>();
    const pipeline = buildShowPipeline(twoDepts, new Map([...profiles.values()].slice(0, 1).flatMap((p) => [['p1', p], ['p2', p]] as const)), { console$ });
    const frames: number[] = [];
    const loop = pipeline.runFrames((t, _, urgent) => { if (urgent) frames.push(t); }, { restWhenIdle: true });
    try {
      console$.next({ command: { type: 'goto', dept: 'LX', cue: '1' }, user: 'test' });
      console$.next({ command: { type: 'goto', dept: 'FX', cue: '1' }, user: 'test' });
      await new Promise((r) => setTimeout(r, 50));
      frames.length = 0;
      // PANIC: every department's event in one turn.
      console$.next({ command: { type: 'panic' }, user: 'test' });
      expect(pipeline.safety.current.panic).toBe(true);
      expect(frames.length).toBe(1); // the first change goes at once (not one frame per department)
      await new Promise((r) => setImmediate(r));
      expect(frames.length).toBe(2); // the rest together in the wake-up
    } finally {
      loop.unsubscribe();
      pipeline.dispose();
    }
  });
});
