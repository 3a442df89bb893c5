/**
 * A take's opening: how it sounded in the moments before its first cue. Stored per rehearsal in the
 * model, so the live predictor can tell a show that opens as its rehearsal did (a track starting in
 * silence) from a walk-in (crowd noise before the music).
 */
import type { FeatureFrame } from '../audio/types.js';
import type { PolicyNumbers } from '../policy/numbers.js';
import { AttackDetector } from './attack.js';
import type { PredictorEvent } from './events.js';

/** Seconds of audio before a take's first cue over which its opening level is measured. */
export const OPENING_WINDOW_S = 1;

/**
 * The median frame level (dBFS) of a take in the `OPENING_WINDOW_S` before `firstCueT` (at least its
 * first frame): the sound of the room when the show's opening cue went.
 */
export function openingLevelDb(events: readonly PredictorEvent[], firstCueT: number): number {
  const levels: number[] = [];
  for (const e of events) {
    if (e.kind !== 'frame') continue;
    if (e.v.t > firstCueT && levels.length > 0) break;
    if (e.v.t >= firstCueT - OPENING_WINDOW_S || levels.length === 0) levels.push(e.v.levelDb);
  }
  levels.sort((a, b) => a - b);
  return levels[Math.floor(levels.length / 2)] ?? -100;
}


/** The policy numbers the opening attack is judged by. */
export type OpeningAttackNumbers = Pick<PolicyNumbers, 'startAboveFloorDb' | 'attackPeakFraction' | 'attackBeforeS' | 'attackAfterS'>;

/** The policy numbers clear attacks are judged by. */
export type ClearAttackNumbers = Pick<PolicyNumbers, 'startAboveFloorDb'>;

/**
 * Attacks that rise clearly out of what came before: the band's first note after silence, room noise
 * or a crowd, not a swell of the crowd itself. An attack (`AttackDetector`, run by the caller) counts
 * when its frame sounds at least `startAboveFloorDb` above the median level of the `OPENING_WINDOW_S` before it.
 * Causal: decided on the attack's own frame. The same judge runs over a rehearsal in training
 * (`opensOnAttack`) and over the live input (the predictor), so both mean one thing by it.
 */
export class ClearAttacks {
  private readonly levels: { t: number; db: number }[] = [];
  private latest: number | undefined;
  private outOfQuiet: number | undefined;
  private background: number | undefined;

  constructor(private readonly numbers: ClearAttackNumbers) {}

  reset(): void {
    this.levels.length = 0;
    this.latest = undefined;
    this.outOfQuiet = undefined;
    this.background = undefined;
  }

  /**
   * The median level (dBFS) of the `OPENING_WINDOW_S` before the latest attack pushed (clear or not),
   * what it has to rise out of; undefined until half that much has been heard.
   */
  get attackBackgroundDb(): number | undefined {
    return this.background;
  }

  /** Time of the latest clear attack, if any. */
  get latestAt(): number | undefined {
    return this.latest;
  }

  /**
   * Time of the latest clear attack that came out of quiet: no other clear attack in the
   * `OPENING_WINDOW_S` before it (a band's entry, not a count-in's second click or a phrase going on).
   */
  get outOfQuietAt(): number | undefined {
    return this.outOfQuiet;
  }

  /** Adds a frame and whether an attack (`AttackDetector`) starts in it; true when that attack is clear. */
  push(f: FeatureFrame, attack: boolean): boolean {
    if (f.reset === true) this.reset();
    const db = Number.isFinite(f.levelDb) ? Math.max(-120, f.levelDb) : -120;
    let clear = false;
    if (attack) {
      this.background = undefined;
      if (this.levels.length > 0 && f.t - this.levels[0]!.t >= OPENING_WINDOW_S / 2) {
        const sorted = this.levels.map((x) => x.db).sort((a, b) => a - b);
        this.background = sorted[Math.floor(sorted.length / 2)]!;
        clear = db >= this.background + this.numbers.startAboveFloorDb;
      }
    }
    if (clear) {
      if (this.latest === undefined || f.t - this.latest >= OPENING_WINDOW_S) this.outOfQuiet = f.t;
      this.latest = f.t;
    }
    this.levels.push({ t: f.t, db });
    while (this.levels.length > 1 && this.levels[0]!.t < f.t - OPENING_WINDOW_S) this.levels.shift();
    return clear;
  }
}

