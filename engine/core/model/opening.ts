/**
 * A take's opening: how it sounded in the moments before its first cue. Stored per rehearsal in the
 * model, so the live predictor can tell a show that opens as its rehearsal did (a track starting in
 * silence) from a walk-in (crowd noise before the music).
 */
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

