/**
 * A take's beat grid: every beat of a rehearsal take with its place in the bar, analysed offline
 * (look-ahead allowed) and stored beside the take's cues as `beats.json`. A person corrects it the
 * way DJ software edits a grid — shift by half a beat, double or halve the tempo, move the downbeat,
 * change the meter, nudge — and the live tracker uses the rehearsals' grids, through the score
 * follower, as its prior on tempo, meter and phase (`core/rehearsal/rehearsalPrior.ts`).
 *
 * The file (version 1):
 *   { "version": 1, "source": "learned listener-… (offline Viterbi)", "edits": ["double", …],
 *     "beats": [[t, beatInBar], …] }
 * `t` in seconds from the start of the take's audio, increasing; `beatInBar` 0-based (0 = downbeat).
 */
import { z } from 'zod';

/** The grid file version this build reads and writes. */
export const BEAT_GRID_VERSION = 1;
/** File name of a take's grid. */
export const BEAT_GRID_FILE = 'beats.json';

/** One beat: time (s) and 0-based position in the bar. */
export type GridBeat = readonly [t: number, beatInBar: number];

/** The validator of a grid file (a type and its validator together). */
export const beatGridSchema = z
  .object({
    version: z.literal(BEAT_GRID_VERSION),
    source: z.string().describe('What made the grid (tracker and model version)'),
    edits: z.array(z.string()).describe('Corrections applied since the analysis, in order'),
    beats: z
      .array(z.tuple([z.number().finite().min(0), z.number().int().min(0).max(15)]))
      .describe('[time in seconds, 0-based beat in the bar] per beat, in time order')
      .superRefine((beats, ctx) => {
        for (let i = 1; i < beats.length; i++) {
          if (!(beats[i]![0] > beats[i - 1]![0])) {
            ctx.addIssue({ code: 'custom', path: [i, 0], message: `beat ${i} at ${beats[i]![0]} s is not after beat ${i - 1} at ${beats[i - 1]![0]} s` });
            return;
          }
        }
      }),
  })
  .strict();

/** A take's beat grid. */
export type BeatGrid = z.infer<typeof beatGridSchema>;

/** A grid from beat times and positions. */
export function makeGrid(source: string, beats: readonly GridBeat[], edits: readonly string[] = []): BeatGrid {
  return { version: BEAT_GRID_VERSION, source, edits: [...edits], beats: beats.map(([t, b]) => [Math.round(t * 1000) / 1000, b] as [number, number]) };
}

/** Median beat interval (s) of a grid (0 with fewer than two beats). */
export function gridPeriod(grid: BeatGrid): number {
  const d: number[] = [];
  for (let i = 1; i < grid.beats.length; i++) d.push(grid.beats[i]![0] - grid.beats[i - 1]![0]);
  if (d.length === 0) return 0;
  d.sort((a, b) => a - b);
  return d[Math.floor(d.length / 2)]!;
}

/** Most common beats per bar of a grid (4 when it has no complete bar). */
export function gridMeter(grid: BeatGrid): number {
  const counts = new Map<number, number>();
  let last = -1;
  grid.beats.forEach(([, b], i) => {
    if (b === 0) {
      if (last >= 0) counts.set(i - last, (counts.get(i - last) ?? 0) + 1);
      last = i;
    }
  });
  let best = 4;
  let n = 0;
  for (const [m, c] of counts) if (c > n) [best, n] = [m, c];
  return best;
}

/** Renumbers positions so that beat `first` is a downbeat and every bar has `meter` beats. */
function renumber(times: readonly number[], first: number, meter: number): [number, number][] {
  return times.map((t, i) => [t, (((i - first) % meter) + meter) % meter]);
}

function firstDownbeat(grid: BeatGrid): number {
  const i = grid.beats.findIndex(([, b]) => b === 0);
  return i < 0 ? 0 : i;
}

/** The edits a person can make, as DJ software offers them. */
export type GridEdit =
  | { readonly kind: 'shift-half' }
  | { readonly kind: 'double' }
  | { readonly kind: 'halve' }
  | { readonly kind: 'downbeat'; readonly atS: number }
  | { readonly kind: 'meter'; readonly beatsPerBar: number }
  | { readonly kind: 'nudge'; readonly ms: number };

