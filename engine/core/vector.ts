/** Small vector helpers shared by the listening and learning stages. */

/** Cosine similarity of two equal-length vectors; 1 when either is all zeros (no change to measure). */
export function cosine(a: Float64Array, b: Float64Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 1;
}

/**
 * Largest value of a list of any length, at least `floor`. `Math.max(...xs)` puts every element on
 * the stack and throws a RangeError past about 10⁵ of them (a 25-minute recording's flux envelope).
 */
export function maxOf(xs: ArrayLike<number>, floor = -Infinity): number {
  let m = floor;
  for (let i = 0; i < xs.length; i++) if (xs[i]! > m) m = xs[i]!;
  return m;
}

/** Appends every item of `items` to `out` without spreading them over the stack. */
export function pushAll<T>(out: T[], items: Iterable<T>): T[] {
  for (const x of items) out.push(x);
  return out;
}
