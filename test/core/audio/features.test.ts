import { describe, expect, it } from 'vitest';
import { FeatureExtractor } from '../../../engine/core/audio/features.js';
import { resolveListeningSettings } from '../../../engine/core/audio/listen.js';
import { Resampler } from '../../../engine/core/audio/resample.js';

const S = resolveListeningSettings();
const tone = (f: number, n = S.bufferSize, a = 0.5) => Float32Array.from({ length: n }, (_, i) => a * Math.sin((2 * Math.PI * f * i) / S.sampleRate));

describe('features', () => {
  it('reports the centroid of a pure tone in Hz, not FFT bins', () => {
    const fx = new FeatureExtractor(S);
    const f = fx.compute(tone(1000), 0, 1);
    expect(f.spectralCentroidHz).toBeGreaterThan(900);
    expect(f.spectralCentroidHz).toBeLessThan(1150);
  });

  it('puts an A (440 Hz) on chroma bin 9 and gives 13 finite MFCCs', () => {
    const fx = new FeatureExtractor(S);
    const f = fx.compute(tone(440), 0, 1);
    const arg = f.chroma.indexOf(Math.max(...f.chroma));
    expect(arg).toBe(9);
    expect(f.mfcc.length).toBe(13);
    expect([...f.mfcc].every(Number.isFinite)).toBe(true);
  });

  it('measures flux only where the spectrum grows: zero for a steady tone, positive at its onset', () => {
    const fx = new FeatureExtractor(S);
    expect(fx.compute(new Float32Array(S.bufferSize), 0, 1).flux).toBe(0);
    const onset = fx.compute(tone(440), 0.01, 1).flux;
    expect(onset).toBeGreaterThan(0.1);
    expect(fx.compute(tone(440), 0.02, 1).flux).toBeLessThan(onset / 100);
  });

  it('refuses a second Meyda configuration in the same process instead of returning NaN MFCCs', () => {
    expect(() => new FeatureExtractor({ ...S, bufferSize: 2048 })).toThrow(/already configured/);
  });

  it('resamples 44.1 kHz to 22.05 kHz keeping a 1 kHz tone at its level and phase', () => {
    const r = new Resampler(44100, 22050);
    const x = Float32Array.from({ length: 44100 }, (_, i) => Math.sin((2 * Math.PI * 1000 * i) / 44100));
    const parts = [r.push(x.subarray(0, 10000)), r.push(x.subarray(10000, 30001)), r.push(x.subarray(30001))];
    const y = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
    let at = 0;
    for (const p of parts) {
      y.set(p, at);
      at += p.length;
    }
    expect(y.length).toBeGreaterThan(21900);
    for (let k = 200; k < 21000; k += 1234) expect(y[k]).toBeCloseTo(Math.sin((2 * Math.PI * 1000 * k) / 22050), 2);
  });
});
