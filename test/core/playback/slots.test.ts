import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sameLook, SLOTS_PER_FIXTURE } from '../../../engine/core/playback/slots.js';

/** The plain definition: every slot equal, NaN ("not set") equal to NaN. */
function reference(s: Float64Array, a: number, b: number): boolean {
  for (let k = 0; k < SLOTS_PER_FIXTURE; k++) if (!Object.is(s[a + k], s[b + k]) && !(s[a + k] === s[b + k])) return false;
  return true;
}

// Values a slot holds: not set, levels, degrees, interned indices, and both zeros (equal as levels).
const slotValue = fc.oneof(fc.constant(NaN), fc.constant(0), fc.constant(-0), fc.constant(1), fc.double({ noNaN: true, min: -540, max: 540 }), fc.integer({ min: 0, max: 5 }));

describe('sameLook', () => {
  it('is true exactly when every one of the 14 slots is equal, NaN equal to NaN', () => {
    fc.assert(
      fc.property(
        fc.array(slotValue, { minLength: SLOTS_PER_FIXTURE, maxLength: SLOTS_PER_FIXTURE }),
        fc.array(fc.record({ k: fc.nat(SLOTS_PER_FIXTURE - 1), v: slotValue }), { maxLength: 2 }),
        fc.nat(3),
        (first, changes, gap) => {
          // Two fixtures in one slot array, the second a copy of the first with up to two slots rewritten.
          const s = new Float64Array(SLOTS_PER_FIXTURE * (2 + gap));
          const b = SLOTS_PER_FIXTURE * (1 + gap);
          first.forEach((v, k) => {
            s[k] = v;
            s[b + k] = v;
          });
          for (const { k, v } of changes) s[b + k] = v;
          expect(sameLook(s, 0, b)).toBe(reference(s, 0, b));
          expect(sameLook(s, b, 0)).toBe(reference(s, 0, b));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('sees a difference in any one slot, the last included', () => {
    for (let k = 0; k < SLOTS_PER_FIXTURE; k++) {
      const s = new Float64Array(2 * SLOTS_PER_FIXTURE).fill(NaN);
      expect(sameLook(s, 0, SLOTS_PER_FIXTURE)).toBe(true);
      s[SLOTS_PER_FIXTURE + k] = 0;
      expect(sameLook(s, 0, SLOTS_PER_FIXTURE), `slot ${k}`).toBe(false);
    }
  });
});
