import { describe, expect, it } from 'vitest';
import { filter, map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { createPlayback, type Playback } from '../../../engine/core/playback/playback.js';
import { type PlaybackEvent } from '../../../engine/core/playback/deptPlayback.js';
import { SLOT_INTENSITY, SLOT_PAN, SLOTS_PER_FIXTURE } from '../../../engine/core/playback/slots.js';
import { type Decision } from '../../../engine/core/arbiter/types.js';
import { cueId, deptId } from '../../../engine/core/ids.js';
import { type ShowFile, type ShowFileInput } from '../../../engine/core/show/schema.js';
import { ShowFileError } from '../../../engine/core/errors.js';
import { makeShow, renderersFor } from './fixtures.js';

type DeptInput = ShowFileInput['departments'][number];
const LX = deptId('LX');

function lx(cues: DeptInput['cues'], extra: Partial<DeptInput> = {}): DeptInput {
  return { id: 'LX', mode: 'manual', minGoIntervalMs: 0, cues, ...extra };
}

const go = (t = 0, dept = LX): Decision => ({ t, dept, action: 'go', source: 'operator' });
const decision = (action: Decision['action'], cue?: string, dept = LX): Decision => ({ t: 0, dept, action, source: 'operator', ...(cue !== undefined ? { cue: cueId(cue) } : {}) });

/** Runs `script` in virtual time; `at(ms, fn)` schedules a step. */
function virtual(show: ShowFile, script: (pb: Playback, at: (ms: number, fn: () => void) => void, ts: TestScheduler) => void): Playback {
  const ts = new TestScheduler((a, b) => expect(a).toEqual(b));
  let pb!: Playback;
  ts.run(() => {
    pb = createPlayback(show, { renderers: renderersFor(show) }, ts);
    script(pb, (ms, fn) => ts.schedule(fn, ms), ts);
  });
  return pb;
}

const intensity = (pb: Playback, fixture: number): number => pb.frame(pb['scheduler'].now()).slots[fixture * SLOTS_PER_FIXTURE + SLOT_INTENSITY]!;
const pan = (pb: Playback, fixture: number): number => pb.frame(pb['scheduler'].now()).slots[fixture * SLOTS_PER_FIXTURE + SLOT_PAN]!;

/** Samples fixture 0's intensity at the given times (ms). */
function sampleIntensity(show: ShowFile, decisions: [number, Decision][], times: number[], fixture = 0): number[] {
  const out: number[] = [];
  virtual(show, (pb, at) => {
    for (const [t, d] of decisions) at(t, () => pb.apply(d));
    for (const t of times) at(t, () => out.push(intensity(pb, fixture)));
  });
  return out;
}

describe('LX timing', () => {
  it('a 3 s fade with a 1 s delay reaches 50% at 2.5 s', () => {
    const show = makeShow([lx([{ number: '1', delayMs: 1000, fadeUpMs: 3000, levels: { p1: { intensity: 1 } } }])]);
    expect(sampleIntensity(show, [[0, go()]], [0, 1000, 2500, 4000, 5000])).toEqual([0, 0, 0.5, 1, 1]);
    const dmx: number[] = [];
    virtual(show, (pb, at) => {
      at(0, () => pb.apply(go()));
      at(2500, () => dmx.push(pb.frame(2500).universes.get(1)![0]!));
    });
    expect(dmx).toEqual([128]);
  });

  it('fades down in the fade-down time and up in the fade-up time', () => {
    const show = makeShow([lx([
      { number: '1', fadeUpMs: 1000, levels: { p1: { intensity: 1 } } },
      { number: '2', fadeUpMs: 1000, fadeDownMs: 4000, levels: { p1: { intensity: 0 }, p2: { intensity: 1 } } },
    ])]);
    expect(sampleIntensity(show, [[0, go()], [2000, go()]], [3000, 4000, 6000])).toEqual([0.75, 0.5, 0]);
    expect(sampleIntensity(show, [[0, go()], [2000, go()]], [2500, 3000], 1)).toEqual([0.5, 1]);
  });

  it('follow and auto-continue chain the next cues', () => {
    const show = makeShow([lx([
      { number: '1', fadeUpMs: 1000, autoFollow: true, levels: { p1: { intensity: 1 } } },
      { number: '2', autoContinueMs: 500, levels: { p1: { intensity: 0.5 } } },
      { number: '3', delayMs: 200, fadeUpMs: 300, autoFollow: true, levels: { p1: { intensity: 0.2 } } },
      { number: '4', levels: { p1: { intensity: 0.9 } } },
      { number: '5', levels: { p1: { intensity: 0.1 } } },
    ])]);
    const ts = new TestScheduler((a, b) => expect(a).toEqual(b));
    ts.run(({ expectObservable, cold }) => {
      const pb = createPlayback(show, { renderers: renderersFor(show) }, ts);
      const fires = pb.events$.pipe(filter((e): e is Extract<PlaybackEvent, { kind: 'fire' }> => e.kind === 'fire'), map((e) => `${e.cue}:${e.reason}`));
      expectObservable(fires, '^ 3s !').toBe('a 999ms b 499ms c 499ms d', { a: '1:go', b: '2:follow', c: '3:continue', d: '4:follow' });
      pb.connect(cold<Decision>('a', { a: go() }));
    });
  });

  it('a GO during a fade takes over from the current values', () => {
    const show = makeShow([lx([
      { number: '1', fadeUpMs: 2000, levels: { p1: { intensity: 1 } } },
      { number: '2', fadeUpMs: 1000, levels: { p1: { intensity: 0 } } },
    ])]);
    // At 1 s cue 1 has p1 at 0.5; cue 2 fades from there to 0 in 1 s.
    expect(sampleIntensity(show, [[0, go()], [1000, go()]], [1000, 1500, 2000, 3000])).toEqual([0.5, 0.25, 0, 0]);
  });

  it('runs several fades at once: a cue only takes the attributes it changes', () => {
    const show = makeShow([lx([
      { number: '1', fadeUpMs: 2000, levels: { p1: { intensity: 1 } } },
      { number: '2', fadeUpMs: 500, levels: { p2: { intensity: 1 } } },
    ])]);
    expect(sampleIntensity(show, [[0, go()], [1000, go()]], [1500, 2000])).toEqual([0.75, 1]);
    expect(sampleIntensity(show, [[0, go()], [1000, go()]], [1250, 1500], 1)).toEqual([0.5, 1]);
  });

  it('applies the fade curve', () => {
    const show = makeShow([lx([{ number: '1', fadeUpMs: 1000, curve: 's-curve', levels: { p1: { intensity: 1 } } }])]);
    const [quarter] = sampleIntensity(show, [[0, go()]], [250]);
    expect(quarter).toBeCloseTo(0.15625, 9);
  });

  it('uses per-attribute times', () => {
    const show = makeShow([lx([
      { number: '1', fadeUpMs: 1000, attributeTimes: { position: { delayMs: 1000, fadeMs: 2000 } }, levels: { p1: { intensity: 1, pan: 0 } } },
      { number: '2', fadeUpMs: 1000, attributeTimes: { position: { delayMs: 1000, fadeMs: 2000 } }, levels: { p1: { pan: 540 } } },
    ])]);
    const pans: number[] = [];
    virtual(show, (pb, at) => {
      at(0, () => pb.apply(go()));
      at(5000, () => pb.apply(go()));
      for (const t of [5500, 6000, 7000, 8000]) at(t, () => pans.push(pan(pb, 0)));
    });
    expect(pans).toEqual([0, 0, 270, 540]);
  });
});

describe('tracking and cue-only', () => {
  const cues = (cueOnly: boolean): DeptInput['cues'] => [
    { number: '1', levels: { p1: { intensity: 1 } } },
    { number: '2', cueOnly, levels: { p1: { intensity: 0.5 } } },
    { number: '3', levels: { p2: { intensity: 1 } } },
  ];
  const after3 = (cueOnly: boolean): number[] =>
    sampleIntensity(makeShow([lx(cues(cueOnly))]), [[0, go()], [100, go()], [200, go()]], [150, 300]);

  it('tracking keeps a change into the next cues', () => {
    expect(after3(false)).toEqual([0.5, 0.5]);
  });

  it('a cue-only change is undone by the next cue', () => {
    expect(after3(true)).toEqual([0.5, 1]);
  });

  it('GOTO a cue gives its tracked look whatever ran before', () => {
    const show = makeShow([lx(cues(false))]);
    expect(sampleIntensity(show, [[0, decision('goto', '3')]], [100])).toEqual([0.5]);
  });
});

describe('stack commands', () => {
  const three = makeShow([lx([
    { number: '1', fadeUpMs: 1000, levels: { p1: { intensity: 1 } } },
    { number: '2', fadeUpMs: 1000, levels: { p1: { intensity: 0.2 } } },
    { number: '1.5', levels: { p1: { intensity: 0.6 } } },
  ], { minGoIntervalMs: 250 })]);

  it('the minimum GO interval swallows a double press', () => {
    const ts = new TestScheduler((a, b) => expect(a).toEqual(b));
    ts.run(({ expectObservable, hot }) => {
      const pb = createPlayback(three, { renderers: renderersFor(three) }, ts);
      pb.connect(hot<Decision>('a 99ms b 299ms c', { a: go(), b: go(), c: go() }));
      const seen = pb.events$.pipe(map((e) => (e.kind === 'fire' ? `fire ${e.cue}` : e.kind)));
      expectObservable(seen, '^ 1s !').toBe('a 99ms b 299ms c', { a: 'fire 1', b: 'swallowed', c: 'fire 1.5' });
    });
  });

  it('orders point cues numerically and LOAD sets the standby', () => {
    const states: (string | null)[][] = [];
    virtual(three, (pb, at) => {
      const s = () => {
        const d = pb.snapshot().depts[0]!;
        states.push([d.current, d.standby, d.next]);
      };
      at(0, () => { pb.apply(go()); s(); });
      at(500, () => { pb.apply(decision('load', '2')); s(); });
      at(1000, () => { pb.apply(go()); s(); });
      at(2000, () => { pb.apply(decision('load', '7')); s(); });
    });
    expect(states).toEqual([['1', '1.5', '2'], ['1', '2', null], ['2', null, null], ['2', null, null]]);
  });

  it('BACK returns to the previous look in its fade time, and home from the first cue', () => {
    const show = makeShow([lx([
      { number: '1', fadeUpMs: 1000, levels: { p1: { intensity: 1 } } },
      { number: '2', delayMs: 5000, fadeUpMs: 1000, levels: { p1: { intensity: 0.2 } } },
    ])]);
    expect(sampleIntensity(show, [[0, go()], [1000, go()], [7000, decision('back')]], [6500, 7500, 8000]).map((v) => Math.round(v * 1e9) / 1e9)).toEqual([0.6, 0.6, 1]);
    expect(sampleIntensity(show, [[0, go()], [2000, decision('back')]], [2500, 3000])).toEqual([0.5, 0]);
  });

  it('HOLD pauses fades and follows; RESUME continues where they were', () => {
    const show = makeShow([lx([
      { number: '1', fadeUpMs: 2000, autoFollow: true, levels: { p1: { intensity: 1 } } },
      { number: '2', levels: { p1: { intensity: 0.3 } } },
    ])]);
    const d = (a: Decision['action']) => decision(a);
    expect(sampleIntensity(show, [[0, go()], [500, d('hold')], [1500, d('resume')]], [500, 1500, 2500, 2999, 3001])).toEqual([0.25, 0.25, 0.75, 0.9995, 0.3]);
  });

  it('STOP freezes levels and cancels follows; PANIC fades every intensity to zero', () => {
    const show = makeShow([lx([
      { number: '1', fadeUpMs: 2000, autoFollow: true, levels: { p1: { intensity: 1 }, p2: { intensity: 1 } } },
      { number: '2', levels: { p1: { intensity: 0.3 } } },
    ])], 2, { safety: { panicFadeMs: 1000, grandMaster: 1 } });
    expect(sampleIntensity(show, [[0, go()], [1000, decision('stop')]], [1000, 3000, 5000])).toEqual([0.5, 0.5, 0.5]);
    const panic: Decision = { t: 0, dept: null, action: 'panic', source: 'operator' };
    expect(sampleIntensity(show, [[0, go()], [1000, panic]], [1500, 2000, 5000])).toEqual([0.25, 0, 0]);
  });

  it('PANIC during an effect that holds the light low fades from what is shown: it never gets brighter', () => {
    // Cue 1 is at full, but a beat-phase effect holds p1 between 0.1 and 0.3; PANIC stops the effect.
    const show = makeShow([lx([{ number: '1', levels: { p1: { intensity: 1 } }, bindings: [{ source: 'beat-phase', target: 'p1', attribute: 'intensity', mode: 'follow', range: [0.1, 0.3] }] }])], 2, { safety: { panicFadeMs: 1000, grandMaster: 1 } });
    const seen: number[] = [];
    virtual(show, (pb, at) => {
      at(0, () => pb.apply(go()));
      for (let t = 100; t <= 1000; t += 100) at(t, () => seen.push(intensity(pb, 0)));
      at(1000, () => pb.apply({ t: 1, dept: null, action: 'panic', source: 'operator' }));
      for (let t = 1020; t <= 2100; t += 40) at(t, () => seen.push(intensity(pb, 0)));
    });
    const before = seen.slice(0, 10);
    expect(Math.max(...before)).toBeLessThanOrEqual(0.3);
    const after = seen.slice(10);
    for (let i = 1; i < after.length; i++) expect(after[i]!).toBeLessThanOrEqual(after[i - 1]! + 1e-9);
    expect(after[0]!).toBeLessThanOrEqual(before.at(-1)! + 1e-9);
    expect(after.at(-1)).toBe(0);
  });

  it('drops decisions for unknown departments or cues without throwing', () => {
    const refused: string[] = [];
    virtual(three, (pb, at) => {
      pb.events$.subscribe((e) => { if (e.kind === 'refused') refused.push(e.reason); });
      at(0, () => {
        pb.apply({ t: 0, dept: deptId('NOPE'), action: 'go', source: 'operator' });
        pb.apply(decision('goto', '99'));
        pb.apply({ t: 0, dept: null, action: 'go', source: 'operator' });
      });
    });
    expect(refused).toEqual(['there is no cue 99 in LX']);
  });
});

describe('move in black', () => {
  const cues: DeptInput['cues'] = [
    { number: '1', fadeUpMs: 1000, levels: { p1: { intensity: 1, pan: 0 } } },
    { number: '2', fadeUpMs: 1000, fadeDownMs: 2000, levels: { p1: { intensity: 0 }, p2: { intensity: 1 } } },
    { number: '3', fadeUpMs: 1000, levels: { p1: { intensity: 1, pan: 270 } } },
  ];
  const pans = (moveInBlack: boolean): number[] => {
    const out: number[] = [];
    virtual(makeShow([lx(cues, { moveInBlack })]), (pb, at) => {
      at(0, () => pb.apply(go()));
      at(2000, () => pb.apply(go()));
      at(10_000, () => pb.apply(go()));
      for (const t of [3000, 4000, 4500, 5000, 10_000, 10_500]) at(t, () => out.push(pan(pb, 0)));
    });
    return out;
  };

  it('prepositions a fixture once it is dark, before the cue that lights it', () => {
    // Dark at 4 s (2 s fade-down from 2 s), then pan moves in cue 2's 1 s time.
    expect(pans(true)).toEqual([0, 0, 135, 270, 270, 270]);
  });

  it('without move-in-black the fixture moves in the cue that lights it', () => {
    expect(pans(false)).toEqual([0, 0, 0, 0, 0, 135]);
  });
});

describe('messages', () => {
  it('a VID cue sends its messages after its delay, and HOLD holds them', () => {
    const show = makeShow([lx([{ number: '1', levels: { p1: { intensity: 1 } } }]), {
      id: 'VID', mode: 'manual', minGoIntervalMs: 0, cues: [
        { number: '1', delayMs: 500, messages: [{ kind: 'osc', target: 'vid', address: '/composition/layers/1/clips/1/connect', args: [1] }] },
        { number: '2', messages: [{ kind: 'osc', target: 'vid', address: '/b' }, { kind: 'osc', target: 'vid', address: '/c' }] },
      ],
    }]);
    const ts = new TestScheduler((a, b) => expect(a).toEqual(b));
    ts.run(({ expectObservable, hot }) => {
      const pb = createPlayback(show, { renderers: renderersFor(show) }, ts);
      const VID = deptId('VID');
      pb.connect(hot<Decision>('a 199ms h 99ms r 999ms g', {
        a: go(0, VID), h: decision('hold', undefined, VID), r: decision('resume', undefined, VID), g: go(0, VID),
      }));
      const sent = pb.messages$.pipe(map((m) => (m.message.kind === 'osc' ? `${m.cue}${m.message.address}` : '?')));
      expectObservable(sent, '^ 2s !').toBe('600ms a 699ms (bc)', { a: '1/composition/layers/1/clips/1/connect', b: '2/b', c: '2/c' });
    });
  });
});

describe('effects', () => {
  it('a chase steps across its fixtures on every beat while its cue is live', () => {
    const show = makeShow([lx([
      { number: '1', levels: { all: { intensity: 0.1 } }, bindings: [{ source: 'beat', target: ['p1', 'p2', 'p3'], attribute: 'intensity', mode: 'chase', range: [0, 1], releaseMs: 0 }] },
      { number: '2', levels: { all: { intensity: 0.1 } } },
    ])], 3);
    const lit: number[] = [];
    virtual(show, (pb, at) => {
      at(0, () => pb.apply(go()));
      for (let b = 0; b < 4; b++) {
        at(100 + b * 500, () => pb.feed.pushBeat({ t: (100 + b * 500) / 1000, index: b, bpm: 120, confidence: 1, beatInBar: b % 4, beatsPerBar: 4, isDownbeat: b % 4 === 0, barIndex: 0, nextBeatT: 0, decidedT: 0 }));
        at(150 + b * 500, () => {
          const slots = pb.frame(150 + b * 500).slots;
          lit.push([0, 1, 2].findIndex((f) => slots[f * SLOTS_PER_FIXTURE] === 1));
        });
      }
      at(2000, () => pb.apply(go()));
      at(2100, () => lit.push(intensity(pb, 0) + intensity(pb, 1) + intensity(pb, 2)));
    });
    expect(lit.slice(0, 4)).toEqual([0, 1, 2, 0]);
    expect(lit[4]).toBeCloseTo(0.3, 9);
  });

  it('intensity follows loudness within the range', () => {
    const show = makeShow([lx([{ number: '1', bindings: [{ source: 'rms', target: 'p1', attribute: 'intensity', mode: 'follow', range: [0.2, 1] }] }])], 1);
    const got: number[] = [];
    virtual(show, (pb, at) => {
      at(0, () => pb.apply(go()));
      const frame = (t: number, rms: number) => ({ t, rms, loudness: 1, spectralCentroidHz: 1000, flux: 0 });
      at(10, () => pb.feed.pushFeatures(frame(0.01, 0.5)));
      at(20, () => got.push(intensity(pb, 0)));
      at(30, () => pb.feed.pushFeatures(frame(0.03, 0.25)));
      at(40, () => got.push(intensity(pb, 0)));
    });
    expect(got[0]).toBeCloseTo(1, 9);
    // 0.25 against a peak of 0.5 that has decayed for 20 ms (half-life 10 s): just over 0.6.
    expect(got[1]).toBeCloseTo(0.6, 2);
  });

});

describe('show problems', () => {
  it('a cue naming an unpatched fixture is a show-file error with its path', () => {
    const show = makeShow([lx([{ number: '1', levels: { par9: { intensity: 1 } } }])]);
    expect(() => createPlayback(show, { renderers: renderersFor(show) })).toThrow(ShowFileError);
    try {
      createPlayback(show, { renderers: renderersFor(show) });
    } catch (err) {
      expect((err as ShowFileError).problems[0]).toMatchObject({ path: 'departments[0].cues[0].levels.par9' });
    }
  });

  it('duplicate cue numbers are refused', () => {
    const show = makeShow([lx([{ number: '1' }, { number: '1.0' }])]);
    expect(() => createPlayback(show, { renderers: renderersFor(show) })).toThrow(/appears twice/);
  });
});

describe('more than one department with levels', () => {
  it('merges intensity highest-takes-precedence and the rest latest-takes-precedence', () => {
    const show = makeShow([
      lx([{ number: '1', levels: { p1: { intensity: 0.3, pan: 100 } } }]),
      { id: 'LX2', mode: 'manual', minGoIntervalMs: 0, cues: [{ number: '1', levels: { p1: { intensity: 0.6, pan: 200 } } }, { number: '2', levels: { p1: { intensity: 0.1 } } }] },
    ]);
    const LX2 = deptId('LX2');
    const got: number[] = [];
    virtual(show, (pb, at) => {
      at(0, () => pb.apply(go(0, LX2)));
      at(10, () => pb.apply(go()));
      at(20, () => got.push(intensity(pb, 0), pan(pb, 0)));
      at(30, () => pb.apply(go(0, LX2)));
      at(40, () => got.push(intensity(pb, 0), pan(pb, 0)));
    });
    expect(got).toEqual([0.6, 100, 0.3, 100]);
  });
});

describe('GO details', () => {
  it('a GO during HOLD releases the hold', () => {
    const show = makeShow([lx([
      { number: '1', fadeUpMs: 1000, levels: { p1: { intensity: 1 } } },
      { number: '2', fadeUpMs: 1000, levels: { p2: { intensity: 1 } } },
    ])]);
    const held: boolean[] = [];
    virtual(show, (pb, at) => {
      at(0, () => pb.apply(go()));
      at(500, () => pb.apply(decision('hold')));
      at(800, () => { pb.apply(go()); held.push(pb.snapshot().depts[0]!.held); });
      at(1300, () => held.push(intensity(pb, 0) === 1));
    });
    expect(held).toEqual([false, true]);
  });

  it('a timed GO (MSC TIMED_GO) overrides the cue times', () => {
    const show = makeShow([lx([{ number: '1', fadeUpMs: 10_000, levels: { p1: { intensity: 1 } } }])]);
    expect(sampleIntensity(show, [[0, { ...go(), fadeMs: 1000 }]], [500, 1000])).toEqual([0.5, 1]);
  });
});
