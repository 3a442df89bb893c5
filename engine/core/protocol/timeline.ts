/**
 * The timeline in the console protocol: the show against the music, per department, on the engine
 * clock — where the rehearsal put each cue, what the model predicted and how sure it was, what fired
 * and who fired it, and the bars the beat tracker counted. The engine keeps the whole run (bounded),
 * so a console can scroll live during the show and scrub back through it afterwards.
 *
 * Rehearsal positions are the take's own times from audio time 0: exact when the engine plays that
 * take (a file source, looping or not); a live input would need the score follower's position to
 * place them, which this timeline does not carry yet (`rehearsal` is then null).
 */
import { z } from 'zod';
import { cueNumberSchema, deptIdSchema } from './ids.js';

/** Longest lists a timeline keeps; the oldest entries go first (counted in `dropped`). */
export const TIMELINE_LIMITS = { bars: 10_000, fires: 5_000, predictions: 5_000 } as const;

const source = z.enum(['operator', 'keyboard', 'model', 'follow', 'timecode', 'osc', 'msc', 'midi', 'system']);

/** A cue that fired. */
export const timelineFireSchema = z.strictObject({
  atMs: z.number(),
  dept: deptIdSchema,
  cue: cueNumberSchema,
  /** Who or what fired it; `follow` for an auto-follow or auto-continue. */
  source,
  /** The console user or device, when a person fired it. */
  who: z.string().max(120).nullable(),
  /** The prediction's confidence behind a model fire. */
  confidence: z.number().min(0).max(1).nullable(),
});
/** A cue that fired. */
export type TimelineFire = z.infer<typeof timelineFireSchema>;

/**
 * One prediction, from when the model first proposed the cue until it stopped proposing it (it fired,
 * or the model changed its mind): where it last placed the fire, and how sure it was.
 */
export const timelinePredictionSchema = z.strictObject({
  /** Stable while the episode runs: later updates replace the entry with the same id. */
  id: z.number().int().nonnegative(),
  dept: deptIdSchema,
  cue: cueNumberSchema,
  firstMs: z.number(),
  lastMs: z.number(),
  /** Where the model last placed the fire (engine ms). */
  fireAtMs: z.number(),
  confidence: z.number().min(0).max(1),
  /** Highest confidence it reached. */
  peak: z.number().min(0).max(1),
  /** The arbiter armed it at some point. */
  armed: z.boolean(),
  /** Still being proposed. */
  open: z.boolean(),
});
/** One prediction episode. */
export type TimelinePrediction = z.infer<typeof timelinePredictionSchema>;

/** A downbeat: engine ms and its bar number (1-based, as the beat tracker counts). */
export const barSampleSchema = z.tuple([z.number(), z.number().int()]);

/** The rehearsal take the engine plays: its name, length, whether it loops, and its cues (its own seconds). */
export const timelineRehearsalSchema = z.strictObject({
  name: z.string().max(200),
  durationS: z.number().nonnegative(),
  /** The take repeats from its start after `durationS` (a looping file source). */
  loop: z.boolean(),
  cues: z.array(z.strictObject({ t: z.number(), dept: deptIdSchema, cue: cueNumberSchema })).max(20_000),
});

/** The whole timeline, sent in `init`. */
export const timelineStateSchema = z.strictObject({
  /** Engine ms of audio time 0, or null when the engine hears no audio. */
  audioStartMs: z.number().nullable(),
  rehearsal: timelineRehearsalSchema.nullable(),
  bars: z.array(barSampleSchema).max(TIMELINE_LIMITS.bars),
  fires: z.array(timelineFireSchema).max(TIMELINE_LIMITS.fires),
  predictions: z.array(timelinePredictionSchema).max(TIMELINE_LIMITS.predictions),
  /** Entries dropped from the front of the lists to stay within `TIMELINE_LIMITS`. */
  dropped: z.number().int().nonnegative(),
});
/** The whole timeline. */
export type TimelineState = z.infer<typeof timelineStateSchema>;

/** What changed on the timeline: entries appended, prediction episodes added or updated (by id). */
export const timelineDeltaSchema = z.strictObject({
  bars: z.array(barSampleSchema).max(10_000).optional(),
  fires: z.array(timelineFireSchema).max(10_000).optional(),
  predictions: z.array(timelinePredictionSchema).max(10_000).optional(),
});
/** What changed on the timeline. */
export type TimelineDelta = z.infer<typeof timelineDeltaSchema>;

function bounded<T>(list: readonly T[], add: readonly T[] | undefined, limit: number): { list: T[]; dropped: number } {
  if (add === undefined || add.length === 0) return { list: list as T[], dropped: 0 };
  const next = [...list, ...add];
  const over = Math.max(0, next.length - limit);
  return { list: over > 0 ? next.slice(over) : next, dropped: over };
}

/** The timeline with a delta folded in (a new object; the input is not changed). */
export function applyTimelineDelta(state: TimelineState, delta: TimelineDelta): TimelineState {
  const bars = bounded(state.bars, delta.bars, TIMELINE_LIMITS.bars);
  const fires = bounded(state.fires, delta.fires, TIMELINE_LIMITS.fires);
  let predictions = state.predictions;
  let dropped = bars.dropped + fires.dropped;
  if (delta.predictions !== undefined && delta.predictions.length > 0) {
    const byId = new Map(delta.predictions.map((p) => [p.id, p]));
    predictions = predictions.map((p) => byId.get(p.id) ?? p);
    const known = new Set(state.predictions.map((p) => p.id));
    const added = bounded(predictions, delta.predictions.filter((p) => !known.has(p.id)), TIMELINE_LIMITS.predictions);
    predictions = added.list;
    dropped += added.dropped;
  }
  return { ...state, bars: bars.list, fires: fires.list, predictions, dropped: state.dropped + dropped };
}
