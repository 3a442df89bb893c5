/** Overall F1 (±100 ms) of several takes' fires: the figure the fire threshold is calibrated on. */
import { poolTakes, type TimedCue } from './metrics.js';

/** Pooled F1 at ±100 ms over takes. */
export function evaluateFires(takes: readonly { fired: readonly TimedCue[]; expected: readonly TimedCue[]; durationS: number }[], depts: readonly string[]): number {
  return poolTakes(takes, depts).overall.f1;
}
