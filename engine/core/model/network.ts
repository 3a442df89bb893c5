/**
 * The sequence model in TensorFlow.js: a GRU over beats with, per department, a fire head (does the
 * next cue go on the next beat), a cue head (which cue, over the department's vocabulary) and a count
 * head (beats until the next cue). Training is a seeded, deterministic loop with truncated
 * back-propagation over beat windows; the best epoch on the validation takes is kept.
 *
 * The caller passes the `tf` namespace with its backend already chosen (io/model picks tfjs-node or
 * wasm), so core never loads a backend itself.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { normaliseInputs, seededRandom, windows, type Sequence } from './dataset.js';
import type { DeptHeadWeights, NetWeights } from './types.js';

/** The tfjs namespace (as imported from `@tensorflow/tfjs`). */
export type Tf = typeof tfTypes;

/** Shape and training settings. */
export interface NetConfig {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly headSize: number;
  readonly depts: readonly string[];
  readonly vocabSizes: readonly number[];
  readonly seed: number;
}

/** Training settings. */
export interface TrainConfig {
  readonly epochs: number;
  readonly batchSize: number;
  readonly windowSteps: number;
  readonly learningRate: number;
  /** Weight of positive fire targets (fires are rare among beats): one for all, or one per department. */
  readonly firePositiveWeight: number | readonly number[];
  /** Stop after this many epochs without a better validation loss. */
  readonly patience: number;
  /**
   * Noise added to the first `noiseDims` (normalised audio) entries of training windows, and the
   * relative jitter of the entry at `tempoIndex`: neither a take's exact sound nor its exact tempo
   * may serve as a fingerprint the model memorises.
   */
  readonly inputNoise: number;
  readonly noiseDims: number;
  readonly tempoIndex: number;
  readonly tempoJitter: number;
}

/** Network training settings (`trainModel` sets the epochs from `TRAINING_DEFAULTS`). */
export const defaultTrainConfig: TrainConfig = {
  epochs: 40,
  batchSize: 64,
  windowSteps: 64,
  learningRate: 0.01,
  firePositiveWeight: 3,
  patience: 8,
  inputNoise: 0.6,
  noiseDims: 0,
  tempoIndex: -1,
  tempoJitter: 0.08,
};

/** Progress of one epoch. */
export interface EpochProgress {
  readonly epoch: number;
  readonly epochs: number;
  readonly loss: number;
  /** Null without validation takes: then the best epoch is chosen on the training loss. */
  readonly validationLoss: number | null;
  readonly validationFireF1: number | null;
  readonly secondsLeft: number;
  readonly best: boolean;
}

/** Builds the (untrained) network with seeded initialisers. */
export function buildNetwork(tf: Tf, cfg: NetConfig): tfTypes.LayersModel {
  const input = tf.input({ shape: [null, cfg.inputSize], name: 'beats' });
  const gru = tf.layers.gru({
    units: cfg.hiddenSize,
    returnSequences: true,
    recurrentActivation: 'sigmoid',
    kernelInitializer: tf.initializers.glorotUniform({ seed: cfg.seed }),
    recurrentInitializer: tf.initializers.orthogonal({ seed: cfg.seed + 1 }),
    name: 'gru',
  });
  const h = gru.apply(input) as tfTypes.SymbolicTensor;
  const shared = tf.layers
    .dense({ units: cfg.headSize, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: cfg.seed + 2 }), name: 'shared' })
    .apply(h) as tfTypes.SymbolicTensor;
  const outputs: tfTypes.SymbolicTensor[] = [];
  cfg.depts.forEach((d, i) => {
    const init = (k: number) => tf.initializers.glorotUniform({ seed: cfg.seed + 10 + 3 * i + k });
    outputs.push(tf.layers.dense({ units: 1, kernelInitializer: init(0), name: `${d}_fire` }).apply(shared) as tfTypes.SymbolicTensor);
    outputs.push(tf.layers.dense({ units: cfg.vocabSizes[i] ?? 1, kernelInitializer: init(1), name: `${d}_cue` }).apply(shared) as tfTypes.SymbolicTensor);
    outputs.push(tf.layers.dense({ units: 1, kernelInitializer: init(2), name: `${d}_count` }).apply(shared) as tfTypes.SymbolicTensor);
  });
  return tf.model({ inputs: input, outputs, name: 'precue' });
}

