/**
 * Score following as a model input. An online follower (`OnlineAligner`, with jumps, so a repeated
 * or skipped section is followed) tracks where the live performance is in a reference rehearsal; at
 * every beat this turns its position into, per department, "the rehearsal's next cue falls this many
 * beats from the next beat" and which cue that is. The sequence model learns how far to trust it
 * against the beat count, the cue schedule and the audio — in training it follows a *different*
 * rehearsal than the one it hears, rearranged copies included, so it meets the follower's real
 * mistakes.
 */
import { ALIGN_DIMS, ALIGN_FRAMES, AlignmentFeatures, TapedAligner, type AlignerOptions, type AlignerTape } from './alignment.js';
import type { PredictorEvent } from './events.js';
import type { TimedCue } from './metrics.js';
import { openCues, sameSong, type OpenEntryNumbers } from './openEntries.js';
import { DEFAULT_POLICY_NUMBERS, type PolicyNumbers } from '../policy/numbers.js';

/** Beats either side over which the distance to the follower's next cue is scaled to -1..1. */
const FOLLOW_SCALE = 8;
/** Entries per department before the cue one-hot: beats to the cue (scaled), on the next beat, within one beat. */
const FIXED = 3;

/**
 * The follower's own settings over the aligner's defaults: holding the position costs half as much, so
 * in a ritardando or a held chord into a section end it waits for the band instead of running ahead
 * and firing the next section's cues early (tuned on the stage development takes, POP909 001–002:
 * false fires 44 → 34 and misses 71 → 57 in 67.7 min). The baselines keep the aligner's defaults.
 */
export const FOLLOWER_ALIGNER: AlignerOptions = { holdCost: 0.05 };

/** Seconds of path the follower keeps for `FollowTrack.placement`. */
const PLACEMENT_MEMORY_S = 10;

/** How sure the follower is of its position (see `FollowTrack.placement`). */
export interface FollowerPlacement {
  /** 0: the live sounds just like the rehearsal where the follower is; about 1: no more like it than like anywhere. */
  readonly match: number;
  /** Rehearsal seconds moved through per live second over the window asked for; absent until it has followed that long since its last jump. */
  readonly rate?: number;
  /**
   * The follower's last jump back, while this pass has not gone beyond where it jumped from: how far
   * back it went (rehearsal seconds) and how far the position still is before that point (negative
   * once past it). A short one is a vamp: the band playing a figure again.
   */
  readonly loop?: { readonly backS: number; readonly aheadS: number };
  /** The latest hop was quiet (a break): nothing should fire until the band plays again. */
  readonly quiet?: boolean;
  /** The latest hop was a break the rehearsal does not have, and the follower held its place through it. */
  readonly held?: boolean;
}

/** The reference a follower tracks: a rehearsal's alignment vectors, their times and its cues. */
export interface FollowReference {
  readonly vectors: Float32Array;
  readonly times: Float32Array;
  readonly cues: readonly TimedCue[];
  /** Per cue (in `cues` order), whether it is an open entry (`openCues`); absent: none is. */
  readonly open?: readonly boolean[];
  /** Whether the rehearsal's first cue went on the band's first attack (`opensOnAttack`). */
  readonly opensOnAttack?: boolean;
  /** Seconds from the rehearsal's first clear attack to its first cue, where the band entered before it (`entryLeadS`). */
  readonly entryLeadS?: number;
  /** Where the rehearsal was quiet (seconds from, to; `RehearsalSummary.quietS`); absent: unknown. */
  readonly quietS?: readonly (readonly [number, number])[];
}

/** Follows one reference and yields the per-beat follower entries of the model's input. */
export class FollowTrack {
  private aligner: TapedAligner;
  /** Takes started (each reads its own stretch of `tape`). */
  private stretch = 0;
  /** Per department, the reference's cues of that department in time order. */
  private readonly byDept: { t: number; index: number; open: boolean }[][];
  private latestT: number | undefined;
  /** Per department, after `features`: the vocabulary index of the cue the follower expects within 1.5 beats of the next beat (-1: none). */
  private readonly dueNext: number[];
  /**
   * Per department, the live time at which the position first reached each cue on this pass (NaN: not
   * yet), and how many cues (in time order) it has reached. A pass ends only when the position goes
   * back by more than a jump (a repeat): a follower hovering at a cue — holding through a walk-in at
   * the end of the rehearsal's opening silence, or wavering on a held chord — has passed it once.
   */
  private readonly passedAt: Float64Array[];
  private readonly reached: number[];
  /** The furthest position (rehearsal seconds) of this pass. */
  private furthest = Number.NEGATIVE_INFINITY;
  /** Live time and position of the hops since the last jump (at most `PLACEMENT_MEMORY_S`), for `placement`. */
  private path: { t: number; ref: number }[] = [];
  /** The last jump back: from where (the furthest position of the pass before it) to where (rehearsal seconds). */
  private loop: { from: number; to: number } | undefined;
  /** Whether the latest hop was quiet. */
  private quiet = false;
  /** The quiet hops not yet followed while a quiet run is judged (`breakHoldS`), and the live time of the last hop followed or held. */
  private pending: { v: Float32Array; t: number }[] = [];
  private lastAlignedT = 0;
  /** Whether the latest hop was held (a break the rehearsal does not have). */
  private held = false;
  /** Live seconds the follower has held its place through breaks the rehearsal does not have (its clock stood still). */
  private heldS = 0;

