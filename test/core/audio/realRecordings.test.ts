import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fMeasure } from '../../../bench/lib/beatEval.js';
import { analyzeRecording } from '../../../engine/core/audio/analyze.js';
import { decodeWav } from '../../../engine/core/audio/wav.js';

const dir = join(process.cwd(), '..', 'shared', 'data', 'real-beats');
const have = existsSync(join(dir, 'hainsworth_001.wav'));

function load(name: string) {
  const wav = decodeWav(readFileSync(join(dir, `${name}.wav`)), name);
  const rows = readFileSync(join(dir, `${name}.beats`), 'utf8').trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number));
  return { wav, beats: rows.map((r) => r[0]!), downbeats: rows.filter((r) => r[1] === 1).map((r) => r[0]!) };
}

describe.skipIf(!have)('real recordings (../shared/data/real-beats; skipped when absent)', () => {
  it('tracks the beats of hainsworth_001 (4/4, 100 BPM) causally with F ≥ 0.9', async () => {
    const { wav, beats } = load('hainsworth_001');
    const r = await analyzeRecording(wav.samples, wav.sampleRate);
    expect(Math.abs(r.tempoBpm - 100)).toBeLessThan(3);
    expect(fMeasure(beats, r.beats.map((b) => b.t)).f).toBeGreaterThan(0.9);
  });

  it('hears the ballroom waltz in three, with its downbeats', async () => {
    const { wav, beats, downbeats } = load('ballroom_Media-105901');
    const r = await analyzeRecording(wav.samples, wav.sampleRate);
    expect(fMeasure(beats, r.beats.map((b) => b.t)).f).toBeGreaterThan(0.9);
    expect(r.beats.at(-1)!.beatsPerBar).toBe(3);
    expect(fMeasure(downbeats, r.beats.filter((b) => b.isDownbeat).map((b) => b.t)).f).toBeGreaterThan(0.8);
  });
});
