/**
 * The cue policy's one table of numbers: every threshold, window and guard the policy decides with,
 * typed, with its reason. Training calibrates the per-department entries and writes the whole table
 * into the model folder with `POLICY_VERSION`; evaluation and the live engine read it back from there
 * (or take `DEFAULT_POLICY_NUMBERS` when a show runs without a model). There is no other copy of any
 * of these numbers.
 */
import { z } from 'zod';

/**
 * Version of the policy's rules. A model calibrated under other rules is refused (its numbers meant
 * something else): bump this whenever a rule changes what a number means, or what the policy decides
 * from the same evidence.
 * 3: the follower offers a cue once per pass (engine/core/model/followInput.ts), so the follower's
 *    expectation, and the network inputs built from it, differ from version 2's on the same audio.
 * 4: the lost state: when the follower cannot place the live music (it sounds unlike the rehearsal
 *    where the follower is, it has stopped moving through it, or the band vamps) the policy marks its
 *    proposals lost and `auto` falls back to `assist` until it re-locks (`lostMatch` and the rest).
 * 5: a follower-alone department's proposal carries the model's calibrated confidence for the
 *    follower's certainty (`policy.confidence`, `calibrateFollower`); an engine of version 4 would
 *    ignore the table and read every follower proposal as 100%, so it must refuse such a model.
 * 6: a follower's cue does not go into a band falling silent (`fallWindowS` … `soundingBelowPeakDb`):
 *    it waits for the band's attack (`attackBeforeS`/`attackAfterS`), and a cue whose moment falls in
 *    a break goes on the band's first attack when it plays again.
 * 7: the follower times its cues from a line through its recent path, not from the path's end
 *    (`OnlineAligner.cueRefTime`): the same audio gives other cue moments and network inputs.
 * 8: open entries (`openEntryMinS`, `openEntryShare`; engine/core/model/openEntries.ts): a cue the
 *    rehearsals disagree on the moment of is never fired by the model, so the same evidence fires
 *    fewer cues, and training's calibration replays (the follower's confidence table) count other fires.
 * 9: the show's opening: a start cue the rehearsal gave on the band's first attack goes on the show's
 *    first clear attack (`ClearAttacks`, `opensOnAttack`), and a drummer's count-in (`CountIn`,
 *    `countInBeats` … `countInFallDb`) puts the start cue on the one after it, whatever the follower
 *    heard through a walk-in; the same audio fires the opening at other moments.
 * 10: a break the followed rehearsal does not have (`RehearsalSummary.quietS`): the follower holds its
 *    place through it, and a cue due within `breakCueWithinS` of music as the band stopped waits for
 *    the band's first attack when it plays again; the same audio fires those cues at other moments.
 * 11: a count-in's one opens a rehearsal whose band came in less than `countInPickupBeats` of the
 *    count before its first cue (a pickup, a recording's lead-in: `RehearsalSummary.entryLeadS`), not
 *    only one whose first cue went on the band's first attack; the same audio fires such openings.
 */
export const POLICY_VERSION = 11;

const finite = z.number().refine(Number.isFinite, 'a finite number');
const positive = finite.refine((v) => v > 0, 'a positive number');
const fraction = finite.refine((v) => v >= 0 && v <= 1, 'a number between 0 and 1');

