/**
 * Training end to end, given replayed takes: checks the cues, builds the vocabulary, the per-beat
 * rows and the training sequences (rehearsals plus section rearrangements of them), trains the
 * network, calibrates the fire threshold on the validation takes, and assembles `precue-model.json`.
 */
import { ShowFileError, type FileProblem } from '../errors.js';
import { ALIGN_DIMS, ALIGN_FRAMES, AlignerTape } from './alignment.js';
import { BEAT_FEATURE_NAMES } from './beatInput.js';
import { alignedByBeat, FollowTrack, followReference } from './followInput.js';
import { audioStats, buildSequence, buildVocab, labelSteps, learnOrder, learnSchedule, rearrange, seededRandom, type AnalysedTake, type Sequence } from './dataset.js';
import { evaluateDeptFires } from './fireScore.js';
import { extractWeights, trainNetwork, type EpochProgress, type Tf, type TrainConfig } from './network.js';
import { alignmentFromEvents, quietStretches, replayModel, rowsFromEvents } from './evaluate.js';
import { entryLeadS, openingLevelDb, opensOnAttack } from './opening.js';
import type { ListenedTake } from './events.js';
import { InputLayout } from './inputLayout.js';
import type { LoadedModel } from './predictor.js';
import { DEFAULT_POLICY_NUMBERS, POLICY_VERSION, type ConfidenceTable, type DeptPolicy } from '../policy/numbers.js';
import { confidenceTable, countReliability, emptyCounts, followerCertainties } from './reliability.js';
import type { TempoRange } from './tempoFit.js';
import { MODEL_FORMAT_VERSION, type ModelMeta, type RehearsalSummary, type TakeCue } from './types.js';
import type * as tfTypes from '@tensorflow/tfjs';

/** A replayed take ready for training: what listening to it emitted (with arrival times) and its cues. */
export interface TrainingTake extends ListenedTake {
  readonly name: string;
  /** Where the take's cues came from, for error messages. */
  readonly cueFile: string;
  readonly cues: readonly TakeCue[];
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

/**
 * The training defaults `precue train`, the learning bench and `trainModel` share (measured on the
 * POP909 development set, bench/model.ts).
 */
export const TRAINING_DEFAULTS = { seed: 7, epochs: 40, augment: 16, hiddenSize: 48, headSize: 32 } as const;

/** Trains a model on the takes. Same takes, same options, same seed → same model. */
export async function trainModel(tf: Tf, takes: readonly TrainingTake[], options: TrainOptions = {}): Promise<TrainedModel> {
  checkCues(takes, options.show);
  const seed = options.seed ?? TRAINING_DEFAULTS.seed;
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
    const { times, vectors, quiet } = alignmentFromEvents(t.events);
    const firstCueT = Math.min(...t.cues.map((c) => c.t));
    const lead = entryLeadS(t.events, firstCueT, DEFAULT_POLICY_NUMBERS);
    const frames = times.length;
    const hopS = frames > 1 ? (times[frames - 1]! - times[0]!) / (frames - 1) : ALIGN_FRAMES * (256 / 22050);
    rehearsals.push({
      name: t.name, durationS: t.durationS, cues: t.cues.map((c) => ({ t: c.t, dept: c.dept, cue: c.cue })), alignment: { offset, frames, hopS, firstT: times[0] ?? 0 },
      openingLevelDb: openingLevelDb(t.events, firstCueT),
      opensOnAttack: opensOnAttack(t.events, firstCueT, DEFAULT_POLICY_NUMBERS),
      ...(lead !== undefined ? { entryLeadS: lead } : {}),
      quietS: quietStretches(times, quiet),
    });
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
  const trackFor = (i: number): FollowTrack | undefined => (follow ? new FollowTrack(followReference(rehearsals[(i + 1) % rehearsals.length]!, alignment), depts, vocab, undefined, DEFAULT_POLICY_NUMBERS) : undefined);
  const validationIdx = new Set<number>();
  if (sorted.length >= 5) for (let i = 4; i < sorted.length; i += 5) validationIdx.add(i);
  else if (sorted.length >= 2) validationIdx.add(sorted.length - 1);
  const trainIdx = analysed.map((_, i) => i).filter((i) => !validationIdx.has(i));
  const valIdx = analysed.map((_, i) => i).filter((i) => validationIdx.has(i));
  const trainTakes = trainIdx.map((i) => analysed[i]!);
  const valTakes = valIdx.map((i) => analysed[i]!);
  const norm = audioStats(trainTakes);
  const random = seededRandom(seed);
  const augment = options.augment ?? TRAINING_DEFAULTS.augment;
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
  // Live, the follower tracks the first training take.
  const liveReference = rehearsals[trainIdx[0] ?? 0]!;
  const layout = InputLayout.of({ depts, vocab, schedule, order, follow });
  const inputSize = layout.width;
  const cfg = {
    inputSize,
    hiddenSize: options.hiddenSize ?? TRAINING_DEFAULTS.hiddenSize,
    headSize: options.headSize ?? TRAINING_DEFAULTS.headSize,
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
    epochs: TRAINING_DEFAULTS.epochs,
    noiseDims: layout.widthOf('audio'),
    tempoIndex: layout.offset('beat') + BEAT_FEATURE_NAMES.indexOf('tempo'),
    ...options,
    clock,
  });
  const weights = extractWeights(result.model, cfg);

