/**
 * An output's network goes away: `precue run` in an empty network namespace (`unshare -n`, no
 * interface up) fails every Art-Net send with ENETUNREACH. Logged once with a count, never a crash,
 * and the engine still stops cleanly.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { root, writeTestShow } from './precueProcess.js';

const canUnshare = ((): boolean => {
  try {
    execFileSync('unshare', ['-n', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const dir = mkdtempSync(join(tmpdir(), 'precue-net-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!canUnshare)('DMX output with no network (needs unshare -n: root)', () => {
  it('logs the failing sends once with a count and keeps running until stopped', async () => {
    await writeTestShow(dir);
    const child = spawn('unshare', ['-n', process.execPath, join(root, 'bin/precue.js'), 'run', dir, '--no-console', '--artnet-host', '10.1.2.3'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const start = Date.now();
    while (!/DMX over art-net: sending fails: .*ENETUNREACH/.test(err) && Date.now() - start < 20_000 && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 2500)); // ~220 more failed frames
    expect(child.exitCode).toBeNull();
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(err.match(/DMX over art-net: sending fails/g)).toHaveLength(1);
    expect(err).not.toMatch(/internal error| {4}at /);
  });
});

if (!canUnshare) process.stderr.write('networkGone.test.ts: skipped — unshare -n needs root\n');
