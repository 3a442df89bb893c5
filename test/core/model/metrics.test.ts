import { describe, expect, it } from 'vitest';
import { matchCues, poolTakes, scoreCues, scoreReport } from '../../../engine/core/model/metrics.js';

describe('cue scoring', () => {
  it('matches each fire to at most one expected cue within the window, closest first', () => {
    const fired = [{ t: 1.05, dept: 'LX', cue: '1' }, { t: 1.08, dept: 'LX', cue: '1' }];
    const expected = [{ t: 1.0, dept: 'LX', cue: '1' }];
    expect(matchCues(fired, expected, 0.1)).toHaveLength(1);
    expect(matchCues(fired, expected, 0.1)[0]!.errorS).toBeCloseTo(0.05);
  });

  it('reports precision, recall, F1 at three windows, timing error, early/late and cue identity', () => {
    const expected = [
      { t: 10, dept: 'LX', cue: '1' },
      { t: 20, dept: 'LX', cue: '2' },
      { t: 30, dept: 'LX', cue: '3' },
    ];
    const fired = [
      { t: 10.04, dept: 'LX', cue: '1' },
      { t: 19.8, dept: 'LX', cue: '2' },
      { t: 29.93, dept: 'LX', cue: '9' },
      { t: 50, dept: 'LX', cue: '4' },
    ];
    const m = scoreCues(fired, expected, 3600);
    expect(m.fired).toBe(4);
    expect(m.expected).toBe(3);
    expect(m.precision).toBeCloseTo(2 / 4);
    expect(m.recall).toBeCloseTo(2 / 3);
    expect(m.f1).toBeCloseTo((2 * 2) / 7);
    expect(m.f1At50).toBeCloseTo((2 * 1) / 7);
    expect(m.f1At250).toBeCloseTo((2 * 3) / 7);
    expect(m.early).toBe(1);
    expect(m.late).toBe(1);
    expect(m.cueIdAccuracy).toBeCloseTo(0.5);
    expect(m.medianAbsErrorMs).toBeCloseTo(55, 0);
    expect(m.falseFiresPerHour).toBeCloseTo(2);
  });

  it('never matches a fire of one department to a cue of another', () => {
    const r = scoreReport([{ t: 1, dept: 'CAM', cue: '1' }], [{ t: 1, dept: 'LX', cue: '1' }], ['LX', 'CAM'], 60);
    expect(r.overall.f1).toBe(0);
    expect(r.depts.LX!.recall).toBe(0);
  });

  it('pools takes without letting one take match another', () => {
    const a = { fired: [{ t: 5, dept: 'LX', cue: '1' }], expected: [{ t: 5, dept: 'LX', cue: '1' }], durationS: 10 };
    const b = { fired: [], expected: [{ t: 5, dept: 'LX', cue: '1' }], durationS: 10 };
    const r = poolTakes([a, b], ['LX']);
    expect(r.overall.precision).toBe(1);
    expect(r.overall.recall).toBe(0.5);
  });
});
