/** Synthetic alignment vectors for the follower tests: "notes", random unit vectors each held for a few hops. */
import { ALIGN_DIMS } from '../../../engine/core/model/alignment.js';
import { seededRandom } from '../../../engine/core/model/dataset.js';

/** `n` hops of notes (a new random unit vector every `hold` hops), `ALIGN_DIMS` values a hop. */
export function noteVectors(n: number, seed: number, hold = 6): Float32Array {
  const rand = seededRandom(seed);
  const out = new Float32Array(n * ALIGN_DIMS);
  let note = new Float32Array(ALIGN_DIMS);
  for (let i = 0; i < n; i++) {
    if (i % hold === 0) {
      note = Float32Array.from({ length: ALIGN_DIMS }, () => rand());
      const norm = Math.hypot(...note);
      for (let k = 0; k < ALIGN_DIMS; k++) note[k]! /= norm;
    }
    out.set(note, i * ALIGN_DIMS);
  }
  return out;
}
