/**
 * Looks at the authoring level: what each cue of a department asks of each fixture once tracking is
 * resolved (before move-in-black, which playback adds), and the `levels` a cue needs so that it asks
 * for a given look. Recording a look from the stage into a cue is built from these.
 *
 * A look per fixture is a vector of playback's attribute slots (`slots.ts`): NaN is "not set", and
 * gobo and colour-wheel slots hold values interned in this module's own table. Comparisons allow for
 * what writing a value back into a show file rounds away (a colour as `#rrggbb`, levels to 1/1000).
 */
import type { z } from 'zod';
import type { cueSchema, FixtureLook, ShowFile } from '../show/schema.js';
import { compareCueNumbers } from '../ids.js';
import {
  DiscreteValues, SLOTS_PER_FIXTURE, SLOT_BLUE, SLOT_COLOR_WHEEL, SLOT_FAN, SLOT_FOCUS, SLOT_GOBO, SLOT_GREEN, SLOT_HAZE,
  SLOT_INTENSITY, SLOT_PAN, SLOT_RED, SLOT_STROBE, SLOT_TILT, SLOT_WHITE, SLOT_ZOOM, writeLook,
} from '../playback/slots.js';

/** A cue as the show file holds it (defaults not filled in). */
export type RawCue = z.input<typeof cueSchema>;

/** One fixture's look: `SLOTS_PER_FIXTURE` slot values (NaN: not set). */
export type SlotLook = Float64Array;

/** Fixture id → its look. */
export type LookMap = Map<string, SlotLook>;

/** The patch as looks need it: fixture ids in patch order and groups. */
export type Patch = Pick<ShowFile, 'fixtures' | 'groups'>;

/** How a slot's value is written back into a look, and how close two values must be to count as one. */
const TOLERANCE: readonly number[] = (() => {
  const t = new Array<number>(SLOTS_PER_FIXTURE).fill(0.0025); // fractions: 1/1000 rounding, #rrggbb
  t[SLOT_PAN] = 0.06;
  t[SLOT_TILT] = 0.06;
  t[SLOT_ZOOM] = 0.06;
  t[SLOT_STROBE] = 0.006;
  t[SLOT_GOBO] = 0;
  t[SLOT_COLOR_WHEEL] = 0;
  return t;
})();

const round = (v: number, places: number): number => {
  const f = 10 ** places;
  return Math.round(v * f) / f;
};

/** The attributes of a fixture look a slot belongs to (colour is one attribute of four slots). */
type LookKey = keyof FixtureLook;
const SLOT_KEY: readonly LookKey[] = [
  'intensity', 'color', 'color', 'color', 'color', 'pan', 'tilt', 'zoom', 'focus', 'gobo', 'colorWheel', 'strobeHz', 'haze', 'fan',
];

/** Interns gobo and colour-wheel values so looks from anywhere compare in one table. */
export class LookSpace {
  readonly discrete = new DiscreteValues();
  readonly fixtureIds: readonly string[];
  private readonly groups: ReadonlyMap<string, readonly string[]>;

  constructor(patch: Patch) {
    this.fixtureIds = patch.fixtures.map((f) => f.id);
    this.groups = new Map(Object.entries(patch.groups));
  }

  /** Fixture ids a `levels` key names (a fixture or a group); empty when it names neither. */
  members(key: string): readonly string[] {
    const group = this.groups.get(key);
    if (group !== undefined) return group;
    return this.fixtureIds.includes(key) ? [key] : [];
  }

  /** A look with nothing set and the fixture dark. */
  blank(): SlotLook {
    const v = new Float64Array(SLOTS_PER_FIXTURE).fill(NaN);
    v[SLOT_INTENSITY] = 0;
    return v;
  }

  /** Applies a written look over `into`. */
  write(look: FixtureLook, into: SlotLook): void {
    writeLook(look, into, 0, this.discrete);
  }

