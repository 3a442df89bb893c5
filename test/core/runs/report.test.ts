import { describe, expect, it } from 'vitest';
import { buildRunReport, compareReports } from '../../../engine/core/runs/report.js';
import { collectRunLog, type RunLogLine } from '../../../engine/core/runs/runLog.js';
import { START } from './fixtures.js';

const pred = (dept: string, cue: string, fireAtS: number, outcome: 'fired' | 'preempted' | 'due' | 'withdrawn', extra: Record<string, unknown> = {}): RunLogLine =>
  ({ kind: 'prediction', dept, cue, fireAtS, confidence: 0.9, wouldFire: true, firstAtS: fireAtS - 4, closedAtS: fireAtS + 0.5, outcome, ...extra });
const verdict = (cue: string, predictedAt: number | null, atS: number) => ({
  cue,
  predicted: predictedAt === null ? null : { cue, fireAtS: predictedAt, confidence: 0.9, wouldFire: true },
  leadMs: predictedAt === null ? null : (atS - predictedAt) * 1000,
  within100ms: predictedAt !== null && Math.abs(atS - predictedAt) <= 0.1,
  withinBeat: predictedAt !== null && Math.abs(atS - predictedAt) <= 0.5,
  beatMs: 500,
});
const go = (dept: string, cue: string, atS: number, predictedAt: number | null): RunLogLine[] => [
  { kind: 'fire', tMs: 0, audioS: atS, dept, cue, source: 'osc', how: 'goto' },
  { kind: 'decision', tMs: 0, audioS: atS, dept, action: 'goto', cue, source: 'osc', user: '127.0.0.1:5000', mode: 'assist', shadow: verdict(cue, predictedAt, atS) },
];

describe('the report of a run', () => {
  const log = collectRunLog([
    START,
    pred('LX', '2', 10, 'preempted'),
    ...go('LX', '2', 10.04, 10), // on time
    pred('LX', '3', 20, 'preempted'),
    ...go('LX', '3', 20.7, 20), // 700 ms late
    pred('LX', '4', 30, 'due', { reason: 'follower: cue 4 at beat 1 of bar 12' }), // skipped by the operator
    ...go('LX', '6', 40, null), // out of order: not predicted
    { kind: 'fire', tMs: 0, audioS: 50, dept: 'VID', cue: '2', source: 'model', how: 'go' },
    pred('VID', '2', 50, 'fired', { by: 'model', firedAtS: 50 }),
    { kind: 'fire', tMs: 0, audioS: 60, dept: 'VID', cue: '3', source: 'timecode', how: 'goto' }, // went, never predicted
  ])!;
  const r = buildRunReport(log);

  it('lists each late, skipped and out-of-order GO and each miss with its time', () => {
    const lx = r.depts.find((d) => d.id === 'LX')!;
    expect(lx.events.map((e) => [e.kind, e.cue, e.t])).toEqual([
      ['late', '3', 20.7],
      ['skipped', '4', 30],
      ['override', '6', 40],
    ]);
    expect(lx.events[0]!.text).toContain('700 ms after');
    expect(lx.events[1]!.text).toContain('follower: cue 4');
    expect(r.depts.find((d) => d.id === 'VID')!.events.map((e) => [e.kind, e.cue])).toEqual([['miss', '3']]);
  });

  it('scores shadow mode and the would-fire cues per department, and sums it up in a line', () => {
    const lx = r.depts.find((d) => d.id === 'LX')!;
    expect(lx.shadow).toEqual({ gos: 3, within100ms: 1, withinBeat: 1, meanLeadMs: expect.closeTo(40, 6) as number });
    expect(lx.metrics.expected).toBe(3);
    expect(lx.summary).toMatch(/^LX would have fired 1 of 3 cues within ±100 ms .*one miss at 0:40\.0; 1 it would have fired that did not go\. Shadow mode: 1 of 3 operator GOs/);
    expect(r.clean).toBe(false);
    expect(r.summary.at(-1)).toContain('without a clean stop');
  });

  it('says, department by department, whether a later run got better', () => {
    const later = buildRunReport(collectRunLog([START, pred('LX', '3', 20, 'preempted'), ...go('LX', '3', 20.05, 20), ...go('LX', '4', 30, null)])!);
    const c = compareReports(r, later);
    expect(c.map((x) => [x.id, x.before.hits, x.after.hits, x.verdict])).toEqual([
      ['LX', '1/3', '1/2', 'better'],
      ['VID', '0/0', '0/0', 'the same'], // nothing went in VID this time: nothing to compare
    ]);
  });
});
