/**
 * Training end to end, given replayed takes: checks the cues, builds the vocabulary, the per-beat
 * rows and the training sequences (rehearsals plus section rearrangements of them), trains the
 * network, calibrates the fire threshold on the validation takes, and assembles `precue-model.json`.
 */
import { ShowFileError, type FileProblem } from '../errors.js';
import { ALIGN_DIMS, ALIGN_FRAMES } from './alignment.js';
import { AUDIO_FEATURE_NAMES, BEAT_FEATURE_NAMES, CueHistory, MAX_BEATS } from './beatInput.js';
import { alignedByBeat, FollowTrack, followReference } from './followInput.js';
import { audioStats, buildSequence, buildVocab, labelSteps, learnOrder, learnSchedule, rearrange, seededRandom, type AnalysedTake, type Sequence } from './dataset.js';
import { evaluateDeptFires } from './fireScore.js';
import { extractWeights, trainNetwork, type EpochProgress, type Tf, type TrainConfig } from './network.js';
import { alignmentFromEvents, rowsFromEvents, runModel } from './evaluate.js';
import type { PredictorEvent } from './predictor.js';
import type { TempoRange } from './tempoFit.js';
import { MODEL_FORMAT_VERSION, type ModelMeta, type RehearsalSummary, type TakeCue } from './types.js';
import type * as tfTypes from '@tensorflow/tfjs';

/** A replayed take ready for training. */
export interface TrainingTake {
  readonly name: string;
  /** Where the take's cues came from, for error messages. */
  readonly cueFile: string;
  readonly durationS: number;
  readonly cues: readonly TakeCue[];
  readonly events: readonly PredictorEvent[];
}

/** Options of `trainModel`. */
export interface TrainOptions extends Partial<TrainConfig> {
  readonly seed?: number;
  readonly hiddenSize?: number;
  readonly headSize?: number;
  /** Chance that a fire is recorded with a wrong cue in the history of a rearranged copy (default 0.15). */
  readonly corruptIdentity?: number;
  /** Chance that a fire is left out of the history of a rearranged copy (default 0.25). */
  readonly dropHistory?: number;
  /** Rearranged copies of each training take (a section repeated, one skipped). */
  readonly augment?: number;
  /** Departments and their cue lists from the show, when training for a show: cues outside them are refused. */
  readonly show?: Readonly<Record<string, readonly string[]>>;
  readonly createdBy?: string;
  /** Feed the model a score follower's view of the rehearsal (default true). */
  readonly follow?: boolean;
  /** The tempo range the takes were listened in (`learnTempo`); stored so the show is tracked the same way. */
  readonly tempo?: TempoRange;
  readonly progress?: (p: EpochProgress) => void;
  readonly clock?: () => number;
}

const CUE_NUMBER = /^\d+(\.\d+)?$/;
const PREFERRED = ['LX', 'VID', 'CAM'];

/** Refuses cues the model cannot use, naming the file, line order and what was expected. */
export function checkCues(takes: readonly Pick<TrainingTake, 'name' | 'cueFile' | 'durationS' | 'cues'>[], show?: Readonly<Record<string, readonly string[]>>): void {
  const problems: FileProblem[] = [];
  for (const take of takes) {
    if (take.cues.length === 0) problems.push({ file: take.cueFile, path: '', message: 'has no cues', expected: 'at least one cue to learn from' });
    take.cues.forEach((c, i) => {
      const path = `cue ${i + 1} (${c.dept} ${c.cue} at ${c.t.toFixed(3)} s)`;
      if (!CUE_NUMBER.test(c.cue)) problems.push({ file: take.cueFile, path, message: `cue '${c.cue}' is not a cue number`, expected: 'digits with an optional point, e.g. "12.5"' });
      if (c.t > take.durationS + 0.5) problems.push({ file: take.cueFile, path, message: `is after the end of the audio (${take.durationS.toFixed(1)} s)`, expected: 'cue times inside the take' });
      if (show !== undefined) {
        const list = show[c.dept];
        if (list === undefined) problems.push({ file: take.cueFile, path, message: `department '${c.dept}' is not in the show`, expected: `one of ${Object.keys(show).join(', ')}` });
        else if (!list.includes(c.cue)) problems.push({ file: take.cueFile, path, message: `cue '${c.cue}' is not in ${c.dept}'s cue list`, expected: `one of ${list.slice(0, 12).join(', ')}${list.length > 12 ? '…' : ''}` });
      }
    });
  }
  if (problems.length > 0) throw new ShowFileError(problems);
}

