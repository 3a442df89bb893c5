/**
 * Where the bar starts, beat by beat: the learned tracker's second, beat-synchronous network. The beat
 * network (`beatNet.ts`) sees 20 ms frames and a few seconds of context; it finds beats well and the
 * bar's first beat poorly (a kick on 1 and 3 and a snare on 2 and 4 look alike half a bar apart). A bar
 * is told by what changes on its first beat — the chord, the bass note, the groove's cycle — and by
 * bars of memory. So, on every beat the online filter emits, `BarFeatures` summarises the beat that
 * just ended (its level per band group and how it changed from the beat before, how the spectrum's
 * shape changed, the beat network's evidence at the beat, the interval's change, the frame pointer's
 * guess) and `BarNet`, a small GRU stepped once per beat, says how likely this beat is the first of a
 * bar, and how likely the beat before was. `barPhase.ts` turns that into the place in the bar.
 *
 * Causal: the features of beat i use frames up to beat i's own frame, nothing later. The weights
 * travel as a `BarNetModel` written by `bench/listener/trainBars.ts`; the shipped one is
 * `barNetWeights.ts`.
 */
import type * as tfTypes from '@tensorflow/tfjs';
import { denseInto, GruCell, sigmoid, type GruWeights } from '../gru.js';
import { BEAT_FRONTEND, base64ToFloat32, float32ToBase64, packedWeights, type Tf } from './beatNet.js';
import { beatBandCount } from './beatFrames.js';

/** Frames at and before a beat whose beat-network evidence counts for it. */
export const BAR_EVIDENCE_FRAMES = 3;

/** Version of the bar features (`BarFeatures`): bump it with any change to them (training caches key on it). */
export const BAR_FEATURES_VERSION = 2;

/** Adjacent filterbank bands summed into one group of the bar features (8 bands to the octave: 5 ≈ 2/3 octave). */
export const BAR_BAND_GROUP = 5;

/** Groups of `bands` filterbank bands. */
function groupCount(bands: number): number {
  return Math.ceil(bands / BAR_BAND_GROUP);
}

/**
 * Features per beat for `bands` filterbank bands: the beat's mean level per band group and its change
 * from the beat before, how much the spectrum's shape changed (cosine distance, whole and below
 * ~250 Hz), the beat network's beat and downbeat evidence and their ratio, the interval's change, and
 * whether the frame-level bar pointer put this beat first.
 */
export function barFeatureCount(bands: number): number {
  return 2 * groupCount(bands) + 7;
}

/** Bands below ~250 Hz (30 Hz × 2^(bands/8)): the bass's share of a change. */
const LOW_BANDS = 24;

/**
 * Beat-synchronous features, fed every frame (`pushFrame`) and read on a beat (`beat`). Allocation-free
 * per frame; `beat` fills and returns one buffer (copy it to keep it).
 */
export class BarFeatures {
  readonly size: number;
  private readonly bands: number;
  private readonly groups: number;
  private readonly sum: Float64Array;
  private readonly mean: Float32Array;
  private readonly prevMean: Float32Array;
  private havePrev = false;
  private spanFrames = 0;
  /** Beat (beat + downbeat) and downbeat activations of the last `BAR_EVIDENCE_FRAMES` frames, ring-indexed. */
  private readonly beatAct = new Float32Array(BAR_EVIDENCE_FRAMES);
  private readonly downAct = new Float32Array(BAR_EVIDENCE_FRAMES);
  private ring = 0;
  private lastInterval = 0;
  private readonly out: Float32Array;

  constructor(bands: number = beatBandCount()) {
    this.bands = bands;
    this.groups = groupCount(bands);
    this.size = barFeatureCount(bands);
    this.sum = new Float64Array(bands);
    this.mean = new Float32Array(bands);
    this.prevMean = new Float32Array(bands);
    this.out = new Float32Array(this.size);
  }

  /** Forgets everything (new song). */
  reset(): void {
    this.sum.fill(0);
    this.prevMean.fill(0);
    this.havePrev = false;
    this.spanFrames = 0;
    this.beatAct.fill(0);
    this.downAct.fill(0);
    this.ring = 0;
    this.lastInterval = 0;
  }

  /** One frame: its log bands and the beat network's beat and downbeat probabilities. */
  pushFrame(bands: Float32Array, beat: number, downbeat: number): void {
    const B = this.bands;
    for (let i = 0; i < B; i++) {
      const v = bands[i]!;
      if (Number.isFinite(v)) this.sum[i]! += v;
    }
    this.spanFrames++;
    const b = Number.isFinite(beat) ? beat : 0;
    const d = Number.isFinite(downbeat) ? downbeat : 0;
    this.beatAct[this.ring] = b + d;
    this.downAct[this.ring] = d;
    this.ring = (this.ring + 1) % BAR_EVIDENCE_FRAMES;
  }