/** How an edit is written in the grid's `edits` list (and on the command line). */
export function describeEdit(e: GridEdit): string {
  switch (e.kind) {
    case 'shift-half':
    case 'double':
    case 'halve':
      return e.kind;
    case 'downbeat':
      return `downbeat ${e.atS}`;
    case 'meter':
      return `meter ${e.beatsPerBar}`;
    case 'nudge':
      return `nudge ${e.ms}`;
  }
}

/**
 * Applies one edit:
 * - `shift-half`: every beat moves half a beat later (an off-beat grid onto the beat); bar positions stay.
 * - `double`: a beat is added halfway between each pair (half-tempo grid); bars keep their number of
 *   beats, counted from the first downbeat.
 * - `halve`: every other beat, keeping the first downbeat's; bars keep their number of beats.
 * - `downbeat`: the beat nearest `atS` becomes a downbeat; the others are renumbered.
 * - `meter`: bars of `beatsPerBar` beats, counted from the first downbeat.
 * - `nudge`: every beat moves by `ms` milliseconds (beats before 0 are dropped).
 */
export function editGrid(grid: BeatGrid, e: GridEdit): BeatGrid {
  const times = grid.beats.map(([t]) => t);
  const meter = gridMeter(grid);
  const first = firstDownbeat(grid);
  let beats: [number, number][];
  switch (e.kind) {
    case 'shift-half': {
      const period = gridPeriod(grid);
      beats = grid.beats.map(([t, b], i) => [t + ((i + 1 < times.length ? times[i + 1]! - t : period) / 2), b]);
      break;
    }
    case 'double': {
      const out: number[] = [];
      times.forEach((t, i) => {
        out.push(t);
        if (i + 1 < times.length) out.push((t + times[i + 1]!) / 2);
      });
      beats = renumber(out, 2 * first, meter);
      break;
    }
    case 'halve': {
      const kept = times.filter((_, i) => (i - first) % 2 === 0);
      beats = renumber(kept, kept.indexOf(times[first]!), meter);
      break;
    }
    case 'downbeat': {
      let near = 0;
      times.forEach((t, i) => {
        if (Math.abs(t - e.atS) < Math.abs(times[near]! - e.atS)) near = i;
      });
      beats = renumber(times, near, meter);
      break;
    }
    case 'meter': {
      if (!(Number.isInteger(e.beatsPerBar) && e.beatsPerBar >= 1 && e.beatsPerBar <= 16)) throw new RangeError(`a bar has 1 to 16 beats, not ${e.beatsPerBar}`);
      beats = renumber(times, first, e.beatsPerBar);
      break;
    }
    case 'nudge':
      beats = grid.beats.map(([t, b]) => [t + e.ms / 1000, b] as [number, number]).filter(([t]) => t >= 0);
      break;
  }
  return makeGrid(grid.source, beats, [...grid.edits, describeEdit(e)]);
}

/** Where a time falls in a grid: the beat at or before it, the phase to the next beat, the local period. */
export interface GridPosition {
  /** Index of the beat at or before the time (−1 before the first beat). */
  readonly index: number;
  /** 0..1 from that beat to the next. */
  readonly phase: number;
  /** Seconds between that beat and the next. */
  readonly periodS: number;
}

/** Locates `t` in the grid (binary search); undefined outside the grid's first and last beat. */
export function locateInGrid(grid: BeatGrid, t: number): GridPosition | undefined {
  const b = grid.beats;
  if (b.length < 2 || t < b[0]![0] || t >= b[b.length - 1]![0]) return undefined;
  let lo = 0;
  let hi = b.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (b[mid]![0] <= t) lo = mid;
    else hi = mid;
  }
  const periodS = b[lo + 1]![0] - b[lo]![0];
  return { index: lo, phase: (t - b[lo]![0]) / periodS, periodS };
}

/** Beats per bar of the bar that beat `index` belongs to (counted between its downbeats; the grid's meter at the edges). */
export function barLengthAt(grid: BeatGrid, index: number): number {
  const b = grid.beats;
  let start = index;
  while (start > 0 && b[start]![1] !== 0) start--;
  let end = index + 1;
  while (end < b.length && b[end]![1] !== 0) end++;
  if (b[start]![1] !== 0 || end >= b.length) return gridMeter(grid);
  return end - start;
}
