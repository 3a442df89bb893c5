import { describe, expect, it } from 'vitest';
import { certaintyBin, confidenceTable, countReliability, emptyCounts, judgeFires } from '../../../engine/core/model/reliability.js';
import { CERTAINTY_EDGES, calibrateFollower } from '../../../engine/core/policy/numbers.js';

describe('reliability of the follower\'s fires', () => {
  // The follower's certainty over a take: sure at first, unsure from 10 s.
  const certainties = [
    { t: 0, certainty: 0.9 },
    { t: 5, certainty: 0.75 },
    { t: 10, certainty: 0.35 },
  ];
  const expected = [
    { t: 2, dept: 'LX', cue: '2' },
    { t: 6, dept: 'LX', cue: '3' },
    { t: 12, dept: 'CAM', cue: '2' },
  ];

  it('takes the certainty in force at each fire and calls a fire right only near a cue of its own department', () => {
    const fired = [
      { t: 12.05, dept: 'LX', cue: '4' }, // near a CAM cue only: wrong
      { t: 2.08, dept: 'LX', cue: '2' }, // 80 ms late: right
      { t: 6.2, dept: 'LX', cue: '3' }, // 200 ms late: wrong
      { t: 12, dept: 'CAM', cue: '2' },
    ];
    expect(judgeFires(fired, expected, certainties).map((j) => [j.fire.t, j.certainty, j.hit])).toEqual([
      [2.08, 0.9, true],
      [6.2, 0.75, false],
      [12, 0.35, true],
      [12.05, 0.35, false],
    ]);
  });

  it('counts fires and hits per certainty bin, and stores the confidence each bin carries', () => {
    const counts = emptyCounts();
    countReliability(counts, [{ t: 2, dept: 'LX', cue: '2' }, { t: 6.5, dept: 'LX', cue: '3' }, { t: 12, dept: 'CAM', cue: '2' }], expected, certainties);
    const at = (c: number): number => certaintyBin(c);
    expect(counts.fires[at(0.9)]).toBe(1);
    expect(counts.hits[at(0.9)]).toBe(1);
    expect(counts.fires[at(0.75)]).toBe(1);
    expect(counts.hits[at(0.75)]).toBe(0);
    expect(counts.fires[at(0.35)]).toBe(1);
    expect(counts.fires.reduce((a, b) => a + b, 0)).toBe(3);
    const table = confidenceTable(counts, 'held-out rehearsal r2');
    expect(table.edges).toEqual([...CERTAINTY_EDGES]);
    expect(table.confidence).toEqual(calibrateFollower(counts.fires, counts.hits));
  });

  it('bins a certainty of exactly 1 in the top bin, 0 in the bottom one', () => {
    expect(certaintyBin(1)).toBe(CERTAINTY_EDGES.length - 1);
    expect(certaintyBin(0)).toBe(0);
  });
});
