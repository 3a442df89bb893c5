import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BEAT_FPS, BEAT_HOP, BEAT_SAMPLE_RATE, beatBandCount, beatFramesOf, BeatFramer } from '../../../engine/core/audio/beatFrames.js';
import { BeatNet, beatNetParameterCount, buildBeatNetwork, decodeBeatNet, packBeatNet } from '../../../engine/core/audio/beatNet.js';
import { SHIPPED_BEAT_NET } from '../../../engine/core/audio/beatNetWeights.js';
import { SignalConditioner } from '../../../engine/core/audio/condition.js';
import { seededRandom } from '../../../engine/core/model/dataset.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('beat network', () => {
  it('steps frame by frame to exactly what the tfjs model computes over the whole sequence', () => {
    const shape = { bands: beatBandCount(), denseUnits: 6, gruUnits: [5, 4], seed: 7 };
    const model = buildBeatNetwork(tf, shape);
    const I = 2 * shape.bands;
    const random = seededRandom(3);
    const mean = Float32Array.from({ length: I }, () => random());
    const std = Float32Array.from({ length: I }, () => 0.5 + random());
    const packed = packBeatNet({ ...shape, version: 'test', recipe: 'none' }, mean, std, model.getWeights().map((w) => w.dataSync() as Float32Array));
    const net = new BeatNet(decodeBeatNet(packed));
    const T = 8;
    const bands = Float32Array.from({ length: T * shape.bands }, () => random() * 4);
    // The tfjs model sees the normalised bands and positive differences.
    const x = new Float32Array(T * I);
    for (let n = 0; n < T; n++) {
      for (let b = 0; b < shape.bands; b++) {
        const v = bands[n * shape.bands + b]!;
        const d = n > 0 ? Math.max(0, v - bands[(n - 1) * shape.bands + b]!) : 0;
        x[n * I + b] = (v - mean[b]!) / std[b]!;
        x[n * I + shape.bands + b] = (d - mean[shape.bands + b]!) / std[shape.bands + b]!;
      }
    }
    const logits = tf.softmax<tf.Tensor>(model.predict(tf.tensor3d(x, [1, T, I])) as tf.Tensor).dataSync();
    for (let n = 0; n < T; n++) {
      const p = net.step(bands.subarray(n * shape.bands, (n + 1) * shape.bands));
      for (let k = 0; k < 3; k++) expect(p[k]).toBeCloseTo(logits[n * 3 + k]!, 5);
    }
  });

  it('refuses weights made for another frontend or shape, naming the command that retrains', () => {
    expect(() => decodeBeatNet({ ...SHIPPED_BEAT_NET, frontend: 'other' })).toThrow(/bench\/listener\/train\.ts/);
    expect(() => decodeBeatNet({ ...SHIPPED_BEAT_NET, denseUnits: SHIPPED_BEAT_NET.denseUnits + 1 })).toThrow(/weights stored/);
  });

  it('ships weights of tens of kB with their version, seed and recipe', () => {
    const n = beatNetParameterCount(SHIPPED_BEAT_NET.bands, SHIPPED_BEAT_NET.denseUnits, SHIPPED_BEAT_NET.gruUnits);
    expect(n * 4).toBeLessThan(100_000);
    expect(SHIPPED_BEAT_NET.version).toMatch(/^listener-/);
    expect(Number.isInteger(SHIPPED_BEAT_NET.seed)).toBe(true);
    expect(SHIPPED_BEAT_NET.recipe).toMatch(/POP909/);
    const w = decodeBeatNet(SHIPPED_BEAT_NET);
    expect([...w.inputStd].every((v) => v > 0)).toBe(true);
  });
});

describe('beat frames', () => {
  it('frames at 50 per second whatever the block size, the same offline and streamed', () => {
    const sr = 44100;
    const random = seededRandom(5);
    const x = Float32Array.from({ length: sr * 3 }, () => random() - 0.5);
    const whole = beatFramesOf(x, sr, 1 << 20);
    const small = beatFramesOf(x, sr, 333);
    expect(whole.count).toBeGreaterThan(3 * BEAT_FPS - 3);
    expect(small.count).toBe(whole.count);
    for (let i = 0; i < whole.bands.length; i++) expect(small.bands[i]).toBeCloseTo(whole.bands[i]!, 4);
    // Frame k is centred on sample k·hop of the analysis rate: times follow the hop exactly.
    const framer = new BeatFramer();
    framer.reset(1.5);
    const frames = framer.push(new SignalConditioner(sr, BEAT_SAMPLE_RATE).push(x));
    expect(frames[0]!.reset).toBe(true);
    expect(frames[10]!.t).toBeCloseTo(1.5 + (10 * BEAT_HOP) / BEAT_SAMPLE_RATE, 9);
  });

  it('stays finite on silence, DC, full-scale clipping and non-finite samples', () => {
    const sr = 22050;
    const n = sr * 2;
    for (const x of [new Float32Array(n), new Float32Array(n).fill(0.7), Float32Array.from({ length: n }, (_, i) => (i % 50 < 25 ? 1.5 : -1.5)), Float32Array.from({ length: n }, (_, i) => (i % 100 === 0 ? Number.NaN : i % 77 === 0 ? Number.POSITIVE_INFINITY : 0.1))]) {
      const { bands } = beatFramesOf(x, sr);
      expect(bands.length).toBeGreaterThan(0);
      expect(bands.every(Number.isFinite)).toBe(true);
    }
  });
});