/**
 * Whether a take's first cue went on the band's first attack: its first clear attack (`ClearAttacks`)
 * lies within `attackBeforeS` before to `attackAfterS` after the cue. Such a rehearsal opened out of
 * silence or noise on the cue; a show that opens the same way can take its opening cue from the attack
 * it hears, not from where the follower places it. False where music came before the first cue (a
 * pickup, a recording's lead-in) or where no attack marks it.
 */
export function opensOnAttack(events: readonly PredictorEvent[], firstCueT: number, numbers: OpeningAttackNumbers): boolean {
  const at = entryAttackAt(events, firstCueT, numbers);
  return at !== undefined && at >= firstCueT - numbers.attackBeforeS;
}

/** A take's first clear attack (`ClearAttacks`) up to `attackAfterS` after its first cue, if any. */
function entryAttackAt(events: readonly PredictorEvent[], firstCueT: number, numbers: OpeningAttackNumbers): number | undefined {
  const attacks = new AttackDetector(numbers.attackPeakFraction);
  const clear = new ClearAttacks(numbers);
  for (const e of events) {
    if (e.kind !== 'frame') continue;
    if (e.v.t > firstCueT + numbers.attackAfterS) break;
    if (clear.push(e.v, attacks.push(e.v))) return e.v.t;
  }
  return undefined;
}

/**
 * Seconds from a take's first clear attack (the band's entry) to its first cue, when the band entered
 * before it (a pickup, a recording's lead-in, an intro); undefined where no clear attack came first.
 * A show's count-in puts the band's downbeat on its one: a first cue less than
 * `countInPickupBeats` of the count after the entry was that downbeat.
 */
export function entryLeadS(events: readonly PredictorEvent[], firstCueT: number, numbers: OpeningAttackNumbers): number | undefined {
  const at = entryAttackAt(events, firstCueT, numbers);
  return at === undefined ? undefined : Math.round(Math.max(0, firstCueT - at) * 1000) / 1000;
}

/** The policy numbers a count-in is heard by. */
export type CountInNumbers = Pick<PolicyNumbers, 'countInBeats' | 'countInJitterS' | 'countInFallDb' | 'countInPeakS' | 'countInFallFromS' | 'countInFallToS' | 'startAboveFloorDb'>;

/** A count-in heard: when the band comes in (the beat after the last click), and why, in one line. */
export interface HeardCountIn {
  readonly one: number;
  /** Seconds between its clicks (their mean). */
  readonly beatS: number;
  readonly why: string;
}

/**
 * A drummer's count-in, heard: `countInBeats` clicks evenly spaced (within `countInJitterS` of their
 * mean spacing) at a beat inside the tempo range given (a person's: the listening's default), the
 * band coming in on the next beat. A click is an attack whose peak (its loudest frame within
 * `countInPeakS`) rises `startAboveFloorDb` out of the second before it, as a clear attack's frame
 * does (`ClearAttacks`: out of the crowd's murmur, not a swell of it; the peak, because a murmur's
 * bump just before a click starts the attack a frame or three early), and whose level falls back by
 * `countInFallDb` between `countInFallFromS` and `countInFallToS` after it — sticks, a side stick, a
 * cowbell; a band's first chord sounds on. Other attacks between the clicks (a lead-in played under
 * the count) do not break it. Causal: a click is known `countInFallToS` after it, well before the one.
 */
export class CountIn {
  private readonly minPeriodS: number;
  private readonly maxPeriodS: number;
  /** Attacks still being judged: time, what they rose out of, peak level, and the lowest level in the fall window. */
  private pending: { t: number; backgroundDb: number; peakDb: number; lowDb: number }[] = [];
  private clicks: number[] = [];
  private heard: HeardCountIn | undefined;

  constructor(
    private readonly numbers: CountInNumbers,
    tempo: { readonly minBpm: number; readonly maxBpm: number },
  ) {
    this.minPeriodS = 60 / tempo.maxBpm;
    this.maxPeriodS = 60 / tempo.minBpm;
  }

  reset(): void {
    this.pending = [];
    this.clicks = [];
    this.heard = undefined;
  }

  /** The latest count-in heard, if any. */
  get latest(): HeardCountIn | undefined {
    return this.heard;
  }

