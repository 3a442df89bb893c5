/**
 * Trains the learned beat tracker's network and writes the weights the engine ships
 * (`engine/core/audio/beatNetWeights.ts`), with their version, seed and data recipe, and the training
 * curve as a picture.
 *
 *   nice -n 10 npx tsx bench/listener/train.ts [--seed 1] [--songs 240] [--val 24] [--epochs 30]
 *        [--dense 32] [--gru 48] [--batch 48] [--seq 600] [--lr 0.002] [--lr-drop <epoch>] [--out <weights.ts>]
 *        [--curve bench/listener/training-curve.png] [--fresh]
 *
 * Training songs and validation songs come from the fixed split in recipe.ts (never the test set).
 * `LISTENER_RECIPE=<version>` in the environment trains on another recipe of `RECIPES` (recipe.ts).
 * Renders and their frames are cached under .tmp/listener/; the run checkpoints after every epoch to
 * .tmp/listener/checkpoint-<recipe>-<seed>-….json and resumes from it unless --fresh. The epoch with the best
 * validation beat F + downbeat F (causal decoding, ±70 ms, first 5 s skipped) is the one written out.
 * `--lr-drop N`: from epoch N on (1-based) the learning rate is a third of `--lr` (a step schedule, so a
 * resumed run and a run straight through train the same).
 *
 * TensorFlow.js runs on the wasm backend (tfjs-node where it installs). Everything random is drawn
 * from the seed: the same seed and recipe give the same weights.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type * as tfTypes from '@tensorflow/tfjs';
import { BEAT_FPS, beatBandCount } from '../../engine/core/audio/beatFrames.js';
import { filterActivations } from '../../engine/core/audio/barPointer.js';
import { BeatNet, beatActivations, buildBeatNetwork, decodeBeatNet, float32ToBase64, packBeatNet, type BeatNetModel } from '../../engine/core/audio/beatNet.js';
import { seededRandom } from '../../engine/core/model/dataset.js';
import { loadTf } from '../../engine/io/model/backend.js';
import { fMeasure, mean } from '../lib/beatEval.js';
import { frameTargets, pool, takeFrames, type TakeFrames } from './data.js';
import { writeTrainingCurve, type CurvePoint } from './plot.js';
import { RECIPE_VERSION, spreadSongs } from './recipe.js';

const { values: opts } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    songs: { type: 'string', default: '240' },
    val: { type: 'string', default: '24' },
    epochs: { type: 'string', default: '30' },
    dense: { type: 'string', default: '32' },
    gru: { type: 'string', default: '48' },
    batch: { type: 'string', default: '48' },
    seq: { type: 'string', default: '600' },
    lr: { type: 'string', default: '0.002' },
    'lr-drop': { type: 'string' },
    out: { type: 'string', default: 'engine/core/audio/beatNetWeights.ts' },
    curve: { type: 'string', default: 'bench/listener/training-curve.png' },
    renders: { type: 'string', default: '2' },
    fresh: { type: 'boolean', default: false },
  },
});

const seed = Number(opts.seed);
const epochs = Number(opts.epochs);
const denseUnits = Number(opts.dense);
const gruUnits = opts.gru.split(',').map(Number);
const batchSize = Number(opts.batch);
const seqLen = Number(opts.seq);
const learningRate = Number(opts.lr);
const lrDrop = opts['lr-drop'] !== undefined ? Number(opts['lr-drop']) : undefined;
/** The learning rate of a 0-based epoch. */
const learningRateAt = (epoch: number): number => (lrDrop !== undefined && epoch + 1 >= lrDrop ? learningRate / 3 : learningRate);
const B = beatBandCount();
const I = 2 * B;
const log = (s: string): void => {
  process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);
};

