/**
 * The level space: every fixture has the same fixed set of numeric attribute slots, laid out
 * fixture-major in flat typed arrays, so a frame is a loop over numbers with no allocation.
 *
 * A slot holds NaN for "not set" (the fixture profile's default applies), except intensity, which
 * is always a number (0 = dark). Discrete attributes (gobo, colour wheel) hold an index into an
 * interned value table and snap rather than fade.
 */
import { parseCssColor } from '../fixtures/color.js';
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

/** Two slot values are equal, NaN equal to NaN ("not set" on both). */
function same(x: number, y: number): boolean {
  return x === y || (x !== x && y !== y);
}

if (SLOTS_PER_FIXTURE !== 14) throw new Error('slots: sameLook compares 14 slots; SLOTS_PER_FIXTURE changed');

/**
 * Whether the fixtures whose slots begin at `a` and `b` have equal slot vectors (NaN equal to NaN). Written out slot by slot: a wash of 32,768 fixtures
 * compares every slot of each one every frame, and the unrolled form costs about half the loop's time.
 */
export function sameLook(s: Float64Array, a: number, b: number): boolean {
  return (
    same(s[a + 0]!, s[b + 0]!) &&
    same(s[a + 1]!, s[b + 1]!) &&
    same(s[a + 2]!, s[b + 2]!) &&
    same(s[a + 3]!, s[b + 3]!) &&
    same(s[a + 4]!, s[b + 4]!) &&
    same(s[a + 5]!, s[b + 5]!) &&
    same(s[a + 6]!, s[b + 6]!) &&
    same(s[a + 7]!, s[b + 7]!) &&
    same(s[a + 8]!, s[b + 8]!) &&
    same(s[a + 9]!, s[b + 9]!) &&
    same(s[a + 10]!, s[b + 10]!) &&
    same(s[a + 11]!, s[b + 11]!) &&
    same(s[a + 12]!, s[b + 12]!) &&
    same(s[a + 13]!, s[b + 13]!)
  );
}

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

/** Writes the attributes a look sets into `slots` at `base` (fixture index × SLOTS_PER_FIXTURE). */
export function writeLook(look: FixtureLook, slots: Float64Array, base: number, discrete: DiscreteValues): void {
  if (look.intensity !== undefined) slots[base + SLOT_INTENSITY] = look.intensity;
  const c = look.color;
  if (c !== undefined) {
    if (typeof c === 'string') {
      // Any CSS colour the show validated (#rrggbb, #rgb, names, hsl()…); open white if it is not one.
      const rgb = parseCssColor(c);
      slots[base + SLOT_RED] = rgb?.r ?? 1;
      slots[base + SLOT_GREEN] = rgb?.g ?? 1;
      slots[base + SLOT_BLUE] = rgb?.b ?? 1;
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

/** A fixture's colour read straight from the slots (see `LookView`). */
export class ColorView {
  constructor(
    private readonly slots: Float64Array,
    /** Slot index of the fixture (fixture index × SLOTS_PER_FIXTURE). */
    public base: number,
  ) {}
  get r(): number {
    const v = this.slots[this.base + SLOT_RED]!;
    return v === v ? v : 0;
  }
  get g(): number {
    const v = this.slots[this.base + SLOT_GREEN]!;
    return v === v ? v : 0;
  }
  get b(): number {
    const v = this.slots[this.base + SLOT_BLUE]!;
    return v === v ? v : 0;
  }
  get w(): number | undefined {
    const v = this.slots[this.base + SLOT_WHITE]!;
    return v === v ? v : undefined;
  }
}

/**
 * One fixture's look, read straight from the final slot values when the profile asks for a field:
 * nothing is copied and nothing is allocated per frame (an object field holding a changing number
 * would cost a heap number per write). Unset slots read as `undefined`, so the profile's defaults
 * apply. Valid only during the frame that filled the slots. One view can be moved from fixture to
 * fixture (`at`), so a rig of any size renders through a single one.
 */
export class LookView {
  private readonly colorView: ColorView;

  constructor(
    private readonly slots: Float64Array,
    private base: number,
    private readonly discrete: DiscreteValues,
  ) {
    this.colorView = new ColorView(slots, base);
  }

  /** Points the view at the fixture whose slots start at `base`. */
  at(base: number): this {
    this.base = base;
    this.colorView.base = base;
    return this;
  }

  private opt(k: number): number | undefined {
    const v = this.slots[this.base + k]!;
    return v === v ? v : undefined;
  }

  get intensity(): number {
    const i = this.slots[this.base + SLOT_INTENSITY]!;
    return i > 0 ? (i < 1 ? i : 1) : 0;
  }
  get color(): ColorView | undefined {
    const s = this.slots;
    const b = this.base;
    const r = s[b + SLOT_RED]!;
    const g = s[b + SLOT_GREEN]!;
    const bl = s[b + SLOT_BLUE]!;
    return r !== r && g !== g && bl !== bl ? undefined : this.colorView;
  }
  get pan(): number | undefined {
    return this.opt(SLOT_PAN);
  }
  get tilt(): number | undefined {
    return this.opt(SLOT_TILT);
  }
  get zoom(): number | undefined {
    return this.opt(SLOT_ZOOM);
  }
  get focus(): number | undefined {
    return this.opt(SLOT_FOCUS);
  }
  get strobeHz(): number | undefined {
    return this.opt(SLOT_STROBE);
  }
  get haze(): number | undefined {
    return this.opt(SLOT_HAZE);
  }
  get fan(): number | undefined {
    return this.opt(SLOT_FAN);
  }
  get gobo(): string | number | undefined {
    return this.discrete.value(this.slots[this.base + SLOT_GOBO]!);
  }
  get colorWheel(): string | undefined {
    const v = this.discrete.value(this.slots[this.base + SLOT_COLOR_WHEEL]!);
    return v === undefined ? undefined : typeof v === 'string' ? v : String(v);
  }
}
