/**
 * What the show knows: the rehearsals' beat grids as a prior for the live tracker. One online score
 * follower per rehearsal (`OnlineAligner`, with jumps, so a repeated or skipped section is followed)
 * says where in that rehearsal the performance is and how fast it runs against it; the rehearsal's
 * grid then says where the beats should fall now, how long they are and which beat of the bar comes
 * next. Each beat hypothesis the bar-pointer filter enters is weighted by how well it agrees — so an
 * off-beat, half, double or 3:2 lock, or a wrong downbeat, loses within a beat or two — and the weight
 * fades to "no opinion" when the follower matches poorly (the band left the rehearsed music), where
 * the tracker falls back on its own evidence.
 *
 * It lives beside core/audio and core/model (it uses both), and reaches the learned tracker as a
 * `BeatPrior` through `ListenOptions.prior`.
 */
import type { EntryPrior } from '../audio/barPointer.js';
import { barLengthAt, locateInGrid, type BeatGrid } from '../audio/beatGrid.js';
import type { BeatPrior } from '../audio/learnedTracker.js';
import type { FeatureFrame } from '../audio/types.js';
import { ALIGN_DIMS, ALIGN_FRAMES, AlignmentFeatures, OnlineAligner } from '../model/alignment.js';

/** A rehearsal as the prior needs it: its grid and its alignment vectors (see `AlignmentFeatures`). */
export interface RehearsalReference {
  readonly name: string;
  readonly grid: BeatGrid;
  /** `ALIGN_DIMS` values per alignment hop, and the hops' times (s, the rehearsal's time base). */
  readonly vectors: Float32Array;
  readonly times: Float32Array;
}

/** Tuning of the prior (chosen on the validation split, see bench/listener/README.md). */
export interface RehearsalPriorTuning {
  /** Width (in beats) of the phase agreement around the grid's beat. */
  readonly phaseSigmaBeats: number;
  /** Width (natural log of the tempo ratio) of the tempo agreement. */
  readonly tempoSigma: number;
  /**
   * Weight left to a hypothesis whose beat is the wrong beat of the bar (right meter). 0.1 since the
   * grids' bars come from the bar network (validation with two rehearsals: downbeat F 0.686 → 0.706
   * performance, 0.668 → 0.675 stage against 0.3; beat F unchanged).
   */
  readonly wrongBeatOfBar: number;
  /** Weight left to a hypothesis in another meter. */
  readonly wrongMeter: number;
  /** The prior's strongest say (0..1): 1 − this is the weight a hypothesis keeps however much it disagrees. */
  readonly maxConfidence: number;
  /** Mean follower cost per hop at which the prior has its full say, and at which it has none. */
  readonly goodCost: number;
  readonly badCost: number;
  /** Seconds over which the follower's cost is averaged. */
  readonly costWindowS: number;
  /** Seconds of live audio before the prior speaks at all. */
  readonly warmupS: number;
}

/** Defaults for `RehearsalPriorTuning`. */
export const defaultRehearsalPriorTuning: RehearsalPriorTuning = {
  phaseSigmaBeats: 0.12,
  tempoSigma: 0.06,
  wrongBeatOfBar: 0.1,
  wrongMeter: 0.3,
  maxConfidence: 0.9,
  goodCost: 0.13,
  badCost: 0.2,
  costWindowS: 1.5,
  warmupS: 2,
};

interface Follower {
  readonly ref: RehearsalReference;
  aligner: OnlineAligner;
  /** Live time of the last hop, the follower's rehearsal time then, its tempo ratio and smoothed cost. */
  t: number;
  refT: number;
  ratio: number;
  cost: number;
  hops: number;
  total: number;
  /** Alignment vectors not yet followed (followers take turns, one per feature frame, so no frame pays for all of them). */
  pending: { v: Float32Array; t: number }[];
}

/** The follower's view at one moment, exposed for benches and the console. */
export interface PriorView {
  readonly rehearsal: string;
  /** Rehearsal time that corresponds to the live time asked about. */
  readonly refT: number;
  readonly ratio: number;
  readonly cost: number;
  /** 0..maxConfidence. */
  readonly confidence: number;
}

/** Follows the rehearsals and weighs beat hypotheses by their grids. */
export class RehearsalPrior implements BeatPrior {
  readonly tuning: RehearsalPriorTuning;
  private readonly features = new AlignmentFeatures();
  private readonly followers: Follower[];
  private firstT: number | undefined;

  constructor(references: readonly RehearsalReference[], tuning: Partial<RehearsalPriorTuning> = {}) {
    this.tuning = { ...defaultRehearsalPriorTuning, ...tuning };
    this.followers = references
      .filter((r) => r.times.length > 1 && r.vectors.length >= r.times.length * ALIGN_DIMS && r.grid.beats.length > 1)
      .map((ref) => ({ ref, aligner: new OnlineAligner(ref.vectors, ref.times, []), t: 0, refT: 0, ratio: 1, cost: Infinity, hops: 0, total: 0, pending: [] }));
  }

