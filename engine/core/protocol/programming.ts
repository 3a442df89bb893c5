/**
 * Programming from the console: the commands that change the show while it runs (record a look,
 * insert a cue, edit a cue's times and label, move it to a bar and beat, delete it, undo, redo) and
 * the state a console needs to edit safely — every cue's fields with its revision, and what undo and
 * redo would do. Every change names the revision it was made against: a cue changed by someone else
 * since is a conflict, never a silent overwrite.
 */
import { z } from 'zod';
import { cueNumberSchema, deptIdSchema } from './ids.js';

const ms = z.number().min(0).max(86_400_000);
/** A revision number (0: never changed since the engine started). */
const revision = z.number().int().nonnegative();

/** A bar and beat in the music (1-based; the beat may fall between beats, 2.5). */
export const musicPositionStateSchema = z.strictObject({
  bar: z.number().int().min(1).max(100_000),
  beat: z.number().min(1).max(16.999),
});
/** A bar and beat in the music. */
export type MusicPositionState = z.infer<typeof musicPositionStateSchema>;

/**
 * Fields of a cue a console may change. `null` removes an optional field (a cue without a fade-down
 * time fades down in its fade-up time; without a name it is unnamed).
 */
export const cueFieldsSchema = z.strictObject({
  name: z.string().max(200).nullable().optional(),
  fadeUpMs: ms.optional(),
  fadeDownMs: ms.nullable().optional(),
  delayMs: ms.optional(),
  /** GO the next cue when this cue's fades complete. */
  autoFollow: z.boolean().optional(),
  /** GO the next cue this long after this cue's GO. */
  autoContinueMs: ms.nullable().optional(),
  musicPosition: musicPositionStateSchema.nullable().optional(),
});
/** Fields of a cue a console may change. */
export type CueFields = z.infer<typeof cueFieldsSchema>;

/** How a recorded change reaches the cues after it. */
export const recordModeSchema = z.enum(['tracking', 'cue-only']);
/** How a recorded change reaches the cues after it. */
export type RecordModeState = z.infer<typeof recordModeSchema>;

/** The programming commands, as members of the console command union (see `messages.ts`). */
export const programmingCommandSchemas = [
  /**
   * Record the department's look on stage into cue `cue`: a new cue when `baseRev` is null (refused if
   * the number is taken), else an update of that cue at revision `baseRev`. `mode` overrides the
   * department's record mode; `fields` set times and name. `updateLive`: a cue live on stage whose look
   * changes goes to its new look now (else it keeps its look until the next GO).
   */
  z.strictObject({
    type: z.literal('record-cue'), dept: deptIdSchema, cue: cueNumberSchema, baseRev: revision.nullable(),
    mode: recordModeSchema.optional(), fields: cueFieldsSchema.optional(), updateLive: z.boolean().optional(),
  }),
  /** Insert a cue that changes nothing (a point cue such as 12.5, to record into or hang messages on). */
  z.strictObject({ type: z.literal('insert-cue'), dept: deptIdSchema, cue: cueNumberSchema, fields: cueFieldsSchema.optional() }),
  /** Change a cue's fields; refused when the cue is no longer at revision `baseRev`. */
  z.strictObject({
    type: z.literal('edit-cue'), dept: deptIdSchema, cue: cueNumberSchema, baseRev: revision, fields: cueFieldsSchema, updateLive: z.boolean().optional(),
  }),
  /** Delete a cue (refused when it is live, or no longer at revision `baseRev`). */
  z.strictObject({ type: z.literal('delete-cue'), dept: deptIdSchema, cue: cueNumberSchema, baseRev: revision }),
  /** Undo the last change, if the show is still at `revision` (what this console saw). */
  z.strictObject({ type: z.literal('undo'), revision, updateLive: z.boolean().optional() }),
  /** Redo the last undone change, if the show is still at `revision`. */
  z.strictObject({ type: z.literal('redo'), revision, updateLive: z.boolean().optional() }),
] as const;

/** The programming command types (all need the `operator` role). */
export const PROGRAMMING_COMMANDS = ['record-cue', 'insert-cue', 'edit-cue', 'delete-cue', 'undo', 'redo'] as const;
/** A programming command's type. */
export type ProgrammingCommandType = (typeof PROGRAMMING_COMMANDS)[number];

/** One cue as the programming panel shows and edits it. */
export const cueDetailSchema = z.strictObject({
  number: cueNumberSchema,
  name: z.string().max(200).optional(),
  fadeUpMs: ms,
  fadeDownMs: ms.optional(),
  delayMs: ms,
  autoFollow: z.boolean(),
  autoContinueMs: ms.optional(),
  musicPosition: musicPositionStateSchema.optional(),
  /** True when the cue moves fixtures (has levels). */
  hasLevels: z.boolean(),
  /** Changes made to this cue since the engine started; an edit names the one it was made against. */
  rev: revision,
  /** Who made the last change (`operator@10.0.0.5`) and when (engine ms), when it was changed here. */
  editedBy: z.string().max(120).optional(),
  editedAtMs: z.number().optional(),
});
/** One cue as the programming panel shows it. */
export type CueDetail = z.infer<typeof cueDetailSchema>;

/** One change in the history: what undo (or redo) would do. */
export const historyEntrySchema = z.strictObject({
  /** The show's revision that change made. */
  revision,
  label: z.string().max(200),
  who: z.string().max(120),
  atMs: z.number(),
});
/** One change in the history. */
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

/** What a console needs to edit the show. */
export const programmingStateSchema = z.strictObject({
  /** Changes (edits, undos, redos) since the engine started. */
  revision,
  /** Where changes are saved (the show file), and whether they can be. */
  file: z.string().max(1000).nullable(),
  /** Why changes cannot be saved (the file changed on disk, a read-only folder…); null when they can. */
  readOnly: z.string().max(300).nullable(),
  /** The change undo would take back, and the one redo would make again. */
  undo: historyEntrySchema.nullable(),
  redo: historyEntrySchema.nullable(),
  /** Steps available either way. */
  undoDepth: z.number().int().nonnegative(),
  redoDepth: z.number().int().nonnegative(),
  depts: z.array(z.strictObject({ dept: deptIdSchema, recordMode: recordModeSchema, hasLevels: z.boolean(), cues: z.array(cueDetailSchema).max(10_000) })).max(64),
});
/** What a console needs to edit the show. */
export type ProgrammingState = z.infer<typeof programmingStateSchema>;
