/**
 * The cue changes a console can ask for, as pure functions from a department's cues (as the show file
 * holds them) to the next version: set fields, insert a point cue, delete a cue. Recording a look is in
 * `record.ts`. Each says what it changed in words for the history and the decision log.
 */
import { compareCueNumbers } from '../ids.js';
import type { CueFields } from '../protocol/programming.js';
import type { RawCue } from './looks.js';
import { insertionIndex } from './record.js';

const seconds = (ms: number): string => `${Number((ms / 1000).toFixed(3))} s`;

/** A field change in words, e.g. `fade 2 s → 3 s`. */
function describeField(key: keyof CueFields, before: RawCue, fields: CueFields): string | undefined {
  switch (key) {
    case 'name':
      return fields.name === null ? 'label removed' : `label "${fields.name ?? ''}"`;
    case 'fadeUpMs':
      return `fade ${seconds(before.fadeUpMs ?? 0)} → ${seconds(fields.fadeUpMs ?? 0)}`;
    case 'fadeDownMs':
      return fields.fadeDownMs === null ? 'fade down = fade up' : `fade down ${seconds(before.fadeDownMs ?? before.fadeUpMs ?? 0)} → ${seconds(fields.fadeDownMs ?? 0)}`;
    case 'delayMs':
      return `delay ${seconds(before.delayMs ?? 0)} → ${seconds(fields.delayMs ?? 0)}`;
    case 'autoFollow':
      return fields.autoFollow === true ? 'follow on' : 'follow off';
    case 'autoContinueMs':
      return fields.autoContinueMs === null ? 'auto-continue off' : `auto-continue ${seconds(fields.autoContinueMs ?? 0)}`;
    case 'musicPosition':
      return fields.musicPosition === null || fields.musicPosition === undefined ? 'music position removed' : `at bar ${fields.musicPosition.bar} beat ${fields.musicPosition.beat}`;
    default:
      return undefined;
  }
}

/** The cue with `fields` applied (`null` removes a field), and the change in words. */
export function withFields(cue: RawCue, fields: CueFields): { cue: RawCue; words: string[] } {
  const next: Record<string, unknown> = { ...cue };
  const words: string[] = [];
  for (const key of Object.keys(fields) as (keyof CueFields)[]) {
    const value = fields[key];
    if (value === undefined) continue;
    const before = (cue as Record<string, unknown>)[key];
    if (JSON.stringify(before) === JSON.stringify(value === null ? undefined : value)) continue;
    const said = describeField(key, cue, fields);
    if (said !== undefined) words.push(said);
    if (value === null || (key === 'autoFollow' && value === false)) delete next[key];
    else next[key] = value;
  }
  return { cue: next as RawCue, words };
}

/** Index of a cue number in a department's cues as written, or -1. */
export function indexOfCue(cues: readonly RawCue[], number: string): number {
  return cues.findIndex((c) => compareCueNumbers(c.number, number) === 0);
}

/** The cues with a new cue that changes nothing, at its place in number order. */
export function insertCue(cues: readonly RawCue[], number: string, fields: CueFields = {}): RawCue[] {
  const next = [...cues];
  next.splice(insertionIndex(next, number), 0, withFields({ number }, fields).cue);
  return next;
}

/** The cues without cue `number`. */
export function deleteCue(cues: readonly RawCue[], number: string): RawCue[] {
  return cues.filter((c) => compareCueNumbers(c.number, number) !== 0);
}
