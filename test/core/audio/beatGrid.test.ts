import { describe, expect, it } from 'vitest';
import { barLengthAt, beatGridSchema, editGrid, gridMeter, gridPeriod, locateInGrid, makeGrid, type GridBeat } from '../../../engine/core/audio/beatGrid.js';

/** A 4/4 grid at `bpm` from `first`, `n` beats, the first beat a downbeat. */
function grid(bpm: number, first: number, n: number, meter = 4) {
  const beats: GridBeat[] = [];
  for (let i = 0; i < n; i++) beats.push([first + (i * 60) / bpm, i % meter]);
  return makeGrid('test', beats);
}

describe('beat grids', () => {
  it('knows its tempo and meter, and where a time falls', () => {
    const g = grid(120, 1, 33);
    expect(gridPeriod(g)).toBeCloseTo(0.5, 6);
    expect(gridMeter(g)).toBe(4);
    expect(gridMeter(grid(90, 0, 30, 3))).toBe(3);
    const at = locateInGrid(g, 2.6)!;
    expect(at.index).toBe(3);
    expect(at.phase).toBeCloseTo(0.2, 6);
    expect(locateInGrid(g, 0.5)).toBeUndefined();
    expect(barLengthAt(g, 5)).toBe(4);
  });

  it('shifts by half a beat, keeping the bar positions', () => {
    const g = editGrid(grid(120, 1, 9), { kind: 'shift-half' });
    expect(g.beats.map(([t]) => t)).toEqual([1.25, 1.75, 2.25, 2.75, 3.25, 3.75, 4.25, 4.75, 5.25]);
    expect(g.beats.map(([, b]) => b)).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0]);
    expect(g.edits).toEqual(['shift-half']);
  });

  it('doubles and halves the tempo, bars keeping their number of beats', () => {
    const half = grid(60, 1, 9);
    const d = editGrid(half, { kind: 'double' });
    expect(gridPeriod(d)).toBeCloseTo(0.5, 6);
    expect(d.beats).toHaveLength(17);
    expect(d.beats[0]).toEqual([1, 0]);
    expect(d.beats[4]).toEqual([3, 0]);
    const h = editGrid(d, { kind: 'halve' });
    expect(h.beats.map(([t]) => t)).toEqual(half.beats.map(([t]) => t));
    expect(h.edits).toEqual(['double', 'halve']);
  });

  it('moves the downbeat to the beat nearest a time, and changes the meter', () => {
    const g = editGrid(grid(120, 1, 12), { kind: 'downbeat', atS: 2.02 });
    expect(g.beats.filter(([, b]) => b === 0).map(([t]) => t)).toEqual([2, 4, 6]);
    expect(g.beats[0]![1]).toBe(2);
    const three = editGrid(g, { kind: 'meter', beatsPerBar: 3 });
    expect(gridMeter(three)).toBe(3);
    expect(() => editGrid(g, { kind: 'meter', beatsPerBar: 0 })).toThrow(RangeError);
  });

  it('nudges every beat, dropping beats pushed before the start', () => {
    const g = editGrid(grid(120, 0.01, 4), { kind: 'nudge', ms: -20 });
    expect(g.beats.map(([t]) => t)).toEqual([0.49, 0.99, 1.49]);
  });

  it('validates a grid file: version, increasing times, positions', () => {
    expect(beatGridSchema.safeParse(grid(120, 1, 4)).success).toBe(true);
    expect(beatGridSchema.safeParse({ ...grid(120, 1, 4), version: 2 }).success).toBe(false);
    const back = { ...grid(120, 1, 4), beats: [[1, 0], [0.5, 1]] };
    const r = beatGridSchema.safeParse(back);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toMatch(/not after/);
    expect(beatGridSchema.safeParse({ ...grid(120, 1, 4), beats: [[Number.NaN, 0]] }).success).toBe(false);
  });
});