interface Batch {
  x: tfTypes.Tensor3D;
  fire: tfTypes.Tensor3D;
  cue: tfTypes.Tensor3D;
  count: tfTypes.Tensor3D;
  valid: tfTypes.Tensor2D;
}

function makeBatch(
  tf: Tf,
  seqs: readonly Sequence[],
  parts: readonly [number, number, number][],
  inputSize: number,
  D: number,
  T: number,
  noise?: { random: () => number; sigma: number; dims: number; tempoIndex: number; tempoJitter: number },
): Batch {
  const B = parts.length;
  const x = new Float32Array(B * T * inputSize);
  const fire = new Float32Array(B * T * D);
  const cue = new Float32Array(B * T * D).fill(-1);
  const count = new Float32Array(B * T * D).fill(-1);
  const valid = new Float32Array(B * T);
  parts.forEach(([s, a, b], i) => {
    const seq = seqs[s]!;
    const n = b - a;
    x.set(seq.inputs.subarray(a * inputSize, b * inputSize), i * T * inputSize);
    fire.set(seq.fire.subarray(a * D, b * D), i * T * D);
    for (let k = 0; k < n * D; k++) cue[i * T * D + k] = seq.cue[a * D + k]!;
    count.set(seq.count.subarray(a * D, b * D), i * T * D);
    valid.fill(1, i * T, i * T + n);
    if (noise !== undefined) {
      const r = noise.random;
      const tempoScale = 1 + (r() * 2 - 1) * noise.tempoJitter;
      for (let k = 0; k < n; k++) {
        const base = (i * T + k) * inputSize;
        for (let j = 0; j < noise.dims; j++) x[base + j]! += noise.sigma * (r() + r() + r() - 1.5) * 2;
        if (noise.tempoIndex >= 0) x[base + noise.tempoIndex]! *= tempoScale;
      }
    }
  });
  return {
    x: tf.tensor3d(x, [B, T, inputSize]),
    fire: tf.tensor3d(fire, [B, T, D]),
    cue: tf.tensor3d(cue, [B, T, D]),
    count: tf.tensor3d(count, [B, T, D]),
    valid: tf.tensor2d(valid, [B, T]),
  };
}

function disposeBatch(b: Batch): void {
  b.x.dispose();
  b.fire.dispose();
  b.cue.dispose();
  b.count.dispose();
  b.valid.dispose();
}

/** Loss of a batch: weighted fire cross-entropy + cue cross-entropy + count error, masked. */
function batchLoss(tf: Tf, model: tfTypes.LayersModel, b: Batch, cfg: NetConfig, posWeights: number | readonly number[]): tfTypes.Scalar {
  const outs = model.apply(b.x, { training: true }) as tfTypes.Tensor[];
  const D = cfg.depts.length;
  let total: tfTypes.Tensor = tf.scalar(0);
  const validSum = tf.maximum(tf.sum(b.valid), 1);
  for (let d = 0; d < D; d++) {
    const posWeight = typeof posWeights === 'number' ? posWeights : (posWeights[d] ?? 1);
    const fireLogit = tf.squeeze(outs[3 * d]!, [2]);
    const cueLogits = outs[3 * d + 1]!;
    const countOut = tf.squeeze(outs[3 * d + 2]!, [2]);
    const y = tf.squeeze(tf.slice(b.fire, [0, 0, d], [-1, -1, 1]), [2]);
    // Weighted sigmoid cross-entropy: w·y·softplus(-z) + (1-y)·softplus(z).
    const ce = tf.add(tf.mul(tf.mul(y, posWeight), tf.softplus(tf.neg(fireLogit))), tf.mul(tf.sub(1, y), tf.softplus(fireLogit)));
    total = tf.add(total, tf.div(tf.sum(tf.mul(ce, b.valid)), validSum));
    // Which cue: nothing to learn (and no one-hot to make) in a department with a single cue.
    if ((cfg.vocabSizes[d] ?? 1) >= 2) {
      const cueT = tf.squeeze(tf.slice(b.cue, [0, 0, d], [-1, -1, 1]), [2]);
      const cueMask = tf.mul(tf.cast(tf.greaterEqual(cueT, 0), 'float32'), b.valid);
      const oneHot = tf.oneHot(tf.cast(tf.maximum(cueT, 0), 'int32'), cfg.vocabSizes[d] ?? 1);
      const logp = tf.logSoftmax(cueLogits);
      const cueCe = tf.neg(tf.sum(tf.mul(oneHot, logp), -1));
      total = tf.add(total, tf.mul(0.5, tf.div(tf.sum(tf.mul(cueCe, cueMask)), tf.maximum(tf.sum(cueMask), 1))));
    }
    const countT = tf.squeeze(tf.slice(b.count, [0, 0, d], [-1, -1, 1]), [2]);
    const countMask = tf.mul(tf.cast(tf.greaterEqual(countT, 0), 'float32'), b.valid);
    const se = tf.square(tf.sub(countOut, countT));
    total = tf.add(total, tf.mul(0.3, tf.div(tf.sum(tf.mul(se, countMask)), tf.maximum(tf.sum(countMask), 1))));
  }
  return total as tfTypes.Scalar;
}