/** The policy's numbers that hold for every department. */
export const policyNumbersSchema = z.object({
  /**
   * The confidence at which a prediction counts as armed, in every department (each department's
   * network output is rescaled so that its own calibrated fire point reads as this). A show's
   * per-department `confidenceThreshold` applies on top.
   */
  fireThreshold: fraction,
  /** dB above the quietest level so far at which an onset counts as the start of the music. */
  startAboveFloorDb: positive,
  /**
   * The show has also started when the live input sounds, over the last second, within this many dB of
   * how the followed rehearsal sounded in the second before its first cue (a track that opens in
   * silence, as its rehearsal did; but never a walk-in's crowd noise against a rehearsal's music).
   */
  openingMatchDb: positive,
  /** Seconds after the music starts during which a department that has not fired is offered its start cue. */
  startWindowS: positive,
  /** Seconds ahead of the follower's time for a start cue that it is offered (the console's countdown). */
  startLookaheadS: positive,
  /** Beat period assumed before the beat tracker has found one (seconds; 0.5 = 120 BPM). */
  defaultPeriodS: positive,
  /**
   * The network's vote on the next beat applies to the follower's cue when the cue lies within this
   * many beats of that beat.
   */
  followAgreeBeats: positive,
  /**
   * The follower's next cue is armed this many seconds before its time (at least until the next beat
   * the network votes on): long enough for an operator in `assist` to see it coming and confirm, with a
   * countdown that runs smoothly on the follower's time.
   */
  armLeadS: positive,
  /** Within this many beats of the next beat, the follower names which cue the network's fire is. */
  followNearBeats: positive,
  /**
   * A network fire on the tracked beat goes at the follower's time for the same cue instead when the
   * two are within this many beats: the follower places a cue on the rehearsal's own timing, the beat
   * tracker only on its grid, which drifts in a noisy intro or a tempo change.
   */
  followTimingBeats: positive,
  /**
   * Where a department uses the network's vote: the follower's cue on the next beat is vetoed when the
   * network's fire output for that beat is below this (the network heard nothing that says "now").
   */
  networkVeto: fraction,
  /** A prediction whose fire time is further in the past than this is stale: never armed, never fired. */
  staleMs: positive,
  /**
   * The model may fire the live cue again (a repeated section's look) only for a moment at least this
   * long after the cue went: the same prediction, re-sent on every hop, never fires twice. Longer than
   * the stale window, shorter than any musical section.
   */
  refireMinMs: positive,
  /**
   * The follower is lost when its match (the live's distance to the rehearsal where it places it,
   * over the mean distance to the whole rehearsal, smoothed over about a second: 0 a perfect match, 1
   * no better than anywhere) reaches this: crowd noise, a band playing what the rehearsal never had.
   */
  lostMatch: positive,
  /** A lost follower re-locks once its match has stayed at or below this for `relockS` (and it moves). */
  relockMatch: positive,
  /** Seconds of good match and steady movement before a lost follower counts as placed again. */
  relockS: positive,
  /**
   * The follower is also lost when, over the last `stallWindowS` seconds, it moved through less than
   * `stallRate` rehearsal seconds per live second (a walk-in it holds at the rehearsal's top through, a
   * break, a passage it cannot place); a live tempo never falls that far below the rehearsal's.
   */
  stallWindowS: positive,
  stallRate: positive,
  /**
   * A jump back by at most this many beats is a vamp (a figure played again an unknown number of
   * times, not a repeated section, which is 8 bars or more): the follower counts as lost — it cannot
   * know when the band goes on — until the position is `vampExitBeats` past where it jumped back from
   * (the jump comes a little late, so that point lies somewhat beyond the figure's end).
   */
  vampMaxBeats: positive,
  vampExitBeats: positive,
  /**
   * A follower's cue goes at its moment unless the band is falling silent there (see `fallWindowS`);
   * then it waits for the band's attack (`AttackDetector`) within `attackBeforeS` before and
   * `attackAfterS` after that moment. With none, the model does not fire it, except after a break,
   * where it goes on the band's first attack when it plays again. A rehearsal cannot say where a band
   * will break; its level and its attack can.
   */
  attackBeforeS: positive,
  attackAfterS: positive,
  /**
   * A break where the followed rehearsal played on: the follower holds its place through it
   * (`FollowTrack`), and a department's next cue, when it was due within this many seconds of music as
   * the band stopped, waits for the band's first attack when it plays again (a band that stops before
   * a section comes back on its downbeat). Set on the development stage takes (a break at a section
   * start of frontiers' tempoStep take, the follower 0.4 s behind the band as it stopped); not tuned.
   */
  breakCueWithinS: positive,
  /**
   * The follower (`FollowTrack`) judges a quiet run once it has lasted `breakHoldS` (the gaps of a
   * sparse passage, a bass alone, are shorter and are followed on as before); it is a break the
   * rehearsal does not have, and the follower holds its place through it, where the rehearsal was not
   * quiet (`RehearsalSummary.quietS`) within `breakMatchS` of its seconds of the follower's place (it may
   * lag or lead by a beat or so). Set on the development stage takes (frontiers `tempoStep`, 002
   * `dropouts`: holding from the first quiet hop cost a false fire there).
   */
  breakHoldS: positive,
  breakMatchS: positive,
  /**
   * An attack must also reach this fraction of the loudest flux heard lately (a peak that fades over
   * about 9 s, `FLUX_PEAK_DECAY`): in a noisy room the noise's own flux rises over its mean all the
   * time, and a break must not sound like the band's attack.
   */
  attackPeakFraction: fraction,
  /**
   * The band is falling silent when its level is `stopDropDb` under the loudest of the last
   * `fallWindowS`, or `soundingBelowPeakDb` under the loudest heard lately (a noisy room's break is not
   * quiet, but far under the band).
   */
  fallWindowS: positive,
  stopDropDb: positive,
  soundingBelowPeakDb: positive,
  /**
   * A cue is an open entry — armed for a person's GO, never fired by the model — when two rehearsals
   * of the song disagree on its distance from the cue moment before it by more than `openEntryMinS`
   * seconds and more than `openEntryShare` of that distance, their tempo difference taken out (the
   * section after a vamp the band ends when the singer comes in; `openCues`).
   */
  openEntryMinS: positive,
  openEntryShare: fraction,
  /**
   * A count-in (`CountIn`): `countInBeats` clicks — attacks that rise `startAboveFloorDb` out of the
   * second before them (as `ClearAttacks` judges) and fall back by `countInFallDb` within 50–150 ms, as
   * a stick click does and a band's first chord does not — evenly spaced within `countInJitterS` of
   * their mean spacing, at 50–200 BPM: the band comes in on the next beat, and the start cue goes there.
   * A click's peak is its loudest frame within `countInPeakS` of its attack (a murmur's bump just
   * before a click starts the attack early), its fall the quietest within `countInFallFromS` …
   * `countInFallToS` after it.
   */
  countInBeats: z.number().int().min(2),
  countInJitterS: positive,
  countInFallDb: positive,
  countInPeakS: positive,
  countInFallFromS: positive,
  countInFallToS: positive,
  /**
   * The count-in's one opens a rehearsal whose first cue came less than this many of the count's beats
   * after the band's entry there (`entryLeadS`: a pickup, a recording's lead-in under the count), not
   * only one whose first cue went on the entry (`opensOnAttack`); a first look a beat or more into the
   * music stays with the follower. Set before any run: under one beat is a pickup (development
   * frontiers' rehearsals come in 0.45 s, 0.59 of its count's beat, before their first cue).
   */
  countInPickupBeats: positive,
});