  constructor(
    private readonly reference: FollowReference,
    readonly depts: readonly string[],
    readonly vocab: Readonly<Record<string, readonly string[]>>,
    /** Where the same take was followed before (through this reference), to read the alignment back. */
    private readonly tape?: AlignerTape,
    /** The policy's break numbers (`breakHoldS`, `breakMatchS`): the model's, or the defaults in training. */
    private readonly numbers: Pick<PolicyNumbers, 'breakHoldS' | 'breakMatchS'> = DEFAULT_POLICY_NUMBERS,
  ) {
    if (reference.vectors.length < reference.times.length * ALIGN_DIMS) throw new RangeError(`FollowTrack: ${reference.vectors.length} values cannot hold ${reference.times.length} alignment vectors`);
    this.aligner = this.newAligner();
    this.dueNext = depts.map(() => -1);
    this.byDept = depts.map((d) =>
      reference.cues
        .map((c, k) => ({ c, open: reference.open?.[k] === true }))
        .filter(({ c }) => c.dept === d)
        .map(({ c, open }) => ({ t: c.t, index: vocab[d]?.indexOf(c.cue) ?? -1, open }))
        .sort((a, b) => a.t - b.t),
    );
    this.passedAt = this.byDept.map((c) => new Float64Array(c.length).fill(Number.NaN));
    this.reached = depts.map(() => 0);
  }

  private newAligner(): TapedAligner {
    return new TapedAligner(this.reference.vectors, this.reference.times, FOLLOWER_ALIGNER, this.tape === undefined ? undefined : { tape: this.tape, stretch: this.stretch });
  }

  /** Whether the followed rehearsal's first cue went on the band's first attack (`opensOnAttack`). */
  get opensOnAttack(): boolean {
    return this.reference.opensOnAttack === true;
  }

  /** Seconds from the followed rehearsal's first clear attack to its first cue, where the band entered before it. */
  get entryLeadS(): number | undefined {
    return this.reference.entryLeadS;
  }

  /**
   * Whether the department's first cue in the rehearsal went at the rehearsal's opening moment (its
   * first cue of any department, within an alignment hop): the band's entry opens it too.
   */
  opensWith(deptIndex: number): boolean {
    const first = this.byDept[deptIndex]?.[0]?.t;
    if (first === undefined) return false;
    const opening = Math.min(...this.byDept.map((c) => c[0]?.t ?? Number.POSITIVE_INFINITY));
    const times = this.reference.times;
    const hopS = times.length > 1 ? times[1]! - times[0]! : (ALIGN_FRAMES * 256) / 22050;
    return first - opening <= hopS + 1e-9;
  }

  /** Width of the follower entries. */
  get size(): number {
    return this.depts.reduce((s, d) => s + FIXED + (this.vocab[d]?.length ?? 0), 0);
  }

  /** Starts over (a new take). */
  reset(): void {
    this.stretch++;
    this.aligner = this.newAligner();
    this.latestT = undefined;
    this.dueNext.fill(-1);
    for (const p of this.passedAt) p.fill(Number.NaN);
    this.reached.fill(0);
    this.furthest = Number.NEGATIVE_INFINITY;
    this.path = [];
    this.loop = undefined;
    this.quiet = false;
    this.heldS = 0;
    this.held = false;
    this.pending = [];
    this.lastAlignedT = 0;
  }

  /**
   * How sure the follower is of its position, as of its latest hop (undefined before the first):
   * its match (`OnlineAligner.match`: 0 the live sounds just like the rehearsal there, about 1 no
   * more like it than like anywhere else) and, when it has followed for `windowS` seconds without a
   * jump, how many rehearsal seconds it moved through per live second over them.
   */
  placement(windowS: number): FollowerPlacement | undefined {
    const last = this.path[this.path.length - 1];
    if (last === undefined) return undefined;
    const from = this.path.find((p) => p.t >= last.t - windowS - 1e-9)!;
    const spanS = last.t - from.t;
    const loop = this.loop === undefined ? {} : { loop: { backS: this.loop.from - this.loop.to, aheadS: this.loop.from - last.ref } };
    return { match: this.aligner.match, ...(spanS >= windowS * 0.9 && spanS > 0 ? { rate: (last.ref - from.ref) / spanS } : {}), ...loop, ...(this.quiet ? { quiet: true } : {}), ...(this.held ? { held: true } : {}) };
  }

