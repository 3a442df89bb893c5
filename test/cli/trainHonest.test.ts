/**
 * `precue train` on what a small show really has: a department with a single cue trains (it used to
 * crash with exit 70 in the cue head), and one take trains without claiming a validation score that
 * was never measured. A 25 s take cut from the demo take keeps it quick.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeWav, encodeWav } from '../../engine/core/audio/wav.js';
import { runCli } from '../../engine/cli/main.js';

const demo = resolve(process.cwd(), 'shows/demo/takes/demo');
const haveDemo = existsSync(join(demo, 'audio.wav')) && existsSync(join(demo, 'cues.jsonl'));
const dir = mkdtempSync(join(tmpdir(), 'precue-train-honest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!haveDemo)('precue train, honestly (needs the demo take)', () => {
  it('trains a show whose VID has one cue from one take, and says nothing was validated', async () => {
    const take = join(dir, 'one-take');
    const wav = decodeWav(readFileSync(join(demo, 'audio.wav')), 'audio.wav');
    mkdirSync(take, { recursive: true });
    writeFileSync(join(take, 'audio.wav'), encodeWav([wav.samples.slice(0, 25 * wav.sampleRate)], wav.sampleRate));
    const cues = readFileSync(join(demo, 'cues.jsonl'), 'utf8').split('\n').filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { t: number; dept: string; cue: string })
      .filter((c) => c.t < 25)
      .map((c) => JSON.stringify(c.dept === 'VID' ? { ...c, cue: '1' } : c));
    writeFileSync(join(take, 'cues.jsonl'), `${cues.join('\n')}\n`);
    let out = '';
    let err = '';
    const model = join(dir, 'model');
    const code = await runCli(['train', '--takes', take, '--out', model, '--epochs', '2', '--augment', '1', '--tempo', 'off', '--threads', '1'], {
      stdout: (s) => (out += s),
      stderr: (s) => (err += s),
      exit: () => undefined,
    });
    expect(code, err).toBe(0);
    expect(out).toMatch(/VID 1 cues/);
    expect(out).toMatch(/not validated \(no take held out/);
    expect(err).not.toMatch(/val-fire-F1/);
    const meta = JSON.parse(readFileSync(join(model, 'precue-model.json'), 'utf8')) as { training: { validationTakes: string[]; validationLoss: number | null; validationFireF1: number | null } };
    expect(meta.training).toMatchObject({ validationTakes: [], validationLoss: null, validationFireF1: null });
  }, 120_000);
});
