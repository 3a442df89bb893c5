import { BehaviorSubject, Subject, VirtualAction, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { ArbiterState } from '../../../engine/core/arbiter/arbiter.js';
import type { Decision, Prediction } from '../../../engine/core/arbiter/types.js';
import type { Beat } from '../../../engine/core/audio/types.js';
import { cueId, deptId } from '../../../engine/core/ids.js';
import type { PlaybackEvent } from '../../../engine/core/playback/deptPlayback.js';
import { DEFAULT_POLICY_NUMBERS } from '../../../engine/core/policy/numbers.js';
import { applyDelta, engineDeltaSchema, type EngineSnapshot } from '../../../engine/core/protocol/index.js';
import { RunJournal } from '../../../engine/core/runs/journal.js';
import { collectRunLog, type RunLogLine } from '../../../engine/core/runs/runLog.js';

const LX = deptId('LX');

describe('the run journal', () => {
  /** A journal of LX (assist, threshold 0.7) on a virtual clock whose audio time 0 is engine ms `offset`. */
  const rig = () => {
    const scheduler = new VirtualTimeScheduler(VirtualAction, Infinity);
    const decisions$ = new Subject<Decision>();
    const predictions$ = new Subject<Prediction>();
    const events$ = new Subject<PlaybackEvent>();
    const state$ = new BehaviorSubject({ tMs: 0, depts: [{ dept: 'LX', mode: 'assist', confidenceThreshold: 0.7 }] } as unknown as ArbiterState);
    const beats$ = new Subject<Beat>();
    const lines: RunLogLine[] = [];
    const offset = 5000; // engine ms of audio time 0
    const journal = new RunJournal(
      { decisions$, predictions$, playback: { events$ }, arbiter: { state$ } },
      { header: { run: 'r', show: 's', showDir: '/s', startedAt: '2026-01-01T00:00:00Z', engineVersion: 't', audio: { kept: false }, model: null }, audioOffsetMs: offset, policy: DEFAULT_POLICY_NUMBERS, beats$, write: (l) => lines.push(l) },
      scheduler,
    );
    const at = (audioS: number, run: () => void): void => void scheduler.schedule(run, offset + audioS * 1000);
    return { scheduler, decisions$, predictions$, events$, state$, beats$, lines, offset, journal, at };
  };

  it('logs a GO with the prediction it overrode, the music position and its shadow verdict, and scores it live', () => {
    const { scheduler, decisions$, predictions$, events$, state$, beats$, lines, offset, journal, at } = rig();
    const scores: unknown[] = [];
    journal.scores$.subscribe((s) => scores.push(s));
    at(8, () => beats$.next({ t: 8, index: 16, bpm: 120, confidence: 1, beatInBar: 0, beatsPerBar: 4, isDownbeat: true, barIndex: 4, nextBeatT: 8.5, decidedT: 8.05 }));
    at(8.1, () => predictions$.next({ dept: LX, cue: cueId('2'), confidence: 0.9, fireAt: (offset + 10_000) / 1000, source: 'model', reason: 'follower: cue 2 at bar 6' }));
    // The operator GOes 250 ms late (within the 500 ms beat, outside ±100 ms).
    at(10.25, () => {
      events$.next({ kind: 'fire', tMs: offset + 10_250, dept: LX, cue: cueId('2'), reason: 'go', source: 'operator' });
      decisions$.next({ t: (offset + 10_250) / 1000, dept: LX, action: 'go', cue: cueId('2'), source: 'operator', user: 'td@desk' });
    });
    at(11, () => state$.next({ tMs: offset + 11_000, depts: [{ dept: 'LX', mode: 'auto', confidenceThreshold: 0.7 }] } as unknown as ArbiterState));
    scheduler.flush();
    journal.end();
    const log = collectRunLog(lines)!;
    expect(log.start.depts).toEqual([{ id: 'LX', mode: 'assist', confidenceThreshold: 0.7 }]);
    expect(log.bars).toEqual([{ kind: 'bar', audioS: 8, bar: 5, bpm: 120, beatsPerBar: 4 }]);
    const go = log.decisions[0]!;
    expect(go).toMatchObject({ audioS: 10.25, source: 'operator', user: 'td@desk', mode: 'assist', music: { bar: 6, beat: 1.5, bpm: 120 } });
    expect(go.shadow).toMatchObject({ cue: '2', within100ms: false, withinBeat: true, beatMs: 500 });
    expect(go.shadow!.leadMs!).toBeCloseTo(250, 6);
    expect(log.predictions).toMatchObject([{ cue: '2', outcome: 'preempted', by: 'operator', firedAtS: 10.25, wouldFire: true }]);
    expect(log.modes).toMatchObject([{ dept: 'LX', mode: 'auto', audioS: 11 }]);
    expect(log.end?.audioS).toBe(11);
    // What the console receives: a valid 'shadow' delta that lands in the snapshot.
    expect(scores).toHaveLength(1);
    const delta = engineDeltaSchema.parse({ type: 'shadow', shadow: scores[0] });
    const snap = applyDelta({ shadow: [] } as unknown as EngineSnapshot, delta, 0);
    expect(snap.shadow).toEqual([{ id: 'LX', gos: 1, within100ms: 0, withinBeat: 1, meanLeadMs: expect.closeTo(250, 6) as number, last: { cue: '2', leadMs: expect.closeTo(250, 6) as number, atMs: 10_250 } }]);
    journal.dispose();
  });

  it("never counts a lost follower's prediction or an open entry as one the model would fire", () => {
    const { scheduler, predictions$, lines, offset, journal, at } = rig();
    const predict = (cue: string, fireAtS: number, extra: Partial<Prediction>): Prediction => ({ dept: LX, cue: cueId(cue), confidence: 0.95, fireAt: (offset + fireAtS * 1000) / 1000, source: 'model', ...extra });
    at(1, () => predictions$.next(predict('2', 3, { open: 'cue 2 is an open entry: test' })));
    at(4, () => predictions$.next(predict('3', 6, { lost: 'follower lost: test' })));
    at(7, () => predictions$.next(predict('4', 9, {})));
    at(10, () => undefined);
    scheduler.flush();
    journal.end();
    expect(collectRunLog(lines)!.predictions.map((p) => [p.cue, p.wouldFire])).toEqual([['2', false], ['3', false], ['4', true]]);
    journal.dispose();
  });
});
