import { describe, expect, it } from 'vitest';
import { describeResume, encodeJournalLine, resumePointOf, type JournalRecord } from '../../../engine/core/continuity/journal.js';

const at = '2026-12-06T08:00:00.000Z';
const text = (...records: JournalRecord[]): string => records.map((r) => encodeJournalLine(r, at)).join('');

describe('journal: reading and folding', () => {
  it('resumes each department at its last fired cue and mode, BACK to the top included', () => {
    const p = resumePointOf(
      text(
        { kind: 'start', engine: '0.1.0', show: 'Demo', resumed: false },
        { kind: 'fire', dept: 'LX', cue: '1', by: 'operator' },
        { kind: 'fire', dept: 'VID', cue: '2', by: 'model' },
        { kind: 'mode', dept: 'LX', mode: 'assist' },
        { kind: 'fire', dept: 'LX', cue: '2.5', by: 'follow' },
        { kind: 'home', dept: 'VID' },
        { kind: 'master', grandMaster: 0.5, blackout: false },
      ),
    );
    expect(p.depts.map((d) => [d.dept, d.cue, d.mode])).toEqual([
      ['LX', '2.5', 'assist'],
      ['VID', null, undefined],
    ]);
    expect(p.grandMaster).toBe(0.5);
    expect(p.cleanStop).toBe(false);
    expect(describeResume(p)).toBe('LX at cue 2.5 (assist), VID at the top (no cue yet)');
  });

  it('skips a line cut short by a kill, and a damaged line, with their line numbers; reads the rest', () => {
    const whole = text({ kind: 'fire', dept: 'LX', cue: '1', by: 'operator' }, { kind: 'fire', dept: 'LX', cue: '2', by: 'operator' });
    const torn = encodeJournalLine({ kind: 'fire', dept: 'LX', cue: '3', by: 'operator' }, at).slice(0, 30);
    const p = resumePointOf(`${whole}{"v":1,"at":"x","kind":"fire"}\n${torn}`);
    expect(p.depts[0]?.cue).toBe('2');
    expect(p.skipped.map((s) => s.line)).toEqual([3, 4]);
    expect(p.skipped[1]?.reason).toContain('cut short');
  });

  it('PANIC, the panicked departments and a checkpoint fold as they were', () => {
    const p = resumePointOf(
      text(
        { kind: 'checkpoint', depts: [{ dept: 'LX', cue: '4', mode: 'auto' }, { dept: 'CAM', cue: null, panicked: true }], panic: false, grandMaster: 1, blackout: false },
        { kind: 'panic', on: true },
      ),
    );
    expect(p.panic).toBe(true);
    expect(p.depts.map((d) => [d.dept, d.cue, d.panicked])).toEqual([
      ['LX', '4', true],
      ['CAM', null, true],
    ]);
  });

  it('a clean stop is remembered; a start from the top forgets the positions before it', () => {
    const stopped = text({ kind: 'fire', dept: 'LX', cue: '5', by: 'operator' }, { kind: 'stop' });
    expect(resumePointOf(stopped).cleanStop).toBe(true);
    const fresh = resumePointOf(stopped + text({ kind: 'start', engine: '0.1.0', show: 'Demo', resumed: false }, { kind: 'fire', dept: 'VID', cue: '1', by: 'operator' }));
    expect(fresh.cleanStop).toBe(false);
    expect(fresh.depts.map((d) => d.dept)).toEqual(['VID']);
    const resumed = resumePointOf(stopped + text({ kind: 'start', engine: '0.1.0', show: 'Demo', resumed: true }));
    expect(resumed.depts.map((d) => [d.dept, d.cue])).toEqual([['LX', '5']]);
  });
});