// 1. Data: renders → frames (cached), targets.
const trainIds = spreadSongs('train', Number(opts.songs));
const valIds = spreadSongs('validation', Number(opts.val));
log(`data: ${trainIds.length} training songs, ${valIds.length} validation songs (recipe ${RECIPE_VERSION}, ${B} bands)`);
let done = 0;
const progress = (what: string) => (t: TakeFrames) => {
  done++;
  if (done % 10 === 0) log(`  ${done} renders ready (${what})`);
  return t;
};
const width = Number(opts.renders);
const train = await pool(trainIds.map((id) => () => takeFrames({ id, kind: 'train', take: 0 }).then(progress('train'))), width);
const val = await pool(valIds.map((id) => () => takeFrames({ id, kind: 'validation', take: 0 }).then(progress('validation'))), width);
const trainFrames = train.reduce((s, t) => s + t.count, 0);
log(`data ready: ${(trainFrames / BEAT_FPS / 3600).toFixed(1)} h of training audio, ${(val.reduce((s, t) => s + t.count, 0) / BEAT_FPS / 3600).toFixed(1)} h validation`);

// 2. Inputs: bands and their positive difference; normalisation from the training frames.
function inputsOf(t: TakeFrames): Float32Array {
  const x = new Float32Array(t.count * I);
  for (let n = 0; n < t.count; n++) {
    for (let b = 0; b < B; b++) {
      const v = t.bands[n * B + b]!;
      const d = n > 0 ? v - t.bands[(n - 1) * B + b]! : 0;
      x[n * I + b] = v;
      x[n * I + B + b] = d > 0 ? d : 0;
    }
  }
  return x;
}
const trainX = train.map(inputsOf);
const trainY = train.map(frameTargets);
const valY = val.map(frameTargets);
const inputMean = new Float32Array(I);
const inputStd = new Float32Array(I);
{
  const sum = new Float64Array(I);
  const sq = new Float64Array(I);
  let n = 0;
  for (const x of trainX) {
    for (let k = 0; k < x.length; k += I) {
      for (let i = 0; i < I; i++) {
        sum[i]! += x[k + i]!;
        sq[i]! += x[k + i]! * x[k + i]!;
      }
      n++;
    }
  }
  for (let i = 0; i < I; i++) {
    inputMean[i] = sum[i]! / n;
    inputStd[i] = Math.sqrt(Math.max(1e-6, sq[i]! / n - inputMean[i]! ** 2));
  }
}
const normalise = (x: Float32Array): Float32Array => {
  const out = new Float32Array(x.length);
  for (let k = 0; k < x.length; k++) out[k] = (x[k]! - inputMean[k % I]!) / inputStd[k % I]!;
  return out;
};
const trainXn = trainX.map(normalise);

// 3. The network.
const { tf, backend } = await loadTf();
log(`tfjs backend: ${backend}`);
const shape = { bands: B, denseUnits, gruUnits, seed };
const model = buildBeatNetwork(tf, shape);
const optimizer = tf.train.adam(learningRate);
log(`network: ${I} inputs → dense ${denseUnits} → GRU ${gruUnits.join('→')} → 3; ${model.countParams()} parameters`);

const recipe = `${RECIPE_VERSION}: ${trainIds.length} training songs (POP909, song number not ≡ 0 or 5 mod 10), one render each; validation ${valIds.length} songs ≡ 5 mod 10`;
const toModel = (version: string, weights: readonly Float32Array[]): BeatNetModel => packBeatNet({ version, recipe, ...shape }, inputMean, inputStd, weights);
const currentWeights = (): Float32Array[] => model.getWeights().map((w) => w.dataSync() as Float32Array);