/** The policy's numbers that hold for every department. */
export type PolicyNumbers = z.infer<typeof policyNumbersSchema>;

/**
 * The numbers a show runs with when no model supplies its own, and the starting point of training.
 * Measured on the POP909 development set (songs 001–010, bench/model.ts); `networkVeto` was checked
 * once on songs 011–020. The lost state's numbers (`lostMatch` … `vampExitBeats`) were tuned on the stage
 * development takes only (POP909 001–002, `bench/stage.ts --dev`). The band-falling-silent numbers
 * (`attackBeforeS` … `soundingBelowPeakDb`) were set on the stage development set with its recording
 * (POP909 001–002 and frontiers, 2026-12-06) from level and flux traces at its breaks and at its cue
 * moments: `attackPeakFraction` 0.2 hears no attack in any of its breaks and one at 619 of 621 cue
 * moments; a break there falls 5–11 dB in 100 ms or sits 20 dB or more under the band, a cue moment
 * with no attack 0–4 dB (one filtered drop-out 10 dB). The open-entry numbers (`openEntryMinS`,
 * `openEntryShare`) were set before any run, from what rubato can (a few per cent of a gap) and a
 * vamp's figure does (a whole figure) move a cue, and not tuned.
 * The count-in numbers (`countInBeats` … `countInFallDb`) were set on the stage development set's six
 * walk-in takes (POP909 001–002 and frontiers, `walkIn` and `all`) from their level traces: a count
 * is four clicks (the one-bar count of a song in four), their spacing within 16 ms of its mean
 * (`countInJitterS` 30 ms, about two and a half frames; a lead-in attack 39 ms off its place is not
 * taken for a click), each falling back 9–51 dB within 50–150 ms while the band's first chord falls
 * 4–6 dB (`countInFallDb` 8); `countInPeakS` 60 ms because the crowd's murmur started the attack of
 * development 002 `all`'s first click 34 ms before the click, which peaked 35–58 ms after it.
 *
 * Tried and not kept (2026-12-07): judging a cue with no attack heard by its moment on a frame heard
 * after the moment (so that a band stopping exactly on the downbeat is heard stopping before the cue
 * goes). On the frame centred 20 ms past it, the stage development set (POP909 001–002 + frontiers)
 * went F1 0.952 → 0.941 and false fires 30 → 35 /h: rendered songs' breaks were caught (19 → 12 /h),
 * but on the recording the follower's moments already trail the cue truth, and the added ~45 ms
 * pushed its unattacked cues past the ±100 ms window (40 → 58 /h). On the frame heard ~8 ms past it
 * (the best of six offsets on that set: 0.954, 27 /h) the held-out pair 022 + time_to_strike went
 * 0.944 → 0.943 and 50 → 52 /h, so the timer still decides at the moment.
 */