  /** The cue (vocabulary index) the follower expected around the next beat (within 1.5 beats) at the last `features` call, or -1. */
  cueNear(deptIndex: number): number {
    return this.dueNext[deptIndex] ?? -1;
  }

  /**
   * Adds one live alignment vector (frame time `t`); `quiet` (`AlignmentFeatures`: the band has
   * stopped) is passed on to `placement`. The follower keeps its course through a rest the rehearsal
   * has too (holding its place there lost cues on a real recording), and through every quiet hop where
   * the model does not say where its rehearsal was quiet; it holds its place through a break of
   * `breakHoldS` or more where the rehearsal played on (`breakNotRehearsed`).
   */
  push(v: Float32Array, t: number, quiet = false): void {
    this.quiet = quiet;
    if (quiet && this.reference.quietS !== undefined && this.latestT !== undefined) {
      this.latestT = t;
      if (this.held) {
        this.heldS += t - this.lastAlignedT;
        this.lastAlignedT = t;
        return;
      }
      // A quiet run is judged once it has lasted `breakHoldS` (the gaps of a sparse passage do not):
      // until then its hops wait, and the follower reads as it was before it.
      this.pending.push({ v: Float32Array.from(v), t });
      if (t - this.pending[0]!.t < this.numbers.breakHoldS) return;
      if (this.breakNotRehearsed()) {
        // A break where the rehearsal played on: the follower holds its place (and its clock stands
        // still) until the band plays again. Aligned, the silence matches the rehearsal's own silence
        // (its start, its end) better than anything and the follower jumps there.
        this.held = true;
        this.heldS += t - this.lastAlignedT;
        this.lastAlignedT = t;
        this.pending = [];
        return;
      }
    }
    // The band plays (or a rest the rehearsal has too): what waited is followed first, as it came.
    this.held = false;
    const waited = this.pending;
    this.pending = [];
    for (const h of waited) this.advance(h.v, h.t);
    if (waited[waited.length - 1]?.t !== t) this.advance(v, t);
  }

  /** Moves the follower on by one live hop. */
  private advance(v: Float32Array, t: number): void {
    const refBefore = this.aligner.refTime;
    const ft = t - this.heldS;
    this.aligner.push(v, ft);
    this.latestT = t;
    this.lastAlignedT = t;
    const refNow = this.aligner.refTime;
    if (this.path.length > 0 && Math.abs(refNow - refBefore) > this.aligner.jumpS) this.path = [];
    // The path is kept on the follower's clock, so a held break does not read as a stall after it.
    this.path.push({ t: ft, ref: refNow });
    while (this.path.length > 1 && this.path[0]!.t < ft - PLACEMENT_MEMORY_S) this.path.shift();
    if (refNow < this.furthest - this.aligner.jumpS) {
      // Back by more than a jump: a new pass over what follows the new position.
      this.loop = { from: this.furthest, to: refNow };
      this.byDept.forEach((cues, d) => {
        const keep = lowerBound(cues, refNow);
        this.passedAt[d]!.fill(Number.NaN, keep);
        this.reached[d] = Math.min(this.reached[d]!, keep);
      });
      this.furthest = refNow;
    } else this.furthest = Math.max(this.furthest, refNow);
    this.byDept.forEach((cues, d) => {
      while (this.reached[d]! < cues.length && cues[this.reached[d]!]!.t <= refNow) this.passedAt[d]![this.reached[d]!++] = t;
    });
  }

  /**
   * Whether the rehearsal played on where the follower is: it has stored quiet stretches
   * (`FollowReference.quietS`) and none within `breakMatchS` of the position. Without them (an older
   * model) a break is taken for a rest the rehearsal has too.
   */
  private breakNotRehearsed(): boolean {
    const quietS = this.reference.quietS;
    if (quietS === undefined) return false;
    const at = this.aligner.refTime;
    const m = this.numbers.breakMatchS;
    return !quietS.some(([from, to]) => from <= at + m && to >= at - m);
  }

  /**
   * The department's next cue in the reference (the first not passed by more than half a beat of
   * `periodS`, neither in the reference's seconds nor since the position first reached it on this
   * pass), when, through the follower's position and local tempo, it falls live, which of the
   * department's cues in the reference it is (0: its first), and whether it is an open entry.
   */
  nextCue(deptIndex: number, periodS: number): { index: number; when: number; ordinal: number; open?: true } | undefined {
    if (this.latestT === undefined) return undefined;
    const cues = this.byDept[deptIndex] ?? [];
    const refNow = this.aligner.refTime;
    const ratio = this.aligner.tempoRatio;
    const from = refNow - 0.5 * periodS * ratio;
    let lo = lowerBound(cues, from);
    const passed = this.passedAt[deptIndex]!;
    const grace = this.latestT - 0.5 * periodS;
    while (lo < cues.length && passed[lo]! < grace) lo++;
    const next = cues[lo];
    return next === undefined ? undefined : { index: next.index, when: this.latestT + (next.t - this.aligner.cueRefTime) / ratio, ordinal: lo, ...(next.open ? { open: true as const } : {}) };
  }

