import { describe, expect, it } from 'vitest';
import { audioBlocks } from '../../../engine/core/audio/analyze.js';
import { FeatureFramer } from '../../../engine/core/audio/extractFeatures.js';
import { resolveListeningSettings } from '../../../engine/core/audio/listen.js';
import { analyzeGrid } from '../../../engine/core/audio/offlineGrid.js';
import type { FeatureFrame } from '../../../engine/core/audio/types.js';
import { alignmentFromEvents } from '../../../engine/core/model/evaluate.js';
import { analyzeSongGrids, sameMusic, type SongTake } from '../../../engine/core/rehearsal/songGrids.js';
import { fMeasure } from '../../../bench/lib/beatEval.js';
import { melodyTake } from '../audio/signals.js';

const SR = 22050;
const LISTEN = resolveListeningSettings({ tracker: 'learned' });

function take(name: string, m: { samples: Float32Array }): SongTake {
  const framer = new FeatureFramer(resolveListeningSettings({ tracker: 'dsp' }));
  const frames: FeatureFrame[] = [];
  audioBlocks(m.samples, SR, 2048).subscribe((b) => frames.push(...framer.push(b)));
  const { times, vectors } = alignmentFromEvents(frames.map((v) => ({ kind: 'frame' as const, v })));
  return { name, samples: m.samples, sampleRate: SR, times, vectors };
}

const bpmOf = (beats: readonly (readonly [number, number])[]): number => (60 * (beats.length - 1)) / (beats.at(-1)![0] - beats[0]![0]);

describe('one song’s rehearsal grids, analysed together', () => {
  it('a take decoded alone at half the tempo joins the level its song’s other takes agree on (a slower take counts on its own level)', () => {
    const soft = melodyTake(110, 40, 0.1);
    const plain = melodyTake(110, 40);
    const slower = melodyTake(80, 40);
    // Alone, the soft take's off-beat notes are not beats.
    expect(bpmOf(analyzeGrid(soft.samples, SR, LISTEN).beats)).toBeLessThan(60);
    const grids = analyzeSongGrids([take('soft', soft), take('plain', plain), take('slower', slower)], LISTEN);
    expect(bpmOf(grids[0]!.grid.beats)).toBeGreaterThan(100);
    expect(fMeasure(soft.beats, grids[0]!.grid.beats.map((b) => b[0])).f).toBeGreaterThan(0.9);
    expect(grids[0]!.note).toMatch(/^soft: decoded alone at 5\d\.\d BPM.*\(plain, slower\).*decoded again at that level \(1\d\d\.\d BPM\), under which the takes together are likelier$/);
    // The others keep what they had alone: the 80 BPM take is the same level, played slower.
    expect(grids[1]!.note).toBeUndefined();
    expect(grids[2]!.note).toBeUndefined();
    expect(grids[1]!.grid).toEqual(analyzeGrid(plain.samples, SR, LISTEN));
    expect(grids[2]!.grid).toEqual(analyzeGrid(slower.samples, SR, LISTEN));
  });

  it('a stored (corrected) grid is kept, and its level is the one its song\'s fresh takes are decoded at', () => {
    const soft = melodyTake(110, 40, 0.1);
    const plain = melodyTake(110, 40);
    const storedGrid = analyzeGrid(plain.samples, SR, LISTEN);
    const grids = analyzeSongGrids([take('soft', soft), { ...take('plain', plain), grid: storedGrid }], LISTEN);
    expect(grids[1]!.grid).toBe(storedGrid);
    expect(grids[1]!.note).toBeUndefined();
    expect(bpmOf(grids[0]!.grid.beats)).toBeGreaterThan(100);
    expect(grids[0]!.note).toMatch(/^soft: decoded alone at 5\d\.\d BPM, a level its song's stored grid \(plain\) does not share; decoded again at that level \(1\d\d\.\d BPM\)$/);
  });

  it('a silent or empty take gets an empty grid and leaves the others alone', () => {
    const plain = melodyTake(110, 40);
    const silent = { samples: new Float32Array(20 * SR) };
    const empty = { samples: new Float32Array(0) };
    const grids = analyzeSongGrids([take('silent', silent), take('plain', plain), take('empty', empty)], LISTEN);
    expect(grids.map((g) => g.note)).toEqual([undefined, undefined, undefined]);
    expect(grids[0]!.grid.beats.length).toBe(0);
    expect(grids[2]!.grid.beats.length).toBe(0);
    expect(grids[1]!.grid).toEqual(analyzeGrid(plain.samples, SR, LISTEN));
  });

  it('takes of another song keep their own tempo', () => {
    const plain = take('plain', melodyTake(110, 40));
    const other = melodyTake(60, 40, 0.3, true);
    const otherTake = take('other', other);
    expect(sameMusic(plain, otherTake)).toBe(false);
    expect(sameMusic(plain, take('again', melodyTake(106, 40)))).toBe(true);
    const grids = analyzeSongGrids([plain, otherTake], LISTEN);
    expect(grids.map((g) => g.note)).toEqual([undefined, undefined]);
    expect(grids[1]!.grid).toEqual(analyzeGrid(other.samples, SR, LISTEN));
  });
});
