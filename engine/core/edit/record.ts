/**
 * Recording a look into a cue, as a lighting desk does: the look on stage becomes what the cue asks
 * for. Only what differs from the tracked state before the cue is written as the cue's moves (its
 * own moves, groups included, stay as written). With `tracking` the change carries on into the cues
 * after it wherever they do not move that attribute themselves; with `cue-only` the cues after it
 * keep the looks they had (the values they used to inherit are written into the next cue).
 *
 * A dark fixture's other attributes on stage are move-in-black presets for a later cue, not part of
 * the look: when the department moves in black, only a dark fixture's intensity is recorded.
 */
import { compareCueNumbers } from '../ids.js';
import type { RecordMode } from '../show/schema.js';
import { type DiscreteValues, SLOTS_PER_FIXTURE, SLOT_INTENSITY } from '../playback/slots.js';
import { levelsFor, LookSpace, sameLooks, trackedLooks, type LookMap, type RawCue } from './looks.js';

/** What recording did. */
export interface Recorded {
  /** The department's cues as the file will hold them (the new cue at its place in number order). */
  readonly cues: RawCue[];
  /** Cue numbers whose content changed (the recorded cue, and under `cue-only` the cues after it that were kept). */
  readonly changed: string[];
  /** Fixtures whose look could not be reached exactly (an attribute tracking cannot unset). */
  readonly unreachable: string[];
}

/** Where a cue of this number goes in the file's list: before the first cue numbered above it. */
export function insertionIndex(cues: readonly RawCue[], number: string): number {
  const i = cues.findIndex((c) => compareCueNumbers(c.number, number) > 0);
  return i < 0 ? cues.length : i;
}

/**
 * Records `stage` (every fixture's look, in `space`) into cue `number` of a department's cues: a new
 * cue (`fields` give its times and name) when the number is free, else an update of that cue.
 */
export function recordLook(
  space: LookSpace,
  cues: readonly RawCue[],
  number: string,
  stage: LookMap,
  options: { readonly mode: RecordMode; readonly moveInBlack: boolean; readonly fields?: Partial<RawCue> },
): Recorded {
  const before = trackedLooks(space, cues);
  const next: RawCue[] = structuredClone(cues as RawCue[]);
  let fileIndex = next.findIndex((c) => compareCueNumbers(c.number, number) === 0);
  if (fileIndex < 0) {
    fileIndex = insertionIndex(next, number);
    next.splice(fileIndex, 0, { number, ...(options.fields ?? {}) });
  } else if (options.fields !== undefined) {
    next[fileIndex] = { ...next[fileIndex]!, ...options.fields, number: next[fileIndex]!.number };
  }
  const cue = next[fileIndex]!;
  const during = trackedLooks(space, next);
  const at = during.find((t) => t.fileIndex === fileIndex)!;
  const wanted: LookMap = new Map();
  for (const id of space.fixtureIds) {
    const want = (stage.get(id) ?? space.blank()).slice();
    const had = at.look.get(id)!;
    if (options.moveInBlack && !(want[SLOT_INTENSITY]! > 0)) {
      for (let s = 0; s < SLOTS_PER_FIXTURE; s++) if (s !== SLOT_INTENSITY) want[s] = had[s]!;
    }
    wanted.set(id, want);
  }
  const { levels, unreachable } = levelsFor(space, cue.levels, at.base, wanted);
  if (Object.keys(levels).length > 0) cue.levels = levels;
  else delete cue.levels;
  if (options.mode === 'cue-only') keepLater(space, next, before, number);
  const changed = changedNumbers(cues, next);
  return { cues: next, changed, unreachable };
}

/**
 * Cue-only: every cue after `number` is given back the look it had before (the values it inherited
 * from the recorded cue are written into it), one cue at a time in running order.
 */
function keepLater(space: LookSpace, cues: RawCue[], before: ReturnType<typeof trackedLooks>, number: string): void {
  const old = new Map(before.map((t) => [Number(t.number), t.look]));
  for (;;) {
    const now = trackedLooks(space, cues);
    const drift = now.find((t) => compareCueNumbers(t.number, number) > 0 && old.has(Number(t.number)) && !sameLooks(t.look, old.get(Number(t.number))!));
    if (drift === undefined) return;
    const want = old.get(Number(drift.number))!;
    const cue = cues[drift.fileIndex]!;
    const { levels } = levelsFor(space, cue.levels, drift.base, want);
    const same = JSON.stringify(levels) === JSON.stringify(cue.levels ?? {});
    if (Object.keys(levels).length > 0) cue.levels = levels;
    if (same) return; // nothing more can be done for this cue: stop rather than loop
  }
}

/** Cue numbers whose content differs between two versions of a department's cues (added and removed included). */
export function changedNumbers(a: readonly RawCue[], b: readonly RawCue[]): string[] {
  const key = (c: RawCue): string => String(Number(c.number));
  const before = new Map(a.map((c) => [key(c), JSON.stringify(c)]));
  const after = new Map(b.map((c) => [key(c), JSON.stringify(c)]));
  const out: string[] = [];
  for (const c of b) if (before.get(key(c)) !== after.get(key(c))) out.push(c.number);
  for (const c of a) if (!after.has(key(c))) out.push(c.number);
  return out.sort(compareCueNumbers);
}

/** The stage's looks for a department, given playback's slot values (all fixtures, patch order) and its value table. */
export function stageLooks(space: LookSpace, slots: Float64Array, discrete: Pick<DiscreteValues, 'value'>): LookMap {
  const out: LookMap = new Map();
  space.fixtureIds.forEach((id, f) => {
    const v = slots.subarray(f * SLOTS_PER_FIXTURE, (f + 1) * SLOTS_PER_FIXTURE);
    out.set(id, space.fromLook(LookSpace.toLook(v, discrete)));
  });
  return out;
}
