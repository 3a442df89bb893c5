/**
 * The show editor over a real show pipeline on virtual time: each programming command is validated as
 * the show file is, saved before it changes the running show, undoable and redoable, checked against
 * the revision it was made on (two consoles: a conflict, never a silent overwrite), and logged with who
 * made it. The store here keeps the saved documents in memory; `showStore.test.ts` covers the file.
 */
import { NEVER, Subject, VirtualTimeScheduler } from 'rxjs';
import type { Prediction } from '../../../engine/core/arbiter/types.js';
import { cueId, deptId } from '../../../engine/core/ids.js';
import { describe, expect, it } from 'vitest';
import type { ConsoleInput, CueListChange } from '../../../engine/core/arbiter/arbiter.js';
import { ConsoleModel } from '../../../engine/core/console/consoleModel.js';
import { playbackEditTarget } from '../../../engine/core/edit/playbackTarget.js';
import { ShowEditor, type ShowDocument, type ShowStore } from '../../../engine/core/edit/showEditor.js';
import { buildShowPipeline } from '../../../engine/core/pipeline.js';
import { applyDelta, consoleCommandSchema, type ConsoleCommand, type EngineSnapshot } from '../../../engine/core/protocol/index.js';
import type { CommandResult } from '../../../engine/core/protocol/port.js';
import { SLOT_INTENSITY, SLOTS_PER_FIXTURE } from '../../../engine/core/playback/slots.js';
import { showFileSchema, SHOW_VERSION } from '../../../engine/core/show/schema.js';
import { parseFixtureDefinition } from '../../../engine/core/fixtures/definition.js';
import { compileProfile, type FixtureProfile } from '../../../engine/core/fixtures/profile.js';
import { readFileSync } from 'node:fs';
import { testCatalog } from '../show/testCatalog.js';

function document(options: { lxMode?: 'manual' | 'auto'; sound?: boolean } = {}): ShowDocument {
  return {
    version: SHOW_VERSION,
    name: 'edit',
    fixtures: [
      { id: 'par1', type: 'generic/rgbw-par', mode: '8ch', universe: 1, address: 1 },
      { id: 'par2', type: 'generic/rgbw-par', mode: '8ch', universe: 1, address: 9 },
    ],
    groups: { pars: ['par1', 'par2'] },
    outputs: { universes: [{ id: 1, driver: { kind: 'null' } }], ...(options.sound === true ? { mixers: [{ id: 'foh', kind: 'x32', host: '127.0.0.1' }] } : {}) },
    departments: [
      {
        id: 'LX',
        mode: options.lxMode ?? 'manual',
        minGoIntervalMs: 0,
        cues: [
          { number: '12', fadeUpMs: 0, levels: { pars: { intensity: 0.5 } } },
          { number: '13', fadeUpMs: 2000, levels: { par1: { intensity: 1 } } },
          { number: '14', fadeUpMs: 0, levels: { pars: { intensity: 0 } } },
        ],
      },
      { id: 'VID', mode: 'manual', cues: [{ number: '1' }] },
      ...(options.sound === true ? [{ id: 'SND', mode: 'manual' as const, cues: [{ number: '1', mixer: [{ mixer: 'foh', param: 'ch/1/fader', value: -10 }] }] }] : []),
    ],
  };
}

const par = (() => {
  const r = parseFixtureDefinition(JSON.parse(readFileSync('fixtures/generic/rgbw-par.json', 'utf8')));
  if (!r.ok) throw new Error('generic/rgbw-par does not parse');
  return compileProfile(r.definition, '8-channel');
})();
const profiles = new Map<string, FixtureProfile>([['par1', par], ['par2', par]]);

class MemoryStore implements ShowStore {
  readonly file = 'shows/edit/show.json';
  readonly saved: ShowDocument[] = [];
  fail: string | null = null;
  save(doc: ShowDocument): Promise<void> {
    if (this.fail !== null) return Promise.reject(new Error(this.fail));
    this.saved.push(structuredClone(doc));
    return Promise.resolve();
  }
}

