import { describe, expect, it } from 'vitest';
import { analyzeRecording, type AnalysisResult } from '../../../engine/core/audio/analyze.js';
import { decodeWav, encodeWav } from '../../../engine/core/audio/wav.js';
import type { Beat } from '../../../engine/core/audio/types.js';
import { ShowFileError } from '../../../engine/core/errors.js';
import { beatTimes, clicks } from './signals.js';

/** Every number of every beat is finite, times increase, positions fit the bar. */
function sane(r: AnalysisResult): void {
  let last = -Infinity;
  for (const b of r.beats) {
    for (const k of ['t', 'bpm', 'confidence', 'nextBeatT', 'decidedT', 'beatInBar', 'beatsPerBar', 'barIndex', 'index'] as const) expect(Number.isFinite(b[k]), `${k} of beat ${b.index}`).toBe(true);
    expect(b.t).toBeGreaterThan(last);
    expect(b.beatInBar).toBeLessThan(b.beatsPerBar);
    last = b.t;
  }
  expect(Number.isFinite(r.tempoBpm)).toBe(true);
  for (const t of r.tempo) expect(Number.isFinite(t.bpm) && Number.isFinite(t.confidence)).toBe(true);
}

const learned = { tracker: 'learned' } as const;
const beatsOf = (r: AnalysisResult): number[] => r.beats.map((b: Beat) => b.t);

describe('the learned tracker on bad input', () => {
  const SR = 22050;
  const truth = beatTimes(120, 0.5, 10);
  const music = clicks(truth, 10, SR);

  it('silence: a clear result — no beats, no NaN', async () => {
    const r = await analyzeRecording(new Float32Array(SR * 8), SR, learned);
    expect(r.beats).toEqual([]);
    sane(r);
  });

  it('clipping, a DC offset and non-finite samples: finite beats, never NaN', async () => {
    for (const x of [music.map((v) => Math.max(-1, Math.min(1, v * 8))), music.map((v) => 0.6 + 0.3 * v), music.map((v, i) => (i % 1000 === 0 ? Number.NaN : i % 777 === 0 ? Number.NEGATIVE_INFINITY : v))]) {
      const r = await analyzeRecording(x, SR, learned);
      expect(r.beats.length).toBeGreaterThan(0);
      sane(r);
    }
  });

  it('any channel count and sample format decodes to the same beats', async () => {
    const reference = beatsOf(await analyzeRecording(music, SR, learned));
    for (const [channels, format] of [
      [1, 's16le'],
      [6, 's24le'],
      [2, 'f32le'],
    ] as const) {
      const wav = decodeWav(encodeWav(Array.from({ length: channels }, () => music), SR, format), `${channels}ch-${format}.wav`);
      expect(wav.channels).toBe(channels);
      const beats = beatsOf(await analyzeRecording(wav.samples, wav.sampleRate, learned));
      expect(beats.length).toBe(reference.length);
      beats.forEach((t, i) => expect(Math.abs(t - reference[i]!)).toBeLessThan(0.021));
    }
    // 8-bit unsigned: coarse, but still beats, all finite.
    const u8 = new Uint8Array(44 + music.length);
    u8.set(encodeWav([music], SR, 's16le').subarray(0, 44));
    const v = new DataView(u8.buffer);
    v.setUint32(4, 36 + music.length, true);
    v.setUint16(32, 1, true);
    v.setUint16(34, 8, true);
    v.setUint32(28, SR, true);
    v.setUint32(40, music.length, true);
    music.forEach((s, i) => (u8[44 + i] = Math.max(0, Math.min(255, Math.round(128 + 127 * s)))));
    const r8 = await analyzeRecording(decodeWav(u8, 'u8.wav').samples, SR, learned);
    expect(r8.beats.length).toBeGreaterThan(0);
    sane(r8);
  });

  it('odd sample rates (8 kHz to 192 kHz) are resampled: beats in the same places', async () => {
    const reference = beatsOf(await analyzeRecording(music, SR, learned));
    for (const rate of [8000, 11025, 96000, 192000]) {
      const r = await analyzeRecording(clicks(truth, 10, rate), rate, learned);
      sane(r);
      expect(r.beats.length).toBeGreaterThan(reference.length * 0.7);
    }
  });

  it('a file cut short is a clear error naming the file', () => {
    const bytes = encodeWav([music], SR, 's16le');
    const cut = bytes.subarray(0, bytes.length - 1001);
    expect(() => decodeWav(cut, 'cut.wav')).toThrow(ShowFileError);
    expect(() => decodeWav(cut, 'cut.wav')).toThrow(/cut\.wav.*truncated/);
  });
});
