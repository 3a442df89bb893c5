import { describe, expect, it } from 'vitest';
import type { FeatureFrame } from '../../../engine/core/audio/types.js';
import { ALIGN_DIMS, ALIGN_FRAMES, AlignerTape, AlignmentFeatures, DEFAULT_ALIGN_LATENCY_S, OnlineAligner, TapedAligner, type AlignerOptions } from '../../../engine/core/model/alignment.js';
import { checkAlignment, onlineAlignment, rehearsalVectors } from '../../../engine/core/model/evaluate.js';
import { scoreCues, type TimedCue } from '../../../engine/core/model/metrics.js';
import type { RehearsalSummary } from '../../../engine/core/model/types.js';
import { seededRandom } from '../../../engine/core/model/dataset.js';
import { noteVectors } from './notes.js';

const HOP = (ALIGN_FRAMES * 256) / 22050;
const T0 = 0.035;

/**
 * A rehearsal of five 12 s sections (A B C D E), each a different run of "notes" (random unit
 * vectors held for 6 hops), and cues at every section start and every 3 s inside.
 */
function rehearsal(): { ref: Float32Array; times: Float32Array; cues: TimedCue[]; sectionHops: number } {
  const sectionHops = Math.round(12 / HOP);
  const n = 5 * sectionHops;
  const ref = noteVectors(n, 7);
  const times = Float32Array.from({ length: n }, (_, i) => T0 + i * HOP);
  const cues: TimedCue[] = [];
  for (let s = 0; s < 5; s++) {
    for (let k = 0; k < 4; k++) cues.push({ t: T0 + (s * sectionHops + k * Math.round(3 / HOP)) * HOP, dept: k === 0 ? 'LX' : 'CAM', cue: `${s}.${k}` });
  }
  return { ref, times, cues, sectionHops };
}

/**
 * A live performance of `sections` (indices into the rehearsal's sections) at `speed(liveSeconds)`
 * times the rehearsal's tempo, with a little noise; returns its vectors and the true live time of
 * every rehearsal cue it plays (a repeated section's cues twice, a skipped one's never).
 */
function perform(r: ReturnType<typeof rehearsal>, sections: readonly number[], speed: (t: number) => number): { times: Float32Array; vectors: Float32Array; expected: TimedCue[] } {
  const rand = seededRandom(11);
  const vecs: number[] = [];
  const times: number[] = [];
  const expected: TimedCue[] = [];
  let t = T0;
  for (const s of sections) {
    const start = s * r.sectionHops;
    const end = start + r.sectionHops;
    let pos = start;
    const inSection = r.cues.filter((c) => c.t >= r.times[start]! - 1e-6 && c.t < T0 + end * HOP - 1e-6);
    let next = 0;
    while (pos < end) {
      const i = Math.min(r.times.length - 1, Math.round(pos));
      for (let k = 0; k < ALIGN_DIMS; k++) vecs.push(r.ref[i * ALIGN_DIMS + k]! + (rand() - 0.5) * 0.1);
      times.push(t);
      const step = speed(t);
      // The cue falls between this hop and the next where the position crosses it.
      while (next < inSection.length && (inSection[next]!.t - T0) / HOP < pos + step) {
        const c = inSection[next++]!;
        expected.push({ ...c, t: t + (((c.t - T0) / HOP - pos) / step) * HOP });
      }
      pos += step;
      t += HOP;
    }
  }
  return { times: Float32Array.from(times), vectors: Float32Array.from(vecs), expected };
}

function follow(r: ReturnType<typeof rehearsal>, live: { times: Float32Array; vectors: Float32Array }, options = {}): TimedCue[] {
  const aligner = new OnlineAligner(r.ref, r.times, r.cues, options);
  const fired: TimedCue[] = [];
  for (let j = 0; j < live.times.length; j++) {
    const out = aligner.push(live.vectors.subarray(j * ALIGN_DIMS, (j + 1) * ALIGN_DIMS), live.times[j]!);
    // Causal: nothing fires before the vector that decided it has been heard.
    for (const c of out) expect(c.t).toBeGreaterThanOrEqual(live.times[j]! + DEFAULT_ALIGN_LATENCY_S - 1e-9);
    fired.push(...out);
  }
  return fired;
}

