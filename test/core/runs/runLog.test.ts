import { describe, expect, it } from 'vitest';
import { runLabels } from '../../../engine/core/runs/report.js';
import { parseRunLog } from '../../../engine/core/runs/runLog.js';
import { START } from './fixtures.js';

const text = (lines: readonly unknown[]): string => lines.map((l) => JSON.stringify(l)).join('\n') + '\n';

describe('run log', () => {
  it('reads a log cut short by a kill up to its last whole line, and says so', () => {
    const whole = text([START, { kind: 'fire', tMs: 2000, audioS: 1, dept: 'LX', cue: '1', source: 'osc', how: 'goto' }]);
    const cut = whole + '{"kind":"fire","tMs":3000,"audi';
    const { log, problems } = parseRunLog(cut, 'decisions.jsonl');
    expect(problems).toEqual([]);
    expect(log!.fires.map((f) => f.cue)).toEqual(['1']);
    expect(log!.end).toBeUndefined();
    expect(log!.skipped).toHaveLength(1);
    expect(log!.skipped[0]!.message).toContain('cut short');
    expect(log!.skipped[0]!.line).toBe(3);
  });

  it('refuses a log that does not start with its start line, naming the line', () => {
    const { log, problems } = parseRunLog(text([{ kind: 'end', tMs: 1, audioS: 0 }]), 'decisions.jsonl');
    expect(log).toBeUndefined();
    expect(problems[0]).toMatchObject({ file: 'decisions.jsonl', line: 1 });
    expect(problems[0]!.message).toContain("'end'");
  });

  it('names a line of another kind and reads on', () => {
    const { log } = parseRunLog(text([START, { kind: 'telemetry', x: 1 }, { kind: 'end', tMs: 5000, audioS: 4 }]), 'd.jsonl');
    expect(log!.skipped[0]!.line).toBe(2);
    expect(log!.end?.audioS).toBe(4);
  });
});

describe('a run as training labels', () => {
  it("takes a person's GO at the nearest beat of the run's bar grid, a late one a beat later", () => {
    const { log } = parseRunLog(
      text([
        START,
        { kind: 'bar', audioS: 10, bar: 5, bpm: 120, beatsPerBar: 4 },
        { kind: 'fire', tMs: 0, audioS: 11.12, dept: 'LX', cue: '2', source: 'osc', how: 'goto' }, // 120 ms after beat 3
        { kind: 'fire', tMs: 0, audioS: 11.9, dept: 'LX', cue: '3', source: 'operator', how: 'go' }, // 400 ms late for 11.5: beat 4
        { kind: 'fire', tMs: 0, audioS: 12.13, dept: 'VID', cue: '2', source: 'model', how: 'go' }, // the model's own time stays
      ]),
      'd.jsonl',
    );
    expect(runLabels(log!).map((c) => c.t)).toEqual([11, 12, 12.13]);
  });

  it("keeps what went at the operator's time, drops a cue taken BACK and a model fire a person re-fired", () => {
    const { log } = parseRunLog(
      text([
        START,
        { kind: 'fire', tMs: 0, audioS: 10.5, dept: 'LX', cue: '2', source: 'osc', how: 'goto' },
        { kind: 'fire', tMs: 0, audioS: 20, dept: 'LX', cue: '3', source: 'operator', how: 'go' },
        { kind: 'decision', tMs: 0, audioS: 21, dept: 'LX', action: 'back', source: 'operator' },
        { kind: 'fire', tMs: 0, audioS: 21, dept: 'LX', cue: '2', source: 'operator', how: 'back' },
        { kind: 'fire', tMs: 0, audioS: 30, dept: 'VID', cue: '2', source: 'model', how: 'go' },
        { kind: 'fire', tMs: 0, audioS: 30.4, dept: 'VID', cue: '2', source: 'operator', how: 'goto' },
        { kind: 'fire', tMs: 0, audioS: 40, dept: 'VID', cue: '3', source: 'model', how: 'go' },
      ]),
      'd.jsonl',
    );
    expect(runLabels(log!)).toEqual([
      { t: 10.5, dept: 'LX', cue: '2', by: 'osc' },
      { t: 30.4, dept: 'VID', cue: '2', by: 'operator' },
      { t: 40, dept: 'VID', cue: '3', by: 'model' },
    ]);
  });
});
