/**
 * Trains the learned tracker's bar network (`engine/core/audio/barNet.ts`): which beat begins a bar,
 * beat by beat, from the shipped beat network's beats. Writes `engine/core/audio/barNetWeights.ts`
 * with its version, seed and data recipe, and the training curve as a picture.
 *
 *   nice -n 10 npx tsx bench/listener/trainBars.ts [--seed 1] [--songs 200] [--with-beat-songs] [--val 20]
 *        [--epochs 40] [--dense 24] [--gru 32] [--batch 32] [--seq 64] [--lr 0.003] [--dropout 0.2] [--keep-renders]
 * (`--keep-renders`: keep the WAV renders after their frames are cached, so that a change to the frontend re-reads
 * them instead of rendering again; a few GB)
 *
 * Data: `--songs` training-split songs the beat network was NOT trained on (its recipe names its 160),
 * so the bar network learns how far to trust the beat network on music it has not heard, and with
 * `--with-beat-songs` the beat network's own 160 too; one render each (the same recipe, `render.ts`). Each render runs through the engine's own causal path — beat
 * network, bar-pointer filter at the live tuning, `BarFeatures` — and every beat the filter emits is
 * labelled from the truth: a downbeat if the nearest true beat within ±70 ms is the first of its bar.
 * Validation: the validation split (≡ 5 mod 10), scored with `BarNet` and `BarPhaseFilter` exactly as
 * the live tracker decodes; the epoch with the best validation downbeat F is written out.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type * as tfTypes from '@tensorflow/tfjs';
import { BarPointerFilter } from '../../engine/core/audio/barPointer.js';
import { BAR_FEATURES_VERSION, BAR_OUTPUTS, BarFeatures, BarNet, barFeatureCount, buildBarNetwork, decodeBarNet, packBarNet, type BarNetModel } from '../../engine/core/audio/barNet.js';
import { BarPhaseFilter, beatsSpanned } from '../../engine/core/audio/barPhase.js';
import { BEAT_FPS, beatBandCount } from '../../engine/core/audio/beatFrames.js';
import { BeatNet } from '../../engine/core/audio/beatNet.js';
import { SHIPPED_BEAT_NET } from '../../engine/core/audio/beatNetWeights.js';
import { barPointerTuningFor, beatNetWeights } from '../../engine/core/audio/learnedTracker.js';
import { resolveListeningSettings } from '../../engine/core/audio/listen.js';
import { seededRandom } from '../../engine/core/model/dataset.js';
import { loadTf } from '../../engine/io/model/backend.js';
import { BEAT_WINDOW_S, fMeasure, mean } from '../lib/beatEval.js';
import { FEATURE_DIR, pool, takeFrames, type TakeFrames } from './data.js';
import { writeTrainingCurve, type CurvePoint } from './plot.js';
import { RECIPE_VERSION, spreadSongs } from './recipe.js';

const { values: opts } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    songs: { type: 'string', default: '200' },
    val: { type: 'string', default: '20' },
    epochs: { type: 'string', default: '40' },
    dense: { type: 'string', default: '24' },
    gru: { type: 'string', default: '32' },
    batch: { type: 'string', default: '32' },
    seq: { type: 'string', default: '64' },
    lr: { type: 'string', default: '0.003' },
    'beat-songs': { type: 'string', default: '160' },
    'with-beat-songs': { type: 'boolean', default: false },
    'keep-renders': { type: 'boolean', default: false },
    dropout: { type: 'string', default: '0.2' },
    out: { type: 'string', default: 'engine/core/audio/barNetWeights.ts' },
    curve: { type: 'string', default: 'bench/listener/bar-training-curve.png' },
  },
});
const seed = Number(opts.seed);
const epochs = Number(opts.epochs);
const denseUnits = Number(opts.dense);
const gruUnits = Number(opts.gru);
const batchSize = Number(opts.batch);
const seqLen = Number(opts.seq);
const learningRate = Number(opts.lr);
const B = beatBandCount();
const F = barFeatureCount(B);
const log = (s: string): void => {
  process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);
};

// 1. Songs: the training split minus the beat network's own training songs.
const beatNetSongs = new Set(spreadSongs('train', Number(opts['beat-songs'])));
const unseen = spreadSongs('train', 100000).filter((id) => !beatNetSongs.has(id));
const count = Math.min(Number(opts.songs), unseen.length);
const trainIds = [...Array.from({ length: count }, (_, i) => unseen[Math.floor((i * unseen.length) / count)]!), ...(opts['with-beat-songs'] ? [...beatNetSongs] : [])];
const valIds = spreadSongs('validation', Number(opts.val));
log(`data: ${count} training songs the beat network never heard${opts['with-beat-songs'] ? ` and the ${beatNetSongs.size} it was trained on` : ''}, ${valIds.length} validation songs (recipe ${RECIPE_VERSION}, beat network ${SHIPPED_BEAT_NET.version})`);

/** One take's beats as the live tracker emits them, with their bar features and truth. */
interface BeatSequence {
  readonly x: Float32Array;
  readonly y: Float32Array;
  /** Beats the gap before each spanned (1 normally). */
  readonly steps: Float32Array;
  readonly frames: Int32Array;
  readonly n: number;
  readonly downbeats: number[];
  /** Downbeat F of the frame-level bar pointer on this take. */
  readonly pointerDownF: number;
}

