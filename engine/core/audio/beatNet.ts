/**
 * The learned beat/downbeat activation: a small causal network over the tracker's filterbank frames
 * (`beatFrames.ts`), stepped one frame at a time in plain typed arrays (no TensorFlow on the live
 * path). Per frame its input is the frame's log bands and their positive difference from the frame
 * before, z-normalised with the training statistics; a dense layer (ReLU), one or more GRU layers and
 * a softmax over (no beat, beat, downbeat).
 *
 * The weights travel as a `BeatNetModel` (version, seed, data recipe and the numbers, base64 float32)
 * written by `bench/listener/train.ts`; the shipped one is `beatNetWeights.ts`.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { denseInto, GruCell, type GruWeights } from '../gru.js';
import { BEAT_BANDS_PER_OCTAVE, BEAT_FMAX_HZ, BEAT_FMIN_HZ, BEAT_HOP, BEAT_LOG_GAIN, BEAT_SAMPLE_RATE, BEAT_WINDOW, beatBandCount } from './beatFrames.js';

/** The frontend a model was trained on; a model whose string differs is refused. */
export const BEAT_FRONTEND = `${BEAT_SAMPLE_RATE}Hz/hop${BEAT_HOP}/win${BEAT_WINDOW}/${BEAT_BANDS_PER_OCTAVE}bpo/${BEAT_FMIN_HZ}-${BEAT_FMAX_HZ}Hz/log10(1+${BEAT_LOG_GAIN}E)`;

/** A trained beat network as stored: shapes, provenance and the weights. */
export interface BeatNetModel {
  /** Version of these weights (changes with every retraining). */
  readonly version: string;
  /** `BEAT_FRONTEND` at training time. */
  readonly frontend: string;
  /** Bands per frame (the input is twice this). */
  readonly bands: number;
  readonly denseUnits: number;
  readonly gruUnits: readonly number[];
  /** The seed and the data recipe the weights came from (see bench/listener/README.md). */
  readonly seed: number;
  readonly recipe: string;
  /**
   * Base64 of little-endian float32, in this order: input mean [2B], input std [2B], dense kernel
   * [2B × D], dense bias [D], per GRU layer kernel [in × 3H], recurrent kernel [H × 3H], bias [3H],
   * output kernel [H × 3], output bias [3].
   */
  readonly weights: string;
}

/** The decoded numbers of a `BeatNetModel`. */
export interface BeatNetWeights {
  readonly inputMean: Float32Array;
  readonly inputStd: Float32Array;
  readonly denseKernel: Float32Array;
  readonly denseBias: Float32Array;
  readonly grus: readonly GruWeights[];
  readonly outKernel: Float32Array;
  readonly outBias: Float32Array;
}

/** Number of float32 values a model of this shape holds. */
export function beatNetParameterCount(bands: number, denseUnits: number, gruUnits: readonly number[]): number {
  const I = 2 * bands;
  let n = 2 * I + I * denseUnits + denseUnits;
  let inSize = denseUnits;
  for (const H of gruUnits) {
    n += inSize * 3 * H + H * 3 * H + 3 * H;
    inSize = H;
  }
  return n + inSize * 3 + 3;
}

function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Decodes base64 little-endian float32 values (the inverse of `float32ToBase64`). */
export function base64ToFloat32(b64: string): Float32Array {
  const bytes = base64ToBytes(b64);
  const view = new DataView(bytes.buffer);
  const out = new Float32Array(Math.floor(bytes.length / 4));
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

/** Encodes float32 values as base64 (little-endian), the `weights` field of a `BeatNetModel`. */
export function float32ToBase64(values: Float32Array): string {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i]!, true);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** Unpacks a model's weights, checking them against the frontend this engine computes. */
export function decodeBeatNet(model: BeatNetModel): BeatNetWeights {
  if (model.frontend !== BEAT_FRONTEND || model.bands !== beatBandCount()) {
    throw new RangeError(
      `beat network ${model.version} was trained on frames '${model.frontend}' (${model.bands} bands), this engine computes '${BEAT_FRONTEND}' (${beatBandCount()} bands): retrain it with 'npx tsx bench/listener/train.ts'`,
    );
  }
  const bytes = base64ToBytes(model.weights);
  const view = new DataView(bytes.buffer);
  const count = bytes.length / 4;
  const expected = beatNetParameterCount(model.bands, model.denseUnits, model.gruUnits);
  if (count !== expected) throw new RangeError(`beat network ${model.version}: ${count} weights stored, its shape needs ${expected}`);
  let at = 0;
  const take = (n: number): Float32Array => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * (at + i), true);
    at += n;
    return out;
  };
  const I = 2 * model.bands;
  const D = model.denseUnits;
  const inputMean = take(I);
  const inputStd = take(I);
  const denseKernel = take(I * D);
  const denseBias = take(D);
  const grus: GruWeights[] = [];
  let inSize = D;
  for (const H of model.gruUnits) {
    grus.push({ inputSize: inSize, hiddenSize: H, kernel: take(inSize * 3 * H), recurrentKernel: take(H * 3 * H), bias: take(3 * H) });
    inSize = H;
  }
  const outKernel = take(inSize * 3);
  const outBias = take(3);
  return { inputMean, inputStd, denseKernel, denseBias, grus, outKernel, outBias };
}

/** The network, stepped frame by frame. `reset` starts a new song. */
export class BeatNet {
  private readonly w: BeatNetWeights;
  private readonly bands: number;
  private readonly prev: Float32Array;
  private havePrev = false;
  private readonly x: Float32Array;
  private readonly dense: Float32Array;
  private readonly grus: GruCell[];
  private readonly logits = new Float32Array(3);
  /** Probabilities of (no beat, beat, downbeat) after the last step. */
  readonly output = new Float32Array(3);