  /**
   * A beat on the last frame pushed, `intervalFrames` after the previous one, that the frame-level bar
   * pointer put at `pointerBeatInBar`: its features; starts the next span.
   */
  beat(intervalFrames: number, pointerBeatInBar: number): Float32Array {
    const B = this.bands;
    const G = this.groups;
    const x = this.out;
    const n = Math.max(1, this.spanFrames);
    const mean = this.mean;
    for (let i = 0; i < B; i++) mean[i] = this.sum[i]! / n;
    const prev = this.havePrev;
    for (let g = 0; g < G; g++) {
      let m = 0;
      let d = 0;
      let k = 0;
      for (let i = g * BAR_BAND_GROUP; i < Math.min(B, (g + 1) * BAR_BAND_GROUP); i++, k++) {
        m += mean[i]!;
        d += mean[i]! - this.prevMean[i]!;
      }
      x[g] = m / k;
      x[G + g] = prev ? d / k : 0;
    }
    x[2 * G] = prev ? shapeDistance(mean, this.prevMean, 0, B) : 0;
    x[2 * G + 1] = prev ? shapeDistance(mean, this.prevMean, 0, Math.min(B, LOW_BANDS)) : 0;
    let beat = 0;
    let down = 0;
    for (let k = 0; k < BAR_EVIDENCE_FRAMES; k++) {
      beat = Math.max(beat, this.beatAct[k]!);
      down = Math.max(down, this.downAct[k]!);
    }
    x[2 * G + 2] = beat;
    x[2 * G + 3] = down;
    x[2 * G + 4] = down / Math.max(1e-3, beat);
    const interval = Number.isFinite(intervalFrames) && intervalFrames > 0 ? intervalFrames : 0;
    x[2 * G + 5] = interval > 0 && this.lastInterval > 0 ? Math.max(-1, Math.min(1, Math.log(interval / this.lastInterval))) : 0;
    x[2 * G + 6] = pointerBeatInBar === 0 ? 1 : 0;
    this.lastInterval = interval;
    this.prevMean.set(mean);
    this.havePrev = this.spanFrames > 0;
    this.sum.fill(0);
    this.spanFrames = 0;
    return x;
  }
}

