/**
 * The model folder: `model.json` (tfjs topology + weights manifest), `weights.bin`, `alignment.bin`
 * (the rehearsals' alignment features, for the online-alignment baseline) and `precue-model.json`.
 * Written atomically as a whole (a new folder beside the old one, fsynced, then swapped in; the
 * previous model is kept as `<dir>.bak`); read with a version check, so a folder from a newer Precue
 * is refused with a clear message instead of being misread.
 */
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import { ShowFileError } from '../../core/errors.js';
import { FILE_JSON_BOUNDS, parseBoundedJson } from '../../core/json/bounded.js';
import { extractWeights } from '../../core/model/network.js';
import type { LoadedModel } from '../../core/model/predictor.js';
import { modelMetaSchema, modelVersionProblem, type ModelMeta } from '../../core/model/types.js';
import { POLICY_VERSION } from '../../core/policy/numbers.js';
import { loadTf } from './backend.js';

/** Name of the metadata file inside a model folder. */
export const MODEL_META_FILE = 'precue-model.json';

async function writeSynced(file: string, data: string | Uint8Array): Promise<void> {
  const h = await open(file, 'w', 0o644);
  try {
    await h.writeFile(data);
    await h.sync();
  } finally {
    await h.close();
  }
}

/**
 * The folder to load for a model at `dir`: `dir` itself, or — when a save was cut off between moving
 * the old model aside and moving the new one in (a kill, a power cut) — the previous model kept as
 * `dir.bak`. Undefined when neither holds a model.
 */
export function modelFolderToLoad(dir: string): string | undefined {
  const target = resolve(dir);
  for (const candidate of [target, `${target}.bak`]) if (existsSync(join(candidate, MODEL_META_FILE))) return candidate;
  return undefined;
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** Saves a trained model: tfjs artifacts through `tf.io.withSaveHandler`, plus metadata and alignment features. */
export async function saveModelFolder(dir: string, model: tfTypes.LayersModel, meta: ModelMeta, alignment: Float32Array): Promise<void> {
  const { tf } = await loadTf();
  const target = resolve(dir);
  await mkdir(dirname(target), { recursive: true });
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  // Temporary folders left by a save that was killed are garbage: the model they held never landed.
  const stale = new RegExp(`^\\.${basename(target).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.\\d+\\.tmp$`);
  for (const name of await readdir(dirname(target))) if (stale.test(name)) await rm(join(dirname(target), name), { recursive: true, force: true });
  await mkdir(temp);
  try {
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        const weightData = artifacts.weightData;
        if (weightData === undefined || Array.isArray(weightData)) throw new Error('tfjs returned no single weight buffer');
        await writeSynced(join(temp, meta.files.weights), new Uint8Array(weightData));
        const topology = { format: 'layers-model', generatedBy: meta.createdBy, modelTopology: artifacts.modelTopology, weightsManifest: [{ paths: [meta.files.weights], weights: artifacts.weightSpecs }] };
        await writeSynced(join(temp, meta.files.topology), JSON.stringify(topology));
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    await writeSynced(join(temp, meta.files.alignment), new Uint8Array(alignment.buffer, alignment.byteOffset, alignment.byteLength));
    await writeSynced(join(temp, MODEL_META_FILE), JSON.stringify(meta, null, 2) + '\n');
    const backup = `${target}.bak`;
    if (await exists(target)) {
      await rm(backup, { recursive: true, force: true });
      await rename(target, backup);
    }
    await rename(temp, target);
    const d = await open(dirname(target), 'r');
    await d.sync().catch(() => undefined);
    await d.close();
  } catch (err) {
    await rm(temp, { recursive: true, force: true });
    throw err;
  }
}

/** Reads and checks `precue-model.json` only (no TensorFlow needed). */
export async function readModelMeta(dir: string): Promise<ModelMeta> {
  const file = join(modelFolderToLoad(dir) ?? resolve(dir), MODEL_META_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ShowFileError([{ file, path: '', message: 'is missing', expected: "a model folder written by 'precue train'" }], { cause: err });
  }
  return parseModelMeta(text, file);
}

/** Checks `precue-model.json` text: bounded JSON, model and policy versions, schema. Throws ShowFileError. */
export function parseModelMeta(text: string, file: string): ModelMeta {
  const parsedJson = parseBoundedJson(text, FILE_JSON_BOUNDS);
  if (!parsedJson.ok) throw new ShowFileError([{ file, path: '', message: `is not valid JSON (${parsedJson.error})`, expected: "a model folder written by 'precue train'" }]);
  const raw = parsedJson.value;
  const problem = modelVersionProblem(raw, dirname(file));
  if (problem !== undefined) throw new ShowFileError([{ file, path: 'policy.version', message: problem, expected: `a model trained by this Precue (cue policy ${POLICY_VERSION})` }]);
  const parsed = modelMetaSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ShowFileError(
      parsed.error.issues.map((i) => ({ file, path: i.path.map(String).join('.'), message: i.message, expected: "a model folder written by 'precue train'" })),
    );
  }
  return parsed.data;
}

