/**
 * Resume onto a real show pipeline (virtual time): the department stands at its journaled cue with
 * that cue's look from the first frame, and nothing fires; the console says where it resumed from, and
 * a standby's console refuses show commands until it takes control.
 */
import { readFileSync } from 'node:fs';
import { Subject, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { ConsoleInput } from '../../../engine/core/arbiter/arbiter.js';
import { ConsoleModel } from '../../../engine/core/console/consoleModel.js';
import { resumePointOf, encodeJournalLine } from '../../../engine/core/continuity/journal.js';
import { ContinuityRecord, INITIAL_CONTINUITY } from '../../../engine/core/continuity/record.js';
import { resumeShow } from '../../../engine/core/continuity/resume.js';
import type { ControlEvent } from '../../../engine/core/control.js';
import { parseFixtureDefinition } from '../../../engine/core/fixtures/definition.js';
import { compileProfile, type FixtureProfile } from '../../../engine/core/fixtures/profile.js';
import { buildShowPipeline } from '../../../engine/core/pipeline.js';
import type { PlaybackEvent } from '../../../engine/core/playback/deptPlayback.js';
import { showFileSchema, SHOW_VERSION } from '../../../engine/core/show/schema.js';

const par = (() => {
  const r = parseFixtureDefinition(JSON.parse(readFileSync('fixtures/generic/rgbw-par.json', 'utf8')));
  if (!r.ok) throw new Error('generic/rgbw-par does not parse');
  return compileProfile(r.definition, '8-channel');
})();

function rig() {
  const show = showFileSchema.parse({
    version: SHOW_VERSION,
    name: 'resume',
    fixtures: [{ id: 'p1', type: 'generic/rgbw-par', mode: '8-channel', universe: 1, address: 1 }],
    outputs: { universes: [{ id: 1, driver: { kind: 'null' } }] },
    departments: [
      {
        id: 'LX',
        mode: 'manual',
        cues: [
          { number: '1', fadeUpMs: 2000, levels: { p1: { intensity: 0.2 } } },
          { number: '2', fadeUpMs: 2000, levels: { p1: { intensity: 0.8 } }, messages: [] },
          { number: '3', fadeUpMs: 2000, levels: { p1: { intensity: 1 } } },
        ],
      },
    ],
  });
  const scheduler = new VirtualTimeScheduler();
  scheduler.maxFrames = 20_000;
  const console$ = new Subject<ConsoleInput>();
  const controls$ = new Subject<ControlEvent>();
  const pipeline = buildShowPipeline(show, new Map<string, FixtureProfile>([['p1', par]]), { console$, controls$ }, scheduler);
  return { show, scheduler, console$, controls$, pipeline };
}

describe('resuming a show from its journal', () => {
  it('stands at the last fired cue with its full look from the first frame, mode back, nothing fired', () => {
    const { pipeline, console$, controls$, scheduler } = rig();
    const events: PlaybackEvent[] = [];
    pipeline.playback.events$.subscribe((e) => events.push(e));
    const at = '2026-12-06T08:00:00.000Z';
    const point = resumePointOf(
      encodeJournalLine({ kind: 'fire', dept: 'LX', cue: '1', by: 'operator' }, at) +
        encodeJournalLine({ kind: 'fire', dept: 'LX', cue: '2', by: 'operator' }, at) +
        encodeJournalLine({ kind: 'mode', dept: 'LX', mode: 'assist' }, at),
    );
    const outcome = resumeShow(point, pipeline, { console: console$, controls: controls$ }, scheduler.now());
    expect(outcome.problems).toEqual([]);
    pipeline.frame(scheduler.now());
    const dimmer = pipeline.outputs.get(1)![0]!;
    expect(dimmer).toBe(Math.round(0.8 * 255));
    expect(events.map((e) => e.kind)).toEqual(['restore']);
    const lx = pipeline.playback.snapshot().depts[0]!;
    expect(lx.current).toBe('2');
    let mode = '';
    pipeline.arbiter.state$.subscribe((s) => (mode = s.depts[0]!.mode));
    expect(mode).toBe('assist');
  });

  it('leaves a cue the show no longer has at the top and says so', () => {
    const { pipeline, console$, controls$, scheduler } = rig();
    const point = resumePointOf(encodeJournalLine({ kind: 'fire', dept: 'LX', cue: '9', by: 'operator' }, '2026-12-06T08:00:00.000Z'));
    expect(resumeShow(point, pipeline, { console: console$, controls: controls$ }, scheduler.now()).problems).toEqual(['LX cue 9 is no longer in the show; LX starts at the top']);
  });

  it('a standby’s console refuses show commands (operate the primary, or take control); take-control goes to the standby', async () => {
    const { pipeline, console$, show, scheduler } = rig();
    const record = new ContinuityRecord({ ...INITIAL_CONTINUITY, role: 'standby', primary: { address: '10.0.0.5:8080', link: 'following', detail: '', lastSeenMs: null, differences: [] } });
    const model = new ConsoleModel(pipeline, { engineId: 'e', showName: show.name, showPath: null, commands: console$, continuity: record }, scheduler);
    const who = { role: 'operator' as const, name: 'op@test' };
    const go = await model.execute({ type: 'go', dept: 'LX' }, who);
    expect(go.ok).toBe(false);
    expect(go.ok ? '' : go.message).toContain('hot standby following 10.0.0.5:8080');
    expect(await model.execute({ type: 'take-control' }, who)).toMatchObject({ ok: false, message: expect.stringContaining('not a hot standby') as unknown });
    record.handleControl(() => {
      record.update({ role: 'in-control' });
      return { ok: true };
    });
    expect((await model.execute({ type: 'take-control' }, who)).ok).toBe(true);
    expect(model.snapshot().continuity?.role).toBe('in-control');
    expect((await model.execute({ type: 'go', dept: 'LX' }, who)).ok).toBe(true);
    model.dispose();
  });
});
