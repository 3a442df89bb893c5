import { describe, expect, it } from 'vitest';
import { describeShadow, ShadowScorer } from '../../../engine/core/runs/shadow.js';

const p = (dept: string, cue: string, fireAtS: number, atS: number, wouldFire = true) => ({ dept, cue, fireAtS, atS, confidence: 0.9, wouldFire });

describe('shadow mode score', () => {
  it('counts a GO the model had predicted, within ±100 ms and within a beat, with its lead', () => {
    const s = new ShadowScorer(['LX']);
    s.predicted(p('LX', '2', 10.0, 8));
    const v = s.fired('LX', '2', 10.05, true, 0.5)!;
    expect(v.leadMs).toBeCloseTo(50, 6);
    expect(v.within100ms).toBe(true);
    s.predicted(p('LX', '3', 20.0, 18));
    const late = s.fired('LX', '3', 20.3, true, 0.5)!; // 300 ms late: within a beat of 500 ms only
    expect([late.within100ms, late.withinBeat]).toEqual([false, true]);
    expect(s.score('LX')).toMatchObject({ gos: 2, within100ms: 1, withinBeat: 2, meanLeadMs: expect.closeTo(175, 6) as number });
    expect(describeShadow(s.score('LX'))).toBe('1 of 2 GOs predicted within ±100 ms (2 within a beat), mean lead +175 ms');
  });

  it('does not count another cue, a prediction below the thresholds, or one from before the last cue went', () => {
    const s = new ShadowScorer();
    s.predicted(p('LX', '4', 10, 9));
    expect(s.fired('LX', '5', 10, true, 0.5)!.predicted).toBeNull(); // out of order
    s.predicted(p('LX', '6', 20, 19, false));
    expect(s.fired('LX', '6', 20, true, 0.5)!.predicted).toBeNull(); // not confident enough to fire
    s.predicted(p('LX', '7', 30, 29));
    expect(s.fired('LX', '2', 29.5, false, 0.5)).toBeUndefined(); // the model (or a follow) fired: not a GO, but it starts afresh
    expect(s.fired('LX', '7', 30, true, 0.5)!.predicted).toBeNull();
    expect(s.score('LX')).toMatchObject({ gos: 3, within100ms: 0, withinBeat: 0, meanLeadMs: null });
  });
});
