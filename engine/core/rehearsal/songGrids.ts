/**
 * One song's rehearsal takes analysed together. Each take's grid is decoded offline on its own first
 * (`core/audio/offlineGrid.ts`); where takes of the same music disagree on the tempo's metrical level —
 * one at 50 BPM, another at 97 — one of them has taken half (or double, or 3:2) the beat, and its grid
 * would pull the live tracker to that level whenever the follower prefers that take. A band does not
 * change the level of its beat between rehearsals, so the takes choose one together: for each level a
 * take was decoded at, every take is decoded again with its beats held to that level, and the level
 * under which all the takes' paths are most probable (log-probabilities summed, under an observation
 * that does not favour slow levels: `LEVEL_JUDGE`) wins. A take decoded at another level is decoded
 * again, by the shipped decoder, held to the chosen one.
 *
 * Takes are the same music when one follows the other as closely as the prior trusts a follower
 * (`sameMusic`); takes of different songs keep their own tempi. Levels are compared in one take's
 * time (the follower's tempo ratio), so a band a little faster one night is not on another level.
 */
import { decodeBarPointerScored, oneFactorPerBeat, type DecodedBeat, type ScoredDecode } from '../audio/barPointer.js';
import { BEAT_FPS } from '../audio/beatFrames.js';
import type { BeatGrid } from '../audio/beatGrid.js';
import type { BarNetModel } from '../audio/barNet.js';
import type { BeatNetModel } from '../audio/beatNet.js';
import { SHIPPED_BEAT_NET } from '../audio/beatNetWeights.js';
import { barPointerTuningFor } from '../audio/learnedTracker.js';
import { gridEvidence, gridOfBeats, heardBeats, type GridEvidence } from '../audio/offlineGrid.js';
import { defaultListeningSettings, type ListeningSettings } from '../audio/types.js';
import { ALIGN_DIMS, OnlineAligner } from '../model/alignment.js';
import { defaultRehearsalPriorTuning } from './rehearsalPrior.js';

/**
 * Two tempi within this ratio are one metrical level (a band a little faster, a tempo step within a
 * take); 3:2 (1.5) and 2:1 apart are not. A level's decode may move within this ratio of it.
 */
export const TEMPO_LEVEL_RATIO = 1.3;

/**
 * The observation the levels are judged with: one factor of evidence per beat whatever its length
 * (`oneFactorPerBeat`). The shipped zones grow with the beat, so a slower level gathers more frames per
 * beat and its path scores higher for it. Validation with two rehearsals played ×1.6, against each
 * take alone: judged with them 0.771 | 0.750 → 0.755 | 0.758, judged with this 0.828 | 0.813 (four
 * songs right, none wrong); an unseen band: one song each way (bench/listener/README.md, "One song's
 * takes agree on a level").
 */
const LEVEL_JUDGE = oneFactorPerBeat;

/** A rehearsal take: its mono samples and its alignment vectors (`AlignmentFeatures`, as the prior follows them). */
export interface SongTake {
  readonly name: string;
  readonly samples: Float32Array;
  readonly sampleRate: number;
  readonly vectors: Float32Array;
  readonly times: Float32Array;
  /**
   * A grid a person stored (or corrected) for this take: kept as it is, and the level its song's other
   * takes are decoded at (where stored grids disagree, the likeliest of theirs).
   */
  readonly grid?: BeatGrid;
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
  const evidence: (GridEvidence | undefined)[] = takes.map((t) => (t.grid === undefined ? gridEvidence(t.samples, t.sampleRate, model) : undefined));
  const own: (ScoredDecode | undefined)[] = evidence.map((e) => (e !== undefined ? decodeBarPointerScored(e.acts, tuning) : undefined));
  const bpm = takes.map((t, i) => (t.grid !== undefined ? gridBpm(t.grid) : decodedBpm(heardBeats(own[i]!.beats, evidence[i]!.acts))));
  const chosen: (DecodedBeat[] | undefined)[] = own.map((d) => d?.beats);
  const notes: (string | undefined)[] = takes.map(() => undefined);
  const result = (): SongGrid[] =>
    takes.map((t, i) => {
      if (t.grid !== undefined) return { grid: t.grid };
      const grid = gridOfBeats(evidence[i]!, chosen[i]!, model, barModel);
      const note = notes[i];
      return note === undefined ? { grid } : { grid, note };
    });

