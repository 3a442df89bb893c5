/**
 * One song's rehearsal takes analysed together. Each take's grid is decoded offline on its own first
 * (`core/audio/offlineGrid.ts`); where takes of the same music disagree on the tempo's metrical level —
 * one at 50 BPM, another at 97 — one of them has taken half (or double, or 3:2) the beat, and its grid
 * would pull the live tracker to that level whenever the follower prefers that take. A band does not
 * change the level of its beat between rehearsals, so the takes choose one together: for each level a
 * take was decoded at, every take is decoded again with its beats held to that level, and the level
 * under which all the takes' paths are most probable (the decoder's own log-probabilities, summed)
 * wins. A take decoded at another level takes its path at the chosen one.
 *
 * Takes are the same music when one follows the other as closely as the prior trusts a follower
 * (`sameMusic`); takes of different songs keep their own tempi. Levels are compared in one take's
 * time (the follower's tempo ratio), so a band a little faster one night is not on another level.
 */
import { decodeBarPointerScored, type DecodedBeat, type ScoredDecode } from '../audio/barPointer.js';
import { BEAT_FPS } from '../audio/beatFrames.js';
import type { BeatGrid } from '../audio/beatGrid.js';
import type { BarNetModel } from '../audio/barNet.js';
import type { BeatNetModel } from '../audio/beatNet.js';
import { SHIPPED_BEAT_NET } from '../audio/beatNetWeights.js';
import { barPointerTuningFor } from '../audio/learnedTracker.js';
import { gridEvidence, gridOfBeats, type GridEvidence } from '../audio/offlineGrid.js';
import { defaultListeningSettings, type ListeningSettings } from '../audio/types.js';
import { ALIGN_DIMS, OnlineAligner } from '../model/alignment.js';
import { defaultRehearsalPriorTuning } from './rehearsalPrior.js';

/**
 * Two tempi within this ratio are one metrical level (a band a little faster, a tempo step within a
 * take); 3:2 (1.5) and 2:1 apart are not. A level's decode may move within this ratio of it.
 */
export const TEMPO_LEVEL_RATIO = 1.3;

/** A rehearsal take: its mono samples and its alignment vectors (`AlignmentFeatures`, as the prior follows them). */
export interface SongTake {
  readonly name: string;
  readonly samples: Float32Array;
  readonly sampleRate: number;
  readonly vectors: Float32Array;
  readonly times: Float32Array;
}

/** A take's grid, and a line when the takes' agreement changed it. */
export interface SongGrid {
  readonly grid: BeatGrid;
  readonly note?: string;
}

/** Median tempo of decoded beats (BPM; NaN with fewer than two). */
export function decodedBpm(beats: readonly DecodedBeat[]): number {
  const iv = beats
    .slice(1)
    .map((b, i) => b.frame - beats[i]!.frame)
    .sort((a, b) => a - b);
  return iv.length === 0 ? Number.NaN : (60 * BEAT_FPS) / iv[Math.floor(iv.length / 2)]!;
}

/**
 * How `live` follows `ref`: the score follower's mean cost per hop over the whole take (validation
 * renders: two rehearsals of one song 0.07–0.14, takes of different songs 0.17–0.28), and the median
 * of its tempo ratio (live against `ref`) over the take.
 */
export function followTake(ref: Pick<SongTake, 'vectors' | 'times'>, live: Pick<SongTake, 'vectors' | 'times'>): { cost: number; ratio: number } {
  if (ref.times.length < 2 || live.times.length < 2) return { cost: Infinity, ratio: 1 };
  const aligner = new OnlineAligner(ref.vectors, ref.times, []);
  const ratios: number[] = [];
  for (let k = 0; k < live.times.length; k++) {
    aligner.push(live.vectors.subarray(k * ALIGN_DIMS, (k + 1) * ALIGN_DIMS), live.times[k]!);
    if (Number.isFinite(aligner.tempoRatio) && aligner.tempoRatio > 0) ratios.push(aligner.tempoRatio);
  }
  ratios.sort((a, b) => a - b);
  return { cost: aligner.score, ratio: ratios.length > 0 ? ratios[Math.floor(ratios.length / 2)]! : 1 };
}

/**
 * Two takes are one song when each follows the other at most at the cost where the rehearsal prior
 * has its full say (`goodCost`); one way is not enough (a sparse take can be followed through a busy one).
 */
export function sameMusic(a: Pick<SongTake, 'vectors' | 'times'>, b: Pick<SongTake, 'vectors' | 'times'>): boolean {
  const limit = defaultRehearsalPriorTuning.goodCost;
  return followTake(a, b).cost <= limit && followTake(b, a).cost <= limit;
}