const settings = resolveListeningSettings({ tracker: 'learned' });
const tuning = barPointerTuningFor(settings);

function sequenceOf(t: TakeFrames): BeatSequence {
  const net = new BeatNet(beatNetWeights());
  const filter = new BarPointerFilter(tuning);
  const feats = new BarFeatures(B);
  const xs: number[] = [];
  const ys: number[] = [];
  const steps: number[] = [];
  const frames: number[] = [];
  const pointerDowns: number[] = [];
  let last = -1;
  for (let n = 0; n < t.count; n++) {
    const bands = t.bands.subarray(n * B, (n + 1) * B);
    const p = net.step(bands);
    const fb = filter.step(p[1]!, p[2]!);
    feats.pushFrame(bands, p[1]!, p[2]!);
    if (fb === undefined) continue;
    const interval = last < 0 ? 0 : n - last;
    last = n;
    xs.push(...feats.beat(interval, fb.beatInBar));
    steps.push(beatsSpanned(interval, fb.tau));
    frames.push(n);
    if (fb.beatInBar === 0) pointerDowns.push(n / BEAT_FPS);
    // Truth: the nearest true beat within ±70 ms.
    const tt = n / BEAT_FPS;
    let bestK = -1;
    let bestD = BEAT_WINDOW_S;
    for (let k = 0; k < t.beats.length; k++) {
      const d = Math.abs(t.beats[k]! - tt);
      if (d <= bestD) {
        bestD = d;
        bestK = k;
      }
    }
    ys.push(bestK >= 0 && t.beatInBar[bestK] === 0 ? 1 : 0);
  }
  const downbeats = t.beats.filter((_, k) => t.beatInBar[k] === 0);
  return {
    x: Float32Array.from(xs),
    y: Float32Array.from(ys),
    steps: Float32Array.from(steps),
    frames: Int32Array.from(frames),
    n: ys.length,
    downbeats,
    pointerDownF: fMeasure(downbeats, pointerDowns).f,
  };
}

const cacheDir = join(FEATURE_DIR, '..', 'bars');
mkdirSync(cacheDir, { recursive: true });
/** A take's beat sequence, cached by the bar features' version and the beat network. */
async function cachedSequence(id: string, kind: 'train' | 'validation'): Promise<BeatSequence> {
  const file = join(cacheDir, `${id}-${kind}-0-${RECIPE_VERSION}-f${BAR_FEATURES_VERSION}-${SHIPPED_BEAT_NET.version}.json`);
  if (existsSync(file)) {
    const j = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    return { ...(j as unknown as BeatSequence), x: Float32Array.from(j.x as number[]), y: Float32Array.from(j.y as number[]), steps: Float32Array.from(j.steps as number[]), frames: Int32Array.from(j.frames as number[]) };
  }
  const s = sequenceOf(await takeFrames({ id, kind, take: 0 }, opts['keep-renders']));
  writeFileSync(file, JSON.stringify({ ...s, x: Array.from(s.x), y: Array.from(s.y), steps: Array.from(s.steps), frames: Array.from(s.frames) }));
  return s;
}

let done = 0;
const load = (ids: string[], kind: 'train' | 'validation') =>
  pool(
    ids.map((id) => async () => {
      const s = await cachedSequence(id, kind);
      if (++done % 20 === 0) log(`  ${done} takes ready`);
      return s;
    }),
    2,
  );
