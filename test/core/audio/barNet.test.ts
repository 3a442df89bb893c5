import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BarFeatures, BarNet, barFeatureCount, barNetParameterCount, buildBarNetwork, decodeBarNet, packBarNet } from '../../../engine/core/audio/barNet.js';
import { SHIPPED_BAR_NET } from '../../../engine/core/audio/barNetWeights.js';
import { BarPhaseFilter, decodeBarPhase } from '../../../engine/core/audio/barPhase.js';
import { beatBandCount } from '../../../engine/core/audio/beatFrames.js';
import { SHIPPED_BEAT_NET } from '../../../engine/core/audio/beatNetWeights.js';
import { barModelFor } from '../../../engine/core/audio/learnedTracker.js';
import { seededRandom } from '../../../engine/core/model/dataset.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

const B = beatBandCount();
const F = barFeatureCount(B);

describe('bar features', () => {
  it('summarise the beat that just ended: its level, its change of shape, the evidence at the beat, the interval change', () => {
    const f = new BarFeatures(B);
    const low = Float32Array.from({ length: B }, (_, i) => (i < 20 ? 2 : 0.5));
    const high = Float32Array.from({ length: B }, (_, i) => (i < 20 ? 0.5 : 2));
    for (let n = 0; n < 25; n++) f.pushFrame(low, 0.01, 0.01);
    const first = Float32Array.from(f.beat(0, 1));
    expect(first.length).toBe(F);
    // The first beat has nothing to change from.
    const G = (F - 7) / 2;
    expect(first.slice(G, 2 * G).every((v) => v === 0)).toBe(true);
    expect(first[2 * G]).toBe(0);
    // The same spectrum again: no change of shape.
    for (let n = 0; n < 24; n++) f.pushFrame(low, 0.01, 0.01);
    f.pushFrame(low, 0.2, 0.7);
    const same = Float32Array.from(f.beat(25, 2));
    expect(same[2 * G]).toBeCloseTo(0, 6);
    expect(same[2 * G + 2]).toBeCloseTo(0.9, 6);
    expect(same[2 * G + 3]).toBeCloseTo(0.7, 6);
    expect(same[2 * G + 4]).toBeCloseTo(0.7 / 0.9, 5);
    expect(same[2 * G + 5]).toBe(0);
    expect(same[2 * G + 6]).toBe(0);
    // Another chord (the shape moves up) over a longer beat, which the frame pointer put first.
    for (let n = 0; n < 30; n++) f.pushFrame(high, 0.01, 0.01);
    const changed = f.beat(30, 0);
    expect(changed[2 * G]).toBeGreaterThan(1);
    expect(changed[G]).toBeLessThan(0);
    expect(changed[2 * G - 1]).toBeGreaterThan(0);
    expect(changed[2 * G + 5]).toBeCloseTo(Math.log(30 / 25), 6);
    expect(changed[2 * G + 6]).toBe(1);
  });

  it('stay finite on non-finite bands and activations and on a beat with no frames', () => {
    const f = new BarFeatures(B);
    const bad = Float32Array.from({ length: B }, (_, i) => (i % 3 === 0 ? Number.NaN : i % 3 === 1 ? Number.POSITIVE_INFINITY : 1));
    for (let n = 0; n < 10; n++) f.pushFrame(bad, Number.NaN, Number.POSITIVE_INFINITY);
    expect([...f.beat(Number.NaN, 0)].every(Number.isFinite)).toBe(true);
    expect([...f.beat(0, 0)].every(Number.isFinite)).toBe(true);
  });
});

