/**
 * `npm run build` and how `precue` picks what to run: the compiled engine imports and runs (CLI,
 * the frame clock's worker from its .js, the pre-bundled console page), and bin/precue.js runs dist/
 * only while it is not older than the sources.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type * as FrameClockModule from '../../engine/io/frameClock/frameClock.js';
import type * as PageModule from '../../engine/io/server/page.js';

const root = resolve('.');
const scratch = join(root, '.tmp', `build-test-${process.pid}`);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('npm run build', () => {
  it('compiles an engine that runs without tsx: CLI, frame clock worker, console page', async () => {
    const out = join(scratch, 'dist');
    execFileSync(process.execPath, [join(root, 'bin', 'build.js'), '--out', out], { stdio: 'pipe' });
    const cli = (await import(pathToFileURL(join(out, 'engine', 'cli', 'main.js')).href)) as { runCli: (a: string[], c: object) => Promise<number> };
    let printed = '';
    expect(await cli.runCli(['--help'], { stdout: (s: string) => (printed += s), stderr: () => undefined, exit: () => undefined })).toBe(0);
    expect(printed).toContain('Usage: precue <command>');
    const { FrameClock } = (await import(pathToFileURL(join(out, 'engine', 'io', 'frameClock', 'frameClock.js')).href)) as typeof FrameClockModule;
    const clock = await FrameClock.start({ universes: [{ id: 1, rateHz: 44, sendOnChange: false, keepAliveMs: 1000, driver: { kind: 'null' } }], priority: 'normal' });
    clock.write(1, new Uint8Array(512).fill(7));
    await new Promise((r) => setTimeout(r, 100));
    expect((await clock.stats()).packets).toBeGreaterThan(0);
    await clock.stop('hold');
    const { buildConsolePage } = (await import(pathToFileURL(join(out, 'engine', 'io', 'server', 'page.js')).href)) as typeof PageModule;
    const page = await buildConsolePage(join(out, 'console', 'web'));
    expect(page.get('/app.js')!.body.length).toBeGreaterThan(1000);
  }, 60_000);
});

describe('bin/precue.js', () => {
  // A stand-in checkout: the real launcher, a dist/ and sources that each say who ran.
  const tree = join(scratch, 'launcher');
  const say = (who: string): string => `export async function runCli(args, ctx) { ctx.stdout('${who}\\n'); return 0; }\n`;
  mkdirSync(join(tree, 'bin'), { recursive: true });
  mkdirSync(join(tree, 'dist', 'engine', 'cli'), { recursive: true });
  mkdirSync(join(tree, 'engine', 'cli'), { recursive: true });
  copyFileSync(join(root, 'bin', 'precue.js'), join(tree, 'bin', 'precue.js'));
  writeFileSync(join(tree, 'engine', 'cli', 'main.ts'), say('sources'));
  writeFileSync(join(tree, 'dist', 'engine', 'cli', 'main.js'), say('dist'));
  const run = (env: Record<string, string> = {}) => spawnSync(process.execPath, [join(tree, 'bin', 'precue.js')], { encoding: 'utf8', env: { ...process.env, PRECUE_SOURCE: '', PRECUE_DIST: '', ...env } });
  const stamp = (ageS: number): void => {
    writeFileSync(join(tree, 'dist', 'BUILD'), 'test\n');
    const t = Date.now() / 1000 - ageS;
    utimesSync(join(tree, 'dist', 'BUILD'), t, t);
  };
  const touchSource = (ageS: number): void => {
    const t = Date.now() / 1000 - ageS;
    utimesSync(join(tree, 'engine', 'cli', 'main.ts'), t, t);
  };

  it('runs dist/ when it is newer than every source', () => {
    touchSource(60);
    stamp(0);
    expect(run().stdout).toBe('dist\n');
  });

  it('runs the sources, quietly, when a source changed after the build', () => {
    touchSource(0);
    stamp(60);
    const r = run();
    expect(r.stdout).toBe('sources\n');
    expect(r.stderr).toBe(''); // a failure to start must stay one line
  });

  it('PRECUE_SOURCE=1 runs the sources; PRECUE_DIST=1 runs dist/ however old', () => {
    touchSource(60);
    stamp(0);
    expect(run({ PRECUE_SOURCE: '1' }).stdout).toBe('sources\n');
    touchSource(0);
    stamp(60);
    expect(run({ PRECUE_DIST: '1' }).stdout).toBe('dist\n');
  });
});