const train = await load(trainIds, 'train');
const val = await load(valIds, 'validation');
const trainBeats = train.reduce((s, q) => s + q.n, 0);
const downbeatRate = train.reduce((s, q) => s + q.y.reduce((a, v) => a + v, 0), 0) / trainBeats;
log(`data ready: ${trainBeats} training beats (${(100 * downbeatRate).toFixed(1)}% begin a bar), ${val.reduce((s, q) => s + q.n, 0)} validation beats`);
log(`frame-level bar pointer on validation: downbeat F ${mean(val.map((q) => q.pointerDownF)).toFixed(3)}`);

// 2. Normalisation from the training beats.
const inputMean = new Float32Array(F);
const inputStd = new Float32Array(F);
{
  const sum = new Float64Array(F);
  const sq = new Float64Array(F);
  for (const q of train) {
    for (let k = 0; k < q.x.length; k++) {
      sum[k % F]! += q.x[k]!;
      sq[k % F]! += q.x[k]! ** 2;
    }
  }
  for (let i = 0; i < F; i++) {
    inputMean[i] = sum[i]! / trainBeats;
    inputStd[i] = Math.sqrt(Math.max(1e-6, sq[i]! / trainBeats - inputMean[i]! ** 2));
  }
}
const normalised = train.map((q) => q.x.map((v, k) => (v - inputMean[k % F]!) / inputStd[k % F]!));

// 3. The network.
const { tf, backend } = await loadTf();
log(`tfjs backend: ${backend}`);
const shape = { features: F, denseUnits, gruUnits, seed };
const model = buildBarNetwork(tf, shape, Number(opts.dropout));
const optimizer = tf.train.adam(learningRate);
log(`network: ${F} features → dense ${denseUnits} → GRU ${gruUnits} → ${BAR_OUTPUTS}; ${model.countParams()} parameters`);
const recipe = `${RECIPE_VERSION}: beats of ${SHIPPED_BEAT_NET.version} (bar-pointer filter, live tuning) on ${count} training songs it was not trained on${opts['with-beat-songs'] ? ` and the ${beatNetSongs.size} it was` : ''} (POP909, not ≡ 0 or 5 mod 10), one render each; validation ${valIds.length} songs ≡ 5 mod 10`;
const toModel = (version: string, weights: readonly Float32Array[]): BarNetModel => packBarNet({ version, recipe, beatNet: SHIPPED_BEAT_NET.version, downbeatRate, ...shape }, inputMean, inputStd, weights);

function validate(m: BarNetModel): { downF: number; loss: number } {
  const net = new BarNet(decodeBarNet(m));
  const fs: number[] = [];
  let loss = 0;
  let n = 0;
  for (const q of val) {
    net.reset();
    const phase = new BarPhaseFilter(m.downbeatRate);
    const downs: number[] = [];
    for (let i = 0; i < q.n; i++) {
      const e = net.step(q.x.subarray(i * F, (i + 1) * F));
      const y = q.y[i]!;
      loss -= y * Math.log(Math.max(1e-7, e.down)) + (1 - y) * Math.log(Math.max(1e-7, 1 - e.down));
      n++;
      if (phase.step(e.down, q.steps[i], undefined, e.previousDown).beatInBar === 0) downs.push(q.frames[i]! / BEAT_FPS);
    }
    fs.push(fMeasure(q.downbeats, downs).f);
  }
  return { downF: mean(fs), loss: loss / Math.max(1, n) };
}

