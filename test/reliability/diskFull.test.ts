/**
 * A full disk during `precue record` (a small tmpfs): one clear line, the show goes on, the first
 * SIGTERM stops it, and the take reads back with a header that matches the samples on disk.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeWav } from '../../engine/core/audio/wav.js';
import { readTake } from '../../engine/io/takes/take.js';
import { exitWithin, mountTmpfs, startPrecue, unmount, writeTestShow } from './precueProcess.js';

const dir = mkdtempSync(join(tmpdir(), 'precue-full-'));
const mounted = mountTmpfs(dir, '400k');

describe.skipIf(!mounted)('precue record on a disk that fills up (needs root to mount a 400 KiB tmpfs)', () => {
  afterAll(() => {
    unmount(dir);
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops recording with one line, keeps the show running, stops on the first SIGTERM, and leaves a readable take', async () => {
    // The file and its one-pass take together are more than the tmpfs holds.
    await writeTestShow(dir, { seconds: 3, sampleRate: 48000 });
    const p = startPrecue(['record', dir, '--take', 't', '--port', '0', '--seconds', '60']);
    try {
      expect(await p.waitFor(/recording stopped: .*disk is full \(ENOSPC\)/, 30_000), p.err()).toBe(true);
      // The show is still running a second later.
      await new Promise((r) => setTimeout(r, 1000));
      expect(p.child.exitCode).toBeNull();
    } finally {
      p.child.kill('SIGTERM');
    }
    expect(await exitWithin(p, 8000)).toBe(1);
    expect(p.err()).not.toMatch(/internal error| {4}at /);
    expect(p.out()).toMatch(/recorded .*: [\d.]+ s of audio, \d+ cues — cut short by a failed write/);
    const take = await readTake(join(dir, 'takes', 't'), { allowEmpty: true });
    const bytes = new Uint8Array(readFileSync(take.audioPath));
    const wav = decodeWav(bytes, take.audioPath);
    // The header's data size is exactly what the file holds.
    expect(new DataView(bytes.buffer).getUint32(40, true)).toBe(bytes.length - 44);
    expect(wav.samples.length).toBe((bytes.length - 44) / 2);
    expect(wav.samples.length).toBeGreaterThan(48000);
  });
});

if (!mounted) process.stderr.write('diskFull.test.ts: skipped — mounting a tmpfs needs root (CAP_SYS_ADMIN)\n');
