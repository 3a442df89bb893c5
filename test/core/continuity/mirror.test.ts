import { describe, expect, it } from 'vitest';
import { mirrorDifferences, nextMirrorStep, standbyPriority, takeoverPriority, type MirrorView } from '../../../engine/core/continuity/mirror.js';

const view = (lx: string | null, extra: Partial<MirrorView> = {}): MirrorView => ({
  depts: [{ id: 'LX', current: lx, standby: null, held: false, panicked: false }],
  panic: false,
  blackout: false,
  grandMaster: 1,
  ...extra,
});
const cues = (): readonly string[] => ['1', '2', '3'];

describe('mirroring a primary', () => {
  it('catches up by RESTORE (nothing fired), then follows by GOTO with the cue’s fade, and BACK where the primary went back', () => {
    expect(nextMirrorStep(view('2'), view(null), true, cues)).toEqual({ kind: 'restore', dept: 'LX', cue: '2' });
    expect(nextMirrorStep(view('3'), view('2'), false, cues)).toEqual({ kind: 'command', command: { type: 'goto', dept: 'LX', cue: '3' } });
    expect(nextMirrorStep(view('1'), view('2'), false, cues)).toEqual({ kind: 'command', command: { type: 'back', dept: 'LX' } });
    expect(nextMirrorStep(view(null), view('2'), false, cues)).toEqual({ kind: 'restore', dept: 'LX', cue: null });
  });

  it('mirrors PANIC, the grand master and blackout once the cues agree; nothing when all agree', () => {
    expect(nextMirrorStep(view('1', { panic: true }), view('1'), false, cues)).toEqual({ kind: 'command', command: { type: 'panic' } });
    expect(nextMirrorStep(view('1', { grandMaster: 0.5 }), view('1'), false, cues)).toEqual({ kind: 'command', command: { type: 'set-grand-master', level: 0.5 } });
    expect(nextMirrorStep(view('1', { blackout: true }), view('1'), false, cues)).toEqual({ kind: 'blackout', on: true });
    expect(nextMirrorStep(view('1'), view('1'), false, cues)).toBeUndefined();
  });

  it('follows below the show’s sACN priority and takes over just above it, inside E1.31’s 0..200', () => {
    expect([standbyPriority(100), takeoverPriority(100)]).toEqual([90, 101]);
    expect([standbyPriority(5), takeoverPriority(200)]).toEqual([0, 200]);
  });

  it('names each difference a hand-back must not leave', () => {
    expect(mirrorDifferences(view('2'), view('3'))).toEqual(['LX: primary at cue 2, here at cue 3']);
  });
});
