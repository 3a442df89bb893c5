/**
 * The run's fixture usage meter samples the outputs only while the frame loop moves: a rig at rest
 * wakes nobody for it, and the lamp time it reports is still right (the file is brought up to date
 * when it is written). On a virtual clock.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Subject, VirtualAction, VirtualTimeScheduler } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type ConsoleInput } from '../../../engine/core/arbiter/arbiter.js';
import { createLogger } from '../../../engine/core/log.js';
import { buildShowPipeline } from '../../../engine/core/pipeline.js';
import { UsageMeter } from '../../../engine/core/runs/usage.js';
import { SHOW_VERSION, showFileSchema } from '../../../engine/core/show/schema.js';
import { loadFixtureLibrary } from '../../../engine/io/fixtures/loadFixtureLibrary.js';
import { USAGE_FILE } from '../../../engine/io/runs/runFolder.js';
import { RunRecorder } from '../../../engine/io/runs/runRecorder.js';

let dir: string | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('fixture usage sampling', () => {
  it('samples while a fade runs, not at rest, and still counts the lamp time of the rest', async () => {
    dir = await mkdtemp(join(tmpdir(), 'precue-usage-'));
    const show = showFileSchema.parse({
      version: SHOW_VERSION,
      name: 'usage sampling',
      fixtures: [{ id: 'p1', type: 'generic/dimmer', mode: '8-bit', universe: 1, address: 1 }],
      outputs: { universes: [{ id: 1, driver: { kind: 'null' } }] },
      departments: [{ id: 'LX', mode: 'manual', minGoIntervalMs: 0, cues: [
        { number: '1', fadeUpMs: 1000, levels: { p1: { intensity: 1 } } },
        { number: '2', fadeUpMs: 0, levels: { p1: { intensity: 0 } } },
      ] }],
    });
    const library = await loadFixtureLibrary(resolve('fixtures'));
    const profiles = new Map(show.fixtures.map((f) => [f.id, library.profile(f.type, f.mode)]));
    const scheduler = new VirtualTimeScheduler(VirtualAction, 60_000);
    const console$ = new Subject<ConsoleInput>();
    const pipeline = buildShowPipeline(show, profiles, { console$ }, scheduler);
    const loop = pipeline.runFrames(() => undefined, { restWhenIdle: true });
    const sampled: number[] = [];
    const sample = UsageMeter.prototype.sample;
    vi.spyOn(UsageMeter.prototype, 'sample').mockImplementation(function (this: UsageMeter, ...args: Parameters<UsageMeter['sample']>) {
      sampled.push(args[0]);
      sample.apply(this, args);
    });
    const run = await RunRecorder.open({ runsDir: dir, show, showDir: dir, profiles, model: undefined, startedAt: new Date(0), log: createLogger('test/usage') });
    run.attach(pipeline, 0, scheduler);
    const go = (): void => console$.next({ command: { type: 'go', dept: 'LX' }, user: 'test' });
    scheduler.schedule(go, 10_000); // a 1 s fade up, then 29 s at full, at rest
    scheduler.schedule(go, 40_000); // snap out
    scheduler.flush();
    const whileFading = sampled.filter((t) => t > 10_000 && t <= 11_200).length;
    const atRest = sampled.filter((t) => t > 11_300 && t < 40_000).length;
    expect(whileFading).toBeGreaterThanOrEqual(10);
    // At rest, once a second (the meter's longest step), not ten times (28.7 s at rest here).
    expect(atRest).toBeGreaterThanOrEqual(27);
    expect(atRest).toBeLessThanOrEqual(32);
    // The snap out at 40 s is sampled within one fast period of the GO.
    expect(sampled.some((t) => t > 40_000 && t <= 40_100)).toBe(true);
    await run.close('clean');
    loop.unsubscribe();
    pipeline.dispose();
    const folders = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory());
    expect(folders).toHaveLength(1);
    const folder = folders[0]!.name;
    const usage = JSON.parse(await readFile(join(dir, folder, USAGE_FILE), 'utf8')) as { fixtures: { id: string; litS: number }[] };
    // Lit from some moment of the fade up (10–11 s) to the snap out at 40 s.
    const lit = usage.fixtures.find((f) => f.id === 'p1')!.litS;
    expect(lit).toBeGreaterThan(29);
    expect(lit).toBeLessThan(31);
  });
});
