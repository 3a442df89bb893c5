/**
 * The console model over a real show pipeline (virtual time): whatever changes the engine — a
 * console, OSC, a department's own follow — reaches every console as deltas that fold into the
 * snapshot, and the snapshot says what is true (per-department PANIC, blackout, the grand master).
 */
import { Subject, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { ConsoleInput } from '../../../engine/core/arbiter/arbiter.js';
import { ConsoleModel } from '../../../engine/core/console/consoleModel.js';
import type { ControlEvent } from '../../../engine/core/control.js';
import { parseFixtureDefinition } from '../../../engine/core/fixtures/definition.js';
import { compileProfile, type FixtureProfile } from '../../../engine/core/fixtures/profile.js';
import { buildShowPipeline } from '../../../engine/core/pipeline.js';
import { applyDelta, engineSnapshotSchema, type EngineSnapshot } from '../../../engine/core/protocol/index.js';
import { showFileSchema, SHOW_VERSION, type ShowFileInput } from '../../../engine/core/show/schema.js';
import { readFileSync } from 'node:fs';

const par = (() => {
  const r = parseFixtureDefinition(JSON.parse(readFileSync('fixtures/generic/rgbw-par.json', 'utf8')));
  if (!r.ok) throw new Error('generic/rgbw-par does not parse');
  return compileProfile(r.definition, '8-channel');
})();

function rig(departments: ShowFileInput['departments']) {
  const show = showFileSchema.parse({
    version: SHOW_VERSION,
    name: 'console model',
    fixtures: [{ id: 'p1', type: 'generic/rgbw-par', mode: '8-channel', universe: 1, address: 1 }],
    outputs: { universes: [{ id: 1, driver: { kind: 'null' } }] },
    departments,
  });
  const scheduler = new VirtualTimeScheduler();
  scheduler.maxFrames = 20_000;
  const console$ = new Subject<ConsoleInput>();
  const controls$ = new Subject<ControlEvent>();
  const profiles = new Map<string, FixtureProfile>([['p1', par]]);
  const pipeline = buildShowPipeline(show, profiles, { console$, controls$ }, scheduler);
  const model = new ConsoleModel(pipeline, { engineId: 'e', showName: show.name, showPath: null, commands: console$ }, scheduler);
  // A console that joined at the start and folds every delta, as the page does.
  let seen: EngineSnapshot = model.snapshot();
  model.deltas$.subscribe((d) => (seen = applyDelta(seen, d)));
  const sub = pipeline.decisions$.subscribe();
  // `f` may return what `execute` returns (a result, or a promise for a programming command).
  const at = (ms: number, f: () => unknown): void => void scheduler.schedule(() => void f(), ms);
  const who = { role: 'operator' as const, name: 'operator@10.0.0.5' };
  return {
    model, controls$, at, who, pipeline,
    run: (untilMs: number) => {
      scheduler.schedule(() => { sub.unsubscribe(); model.dispose(); pipeline.dispose(); }, untilMs);
      scheduler.flush();
    },
    seen: () => seen,
  };
}

const cues = (n: number, extra: object = {}) => Array.from({ length: n }, (_, i) => ({ number: String(i + 1), levels: { p1: { intensity: (i + 1) / n } }, ...extra }));

describe('the console model', () => {
  it('shows grand master and blackout changed over OSC to every console, and logs who changed them', () => {
    const r = rig([{ id: 'LX', mode: 'manual', cues: cues(2) }]);
    r.at(100, () => r.controls$.next({ command: { type: 'grandMaster', level: 0.5 }, origin: 'osc', from: '10.0.0.9:50000' }));
    r.at(200, () => r.controls$.next({ command: { type: 'blackout', on: true }, origin: 'osc', from: '10.0.0.9:50000' }));
    let mid: EngineSnapshot | undefined;
    r.at(300, () => (mid = r.seen()));
    r.run(400);
    expect(mid).toMatchObject({ grandMaster: 0.5, blackout: true });
    expect(engineSnapshotSchema.parse(mid)).toBeTruthy();
    const settings = mid!.log.filter((d) => d.action === 'setting');
    expect(settings.map((d) => [d.source, d.who, d.note])).toEqual([
      ['osc', 'osc 10.0.0.9:50000', 'grand master 50%'],
      ['osc', 'osc 10.0.0.9:50000', 'blackout on'],
    ]);
  });

  it('keeps a PANIC badge on every department an operator has not taken back, and releases one or all', () => {
    const r = rig([
      { id: 'LX', mode: 'manual', minGoIntervalMs: 0, cues: cues(3) },
      { id: 'VID', mode: 'manual', cues: cues(2) },
      { id: 'CAM', mode: 'manual', cues: cues(2) },
    ]);
    const states: Record<string, unknown> = {};
    const panickedNow = (): string[] => r.seen().depts.filter((d) => d.panicked).map((d) => d.id);
    r.at(100, () => r.model.execute({ type: 'go', dept: 'LX' }, r.who));
    r.at(200, () => r.model.execute({ type: 'panic' }, r.who));
    r.at(300, () => (states['after PANIC'] = { depts: panickedNow(), outputs: r.seen().panic }));
    r.at(400, () => r.model.execute({ type: 'go', dept: 'LX' }, r.who));
    r.at(500, () => (states['after a GO in LX'] = { depts: panickedNow(), outputs: r.seen().panic }));
    r.at(600, () => (states['release VID'] = r.model.execute({ type: 'release-panic', dept: 'VID' }, r.who)));
    r.at(650, () => (states['release VID again'] = r.model.execute({ type: 'release-panic', dept: 'VID' }, r.who)));
    r.at(700, () => (states['after releasing VID'] = panickedNow()));
    r.at(800, () => r.model.execute({ type: 'release-panic' }, r.who));
    r.at(900, () => (states['after releasing all'] = panickedNow()));
    r.at(950, () => (states['release with nothing in PANIC'] = r.model.execute({ type: 'release-panic' }, r.who)));
    r.run(1000);
    expect(states).toEqual({
      'after PANIC': { depts: ['LX', 'VID', 'CAM'], outputs: true },
      'after a GO in LX': { depts: ['VID', 'CAM'], outputs: false },
      'release VID': { ok: true },
      'release VID again': { ok: false, code: 'conflict', message: 'VID is not in PANIC' },
      'after releasing VID': ['CAM'],
      'after releasing all': [],
      'release with nothing in PANIC': { ok: false, code: 'conflict', message: 'nothing is in PANIC' },
    });
    expect(r.seen().log.filter((d) => d.action === 'release').map((d) => d.dept)).toEqual(['VID', null]);
  });

  it('logs cues that fire by themselves (auto-follow, auto-continue) with the follow source', () => {
    const r = rig([{ id: 'LX', mode: 'manual', cues: [
      { number: '1', fadeUpMs: 100, autoFollow: true, levels: { p1: { intensity: 1 } } },
      { number: '2', autoContinueMs: 200, levels: { p1: { intensity: 0.5 } } },
      { number: '3', levels: { p1: { intensity: 0 } } },
    ] }]);
    r.at(100, () => r.model.execute({ type: 'go', dept: 'LX' }, r.who));
    r.run(1000);
    const goes = r.seen().log.filter((d) => d.action === 'go').map((d) => [d.cue, d.source, d.note ?? '', d.atMs]);
    expect(goes).toEqual([
      ['1', 'operator', '', 100],
      ['2', 'follow', 'auto-follow', 200],
      ['3', 'follow', 'auto-continue', 400],
    ]);
    expect(r.seen().depts[0]).toMatchObject({ current: '3' });
  });

  it('sends a universe to the consoles when its bytes change, and nothing for a universe at rest', () => {
    const r = rig([{ id: 'LX', mode: 'manual', minGoIntervalMs: 0, cues: [
      { number: '1', fadeUpMs: 500, levels: { p1: { intensity: 1 } } },
      { number: '2', fadeUpMs: 0, levels: { p1: { intensity: 0 } } },
    ] }]);
    const frames = r.pipeline.runFrames(() => undefined, { restWhenIdle: true }); // as the engine's frame loop does
    r.at(7900, () => frames.unsubscribe());
    const universeDeltas: number[] = [];
    r.model.deltas$.subscribe((d) => d.type === 'universe' && universeDeltas.push(r.model.now()));
    const shown: Record<string, { seen: string; engine: string }> = {};
    const look = (name: string): void => void (shown[name] = { seen: r.seen().universes[0]!.dmx, engine: r.model.snapshot().universes[0]!.dmx });
    r.at(1000, () => r.model.execute({ type: 'go', dept: 'LX' }, r.who));
    r.at(1250, () => look('mid-fade'));
    r.at(2000, () => look('after the fade'));
    r.at(5000, () => r.model.execute({ type: 'go', dept: 'LX' }, r.who));
    r.at(5500, () => look('back out'));
    r.run(8000);
    // At rest the consoles show the engine's bytes; mid-fade they are at most one refresh behind.
    expect(shown['after the fade']!.seen).toBe(shown['after the fade']!.engine);
    expect(shown['back out']!.seen).toBe(shown['back out']!.engine);
    expect(new Set([shown['mid-fade']!.seen, shown['after the fade']!.seen, shown['back out']!.seen]).size).toBe(3);
    // One delta per 100 ms refresh while the fade moves (≤ 6 over its 500 ms), one for the snap out, none at rest.
    const during = universeDeltas.filter((t) => t > 1000 && t <= 1600).length;
    expect(during).toBeGreaterThanOrEqual(4);
    expect(during).toBeLessThanOrEqual(6);
    expect(universeDeltas.filter((t) => t > 1600 && t < 5000)).toEqual([]);
    expect(universeDeltas.filter((t) => t >= 5000 && t <= 5200).length).toBe(1);
    expect(universeDeltas.filter((t) => t > 5200)).toEqual([]);
  });
});