// 4. Checkpoints.
interface Checkpoint {
  epoch: number;
  weights: string[];
  optimizer: { name: string; shape: number[]; data: string }[];
  curve: CurvePoint[];
  /** The best epoch so far by validation beat F + downbeat F (`score`; checkpoints from before it was kept count by beat F alone). */
  best: { f: number; score?: number; epoch: number; weights: string[] } | undefined;
}
const ckptFile = resolve('.tmp/listener', `checkpoint-${RECIPE_VERSION}-${seed}-${gruUnits.join('x')}-${denseUnits}.json`);
let curve: CurvePoint[] = [];
let startEpoch = 0;
let best: Checkpoint['best'];
/** How many epochs the weights written out have seen (the checkpoint's, when nothing is left to train). */
let trainedEpochs = 0;
const b64 = (a: Float32Array): string => float32ToBase64(a);
const fromB64 = (s: string): Float32Array => {
  const bin = atob(s);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Float32Array(bytes.buffer);
};
if (!opts.fresh && existsSync(ckptFile)) {
  const c = JSON.parse(readFileSync(ckptFile, 'utf8')) as Checkpoint;
  model.setWeights(c.weights.map((w, i) => tf.tensor(fromB64(w), model.getWeights()[i]!.shape)));
  // Adam's moments: the optimizer creates them on its first step; restore after one zero-rate step.
  startEpoch = c.epoch + 1;
  trainedEpochs = startEpoch;
  curve = c.curve;
  best = c.best;
  // Adam's step count and moments, in the order and under the names it saved them.
  if (c.optimizer.length > 0) await optimizer.setWeights(c.optimizer.map((w) => ({ name: w.name, tensor: tf.tensor(fromB64(w.data), w.shape) })));
  log(`resumed from ${relative(process.cwd(), ckptFile)} at epoch ${startEpoch}`);
}

// 5. Training batches: random crops of `seqLen` frames, drawn from the seed and the epoch.
function batchOf(r: () => number, xs: Float32Array[], ys: Float32Array[], counts: number[]): { x: tfTypes.Tensor3D; y: tfTypes.Tensor3D } {
  const x = new Float32Array(batchSize * seqLen * I);
  const y = new Float32Array(batchSize * seqLen * 3);
  const total = counts.reduce((s, c) => s + c, 0);
  for (let b = 0; b < batchSize; b++) {
    // Songs weighted by length: every frame equally likely.
    let pickAt = r() * total;
    let s = 0;
    while (s < counts.length - 1 && pickAt >= counts[s]!) pickAt -= counts[s++]!;
    const c = counts[s]!;
    const start = c > seqLen ? Math.floor(r() * (c - seqLen)) : 0;
    const n = Math.min(seqLen, c - start);
    x.set(xs[s]!.subarray(start * I, (start + n) * I), b * seqLen * I);
    y.set(ys[s]!.subarray(start * 3, (start + n) * 3), b * seqLen * 3);
    for (let k = n; k < seqLen; k++) y[(b * seqLen + k) * 3] = 1;
  }
  return { x: tf.tensor3d(x, [batchSize, seqLen, I]), y: tf.tensor3d(y, [batchSize, seqLen, 3]) };
}
const trainCounts = train.map((t) => t.count);
const stepsPerEpoch = Math.max(1, Math.round(trainFrames / (batchSize * seqLen)));

function validate(weights: Float32Array[]): { f: number; downF: number; loss: number } {
  const net = new BeatNet(decodeBeatNet(toModel('validation', weights)));
  const fs: number[] = [];
  const ds: number[] = [];
  let loss = 0;
  let frames = 0;
  val.forEach((t, i) => {
    const acts = beatActivations(net, t.bands, B);
    const y = valY[i]!;
    for (let n = 0; n < t.count; n++) {
      const pb = Math.max(1e-7, acts[2 * n]!);
      const pd = Math.max(1e-7, acts[2 * n + 1]!);
      const pn = Math.max(1e-7, 1 - pb - pd);
      loss -= y[3 * n]! * Math.log(pn) + y[3 * n + 1]! * Math.log(pb) + y[3 * n + 2]! * Math.log(pd);
    }
    frames += t.count;
    const beats = filterActivations(acts, { fps: BEAT_FPS });
    const est = beats.map((b) => b.frame / BEAT_FPS);
    fs.push(fMeasure(t.beats, est).f);
    const refDown = t.beats.filter((_, k) => t.beatInBar[k] === 0);
    ds.push(fMeasure(refDown, beats.filter((b) => b.beatInBar === 0).map((b) => b.frame / BEAT_FPS)).f);
  });
  return { f: mean(fs), downF: mean(ds), loss: loss / Math.max(1, frames) };
}

