/**
 * SMPTE timecode values as MIDI timecode carries them: HH:MM:SS:FF at 24, 25, 29.97 (drop-frame)
 * or 30 frames per second, with conversions to seconds and frame counts.
 */
import { InputError } from '../errors.js';

/** Frame rates MTC can carry. 29.97 means 30 drop-frame. */
export type TimecodeRate = 24 | 25 | 29.97 | 30;

/** A timecode position. */
export interface Timecode {
  readonly hours: number;
  readonly minutes: number;
  readonly seconds: number;
  readonly frames: number;
  readonly rate: TimecodeRate;
}

/** The MTC rate code (0..3) of a rate. */
export function rateCode(rate: TimecodeRate): number {
  switch (rate) {
    case 24:
      return 0;
    case 25:
      return 1;
    case 29.97:
      return 2;
    case 30:
      return 3;
  }
}

/** The rate of an MTC rate code (0..3). */
export function rateFromCode(code: number): TimecodeRate {
  const rates: readonly TimecodeRate[] = [24, 25, 29.97, 30];
  const r = rates[code & 3];
  return r ?? 30;
}

/** Nominal (integer) frames per second: 30 for 29.97 drop-frame. */
export function nominalFps(rate: TimecodeRate): number {
  return rate === 29.97 ? 30 : rate;
}

/** Checks field ranges (and drop-frame's missing frame numbers); throws InputError. */
export function validateTimecode(tc: Timecode): Timecode {
  const fps = nominalFps(tc.rate);
  const ok = (v: number, max: number): boolean => Number.isInteger(v) && v >= 0 && v <= max;
  if (!ok(tc.hours, 23) || !ok(tc.minutes, 59) || !ok(tc.seconds, 59) || !ok(tc.frames, fps - 1)) {
    throw new InputError('timecode', `${formatTimecode(tc)} is out of range at ${tc.rate} fps`);
  }
  if (tc.rate === 29.97 && tc.seconds === 0 && tc.frames < 2 && tc.minutes % 10 !== 0) {
    throw new InputError('timecode', `${formatTimecode(tc)} does not exist in drop-frame timecode`);
  }
  return tc;
}

/** Parses `HH:MM:SS:FF` (or `HH:MM:SS;FF`) at a rate; throws InputError. */
export function parseTimecode(text: string, rate: TimecodeRate): Timecode {
  const m = /^(\d{1,2}):(\d{2}):(\d{2})[:;.](\d{2})$/.exec(text.trim());
  if (m === null) throw new InputError('timecode', `'${text}' is not HH:MM:SS:FF`);
  return validateTimecode({ hours: Number(m[1]), minutes: Number(m[2]), seconds: Number(m[3]), frames: Number(m[4]), rate });
}

/** Formats as `HH:MM:SS:FF` (`;` before the frames for drop-frame). */
export function formatTimecode(tc: Timecode): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(tc.hours)}:${p(tc.minutes)}:${p(tc.seconds)}${tc.rate === 29.97 ? ';' : ':'}${p(tc.frames)}`;
}

/** Frames since 00:00:00:00 (drop-frame aware). */
export function timecodeToFrames(tc: Timecode): number {
  const fps = nominalFps(tc.rate);
  const total = ((tc.hours * 60 + tc.minutes) * 60 + tc.seconds) * fps + tc.frames;
  if (tc.rate !== 29.97) return total;
  const totalMinutes = tc.hours * 60 + tc.minutes;
  return total - 2 * (totalMinutes - Math.floor(totalMinutes / 10));
}

/** Real frames per second (29.97 = 30000/1001). */
export function realFps(rate: TimecodeRate): number {
  return rate === 29.97 ? 30000 / 1001 : rate;
}

/** Seconds since 00:00:00:00. */
export function timecodeToSeconds(tc: Timecode): number {
  return timecodeToFrames(tc) / realFps(tc.rate);
}

/** The timecode of a frame count (wraps at 24 hours). */
export function framesToTimecode(frameCount: number, rate: TimecodeRate): Timecode {
  const fps = nominalFps(rate);
  let f = Math.max(0, Math.floor(frameCount));
  if (rate === 29.97) {
    const perTenMinutes = 17982; // 10 * 60 * 30 - 9 * 2
    const perMinute = 1798; // 60 * 30 - 2
    f %= perTenMinutes * 6 * 24;
    const tens = Math.floor(f / perTenMinutes);
    const rem = f % perTenMinutes;
    f += 18 * tens + (rem > 2 ? 2 * Math.floor((rem - 2) / perMinute) : 0);
  } else {
    f %= fps * 86400;
  }
  const frames = f % fps;
  const totalSeconds = Math.floor(f / fps);
  return {
    hours: Math.floor(totalSeconds / 3600) % 24,
    minutes: Math.floor(totalSeconds / 60) % 60,
    seconds: totalSeconds % 60,
    frames,
    rate,
  };
}

/** The timecode at `seconds` since 00:00:00:00. */
export function secondsToTimecode(seconds: number, rate: TimecodeRate): Timecode {
  return framesToTimecode(Math.floor(seconds * realFps(rate) + 1e-9), rate);
}
