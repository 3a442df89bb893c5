/**
 * Compiles a department's cue list once, at show load: cues sorted by number, and for each cue the
 * full target level state it asks for (tracking and cue-only resolved, move-in-black applied), so a
 * GO is a compare-and-schedule over flat arrays. A cue's state is one look id per fixture into the
 * show's `LookTable`: 4 bytes per fixture per cue, however many attributes a look sets.
 */
import { type Binding, type Cue, type Department, type ShowFile } from '../show/schema.js';
import { type FileProblem, ShowFileError } from '../errors.js';
import { compareCueNumbers } from '../ids.js';
import { DiscreteValues, SLOTS_PER_FIXTURE, SLOT_INTENSITY, writeLook } from './slots.js';
import { BLANK_LOOK, LookTable } from './looks.js';
import { pushAll } from '../vector.js';

/** Every fixture of the show with a dense index, its groups resolved, and the discrete value table. */
export interface FixtureSpace {
  /** Fixture ids in patch order; position = fixture index. */
  readonly ids: readonly string[];
  readonly index: ReadonlyMap<string, number>;
  /** Group id → fixture indices. */
  readonly groups: ReadonlyMap<string, readonly number[]>;
  readonly discrete: DiscreteValues;
  /** Every distinct fixture look the show's cues use. */
  readonly looks: LookTable;
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
  return { ids, index, groups, discrete: new DiscreteValues(), looks: new LookTable(), slotCount: ids.length * SLOTS_PER_FIXTURE };
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
  readonly space: FixtureSpace;
  /** The show's look table (`space.looks`) the look ids below point into. */
  readonly looks: LookTable;
  /** Cues in numeric order. */
  readonly cues: readonly CompiledCue[];
  /** True when some cue sets levels (the department drives fixtures). */
  readonly hasLevels: boolean;
  /** Target look id per fixture, per cue (same order as `cues`); empty when `hasLevels` is false. */
  readonly targets: readonly Uint32Array[];
  /** The state before the first cue: every fixture in the blank look. */
  readonly blank: Uint32Array;
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
  const table = space.looks;
  const blank = new Uint32Array(space.ids.length).fill(BLANK_LOOK);
  const hasLevels = cues.some((c) => c.cue.levels !== undefined && Object.keys(c.cue.levels).length > 0);
  const targets: Uint32Array[] = [];
  if (hasLevels) {
    // Tracking: `base` carries every change forward except those of cue-only cues.
    const scratch = new Float64Array(SLOTS_PER_FIXTURE);
    let base = blank;
    for (const c of cues) {
      const look = base.slice();
      for (const [key, value] of Object.entries(c.cue.levels ?? {})) {
        const fixtures = resolveTarget(space, key);
        if (fixtures === undefined) {
          problems.push({ file, path: `departments[${d}].cues[${c.fileIndex}].levels.${key}`, message: `'${key}' is neither a patched fixture nor a group`, expected: 'a fixture or group id' });
          continue;
        }
        // Fixtures of a group mostly share their previous look: apply the entry once per distinct look.
        const made = new Map<number, number>();
        for (const f of fixtures) {
          const from = look[f]!;
          let id = made.get(from);
          if (id === undefined) {
            table.copy(from, scratch);
            writeLook(value, scratch, 0, space.discrete);
            id = table.intern(scratch);
            made.set(from, id);
          }
          look[f] = id;
        }
      }
      targets.push(look);
      if (c.cue.cueOnly !== true) base = look;
    }
    if (dept.moveInBlack) applyMoveInBlack(targets, table);
  }
  if (problems.length > 0) throw new ShowFileError(problems);
  return { dept, space, looks: table, cues, hasLevels, targets, blank };
}

/**
 * Move-in-black: while a fixture is dark in a cue, its non-intensity attributes take the values of
 * the next cue that lights it, so it is already in place when it fades up.
 */
function applyMoveInBlack(targets: Uint32Array[], table: LookTable): void {
  if (targets.length === 0) return;
  const NONE = 0xffffffff;
  const nextLit = new Uint32Array(targets[0]!.length).fill(NONE);
  const merged = new Map<number, Map<number, number>>();
  const scratch = new Float64Array(SLOTS_PER_FIXTURE);
  for (let i = targets.length - 1; i >= 0; i--) {
    const t = targets[i]!;
    for (let f = 0; f < t.length; f++) {
      const id = t[f]!;
      if (table.data[id * SLOTS_PER_FIXTURE + SLOT_INTENSITY]! > 0) {
        nextLit[f] = id;
        continue;
      }
      const lit = nextLit[f]!;
      if (lit === NONE) continue;
      let byLit = merged.get(id);
      if (byLit === undefined) merged.set(id, (byLit = new Map<number, number>()));
      let out = byLit.get(lit);
      if (out === undefined) {
        // The dark look with every attribute the next lit look sets.
        table.copy(id, scratch);
        const data = table.data;
        for (let k = 1; k < SLOTS_PER_FIXTURE; k++) {
          const v = data[lit * SLOTS_PER_FIXTURE + k]!;
          if (!Number.isNaN(v)) scratch[k] = v;
        }
        out = table.intern(scratch);
        byLit.set(lit, out);
      }
      t[f] = out;
    }
  }
}