for (let epoch = startEpoch; epoch < epochs; epoch++) {
  const r = seededRandom(seed * 100003 + epoch);
  const t0 = performance.now();
  // Adam reads its rate on every step; tfjs keeps the field protected.
  (optimizer as unknown as { learningRate: number }).learningRate = learningRateAt(epoch);
  let lossSum = 0;
  for (let step = 0; step < stepsPerEpoch; step++) {
    const { x, y } = batchOf(r, trainXn, trainY, trainCounts);
    const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy<tfTypes.Tensor, tfTypes.Scalar>(y, model.apply(x) as tfTypes.Tensor), true);
    if (loss === null) throw new Error('optimizer returned no loss');
    lossSum += loss.dataSync()[0]!;
    tf.dispose([x, y, loss]);
    if (step % 10 === 9) log(`  epoch ${epoch + 1} step ${step + 1}/${stepsPerEpoch} loss ${(lossSum / (step + 1)).toFixed(4)}`);
  }
  const weights = currentWeights();
  const v = validate(weights);
  const trainLoss = lossSum / stepsPerEpoch;
  curve.push(
    { epoch: epoch + 1, series: 'training loss', value: trainLoss, panel: 'loss' },
    { epoch: epoch + 1, series: 'validation loss', value: v.loss, panel: 'loss' },
    { epoch: epoch + 1, series: 'validation beat F', value: v.f, panel: 'F-measure' },
    { epoch: epoch + 1, series: 'validation downbeat F', value: v.downF, panel: 'F-measure' },
  );
  const score = v.f + v.downF;
  const isBest = best === undefined || score > (best.score ?? best.f);
  if (isBest) best = { f: v.f, score, epoch: epoch + 1, weights: weights.map(b64) };
  log(
    `epoch ${epoch + 1}/${epochs}: loss ${trainLoss.toFixed(4)}, validation loss ${v.loss.toFixed(4)}, beat F ${v.f.toFixed(3)}, downbeat F ${v.downF.toFixed(3)}${isBest ? ' (best)' : ''} — ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );
  const optWeights = (await optimizer.getWeights()).map((w) => ({ name: w.name, shape: w.tensor.shape, data: b64(Float32Array.from(w.tensor.dataSync())) }));
  trainedEpochs = epoch + 1;
  const ckpt: Checkpoint = { epoch, weights: weights.map(b64), optimizer: optWeights, curve, best };
  mkdirSync(dirname(ckptFile), { recursive: true });
  writeFileSync(`${ckptFile}.part`, JSON.stringify(ckpt));
  renameSync(`${ckptFile}.part`, ckptFile);
  await writeTrainingCurve(curve, `Beat network (seed ${seed}, ${trainIds.length} songs): training curve`, opts.curve);
}

// 6. The best epoch's weights, as the engine's module.
if (best !== undefined) {
  const version = `listener-${RECIPE_VERSION}-s${seed}-e${best.epoch}`;
  const m = toModel(version, best.weights.map(fromB64));
  const text = `/**
 * The shipped beat network's weights — GENERATED by bench/listener/train.ts, do not edit.
 *
 * Reproduce: nice -n 10 npx tsx bench/listener/train.ts --seed ${seed} --songs ${trainIds.length} --val ${valIds.length} --epochs ${trainedEpochs} --dense ${denseUnits} --gru ${gruUnits.join(',')} --batch ${batchSize} --seq ${seqLen} --lr ${learningRate}${lrDrop !== undefined ? ` --lr-drop ${lrDrop}` : ''}
 * Best epoch ${best.epoch}: validation beat F ${best.f.toFixed(3)}, beat F + downbeat F ${(best.score ?? best.f).toFixed(3)} (causal, ±70 ms, first 5 s skipped).
 * Training curve: ${opts.curve}
 */
import type { BeatNetModel } from './beatNet.js';

/** The beat network the engine ships (see the header for how it was made). */
export const SHIPPED_BEAT_NET: BeatNetModel = ${JSON.stringify(m, null, 2).replace(/"([a-zA-Z]+)":/g, '$1:').replace(/"/g, "'")};
`;
  writeFileSync(opts.out, text);
  log(`wrote ${opts.out} (${version}, ${(m.weights.length / 1024).toFixed(0)} kB of base64) and ${join(opts.curve)}`);
}