  /**
   * The look a fixture's slots hold, written as a show file writes it: levels to 1/1000, angles to
   * 1/10 degree, a colour as `#rrggbb` (or RGBW fractions when white is set). `discrete` is the table
   * the slots' gobo and colour-wheel values were interned in (playback's, for a look from the stage).
   */
  static toLook(v: SlotLook, discrete: Pick<DiscreteValues, 'value'>): FixtureLook {
    const look: { -readonly [K in LookKey]?: FixtureLook[K] } = {};
    const at = (s: number): number | undefined => (Number.isNaN(v[s]!) ? undefined : v[s]!);
    const intensity = at(SLOT_INTENSITY);
    if (intensity !== undefined) look.intensity = round(Math.max(0, Math.min(1, intensity)), 3);
    const r = at(SLOT_RED);
    const g = at(SLOT_GREEN);
    const b = at(SLOT_BLUE);
    if (r !== undefined || g !== undefined || b !== undefined) {
      const w = at(SLOT_WHITE);
      const c = (x: number | undefined): number => Math.max(0, Math.min(1, x ?? 0));
      if (w === undefined) {
        const hex = (x: number | undefined): string => Math.round(c(x) * 255).toString(16).padStart(2, '0');
        look.color = `#${hex(r)}${hex(g)}${hex(b)}`;
      } else {
        look.color = { r: round(c(r), 3), g: round(c(g), 3), b: round(c(b), 3), w: round(c(w), 3) };
      }
    }
    const pan = at(SLOT_PAN);
    if (pan !== undefined) look.pan = round(Math.max(-720, Math.min(720, pan)), 1);
    const tilt = at(SLOT_TILT);
    if (tilt !== undefined) look.tilt = round(Math.max(-360, Math.min(360, tilt)), 1);
    const zoom = at(SLOT_ZOOM);
    if (zoom !== undefined) look.zoom = round(Math.max(0, Math.min(180, zoom)), 1);
    const focus = at(SLOT_FOCUS);
    if (focus !== undefined) look.focus = round(Math.max(0, Math.min(1, focus)), 3);
    const gobo = at(SLOT_GOBO) === undefined ? undefined : discrete.value(v[SLOT_GOBO]!);
    if (gobo !== undefined) look.gobo = gobo;
    const wheel = at(SLOT_COLOR_WHEEL) === undefined ? undefined : discrete.value(v[SLOT_COLOR_WHEEL]!);
    if (wheel !== undefined) look.colorWheel = String(wheel);
    const strobe = at(SLOT_STROBE);
    if (strobe !== undefined) look.strobeHz = round(Math.max(0, Math.min(50, strobe)), 2);
    const haze = at(SLOT_HAZE);
    if (haze !== undefined) look.haze = round(Math.max(0, Math.min(1, haze)), 3);
    const fan = at(SLOT_FAN);
    if (fan !== undefined) look.fan = round(Math.max(0, Math.min(1, fan)), 3);
    return look;
  }

  /** A look written in the show, as slots of this space. */
  fromLook(look: FixtureLook): SlotLook {
    const v = new Float64Array(SLOTS_PER_FIXTURE).fill(NaN);
    this.write(look, v);
    return v;
  }
}

/** True when slot `s` of two looks holds the same value, within what a show file rounds away. */
export function sameSlot(a: SlotLook, b: SlotLook, s: number): boolean {
  const x = a[s]!;
  const y = b[s]!;
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) && Number.isNaN(y);
  return Math.abs(x - y) <= TOLERANCE[s]! + 1e-9;
}

/** The slots where two looks differ. */
export function differingSlots(a: SlotLook, b: SlotLook): number[] {
  const out: number[] = [];
  for (let s = 0; s < SLOTS_PER_FIXTURE; s++) if (!sameSlot(a, b, s)) out.push(s);
  return out;
}

/** Every fixture's look before and after one cue, in the department's running order. */
export interface TrackedCue {
  readonly number: string;
  /** Index of the cue in the department's `cues` array as written. */
  readonly fileIndex: number;
  /** What the fixtures look like when this cue starts from the tracked state (its own moves not applied). */
  readonly base: LookMap;
  /** What the cue asks for: `base` with its moves. */
  readonly look: LookMap;
}

function copyMap(m: LookMap): LookMap {
  return new Map([...m].map(([k, v]) => [k, v.slice()]));
}