export const DEFAULT_POLICY_NUMBERS: PolicyNumbers = {
  fireThreshold: 0.5,
  startAboveFloorDb: 10,
  openingMatchDb: 10,
  startWindowS: 1,
  startLookaheadS: 2,
  defaultPeriodS: 0.5,
  followAgreeBeats: 0.5,
  armLeadS: 2,
  followNearBeats: 1.5,
  followTimingBeats: 0.6,
  networkVeto: 0.1,
  staleMs: 500,
  refireMinMs: 1000,
  lostMatch: 0.75,
  relockMatch: 0.6,
  relockS: 1,
  stallWindowS: 3,
  stallRate: 0.4,
  vampMaxBeats: 20,
  vampExitBeats: 0.5,
  attackBeforeS: 0.06,
  attackAfterS: 0.08,
  breakCueWithinS: 1,
  breakHoldS: 0.5,
  breakMatchS: 1,
  attackPeakFraction: 0.2,
  fallWindowS: 0.1,
  stopDropDb: 4,
  soundingBelowPeakDb: 15,
  openEntryMinS: 1,
  openEntryShare: 0.25,
  countInBeats: 4,
  countInJitterS: 0.03,
  countInFallDb: 8,
  countInPeakS: 0.06,
  countInFallFromS: 0.05,
  countInFallToS: 0.15,
  countInPickupBeats: 1,
};

/** What the policy learned about one department at training time, and why. */
export const deptPolicySchema = z.object({
  /** The network's raw fire output that counts as `fireThreshold` in this department (calibrated on held-out rehearsal data). */
  firePoint: finite.refine((v) => v > 0 && v < 1, 'a fire point between 0 and 1'),
  /**
   * Whether the network's vote is used here. Where it did not beat the score follower alone on the
   * held-out rehearsal data, the department runs on the follower alone and says so.
   */
  useNetwork: z.boolean(),
  /** One line: the held-out figures behind `useNetwork`. */
  why: z.string(),
  /** The cue the rehearsals fire when the music starts (before the beat tracker has its first beat), if any. */
  startCue: z.string().optional(),
});

/** What the policy learned about one department. */
export type DeptPolicy = z.infer<typeof deptPolicySchema>;

/**
 * Upper edges of the follower-certainty bins (certainty = 1 − the follower's match, 0..1) a
 * confidence is calibrated on.
 */
export const CERTAINTY_EDGES: readonly number[] = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0001];

/**
 * How often a follower fire in each certainty bin (`CERTAINTY_EDGES`) was right on the development
 * stage takes, (hits + 1) / (fires + 2) made monotone: `bench/stageReliability.ts --dev` (POP909
 * 001–002, every stage condition, 1,115 fires; 2026-12-06). The prior a show's own held-out
 * rehearsal counts update (`calibrateFollower`). Never measured on held-out songs.
 */