/** F1 of fire decisions (≥ 0.5) against fire targets, over every department and valid step. */
function fireF1(tf: Tf, model: tfTypes.LayersModel, b: Batch, D: number): { tp: number; fp: number; fn: number } {
  return tf.tidy(() => {
    const outs = model.apply(b.x) as tfTypes.Tensor[];
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let d = 0; d < D; d++) {
      const p = tf.greater(tf.squeeze(outs[3 * d]!, [2]), 0).dataSync();
      const y = tf.squeeze(tf.slice(b.fire, [0, 0, d], [-1, -1, 1]), [2]).dataSync();
      const v = b.valid.dataSync();
      for (let i = 0; i < p.length; i++) {
        if (v[i] === 0) continue;
        if (p[i] === 1 && y[i] === 1) tp++;
        else if (p[i] === 1) fp++;
        else if (y[i] === 1) fn++;
      }
    }
    return { tp, fp, fn };
  });
}

/** Result of `trainNetwork`. */
export interface TrainResult {
  readonly model: tfTypes.LayersModel;
  readonly epochs: number;
  readonly trainLoss: number;
  /** Null when there was nothing to validate on. */
  readonly validationLoss: number | null;
  readonly validationFireF1: number | null;
}

/**
 * Trains on `train` sequences, validating on `validation` (both normalised in place first). Calls
 * `progress` after each epoch; `clock` returns seconds (for the time-left estimate only).
 */
