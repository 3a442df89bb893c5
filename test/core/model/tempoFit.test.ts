import { describe, expect, it } from 'vitest';
import type { Beat } from '../../../engine/core/audio/types.js';
import { candidateRange, chooseTempo, cueBeatFit, medianBpm, showTempoRange, TEMPO_CANDIDATES_BPM, type TempoTrial } from '../../../engine/core/model/tempoFit.js';
import { modelListening } from '../../../engine/core/model/types.js';

/** Beats every `period` seconds from `t0`, each predicting the next one exactly. */
function grid(t0: number, period: number, n: number): Beat[] {
  return Array.from({ length: n }, (_, i) => {
    const t = t0 + i * period;
    return { t, index: i, bpm: 60 / period, confidence: 1, beatInBar: i % 4, beatsPerBar: 4, isDownbeat: i % 4 === 0, barIndex: Math.floor(i / 4), nextBeatT: t + period, decidedT: t };
  });
}

const cue = (t: number): { t: number; dept: string; cue: string } => ({ t, dept: 'CAM', cue: '1' });

describe('cueBeatFit', () => {
  it('counts the cues that have a predicted beat within the window, each time once', () => {
    const beats = grid(0, 0.5, 40); // predicted beats at 0.5, 1.0, …
    expect(cueBeatFit(beats, [cue(2), cue(2), { t: 2, dept: 'LX', cue: '1' }, cue(4.05)])).toBe(1);
    expect(cueBeatFit(beats, [cue(2), cue(3.25)])).toBe(0.5);
    expect(cueBeatFit(beats, [cue(3.25)], 0.3)).toBe(1);
  });

  it('is 0 with no cues or no beats', () => {
    expect(cueBeatFit(grid(0, 0.5, 10), [])).toBe(0);
    expect(cueBeatFit([], [cue(1)])).toBe(0);
  });

  it('scores a three-against-two tracking of a bar grid low and the right level high', () => {
    // A 132 BPM song with a cue every 2 bars (8 beats).
    const period = 60 / 132;
    const cues = Array.from({ length: 12 }, (_, k) => cue(1 + k * 8 * period));
    expect(cueBeatFit(grid(1 - period, period, 100), cues)).toBe(1);
    expect(cueBeatFit(grid(1 - period * 1.5, period * 1.5, 70), cues)).toBeLessThan(0.5);
    // Half tempo still carries every cue (8 beats = 4 half-tempo beats).
    expect(cueBeatFit(grid(1 - 2 * period, 2 * period, 50), cues)).toBe(1);
  });
});

describe('chooseTempo', () => {
  const trial = (centre: number, fits: number[], bpms: number[]): TempoTrial => ({ range: candidateRange(centre), fits, bpms });

  it('picks the range whose beats carry the most cues and centres the show range on the tracked tempo', () => {
    const choice = chooseTempo([trial(84.9, [0.1, 0.12], [88, 87]), trial(128.7, [0.9, 0.94], [131, 134]), trial(147.8, [0.6, 0.62], [140, 139])], [0.1, 0.15]);
    expect(choice.range).toBeDefined();
    expect(choice.bpm).toBe(134);
    expect(choice.range!.minBpm).toBeLessThan(134 * 0.93);
    expect(choice.range!.maxBpm).toBeGreaterThan(134 * 1.07);
    expect(choice.fit).toBeCloseTo(0.92);
    expect(choice.defaultFit).toBeCloseTo(0.125);
  });

  it('prefers the level nearer 100 BPM when double or half tempo carries the cues as well', () => {
    const choice = chooseTempo([trial(64.3, [0.96, 0.96], [66, 67]), trial(128.7, [0.95, 0.96], [132, 133])], [0.2]);
    expect(choice.bpm).toBe(133);
  });

  it('learns nothing when no candidate beats the defaults', () => {
    expect(chooseTempo([trial(97.5, [0.8], [100])], [0.81]).range).toBeUndefined();
  });

  it('learns nothing when the rehearsals disagree on the tempo (takes of different songs)', () => {
    expect(chooseTempo([trial(97.5, [0.9, 0.9], [90, 120])], [0.2, 0.2]).range).toBeUndefined();
  });
});

describe('tempo settings', () => {
  it('spans the usual show tempi with overlapping candidate ranges', () => {
    expect(TEMPO_CANDIDATES_BPM[0]).toBeLessThanOrEqual(60);
    expect(TEMPO_CANDIDATES_BPM.at(-1)).toBeGreaterThanOrEqual(160);
    for (let i = 1; i < TEMPO_CANDIDATES_BPM.length; i++) expect(candidateRange(TEMPO_CANDIDATES_BPM[i]!).minBpm).toBeLessThan(candidateRange(TEMPO_CANDIDATES_BPM[i - 1]!).maxBpm);
  });

  it('gives the model its learned tempo range in the listening settings', () => {
    const features = { sampleRate: 22050, bufferSize: 1024, hopSize: 256 };
    expect(modelListening({ features: { ...features, layout: [], mean: [], std: [] } })).toEqual(features);
    const tempo = showTempoRange(120);
    expect(modelListening({ features: { ...features, layout: [], mean: [], std: [], tempo } })).toEqual({ ...features, ...tempo });
    expect(tempo.minBpm).toBeCloseTo(120 / 1.13);
  });

  it('medianBpm ignores beats without a tempo', () => {
    expect(medianBpm([...grid(0, 0.5, 3), { ...grid(0, 0.5, 1)[0]!, bpm: 0 }])).toBe(120);
    expect(medianBpm([])).toBe(0);
  });
});
