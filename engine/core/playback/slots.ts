/**
 * The level space: every fixture has the same fixed set of numeric attribute slots, laid out
 * fixture-major in flat typed arrays, so a frame is a loop over numbers with no allocation.
 *
 * A slot holds NaN for "not set" (the fixture profile's default applies), except intensity, which
 * is always a number (0 = dark). Discrete attributes (gobo, colour wheel) hold an index into an
 * interned value table and snap rather than fade.
 */
import { type FixtureLook } from '../show/schema.js';

/** Slot offsets within one fixture. Intensity, 0..1 (never NaN). */
export const SLOT_INTENSITY = 0;
/** Red, 0..1. */
export const SLOT_RED = 1;
/** Green, 0..1. */
export const SLOT_GREEN = 2;
/** Blue, 0..1. */
export const SLOT_BLUE = 3;
/** White, 0..1 (NaN: the profile derives it). */
export const SLOT_WHITE = 4;
/** Pan, degrees. */
export const SLOT_PAN = 5;
/** Tilt, degrees. */
export const SLOT_TILT = 6;
/** Zoom, beam angle in degrees. */
export const SLOT_ZOOM = 7;
/** Focus, 0..1. */
export const SLOT_FOCUS = 8;
/** Gobo, interned discrete value. */
export const SLOT_GOBO = 9;
/** Colour wheel slot, interned discrete value. */
export const SLOT_COLOR_WHEEL = 10;
/** Strobe rate, Hz. */
export const SLOT_STROBE = 11;
/** Haze output, 0..1. */
export const SLOT_HAZE = 12;
/** Fan speed, 0..1. */
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
  intensity: number;
  color: { r: number; g: number; b: number; w?: number } | undefined;
  pan: number | undefined;
  tilt: number | undefined;
  zoom: number | undefined;
  focus: number | undefined;
  gobo: string | number | undefined;
  colorWheel: string | undefined;
  strobeHz: number | undefined;
  haze: number | undefined;
  fan: number | undefined;
}

/** Per-fixture reusable objects for `readLook`. */
export interface LookScratch {
  readonly look: MutableLook;
  /** Colour without white, and with white: two fixed shapes so writes stay in place. */
  readonly rgb: { r: number; g: number; b: number };
  readonly rgbw: { r: number; g: number; b: number; w: number };
}

/** Fresh scratch for one fixture: every field present from the start, so the object's shape never changes. */
export function createLookScratch(): LookScratch {
  return {
    look: {
      intensity: 0.5, color: undefined, pan: undefined, tilt: undefined, zoom: undefined, focus: undefined,
      gobo: undefined, colorWheel: undefined, strobeHz: undefined, haze: undefined, fan: undefined,
    },
    rgb: { r: 0.5, g: 0.5, b: 0.5 },
    rgbw: { r: 0.5, g: 0.5, b: 0.5, w: 0.5 },
  };
}

/**
 * Fills the scratch look from the slots at `base`. Unset slots become `undefined`, so the profile's
 * defaults apply. Optional attributes are written only when they change: a number written over a
 * field that may hold `undefined` costs an allocation, and most attributes hold still most frames.
 */
export function readLook(slots: Float64Array, base: number, discrete: DiscreteValues, scratch: LookScratch): void {
  // Written out without helper calls: a double returned from a call that is not inlined is boxed.
  const look = scratch.look;
  const i = slots[base + SLOT_INTENSITY]!;
  look.intensity = i > 0 ? (i < 1 ? i : 1) : 0;
  const r = slots[base + SLOT_RED]!;
  const g = slots[base + SLOT_GREEN]!;
  const b = slots[base + SLOT_BLUE]!;
  const w = slots[base + SLOT_WHITE]!;
  if (r !== r && g !== g && b !== b) {
    if (look.color !== undefined) look.color = undefined;
  } else if (w !== w) {
    const c = scratch.rgb;
    c.r = r === r ? r : 0;
    c.g = g === g ? g : 0;
    c.b = b === b ? b : 0;
    if (look.color !== c) look.color = c;
  } else {
    const c = scratch.rgbw;
    c.r = r === r ? r : 0;
    c.g = g === g ? g : 0;
    c.b = b === b ? b : 0;
    c.w = w;
    if (look.color !== c) look.color = c;
  }
  let v = slots[base + SLOT_PAN]!;
  if (v !== v) { if (look.pan !== undefined) look.pan = undefined; } else if (look.pan !== v) look.pan = v;
  v = slots[base + SLOT_TILT]!;
  if (v !== v) { if (look.tilt !== undefined) look.tilt = undefined; } else if (look.tilt !== v) look.tilt = v;
  v = slots[base + SLOT_ZOOM]!;
  if (v !== v) { if (look.zoom !== undefined) look.zoom = undefined; } else if (look.zoom !== v) look.zoom = v;
  v = slots[base + SLOT_FOCUS]!;
  if (v !== v) { if (look.focus !== undefined) look.focus = undefined; } else if (look.focus !== v) look.focus = v;
  v = slots[base + SLOT_STROBE]!;
  if (v !== v) { if (look.strobeHz !== undefined) look.strobeHz = undefined; } else if (look.strobeHz !== v) look.strobeHz = v;
  v = slots[base + SLOT_HAZE]!;
  if (v !== v) { if (look.haze !== undefined) look.haze = undefined; } else if (look.haze !== v) look.haze = v;
  v = slots[base + SLOT_FAN]!;
  if (v !== v) { if (look.fan !== undefined) look.fan = undefined; } else if (look.fan !== v) look.fan = v;
  v = slots[base + SLOT_GOBO]!;
  if (v === v || look.gobo !== undefined) {
    const gobo = discrete.value(v);
    if (look.gobo !== gobo) look.gobo = gobo;
  }
  v = slots[base + SLOT_COLOR_WHEEL]!;
  if (v === v || look.colorWheel !== undefined) {
    const wheel = discrete.value(v);
    const wheelName = wheel === undefined ? undefined : typeof wheel === 'string' ? wheel : String(wheel);
    if (look.colorWheel !== wheelName) look.colorWheel = wheelName;
  }
}
