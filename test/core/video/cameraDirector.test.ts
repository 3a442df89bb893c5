/**
 * The camera director on virtual time: a move for a camera on program waits until it leaves program
 * (unless the cue says it may move live); the standby shot's camera prepositions off air and goes to
 * preview; a shot waits for its camera to report its position, at most the settle limit.
 */
import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { cueId, deptId } from '../../../engine/core/ids.js';
import type { CameraState } from '../../../engine/core/protocol/devices.js';
import { SHOW_VERSION, showFileSchema, type OutputMessage, type ShowFileInput } from '../../../engine/core/show/schema.js';
import type { CameraConfig, ShotMessage, ShotTransition } from '../../../engine/core/show/video.js';
import { CameraDirector, type CameraMove, describeMove } from '../../../engine/core/video/cameraDirector.js';

const CAM = deptId('CAM');

function setup(moveInBlack = true) {
  const input: ShowFileInput = {
    version: SHOW_VERSION,
    name: 'cams',
    outputs: {
      visca: [{ id: 'v1', host: '127.0.0.1' }, { id: 'v2', host: '127.0.0.1' }],
      switchers: [{ id: 'sw', kind: 'atem', host: '127.0.0.1' }],
      cameras: [
        { id: 'cam1', visca: 'v1', switcher: 'sw', input: 1, settleLimitMs: 800 },
        { id: 'cam2', visca: 'v2', switcher: 'sw', input: 2, settleLimitMs: 800 },
        { id: 'wide', switcher: 'sw', input: 3 },
      ],
    },
    departments: [{ id: 'CAM', moveInBlack, cues: [{ number: '1' }] }],
  };
  const show = showFileSchema.parse(input);
  const vt = new VirtualTimeScheduler();
  const log: string[] = [];
  const at = (): string => `${vt.now()}`;
  const director = new CameraDirector(
    show,
    {
      move: (c: CameraConfig, m: CameraMove, id: number) => log.push(`${at()} move ${c.id} ${describeMove(m)} #${id}`),
      take: (c: CameraConfig, t: ShotTransition) => log.push(`${at()} take ${c.id} ${t === 'cut' ? 'cut' : `${t.style} ${t.durationMs}`}`),
      preview: (c: CameraConfig) => log.push(`${at()} preview ${c.id}`),
      forward: (m: OutputMessage) => log.push(`${at()} forward ${m.kind}`),
    },
    {},
    vt,
  );
  const states = new Map<string, CameraState>();
  director.states$.subscribe((s) => states.set(s.id, s));
  /** Advances virtual time to `untilMs`, running what is due on the way. */
  const run = (untilMs: number): void => {
    vt.schedule(() => undefined, untilMs - vt.now());
    vt.maxFrames = untilMs;
    vt.flush();
  };
  const fire = (cue: string, message: OutputMessage): void => director.route({ tMs: vt.now(), dept: CAM, cue: cueId(cue), message });
  const shot = (target: string, extra: Partial<ShotMessage> = {}): ShotMessage => ({ kind: 'shot', target, transition: 'cut', moveLive: false, ...extra });
  const program = (...ids: string[]): void => director.tally('sw', new Set(ids), new Set());
  return { director, vt, log, states, run, fire, shot, program };
}