/** Applies a cue's `levels` (in the order written, as playback does) over `into`. */
export function applyLevels(space: LookSpace, levels: RawCue['levels'], into: LookMap): void {
  for (const [key, look] of Object.entries(levels ?? {})) {
    for (const id of space.members(key)) {
      const v = into.get(id);
      if (v !== undefined) space.write(look, v);
    }
  }
}

/**
 * The tracked looks of a department's cues in running (numeric) order: each cue starts from the
 * looks the cues before it left (a cue-only cue's moves do not carry on) and applies its moves.
 */
export function trackedLooks(space: LookSpace, cues: readonly RawCue[]): TrackedCue[] {
  const order = cues.map((c, fileIndex) => ({ c, fileIndex })).sort((a, b) => compareCueNumbers(a.c.number, b.c.number));
  let base: LookMap = new Map(space.fixtureIds.map((id) => [id, space.blank()]));
  const out: TrackedCue[] = [];
  for (const { c, fileIndex } of order) {
    const look = copyMap(base);
    applyLevels(space, c.levels, look);
    out.push({ number: c.number, fileIndex, base, look });
    if (c.cueOnly !== true) base = look;
  }
  return out;
}

/** True when every fixture's look in `a` matches `b` (fixtures missing from `b` do not count). */
export function sameLooks(a: LookMap, b: LookMap): boolean {
  for (const [id, v] of a) {
    const w = b.get(id);
    if (w !== undefined && differingSlots(v, w).length > 0) return false;
  }
  return true;
}

/**
 * The `levels` a cue needs so that, from `base`, it asks for `wanted`: its own `levels` kept as
 * written (groups stay groups), with per-fixture moves added for what still differs. When that cannot
 * reach the look (a fixture listed before the group that overrides it), every fixture's moves are
 * written out one by one instead. An attribute the cue cannot unset (tracking only adds) keeps its
 * tracked value; `unreachable` names those.
 */
export function levelsFor(space: LookSpace, existing: RawCue['levels'], base: LookMap, wanted: LookMap): { levels: NonNullable<RawCue['levels']>; unreachable: string[] } {
  const result = (levels: NonNullable<RawCue['levels']>): { levels: NonNullable<RawCue['levels']>; missed: string[] } => {
    const got = copyMap(base);
    applyLevels(space, levels, got);
    const missed: string[] = [];
    for (const [id, want] of wanted) {
      const have = got.get(id);
      if (have !== undefined && differingSlots(have, want).length > 0) missed.push(id);
    }
    return { levels, missed };
  };
  const patched: Record<string, FixtureLook> = structuredClone(existing ?? {});
  const start = result(patched);
  for (const id of start.missed) {
    const have = copyMap(base);
    applyLevels(space, patched, have);
    const diff = differingSlots(have.get(id)!, wanted.get(id)!);
    const add = movesFor(diff, wanted.get(id)!, space);
    if (Object.keys(add).length > 0) patched[id] = { ...(patched[id] ?? {}), ...add };
  }
  const greedy = result(patched);
  if (greedy.missed.length === 0) return { levels: greedy.levels, unreachable: [] };
  // Written out fixture by fixture: every move this cue makes, explicitly.
  const explicit: Record<string, FixtureLook> = {};
  for (const [id, want] of wanted) {
    const from = base.get(id);
    if (from === undefined) continue;
    const add = movesFor(differingSlots(from, want), want, space);
    if (Object.keys(add).length > 0) explicit[id] = add;
  }
  const full = result(explicit);
  return { levels: full.missed.length <= greedy.missed.length ? full.levels : greedy.levels, unreachable: full.missed.length <= greedy.missed.length ? full.missed : greedy.missed };
}

/** The written attributes that set the given slots of `want` (unset slots cannot be written). */
function movesFor(slots: readonly number[], want: SlotLook, space: LookSpace): FixtureLook {
  const keys = new Set(slots.filter((s) => !Number.isNaN(want[s]!) || SLOT_KEY[s] === 'color').map((s) => SLOT_KEY[s]!));
  if (keys.size === 0) return {};
  const written = LookSpace.toLook(want, space.discrete);
  const out: Record<string, unknown> = {};
  for (const k of keys) if (written[k] !== undefined) out[k] = written[k];
  return out;
}