export const FOLLOWER_HIT_PRIOR: readonly number[] = [0.591, 0.591, 0.925, 0.945, 0.985, 0.985, 0.985];

/** How many fires the prior weighs in each bin: a bin with many more of the show's own fires reads those. */
export const FOLLOWER_PRIOR_FIRES = 20;

/**
 * Per certainty bin, the confidence a follower proposal carries: the show's own counts of fires and
 * hits on held-out rehearsal takes, each bin pulled towards `FOLLOWER_HIT_PRIOR` by
 * `FOLLOWER_PRIOR_FIRES` fires, then made non-decreasing in certainty (weighted pool-adjacent-violators:
 * a surer follower is never worth less).
 */
export function calibrateFollower(fires: readonly number[], hits: readonly number[]): number[] {
  const k = FOLLOWER_PRIOR_FIRES;
  const rate = CERTAINTY_EDGES.map((_, i) => ((hits[i] ?? 0) + k * FOLLOWER_HIT_PRIOR[i]!) / ((fires[i] ?? 0) + k));
  return nonDecreasing(rate, CERTAINTY_EDGES.map((_, i) => (fires[i] ?? 0) + k));
}

/** The weighted least-squares non-decreasing fit of `values` (pool adjacent violators). */
export function nonDecreasing(values: readonly number[], weights: readonly number[]): number[] {
  const blocks: { value: number; weight: number; size: number }[] = [];
  values.forEach((value, i) => {
    blocks.push({ value, weight: weights[i]!, size: 1 });
    while (blocks.length > 1 && blocks[blocks.length - 2]!.value > blocks[blocks.length - 1]!.value) {
      const b = blocks.pop()!;
      const a = blocks[blocks.length - 1]!;
      const weight = a.weight + b.weight;
      a.value = (a.value * a.weight + b.value * b.weight) / weight;
      a.weight = weight;
      a.size += b.size;
    }
  });
  return blocks.flatMap((b) => Array.from({ length: b.size }, () => b.value));
}

/**
 * The follower's calibration: per certainty bin, how many of the model's fires (in departments that
 * run on the follower alone) on held-out rehearsal takes came at that certainty, how many were right
 * (a cue of the department within ±100 ms), and the confidence a proposal made at that certainty
 * carries (`calibrateFollower`, stored so a model reads the same whatever the code's prior becomes).
 */
export const confidenceTableSchema = z.object({
  edges: z.array(finite).min(1).max(50),
  fires: z.array(z.number().int().nonnegative()).max(50),
  hits: z.array(z.number().int().nonnegative()).max(50),
  confidence: z.array(fraction).max(50),
  /** Which takes it was made on. */
  on: z.string(),
}).refine(
  (t) => t.fires.length === t.edges.length && t.hits.length === t.edges.length && t.confidence.length === t.edges.length && t.hits.every((h, i) => h <= t.fires[i]!),
  'one count of fires and hits and one confidence per bin, hits no more than fires',
);

/** The follower's calibration. */
export type ConfidenceTable = z.infer<typeof confidenceTableSchema>;

/** The follower's certainty for a match (0: the live sounds just like the rehearsal there): 1 − match, within 0..1; 0 without one. */
export function certaintyOf(match: number | undefined): number {
  return match === undefined || Number.isNaN(match) ? 0 : Math.min(1, Math.max(0, 1 - match));
}

/** The calibrated confidence of a follower proposal made at `certainty` (see `confidenceTableSchema`). */
export function calibratedFollowerConfidence(table: ConfidenceTable, certainty: number): number {
  let i = table.edges.findIndex((edge) => certainty < edge);
  if (i < 0) i = table.edges.length - 1;
  return table.confidence[i] ?? 0;
}

/** The policy as stored in a model folder (`precue-model.json`'s `policy`). */
export const storedPolicySchema = z.object({
  version: z.number().int().positive(),
  numbers: policyNumbersSchema,
  depts: z.record(z.string(), deptPolicySchema),
  /** The follower's calibration on held-out rehearsal data (absent: the follower's proposals read 100%). */
  confidence: confidenceTableSchema.optional(),
});

/** The policy as stored in a model folder. */
export type StoredPolicy = z.infer<typeof storedPolicySchema>;