/** A loaded model folder: metadata, inference weights, the tfjs model and the alignment features. */
export interface ModelFolder extends LoadedModel {
  readonly dir: string;
  readonly tfModel: tfTypes.LayersModel;
  readonly alignment: Float32Array;
}

/** Loads a model folder (metadata checked first, then the tfjs model through `tf.io.fromMemory`). */
export async function loadModelFolder(dir: string): Promise<ModelFolder> {
  const meta = await readModelMeta(dir);
  const root = modelFolderToLoad(dir) ?? resolve(dir);
  const read = async (name: string): Promise<Uint8Array> => {
    try {
      return new Uint8Array(await readFile(join(root, name)));
    } catch (err) {
      throw new ShowFileError([{ file: join(root, name), path: '', message: 'is missing or unreadable', expected: "a model folder written by 'precue train'" }], { cause: err });
    }
  };
  const topologyFile = join(root, meta.files.topology);
  const topologyJson = parseBoundedJson(new TextDecoder().decode(await read(meta.files.topology)), FILE_JSON_BOUNDS);
  if (!topologyJson.ok || typeof topologyJson.value !== 'object' || topologyJson.value === null) {
    throw new ShowFileError([{ file: topologyFile, path: '', message: `is not valid JSON${topologyJson.ok ? '' : ` (${topologyJson.error})`}`, expected: 'a TensorFlow.js layers model' }]);
  }
  const topology = topologyJson.value as { modelTopology: object; weightsManifest: { weights: tfTypes.io.WeightsManifestEntry[] }[] };
  const weights = await read(meta.files.weights);
  const { tf } = await loadTf();
  let tfModel: tfTypes.LayersModel;
  try {
    const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
    tfModel = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: topology.modelTopology, weightSpecs: topology.weightsManifest.flatMap((m) => m.weights), weightData }));
  } catch (err) {
    throw new ShowFileError([{ file: topologyFile, path: '', message: `cannot be loaded (${err instanceof Error ? err.message : String(err)})`, expected: "a model folder written by 'precue train'" }], {
      cause: err,
    });
  }
  const alignBytes = await read(meta.files.alignment);
  const alignment = new Float32Array(alignBytes.buffer.slice(alignBytes.byteOffset, alignBytes.byteOffset + alignBytes.byteLength) as ArrayBuffer);
  const w = extractWeights(tfModel, {
    inputSize: meta.inputSize,
    hiddenSize: meta.hiddenSize,
    headSize: meta.headSize,
    depts: meta.depts,
    vocabSizes: meta.depts.map((d) => meta.vocab[d]?.length ?? 0),
    seed: meta.seed,
  });
  return { dir: root, meta, weights: w, tfModel, alignment };
}