describe('bar network', () => {
  it('steps beat by beat to exactly what the tfjs model computes over the whole sequence', () => {
    const shape = { features: F, denseUnits: 5, gruUnits: 4, seed: 3 };
    const model = buildBarNetwork(tf, shape, 0.3);
    const random = seededRandom(9);
    const mean = Float32Array.from({ length: F }, () => random());
    const std = Float32Array.from({ length: F }, () => 0.5 + random());
    const packed = packBarNet({ ...shape, version: 'test', recipe: 'none', beatNet: 'none', downbeatRate: 0.25 }, mean, std, model.getWeights().map((w) => w.dataSync() as Float32Array));
    const net = new BarNet(decodeBarNet(packed));
    const T = 7;
    const xs = Float32Array.from({ length: T * F }, () => random() * 2);
    const normalised = xs.map((v, k) => (v - mean[k % F]!) / std[k % F]!);
    // Dropout is for training only: predict() does not drop.
    const logits = (model.predict(tf.tensor3d(normalised, [1, T, F])) as tf.Tensor).dataSync();
    const sig = (x: number): number => 1 / (1 + Math.exp(-x));
    for (let n = 0; n < T; n++) {
      const e = net.step(xs.subarray(n * F, (n + 1) * F));
      expect(e.down).toBeCloseTo(sig(logits[2 * n]!), 5);
      expect(e.previousDown).toBeCloseTo(sig(logits[2 * n + 1]!), 5);
    }
  });

  it('refuses weights made for another frontend or shape, naming the command that retrains', () => {
    expect(() => decodeBarNet({ ...SHIPPED_BAR_NET, frontend: 'other' })).toThrow(/bench\/listener\/trainBars\.ts/);
    expect(() => decodeBarNet({ ...SHIPPED_BAR_NET, features: F + 1 })).toThrow(/bench\/listener\/trainBars\.ts/);
    expect(() => decodeBarNet({ ...SHIPPED_BAR_NET, gruUnits: SHIPPED_BAR_NET.gruUnits + 1 })).toThrow(/weights stored/);
  });

  it('runs only behind the beat network it was trained behind', () => {
    expect(barModelFor(SHIPPED_BEAT_NET)).toBe(SHIPPED_BAR_NET);
    expect(barModelFor(SHIPPED_BEAT_NET, null)).toBeNull();
    // Another beat network: no bar network by default (the frame pointer places the beats), and a
    // bar network trained behind the shipped one is refused, naming the command that retrains it.
    const other = { ...SHIPPED_BEAT_NET, version: 'listener-other' };
    expect(barModelFor(other)).toBeNull();
    expect(() => barModelFor(other, SHIPPED_BAR_NET)).toThrow(/trained behind beat network .*trainBars\.ts/);
  });

  it('ships small weights with their version, seed, recipe and the beat network they were trained behind', () => {
    expect(barNetParameterCount(SHIPPED_BAR_NET.features, SHIPPED_BAR_NET.denseUnits, SHIPPED_BAR_NET.gruUnits) * 4).toBeLessThan(50_000);
    expect(SHIPPED_BAR_NET.version).toMatch(/^bars-/);
    expect(SHIPPED_BAR_NET.beatNet).toBe(SHIPPED_BEAT_NET.version);
    expect(SHIPPED_BAR_NET.recipe).toMatch(/POP909/);
    expect(SHIPPED_BAR_NET.downbeatRate).toBeGreaterThan(0.1);
    expect(SHIPPED_BAR_NET.downbeatRate).toBeLessThan(0.5);
    const net = new BarNet(decodeBarNet(SHIPPED_BAR_NET));
    const e = net.step(new Float32Array(F).fill(Number.NaN));
    for (const p of [e.down, e.previousDown]) {
      expect(p).toBeGreaterThan(0);
      expect(p).toBeLessThan(1);
    }
  });
});