// 4. Training: random crops of `seqLen` beats.
const stepsPerEpoch = Math.max(1, Math.round(trainBeats / (batchSize * seqLen)));
const curve: CurvePoint[] = [];
let best: { epoch: number; downF: number; weights: Float32Array[] } | undefined;
for (let epoch = 0; epoch < epochs; epoch++) {
  const r = seededRandom(seed * 100003 + epoch);
  const t0 = performance.now();
  let lossSum = 0;
  for (let step = 0; step < stepsPerEpoch; step++) {
    const x = new Float32Array(batchSize * seqLen * F);
    const y = new Float32Array(batchSize * seqLen * BAR_OUTPUTS);
    const w = new Float32Array(batchSize * seqLen * BAR_OUTPUTS);
    for (let b = 0; b < batchSize; b++) {
      let at = r() * trainBeats;
      let s = 0;
      while (s < train.length - 1 && at >= train[s]!.n) at -= train[s++]!.n;
      const q = train[s]!;
      const start = q.n > seqLen ? Math.floor(r() * (q.n - seqLen)) : 0;
      const len = Math.min(seqLen, q.n - start);
      x.set(normalised[s]!.subarray(start * F, (start + len) * F), b * seqLen * F);
      for (let k = 0; k < len; k++) {
        const at = (b * seqLen + k) * BAR_OUTPUTS;
        const i = start + k;
        y[at] = q.y[i]!;
        w[at] = 1;
        // The beat before, when it was one beat back (no gap) and is in the song.
        if (i > 0 && q.steps[i] === 1) {
          y[at + 1] = q.y[i - 1]!;
          w[at + 1] = 1;
        }
      }
    }
    const xt = tf.tensor3d(x, [batchSize, seqLen, F]);
    const yt = tf.tensor3d(y, [batchSize, seqLen, BAR_OUTPUTS]);
    const wt = tf.tensor3d(w, [batchSize, seqLen, BAR_OUTPUTS]);
    const loss = optimizer.minimize(() => tf.losses.sigmoidCrossEntropy<tfTypes.Tensor, tfTypes.Scalar>(yt, model.apply(xt, { training: true }) as tfTypes.Tensor, wt), true);
    if (loss === null) throw new Error('optimizer returned no loss');
    lossSum += loss.dataSync()[0]!;
    tf.dispose([xt, yt, wt, loss]);
  }
  const weights = model.getWeights().map((t) => t.dataSync() as Float32Array);
  const v = validate(toModel('validation', weights));
  const trainLoss = lossSum / stepsPerEpoch;
  curve.push(
    { epoch: epoch + 1, series: 'training loss', value: trainLoss, panel: 'loss' },
    { epoch: epoch + 1, series: 'validation loss', value: v.loss, panel: 'loss' },
    { epoch: epoch + 1, series: 'validation downbeat F', value: v.downF, panel: 'F-measure' },
  );
  const isBest = best === undefined || v.downF > best.downF;
  if (isBest) best = { epoch: epoch + 1, downF: v.downF, weights: weights.map((a) => Float32Array.from(a)) };
  log(`epoch ${epoch + 1}/${epochs}: loss ${trainLoss.toFixed(4)}, validation loss ${v.loss.toFixed(4)}, downbeat F ${v.downF.toFixed(3)}${isBest ? ' (best)' : ''} — ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}
await writeTrainingCurve(curve, `Bar network (seed ${seed}, ${trainIds.length} songs): training curve`, opts.curve);

// 5. The best epoch's weights, as the engine's module.
if (best !== undefined) {
  const version = `bars-${RECIPE_VERSION}-s${seed}-e${best.epoch}`;
  const m = toModel(version, best.weights);
  const text = `/**
 * The shipped bar network's weights — GENERATED by bench/listener/trainBars.ts, do not edit.
 *
 * Reproduce: nice -n 10 npx tsx bench/listener/trainBars.ts --seed ${seed} --songs ${count}${opts['with-beat-songs'] ? ' --with-beat-songs' : ''} --val ${valIds.length} --epochs ${epochs} --dense ${denseUnits} --gru ${gruUnits} --batch ${batchSize} --seq ${seqLen} --lr ${learningRate} --dropout ${opts.dropout} --beat-songs ${opts['beat-songs']}
 * Best epoch ${best.epoch}: validation downbeat F ${best.downF.toFixed(3)} (causal, ±70 ms, first 5 s skipped; the frame-level bar pointer alone: ${mean(val.map((q) => q.pointerDownF)).toFixed(3)}).
 * Training curve: ${opts.curve}
 */
import type { BarNetModel } from './barNet.js';

/** The bar network the engine ships (see the header for how it was made). */
export const SHIPPED_BAR_NET: BarNetModel = ${JSON.stringify(m, null, 2).replace(/"([a-zA-Z]+)":/g, '$1:').replace(/"/g, "'")};
`;
  writeFileSync(opts.out, text);
  log(`wrote ${opts.out} (${version}, ${(m.weights.length / 1024).toFixed(0)} kB of base64) and ${opts.curve}`);
}