  // Where every take is on one level there is nothing to choose (and nothing to follow).
  const finite = bpm.map((b) => Number.isFinite(b));
  const found = bpm.filter((_, i) => finite[i]);
  if (found.length < 2 || found.every((b) => sameLevel(b, found[0]!))) return result();
  // Songs: takes joined where each follows the other as closely as the prior trusts a follower.
  const group = takes.map((_, i) => i);
  const root = (i: number): number => (group[i] === i ? i : (group[i] = root(group[i]!)));
  for (let i = 0; i < takes.length; i++) {
    for (let j = i + 1; j < takes.length; j++) {
      if (!finite[i] || !finite[j] || root(i) === root(j)) continue;
      if (sameMusic(takes[i]!, takes[j]!)) group[root(j)] = root(i);
    }
  }
  const songs = new Map<number, number[]>();
  takes.forEach((_, i) => {
    if (finite[i]) songs.set(root(i), [...(songs.get(root(i)) ?? []), i]);
  });

  for (const members of songs.values()) {
    if (members.length < 2) continue;
    // Each take's tempo in its song's first take's time (a band a little faster one night is on the same level).
    const first = members[0]!;
    const ratio = new Map(members.map((i) => [i, i === first ? 1 : followTake(takes[first]!, takes[i]!).ratio]));
    const level = (i: number): number => bpm[i]! / ratio.get(i)!;
    // The levels to choose from: a stored grid's, where the song has one; else every take's.
    const stored = members.filter((i) => takes[i]!.grid !== undefined);
    const levels: number[] = [];
    for (const i of stored.length > 0 ? stored : members) if (!levels.some((l) => sameLevel(l, level(i)))) levels.push(level(i));
    const fresh = members.filter((i) => takes[i]!.grid === undefined);
    if (fresh.every((i) => levels.length === 1 && sameLevel(level(i), levels[0]!))) continue;
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
    const judged = (i: number, l: number): number => {
      const here = l * ratio.get(i)!;
      return decodeBarPointerScored(evidence[i]!.acts, { ...tuning, ...LEVEL_JUDGE }, [here / TEMPO_LEVEL_RATIO, here * TEMPO_LEVEL_RATIO]).logProb;
    };
    let best = levels[0]!;
    let bestScore = -Infinity;
    for (const l of levels) {
      const score = fresh.reduce((sum, i) => sum + judged(i, l), 0);
      if (score > bestScore) {
        bestScore = score;
        best = l;
      }
    }
    const names = (xs: number[]): string => xs.map((i) => takes[i]!.name).join(', ');
    const whose =
      stored.length > 0
        ? `its song's stored grid (${names(stored.filter((i) => sameLevel(level(i), best)))}) does not share`
        : `its song's other takes (${names(members.filter((i) => sameLevel(level(i), best)))}) do not share`;
    for (const i of fresh) {
      const d = at(i, best);
      if (d === own[i] || d.beats.length < 2) continue;
      chosen[i] = d.beats;
      notes[i] =
        `${takes[i]!.name}: decoded alone at ${bpm[i]!.toFixed(1)} BPM, a level ${whose}; ` +
        `decoded again at that level (${decodedBpm(d.beats).toFixed(1)} BPM)${stored.length > 0 ? '' : ', under which the takes together are likelier'}`;
    }
  }
  return result();
}

/** Median tempo of a stored grid (BPM; NaN with fewer than two beats). */
function gridBpm(grid: BeatGrid): number {
  const iv = grid.beats
    .slice(1)
    .map((b, i) => b[0] - grid.beats[i]![0])
    .sort((a, b) => a - b);
  return iv.length === 0 ? Number.NaN : 60 / iv[Math.floor(iv.length / 2)]!;
}
