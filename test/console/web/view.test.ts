import { describe, expect, it } from 'vitest';
import { SILENT_AUDIO, type EngineSnapshot } from '../../../engine/core/protocol/index.js';
import { deptView, headerView, keyEffect, PANIC_ESC_WINDOW_MS, type KeyPress, type PageState } from '../../../console/web/view.js';

const dept = (id: string, panicked = false) => ({
  id, label: id, mode: 'manual' as const, confidenceThreshold: 0.8, cues: [{ number: '1' }, { number: '2' }],
  current: null, standby: '1', next: '2', held: false, panicked, fadeProgress: null, lockoutUntilMs: null, prediction: null,
});
const snapshot = (patch: Partial<EngineSnapshot> = {}): EngineSnapshot => ({
  engineId: 'e', show: { name: 'show', path: null }, engineTimeMs: 0, panic: false, blackout: false, grandMaster: 1,
  depts: [dept('LX'), dept('VID', true)], audio: SILENT_AUDIO, universes: [], log: [], ...patch,
});
const page: PageState = { role: 'operator', selected: 0, cursor: new Map(), overlay: null, lastEscAt: -Infinity };
const key = (k: string): KeyPress => ({ key: k, repeat: false, modifier: false, inTextField: false });

describe('console view: what the page shows comes from the snapshot', () => {
  it('shows blackout, a lowered grand master, departments still in PANIC and a RELEASE ALL', () => {
    const h = headerView(snapshot({ blackout: true, grandMaster: 0.5 }), page);
    expect(h).toMatchObject({ blackout: true, gmText: 'GM 50%', gmDown: true, panickedDepts: ['VID'], releaseAll: { shown: true, allowed: true } });
    expect(headerView(snapshot({ depts: [dept('LX')] }), page).releaseAll.shown).toBe(false);
    expect(headerView(snapshot(), { ...page, role: 'viewer' }).releaseAll.allowed).toBe(false);
  });

  it('gives a department in PANIC its badge and a RELEASE for it alone', () => {
    const v = deptView(dept('VID', true), 1, page);
    expect(v.badges.map((b) => b.kind)).toEqual(['panicked']);
    expect(v.release?.command).toEqual({ type: 'release-panic', dept: 'VID' });
    expect(deptView(dept('LX'), 0, page).release).toBeNull();
  });
});

describe('console keys', () => {
  it('PANICs on ESC twice within the window, not once', () => {
    const first = keyEffect(key('Escape'), snapshot(), page, 1000);
    expect(first).toMatchObject({ kind: 'status', page: { lastEscAt: 1000 } });
    expect(keyEffect(key('Escape'), snapshot(), { ...page, lastEscAt: 1000 }, 1000 + PANIC_ESC_WINDOW_MS - 1)).toEqual({ kind: 'command', command: { type: 'panic' } });
    expect(keyEffect(key('Escape'), snapshot(), { ...page, lastEscAt: 1000 }, 1000 + PANIC_ESC_WINDOW_MS + 1).kind).toBe('status');
  });

  it('does nothing but close the overlay while the help or the token form is open: no PANIC, no GO', () => {
    for (const overlay of ['help', 'token'] as const) {
      const open = { ...page, overlay, lastEscAt: 1000 };
      expect(keyEffect(key('Escape'), snapshot(), open, 1100)).toEqual({ kind: 'page', change: { overlay: null, lastEscAt: -Infinity } });
      for (const k of [' ', 'b', 'h', 'm', 'Enter', '1', 'r']) expect(keyEffect(key(k), snapshot(), open, 1100)).toEqual({ kind: 'none' });
    }
    // Closing the help with ESC does not count towards a PANIC.
    const closed = { ...page, overlay: null, lastEscAt: -Infinity };
    expect(keyEffect(key('Escape'), snapshot(), closed, 1200).kind).toBe('status');
  });

  it('releases the selected department with R, and never takes keys typed into a text field', () => {
    expect(keyEffect(key('r'), snapshot(), { ...page, selected: 1 }, 0)).toEqual({ kind: 'command', command: { type: 'release-panic', dept: 'VID' } });
    expect(keyEffect({ ...key(' '), inTextField: true }, snapshot(), page, 0)).toEqual({ kind: 'none' });
  });
});
