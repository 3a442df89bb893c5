/**
 * Playback merges and renders only the fixtures whose levels changed. These tests run random shows
 * and random operator commands through two playbacks on one clock — one as built, one told to redo
 * every fixture every frame (the plain, obviously right way) — and require identical slots and DMX
 * at every frame, plus a changed-universe list that names every universe whose bytes moved.
 */
import { describe, expect, it } from 'vitest';
import { VirtualTimeScheduler } from 'rxjs';
import { createPlayback, type Playback } from '../../../engine/core/playback/playback.js';
import { AudioFeed } from '../../../engine/core/playback/audioFeed.js';
import { seededRandom } from '../../../engine/core/model/dataset.js';
import { type Decision } from '../../../engine/core/arbiter/types.js';
import { cueId, deptId } from '../../../engine/core/ids.js';
import { SHOW_VERSION, showFileSchema, type ShowFile, type ShowFileInput } from '../../../engine/core/show/schema.js';
import { type Beat } from '../../../engine/core/audio/types.js';
import { makeShow, renderersFor } from './fixtures.js';

type CueInput = ShowFileInput['departments'][number]['cues'][number];

function randomShow(seed: number): ShowFile {
  const rand = seededRandom(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const n = 6 + Math.floor(rand() * 10);
  const fixtures = Array.from({ length: n }, (_, i) => ({ id: `p${i + 1}`, type: 'test/par', mode: '5ch', universe: 1 + (i % 3), address: 1 + Math.floor(i / 3) * 5 }));
  const ids = fixtures.map((f) => f.id);
  const groups = { odd: ids.filter((_, i) => i % 2 === 0), even: ids.filter((_, i) => i % 2 === 1), all: ids };
  const targets = [...ids, 'odd', 'even', 'all'];
  const look = (): NonNullable<CueInput['levels']>[string] => ({
    ...(rand() < 0.8 ? { intensity: pick([0, 0, 0.25, 0.3, 0.5, 1, rand()]) } : {}),
    ...(rand() < 0.4 ? { color: rand() < 0.5 ? { r: rand(), g: rand(), b: rand() } : pick(['#ff0000', '#00ff80', '#ffffff']) } : {}),
    ...(rand() < 0.3 ? { pan: Math.round(rand() * 540 - 270) } : {}),
    ...(rand() < 0.1 ? { gobo: pick(['dots', 'open', 2]) } : {}),
  });
  const dept = (id: string, withEffects: boolean): ShowFileInput['departments'][number] => ({
    id,
    mode: 'manual',
    minGoIntervalMs: 0,
    moveInBlack: rand() < 0.5,
    cues: Array.from({ length: 3 + Math.floor(rand() * 5) }, (_, c): CueInput => {
      const levels: NonNullable<CueInput['levels']> = {};
      for (let k = 0; k < 1 + Math.floor(rand() * 3); k++) levels[pick(targets)] = look();
      return {
        number: String(c + 1),
        delayMs: rand() < 0.3 ? Math.floor(rand() * 800) : 0,
        fadeUpMs: pick([0, 100, 500, 1500]),
        ...(rand() < 0.3 ? { fadeDownMs: pick([0, 300, 2000]) } : {}),
        ...(rand() < 0.2 ? { attributeTimes: { color: { fadeMs: 700 }, position: { delayMs: 200, fadeMs: 400 } } } : {}),
        curve: pick(['linear', 's-curve', 'exponential', 'logarithmic', 'snap'] as const),
        ...(rand() < 0.2 ? { cueOnly: true } : {}),
        ...(rand() < 0.15 ? { autoFollow: true } : {}),
        levels,
        ...(withEffects && rand() < 0.4
          ? { bindings: [{ source: pick(['beat', 'rms', 'beat-phase'] as const), target: pick(targets), attribute: pick(['intensity', 'pan', 'color-hue'] as const), mode: pick(['follow', 'pulse', 'chase'] as const), range: [0, 1] as [number, number] }] }
          : {}),
      };
    }),
  });
  const depts = [dept('LX', true)];
  if (rand() < 0.6) depts.push(dept('FX', rand() < 0.5));
  return showFileSchema.parse({
    version: SHOW_VERSION,
    name: `random ${seed}`,
    fixtures,
    groups,
    outputs: { universes: [1, 2, 3, 4].map((id) => ({ id, driver: { kind: 'null' } })) },
    departments: depts,
  });
}

function randomDecision(rand: () => number, show: ShowFile): Decision {
  const d = show.departments[Math.floor(rand() * show.departments.length)]!;
  const dept = deptId(d.id);
  const r = rand();
  const cue = cueId(d.cues[Math.floor(rand() * d.cues.length)]!.number);
  if (r < 0.45) return { t: 0, dept, action: 'go', source: 'operator' };
  if (r < 0.6) return { t: 0, dept, action: 'goto', source: 'operator', cue };
  if (r < 0.68) return { t: 0, dept, action: 'back', source: 'operator' };
  if (r < 0.74) return { t: 0, dept, action: 'stop', source: 'operator' };
  if (r < 0.8) return { t: 0, dept, action: 'hold', source: 'operator' };
  if (r < 0.88) return { t: 0, dept, action: 'resume', source: 'operator' };
  if (r < 0.93) return { t: 0, dept: null, action: 'panic', source: 'operator', fadeMs: Math.floor(rand() * 1000) };
  return { t: 0, dept, action: 'go', source: 'operator', fadeMs: Math.floor(rand() * 600) };
}

const beat = (tS: number, index: number): Beat => ({
  t: tS, index, bpm: 120, confidence: 1, beatInBar: index % 4, beatsPerBar: 4, isDownbeat: index % 4 === 0, barIndex: Math.floor(index / 4), nextBeatT: tS + 0.5, decidedT: tS,
});

function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

function run(seed: number): void {
  const show = randomShow(seed);
  const rand = seededRandom(seed * 7 + 1);
  const scheduler = new VirtualTimeScheduler();
  const feeds = [new AudioFeed(), new AudioFeed()];
  const [pb, full] = feeds.map((feed) => createPlayback(show, { renderers: renderersFor(show), feed }, scheduler)) as [Playback, Playback];
  const prev = new Map(show.outputs.universes.map((u) => [u.id, new Uint8Array(512)]));
  let beats = 0;
  for (let frame = 0; frame < 400; frame++) {
    const t = frame * 22.7 + (rand() < 0.1 ? rand() * 5 : 0);
    if (rand() < 0.06) {
      // Decisions land between frames, as they do live.
      const d = randomDecision(rand, show);
      scheduler.schedule(() => {
        pb.apply(d);
        full.apply(d);
      }, t - scheduler.now());
    }
    if (frame % 22 === 0) {
      beats++;
      const features = { t: t / 1000, rms: rand(), loudness: rand(), flux: rand(), spectralCentroidHz: 1000 };
      for (const f of feeds) {
        f.pushBeat(beat(t / 1000, beats));
        f.pushFeatures(features);
      }
    }
    scheduler.schedule(() => undefined, t - scheduler.now());
    scheduler.flush();
    full['dirty'].addAll();
    const a = pb.frame(t);
    const b = full.frame(t);
    const bad = firstDifference(a.slots, b.slots);
    if (bad >= 0) expect.fail(`seed ${seed} frame ${frame}: slot ${bad} is ${a.slots[bad]}, redoing everything gives ${b.slots[bad]}`);
    for (const [id, bytes] of b.universes) {
      const mine = a.universes.get(id)!;
      const at = firstDifference(mine, bytes);
      if (at >= 0) expect.fail(`seed ${seed} frame ${frame}: universe ${id} channel ${at + 1} is ${mine[at]}, redoing everything gives ${bytes[at]}`);
      const before = prev.get(id)!;
      if (firstDifference(before, bytes) >= 0 && !a.changed.includes(id)) expect.fail(`seed ${seed} frame ${frame}: universe ${id} changed but is not listed`);
      before.set(bytes);
    }
  }
  pb.dispose();
  full.dispose();
}

describe('playback redoes only what moved', () => {
  it('gives the same slots and DMX as redoing every fixture every frame (random shows and commands)', () => {
    for (let seed = 1; seed <= 40; seed++) run(seed);
  });

  it('does no work at rest: nothing is fading and no universe changes once every fade has ended', () => {
    const show = makeShow([{ id: 'LX', mode: 'manual', minGoIntervalMs: 0, cues: [{ number: '1', fadeUpMs: 100, levels: { all: { intensity: 1, pan: 90 } } }] }], 4);
    const scheduler = new VirtualTimeScheduler();
    const pb = createPlayback(show, { renderers: renderersFor(show) }, scheduler);
    expect(pb.frame(0).changed).toEqual([1]); // the first frame renders everything
    expect(pb.frame(10).changed).toEqual([]);
    pb.apply({ t: 0, dept: deptId('LX'), action: 'go', source: 'operator' });
    expect(pb.depts.get(deptId('LX'))!.fades!.activeCount).toBe(8); // intensity and pan of 4 fixtures
    expect(pb.frame(50).changed).toEqual([1]);
    expect(pb.frame(100).changed).toEqual([1]);
    expect(pb.depts.get(deptId('LX'))!.fades!.activeCount).toBe(0);
    expect(pb.frame(150).changed).toEqual([]);
    expect(pb.frame(150).universes.get(1)![0]).toBe(255);
    pb.dispose();
  });
});
