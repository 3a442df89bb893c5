import { describe, expect, it } from 'vitest';
import { type Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { arbitrate, arbiterConfigFromShow, type ConsoleInput } from '../../../engine/core/arbiter/arbiter.js';
import { consoleDeptStates, toLogEntry } from '../../../engine/core/console/consoleState.js';
import { type Decision, type Prediction } from '../../../engine/core/arbiter/types.js';
import { createPlayback } from '../../../engine/core/playback/playback.js';
import { cueId, deptId } from '../../../engine/core/ids.js';
import { decisionSchema, deptStateSchema, type DeptState } from '../../../engine/core/protocol/state.js';
import { makeShow, renderersFor } from '../playback/fixtures.js';

describe('arbiter and playback wired together', () => {
  it('decisions drive the stacks, the stacks feed back, and the console state validates', () => {
    const show = makeShow([
      { id: 'LX', mode: 'auto', minGoIntervalMs: 0, lockoutMs: 2000, cues: [
        { number: '1', name: 'preset', fadeUpMs: 1000, levels: { p1: { intensity: 1 } } },
        { number: '2', fadeUpMs: 1000, levels: { p1: { intensity: 0.5 } } },
        { number: '3', levels: { p1: { intensity: 0 } } },
      ] },
    ]);
    const ts = new TestScheduler((a, b) => expect(a).toEqual(b));
    const states: DeptState[][] = [];
    const log: Decision[] = [];
    let intensityAt5s = -1;
    ts.run(({ hot }) => {
      const playback = createPlayback(show, { renderers: renderersFor(show) }, ts);
      const predictions$ = hot<Prediction>('3s a', { a: { dept: deptId('LX'), cue: cueId('2'), confidence: 0.9, fireAt: 4, source: 'model' } });
      const console$ = hot<ConsoleInput>('500ms g', { g: { command: { type: 'go', dept: 'LX' }, user: 'op' } });
      const arbiter = arbitrate({ predictions$, console$, stacks$: playback.state$ }, arbiterConfigFromShow(show), ts);
      const subs: Subscription[] = [
        consoleDeptStates(show, playback.state$, arbiter.state$).subscribe((s) => states.push(s)),
        arbiter.decisions$.subscribe((d) => log.push(d)),
      ];
      playback.connect(arbiter.decisions$);
      ts.schedule(() => { intensityAt5s = playback.frame(5000).slots[0]!; }, 5000);
      ts.schedule(() => subs.forEach((s) => s.unsubscribe()), 6000);
    });
    expect(log.map((d) => `${d.t} ${d.action} ${d.cue ?? ''} ${d.source}`)).toEqual(['0.5 go  operator', '4 go 2 model']);
    for (const s of states) for (const d of s) deptStateSchema.parse(d);
    for (const d of log) decisionSchema.parse(toLogEntry(d));
    const last = states.at(-1)![0]!;
    expect(last).toMatchObject({ id: 'LX', mode: 'auto', current: '2', standby: '3', next: null, held: false, prediction: null });
    expect(last.cues.map((c) => c.number)).toEqual(['1', '2', '3']);
    expect(states.some((s) => s[0]!.prediction?.armed === true && s[0]!.prediction.fireAtMs === 4000)).toBe(true);
    expect(intensityAt5s).toBe(0.5);
  });

  it("carries a lost follower's reason to the console, armed but never fired by the model in auto", () => {
    const show = makeShow([{ id: 'LX', mode: 'auto', minGoIntervalMs: 0, lockoutMs: 2000, cues: [{ number: '1', levels: { p1: { intensity: 1 } } }, { number: '2', levels: { p1: { intensity: 0.5 } } }] }]);
    const ts = new TestScheduler((a, b) => expect(a).toEqual(b));
    const states: DeptState[][] = [];
    const log: Decision[] = [];
    const why = 'follower lost: the band is vamping (8 beats again); it cannot tell when the next section comes';
    ts.run(({ hot }) => {
      const playback = createPlayback(show, { renderers: renderersFor(show) }, ts);
      const predictions$ = hot<Prediction>('1s a', { a: { dept: deptId('LX'), cue: cueId('2'), confidence: 0.9, fireAt: 2, source: 'model', lost: why } });
      const arbiter = arbitrate({ predictions$, stacks$: playback.state$ }, arbiterConfigFromShow(show), ts);
      const subs: Subscription[] = [consoleDeptStates(show, playback.state$, arbiter.state$).subscribe((s) => states.push(s)), arbiter.decisions$.subscribe((d) => log.push(d))];
      playback.connect(arbiter.decisions$);
      ts.schedule(() => subs.forEach((s) => s.unsubscribe()), 4000);
    });
    expect(log).toEqual([]);
    for (const s of states) for (const d of s) deptStateSchema.parse(d);
    expect(states.at(-1)![0]!.prediction).toMatchObject({ cue: '2', armed: true, lost: why });
  });
});