describe('camera director', () => {
  it('holds a VISCA move for a camera on program until it leaves program, with an alarm', () => {
    const t = setup();
    t.program('cam1');
    t.fire('5', { kind: 'visca', target: 'v1', action: 'recall', preset: 4 });
    expect(t.log).toEqual([]);
    expect(t.states.get('cam1')?.held).toMatchObject({ dept: 'CAM', cue: '5', what: 'preset 4', sinceMs: 0 });
    expect(t.director.stats.held).toBe(1);
    t.run(3000);
    t.program('cam2');
    expect(t.log).toEqual(['3000 move cam1 preset 4 #1']);
    expect(t.states.get('cam1')).toMatchObject({ held: null, program: false, moving: true });
    // A camera off air moves at once; a stop is never held; another device's message passes through.
    t.fire('6', { kind: 'visca', target: 'v2', action: 'pan-tilt', direction: 'stop', panSpeed: 1, tiltSpeed: 1 });
    t.fire('6', { kind: 'osc', target: 'video', address: '/clip/1', args: [] });
    expect(t.log.slice(1)).toEqual(['3000 forward visca', '3000 forward osc']);
  });

  it('moves a camera on program at once when the cue says it may move live', () => {
    const t = setup();
    t.program('cam1');
    t.fire('5', { kind: 'visca', target: 'v1', action: 'zoom', direction: 'tele', speed: 3, moveLive: true });
    expect(t.log).toEqual(['0 move cam1 zoom tele #1']);
    expect(t.states.get('cam1')?.held).toBeNull();
  });

  it('cuts when the camera reports its position, or at the settle limit, or at once when it cannot tell', () => {
    const t = setup(false);
    t.program('wide');
    t.fire('1', t.shot('cam1', { preset: 2 }));
    expect(t.log).toEqual(['0 move cam1 preset 2 #1']);
    t.run(300);
    t.director.arrived('cam1', 1, 'arrived');
    expect(t.log).toEqual(['0 move cam1 preset 2 #1', '300 take cam1 cut']);
    t.program('cam1');
    t.log.length = 0;
    // No report: the cut goes at cam2's settle limit (800 ms).
    t.fire('2', t.shot('cam2', { preset: 5, transition: { style: 'mix', durationMs: 1000 } }));
    t.run(1099);
    expect(t.log).toEqual(['300 move cam2 preset 5 #2']);
    t.run(1100);
    expect(t.log).toEqual(['300 move cam2 preset 5 #2', '1100 take cam2 mix 1000']);
    expect(t.director.stats.settleTimeouts).toBe(1);
    t.program('cam2');
    t.log.length = 0;
    // A camera that cannot report (no inquiry support): the cut does not wait.
    t.fire('3', t.shot('cam1', { preset: 3 }));
    t.director.arrived('cam1', 3, 'unknown');
    expect(t.log).toEqual(['1100 move cam1 preset 3 #3', '1100 take cam1 cut']);
    // A fixed camera cuts at once.
    t.fire('4', t.shot('wide'));
    expect(t.log.at(-1)).toBe('1100 take wide cut');
  });

  it('prepositions the standby shot off air (move in black), so its cut does not wait', () => {
    const t = setup();
    t.program('wide');
    t.fire('1', t.shot('cam1', { preset: 1 }));
    t.director.arrived('cam1', 1, 'arrived');
    t.program('cam1');
    t.log.length = 0;
    t.director.setStandby(CAM, { cue: cueId('2'), shot: t.shot('cam2', { preset: 7 }) });
    expect(t.log).toEqual(['0 move cam2 preset 7 #2', '0 preview cam2']);
    t.run(2000);
    t.director.arrived('cam2', 2, 'arrived');
    t.fire('2', t.shot('cam2', { preset: 7 }));
    expect(t.log.slice(2)).toEqual(['2000 take cam2 cut']);
  });

  it('alternating shots: the next shot on the camera leaving program prepositions once the tally shows it off air', () => {
    const t = setup();
    t.program('cam1');
    t.director.setStandby(CAM, { cue: cueId('3'), shot: t.shot('cam1', { preset: 9 }) });
    // cam1 is on air: its preposition waits, silently (no alarm: it is not a cue's move).
    expect(t.log).toEqual([]);
    expect(t.states.get('cam1')?.held).toBeNull();
    t.fire('2', t.shot('cam2'));
    expect(t.log).toEqual(['0 take cam2 cut']);
    t.run(40);
    t.program('cam2');
    expect(t.log).toEqual(['0 take cam2 cut', '40 move cam1 preset 9 #1']);
    expect(t.states.get('cam1')).toMatchObject({ program: false, moving: true, held: null });
  });

  it('a shot on the camera that is on air keeps it still (held move, alarm) unless it may move live', () => {
    const t = setup();
    t.program('cam1');
    t.fire('4', t.shot('cam1', { preset: 2 }));
    expect(t.log).toEqual(['0 take cam1 cut']);
    expect(t.states.get('cam1')?.held).toMatchObject({ cue: '4', what: 'preset 2' });
    t.log.length = 0;
    t.fire('5', t.shot('cam1', { preset: 6, moveLive: true }));
    expect(t.log).toEqual(['0 move cam1 preset 6 #1']);
    expect(t.states.get('cam1')?.held).toBeNull();
  });

  it('shows the tally as unknown while the switcher is down, and still guards the camera last seen on air', () => {
    const t = setup();
    t.program('cam1');
    t.director.tallyLost('sw');
    expect(t.states.get('cam1')).toMatchObject({ program: true, tallyKnown: false });
    t.fire('5', { kind: 'visca', target: 'v1', action: 'recall', preset: 1 });
    expect(t.log).toEqual([]);
  });
});