/** 1 − cosine similarity of two spectra over bands [from, to), each with its mean removed (its shape, not its level). */
function shapeDistance(a: Float32Array, b: Float32Array, from: number, to: number): number {
  let ma = 0;
  let mb = 0;
  for (let i = from; i < to; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= to - from;
  mb /= to - from;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = from; i < to; i++) {
    const x = a[i]! - ma;
    const y = b[i]! - mb;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na > 0 && nb > 0 ? 1 - dot / Math.sqrt(na * nb) : 0;
}

/** What the bar network says on a beat. */
export interface BarEvidence {
  /** Probability that this beat begins a bar. */
  readonly down: number;
  /** Probability that the beat before it did. */
  readonly previousDown: number;
}

/** Outputs per beat: this beat begins a bar; the beat before did. */
export const BAR_OUTPUTS = 2;

/** A trained bar network as stored: shapes, provenance and the weights. */
export interface BarNetModel {
  readonly version: string;
  /** `BEAT_FRONTEND` at training time (the features are its bands). */
  readonly frontend: string;
  /** The beat network whose activations and filter beats it was trained on. */
  readonly beatNet: string;
  readonly features: number;
  readonly denseUnits: number;
  readonly gruUnits: number;
  /** Share of training beats that were downbeats (the decoder's base rate). */
  readonly downbeatRate: number;
  readonly seed: number;
  readonly recipe: string;
  /** Base64 float32: input mean [F], input std [F], dense kernel [F × D], dense bias [D], GRU kernel [D × 3H], recurrent [H × 3H], bias [3H], out kernel [H × 2], out bias [2] (outputs: this beat first, the beat before first). */
  readonly weights: string;
}

/** Decoded numbers of a `BarNetModel`. */
export interface BarNetWeights {
  readonly inputMean: Float32Array;
  readonly inputStd: Float32Array;
  readonly denseKernel: Float32Array;
  readonly denseBias: Float32Array;
  readonly gru: GruWeights;
  readonly outKernel: Float32Array;
  readonly outBias: Float32Array;
}

/** Number of float32 values a bar network of this shape holds. */
export function barNetParameterCount(features: number, denseUnits: number, gruUnits: number): number {
  const F = features;
  const D = denseUnits;
  const H = gruUnits;
  return 2 * F + F * D + D + D * 3 * H + H * 3 * H + 3 * H + H * BAR_OUTPUTS + BAR_OUTPUTS;
}

/** Unpacks a bar network, checking it against the frontend this engine computes. */
export function decodeBarNet(model: BarNetModel): BarNetWeights {
  const F = barFeatureCount(beatBandCount());
  if (model.frontend !== BEAT_FRONTEND || model.features !== F) {
    throw new RangeError(
      `bar network ${model.version} was trained on '${model.frontend}' (${model.features} features), this engine computes '${BEAT_FRONTEND}' (${F}): retrain it with 'npx tsx bench/listener/trainBars.ts'`,
    );
  }
  const values = base64ToFloat32(model.weights);
  const expected = barNetParameterCount(model.features, model.denseUnits, model.gruUnits);
  if (values.length !== expected) throw new RangeError(`bar network ${model.version}: ${values.length} weights stored, its shape needs ${expected}`);
  let at = 0;
  const take = (n: number): Float32Array => values.slice(at, (at += n));
  const D = model.denseUnits;
  const H = model.gruUnits;
  const inputMean = take(F);
  const inputStd = take(F);
  const denseKernel = take(F * D);
  const denseBias = take(D);
  const gru: GruWeights = { inputSize: D, hiddenSize: H, kernel: take(D * 3 * H), recurrentKernel: take(H * 3 * H), bias: take(3 * H) };
  return { inputMean, inputStd, denseKernel, denseBias, gru, outKernel: take(H * BAR_OUTPUTS), outBias: take(BAR_OUTPUTS) };
}

/** The bar network, stepped once per beat. `reset` starts a new song. */
export class BarNet {
  private readonly w: BarNetWeights;
  private readonly x: Float32Array;
  private readonly dense: Float32Array;
  private readonly gru: GruCell;

  constructor(weights: BarNetWeights) {
    this.w = weights;
    this.x = new Float32Array(weights.inputMean.length);
    this.dense = new Float32Array(weights.denseBias.length);
    this.gru = new GruCell(weights.gru);
  }

  reset(): void {
    this.gru.reset();
  }

  /**
   * One beat's features in (`BarFeatures.beat`); out, the probability that this beat begins a bar,
   * and that the beat before did (which this beat's features — the change its chord made — tell best).
   */
  step(features: Float32Array): BarEvidence {
    const { inputMean, inputStd, denseKernel, denseBias, outKernel, outBias } = this.w;
    const F = this.x.length;
    const x = this.x;
    for (let i = 0; i < F; i++) {
      const v = features[i]!;
      x[i] = ((Number.isFinite(v) ? v : inputMean[i]!) - inputMean[i]!) / inputStd[i]!;
    }
    const h = this.gru.step(denseInto(this.dense, denseBias, x, F, denseKernel, true));
    let now = outBias[0]!;
    let before = outBias[1]!;
    for (let i = 0; i < h.length; i++) {
      now += h[i]! * outKernel[BAR_OUTPUTS * i]!;
      before += h[i]! * outKernel[BAR_OUTPUTS * i + 1]!;
    }
    return { down: sigmoid(now), previousDown: sigmoid(before) };
  }
}

/** Shape of a bar network. */
export interface BarNetShape {
  readonly features: number;
  readonly denseUnits: number;
  readonly gruUnits: number;
  readonly seed: number;
}

/**
 * The trainable tfjs model: [batch, beats, features] normalised in, one logit per beat out
 * (getWeights order = `BarNetModel`'s). `dropout` (training only) drops that share of the dense layer's outputs.
 */
export function buildBarNetwork(tf: Tf, shape: BarNetShape, dropout = 0): tfTypes.LayersModel {
  const { seed } = shape;
  const input = tf.input({ shape: [null, shape.features] });
  let h = tf.layers.dense({ units: shape.denseUnits, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }), name: 'bar_dense_in' }).apply(input) as tfTypes.SymbolicTensor;
  if (dropout > 0) h = tf.layers.dropout({ rate: dropout, seed: seed + 40, name: 'bar_dropout' }).apply(h) as tfTypes.SymbolicTensor;
  h = tf.layers
    .gru({
      units: shape.gruUnits,
      returnSequences: true,
      recurrentActivation: 'sigmoid',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 10 }),
      recurrentInitializer: tf.initializers.orthogonal({ seed: seed + 20 }),
      name: 'bar_gru',
    })
    .apply(h) as tfTypes.SymbolicTensor;
  const out = tf.layers.dense({ units: BAR_OUTPUTS, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 30 }), name: 'bar_dense_out' }).apply(h) as tfTypes.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'barnet' });
}

/** Packs the normalisation and a `buildBarNetwork` model's weights as a `BarNetModel`. */
export function packBarNet(
  meta: Pick<BarNetModel, 'version' | 'recipe' | 'beatNet' | 'downbeatRate'> & BarNetShape,
  inputMean: Float32Array,
  inputStd: Float32Array,
  weights: readonly Float32Array[],
): BarNetModel {
  const flat = packedWeights('packBarNet', [inputMean, inputStd, ...weights], barNetParameterCount(meta.features, meta.denseUnits, meta.gruUnits));
  return {
    version: meta.version,
    frontend: BEAT_FRONTEND,
    beatNet: meta.beatNet,
    features: meta.features,
    denseUnits: meta.denseUnits,
    gruUnits: meta.gruUnits,
    downbeatRate: meta.downbeatRate,
    seed: meta.seed,
    recipe: meta.recipe,
    weights: float32ToBase64(flat),
  };
}
