/**
 * The frame clock: ticks at the DMX rate with the scheduler's time, so live (wall clock) and offline
 * (virtual clock) runs ask playback for frames the same way.
 */
import { asyncScheduler, interval, map, type Observable, type SchedulerLike } from 'rxjs';
import { type Playback, type PlaybackFrame } from './playback.js';

/** DMX refresh rate Precue renders at by default. */
export const DEFAULT_FRAME_RATE_HZ = 44;

/** Emits the scheduler's now (ms) every 1/rateHz seconds. */
export function frameClock(rateHz: number = DEFAULT_FRAME_RATE_HZ, scheduler: SchedulerLike = asyncScheduler): Observable<number> {
  return interval(1000 / rateHz, scheduler).pipe(map(() => scheduler.now()));
}

/** Playback frames at `rateHz`. Each emission reuses the same buffers: consume it before the next. */
export function playbackFrames(
  playback: Playback,
  rateHz: number = DEFAULT_FRAME_RATE_HZ,
  scheduler: SchedulerLike = asyncScheduler,
): Observable<PlaybackFrame> {
  return frameClock(rateHz, scheduler).pipe(map((t) => playback.frame(t)));
}
