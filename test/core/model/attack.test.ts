import { describe, expect, it } from 'vitest';
import type { FeatureFrame } from '../../../engine/core/audio/types.js';
import { AttackDetector } from '../../../engine/core/model/attack.js';
import { DEFAULT_POLICY_NUMBERS } from '../../../engine/core/policy/numbers.js';

const HOP = 256 / 22050;
const frame = (i: number, flux: number, levelDb: number): FeatureFrame => ({
  t: i * HOP, rms: 0.1, levelDb, loudness: 1, spectralCentroidHz: 1000, spectralFlatness: 0.1, spectralRolloffHz: 4000, zcr: 0.05,
  flux, fluxLow: 0, chroma: new Float32Array(12), mfcc: new Float32Array(13),
});

/** The frames (by index) an attack detector reports. */
function attacksOf(frames: readonly FeatureFrame[]): number[] {
  const d = new AttackDetector(DEFAULT_POLICY_NUMBERS.attackPeakFraction);
  return frames.filter((f) => d.push(f)).map((f) => Math.round(f.t / HOP));
}

describe('AttackDetector', () => {
  it('reports the first frame of each rise above the onset threshold, once per rise, and never NaN-driven', () => {
    const frames = Array.from({ length: 200 }, (_, i) => frame(i, i % 40 === 20 || i % 40 === 21 ? 1 : 0.1, -20));
    // The first sound is an attack too (no past to measure it against).
    expect(attacksOf(frames)).toEqual([0, 20, 60, 100, 140, 180]);
    expect(attacksOf(frames.map((f, i) => (i === 60 ? { ...f, flux: Number.NaN } : f)))).toEqual([0, 20, 61, 100, 140, 180]);
  });

  it("does not take a rise in a break (more than 30 dB under the band) for the band's attack, and hears the band when it comes back", () => {
    const frames = Array.from({ length: 300 }, (_, i) => {
      if (i < 100) return frame(i, i % 40 === 20 ? 1 : 0.1, -20); // the band
      if (i < 260) return frame(i, i % 40 === 20 ? 0.5 : 0.01, -65); // a break: reverb tail and room noise
      return frame(i, 1, -20); // the band again
    });
    expect(attacksOf(frames)).toEqual([0, 20, 60, 260]);
  });

  it("does not take a noisy room's flux in a break (the band 20 dB down, not quiet) for an attack", () => {
    // The band: a note every 40 frames at -25 dB; the break: noise at -44 dB whose flux jumps about.
    const noise = [0.02, 0.09, 0.03, 0.05, 0.08, 0.02, 0.06, 0.04];
    const frames = Array.from({ length: 300 }, (_, i) => {
      if (i < 100) return frame(i, i % 40 === 20 ? 1 : 0.05, -25);
      if (i < 260) return frame(i, noise[i % noise.length]!, -44);
      return frame(i, i === 260 ? 1 : 0.05, -25);
    });
    expect(attacksOf(frames)).toEqual([0, 20, 60, 260]);
    const plain = new AttackDetector(0);
    expect(frames.filter((f) => plain.push(f)).length).toBeGreaterThan(10);
  });

  it('keeps the level the policy judges a held chord by: now, the loudest lately, and the loudest since a moment', () => {
    const d = new AttackDetector(DEFAULT_POLICY_NUMBERS.attackPeakFraction);
    expect(d.levelDb).toBe(-120);
    for (let i = 0; i < 100; i++) d.push(frame(i, 0.05, i < 50 ? -10 : -30));
    expect(d.levelDb).toBe(-30);
    expect(d.levelPeakDb).toBeGreaterThan(-11);
    expect(d.loudestSince(49 * HOP)).toBe(-10);
    expect(d.loudestSince(50 * HOP)).toBe(-30);
  });

  it('starts over on a reset frame', () => {
    const d = new AttackDetector(DEFAULT_POLICY_NUMBERS.attackPeakFraction);
    for (let i = 0; i < 50; i++) d.push(frame(i, 5, -10));
    // After a reset, a quieter band's attack counts: the loud past (35 dB up) is forgotten.
    expect(d.push({ ...frame(50, 0.01, -45), reset: true })).toBe(false);
    expect(d.push(frame(51, 1, -45))).toBe(true);
    const kept = new AttackDetector(DEFAULT_POLICY_NUMBERS.attackPeakFraction);
    for (let i = 0; i < 50; i++) kept.push(frame(i, 5, -10));
    kept.push(frame(50, 0.01, -45));
    expect(kept.push(frame(51, 1, -45))).toBe(false);
  });
});
