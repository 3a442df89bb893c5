/**
 * Beat-tracking evaluation as in mir_eval: F-measure with a ±70 ms window (each reference beat matched
 * to at most one estimate), beats in the first `skipS` seconds of both lists ignored.
 */

/** Precision, recall and F-measure of one track. */
export interface FScore {
  readonly f: number;
  readonly precision: number;
  readonly recall: number;
  readonly matched: number;
  readonly estimated: number;
  readonly reference: number;
}

/** The tolerance of a beat (mir_eval's default): ±70 ms. */
export const BEAT_WINDOW_S = 0.07;

/** F-measure of `estimated` against `reference` times (seconds). Greedy one-to-one matching in time order. */
export function fMeasure(reference: readonly number[], estimated: readonly number[], windowS = BEAT_WINDOW_S, skipS = 5): FScore {
  const ref = reference.filter((t) => t >= skipS).sort((a, b) => a - b);
  const est = estimated.filter((t) => t >= skipS).sort((a, b) => a - b);
  if (ref.length === 0 && est.length === 0) return { f: 1, precision: 1, recall: 1, matched: 0, estimated: 0, reference: 0 };
  // Maximum matching on an interval graph: greedy by time is optimal when windows do not overlap
  // pairs ambiguously; at ±70 ms and beat spacing ≥ 250 ms it is exact.
  let i = 0;
  let j = 0;
  let matched = 0;
  while (i < ref.length && j < est.length) {
    const d = est[j]! - ref[i]!;
    if (Math.abs(d) <= windowS) {
      matched++;
      i++;
      j++;
    } else if (d < 0) j++;
    else i++;
  }
  const precision = est.length > 0 ? matched / est.length : 0;
  const recall = ref.length > 0 ? matched / ref.length : 0;
  const f = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { f, precision, recall, matched, estimated: est.length, reference: ref.length };
}

/** Mean of a list (0 for an empty list). */
export const mean = (xs: readonly number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