describe('online alignment (the score-following baseline)', () => {
  it('carries every cue across a 7% faster then 5% slower performance within 100 ms, most within 50', () => {
    const r = rehearsal();
    const live = perform(r, [0, 1, 2, 3, 4], (t) => (t < 30 ? 1.07 : 0.95));
    const fired = follow(r, live);
    const m = scoreCues(fired, live.expected, 60);
    expect(m.f1).toBe(1);
    expect(m.f1At50).toBeGreaterThanOrEqual(0.9);
    expect(m.medianAbsErrorMs).toBeLessThan(30);
    expect(m.cueIdAccuracy).toBe(1);
  });

  it('follows without jumps too (plain online DTW) on a tempo change', () => {
    const r = rehearsal();
    const live = perform(r, [0, 1, 2, 3, 4], (t) => (t < 25 ? 0.94 : 1.05));
    const m = scoreCues(follow(r, live, { jumpCost: Number.POSITIVE_INFINITY }), live.expected, 60);
    expect(m.f1).toBe(1);
  });

  it('after a repeated section and a skipped one, does not derail: the later sections fire on time', () => {
    const r = rehearsal();
    // A B B C E: B played twice, D skipped.
    const live = perform(r, [0, 1, 1, 2, 4], () => 1.03);
    const fired = follow(r, live);
    const repeatStart = live.times[2 * r.sectionHops]!;
    const laterFrom = live.times[Math.round(3 * r.sectionHops / 1.03)]!;
    const later = (cs: readonly TimedCue[]): TimedCue[] => cs.filter((c) => c.t >= laterFrom - 0.5);
    // Sections C and E (after the repeat and across the skip) are followed exactly.
    const m = scoreCues(later(fired), later(live.expected), 30);
    expect(m.f1).toBe(1);
    // D's cues never fire (its section was skipped), but for its start cue, which falls on the
    // boundary before the skip can have been heard.
    expect(fired.filter((c) => c.cue.startsWith('3.') && c.cue !== '3.0')).toHaveLength(0);
    // Overall: the repeat costs at most its first cues (found a few hops late).
    const all = scoreCues(fired, live.expected, 60);
    expect(all.recall).toBeGreaterThan(0.85);
    expect(all.precision).toBeGreaterThan(0.85);
    // The second B is followed once the follower has jumped back: its last cues fire on time.
    const secondB = live.expected.filter((c) => c.t > repeatStart + 4);
    expect(secondB.length).toBeGreaterThan(0);
    expect(scoreCues(fired.filter((c) => c.t > repeatStart + 4 && c.t < repeatStart + 12), secondB.filter((c) => c.t < repeatStart + 12), 10).recall).toBe(1);
  });

  it('without jumps (plain online DTW) a repeated section costs cues but the follower does not derail', () => {
    const r = rehearsal();
    const live = perform(r, [0, 1, 1, 2, 3, 4], () => 1);
    const fired = follow(r, live, { jumpCost: Number.POSITIVE_INFINITY });
    const after = live.times[3 * r.sectionHops]! + 2;
    const later = (cs: readonly TimedCue[]): TimedCue[] => cs.filter((c) => c.t > after);
    expect(scoreCues(later(fired), later(live.expected), 36).f1).toBe(1);
    expect(scoreCues(fired, live.expected, 72).f1).toBeLessThan(1);
  });

  it('times cues from a line through the recent path, not its wavering end: fewer late or early cues on held notes', () => {
    // One minute of notes held 6 hops (≈ 0.28 s) or 24 hops (≈ 1.1 s), played steadily 10% slower or
    // faster; a cue every ~2 s, some inside a note. Within a held note every rehearsal cell sounds
    // the same, so the path's end wanders over it; the fitted line does not.
    for (const [hold, speed] of [[6, 0.9], [6, 1.1], [24, 0.9], [24, 1.1]] as const) {
      const n = Math.round(60 / HOP);
      const ref = noteVectors(n, 3, hold);
      const times = Float32Array.from({ length: n }, (_, i) => i * HOP);
      const cues: TimedCue[] = Array.from({ length: 27 }, (_, k) => ({ t: (k + 1) * 2 + 0.13 * ((k + 1) % 3), dept: 'LX', cue: String(k + 1) }));
      const expected = cues.map((c) => ({ ...c, t: c.t / speed })).filter((c) => c.t < 59);
      const score = (anchorStepS: number): ReturnType<typeof scoreCues> => {
        const rand = seededRandom(5);
        const aligner = new OnlineAligner(ref, times, cues, { anchorStepS });
        const fired: TimedCue[] = [];
        const v = new Float32Array(ALIGN_DIMS);
        for (let j = 0; j * HOP * speed < 59; j++) {
          const i = Math.min(n - 1, Math.round(j * speed));
          for (let k = 0; k < ALIGN_DIMS; k++) v[k] = ref[i * ALIGN_DIMS + k]! + (rand() - 0.5) * 0.3;
          fired.push(...aligner.push(v, j * HOP));
        }
        return scoreCues(fired, expected, 60);
      };
      const end = score(0);
      const line = score(0.25);
      expect(line.f1, `hold ${hold}, speed ${speed}`).toBeGreaterThanOrEqual(end.f1);
      expect(line.p90AbsErrorMs, `hold ${hold}, speed ${speed}`).toBeLessThan(end.p90AbsErrorMs);
    }
  });

  it('keeps its position and fires nothing on silence-like input it cannot place', () => {
    const r = rehearsal();
    const aligner = new OnlineAligner(r.ref, r.times, r.cues.filter((c) => c.t > 1));
    const fired: TimedCue[] = [];
    for (let j = 0; j < 20; j++) fired.push(...aligner.push(new Float32Array(ALIGN_DIMS), T0 + j * HOP));
    expect(aligner.refTime).toBeLessThan(1);
    expect(fired).toHaveLength(0);
    expect(Number.isFinite(aligner.score)).toBe(true);
  });
});