/** Per department, the cue most rehearsals fire before their first tracked beat (see `startCues` in the meta). */
export function startCues(takes: readonly AnalysedTake[], depts: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of depts) {
    const counts = new Map<string, number>();
    for (const take of takes) {
      const first = take.rows[0];
      if (first === undefined) continue;
      const cue = take.cues.find((c) => c.dept === d && c.t < first.nextBeatT - 0.5 * first.periodS);
      if (cue !== undefined) counts.set(cue.cue, (counts.get(cue.cue) ?? 0) + 1);
    }
    const best = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0];
    if (best !== undefined && best[1] * 2 >= takes.length) out[d] = best[0];
  }
  return out;
}

/** What `trainModel` produced. */
export interface TrainedModel {
  readonly model: tfTypes.LayersModel;
  readonly meta: ModelMeta;
  readonly alignment: Float32Array;
}

/** Trains a model on the takes. Same takes, same options, same seed → same model. */
export async function trainModel(tf: Tf, takes: readonly TrainingTake[], options: TrainOptions = {}): Promise<TrainedModel> {
  checkCues(takes, options.show);
  const seed = options.seed ?? 7;
  const clock = options.clock ?? (() => 0);
  const started = clock();
  const sorted = [...takes].sort((a, b) => a.name.localeCompare(b.name));
  const deptSet = new Set(sorted.flatMap((t) => t.cues.map((c) => c.dept)));
  const depts = [...PREFERRED.filter((d) => deptSet.has(d)), ...[...deptSet].filter((d) => !PREFERRED.includes(d)).sort()];
  const vocab = buildVocab(sorted, depts);
  // Alignment features of every take: for the follower input and the online-alignment baseline.
  const rehearsals: RehearsalSummary[] = [];
  const chunks: Float32Array[] = [];
  let offset = 0;
  for (const t of sorted) {
    const { times, vectors } = alignmentFromEvents(t.events);
    const frames = times.length;
    const hopS = frames > 1 ? (times[frames - 1]! - times[0]!) / (frames - 1) : ALIGN_FRAMES * (256 / 22050);
    rehearsals.push({ name: t.name, durationS: t.durationS, cues: t.cues.map((c) => ({ t: c.t, dept: c.dept, cue: c.cue })), alignment: { offset, frames, hopS, firstT: times[0] ?? 0 } });
    chunks.push(vectors);
    offset += frames;
  }
  const alignment = new Float32Array(offset * ALIGN_DIMS);
  let o = 0;
  for (const c of chunks) {
    alignment.set(c, o);
    o += c.length;
  }

  const follow = options.follow ?? true;
  const analysed: AnalysedTake[] = sorted.map((t) => ({ name: t.name, durationS: t.durationS, cues: t.cues, rows: rowsFromEvents(t.events), ...(follow ? { aligned: alignedByBeat(t.events) } : {}) }));
  // Each take is heard by a follower tracking another rehearsal (the next one by name), as the show
  // will be: following the take itself would be perfect and teach the model to trust it blindly.
  const trackFor = (i: number): FollowTrack | undefined => (follow ? new FollowTrack(followReference(rehearsals[(i + 1) % rehearsals.length]!, alignment), depts, vocab) : undefined);
  const validationIdx = new Set<number>();
  if (sorted.length >= 5) for (let i = 4; i < sorted.length; i += 5) validationIdx.add(i);
  else if (sorted.length >= 2) validationIdx.add(sorted.length - 1);
  const trainIdx = analysed.map((_, i) => i).filter((i) => !validationIdx.has(i));
  const valIdx = analysed.map((_, i) => i).filter((i) => validationIdx.has(i));
  const trainTakes = trainIdx.map((i) => analysed[i]!);
  const valTakes = valIdx.map((i) => analysed[i]!);
  const norm = audioStats(trainTakes);
  const random = seededRandom(seed);
  const augment = options.augment ?? 4;
  const trainSeqs: Sequence[] = [];
  const labelled = trainTakes.map((take) => labelSteps(take, depts, vocab));
  const schedule = learnSchedule(labelled, depts, vocab);
  const order = learnOrder(labelled, depts, vocab);
  labelled.forEach(({ steps, preRoll }, j) => {
    const track = trackFor(trainIdx[j]!);
    const withTrack = track !== undefined ? { follow: track } : {};
    trainSeqs.push(buildSequence(steps, depts, vocab, { preRoll, schedule, order, ...withTrack }));
    for (let a = 0; a < augment; a++) trainSeqs.push(buildSequence(rearrange(steps, random), depts, vocab, { preRoll, dropHistory: options.dropHistory ?? 0.25, corruptIdentity: options.corruptIdentity ?? 0.15, random, schedule, order, ...withTrack }));
  });
  const valSeqs = valTakes.map((take, j) => {
    const { steps, preRoll } = labelSteps(take, depts, vocab);
    const track = trackFor(valIdx[j]!);
    return buildSequence(steps, depts, vocab, { preRoll, schedule, order, ...(track !== undefined ? { follow: track } : {}) });
  });
  const history = new CueHistory(depts, vocab, schedule, order);
  // Live, the follower tracks the first training take.
  const liveReference = rehearsals[trainIdx[0] ?? 0]!;
  const liveTrack = follow ? new FollowTrack(followReference(liveReference, alignment), depts, vocab) : undefined;
  const inputSize = AUDIO_FEATURE_NAMES.length + BEAT_FEATURE_NAMES.length + history.size + (liveTrack?.size ?? 0);
  const cfg = {
    inputSize,
    hiddenSize: options.hiddenSize ?? 48,
    headSize: options.headSize ?? 32,
    depts,
    vocabSizes: depts.map((d) => vocab[d]?.length ?? 1),
    seed,
  };
  // Fires are rare, and rarer in some departments (a look per section against a shot every two
  // bars): each department's positives weigh about as much as its negatives, tempered.
  const firePositiveWeight = depts.map((_, d) => {
    let pos = 0;
    let all = 0;
    for (const q of trainSeqs) {
      for (let k = 0; k < q.length; k++) pos += q.fire[k * depts.length + d]!;
      all += q.length;
    }
    return pos === 0 ? 1 : Math.min(15, Math.max(1.5, ((all - pos) / pos) ** 0.6));
  });
  const result = await trainNetwork(tf, cfg, trainSeqs, valSeqs, norm, {
    firePositiveWeight,
    noiseDims: AUDIO_FEATURE_NAMES.length,
    tempoIndex: AUDIO_FEATURE_NAMES.length + BEAT_FEATURE_NAMES.indexOf('tempo'),
    ...options,
    clock,
  });
  const weights = extractWeights(result.model, cfg);

  const meta: ModelMeta = {
    formatVersion: MODEL_FORMAT_VERSION,
    createdBy: options.createdBy ?? 'precue',
    seed,
    depts,
    vocab,
    inputSize,
    hiddenSize: cfg.hiddenSize,
    headSize: cfg.headSize,
    features: {
      names: [...AUDIO_FEATURE_NAMES, ...BEAT_FEATURE_NAMES, ...history.names(), ...(liveTrack?.names() ?? [])],
      sampleRate: 22050,
      hopSize: 256,
      bufferSize: 1024,
      mean: norm.mean,
      std: norm.std,
      ...(options.tempo !== undefined ? { tempo: { ...options.tempo } } : {}),
      schedule,
      order,
      ...(follow ? { follow: { reference: liveReference.name } } : {}),
    },
    inference: { fireThreshold: 0.5, maxBeatsToCount: MAX_BEATS, startCues: startCues(analysed, depts), snapToOnsets: false },
    training: {
      takes: trainTakes.map((t) => t.name),
      validationTakes: valTakes.map((t) => t.name),
      epochs: result.epochs,
      trainLoss: result.trainLoss,
      validationLoss: result.validationLoss,
      validationFireF1: result.validationFireF1,
      seconds: 0,
      audioMinutes: sorted.reduce((s, t) => s + t.durationS, 0) / 60,
    },
    rehearsals,
    files: { topology: 'model.json', weights: 'weights.bin', alignment: 'alignment.bin' },
  };
  // Calibrate each department's fire point on the validation takes (or the training takes when there
  // are none), one department at a time, the others held at their current point.
  const calib = valTakes.length > 0 ? sorted.filter((_, i) => validationIdx.has(i)) : sorted;
  const common = 0.5;
  const thresholds: Record<string, number> = Object.fromEntries(depts.map((d) => [d, common]));
  const scoreWith = (t: Record<string, number>, dept: string): number => {
    const m = { ...meta, inference: { ...meta.inference, fireThreshold: common, deptThresholds: { ...t } } };
    const fires = calib.map((take) => ({ fired: runModel({ meta: m, weights, alignment }, take.events, { threshold: common, minGoIntervalS: 0.25 }), expected: take.cues, durationS: take.durationS }));
    return evaluateDeptFires(fires, depts, dept);
  };
  for (let pass = 0; pass < 1; pass++) {
    for (const d of depts) {
      let best = { threshold: thresholds[d]!, f1: scoreWith(thresholds, d) };
      for (const threshold of [0.2, 0.35, 0.65, 0.8]) {
        const f1 = scoreWith({ ...thresholds, [d]: threshold }, d);
        if (f1 > best.f1 + 1e-9) best = { threshold, f1 };
      }
      thresholds[d] = best.threshold;
    }
  }
  const finalMeta: ModelMeta = {
    ...meta,
    inference: { ...meta.inference, fireThreshold: common, deptThresholds: thresholds },
    training: { ...meta.training, seconds: clock() - started },
  };
  return { model: result.model, meta: finalMeta, alignment };
}
