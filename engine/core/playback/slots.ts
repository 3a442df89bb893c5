/**
 * The level space: every fixture has the same fixed set of numeric attribute slots, laid out
 * fixture-major in flat typed arrays, so a frame is a loop over numbers with no allocation.
 *
 * A slot holds NaN for "not set" (the fixture profile's default applies), except intensity, which
 * is always a number (0 = dark). Discrete attributes (gobo, colour wheel) hold an index into an
 * interned value table and snap rather than fade.
 */
import { type FixtureLook } from '../show/schema.js';

/** Slot offsets within one fixture. */
export const SLOT_INTENSITY = 0;
export const SLOT_RED = 1;
export const SLOT_GREEN = 2;
export const SLOT_BLUE = 3;
export const SLOT_WHITE = 4;
export const SLOT_PAN = 5;
export const SLOT_TILT = 6;
export const SLOT_ZOOM = 7;
export const SLOT_FOCUS = 8;
export const SLOT_GOBO = 9;
export const SLOT_COLOR_WHEEL = 10;
export const SLOT_STROBE = 11;
export const SLOT_HAZE = 12;
export const SLOT_FAN = 13;
/** Number of slots per fixture. */
export const SLOTS_PER_FIXTURE = 14;

/** Attribute families that carry their own times in `attributeTimes`. */
export type AttributeFamily = 'intensity' | 'color' | 'position' | 'beam';

/** Family of each slot offset. */
export const SLOT_FAMILY: readonly AttributeFamily[] = [
  'intensity', 'color', 'color', 'color', 'color', 'position', 'position', 'beam', 'beam', 'beam', 'color', 'beam',
  'beam', 'beam',
];

/** 1 where the slot offset is discrete (snaps instead of fading). */
export const SLOT_DISCRETE: Uint8Array = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0]);

/** Interns discrete attribute values (gobo names or slot numbers, colour wheel names) as numbers. */
export class DiscreteValues {
  private readonly index = new Map<string, number>();
  private readonly values: (string | number)[] = [];

  /** The number standing for `value`. */
  intern(value: string | number): number {
    const key = `${typeof value}:${value}`;
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(value);
      this.index.set(key, i);
    }
    return i;
  }

  /** The value a slot number stands for, or undefined for NaN / unknown. */
  value(i: number): string | number | undefined {
    return Number.isInteger(i) ? this.values[i] : undefined;
  }
}

function hexChannel(hex: string, at: number): number {
  return parseInt(hex.slice(at, at + 2), 16) / 255;
}

/** Writes the attributes a look sets into `slots` at `base` (fixture index × SLOTS_PER_FIXTURE). */
export function writeLook(look: FixtureLook, slots: Float64Array, base: number, discrete: DiscreteValues): void {
  if (look.intensity !== undefined) slots[base + SLOT_INTENSITY] = look.intensity;
  const c = look.color;
  if (c !== undefined) {
    if (typeof c === 'string') {
      slots[base + SLOT_RED] = hexChannel(c, 1);
      slots[base + SLOT_GREEN] = hexChannel(c, 3);
      slots[base + SLOT_BLUE] = hexChannel(c, 5);
      slots[base + SLOT_WHITE] = NaN;
    } else {
      slots[base + SLOT_RED] = c.r;
      slots[base + SLOT_GREEN] = c.g;
      slots[base + SLOT_BLUE] = c.b;
      slots[base + SLOT_WHITE] = c.w ?? NaN;
    }
  }
  if (look.pan !== undefined) slots[base + SLOT_PAN] = look.pan;
  if (look.tilt !== undefined) slots[base + SLOT_TILT] = look.tilt;
  if (look.zoom !== undefined) slots[base + SLOT_ZOOM] = look.zoom;
  if (look.focus !== undefined) slots[base + SLOT_FOCUS] = look.focus;
  if (look.gobo !== undefined) slots[base + SLOT_GOBO] = discrete.intern(look.gobo);
  if (look.colorWheel !== undefined) slots[base + SLOT_COLOR_WHEEL] = discrete.intern(look.colorWheel);
  if (look.strobeHz !== undefined) slots[base + SLOT_STROBE] = look.strobeHz;
  if (look.haze !== undefined) slots[base + SLOT_HAZE] = look.haze;
  if (look.fan !== undefined) slots[base + SLOT_FAN] = look.fan;
}

/** A reusable, mutable look (one per fixture) that a frame refills in place. */
export interface MutableLook {
  intensity?: number;
  color?: { r: number; g: number; b: number; w?: number };
  pan?: number;
  tilt?: number;
  zoom?: number;
  focus?: number;
  gobo?: string | number;
  colorWheel?: string;
  strobeHz?: number;
  haze?: number;
  fan?: number;
}

const num = (v: number | undefined): number | undefined => (v === undefined || Number.isNaN(v) ? undefined : v);

/**
 * Fills `look` from the slots at `base`, reusing `color` (no allocation once every fixture has had a
 * colour). Unset slots become `undefined`, so the profile's defaults apply.
 */
export function readLook(
  slots: Float64Array,
  base: number,
  discrete: DiscreteValues,
  look: MutableLook,
  color: { r: number; g: number; b: number; w?: number },
): void {
  const i = slots[base + SLOT_INTENSITY]!;
  look.intensity = i > 0 ? (i < 1 ? i : 1) : 0;
  const r = slots[base + SLOT_RED]!;
  const g = slots[base + SLOT_GREEN]!;
  const b = slots[base + SLOT_BLUE]!;
  if (Number.isNaN(r) && Number.isNaN(g) && Number.isNaN(b)) {
    look.color = undefined;
  } else {
    color.r = Number.isNaN(r) ? 0 : r;
    color.g = Number.isNaN(g) ? 0 : g;
    color.b = Number.isNaN(b) ? 0 : b;
    color.w = num(slots[base + SLOT_WHITE]);
    look.color = color;
  }
  look.pan = num(slots[base + SLOT_PAN]);
  look.tilt = num(slots[base + SLOT_TILT]);
  look.zoom = num(slots[base + SLOT_ZOOM]);
  look.focus = num(slots[base + SLOT_FOCUS]);
  look.gobo = discrete.value(slots[base + SLOT_GOBO]!);
  const wheel = discrete.value(slots[base + SLOT_COLOR_WHEEL]!);
  look.colorWheel = wheel === undefined ? undefined : String(wheel);
  look.strobeHz = num(slots[base + SLOT_STROBE]);
  look.haze = num(slots[base + SLOT_HAZE]);
  look.fan = num(slots[base + SLOT_FAN]);
}
