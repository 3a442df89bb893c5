/**
 * Training sequences from analysed takes: cue labels placed on beats, the cue history rebuilt by
 * teacher forcing, and section-level rearrangements of the rehearsals (a section played twice, one
 * skipped) so the model learns to follow the music rather than the rehearsal's order.
 */
import { CueHistory, MAX_BEATS, type BeatRow, type CueSchedule } from './beatInput.js';
import { InputLayout } from './inputLayout.js';
import type { FollowTrack } from './followInput.js';
import type { TakeCue } from './types.js';
import { pushAll } from '../vector.js';

/** An analysed take: its beat rows and ground-truth cues. */
export interface AnalysedTake {
  readonly name: string;
  readonly durationS: number;
  readonly rows: readonly BeatRow[];
  readonly cues: readonly TakeCue[];
  /** Per row, the alignment vectors heard since the previous beat (for the follower input). */
  readonly aligned?: readonly (readonly { t: number; v: Float32Array; quiet?: boolean }[])[];
}

/** One beat of a sequence: its row and, per department, the vocabulary index of a cue due on the next beat (-1: none). */
interface Step {
  readonly row: BeatRow;
  readonly events: Int32Array;
  /** The alignment vectors heard since the previous beat, when the take has them. */
  readonly aligned?: readonly { t: number; v: Float32Array; quiet?: boolean }[];
}

/** A training sequence: unnormalised inputs plus targets, `length` steps. */
export interface Sequence {
  readonly length: number;
  /** [length × inputSize], audio entries not yet normalised. */
  readonly inputs: Float32Array;
  /** [length × depts]: 1 when the department fires on the next beat. */
  readonly fire: Float32Array;
  /** [length × depts]: vocabulary index of the department's next cue, -1 when none is left. */
  readonly cue: Int32Array;
  /** [length × depts]: log1p(beats to the next cue), -1 when none is left. */
  readonly count: Float32Array;
}

/** Deterministic PRNG (mulberry32), so the same seed gives the same data order and model. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Places each cue on the beat step whose predicted next beat is nearest; counts cues too far from any beat. */
export function labelSteps(take: AnalysedTake, depts: readonly string[], vocab: Readonly<Record<string, readonly string[]>>): { steps: Step[]; unplaced: number; preRoll: TakeCue[] } {
  const steps: Step[] = take.rows.map((row, k) => {
    const aligned = take.aligned?.[k];
    return { row, events: new Int32Array(depts.length).fill(-1), ...(aligned !== undefined ? { aligned } : {}) };
  });
  let unplaced = 0;
  const preRoll: TakeCue[] = [];
  let k = 0;
  const sorted = [...take.cues].sort((a, b) => a.t - b.t);
  for (const c of sorted) {
    const d = depts.indexOf(c.dept);
    const index = vocab[c.dept]?.indexOf(c.cue) ?? -1;
    if (d < 0 || index < 0) continue;
    while (k + 1 < steps.length && Math.abs(steps[k + 1]!.row.nextBeatT - c.t) <= Math.abs(steps[k]!.row.nextBeatT - c.t)) k++;
    const step = steps[k];
    if (step === undefined || Math.abs(step.row.nextBeatT - c.t) > 0.5 * step.row.periodS) {
      // Cues before the first beat go into the history as fired (the start cues do so live).
      if (k === 0 && step !== undefined && c.t < step.row.nextBeatT) preRoll.push(c);
      unplaced++;
      continue;
    }
    step.events[d] = index;
  }
  return { steps, unplaced, preRoll };
}

