import { describe, expect, it } from 'vitest';
import { FAR_FIRE_S, falseFireKinds, matchCues, poolTakes, scoreCues, scoreReport, unmatchedFires } from '../../../engine/core/model/metrics.js';

describe('cue scoring', () => {
  it('matches each fire to at most one expected cue within the window, closest first', () => {
    const fired = [{ t: 1.05, dept: 'LX', cue: '1' }, { t: 1.08, dept: 'LX', cue: '1' }];
    const expected = [{ t: 1.0, dept: 'LX', cue: '1' }];
    expect(matchCues(fired, expected, 0.1)).toHaveLength(1);
    expect(matchCues(fired, expected, 0.1)[0]!.errorS).toBeCloseTo(0.05);
  });

  it('lists the false fires as scoreCues counts them, each with its distance to the nearest cue of its department, and sorts them into early, late and far', () => {
    const expected = [
      { t: 10, dept: 'LX', cue: '1' },
      { t: 20, dept: 'LX', cue: '2' },
      { t: 10, dept: 'CAM', cue: '1' },
    ];
    const fired = [
      { t: 10.03, dept: 'LX', cue: '1' }, // right
      { t: 10.06, dept: 'LX', cue: '1' }, // the same cue again, 60 ms after: its cue is taken
      { t: 19.7, dept: 'LX', cue: '2' }, // 300 ms early
      { t: 35, dept: 'LX', cue: '3' }, // a cue in the wrong place
      { t: 10.5, dept: 'CAM', cue: '1' }, // 500 ms late; an LX cue at 10 s does not count for CAM
      { t: 5, dept: 'VID', cue: '1' }, // a department with no cues at all
    ];
    const u = unmatchedFires(fired, expected);
    expect(u.map((x) => [x.fire.dept, x.fire.t, x.fromNearestS === undefined ? undefined : +x.fromNearestS.toFixed(3)])).toEqual([
      ['VID', 5, undefined],
      ['LX', 10.06, 0.06],
      ['CAM', 10.5, 0.5],
      ['LX', 19.7, -0.3],
      ['LX', 35, 15],
    ]);
    const m = scoreCues(fired, expected, 3600);
    expect(u).toHaveLength(m.fired - Math.round(m.recall * m.expected));
    expect(falseFireKinds(fired, expected, 1800)).toEqual({ early: 2, late: 4, far: 4 });
    expect(falseFireKinds([{ t: 10 + FAR_FIRE_S + 0.01, dept: 'LX', cue: '1' }], expected, 3600)).toEqual({ early: 0, late: 0, far: 1 });
    expect(falseFireKinds(fired, expected, 0)).toEqual({ early: 0, late: 0, far: 0 });
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
