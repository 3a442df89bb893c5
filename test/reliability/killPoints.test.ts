/**
 * kill -9 anywhere, CI-sized: each writer killed at a few random moments (bench/killPoints.ts kills
 * each one 100 times). Every time the previous or the new version loads, never a half file; a take
 * loses at most the last second; no child process outlives its writer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killTrial, type KillWriter } from '../../bench/lib/killPoints.js';
import { seededRandom } from '../../engine/core/model/dataset.js';

const work = mkdtempSync(join(tmpdir(), 'precue-kill-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const KILLS: ReadonlyArray<[KillWriter, number]> = [['record', 3], ['show', 4], ['tokens', 3], ['model', 2], ['import', 2]];

describe('SIGKILL at random moments (CI size)', () => {
  for (const [writer, kills] of KILLS) {
    it(`${writer}: ${kills} kills, always a whole previous or new version`, async () => {
      const random = seededRandom(23 + writer.length);
      const outcomes = [];
      for (let i = 0; i < kills; i++) outcomes.push(await killTrial(writer, join(work, `${writer}-${i}`), random));
      expect(outcomes.filter((o) => !o.ok).map((o) => o.detail)).toEqual([]);
    }, 120_000);
  }
});