describe('a follower tape (the same take followed again reads the alignment back)', () => {
  const options: AlignerOptions = { holdCost: 0.05 };
  type Reading = [number, number, number, number];
  /** What the follower reads after each hop, through `a`. */
  function readings(a: { push(v: Float32Array, t: number): unknown; refTime: number; match: number; tempoRatio: number; cueRefTime: number }, live: { times: Float32Array; vectors: Float32Array }): Reading[] {
    const out: Reading[] = [];
    for (let j = 0; j < live.times.length; j++) {
      a.push(live.vectors.subarray(j * ALIGN_DIMS, (j + 1) * ALIGN_DIMS), live.times[j]!);
      out.push([a.refTime, a.match, a.tempoRatio, a.cueRefTime]);
    }
    return out;
  }

  it('reads back exactly what aligning computes, and follows a changed take from where it changes', () => {
    const r = rehearsal();
    const live = perform(r, [0, 1, 1, 2, 4], () => 1.03);
    const fresh = readings(new OnlineAligner(r.ref, r.times, [], options), live);
    // Without a tape (the live engine) it aligns every hop itself and keeps nothing.
    expect(readings(new TapedAligner(r.ref, r.times, options), live)).toEqual(fresh);
    const tape = new AlignerTape();
    expect(readings(new TapedAligner(r.ref, r.times, options, { tape, stretch: 0 }), live)).toEqual(fresh);
    // The second pass reads every hop back: the same readings.
    expect(readings(new TapedAligner(r.ref, r.times, options, { tape, stretch: 0 }), live)).toEqual(fresh);
    // Another take that equals this one up to a point: after it, the aligner catches up and aligns the new hops.
    const other = perform(r, [0, 1, 2, 3, 4], () => 1.03);
    const changed = { times: other.times, vectors: Float32Array.from(other.vectors) };
    const expected = readings(new OnlineAligner(r.ref, r.times, [], options), changed);
    const fromTape = readings(new TapedAligner(r.ref, r.times, options, { tape, stretch: 0 }), changed);
    expect(fromTape).toEqual(expected);
    // And the tape now holds the new course.
    expect(readings(new TapedAligner(r.ref, r.times, options, { tape, stretch: 0 }), changed)).toEqual(expected);
    // A second stretch (the follower started over) is its own.
    expect(readings(new TapedAligner(r.ref, r.times, options, { tape, stretch: 1 }), live)).toEqual(fresh);
  });

  it('refuses a tape recorded through another reference or with other options', () => {
    const r = rehearsal();
    const tape = new AlignerTape();
    new TapedAligner(r.ref, r.times, options, { tape, stretch: 0 });
    expect(() => new TapedAligner(r.ref.slice(), r.times, options, { tape, stretch: 0 })).toThrow(/another reference/);
    expect(() => new TapedAligner(r.ref, r.times, { holdCost: 0.05 }, { tape, stretch: 0 })).toThrow(/other aligner options/);
  });
});