  constructor(weights: BeatNetWeights) {
    this.w = weights;
    this.bands = weights.inputMean.length / 2;
    this.prev = new Float32Array(this.bands);
    this.x = new Float32Array(2 * this.bands);
    this.dense = new Float32Array(weights.denseBias.length);
    this.grus = weights.grus.map((g) => new GruCell(g));
  }

  /** Clears the recurrent state and the previous frame. */
  reset(): void {
    for (const g of this.grus) g.reset();
    this.havePrev = false;
  }

  /** One frame of log bands in; (no beat, beat, downbeat) probabilities out (the `output` array). */
  step(bands: Float32Array): Float32Array {
    const B = this.bands;
    const { inputMean, inputStd, denseKernel, denseBias, outKernel, outBias } = this.w;
    const x = this.x;
    for (let i = 0; i < B; i++) {
      const v = Number.isFinite(bands[i]!) ? bands[i]! : 0;
      const d = this.havePrev ? v - this.prev[i]! : 0;
      x[i] = (v - inputMean[i]!) / inputStd[i]!;
      x[B + i] = ((d > 0 ? d : 0) - inputMean[B + i]!) / inputStd[B + i]!;
      this.prev[i] = v;
    }
    this.havePrev = true;
    let h: Float32Array = denseInto(this.dense, denseBias, x, 2 * B, denseKernel, true);
    for (const g of this.grus) h = g.step(h);
    const H = h.length;
    const logits = this.logits;
    logits.set(outBias);
    for (let i = 0; i < H; i++) {
      const hi = h[i]!;
      for (let j = 0; j < 3; j++) logits[j]! += hi * outKernel[i * 3 + j]!;
    }
    const max = Math.max(logits[0]!, logits[1]!, logits[2]!);
    let sum = 0;
    for (let j = 0; j < 3; j++) {
      this.output[j] = Math.exp(logits[j]! - max);
      sum += this.output[j]!;
    }
    for (let j = 0; j < 3; j++) this.output[j]! /= sum;
    return this.output;
  }
}

/** Runs a network over a whole sequence of frames (bands per frame, frame-major); returns (beat, downbeat) per frame. */
export function beatActivations(net: BeatNet, bands: Float32Array, bandCount: number): Float32Array {
  const frames = Math.floor(bands.length / bandCount);
  const out = new Float32Array(2 * frames);
  net.reset();
  for (let n = 0; n < frames; n++) {
    const p = net.step(bands.subarray(n * bandCount, (n + 1) * bandCount));
    out[2 * n] = p[1]!;
    out[2 * n + 1] = p[2]!;
  }
  return out;
}

/** The tfjs namespace, passed in by the caller that chose a backend (core never loads one). */
export type Tf = typeof tfTypes;

/** Shape of a beat network. */
export interface BeatNetShape {
  readonly bands: number;
  readonly denseUnits: number;
  readonly gruUnits: readonly number[];
  readonly seed: number;
}

/**
 * The trainable tfjs model of the beat network (the training script's and the tests'): inputs
 * [batch, frames, 2·bands] already normalised, logits over (no beat, beat, downbeat) out. Its weights,
 * in `getWeights()` order, are what `packBeatNet` stores and `BeatNet` steps through.
 */
export function buildBeatNetwork(tf: Tf, shape: BeatNetShape): tfTypes.LayersModel {
  const { seed } = shape;
  const input = tf.input({ shape: [null, 2 * shape.bands] });
  let h = tf.layers
    .dense({ units: shape.denseUnits, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }), name: 'dense_in' })
    .apply(input) as tfTypes.SymbolicTensor;
  shape.gruUnits.forEach((H, k) => {
    h = tf.layers
      .gru({
        units: H,
        returnSequences: true,
        recurrentActivation: 'sigmoid',
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 10 + k }),
        recurrentInitializer: tf.initializers.orthogonal({ seed: seed + 20 + k }),
        name: `gru_${k}`,
      })
      .apply(h) as tfTypes.SymbolicTensor;
  });
  const out = tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 30 }), name: 'dense_out' }).apply(h) as tfTypes.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'beatnet' });
}

/** The normalisation and a model's weights (getWeights order) as one float32 array, checked against the count its shape needs. */
export function packedWeights(what: string, parts: readonly Float32Array[], expected: number): Float32Array {
  const flat = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    flat.set(p, at);
    at += p.length;
  }
  if (flat.length !== expected) throw new RangeError(`${what}: ${flat.length} values for a shape that needs ${expected}`);
  return flat;
}

/** Packs the normalisation and a `buildBeatNetwork` model's weights (getWeights order) as a `BeatNetModel`. */
export function packBeatNet(
  meta: Pick<BeatNetModel, 'version' | 'recipe'> & BeatNetShape,
  inputMean: Float32Array,
  inputStd: Float32Array,
  weights: readonly Float32Array[],
): BeatNetModel {
  const flat = packedWeights('packBeatNet', [inputMean, inputStd, ...weights], beatNetParameterCount(meta.bands, meta.denseUnits, meta.gruUnits));
  return {
    version: meta.version,
    frontend: BEAT_FRONTEND,
    bands: meta.bands,
    denseUnits: meta.denseUnits,
    gruUnits: [...meta.gruUnits],
    seed: meta.seed,
    recipe: meta.recipe,
    weights: float32ToBase64(flat),
  };
}
