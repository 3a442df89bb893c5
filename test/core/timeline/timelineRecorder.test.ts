/**
 * The timeline recorder on virtual time: bars from downbeats on the engine clock, a prediction
 * episode per proposed cue (updated while proposed, marked armed, closed when it fires or the model
 * changes its mind), and every fire with who fired it — batched, and the snapshot equal to the
 * deltas folded in.
 */
import { Subject, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { ArbiterState } from '../../../engine/core/arbiter/arbiter.js';
import type { Decision, Prediction } from '../../../engine/core/arbiter/types.js';
import type { Beat } from '../../../engine/core/audio/types.js';
import { cueId, deptId } from '../../../engine/core/ids.js';
import type { PlaybackEvent } from '../../../engine/core/playback/deptPlayback.js';
import { applyTimelineDelta, timelineStateSchema, type TimelineState } from '../../../engine/core/protocol/timeline.js';
import { TimelineRecorder } from '../../../engine/core/timeline/timelineRecorder.js';

const LX = deptId('LX');

describe('the timeline recorder', () => {
  it('records bars, prediction episodes and fires with who fired them', () => {
    const scheduler = new VirtualTimeScheduler();
    const predictions$ = new Subject<Prediction>();
    const decisions$ = new Subject<Decision>();
    const events$ = new Subject<PlaybackEvent>();
    const arbiter$ = new Subject<ArbiterState>();
    const beats$ = new Subject<Beat>();
    const rec = new TimelineRecorder({ predictions$, decisions$, events$, arbiter$, beats$, audioOffsetMs: 1000, rehearsal: null }, scheduler, 250);
    let folded: TimelineState = rec.snapshot();
    rec.deltas$.subscribe((d) => (folded = applyTimelineDelta(folded, d)));
    const at = (ms: number, f: () => void): void => void scheduler.schedule(f, ms);
    const beat = (t: number, barIndex: number, beatInBar: number): Beat => ({ t, nextBeatT: t + 0.5, decidedT: t, index: barIndex * 4 + beatInBar, bpm: 120, confidence: 0.9, beatInBar, beatsPerBar: 4, isDownbeat: beatInBar === 0, barIndex });
    const predict = (cue: string, confidence: number, fireAt: number): Prediction => ({ dept: LX, cue: cueId(cue), confidence, fireAt, source: 'model' });
    at(0, () => beats$.next(beat(0, 0, 0)));
    at(500, () => beats$.next(beat(0.5, 0, 1)));
    at(2000, () => beats$.next(beat(2, 1, 0)));
    at(100, () => predictions$.next(predict('2', 0.4, 5)));
    at(300, () => predictions$.next(predict('2', 0.8, 4.5)));
    at(400, () => arbiter$.next({ tMs: 400, depts: [{ dept: LX, prediction: { cue: cueId('2'), armed: true } }] } as unknown as ArbiterState));
    at(700, () => predictions$.next(predict('3', 0.3, 9)));
    at(800, () => predictions$.next(predict('3', 0.6, 8)));
    at(4500, () => {
      decisions$.next({ t: 4.5, dept: LX, action: 'go', cue: cueId('3'), source: 'model', confidence: 0.6 });
      events$.next({ kind: 'fire', tMs: 4500, dept: LX, cue: cueId('3'), reason: 'go', source: 'model' });
    });
    at(6000, () => {
      decisions$.next({ t: 6, dept: LX, action: 'go', source: 'operator', user: 'alice@10.0.0.5' , cue: cueId('4') });
      events$.next({ kind: 'fire', tMs: 6000, dept: LX, cue: cueId('4'), reason: 'go', source: 'operator' });
    });
    at(6500, () => events$.next({ kind: 'fire', tMs: 6500, dept: LX, cue: cueId('5'), reason: 'follow', source: 'follow' }));
    at(7000, () => rec.dispose());
    scheduler.flush();
    const s = rec.snapshot();
    expect(timelineStateSchema.parse(s)).toBeTruthy();
    expect(s.bars).toEqual([[1000, 1], [3000, 2]]);
    expect(s.predictions).toEqual([
      { id: 0, dept: 'LX', cue: '2', firstMs: 100, lastMs: 300, fireAtMs: 4500, confidence: 0.8, peak: 0.8, armed: true, open: false },
      { id: 1, dept: 'LX', cue: '3', firstMs: 700, lastMs: 800, fireAtMs: 8000, confidence: 0.6, peak: 0.6, armed: false, open: false },
    ]);
    expect(s.fires).toEqual([
      { atMs: 4500, dept: 'LX', cue: '3', source: 'model', who: null, confidence: 0.6 },
      { atMs: 6000, dept: 'LX', cue: '4', source: 'operator', who: 'alice@10.0.0.5', confidence: null },
      { atMs: 6500, dept: 'LX', cue: '5', source: 'follow', who: null, confidence: null },
    ]);
    // What a console folded from the deltas is what a console joining now gets.
    expect(folded).toEqual(s);
  });
});