describe('alignment features', () => {
  const frame = (t: number, chroma: number[], flux = 1): FeatureFrame => ({
    t,
    rms: 0.1,
    levelDb: -20,
    loudness: 1,
    spectralCentroidHz: 1000,
    spectralFlatness: 0.1,
    spectralRolloffHz: 4000,
    zcr: 0.05,
    flux,
    fluxLow: flux / 2,
    chroma: Float32Array.from(chroma),
    mfcc: new Float32Array(13),
  });

  it('makes one vector per ALIGN_FRAMES frames: unit-length chroma, non-negative chroma increase, flux against its peak', () => {
    const af = new AlignmentFeatures();
    const out: { t: number; v: Float32Array }[] = [];
    for (let i = 0; i < 4 * ALIGN_FRAMES; i++) {
      const c = Array.from({ length: 12 }, (_, k) => (k === (i < 8 ? 0 : 7) ? 1 : 0.05));
      const v = af.push(frame(i * 0.01, c, i < 8 ? 2 : 1));
      if (v !== undefined) out.push(v);
    }
    expect(out).toHaveLength(4);
    expect(out[0]!.t).toBeCloseTo((ALIGN_FRAMES - 1) * 0.01);
    for (const { v } of out) {
      expect(v).toHaveLength(ALIGN_DIMS);
      expect(Math.hypot(...v.subarray(0, 12))).toBeCloseTo(1, 5);
      for (let k = 12; k < 24; k++) expect(v[k]).toBeGreaterThanOrEqual(0);
      expect(v[24]).toBeGreaterThan(0);
      expect(v[24]).toBeLessThanOrEqual(0.5 + 1e-6);
    }
    // The chord change (C to G) shows as an increase in G only.
    expect(out[2]!.v[12 + 7]).toBeGreaterThan(0.3);
    expect(out[2]!.v[12]).toBe(0);
    // Flux halves against its remembered peak.
    expect(out[3]!.v[24]).toBeCloseTo(0.25, 2);
  });

  it('ignores the level of the chroma up to its log compression (a quieter take still matches)', () => {
    const a = new AlignmentFeatures();
    const b = new AlignmentFeatures();
    let va: Float32Array | undefined;
    let vb: Float32Array | undefined;
    const c = [1, 0, 0, 0, 0.8, 0, 0, 0.6, 0, 0, 0, 0];
    for (let i = 0; i < ALIGN_FRAMES; i++) {
      va = a.push(frame(i * 0.01, c))?.v ?? va;
      vb = b.push(frame(i * 0.01, c.map((x) => x * 0.5)))?.v ?? vb;
    }
    let d = 0;
    for (let k = 0; k < 12; k++) d += (va![k]! - vb![k]!) ** 2;
    expect(Math.sqrt(d)).toBeLessThan(0.05);
  });
});

describe('a break in the music', () => {
  const frameAt = (t: number, levelDb: number): FeatureFrame => ({
    t, rms: 0.1, levelDb, loudness: 1, spectralCentroidHz: 1000, spectralFlatness: 0.1, spectralRolloffHz: 4000, zcr: 0.05,
    flux: 1, fluxLow: 0.5, chroma: Float32Array.from({ length: 12 }, (_, k) => (k === 0 ? 1 : 0.1)), mfcc: new Float32Array(13),
  });

  it('counts as quiet only after two hops in a row far below the loudest so far, never before any music', () => {
    const af = new AlignmentFeatures();
    const quiet: boolean[] = [];
    const levels = [-90, -90, -20, -20, -70, -20, -70, -70, -70, -20];
    levels.forEach((db, h) => {
      for (let i = 0; i < ALIGN_FRAMES; i++) {
        const r = af.push(frameAt((h * ALIGN_FRAMES + i) * 0.01, db));
        if (r !== undefined) quiet.push(r.quiet);
      }
    });
    expect(quiet).toEqual([false, false, false, false, false, false, false, true, true, false]);
  });
});

describe('stored alignment features', () => {
  const summary = (name: string, offset: number, frames: number): RehearsalSummary => ({ name, durationS: frames * HOP, cues: [], alignment: { offset, frames, hopS: HOP, firstT: T0 }, openingLevelDb: -90 });

  it('refuses an alignment.bin written with another vector size, with a clear message', () => {
    const rehearsals = [summary('r1', 0, 10), summary('r2', 10, 5)];
    expect(() => checkAlignment(rehearsals, new Float32Array(15 * 24))).toThrow(/alignment\.bin.*retrain/);
    expect(() => checkAlignment(rehearsals, new Float32Array(15 * ALIGN_DIMS))).not.toThrow();
    expect(() => rehearsalVectors(summary('r3', 10, 10), new Float32Array(15 * ALIGN_DIMS))).toThrow(/r3/);
  });

  it('runs the baseline from a stored rehearsal summary', () => {
    const r = rehearsal();
    const live = perform(r, [0, 1, 2, 3, 4], () => 1.02);
    const ref: RehearsalSummary = { ...summary('r', 0, r.times.length), cues: r.cues };
    const fired = onlineAlignment(ref, r.ref, r.times, live);
    expect(scoreCues(fired, live.expected, 60).f1).toBe(1);
  });
});