  /**
   * The follower entries at a beat whose next beat is predicted at `nextBeatT` (`periodS` apart):
   * per department, where the reference's next cue (not yet passed) would land, in beats from the
   * next beat, through the follower's position and local tempo.
   */
  features(nextBeatT: number, periodS: number): Float32Array {
    const out = new Float32Array(this.size);
    this.dueNext.fill(-1);
    if (this.latestT === undefined) return out;
    let o = 0;
    this.depts.forEach((d, i) => {
      const vocabSize = this.vocab[d]?.length ?? 0;
      const next = this.nextCue(i, periodS);
      const near = next !== undefined && Math.abs((next.when - nextBeatT) / periodS) < 1.5;
      this.dueNext[i] = near ? next.index : -1;
      if (next !== undefined) {
        const beats = (next.when - nextBeatT) / periodS;
        out[o] = Math.max(-1, Math.min(1, beats / FOLLOW_SCALE));
        out[o + 1] = Math.abs(beats) < 0.5 ? 1 : 0;
        out[o + 2] = Math.abs(beats) < 1.5 ? 1 : 0;
        if (next.index >= 0) out[o + FIXED + next.index] = 1;
      } else out[o] = 1;
      o += FIXED + vocabSize;
    });
    return out;
  }
}

/** Index of the first of `xs` (sorted by `t`) at or after `t`. */
export function lowerBound(xs: readonly { t: number }[], t: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]!.t < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Names of the follower entries of the model's input, per department: `FollowTrack.features` in order. */
export function followEntryNames(depts: readonly string[], vocab: Readonly<Record<string, readonly string[]>>): string[] {
  const out: string[] = [];
  for (const d of depts) {
    out.push(`${d}.followIn`, `${d}.followNext`, `${d}.followNear`);
    for (const c of vocab[d] ?? []) out.push(`${d}.followCue=${c}`);
  }
  return out;
}

/**
 * A stored rehearsal's alignment vectors and times, as a follower reference; with `openFrom`, its open
 * entries, judged against the model's rehearsals (those of the same song count, `sameSong`) by the
 * model's policy numbers.
 */
export function followReference(
  summary: { readonly name: string; readonly cues: readonly TimedCue[]; readonly alignment: { readonly offset: number; readonly frames: number; readonly hopS: number; readonly firstT: number }; readonly opensOnAttack?: boolean; readonly entryLeadS?: number; readonly quietS?: readonly (readonly [number, number])[] },
  alignment: Float32Array,
  openFrom?: { readonly rehearsals: readonly { readonly cues: readonly TimedCue[] }[]; readonly numbers: OpenEntryNumbers },
): FollowReference {
  const { offset, frames, hopS, firstT } = summary.alignment;
  const end = (offset + frames) * ALIGN_DIMS;
  if (end > alignment.length) throw new RangeError(`rehearsal '${summary.name}' needs alignment vectors up to ${end}, the model has ${alignment.length}`);
  return {
    vectors: alignment.subarray(offset * ALIGN_DIMS, end),
    times: Float32Array.from({ length: frames }, (_, i) => firstT + i * hopS),
    cues: summary.cues,
    ...(openFrom !== undefined ? { open: openCues(summary, sameSong(openFrom.rehearsals, summary), openFrom.numbers) } : {}),
    ...(summary.opensOnAttack === true ? { opensOnAttack: true } : {}),
    ...(summary.entryLeadS !== undefined ? { entryLeadS: summary.entryLeadS } : {}),
    ...(summary.quietS !== undefined ? { quietS: summary.quietS } : {}),
  };
}

/** Alignment vectors grouped by beat: those finished after the previous beat, up to each beat. */
export function alignedByBeat(events: readonly PredictorEvent[]): { t: number; v: Float32Array; quiet: boolean }[][] {
  const af = new AlignmentFeatures();
  const out: { t: number; v: Float32Array; quiet: boolean }[][] = [];
  let current: { t: number; v: Float32Array; quiet: boolean }[] = [];
  for (const e of events) {
    if (e.kind === 'frame') {
      const r = af.push(e.v);
      if (r !== undefined) current.push(r);
    } else if (e.kind === 'beat') {
      out.push(current);
      current = [];
    }
  }
  return out;
}
