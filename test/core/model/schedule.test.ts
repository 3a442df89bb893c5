import { describe, expect, it } from 'vitest';
import { CueHistory } from '../../../engine/core/model/beatInput.js';
import { buildSequence, labelSteps, learnSchedule } from '../../../engine/core/model/dataset.js';
import { rowsFromEvents } from '../../../engine/core/model/evaluate.js';
import { syntheticTake } from './synthetic.js';

describe('the cue schedule learned from rehearsals', () => {
  it('is, per cue, the median number of beat steps to the department\'s next cue', () => {
    const take = syntheticTake();
    const rows = rowsFromEvents(take.events);
    const vocab = { LX: ['1', '2', '3'], CAM: ['1', '2'] };
    const labelled = labelSteps({ name: 's', durationS: take.durationS, rows, cues: take.cues }, ['LX', 'CAM'], vocab);
    const schedule = learnSchedule([{ steps: labelled.steps }], ['LX', 'CAM'], vocab);
    // Recompute by hand from the labelled steps.
    for (const [d, dept] of ['LX', 'CAM'].entries()) {
      const fires = labelled.steps.map((s, k) => ({ k, e: s.events[d]! })).filter((f) => f.e >= 0);
      const gaps = new Map<number, number[]>();
      for (let i = 1; i < fires.length; i++) gaps.set(fires[i - 1]!.e, [...(gaps.get(fires[i - 1]!.e) ?? []), fires[i]!.k - fires[i - 1]!.k]);
      const expected = vocab[dept as 'LX' | 'CAM'].map((_, idx) => {
        const g = (gaps.get(idx) ?? []).sort((a, b) => a - b);
        return g.length === 0 ? 0 : g[Math.floor((g.length - 1) / 2)]!;
      });
      expect(schedule[dept]).toEqual(expected);
    }
    expect(schedule.LX!.some((v) => v > 0)).toBe(true);
    // The start cue (before the first beat) counts too: the beats heard after it up to the first
    // labelled fire, plus one — the gap the live history sees.
    const withStart = learnSchedule([labelled], ['LX', 'CAM'], vocab);
    const start = labelled.preRoll.find((c) => c.dept === 'LX')!;
    const firstFire = labelled.steps.findIndex((st) => st.events[0]! >= 0);
    const heard = labelled.steps.slice(0, firstFire + 1).filter((st) => st.row.t > start.t + 0.5 * st.row.periodS).length;
    expect(schedule.LX![vocab.LX.indexOf(start.cue)]).toBe(0);
    expect(withStart.LX![vocab.LX.indexOf(start.cue)]).toBe(heard + 1);
    expect(heard + 1).toBe(8);
    // A sequence built with the schedule is wider by three entries per department.
    const plain = buildSequence(labelled.steps, ['LX', 'CAM'], vocab);
    const scheduled = buildSequence(labelled.steps, ['LX', 'CAM'], vocab, { schedule });
    expect(scheduled.inputs.length / scheduled.length - plain.inputs.length / plain.length).toBe(6);
  });

  it('says a cue is due on the next beat when the rehearsals\' interval has all but passed', () => {
    const history = new CueHistory(['CAM'], { CAM: ['1', '2'] }, { CAM: [4, 0] });
    const names = history.names();
    const due = names.indexOf('CAM.dueIn');
    expect(due).toBeGreaterThan(0);
    const period = 0.5;
    // Beats at 0, 0.5, 1.0…; cue 1 fired on the beat at 0.5 (decided at the step of the beat at 0).
    history.onBeat(0, period);
    history.fired('CAM', '1', 0.5);
    const rows: Float32Array[] = [];
    for (let k = 1; k <= 6; k++) rows.push(history.onBeat(k * period, period));
    // Interval 4 steps: fired for step 0 → due for step 4 (the beat at 2.5 s, decided at the beat at 2.0 s).
    expect(rows.map((r) => r[due + 1])).toEqual([0, 0, 0, 1, 0, 0]);
    expect(rows.map((r) => r[due + 2])).toEqual([0, 0, 0, 0, 1, 1]);
    // Missed: the count runs on, due again one interval later (the beat at 4.5 s, decided at 4.0 s).
    for (let k = 7; k <= 8; k++) rows.push(history.onBeat(k * period, period));
    expect(rows.map((r) => r[due + 1])).toEqual([0, 0, 0, 1, 0, 0, 0, 1]);
    expect(rows[0]![due]).toBeCloseTo(3 / 16);
    // Cue 2 has no learned interval: nothing is due.
    history.fired('CAM', '2', 4.5);
    const after = history.onBeat(4.5, period);
    expect([after[due], after[due + 1], after[due + 2]]).toEqual([0, 0, 0]);
  });
});

describe("the rehearsal's cue order", () => {
  it('names the cue the rehearsal played after the last one at the nearest point in the list', () => {
    const vocab = { LX: ['1', '2', '3', '4'] };
    const history = new CueHistory(['LX'], vocab, undefined, { LX: [0, 1, 2, 1, 3] });
    const names = history.names();
    const first = names.indexOf('LX.rehearsalNext=1');
    expect(names.slice(first)).toEqual(['LX.rehearsalNext=1', 'LX.rehearsalNext=2', 'LX.rehearsalNext=3', 'LX.rehearsalNext=4']);
    const next = (t: number): number[] => Array.from(history.onBeat(t, 0.5).subarray(first, first + 4));
    // The start cue goes by onset, its number a guess: no identity, nothing to follow yet.
    history.fired('LX', '1', 0, false);
    expect(next(0.5)).toEqual([0, 0, 0, 0]);
    // Cue 2 as the second cue: the rehearsal went on to 3.
    history.fired('LX', '2', 1);
    expect(next(1.5)).toEqual([0, 0, 1, 0]);
    history.fired('LX', '3', 2);
    expect(next(2.5)).toEqual([0, 1, 0, 0]);
    // Cue 2 again as the fourth cue: the second time round the rehearsal went on to 4.
    history.fired('LX', '2', 3);
    expect(next(3.5)).toEqual([0, 0, 0, 1]);
    // The last cue of the rehearsal has no successor.
    history.fired('LX', '4', 4);
    expect(next(4.5)).toEqual([0, 0, 0, 0]);
  });
});
