import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShowFileError } from '../../../engine/core/errors.js';
import { buildNetwork } from '../../../engine/core/model/network.js';
import { MODEL_FORMAT_VERSION, type ModelMeta } from '../../../engine/core/model/types.js';
import { DEFAULT_POLICY_NUMBERS, POLICY_VERSION } from '../../../engine/core/policy/numbers.js';
import { loadTf } from '../../../engine/io/model/backend.js';
import { loadModelFolder, readModelMeta, saveModelFolder } from '../../../engine/io/model/modelFolder.js';

let dir: string;
beforeAll(async () => {
  await loadTf('cpu');
  dir = await mkdtemp(join(tmpdir(), 'precue-model-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const cfg = { inputSize: 4, hiddenSize: 3, headSize: 2, depts: ['LX'], vocabSizes: [2], seed: 1 };
const meta: ModelMeta = {
  formatVersion: MODEL_FORMAT_VERSION,
  createdBy: 'test',
  seed: 1,
  depts: ['LX'],
  vocab: { LX: ['1', '2'] },
  inputSize: 4,
  hiddenSize: 3,
  headSize: 2,
  features: { layout: [{ name: 'audio', norm: 'zscore', width: 4, entries: ['a', 'b', 'c', 'd'] }], sampleRate: 22050, hopSize: 256, bufferSize: 1024, mean: [0], std: [1] },
  policy: { version: POLICY_VERSION, numbers: DEFAULT_POLICY_NUMBERS, depts: { LX: { firePoint: 0.5, useNetwork: true, why: 'test', startCue: '1' } } },
  training: { takes: ['a'], validationTakes: [], epochs: 1, trainLoss: 1, validationLoss: 1, validationFireF1: 0, seconds: 1, audioMinutes: 1 },
  rehearsals: [{ name: 'a', durationS: 10, cues: [{ t: 1, dept: 'LX', cue: '1' }], alignment: { offset: 0, frames: 1, hopS: 0.05, firstT: 0 }, openingLevelDb: -90 }],
  files: { topology: 'model.json', weights: 'weights.bin', alignment: 'alignment.bin' },
};

describe('model folder', () => {
  it('saves atomically and loads back the same weights and metadata, keeping the previous model as .bak', async () => {
    const { tf } = await loadTf();
    const model = buildNetwork(tf, cfg);
    const out = join(dir, 'model');
    await saveModelFolder(out, model, meta, new Float32Array(24).fill(0.5));
    await saveModelFolder(out, model, meta, new Float32Array(24).fill(0.5));
    const loaded = await loadModelFolder(out);
    expect(loaded.meta).toEqual(meta);
    expect(Array.from(loaded.weights.kernel)).toEqual(Array.from(model.getLayer('gru').getWeights()[0]!.dataSync()));
    expect(loaded.alignment[23]).toBe(0.5);
    await expect(readModelMeta(`${out}.bak`)).resolves.toEqual(meta);
  });

  it('refuses a model folder from a newer Precue with a clear message', async () => {
    const out = join(dir, 'newer');
    const { tf } = await loadTf();
    await saveModelFolder(out, buildNetwork(tf, cfg), meta, new Float32Array(24));
    const file = join(out, 'precue-model.json');
    const raw = JSON.parse(await readFile(file, 'utf8')) as ModelMeta;
    await writeFile(file, JSON.stringify({ ...raw, formatVersion: MODEL_FORMAT_VERSION + 1 }));
    await expect(loadModelFolder(out)).rejects.toThrow(/which is older: update Precue, or retrain the model with this version/);
  });

  it('refuses a model made before the cue policy was versioned, naming both versions and the command that retrains it', async () => {
    const out = join(dir, 'old');
    const { tf } = await loadTf();
    await saveModelFolder(out, buildNetwork(tf, cfg), meta, new Float32Array(24));
    const file = join(out, 'precue-model.json');
    // What a format-1 model folder held: no policy, its numbers under `inference`.
    const { policy: _policy, ...raw } = JSON.parse(await readFile(file, 'utf8')) as ModelMeta;
    await writeFile(file, JSON.stringify({ ...raw, formatVersion: 1, inference: { fireThreshold: 0.5, maxBeatsToCount: 64, startCues: { LX: '1' }, snapToOnsets: false } }));
    const err = await loadModelFolder(out).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ShowFileError);
    const message = (err as Error).message;
    expect(message).toContain(`was made under cue policy version 1 (model format 1); this Precue decides with policy version ${POLICY_VERSION} (format ${MODEL_FORMAT_VERSION})`);
    expect(message).toContain(`Retrain it: precue train --takes <a> --out ${out}`);
  });

  it('names the problem in a damaged or missing model folder', async () => {
    await expect(loadModelFolder(join(dir, 'absent'))).rejects.toThrow(/precue-model\.json: is missing/);
    const out = join(dir, 'broken');
    const { tf } = await loadTf();
    await saveModelFolder(out, buildNetwork(tf, cfg), meta, new Float32Array(24));
    await writeFile(join(out, 'precue-model.json'), JSON.stringify({ formatVersion: MODEL_FORMAT_VERSION, policy: { version: POLICY_VERSION }, depts: [] }));
    const err = await loadModelFolder(out).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ShowFileError);
    await writeFile(join(out, 'precue-model.json'), JSON.stringify(meta));
    await writeFile(join(out, 'model.json'), '{not json');
    await expect(loadModelFolder(out)).rejects.toThrow(/model\.json: is not valid JSON/);
  });
});