  /** Rehearsals being followed. */
  get size(): number {
    return this.followers.length;
  }

  /** Starts over (a new song or take). */
  reset(): void {
    for (const f of this.followers) {
      f.aligner = new OnlineAligner(f.ref.vectors, f.ref.times, []);
      f.t = 0;
      f.refT = 0;
      f.ratio = 1;
      f.cost = Infinity;
      f.hops = 0;
      f.total = 0;
      f.pending = [];
    }
    this.firstT = undefined;
    this.turn = 0;
  }

  private turn = 0;

  /**
   * One live feature frame (every hop). Every `ALIGN_FRAMES` frames an alignment vector is ready; the
   * followers take turns to follow it, at most a few per frame, so the worker's time per frame stays
   * flat however many rehearsals there are (a follower is at most a few frames behind).
   */
  pushFeature(frame: FeatureFrame): void {
    const n = this.followers.length;
    if (n === 0) return;
    if (frame.reset === true) this.reset();
    this.firstT ??= frame.t;
    const a = this.features.push(frame);
    if (a !== undefined) for (const f of this.followers) f.pending.push(a);
    let budget = Math.ceil(n / ALIGN_FRAMES);
    for (let tries = 0; tries < n && budget > 0; tries++) {
      const f = this.followers[this.turn]!;
      this.turn = (this.turn + 1) % n;
      const next = f.pending.shift();
      if (next === undefined) continue;
      this.follow(f, next.v, next.t);
      budget--;
    }
  }

  private follow(f: Follower, v: Float32Array, t: number): void {
    f.aligner.push(v, t);
    f.hops++;
    const total = f.aligner.score * f.hops;
    const cost = total - f.total;
    f.total = total;
    const stepS = f.hops > 1 ? t - f.t : 0.05;
    const k = Math.min(1, stepS / this.tuning.costWindowS);
    f.cost = Number.isFinite(f.cost) ? f.cost + k * (cost - f.cost) : cost;
    f.t = t;
    f.refT = f.aligner.refTime;
    f.ratio = f.aligner.tempoRatio;
  }

  /** The best-matching follower's view at live time `t` (undefined before any hop). */
  view(t: number): PriorView | undefined {
    let best: Follower | undefined;
    for (const f of this.followers) if (f.hops > 0 && (best === undefined || f.cost < best.cost)) best = f;
    if (best === undefined || this.firstT === undefined) return undefined;
    const { goodCost, badCost, maxConfidence, warmupS } = this.tuning;
    const quality = Math.min(1, Math.max(0, (badCost - best.cost) / (badCost - goodCost)));
    const confidence = t - this.firstT < warmupS ? 0 : maxConfidence * quality;
    return { rehearsal: best.ref.name, refT: best.refT + (t - best.t) * best.ratio, ratio: best.ratio, cost: best.cost, confidence };
  }

  /**
   * The weight of every beat hypothesis entering a beat at live time `t` (frames at `fps`), or
   * undefined when the prior has no opinion (no match, or outside the rehearsal's grid).
   */
  entryPrior(t: number, fps: number): EntryPrior | undefined {
    const v = this.view(t);
    if (v === undefined || v.confidence <= 0) return undefined;
    const best = this.followers.find((f) => f.ref.name === v.rehearsal)!;
    const grid = best.ref.grid;
    const at = locateInGrid(grid, v.refT);
    if (at === undefined) return undefined;
    const { phaseSigmaBeats, tempoSigma, wrongBeatOfBar, wrongMeter } = this.tuning;
    const near = at.phase < 0.5 ? at.index : at.index + 1;
    const delta = at.phase < 0.5 ? at.phase : 1 - at.phase;
    const phaseAgree = Math.exp(-0.5 * (delta / phaseSigmaBeats) ** 2);
    const beatInBar = grid.beats[near]![1];
    const meter = barLengthAt(grid, near);
    const tauGrid = (at.periodS / Math.max(0.1, v.ratio)) * fps;
    const c = v.confidence;
    return (m, tau, b) => {
      const lr = Math.log(tau / tauGrid) / tempoSigma;
      const place = m !== meter ? wrongMeter : b !== beatInBar ? wrongBeatOfBar : 1;
      return 1 - c + c * phaseAgree * Math.exp(-0.5 * lr * lr) * place;
    };
  }
}

/** The learned tracker's prior over these rehearsals (`ListenOptions.prior`), or none without any. */
export function rehearsalPriorOf(references: readonly RehearsalReference[] = [], tuning: Partial<RehearsalPriorTuning> = {}): (() => BeatPrior) | undefined {
  return references.length > 0 ? () => new RehearsalPrior(references, tuning) : undefined;
}
