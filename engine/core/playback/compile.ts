/**
 * Compiles a department's cue list once, at show load: cues sorted by number, and for each cue the
 * full target level state it asks for (tracking and cue-only resolved, move-in-black applied), so a
 * GO is a compare-and-schedule over flat arrays.
 */
import { type Binding, type Cue, type Department, type ShowFile } from '../show/schema.js';
import { type FileProblem, ShowFileError } from '../errors.js';
import { compareCueNumbers } from '../ids.js';
import { DiscreteValues, SLOTS_PER_FIXTURE, SLOT_INTENSITY, writeLook } from './slots.js';
import { pushAll } from '../vector.js';

/** Every fixture of the show with a dense index, its groups resolved, and the discrete value table. */
export interface FixtureSpace {
  /** Fixture ids in patch order; position = fixture index. */
  readonly ids: readonly string[];
  readonly index: ReadonlyMap<string, number>;
  /** Group id → fixture indices. */
  readonly groups: ReadonlyMap<string, readonly number[]>;
  readonly discrete: DiscreteValues;
  /** `ids.length × SLOTS_PER_FIXTURE`. */
  readonly slotCount: number;
}

/** Builds the fixture space of a show (patch order). Groups naming unknown fixtures are an error. */
export function buildFixtureSpace(show: Pick<ShowFile, 'fixtures' | 'groups'>, file = 'show.json'): FixtureSpace {
  const ids = show.fixtures.map((f) => f.id);
  const index = new Map<string, number>();
  const problems: FileProblem[] = [];
  ids.forEach((id, i) => {
    if (index.has(id)) problems.push({ file, path: `fixtures[${i}].id`, message: `fixture id '${id}' is used twice`, expected: 'unique fixture ids' });
    index.set(id, i);
  });
  const groups = new Map<string, number[]>();
  for (const [g, members] of Object.entries(show.groups)) {
    const resolved: number[] = [];
    members.forEach((m, j) => {
      const i = index.get(m);
      if (i === undefined) problems.push({ file, path: `groups.${g}[${j}]`, message: `group '${g}' names fixture '${m}', which is not patched`, expected: 'a patched fixture id' });
      else resolved.push(i);
    });
    groups.set(g, resolved);
  }
  if (problems.length > 0) throw new ShowFileError(problems);
  return { ids, index, groups, discrete: new DiscreteValues(), slotCount: ids.length * SLOTS_PER_FIXTURE };
}

/** Fixture indices a levels key or binding target names (a fixture id or a group id), or undefined. */
export function resolveTarget(space: FixtureSpace, key: string): readonly number[] | undefined {
  const i = space.index.get(key);
  if (i !== undefined) return [i];
  return space.groups.get(key);
}

/** A cue with its position in the show file (for error paths). */
export interface CompiledCue {
  readonly cue: Cue;
  readonly number: string;
  /** Index in the department's `cues` array as written. */
  readonly fileIndex: number;
  /** Bindings with their targets resolved to fixture indices. */
  readonly bindings: readonly { readonly binding: Binding; readonly fixtures: readonly number[] }[];
}

/** A department compiled for playback. */
export interface CompiledDept {
  readonly dept: Department;
  /** Cues in numeric order. */
  readonly cues: readonly CompiledCue[];
  /** True when some cue sets levels (the department drives fixtures). */
  readonly hasLevels: boolean;
  /** Target slot values per cue (same order as `cues`); empty when `hasLevels` is false. */
  readonly targets: readonly Float64Array[];
  /** The state before the first cue: everything dark, nothing else set. */
  readonly blank: Float64Array;
}

/** Compiles one department (index `d` in the show, for error paths). Throws ShowFileError on bad references. */
export function compileDepartment(dept: Department, d: number, space: FixtureSpace, file = 'show.json'): CompiledDept {
  const problems: FileProblem[] = [];
  const cues: CompiledCue[] = dept.cues.map((cue, fileIndex) => {
    const bindings = (cue.bindings ?? []).flatMap((binding, b) => {
      const names = typeof binding.target === 'string' ? [binding.target] : binding.target;
      const fixtures: number[] = [];
      for (const n of names) {
        const r = resolveTarget(space, n);
        if (r === undefined) problems.push({ file, path: `departments[${d}].cues[${fileIndex}].bindings[${b}].target`, message: `'${n}' is neither a patched fixture nor a group`, expected: 'a fixture or group id' });
        else pushAll(fixtures, r);
      }
      return fixtures.length > 0 ? [{ binding, fixtures }] : [];
    });
    return { cue, number: cue.number, fileIndex, bindings };
  });
  cues.sort((a, b) => compareCueNumbers(a.number, b.number));
  for (let i = 1; i < cues.length; i++) {
    if (compareCueNumbers(cues[i - 1]!.number, cues[i]!.number) === 0) {
      problems.push({ file, path: `departments[${d}].cues[${cues[i]!.fileIndex}].number`, message: `cue ${cues[i]!.number} appears twice in ${dept.id}`, expected: 'unique cue numbers per department' });
    }
  }
  const blank = new Float64Array(space.slotCount).fill(NaN);
  for (let f = 0; f < space.ids.length; f++) blank[f * SLOTS_PER_FIXTURE + SLOT_INTENSITY] = 0;
  const hasLevels = cues.some((c) => c.cue.levels !== undefined && Object.keys(c.cue.levels).length > 0);
  const targets: Float64Array[] = [];
  if (hasLevels) {
    // Tracking: `base` carries every change forward except those of cue-only cues.
    let base = blank;
    for (const c of cues) {
      const look = base.slice();
      for (const [key, value] of Object.entries(c.cue.levels ?? {})) {
        const fixtures = resolveTarget(space, key);
        if (fixtures === undefined) {
          problems.push({ file, path: `departments[${d}].cues[${c.fileIndex}].levels.${key}`, message: `'${key}' is neither a patched fixture nor a group`, expected: 'a fixture or group id' });
          continue;
        }
        for (const f of fixtures) writeLook(value, look, f * SLOTS_PER_FIXTURE, space.discrete);
      }
      targets.push(look);
      if (c.cue.cueOnly !== true) base = look;
    }
    if (dept.moveInBlack) applyMoveInBlack(targets, space.ids.length);
  }
  if (problems.length > 0) throw new ShowFileError(problems);
  return { dept, cues, hasLevels, targets, blank };
}

/**
 * Move-in-black: while a fixture is dark in a cue, its non-intensity attributes take the values of
 * the next cue that lights it, so it is already in place when it fades up.
 */
function applyMoveInBlack(targets: Float64Array[], fixtureCount: number): void {
  if (targets.length === 0) return;
  const nextLit = new Float64Array(targets[0]!.length).fill(NaN);
  for (let i = targets.length - 1; i >= 0; i--) {
    const t = targets[i]!;
    const original = t.slice();
    for (let f = 0; f < fixtureCount; f++) {
      const base = f * SLOTS_PER_FIXTURE;
      if (original[base + SLOT_INTENSITY]! > 0) {
        for (let k = 1; k < SLOTS_PER_FIXTURE; k++) nextLit[base + k] = original[base + k]!;
      } else {
        for (let k = 1; k < SLOTS_PER_FIXTURE; k++) {
          const v = nextLit[base + k]!;
          if (!Number.isNaN(v)) t[base + k] = v;
        }
      }
    }
  }
}
