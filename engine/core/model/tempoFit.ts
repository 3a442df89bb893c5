/**
 * Learning a show's tempo from its rehearsals. A generic beat tracker confuses metrical levels (a
 * 132 BPM song tracked at 88, three beats for every two) and on such a song no cue lands on a beat.
 * The rehearsals settle it: their cues sit on the music's beats, so the tempo range in which the
 * tracker's predicted beats carry the most rehearsal cues is the song's. Training listens to the
 * rehearsals once per candidate range (`TEMPO_CANDIDATES_BPM`), scores each with `cueBeatFit`, and
 * `chooseTempo` turns the best into the range the show is tracked in (wide enough for a performance
 * a few percent off the rehearsal's tempo).
 */
import type { Beat } from '../audio/types.js';
import type { TimedCue } from './metrics.js';

/** Tempo analysis settings a model carries into the listening stage. */
export interface TempoRange {
  readonly minBpm: number;
  readonly maxBpm: number;
  readonly priorBpm: number;
  readonly priorWidthOctaves: number;
}

/** Ratio between neighbouring candidates (a fifth of an octave). */
const STEP = 2 ** (1 / 5);
/** Each candidate's range reaches this factor either side of its centre, so neighbours overlap. */
const CANDIDATE_SPAN = 1.12;
/** The chosen range's span either side of the rehearsals' tempo: ±7 % performance changes, ±3 % rehearsal spread. */
const SHOW_SPAN = 1.13;
/** Width of the prior inside a range (octaves): nearly flat, the range does the work. */
const PRIOR_WIDTH_OCTAVES = 0.15;

/** Centres of the candidate ranges, 56–170 BPM a fifth of an octave apart. */
export const TEMPO_CANDIDATES_BPM: readonly number[] = Array.from({ length: 9 }, (_, i) => Math.round(56 * STEP ** i * 10) / 10);

/** The candidate range around `bpm`. */
export function candidateRange(bpm: number): TempoRange {
  return { minBpm: bpm / CANDIDATE_SPAN, maxBpm: bpm * CANDIDATE_SPAN, priorBpm: bpm, priorWidthOctaves: PRIOR_WIDTH_OCTAVES };
}

/** How one candidate range did on the rehearsals. */
export interface TempoTrial {
  readonly range: TempoRange;
  /** Per rehearsal: fraction of its cues with a predicted beat within the window (`cueBeatFit`). */
  readonly fits: readonly number[];
  /** Per rehearsal: the median tempo of its tracked beats. */
  readonly bpms: readonly number[];
}

/**
 * Fraction of `cues` (distinct times) that have a beat predicted within `windowS` of them: each
 * beat's `nextBeatT`, which is where the model puts a fire. 0 when there are no cues.
 */
export function cueBeatFit(beats: readonly Beat[], cues: readonly TimedCue[], windowS = 0.07): number {
  const times = [...new Set(cues.map((c) => c.t))].sort((a, b) => a - b);
  if (times.length === 0) return 0;
  const predicted = beats.map((b) => b.nextBeatT).sort((a, b) => a - b);
  let hit = 0;
  let k = 0;
  for (const t of times) {
    while (k < predicted.length && predicted[k]! < t - windowS) k++;
    if (k < predicted.length && predicted[k]! <= t + windowS) hit++;
  }
  return hit / times.length;
}

/** Median tempo of the beats (0 when there are none). */
export function medianBpm(beats: readonly Beat[]): number {
  const v = beats.map((b) => b.bpm).filter((x) => x > 0).sort((a, b) => a - b);
  return v.length === 0 ? 0 : v[Math.floor(v.length / 2)]!;
}

/** What `chooseTempo` decided, with the evidence. */
export interface TempoChoice {
  /** The range the show is tracked in, or undefined when no candidate beat the tracker's defaults. */
  readonly range: TempoRange | undefined;
  /** Mean cue fit of the chosen trial and of the defaults. */
  readonly fit: number;
  readonly defaultFit: number;
  /** The rehearsals' tempo in the chosen trial (BPM). */
  readonly bpm: number;
}

/**
 * Picks the candidate whose beats carry the most rehearsal cues (mean over the rehearsals). Within
 * 0.02 of the best, the candidate nearer 100 BPM wins (double and half tempo carry the same cues).
 * The result is centred on the rehearsals' median tracked tempo in that trial. When the rehearsals
 * disagree by more than the span (different songs) or nothing beats the defaults by 0.02, no range is
 * learned and the tracker keeps its defaults.
 */
export function chooseTempo(trials: readonly TempoTrial[], defaultFits: readonly number[]): TempoChoice {
  const mean = (v: readonly number[]): number => (v.length === 0 ? 0 : v.reduce((s, x) => s + x, 0) / v.length);
  const defaultFit = mean(defaultFits);
  const scored = trials.map((t) => ({ t, fit: mean(t.fits) }));
  const bestFit = Math.max(0, ...scored.map((s) => s.fit));
  const near = scored.filter((s) => s.fit >= bestFit - 0.02).sort((a, b) => Math.abs(Math.log2(a.t.range.priorBpm / 100)) - Math.abs(Math.log2(b.t.range.priorBpm / 100)));
  const pick = near[0];
  if (pick === undefined) return { range: undefined, fit: defaultFit, defaultFit, bpm: 0 };
  const bpms = [...pick.t.bpms].filter((b) => b > 0).sort((a, b) => a - b);
  const bpm = bpms.length === 0 ? pick.t.range.priorBpm : bpms[Math.floor(bpms.length / 2)]!;
  const spread = bpms.length === 0 ? 1 : bpms[bpms.length - 1]! / bpms[0]!;
  if (pick.fit < defaultFit + 0.02 || spread > SHOW_SPAN) return { range: undefined, fit: pick.fit, defaultFit, bpm };
  return { range: showTempoRange(bpm), fit: pick.fit, defaultFit, bpm };
}

/** The range a show given at `bpm` is tracked in (the same span a learned tempo gets). */
export function showTempoRange(bpm: number): TempoRange {
  return { minBpm: bpm / SHOW_SPAN, maxBpm: bpm * SHOW_SPAN, priorBpm: bpm, priorWidthOctaves: PRIOR_WIDTH_OCTAVES };
}
