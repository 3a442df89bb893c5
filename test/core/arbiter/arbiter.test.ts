import { describe, expect, it } from 'vitest';
import { type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { arbitrate, type ArbiterConfig, type ArbiterState, type ConsoleInput } from '../../../engine/core/arbiter/arbiter.js';
import { type Decision, type DeptMode, type Prediction } from '../../../engine/core/arbiter/types.js';
import { type ControlEvent } from '../../../engine/core/control.js';
import { cueId, deptId } from '../../../engine/core/ids.js';

const LX = deptId('LX');
const VID = deptId('VID');

function config(mode: DeptMode, extra: Partial<ArbiterConfig> = {}, lockoutMs = 10_000): ArbiterConfig {
  return {
    depts: [
      { id: LX, mode, confidenceThreshold: 0.8, lockoutMs, minGoIntervalMs: 250, cues: ['1', '2', '3', '4'] },
      { id: VID, mode, confidenceThreshold: 0.8, lockoutMs, minGoIntervalMs: 250, cues: ['1', '2'] },
    ],
    ...extra,
  };
}

const predict = (cue: string, confidence: number, fireAt: number, dept = LX): Prediction => ({ dept, cue: cueId(cue), confidence, fireAt, source: 'model' });
const modelGo = (t: number, cue: string, confidence: number, dept = LX): Decision => ({ t, dept, action: 'go', cue: cueId(cue), source: 'model', confidence });
const opGo = (t: number, dept = LX): Decision => ({ t, dept, action: 'go', source: 'operator', user: 'op' });
const consoleGo: ConsoleInput = { command: { type: 'go', dept: 'LX' }, user: 'op' };

function run(
  mode: DeptMode,
  build: (h: { hot: TestScheduler['createHotObservable'] }) => { predictions$?: Observable<Prediction>; console$?: Observable<ConsoleInput>; controls$?: Observable<ControlEvent> },
  expected: string,
  values: Record<string, Decision>,
  cfg: ArbiterConfig = config(mode),
): void {
  const ts = new TestScheduler((a, b) => expect(a).toEqual(b));
  ts.run(({ hot, expectObservable }) => {
    const { decisions$ } = arbitrate(build({ hot }), cfg, ts);
    expectObservable(decisions$, '^ 20s !').toBe(expected, values);
  });
}

describe('arbiter modes', () => {
  it('in auto, a prediction at or above the threshold fires at its fireAt', () => {
    run('auto', ({ hot }) => ({ predictions$: hot('a', { a: predict('2', 0.9, 1) }) }), '1000ms a', { a: modelGo(1, '2', 0.9) });
  });

  it('in auto, a prediction below the threshold does not fire', () => {
    run('auto', ({ hot }) => ({ predictions$: hot('a', { a: predict('2', 0.79, 1) }) }), '', {});
  });

  it('a newer prediction below the threshold disarms the earlier one', () => {
    run('auto', ({ hot }) => ({ predictions$: hot('a 499ms b', { a: predict('2', 0.9, 1), b: predict('2', 0.5, 1) }) }), '', {});
  });

  it('manual never fires, whatever the confidence', () => {
    run('manual', ({ hot }) => ({ predictions$: hot('a', { a: predict('2', 1, 0) }) }), '', {});
  });

  it('assist arms and waits: a human confirm fires the armed cue with its confidence', () => {
    run(
      'assist',
      ({ hot }) => ({
        predictions$: hot('a', { a: predict('3', 0.85, 1) }),
        console$: hot('3s c', { c: { command: { type: 'confirm-prediction', dept: 'LX', cue: '3' }, user: 'op' } }),
      }),
      '3s a',
      { a: { t: 3, dept: LX, action: 'go', cue: cueId('3'), source: 'operator', confidence: 0.85, user: 'op' } },
    );
  });

  /** What the arbiter's state shows of LX after prediction `p` in auto. */
  const shownAfter = (p: Prediction): unknown => {
    const ts = new TestScheduler((a, b) => expect(a).toEqual(b));
    const states: ArbiterState[] = [];
    ts.run(({ hot }) => {
      const { decisions$, state$ } = arbitrate({ predictions$: hot('a', { a: p }) }, config('auto'), ts);
      decisions$.subscribe();
      state$.subscribe((s) => states.push(s));
      ts.flush();
    });
    return states[states.length - 1]!.depts.find((d) => d.dept === LX)!.prediction;
  };

  /** In auto, a person confirming the armed prediction (cue 2, 0.9) at 500 ms fires it as theirs. */
  const confirmsInAuto = (p: Prediction): void =>
    run(
      'auto',
      ({ hot }) => ({
        predictions$: hot('a', { a: p }),
        console$: hot('500ms c', { c: { command: { type: 'confirm-prediction', dept: 'LX', cue: '2' }, user: 'op' } }),
      }),
      '500ms a',
      { a: { t: 0.5, dept: LX, action: 'go', cue: cueId('2'), source: 'operator', confidence: 0.9, user: 'op' } },
    );

  it('in auto, a prediction from a lost follower is armed for a person to confirm (assist), never fired by the model; it fires again once the follower re-locks', () => {
    const lost = { ...predict('2', 0.9, 1), lost: 'follower lost: test' };
    run('auto', ({ hot }) => ({ predictions$: hot('a', { a: lost }) }), '', {});
    confirmsInAuto(lost);
    run('auto', ({ hot }) => ({ predictions$: hot('a 1s b', { a: { ...predict('3', 0.9, 1), lost: 'follower lost: test' }, b: predict('3', 0.9, 2) }) }), '2s b', { b: modelGo(2, '3', 0.9) });
  });

  it("in auto, a cue awaiting the band's attack is armed but not fired on its timer; the confirmed prediction fires at once, and a person may confirm the waiting one", () => {
    const waiting = { ...predict('2', 0.9, 1), awaiting: "waiting for the band's attack on cue 2" };
    run('auto', ({ hot }) => ({ predictions$: hot('a', { a: waiting }) }), '', {});
    run('auto', ({ hot }) => ({ predictions$: hot('a 1199ms b', { a: waiting, b: predict('2', 0.9, 1) }) }), '1200ms b', { b: modelGo(1.2, '2', 0.9) });
    confirmsInAuto(waiting);
    expect(shownAfter(waiting)).toMatchObject({ cue: '2', armed: true, awaiting: "waiting for the band's attack on cue 2" });
  });

  it('in auto, an open entry is armed for a person and never fired by the model, and the console state says why', () => {
    const open = { ...predict('2', 0.9, 1), open: 'cue 2 is an open entry: test' };
    run('auto', ({ hot }) => ({ predictions$: hot('a', { a: open }) }), '', {});
    confirmsInAuto(open);
    expect(shownAfter(open)).toMatchObject({ cue: '2', armed: true, open: 'cue 2 is an open entry: test' });
  });

  it('shows why the follower is lost on the armed prediction', () => {
    expect(shownAfter({ ...predict('2', 0.9, 1), lost: 'follower lost: test' })).toMatchObject({ cue: '2', armed: true, lost: 'follower lost: test' });
  });

  it('the model is kept out of departments it may not drive', () => {
    run('auto', ({ hot }) => ({ predictions$: hot('a', { a: predict('2', 0.95, 1, VID) }) }), '', {}, config('auto', { modelDepts: [LX] }));
  });

  it('the model fires the live cue again only for a new moment, never twice for the same one', () => {
    run(
      'auto',
      ({ hot }) => ({
        // The fired prediction re-sent after its moment (as every hop re-sends it), the live cue for a
        // beat later (too soon), then for a new section four seconds on.
        predictions$: hot('a 1049ms a 199ms b 2749ms c', { a: predict('2', 0.9, 1), b: predict('2', 0.95, 1.5), c: predict('2', 0.95, 5) }),
      }),
      '1000ms a 3999ms c',
      { a: modelGo(1, '2', 0.9), c: modelGo(5, '2', 0.95) },
    );
  });
});

describe('the operator always wins', () => {
  it('a manual GO during a countdown wins at once and locks the model out for lockoutMs', () => {
    run(
      'auto',
      ({ hot }) => ({
        predictions$: hot('a 2999ms b 8999ms c', { a: predict('2', 0.9, 2), b: predict('3', 0.9, 3.5), c: predict('4', 0.9, 12.5) }),
        console$: hot('500ms g', { g: consoleGo }),
      }),
      // GO at 0.5 s; the armed fire at 2 s and the one at 3.5 s are swallowed by the 10 s lockout;
      // after 10.5 s the model fires again.
      '500ms g 11999ms m',
      { g: opGo(0.5), m: modelGo(12.5, '4', 0.9) },
    );
  });

  it('a prediction blocked by the lockout arms itself when the lockout ends', () => {
    run(
      'auto',
      ({ hot }) => ({ console$: hot('g', { g: consoleGo }), predictions$: hot('1s a', { a: predict('2', 0.9, 15) }) }),
      'g 14999ms m',
      { g: opGo(0), m: modelGo(15, '2', 0.9) },
      config('auto', {}, 5000),
    );
  });

  it('PANIC wins over everything and keeps the model out until an operator acts', () => {
    const panic: ControlEvent = { command: { type: 'panic' }, origin: 'osc', from: '127.0.0.1:9000' };
    run(
      'auto',
      ({ hot }) => ({
        predictions$: hot('a 1999ms b', { a: predict('2', 0.99, 1), b: predict('3', 0.99, 2.5) }),
        controls$: hot('500ms p', { p: panic }),
      }),
      '500ms p',
      { p: { t: 0.5, dept: null, action: 'panic', source: 'osc', user: '127.0.0.1:9000' } },
    );
  });

  it('after PANIC, timecode triggers wait for an operator too', () => {
    const panic: ControlEvent = { command: { type: 'panic' }, origin: 'console', from: 'op' };
    const tc = (cue: string): ControlEvent => ({ command: { type: 'cueStart', dept: LX, cue: cueId(cue) }, origin: 'timecode', from: 'mtc' });
    run(
      'manual',
      ({ hot }) => ({ controls$: hot('a 9ms p 9ms b 9ms g 9ms c', { a: tc('1'), p: panic, b: tc('2'), g: { command: { type: 'go', dept: LX }, origin: 'console', from: 'op' }, c: tc('3') }) }),
      'a 9ms p 19ms g 9ms c',
      {
        a: { t: 0, dept: LX, action: 'goto', cue: cueId('1'), source: 'timecode', user: 'mtc' },
        p: { t: 0.01, dept: null, action: 'panic', source: 'operator', user: 'op' },
        g: { t: 0.03, dept: LX, action: 'go', source: 'operator', user: 'op' },
        c: { t: 0.04, dept: LX, action: 'goto', cue: cueId('3'), source: 'timecode', user: 'mtc' },
      },
    );
  });

  it('HOLD blocks the model until RESUME', () => {
    // Held at 1 s, the armed fire is kept back; after RESUME at 3 s it fires at its time, 3.2 s.
    run(
      'auto',
      ({ hot }) => ({
        predictions$: hot('a', { a: predict('2', 0.9, 3.2) }),
        console$: hot('1s h 1999ms r', { h: { command: { type: 'hold', dept: 'LX' }, user: 'op' }, r: { command: { type: 'resume', dept: 'LX' }, user: 'op' } }),
      }),
      '1s h 1999ms r 199ms m',
      {
        h: { t: 1, dept: LX, action: 'hold', source: 'operator', user: 'op' },
        r: { t: 3, dept: LX, action: 'resume', source: 'operator', user: 'op' },
        m: modelGo(3.2, '2', 0.9),
      },
    );
  });

  it('MSC and OSC commands become decisions with their source', () => {
    run(
      'manual',
      ({ hot }) => ({
        controls$: hot('a 9ms b', {
          a: { command: { type: 'cueStart', dept: VID, cue: cueId('2') }, origin: 'msc', from: 'desk' },
          b: { command: { type: 'timedGo', fadeMs: 3000 }, origin: 'osc', from: 'qlab' },
        }),
      }),
      'a 9ms b',
      {
        a: { t: 0, dept: VID, action: 'goto', cue: cueId('2'), source: 'msc', user: 'desk' },
        b: { t: 0.01, dept: LX, action: 'go', fadeMs: 3000, source: 'osc', user: 'qlab' },
      },
    );
  });
});

describe('arbiter state', () => {
  it('shows the armed prediction with its fire time, the mode and the lockout', () => {
    const ts = new TestScheduler((a, b) => expect(a).toEqual(b));
    const states: ArbiterState[] = [];
    ts.run(({ hot }) => {
      const a = arbitrate({ predictions$: hot('a 999ms -', { a: predict('2', 0.9, 5) }), console$: hot('1s g', { g: consoleGo }) }, config('assist'), ts);
      a.decisions$.subscribe();
      a.state$.subscribe((s) => states.push(s));
    });
    const lx = (s: ArbiterState) => s.depts.find((d) => d.dept === LX)!;
    const armed = states.find((s) => lx(s).prediction?.armed === true)!;
    expect(lx(armed)).toMatchObject({ mode: 'assist', prediction: { cue: '2', confidence: 0.9, fireAtMs: 5000, countdownMs: 5000, armed: true }, lockoutUntilMs: null });
    const afterGo = states.filter((s) => s.tMs === 1000).at(-1)!;
    expect(lx(afterGo)).toMatchObject({ prediction: null, lockoutUntilMs: 11_000 });
    // When the lockout ends the state says so by itself.
    expect(lx(states.at(-1)!)).toMatchObject({ lockoutUntilMs: null });
    expect(states.at(-1)!.tMs).toBe(11_000);
  });

  it('drops predictions for unknown departments or cues, and bad confidences', () => {
    run(
      'auto',
      ({ hot }) => ({
        predictions$: hot('abc', { a: predict('2', 0.9, 1, deptId('SND')), b: predict('77', 0.9, 1), c: predict('2', 1.5, 1) }),
      }),
      '',
      {},
    );
  });
});