  /**
   * Adds a frame and, when an attack starts in it, the level it rose out of (`ClearAttacks.attackBackgroundDb`);
   * returns a count-in when this frame completes one.
   */
  push(f: FeatureFrame, attackBackgroundDb: number | undefined): HeardCountIn | undefined {
    if (f.reset === true) this.reset();
    const db = Number.isFinite(f.levelDb) ? Math.max(-120, f.levelDb) : -120;
    const n = this.numbers;
    let found: HeardCountIn | undefined;
    const still: typeof this.pending = [];
    for (const p of this.pending) {
      const dt = f.t - p.t;
      if (dt <= n.countInPeakS) p.peakDb = Math.max(p.peakDb, db);
      if (dt >= n.countInFallFromS && dt <= n.countInFallToS) p.lowDb = Math.min(p.lowDb, db);
      if (dt <= n.countInFallToS) {
        still.push(p);
        continue;
      }
      if (p.peakDb >= p.backgroundDb + n.startAboveFloorDb && p.peakDb - p.lowDb >= n.countInFallDb) found = this.click(p.t) ?? found;
    }
    this.pending = still;
    if (attackBackgroundDb !== undefined) this.pending.push({ t: f.t, backgroundDb: attackBackgroundDb, peakDb: db, lowDb: Number.POSITIVE_INFINITY });
    return found;
  }

  /** A click heard at `t`: does it end a count-in? */
  private click(t: number): HeardCountIn | undefined {
    const n = this.numbers.countInBeats;
    const keep = t - (n + 1) * this.maxPeriodS;
    this.clicks = this.clicks.filter((c) => c >= keep);
    this.clicks.push(t);
    const jitter = this.numbers.countInJitterS;
    // The latest click ends the count; try each earlier click as the one before it, nearest first.
    for (let k = this.clicks.length - 2; k >= 0; k--) {
      const period = t - this.clicks[k]!;
      if (period < this.minPeriodS) continue;
      if (period > this.maxPeriodS) break;
      const times = [t, this.clicks[k]!];
      for (let j = 2; j < n; j++) {
        // Each earlier click where the spacing so far puts it (within twice the jitter: the evenness check below decides).
        const want = times[j - 1]! - (t - times[j - 1]!) / (j - 1);
        let best: number | undefined;
        for (const c of this.clicks) if (Math.abs(c - want) <= 2 * jitter && (best === undefined || Math.abs(c - want) < Math.abs(best - want))) best = c;
        if (best === undefined) break;
        times.push(best);
      }
      if (times.length < n) continue;
      const mean = (times[0]! - times[n - 1]!) / (n - 1);
      let even = true;
      for (let j = 0; j < n - 1; j++) if (Math.abs(times[j]! - times[j + 1]! - mean) > jitter) even = false;
      if (!even) continue;
      this.heard = { one: t + mean, beatS: mean, why: `a count-in of ${n} at ${(60 / mean).toFixed(0)} BPM (last click ${t.toFixed(2)} s)` };
      return this.heard;
    }
    return undefined;
  }
}

/**
 * How the show's start cues go, in one line (`precue train`'s report): on the band's first attack
 * where the followed rehearsal opened on it, else where the follower places them; a count-in's one
 * outranks both. Undefined for a model without a follower.
 */
export function openingLine(meta: { readonly features: { readonly follow?: { readonly reference: string } }; readonly rehearsals: readonly { readonly name: string; readonly opensOnAttack?: boolean; readonly entryLeadS?: number }[]; readonly policy: { readonly numbers: Pick<PolicyNumbers, 'countInPickupBeats'> } }): string | undefined {
  const reference = meta.features.follow?.reference;
  if (reference === undefined) return undefined;
  const r = meta.rehearsals.find((x) => x.name === reference);
  if (r?.opensOnAttack === true) return `opening: start cues go on the band's first attack heard out of quiet (${reference}'s first cue went on its first attack), or on the one after a drummer's count-in`;
  const lead = r?.entryLeadS;
  const count = lead === undefined ? '' : `, or on the one after a drummer's count-in whose ${meta.policy.numbers.countInPickupBeats === 1 ? 'beat lasts' : `${meta.policy.numbers.countInPickupBeats} beats last`} longer than the ${lead.toFixed(2)} s from the band's entry to that cue (a pickup)`;
  return `opening: start cues go where the follower places ${reference}'s (music came before its first cue)${count}`;
}
