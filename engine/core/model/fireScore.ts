/** F1 (±100 ms) of several takes' fires: the figure the fire thresholds are calibrated on. */
import { poolTakes, type TimedCue } from './metrics.js';

/** Pooled F1 (±100 ms) of one department over takes: what its fire point is calibrated on. */
export function evaluateDeptFires(takes: readonly { fired: readonly TimedCue[]; expected: readonly TimedCue[]; durationS: number }[], depts: readonly string[], dept: string): number {
  return poolTakes(takes, depts).depts[dept]?.f1 ?? 0;
}