function rig(options: Parameters<typeof document>[0] = {}) {
  const doc = document(options);
  const show = showFileSchema.parse(doc);
  const scheduler = new VirtualTimeScheduler();
  const console$ = new Subject<ConsoleInput>();
  // The model, scripted: whatever the test proposes (listening that hears nothing).
  const predictions$ = new Subject<Prediction>();
  const cues$ = new Subject<CueListChange>();
  const pipeline = buildShowPipeline(show, profiles, { console$, cues$, listening: { features$: NEVER, beats$: NEVER, onsets$: NEVER }, predict: () => predictions$ }, scheduler);
  const store = new MemoryStore();
  const editor = new ShowEditor(doc, show, testCatalog, playbackEditTarget(pipeline.playback), store, () => scheduler.now());
  editor.cueLists$.subscribe(cues$); // as engine/main.ts wires it
  const model = new ConsoleModel(pipeline, { engineId: 'e', showName: show.name, showPath: null, commands: console$, programming: editor }, scheduler);
  let seen: EngineSnapshot = model.snapshot();
  model.deltas$.subscribe((d) => (seen = applyDelta(seen, d)));
  const decisions = pipeline.decisions$.subscribe();
  const alice = { role: 'operator' as const, name: 'alice@10.0.0.5' };
  const bob = { role: 'operator' as const, name: 'bob@10.0.0.6' };
  const send = async (c: ConsoleCommand, who = alice): Promise<CommandResult> => model.execute(consoleCommandSchema.parse(c), who);
  const go = (): void => void model.execute({ type: 'go', dept: 'LX' }, alice);
  const frame = (ms: number): Float64Array => {
    // Virtual time up to `ms` only (the console model's refresh timer would run it on forever).
    scheduler.schedule(() => undefined, ms - scheduler.now());
    scheduler.maxFrames = ms;
    scheduler.flush();
    return pipeline.playback.frame(scheduler.now()).slots;
  };
  const intensity = (slots: Float64Array, fixture: number): number => slots[fixture * SLOTS_PER_FIXTURE + SLOT_INTENSITY]!;
  const cue = (n: string) => editor.state().depts[0]!.cues.find((c) => c.number === n);
  const close = (): void => {
    decisions.unsubscribe();
    model.dispose();
    editor.dispose();
    pipeline.dispose();
  };
  return { editor, store, model, pipeline, predictions$, scheduler, send, go, frame, intensity, cue, seen: () => seen, alice, bob, close };
}

