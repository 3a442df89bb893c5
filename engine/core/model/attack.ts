/**
 * The band's attack as soon as it is heard, for the cue policy, which fires a follower's cue on it
 * (`attackBeforeS`/`attackAfterS` in `policy/numbers.ts`): the first frame whose flux rises above the
 * onset threshold (`OnsetTuning`'s ratio over the running mean of the last half second, and its
 * floor), without waiting for the peak as `OnsetPicker` does, so about one hop sooner than an onset.
 * A rise in a break does not count: the frame must sound within `QUIET_BELOW_PEAK_DB` of the loudest
 * heard lately (the same measure that calls a hop quiet), and its flux must reach `peakFraction` of the
 * loudest flux heard lately (the policy's `attackPeakFraction`), so a reverb tail or the room's noise
 * is not the band coming back.
 */
import { defaultOnsetTuning, type OnsetTuning } from '../audio/detectOnsets.js';
import type { FeatureFrame } from '../audio/types.js';
import { ALIGN_FRAMES, FLUX_PEAK_DECAY, LEVEL_PEAK_FALL_DB, QUIET_BELOW_PEAK_DB } from './alignment.js';

/** Seconds of past flux an attack's threshold is measured against (as `OnsetPicker`'s half second). */
const ATTACK_MEAN_S = 0.5;
/** Seconds of frame levels kept for `loudestSince`. */
const LEVEL_MEMORY_S = 1;
/** `FLUX_PEAK_DECAY` (per alignment hop) per feature frame. */
const FRAME_PEAK_DECAY = FLUX_PEAK_DECAY ** (1 / ALIGN_FRAMES);

/** Finds attacks in feature frames, causally, and keeps the level they are judged by. Not thread-safe; one per predictor. */
export class AttackDetector {
  private readonly history: { t: number; flux: number }[] = [];
  private sum = 0;
  private above = false;
  private lastT = Number.NEGATIVE_INFINITY;
  private levelPeak = Number.NEGATIVE_INFINITY;
  private fluxPeak = 0;
  /** Frame levels of the last `LEVEL_MEMORY_S` (time, dBFS). */
  private readonly levels: { t: number; db: number }[] = [];
  private readonly tuning: OnsetTuning;

  constructor(
    /** Fraction of the recent flux peak an attack must reach (`attackPeakFraction`). */
    private readonly peakFraction: number,
    tuning: Partial<OnsetTuning> = {},
  ) {
    this.tuning = { ...defaultOnsetTuning, ...tuning };
  }

  reset(): void {
    this.history.length = 0;
    this.sum = 0;
    this.above = false;
    this.lastT = Number.NEGATIVE_INFINITY;
    this.levelPeak = Number.NEGATIVE_INFINITY;
    this.fluxPeak = 0;
    this.levels.length = 0;
  }

  /** The latest frame's level (dBFS), or -120 before any. */
  get levelDb(): number {
    return this.levels[this.levels.length - 1]?.db ?? -120;
  }

  /** The loudest level heard lately (a peak that falls as the quiet test's), dBFS. */
  get levelPeakDb(): number {
    return this.levelPeak;
  }

  /** The loudest frame level at or after `t` (within the last `LEVEL_MEMORY_S`), dBFS. */
  loudestSince(t: number): number {
    let db = -120;
    for (let i = this.levels.length - 1; i >= 0 && this.levels[i]!.t >= t; i--) db = Math.max(db, this.levels[i]!.db);
    return db;
  }

  /** Adds a frame; true when an attack starts in it. */
  push(f: FeatureFrame): boolean {
    if (f.reset === true) this.reset();
    const flux = Number.isFinite(f.flux) ? f.flux : 0;
    const level = Number.isFinite(f.levelDb) ? Math.max(-120, f.levelDb) : -120;
    this.levelPeak = Math.max(level, this.levelPeak - LEVEL_PEAK_FALL_DB / ALIGN_FRAMES);
    this.levels.push({ t: f.t, db: level });
    while (this.levels.length > 1 && this.levels[0]!.t < f.t - LEVEL_MEMORY_S) this.levels.shift();
    this.fluxPeak = Math.max(flux, this.fluxPeak * FRAME_PEAK_DECAY);
    const mean = this.history.length > 0 ? this.sum / this.history.length : 0;
    const above = flux > Math.max(this.tuning.floor, mean * this.tuning.ratio, this.peakFraction * this.fluxPeak);
    const attack = above && !this.above && level >= this.levelPeak - QUIET_BELOW_PEAK_DB && f.t - this.lastT >= this.tuning.minIntervalS;
    if (attack) this.lastT = f.t;
    this.above = above;
    this.history.push({ t: f.t, flux });
    this.sum += flux;
    while (this.history.length > 1 && this.history[0]!.t < f.t - ATTACK_MEAN_S) this.sum -= this.history.shift()!.flux;
    return attack;
  }
}