export async function trainNetwork(
  tf: Tf,
  cfg: NetConfig,
  train: readonly Sequence[],
  validation: readonly Sequence[],
  norm: { mean: readonly number[]; std: readonly number[] },
  options: Partial<TrainConfig> & { progress?: (p: EpochProgress) => void; clock?: () => number } = {},
): Promise<TrainResult> {
  const tc = { ...defaultTrainConfig, ...options };
  const clock = options.clock ?? (() => 0);
  for (const s of [...train, ...validation]) normaliseInputs(s.inputs, cfg.inputSize, norm.mean, norm.std);
  const model = buildNetwork(tf, cfg);
  const optimizer = tf.train.adam(tc.learningRate);
  const random = seededRandom(cfg.seed + 99);
  const T = tc.windowSteps;
  const D = cfg.depts.length;
  const trainParts: [number, number, number][] = [];
  train.forEach((s, i) => {
    for (const [a, b] of windows(s.length, T, Math.floor(T / 2))) trainParts.push([i, a, b]);
  });
  const valParts: [number, number, number][] = [];
  validation.forEach((s, i) => {
    for (const [a, b] of windows(s.length, T, T)) valParts.push([i, a, b]);
  });
  const valBatches: Batch[] = [];
  for (let i = 0; i < valParts.length; i += tc.batchSize) valBatches.push(makeBatch(tf, validation, valParts.slice(i, i + tc.batchSize), cfg.inputSize, D, T));
  let best = { loss: Number.POSITIVE_INFINITY, epoch: 0, trainLoss: 0, f1: 0, weights: [] as tfTypes.Tensor[] };
  const started = clock();
  let epochsRun = 0;
  try {
    for (let epoch = 1; epoch <= tc.epochs; epoch++) {
      epochsRun = epoch;
      // Seeded Fisher–Yates shuffle.
      for (let i = trainParts.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [trainParts[i], trainParts[j]] = [trainParts[j]!, trainParts[i]!];
      }
      let lossSum = 0;
      let batches = 0;
      for (let i = 0; i < trainParts.length; i += tc.batchSize) {
        const b = makeBatch(tf, train, trainParts.slice(i, i + tc.batchSize), cfg.inputSize, D, T, {
          random,
          sigma: tc.inputNoise,
          dims: tc.noiseDims,
          tempoIndex: tc.tempoIndex,
          tempoJitter: tc.tempoJitter,
        });
        const loss = optimizer.minimize(() => batchLoss(tf, model, b, cfg, tc.firePositiveWeight), true);
        lossSum += loss === null ? 0 : (await loss.data())[0]!;
        loss?.dispose();
        disposeBatch(b);
        batches++;
        await Promise.resolve();
      }
      let valLoss = 0;
      const counts = { tp: 0, fp: 0, fn: 0 };
      for (const vb of valBatches) {
        const l = tf.tidy(() => batchLoss(tf, model, vb, cfg, tc.firePositiveWeight));
        valLoss += (await l.data())[0]!;
        l.dispose();
        const c = fireF1(tf, model, vb, D);
        counts.tp += c.tp;
        counts.fp += c.fp;
        counts.fn += c.fn;
      }
      valLoss = valBatches.length > 0 ? valLoss / valBatches.length : lossSum / Math.max(1, batches);
      const f1 = (2 * counts.tp) / Math.max(1, 2 * counts.tp + counts.fp + counts.fn);
      const improved = valLoss < best.loss;
      if (improved) {
        for (const w of best.weights) w.dispose();
        best = { loss: valLoss, epoch, trainLoss: lossSum / Math.max(1, batches), f1, weights: model.getWeights().map((w) => w.clone()) };
      }
      const elapsed = clock() - started;
      options.progress?.({
        epoch,
        epochs: tc.epochs,
        loss: lossSum / Math.max(1, batches),
        validationLoss: valBatches.length > 0 ? valLoss : null,
        validationFireF1: valBatches.length > 0 ? f1 : null,
        secondsLeft: (elapsed / epoch) * (tc.epochs - epoch),
        best: improved,
      });
      if (epoch - best.epoch >= tc.patience) break;
    }
  } finally {
    for (const vb of valBatches) disposeBatch(vb);
    optimizer.dispose();
  }
  if (best.weights.length > 0) {
    model.setWeights(best.weights);
    for (const w of best.weights) w.dispose();
  }
  const validated = valBatches.length > 0;
  return { model, epochs: epochsRun, trainLoss: best.trainLoss, validationLoss: validated ? best.loss : null, validationFireF1: validated ? best.f1 : null };
}

/** Pulls the trained weights out into plain arrays for `StreamingNet`. */
export function extractWeights(model: tfTypes.LayersModel, cfg: NetConfig): NetWeights {
  const arr = (layer: string, i: number): Float32Array => {
    const w = model.getLayer(layer).getWeights()[i];
    if (w === undefined) throw new Error(`layer ${layer} has no weight ${i}`);
    return Float32Array.from(w.dataSync());
  };
  const heads: DeptHeadWeights[] = cfg.depts.map((d) => ({
    dept: d,
    fireKernel: arr(`${d}_fire`, 0),
    fireBias: arr(`${d}_fire`, 1),
    cueKernel: arr(`${d}_cue`, 0),
    cueBias: arr(`${d}_cue`, 1),
    countKernel: arr(`${d}_count`, 0),
    countBias: arr(`${d}_count`, 1),
  }));
  return {
    inputSize: cfg.inputSize,
    hiddenSize: cfg.hiddenSize,
    headSize: cfg.headSize,
    kernel: arr('gru', 0),
    recurrentKernel: arr('gru', 1),
    bias: arr('gru', 2),
    sharedKernel: arr('shared', 0),
    sharedBias: arr('shared', 1),
    heads,
  };
}