describe('the show editor', () => {
  it('records the look on stage as a new cue, plays it, undoes and redoes it, saving each step', async () => {
    const r = rig();
    r.go(); // 12: pars at half
    r.intensity(r.frame(100), 0);
    r.go(); // 13: par1 full, 2 s fade
    const mid = r.frame(1100); // half way: par1 at 0.75
    expect(r.intensity(mid, 0)).toBeCloseTo(0.75, 2);
    const recorded = await r.send({ type: 'record-cue', dept: 'LX', cue: '13.5', baseRev: null, fields: { name: 'caught mid-fade', fadeUpMs: 1000 } });
    expect(recorded).toMatchObject({ ok: true });
    const saved = r.store.saved.at(-1)!;
    const lx = saved.departments[0]!.cues;
    expect(lx.map((c) => c.number)).toEqual(['12', '13', '13.5', '14']);
    // Only what differs from the tracked state before 13.5 (cue 13: par1 full, par2 half) is written.
    expect(lx[2]).toMatchObject({ number: '13.5', name: 'caught mid-fade', fadeUpMs: 1000, levels: { par1: { intensity: 0.75 } } });
    expect(lx[2]!.levels).not.toHaveProperty('par2');
    // The running show has it: the standby after 13 is now 13.5, and GO plays the recorded look.
    expect(r.pipeline.playback.snapshot().depts[0]).toMatchObject({ current: '13', standby: '13.5' });
    r.frame(3000);
    r.go();
    expect(r.intensity(r.frame(4500), 0)).toBeCloseTo(0.75, 3);
    expect(r.seen().depts[0]!.cues.map((c) => c.number)).toEqual(['12', '13', '13.5', '14']);
    expect(r.seen().log.at(-2)).toMatchObject({ action: 'edit', dept: 'LX', cue: '13.5', source: 'operator', who: 'alice@10.0.0.5' });

    // Undo takes it away (live, so the stack falls back to 13) and saves; redo puts it back.
    const undo = await r.send({ type: 'undo', revision: r.editor.state().revision });
    expect(undo).toMatchObject({ ok: true });
    expect(r.store.saved.at(-1)!.departments[0]!.cues.map((c) => c.number)).toEqual(['12', '13', '14']);
    expect(r.pipeline.playback.snapshot().depts[0]).toMatchObject({ current: '13', standby: '14' });
    expect(r.seen().programming).toMatchObject({ undoDepth: 0, redoDepth: 1, redo: { label: expect.stringContaining('record LX 13.5') as string } });
    const redo = await r.send({ type: 'redo', revision: r.editor.state().revision });
    expect(redo).toMatchObject({ ok: true });
    expect(r.store.saved.at(-1)!.departments[0]!.cues.map((c) => c.number)).toEqual(['12', '13', '13.5', '14']);
    expect(r.seen().programming).toMatchObject({ revision: 3, undoDepth: 1, redoDepth: 0 });
    expect(r.store.saved).toHaveLength(3);
    r.close();
  });

  it('updates the live cue mid-fade with the look on stage, which then holds (the fade stops heading for the old look)', async () => {
    const r = rig();
    r.go();
    r.frame(100);
    r.go(); // 13: par1 0.5 → 1 over 2 s
    expect(r.intensity(r.frame(1100), 0)).toBeCloseTo(0.75, 2);
    expect(await r.send({ type: 'record-cue', dept: 'LX', cue: '13', baseRev: 0, updateLive: true })).toMatchObject({ ok: true });
    expect(r.store.saved.at(-1)!.departments[0]!.cues[1]).toMatchObject({ number: '13', levels: { par1: { intensity: 0.75 } } });
    expect(r.intensity(r.frame(4000), 0)).toBeCloseTo(0.75, 2);
    r.close();
  });

  it('inserts a point cue between 12 and 13, which GO then reaches without changing the look', async () => {
    const r = rig();
    r.go();
    r.frame(100);
    expect(await r.send({ type: 'insert-cue', dept: 'LX', cue: '12.5', fields: { name: 'sfx hook' } })).toMatchObject({ ok: true });
    expect(r.pipeline.playback.snapshot().depts[0]).toMatchObject({ current: '12', standby: '12.5' });
    r.go();
    expect(r.intensity(r.frame(1000), 1)).toBeCloseTo(0.5, 3);
    expect(r.pipeline.playback.snapshot().depts[0]).toMatchObject({ current: '12.5', standby: '13' });
    expect(r.cue('12.5')).toMatchObject({ name: 'sfx hook', hasLevels: false, rev: 1, editedBy: 'alice@10.0.0.5' });
    r.close();
  });

  it("changes a cue's fade, and the next GO fades in the new time", async () => {
    const r = rig();
    r.go();
    r.frame(100);
    expect(await r.send({ type: 'edit-cue', dept: 'LX', cue: '13', baseRev: 0, fields: { fadeUpMs: 4000, name: 'warm', musicPosition: { bar: 9, beat: 1 } } })).toMatchObject({ ok: true, detail: expect.stringContaining('fade 2 s → 4 s') as string });
    expect(r.store.saved.at(-1)!.departments[0]!.cues[1]).toMatchObject({ number: '13', fadeUpMs: 4000, name: 'warm', musicPosition: { bar: 9, beat: 1 } });
    r.go();
    // From 0.5 to 1 over 4 s: a quarter of the way after 1 s.
    expect(r.intensity(r.frame(r.pipeline.playback.snapshot().depts[0]!.lastGoMs! + 1000), 0)).toBeCloseTo(0.625, 2);
    r.close();
  });

  it('refuses an edit made on an older revision of the cue (two consoles), naming who changed it', async () => {
    const r = rig();
    const base = r.cue('13')!.rev;
    expect(await r.send({ type: 'edit-cue', dept: 'LX', cue: '13', baseRev: base, fields: { fadeUpMs: 3000 } }, r.alice)).toMatchObject({ ok: true });
    const late = await r.send({ type: 'edit-cue', dept: 'LX', cue: '13', baseRev: base, fields: { fadeUpMs: 5000 } }, r.bob);
    expect(late).toMatchObject({ ok: false, code: 'conflict', message: expect.stringContaining('alice@10.0.0.5') as string });
    // Alice's value stands; nothing of Bob's was saved.
    expect(r.store.saved.at(-1)!.departments[0]!.cues[1]).toMatchObject({ fadeUpMs: 3000 });
    expect(r.store.saved).toHaveLength(1);
    // Undo from a console that has not seen the latest change is refused too.
    expect(await r.send({ type: 'undo', revision: 0 }, r.bob)).toMatchObject({ ok: false, code: 'conflict' });
    // Recording over a number someone just took is refused, not merged.
    expect(await r.send({ type: 'insert-cue', dept: 'LX', cue: '12.5' }, r.alice)).toMatchObject({ ok: true });
    expect(await r.send({ type: 'insert-cue', dept: 'LX', cue: '12.5' }, r.bob)).toMatchObject({ ok: false, code: 'conflict', message: expect.stringContaining('already exists') as string });
    r.close();
  });

  it('refuses what the show file would refuse, saying where, and changes nothing', async () => {
    const r = rig();
    // Auto-follow and auto-continue on one cue is a schema error; the message names the cue.
    const bad = await r.send({ type: 'edit-cue', dept: 'LX', cue: '13', baseRev: 0, fields: { autoFollow: true, autoContinueMs: 500 } });
    expect(bad).toMatchObject({ ok: false, code: 'invalid' });
    expect((bad as { message: string }).message).toMatch(/^not valid: LX 13/);
    expect(await r.send({ type: 'edit-cue', dept: 'SND', cue: '1', baseRev: 0, fields: { fadeUpMs: 1 } })).toMatchObject({ ok: false, code: 'not-found', message: expect.stringContaining('LX, VID') as string });
    expect(await r.send({ type: 'record-cue', dept: 'VID', cue: '2', baseRev: null })).toMatchObject({ ok: false, code: 'invalid', message: expect.stringContaining('no look to record') as string });
    expect(r.store.saved).toHaveLength(0);
    expect(r.editor.state().revision).toBe(0);
    r.close();
  });

  it('does not change the running show when the save fails, and says edits are off', async () => {
    const r = rig();
    r.store.fail = 'shows/edit/show.json: the disk is full (ENOSPC)';
    const res = await r.send({ type: 'edit-cue', dept: 'LX', cue: '13', baseRev: 0, fields: { fadeUpMs: 9000 } });
    expect(res).toMatchObject({ ok: false, code: 'unavailable', message: expect.stringContaining('not saved, so not changed') as string });
    expect(r.pipeline.playback.depts.get('LX' as never)!.program.cues[1]!.cue.fadeUpMs).toBe(2000);
    expect(r.seen().programming).toMatchObject({ revision: 0, readOnly: expect.stringContaining('ENOSPC') as string });
    r.close();
  });

  it('refuses to delete the live cue, and deletes another', async () => {
    const r = rig();
    r.go();
    r.frame(100);
    expect(await r.send({ type: 'delete-cue', dept: 'LX', cue: '12', baseRev: 0 })).toMatchObject({ ok: false, code: 'conflict', message: expect.stringContaining('live') as string });
    expect(await r.send({ type: 'delete-cue', dept: 'LX', cue: '13', baseRev: 0 })).toMatchObject({ ok: true });
    expect(r.pipeline.playback.snapshot().depts[0]).toMatchObject({ current: '12', standby: '14' });
    r.close();
  });

  it('fires a cue the model has armed with the values it was edited to meanwhile', async () => {
    const r = rig({ lxMode: 'auto' });
    r.go(); // 12 by hand (the model is locked out for a while after a manual GO)
    r.frame(15_000);
    // The model proposes 13 for t = 20 s, sure of it: armed.
    r.predictions$.next({ dept: deptId('LX'), cue: cueId('13'), confidence: 0.95, fireAt: 20, source: 'model' });
    r.frame(15_100);
    expect(r.seen().depts[0]!.prediction).toMatchObject({ cue: '13', armed: true });
    // Someone changes 13's fade while it is armed; it stays armed, and fires with the new fade.
    expect(await r.send({ type: 'edit-cue', dept: 'LX', cue: '13', baseRev: 0, fields: { fadeUpMs: 8000 } })).toMatchObject({ ok: true });
    expect(r.seen().depts[0]!.prediction).toMatchObject({ cue: '13', armed: true });
    r.frame(20_000);
    expect(r.pipeline.playback.snapshot().depts[0]).toMatchObject({ current: '13' });
    // From 0.5 to 1 over 8 s: an eighth of the way after 1 s (the old 2 s fade would be half way).
    expect(r.intensity(r.frame(21_000), 0)).toBeCloseTo(0.5625, 2);
    expect(r.seen().log.filter((d) => d.action === 'go').map((d) => [d.cue, d.source])).toEqual([['12', 'operator'], ['13', 'model']]);
    r.close();
  });

  it('drops an armed prediction of a cue deleted meanwhile: nothing fires for it', async () => {
    const r = rig({ lxMode: 'auto' });
    r.go();
    r.frame(15_000);
    r.predictions$.next({ dept: deptId('LX'), cue: cueId('13'), confidence: 0.95, fireAt: 20, source: 'model' });
    r.frame(15_100);
    expect(r.seen().depts[0]!.prediction).toMatchObject({ cue: '13', armed: true });
    expect(await r.send({ type: 'delete-cue', dept: 'LX', cue: '13', baseRev: 0 })).toMatchObject({ ok: true });
    r.frame(15_200);
    expect(r.seen().depts[0]!.prediction).toBeNull();
    // Later predictions of it are dropped too.
    r.predictions$.next({ dept: deptId('LX'), cue: cueId('13'), confidence: 0.95, fireAt: 21, source: 'model' });
    r.frame(25_000);
    expect(r.pipeline.playback.snapshot().depts[0]).toMatchObject({ current: '12' });
    expect(r.seen().log.filter((d) => d.action === 'go').map((d) => d.cue)).toEqual(['12']);
    r.close();
  });

  it("refuses to edit a sound department's cues while running (its mixer moves are compiled at start)", async () => {
    const r = rig({ sound: true });
    expect(await r.send({ type: 'edit-cue', dept: 'SND', cue: '1', baseRev: 0, fields: { fadeUpMs: 1000 } })).toMatchObject({ ok: false, code: 'unavailable', message: expect.stringContaining('mixing desk') as string });
    r.close();
  });

  it('refuses programming to a console model without an editor', () => {
    const doc = document();
    const show = showFileSchema.parse(doc);
    const scheduler = new VirtualTimeScheduler();
    const console$ = new Subject<ConsoleInput>();
    const pipeline = buildShowPipeline(show, profiles, { console$ }, scheduler);
    const model = new ConsoleModel(pipeline, { engineId: 'e', showName: show.name, showPath: null, commands: console$ }, scheduler);
    expect(model.execute({ type: 'undo', revision: 0 }, { role: 'operator', name: 'x' })).toMatchObject({ ok: false, code: 'unavailable' });
    model.dispose();
    pipeline.dispose();
  });
});
