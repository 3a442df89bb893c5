/**
 * The sound card goes away mid-show: `precue run` with live capture through a stand-in `arecord` that
 * streams, dies, fails once more ("no such device"), then streams again. The outputs hold, auto
 * departments drop to assist with the reason in the log, and capture re-opens by itself.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exitWithin, startPrecue, writeTestShow } from './precueProcess.js';

const dir = mkdtempSync(join(tmpdir(), 'precue-audio-gone-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('live audio input that vanishes and returns', () => {
  it('holds, drops auto to assist with a reason, and re-opens the capture by itself', async () => {
    const bin = join(dir, 'bin');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(bin);
    // Run 1: 1.5 s of audio, then the device dies. Run 2: no such device. Run 3 on: streams (paced).
    writeFileSync(join(bin, 'arecord'), `#!/bin/sh
n=$(cat "${dir}/runs" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "${dir}/runs"
if [ $n -eq 1 ]; then for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do head -c 8820 /dev/urandom; sleep 0.1; done; echo "arecord: device disconnected" >&2; exit 1; fi
if [ $n -eq 2 ]; then echo "arecord: main: audio open error: No such device" >&2; exit 1; fi
while true; do head -c 8820 /dev/urandom; sleep 0.1; done
`);
    chmodSync(join(bin, 'arecord'), 0o755);
    const show = join(dir, 'show');
    await writeTestShow(show, {
      edit: (s) => {
        (s.audio as { source: unknown }).source = { kind: 'capture', tool: 'arecord' };
        (s.departments as Array<{ mode: string }>)[0]!.mode = 'auto';
      },
    });
    const p = startPrecue(['run', show, '--no-console', '--artnet-port', '0'], { PATH: `${bin}:${process.env.PATH ?? ''}` });
    try {
      expect(await p.waitFor(/audio input lost \(.*exited with code 1.*device disconnected/, 20_000), p.err()).toBe(true);
      expect(p.err()).toMatch(/LX, VID auto → assist/);
      expect(await p.waitFor(/LX mode assist by engine: audio input lost/, 5000), p.err()).toBe(true);
      expect(await p.waitFor(/audio input back after [\d.]+ s/, 20_000), p.err()).toBe(true);
      expect(p.child.exitCode).toBeNull();
    } finally {
      p.child.kill('SIGINT');
    }
    expect(await exitWithin(p, 8000)).toBe(0);
    expect(p.err()).not.toMatch(/internal error| {4}at /);
  }, 60_000);
});
