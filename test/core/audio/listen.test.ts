import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { analyzeRecording, audioBlocks } from '../../../engine/core/audio/analyze.js';
import { listen } from '../../../engine/core/audio/listen.js';
import { fMeasure } from '../../../bench/lib/beatEval.js';
import { beatTimes, clicks } from './signals.js';

const SR = 22050;

describe('listening pipeline on synthetic signals', () => {
  it('tracks clicks at 120 BPM: tempo, beats on the clicks, next-beat prediction, bars', async () => {
    const truth = beatTimes(120, 0.5, 20);
    const r = await analyzeRecording(clicks(truth, 20), SR);
    expect(r.tempoBpm).toBeGreaterThan(117);
    expect(r.tempoBpm).toBeLessThan(123);
    expect(fMeasure(truth, r.beats.map((b) => b.t), 0.07, 5).f).toBeGreaterThan(0.95);
    const late = r.beats.filter((b) => b.t > 8);
    for (const b of late.slice(0, -1)) expect(Math.abs(b.nextBeatT - (b.t + 0.5))).toBeLessThan(0.03);
    for (const b of late) {
      expect(b.decidedT).toBeGreaterThanOrEqual(b.t);
      expect(b.decidedT - b.t).toBeLessThan(0.1);
      expect(b.beatInBar).toBeLessThan(b.beatsPerBar);
      expect(b.isDownbeat).toBe(b.beatInBar === 0);
    }
    expect(Math.abs(r.tempo.at(-1)!.bpm - 120)).toBeLessThan(3);
    expect(r.tempo.at(-1)!.confidence).toBeGreaterThan(0.2);
    expect(r.onsets.length).toBeGreaterThan(truth.length * 0.9);
    expect(r.onsets.length).toBeLessThan(truth.length * 1.1);
  });

  it('follows a tempo change from 100 to 140 BPM within a few seconds', async () => {
    const a = beatTimes(100, 0.5, 15);
    const b = beatTimes(140, a.at(-1)! + 60 / 140, 32);
    const r = await analyzeRecording(clicks([...a, ...b], 32), SR);
    const end = r.beats.filter((x) => x.t > 24);
    expect(end.length).toBeGreaterThan(5);
    for (const x of end) expect(x.bpm).toBeGreaterThan(134);
    expect(fMeasure(b, r.beats.map((x) => x.t), 0.07, 22).f).toBeGreaterThan(0.9);
  });

  it('emits no onsets and no beats in silence, and features stay finite', async () => {
    const r = await analyzeRecording(new Float32Array(SR * 10), SR);
    expect(r.onsets).toEqual([]);
    expect(r.beats).toEqual([]);
    const feats = await lastValueFrom(listen(audioBlocks(new Float32Array(SR * 2), SR)).features$.pipe(toArray()));
    expect(feats.length).toBeGreaterThan(150);
    for (const f of feats) {
      expect(f.flux).toBe(0);
      expect(f.levelDb).toBeLessThanOrEqual(-100);
      expect([...f.mfcc, ...f.chroma, f.spectralFlatness, f.rms].every(Number.isFinite)).toBe(true);
    }
  });

  it('is not thrown by clipping or a DC offset: same tempo and beats', async () => {
    const truth = beatTimes(110, 0.5, 20);
    const clean = clicks(truth, 20);
    const clipped = clean.map((x) => Math.max(-0.3, Math.min(0.3, x * 4)));
    const offset = clean.map((x) => x * 0.5 + 0.4);
    for (const sig of [clipped, offset]) {
      const r = await analyzeRecording(sig, SR);
      expect(Math.abs(r.tempoBpm - 110)).toBeLessThan(3);
      expect(fMeasure(truth, r.beats.map((b) => b.t)).f).toBeGreaterThan(0.9);
    }
  });

  it('gives the same beats at 44.1 kHz as at 22.05 kHz (resampling keeps time)', async () => {
    const truth = beatTimes(120, 0.5, 15);
    const r = await analyzeRecording(clicks(truth, 15, 44100), 44100);
    expect(fMeasure(truth, r.beats.map((b) => b.t)).f).toBeGreaterThan(0.95);
  });

  it('resets between songs: a block with reset forgets the old tempo', async () => {
    const song1 = clicks(beatTimes(80, 0.5, 12), 12);
    const truth2 = beatTimes(130, 0.5, 12);
    const song2 = clicks(truth2, 12);
    const blocks = [
      ...(await lastValueFrom(audioBlocks(song1, SR).pipe(toArray()))),
      ...(await lastValueFrom(audioBlocks(song2, SR, 1024, 0).pipe(toArray()))).map((b, i) => (i === 0 ? { ...b, reset: true } : b)),
    ];
    const { from } = await import('rxjs');
    const beats = await lastValueFrom(listen(from(blocks)).beats$.pipe(toArray()));
    const resetAt = beats.findIndex((b, i) => i > 0 && b.index === 0);
    expect(resetAt).toBeGreaterThan(0);
    const second = beats.slice(resetAt);
    expect(second[0]!.barIndex).toBe(0);
    expect(Math.abs(second.at(-1)!.bpm - 130)).toBeLessThan(4);
    expect(fMeasure(truth2, second.map((b) => b.t)).f).toBeGreaterThan(0.9);
  });
});