  const startCue = startCues(analysed, depts);
  const initialPolicy = Object.fromEntries(depts.map((d) => [d, { firePoint: DEFAULT_POLICY_NUMBERS.fireThreshold, useNetwork: true, why: 'not calibrated yet', ...(startCue[d] !== undefined ? { startCue: startCue[d] } : {}) } satisfies DeptPolicy])) as Record<string, DeptPolicy>;
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
      layout: layout.toJSON().map((b) => ({ ...b, entries: [...b.entries] })),
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
    policy: { version: POLICY_VERSION, numbers: { ...DEFAULT_POLICY_NUMBERS }, depts: initialPolicy },
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
  const calibration = valTakes.length > 0 ? sorted.filter((_, i) => validationIdx.has(i)) : sorted;
  const policyDepts = calibratePolicy({ meta, weights, alignment }, calibration, valTakes.length > 0);
  const calibrated: ModelMeta = { ...meta, policy: { ...meta.policy, depts: policyDepts } };
  const confidence = calibrateConfidence({ meta: calibrated, weights, alignment }, calibration, `${valTakes.length > 0 ? 'held-out rehearsal' : 'training take (no held-out take)'} ${calibration.map((t) => t.name).join(', ')}`);
  const finalMeta: ModelMeta = {
    ...calibrated,
    policy: { ...calibrated.policy, ...(confidence !== undefined ? { confidence } : {}) },
    training: { ...meta.training, seconds: clock() - started },
  };
  return { model: result.model, meta: finalMeta, alignment };
}

/**
 * The follower's calibration (`ConfidenceTable`): the model's fires on `takes` (held-out rehearsal
 * takes where there are any) in the departments that run on the follower alone, through the very
 * pipeline `precue eval` and `precue run` use, counted by the follower's certainty at each fire and
 * whether it was right. Undefined without a follower.
 */
export function calibrateConfidence(model: LoadedModel, takes: readonly TrainingTake[], on: string): ConfidenceTable | undefined {
  const counts = emptyCounts();
  for (const take of takes) {
    const certainties = followerCertainties(model, take.events, model.meta.policy.numbers.stallWindowS);
    if (certainties === undefined) return undefined;
    // Only where the follower decides alone: a department the network votes in has its own calibration (its fire point).
    const alone = (d: string): boolean => model.meta.policy.depts[d]?.useNetwork === false;
    countReliability(counts, replayModel(model, { listened: take }).fired.filter((f) => alone(f.dept)), take.cues.filter((c) => alone(c.dept)), certainties);
  }
  return confidenceTable(counts, on);
}

/** Fire points tried per department when calibrating (raw network outputs that read as the fire threshold). */
export const FIRE_POINT_GRID: readonly number[] = [0.2, 0.35, 0.5, 0.65, 0.8];

/**
 * Calibrates the policy per department on held-out rehearsal takes (`heldOut` false: the training takes,
 * said so in the reasons), through the very pipeline `precue eval` and `precue run` use: each
 * department's fire point (one at a time, the others held), then whether the network's vote is used —
 * only where, at its best fire point, it beats the follower alone (`followerOnly`) on those takes.
 */
export function calibratePolicy(model: LoadedModel, takes: readonly TrainingTake[], heldOut: boolean): Record<string, DeptPolicy> {
  const { meta } = model;
  const depts = meta.depts;
  const policy: Record<string, DeptPolicy> = structuredClone(meta.policy.depts);
  // Every replay of a take follows it the same way: the alignment is computed once and read back.
  const tapes = takes.map(() => new AlignerTape());
  const score = (p: Record<string, DeptPolicy>, votes: 'model' | 'followerOnly'): Record<string, number> => {
    const m: LoadedModel = { ...model, meta: { ...meta, policy: { ...meta.policy, depts: p } } };
    const fires = takes.map((take, i) => ({ fired: replayModel(m, { listened: take }, { votes, followTape: tapes[i]! }).fired, expected: take.cues, durationS: take.durationS }));
    return Object.fromEntries(depts.map((d) => [d, evaluateDeptFires(fires, depts, d)]));
  };
  for (const d of depts) policy[d] = { ...policy[d]!, useNetwork: true };
  for (const d of depts) {
    let best = { firePoint: policy[d]!.firePoint, f1: score(policy, 'model')[d] ?? 0 };
    for (const firePoint of FIRE_POINT_GRID) {
      if (firePoint === best.firePoint) continue;
      const f1 = score({ ...policy, [d]: { ...policy[d]!, firePoint } }, 'model')[d] ?? 0;
      if (f1 > best.f1 + 1e-9) best = { firePoint, f1 };
    }
    policy[d] = { ...policy[d]!, firePoint: best.firePoint };
  }
  const withNet = score(policy, 'model');
  const alone = score(policy, 'followerOnly');
  const on = `${heldOut ? 'held-out rehearsal' : 'training take (no held-out take)'} ${takes.map((t) => t.name).join(', ')}`;
  for (const d of depts) {
    const net = withNet[d] ?? 0;
    const follower = alone[d] ?? 0;
    const useNetwork = meta.features.follow === undefined || net > follower + 1e-9;
    const why = meta.features.follow === undefined
      ? `no score follower: the network decides alone (F1 ${net.toFixed(3)} on ${on})`
      : `F1 on ${on}: ${net.toFixed(3)} with the network's vote, ${follower.toFixed(3)} on the follower alone; ${useNetwork ? 'the network is used' : 'the network does not beat the follower here, so it runs on the follower alone'}`;
    policy[d] = { ...policy[d]!, useNetwork, why };
  }
  return policy;
}