describe('bar phase filter', () => {
  /** Feeds `n` beats whose bar starts where `isDown(i)`; returns the filter's places. */
  const feed = (f: BarPhaseFilter, n: number, isDown: (i: number) => boolean, strong = 0.6, weak = 0.15) =>
    Array.from({ length: n }, (_, i) => f.step(isDown(i) ? strong : weak));

  it('finds the meter and the bar from evidence that is only a little stronger on the first beat', () => {
    const four = feed(new BarPhaseFilter(0.25), 24, (i) => i % 4 === 2);
    expect(four.slice(8).every((p, k) => p.meter === 4 && (p.beatInBar === 0) === ((k + 8) % 4 === 2))).toBe(true);
    const three = feed(new BarPhaseFilter(0.25), 24, (i) => i % 3 === 1);
    expect(three.slice(9).every((p, k) => p.meter === 3 && (p.beatInBar === 0) === ((k + 9) % 3 === 1))).toBe(true);
  });

  it('holds the bar through beats with no evidence and follows a band that drops a beat within two bars', () => {
    const f = new BarPhaseFilter(0.25);
    feed(f, 16, (i) => i % 4 === 0);
    // Eight beats of nothing either way: the count goes on.
    const held = Array.from({ length: 8 }, () => f.step(0.25));
    expect(held.map((p) => p.beatInBar)).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
    // The band drops a beat: the bar now starts one beat earlier.
    const after = feed(f, 12, (i) => i % 4 === 3);
    expect(after.slice(8).every((p, k) => (p.beatInBar === 0) === ((k + 8) % 4 === 3))).toBe(true);
  });

  it('advances by the beats a gap spanned, and stays finite on non-finite evidence', () => {
    const f = new BarPhaseFilter(0.25);
    feed(f, 16, (i) => i % 4 === 0);
    expect(f.step(0.15, 2).beatInBar).toBe(1);
    expect(f.step(Number.NaN, Number.NaN).beatInBar).toBe(2);
    const p = f.step(Number.POSITIVE_INFINITY);
    expect(Number.isFinite(p.confidence)).toBe(true);
  });

  it('lets a prior from the rehearsals place the bar where the audio has no opinion', () => {
    const f = new BarPhaseFilter(0.25);
    // The rehearsals say beat i is beat (i − 1) mod 4 of a 4/4 bar; the audio says nothing (the base rate).
    const places = Array.from({ length: 12 }, (_, i) => f.step(0.25, 1, (meter, q) => (meter === 4 && q === (((i - 1) % 4) + 4) % 4 ? 3 : 1)));
    const downs = places.map((p, i) => (p.beatInBar === 0 ? i : -1)).filter((i) => i >= 4);
    expect(downs.every((i) => i % 4 === 1)).toBe(true);
    expect(downs.length).toBeGreaterThan(0);
  });

  it('places the bar from what a beat says of the beat before it (the chord change it heard)', () => {
    const f = new BarPhaseFilter(0.25);
    // This beat's own evidence says nothing; the evidence about the beat before marks every fourth.
    const places = Array.from({ length: 16 }, (_, i) => f.step(0.25, 1, undefined, i % 4 === 3 ? 0.6 : 0.15));
    expect(places.slice(8).every((p, k) => (p.beatInBar === 1) === ((k + 8) % 4 === 3))).toBe(true);
  });

  it('offline, places every beat of a take with hindsight: the bar found late is right from the first beat', () => {
    // Nothing is heard for the first eight beats; then every fourth beat from beat 2 on is marked.
    const n = 24;
    const down = Array.from({ length: n }, (_, i) => (i < 8 ? 0.25 : i % 4 === 2 ? 0.6 : 0.15));
    const places = decodeBarPhase(down, new Array<number>(n).fill(0.25), new Array<number>(n).fill(1), 0.25);
    expect(places.map((p) => p.beatInBar)).toEqual(Array.from({ length: n }, (_, i) => (i + 2) % 4));
    expect(places.every((p) => p.meter === 4)).toBe(true);
    // A gap of two beats keeps the count; a take in three is heard in three.
    const gap = decodeBarPhase([0.6, 0.15, 0.15, 0.6, 0.15, 0.15, 0.15, 0.6], new Array<number>(8).fill(0.25), [1, 1, 2, 1, 1, 1, 1, 1], 0.25, { meters: [4], meterPrior: [1] });
    expect(gap.map((p) => p.beatInBar)).toEqual([0, 1, 3, 0, 1, 2, 3, 0]);
    const three = decodeBarPhase(Array.from({ length: 18 }, (_, i) => (i % 3 === 0 ? 0.6 : 0.15)), new Array<number>(18).fill(0.25), new Array<number>(18).fill(1), 0.25);
    expect(three.every((p, i) => p.meter === 3 && p.beatInBar === i % 3)).toBe(true);
    expect(decodeBarPhase([], [], [], 0.25)).toEqual([]);
  });

  it('refuses a base rate outside (0, 1) and meters without priors', () => {
    expect(() => new BarPhaseFilter(0)).toThrow(/downbeat rate/);
    expect(() => new BarPhaseFilter(0.25, { meters: [3, 4], meterPrior: [1] })).toThrow(/prior/);
  });
});