/** Splits steps into sections at the boundaries of the first department (LX: a cue per section start). */
function sections(steps: readonly Step[]): Step[][] {
  const out: Step[][] = [];
  let current: Step[] = [];
  for (const s of steps) {
    if (s.events[0]! >= 0 && current.length > 0) {
      out.push(current);
      current = [];
    }
    current.push(s);
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** A rearranged copy of the steps: one middle section played twice and another one skipped. */
export function rearrange(steps: readonly Step[], random: () => number): Step[] {
  const parts = sections(steps);
  if (parts.length < 4) return [...steps];
  const pick = (): number => 1 + Math.floor(random() * (parts.length - 2));
  const repeated = pick();
  let skipped = pick();
  for (let i = 0; i < 8 && skipped === repeated; i++) skipped = pick();
  const out: Step[] = [];
  parts.forEach((p, i) => {
    if (i === skipped && skipped !== repeated) return;
    pushAll(out, p);
    if (i === repeated) pushAll(out, p);
  });
  return out;
}

/** Builds inputs and targets for a run of steps, with beat times re-derived so history is consistent. */
export function buildSequence(
  steps: readonly Step[],
  depts: readonly string[],
  vocab: Readonly<Record<string, readonly string[]>>,
  options: { preRoll?: readonly TakeCue[]; dropHistory?: number; corruptIdentity?: number; random?: () => number; schedule?: CueSchedule; order?: CueSchedule; follow?: FollowTrack } = {},
): Sequence {
  const history = new CueHistory(depts, vocab, options.schedule, options.order);
  const follow = options.follow;
  follow?.reset();
  const layout = InputLayout.of({ depts, vocab, ...(options.schedule !== undefined ? { schedule: options.schedule } : {}), ...(options.order !== undefined ? { order: options.order } : {}), follow: follow !== undefined });
  for (const c of options.preRoll ?? []) history.fired(c.dept, c.cue, c.t);
  const drop = options.dropHistory ?? 0;
  const corrupt = options.corruptIdentity ?? 0;
  const random = options.random ?? (() => 1);
  const inputSize = layout.width;
  const n = steps.length;
  const D = depts.length;
  const inputs = new Float32Array(n * inputSize);
  const fire = new Float32Array(n * D);
  const cue = new Int32Array(n * D).fill(-1);
  const count = new Float32Array(n * D).fill(-1);
  let t = steps[0]?.row.t ?? 0;
  const times: number[] = [];
  for (let k = 0; k < n; k++) {
    const { row, events } = steps[k]!;
    times.push(t);
    const h = history.onBeat(t, row.periodS);
    const base = k * inputSize;
    layout.write(inputs, base, 'audio', row.audio);
    layout.write(inputs, base, 'beat', row.beat);
    layout.write(inputs, base, 'history', h);
    if (follow !== undefined) {
      // The follower hears this beat's vectors at their place in the (possibly rearranged) sequence.
      for (const a of steps[k]!.aligned ?? []) follow.push(a.v, t - (row.t - a.t), a.quiet === true);
      layout.write(inputs, base, 'follow', follow.features(t + (row.nextBeatT - row.t), row.periodS));
    }
    for (let d = 0; d < D; d++) {
      const e = events[d]!;
      if (e >= 0) {
        fire[k * D + d] = 1;
        // Sometimes leave a fire out of the history, as a missed fire would live, so the model
        // learns to keep following the music rather than only its own count.
        // Sometimes record the wrong cue, as a wrong guess would be, so identity comes from the audio too.
        if (drop === 0 || random() >= drop) {
          const list = vocab[depts[d]!]!;
          const id = corrupt > 0 && random() < corrupt ? Math.floor(random() * list.length) : e;
          // …and sometimes a beat early or late, as a fire on the wrong beat would be.
          const shift = corrupt > 0 && random() < corrupt ? (random() < 0.5 ? -1 : 1) : 0;
          history.fired(depts[d]!, list[id]!, t + row.periodS * (1 + shift));
        }
      }
    }
    t += row.periodS;
  }
  // Next cue and beats to it, scanning backwards.
  for (let d = 0; d < D; d++) {
    let nextIndex = -1;
    let nextStep = -1;
    for (let k = n - 1; k >= 0; k--) {
      const e = steps[k]!.events[d]!;
      if (e >= 0) {
        nextIndex = e;
        nextStep = k;
      }
      if (nextIndex >= 0) {
        cue[k * D + d] = nextIndex;
        count[k * D + d] = Math.log1p(Math.min(MAX_BEATS, nextStep - k + 1));
      }
    }
  }
  return { length: n, inputs, fire, cue, count };
}

/**
 * The rehearsals' cue schedule (see `CueSchedule`): per department and cue, the median number of beat
 * steps from a fire of that cue to the department's next fire, over the labelled takes.
 */
export function learnSchedule(takes: readonly { steps: readonly Step[]; preRoll?: readonly TakeCue[] }[], depts: readonly string[], vocab: Readonly<Record<string, readonly string[]>>): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  depts.forEach((dept, d) => {
    const gaps: number[][] = (vocab[dept] ?? []).map(() => []);
    for (const { steps, preRoll } of takes) {
      let prev = -1;
      let prevIndex = -1;
      // A cue before the first beat (the start cue): its gap is counted as the history counts it live,
      // in beats heard after it, plus one.
      const start = [...(preRoll ?? [])].reverse().find((c) => c.dept === dept);
      let startIndex = start === undefined ? -1 : (vocab[dept]?.indexOf(start.cue) ?? -1);
      steps.forEach((s, k) => {
        const e = s.events[d]!;
        if (e < 0) return;
        if (prev >= 0 && prevIndex >= 0) gaps[prevIndex]!.push(k - prev);
        else if (prev < 0 && startIndex >= 0 && start !== undefined) {
          let since = 0;
          for (let j = 0; j <= k; j++) if (steps[j]!.row.t > start.t + 0.5 * steps[j]!.row.periodS) since++;
          gaps[startIndex]!.push(since + 1);
          startIndex = -1;
        }
        prev = k;
        prevIndex = e;
      });
    }
    out[dept] = gaps.map((g) => {
      if (g.length === 0) return 0;
      const sorted = [...g].sort((a, b) => a - b);
      return sorted[Math.floor((sorted.length - 1) / 2)]!;
    });
  });
  return out;
}

/**
 * The rehearsal's cue order per department (vocabulary indices in firing order, the start cues
 * first): of the first take that has any cues. See `CueHistory`'s `order`.
 */
export function learnOrder(takes: readonly { steps: readonly Step[]; preRoll: readonly TakeCue[] }[], depts: readonly string[], vocab: Readonly<Record<string, readonly string[]>>): Record<string, number[]> {
  const take = takes.find((t) => t.steps.some((s) => s.events.some((e) => e >= 0)));
  const out: Record<string, number[]> = {};
  depts.forEach((dept, d) => {
    const seq: number[] = [];
    for (const c of take?.preRoll ?? []) if (c.dept === dept) seq.push(vocab[dept]?.indexOf(c.cue) ?? -1);
    for (const s of take?.steps ?? []) if (s.events[d]! >= 0) seq.push(s.events[d]!);
    out[dept] = seq;
  });
  return out;
}

/** The cue vocabulary per department, in order of first appearance across the takes (sorted numerically). */
export function buildVocab(takes: readonly { cues: readonly TakeCue[] }[], depts: readonly string[]): Record<string, string[]> {
  const vocab: Record<string, string[]> = {};
  for (const d of depts) {
    const set = new Set<string>();
    for (const take of takes) for (const c of take.cues) if (c.dept === d) set.add(c.cue);
    vocab[d] = [...set].sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
  }
  return vocab;
}

/** Mean and standard deviation of the audio entries over every row. */
export function audioStats(takes: readonly AnalysedTake[]): { mean: number[]; std: number[] } {
  const n0 = takes[0]?.rows[0]?.audio.length ?? 0;
  const sum = new Float64Array(n0);
  const sq = new Float64Array(n0);
  let n = 0;
  for (const take of takes)
    for (const r of take.rows) {
      for (let i = 0; i < n0; i++) {
        const v = r.audio[i]!;
        sum[i]! += v;
        sq[i]! += v * v;
      }
      n++;
    }
  const mean = Array.from(sum, (s) => s / Math.max(1, n));
  const std = Array.from(sq, (s, i) => Math.sqrt(Math.max(1e-8, s / Math.max(1, n) - mean[i]! ** 2)));
  return { mean, std };
}

/** Normalises the audio entries of every step of `inputs` in place. */
export function normaliseInputs(inputs: Float32Array, inputSize: number, mean: readonly number[], std: readonly number[]): void {
  for (let base = 0; base < inputs.length; base += inputSize)
    for (let i = 0; i < mean.length; i++) inputs[base + i] = (inputs[base + i]! - mean[i]!) / std[i]!;
}

/** Windows of a sequence for truncated back-propagation: `[start, end)` step ranges. */
export function windows(length: number, size: number, stride: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < length; s += stride) {
    out.push([s, Math.min(length, s + size)]);
    if (s + size >= length) break;
  }
  return out;
}