const sameLevel = (a: number, b: number): boolean => Math.max(a, b) / Math.min(a, b) < TEMPO_LEVEL_RATIO;

/** Options of `analyzeSongGrids`. */
export interface SongGridOptions {
  /** The beat network (default: the shipped one) and the bar network behind it (`null`: none). */
  readonly model?: BeatNetModel;
  readonly barModel?: BarNetModel | null;
}

/** Every take's grid, the takes of one song agreeing on their beat's level (see the module's comment). */
export function analyzeSongGrids(
  takes: readonly SongTake[],
  settings: Pick<ListeningSettings, 'minBpm' | 'maxBpm' | 'priorBpm' | 'priorWidthOctaves'> = defaultListeningSettings,
  options: SongGridOptions = {},
): SongGrid[] {
  const { model = SHIPPED_BEAT_NET, barModel } = options;
  const tuning = barPointerTuningFor(settings);
  const evidence: GridEvidence[] = takes.map((t) => gridEvidence(t.samples, t.sampleRate, model));
  const own: ScoredDecode[] = evidence.map((e) => decodeBarPointerScored(e.acts, tuning));
  const bpm = own.map((d) => decodedBpm(d.beats));
  const chosen: DecodedBeat[][] = own.map((d) => d.beats);
  const notes: (string | undefined)[] = takes.map(() => undefined);

  // Songs: takes joined where one follows another as closely as the prior trusts a follower.
  const group = takes.map((_, i) => i);
  const root = (i: number): number => (group[i] === i ? i : (group[i] = root(group[i]!)));
  const finite = bpm.map((b) => Number.isFinite(b));
  // Where every take is on one level there is nothing to choose (and nothing to follow).
  const found = bpm.filter((_, i) => finite[i]);
  if (found.length < 2 || found.every((b) => sameLevel(b, found[0]!))) return chosen.map((beats, i) => ({ grid: gridOfBeats(evidence[i]!, beats, model, barModel) }));
  for (let i = 0; i < takes.length; i++) {
    for (let j = i + 1; j < takes.length; j++) {
      if (!finite[i] || !finite[j] || root(i) === root(j)) continue;
      if (sameMusic(takes[i]!, takes[j]!)) group[root(j)] = root(i);
    }
  }
  const songs = new Map<number, number[]>();
  takes.forEach((_, i) => songs.set(root(i), [...(songs.get(root(i)) ?? []), i]));

  for (const members of songs.values()) {
    if (members.length < 2) continue;
    // Each take's tempo in its song's first take's time (a band a little faster one night is on the same level).
    const first = members[0]!;
    const ratio = new Map(members.map((i) => [i, i === first ? 1 : followTake(takes[first]!, takes[i]!).ratio]));
    const level = (i: number): number => bpm[i]! / ratio.get(i)!;
    const levels: number[] = [];
    for (const i of members) if (!levels.some((l) => sameLevel(l, level(i)))) levels.push(level(i));
    if (levels.length < 2) continue;
    const held = new Map<string, ScoredDecode>();
    const at = (i: number, l: number): ScoredDecode => {
      if (sameLevel(level(i), l)) return own[i]!;
      const key = `${i}@${l}`;
      let d = held.get(key);
      if (d === undefined) {
        const here = l * ratio.get(i)!;
        d = decodeBarPointerScored(evidence[i]!.acts, tuning, [here / TEMPO_LEVEL_RATIO, here * TEMPO_LEVEL_RATIO]);
        held.set(key, d);
      }
      return d;
    };
    let best = levels[0]!;
    let bestScore = -Infinity;
    for (const l of levels) {
      const score = members.reduce((s, i) => s + at(i, l).logProb, 0);
      if (score > bestScore) {
        bestScore = score;
        best = l;
      }
    }
    const agreeing = members.filter((i) => sameLevel(level(i), best)).map((i) => takes[i]!.name);
    for (const i of members) {
      const d = at(i, best);
      if (d === own[i] || d.beats.length < 2) continue;
      chosen[i] = d.beats;
      notes[i] =
        `${takes[i]!.name}: decoded alone at ${bpm[i]!.toFixed(1)} BPM, a level its song's other takes (${agreeing.join(', ')}) do not share; ` +
        `decoded again at theirs (${decodedBpm(d.beats).toFixed(1)} BPM), under which the takes together are likelier`;
    }
  }
  return chosen.map((beats, i) => {
    const grid = gridOfBeats(evidence[i]!, beats, model, barModel);
    const note = notes[i];
    return note === undefined ? { grid } : { grid, note };
  });
}
