/**
 * Distinct fixture looks, interned once for the whole show, so a cue stores one number per fixture
 * instead of a full slot vector.
 */
import { SLOT_INTENSITY, SLOTS_PER_FIXTURE } from './slots.js';

/** The look id of the blank state: dark, nothing else set. */
export const BLANK_LOOK = 0;

/**
 * Every distinct fixture look of a show (SLOTS_PER_FIXTURE slot values each), interned once, so a
 * cue stores one number per fixture instead of a full slot vector: a wash of a hundred pars in one
 * colour is one entry however many cues track it. Look 0 is the blank look (`BLANK_LOOK`).
 */
export class LookTable {
  private buf = new Float64Array(SLOTS_PER_FIXTURE * 64);
  private count = 0;
  private readonly ids = new Map<string, number>();

  constructor() {
    const blank = new Float64Array(SLOTS_PER_FIXTURE).fill(NaN);
    blank[SLOT_INTENSITY] = 0;
    this.intern(blank);
  }

  /** The slot values of every look, look id × SLOTS_PER_FIXTURE first (the array is replaced as it grows). */
  get data(): Float64Array {
    return this.buf;
  }

  /** Number of distinct looks. */
  get size(): number {
    return this.count;
  }

  /** The id of the look in `slots[base .. base + SLOTS_PER_FIXTURE)`, adding it if new. */
  intern(slots: Float64Array, base = 0): number {
    let key = '';
    for (let k = 0; k < SLOTS_PER_FIXTURE; k++) key += `${slots[base + k]!},`;
    const known = this.ids.get(key);
    if (known !== undefined) return known;
    if ((this.count + 1) * SLOTS_PER_FIXTURE > this.buf.length) {
      const bigger = new Float64Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    const id = this.count++;
    for (let k = 0; k < SLOTS_PER_FIXTURE; k++) this.buf[id * SLOTS_PER_FIXTURE + k] = slots[base + k]!;
    this.ids.set(key, id);
    return id;
  }

  /** Copies look `id` into `out` at `base`. */
  copy(id: number, out: Float64Array, base = 0): void {
    const from = id * SLOTS_PER_FIXTURE;
    for (let k = 0; k < SLOTS_PER_FIXTURE; k++) out[base + k] = this.buf[from + k]!;
  }

  /** Expands per-fixture look ids into a slot array (fixture-major). */
  expand(looks: ArrayLike<number>, out: Float64Array): void {
    for (let f = 0; f < looks.length; f++) this.copy(looks[f]!, out, f * SLOTS_PER_FIXTURE);
  }
}
