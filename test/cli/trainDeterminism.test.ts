/**
 * `precue train`: same takes + same seed = the same model, byte for byte, whether the training runs
 * in a fresh process or after another training in the same one, and whatever the listening
 * parallelism; another seed gives another model. Two 25 s takes cut from the demo take keep it fast.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWav, encodeWav } from '../../engine/core/audio/wav.js';
import { runCli } from '../../engine/cli/main.js';

const run = promisify(execFile);
const demo = resolve(process.cwd(), 'shows/demo/takes/demo');
const haveDemo = existsSync(join(demo, 'audio.wav')) && existsSync(join(demo, 'cues.jsonl'));
if (!haveDemo) console.warn(`skipped: precue train determinism needs the demo take at ${demo} (audio.wav + cues.jsonl)`);

const TAKE_S = 25;
const dir = mkdtempSync(join(tmpdir(), 'precue-train-det-'));
const takes = [join(dir, 'part-1'), join(dir, 'part-2')];
// Few epochs and one rearranged copy: enough to move every weight away from its initial value.
const options = ['--epochs', '3', '--augment', '1', '--tempo', 'off'];

/** Cuts [startS, startS + TAKE_S) of the demo take into a take folder, cue times shifted to match. */
function cutTake(out: string, startS: number): void {
  const wav = decodeWav(readFileSync(join(demo, 'audio.wav')), 'audio.wav');
  const from = Math.round(startS * wav.sampleRate);
  const samples = wav.samples.slice(from, from + Math.round(TAKE_S * wav.sampleRate));
  const cues = readFileSync(join(demo, 'cues.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { t: number; dept: string; cue: string })
    .filter((c) => c.t >= startS && c.t < startS + TAKE_S)
    .map((c) => JSON.stringify({ ...c, t: Math.round((c.t - startS) * 1000) / 1000 }));
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'audio.wav'), encodeWav([samples], wav.sampleRate));
  writeFileSync(join(out, 'cues.jsonl'), `${cues.join('\n')}\n`);
}

async function trainHere(out: string, seed: number): Promise<void> {
  let err = '';
  const code = await runCli(['train', '--takes', ...takes, '--out', out, '--seed', String(seed), '--threads', '1', ...options], {
    stdout: () => undefined,
    stderr: (s) => (err += s),
    exit: () => undefined,
  });
  expect(code, err).toBe(0);
}

async function trainInChild(out: string, seed: number): Promise<void> {
  await run(process.execPath, ['bin/precue.js', 'train', '--takes', ...takes, '--out', out, '--seed', String(seed), '--threads', '2', ...options], {
    cwd: process.cwd(),
    maxBuffer: 16 << 20,
  });
}

/** `precue-model.json` without its one timing field (training.seconds). */
function metaWithoutTiming(model: string): unknown {
  const meta = JSON.parse(readFileSync(join(model, 'precue-model.json'), 'utf8')) as { training: Record<string, unknown> };
  expect(typeof meta.training.seconds).toBe('number');
  return { ...meta, training: { ...meta.training, seconds: 0 } };
}

const file = (model: string, name: string): Buffer => readFileSync(join(model, name));

describe.skipIf(!haveDemo)('precue train determinism', () => {
  const out = { otherSeed: join(dir, 'seed-12'), here: join(dir, 'seed-11-here'), child: join(dir, 'seed-11-child') };

  beforeAll(async () => {
    cutTake(takes[0]!, 0);
    cutTake(takes[1]!, TAKE_S);
    // The other seed first, so the same-process run of seed 11 comes after a training in this process.
    await trainHere(out.otherSeed, 12);
    await trainHere(out.here, 11);
    await trainInChild(out.child, 11);
  }, 120_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes byte-identical weights for the same seed in this process and in a fresh one', () => {
    const a = file(out.here, 'weights.bin');
    expect(a.length).toBeGreaterThan(1000);
    expect(a.equals(file(out.child, 'weights.bin'))).toBe(true);
    expect(file(out.here, 'model.json').equals(file(out.child, 'model.json'))).toBe(true);
    expect(file(out.here, 'alignment.bin').equals(file(out.child, 'alignment.bin'))).toBe(true);
  });

  it('writes the same precue-model.json for the same seed apart from the training time', () => {
    expect(metaWithoutTiming(out.child)).toEqual(metaWithoutTiming(out.here));
  });

  it('writes different weights for a different seed', () => {
    expect(file(out.otherSeed, 'weights.bin').equals(file(out.here, 'weights.bin'))).toBe(false);
    expect((metaWithoutTiming(out.otherSeed) as { seed: number }).seed).toBe(12);
  });
});
