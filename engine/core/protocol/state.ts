/**
 * The engine state a console sees: one snapshot type (sent in `init`) and the deltas that move it on.
 * Types and their zod validators live together; the page validates what it receives with the same
 * schemas the server uses for its own output tests.
 */
import { z } from 'zod';
import { cameraStateSchema, deviceStateSchema } from './devices.js';
import { continuityStateSchema } from './continuity.js';
import { cueNumberSchema, deptIdSchema, deptModeSchema, type DeptMode } from './ids.js';
import { programmingStateSchema } from './programming.js';
import { timelineDeltaSchema, timelineStateSchema } from './timeline.js';

export { cueNumberSchema, deptIdSchema, deptModeSchema, type DeptMode } from './ids.js';

/** Every mode, in the order the page shows them. */
export const DEPT_MODES: readonly DeptMode[] = deptModeSchema.options;


/** One line of a department's cue stack as the console lists it. */
export const cueSummarySchema = z.strictObject({
  number: cueNumberSchema,
  name: z.string().max(200).optional(),
  /** Fade-up time, for display. */
  fadeUpMs: z.number().nonnegative().optional(),
});
/** One line of a department's cue stack. */
export type CueSummary = z.infer<typeof cueSummarySchema>;

/** Where a fire (or a prediction) came from. */
export const decisionSourceSchema = z.enum(['operator', 'keyboard', 'model', 'follow', 'timecode', 'osc', 'msc', 'midi', 'system']);
/** Where a fire (or a prediction) came from. */
export type DecisionSource = z.infer<typeof decisionSourceSchema>;

/** The model's (or timecode's) idea of the next cue in a department. */
export const predictionSchema = z.strictObject({
  cue: cueNumberSchema,
  /** 0..1. */
  confidence: z.number().min(0).max(1),
  /** Engine clock (ms, see `EngineSnapshot.engineTimeMs`) of the predicted fire; null when not yet timed. */
  fireAtMs: z.number().nullable(),
  /** True when the arbiter armed it: in `assist` it waits for a confirm, in `auto` it will fire. */
  armed: z.boolean(),
  source: decisionSourceSchema,
  /**
   * Set (why, one line) when the score follower is lost: the department does not fire on its own, and
   * in `auto` it falls back to `assist` (the armed prediction waits for a confirm) until it re-locks.
   */
  lost: z.string().max(300).optional(),
  /**
   * Set (what, one line) while the cue waits for the band's attack: armed, counting down, and a
   * person may confirm it, but `auto` fires it only once the attack is heard.
   */
  awaiting: z.string().max(300).optional(),
  /**
   * Set (why, one line) on an open entry — a cue the rehearsals disagree on the moment of, as after a
   * vamp: armed and counting down, but only a person fires it, in `auto` too.
   */
  open: z.string().max(300).optional(),
});
/** The model's idea of the next cue in a department. */
export type Prediction = z.infer<typeof predictionSchema>;

/** What the console shows of one department. */
export const deptStateSchema = z.strictObject({
  id: deptIdSchema,
  label: z.string().max(100),
  mode: deptModeSchema,
  /** 0..1; `auto` fires only above it. */
  confidenceThreshold: z.number().min(0).max(1),
  cues: z.array(cueSummarySchema).max(10_000),
  /** The live cue (last GO), the one a GO will fire, and the one after it. */
  current: cueNumberSchema.nullable(),
  standby: cueNumberSchema.nullable(),
  next: cueNumberSchema.nullable(),
  /** HOLD in force: fades paused, follows and the model stopped. */
  held: z.boolean(),
  /** PANIC in force here: the model waits until an operator GOes or releases it (`release-panic`). */
  panicked: z.boolean(),
  /** A fade in progress, 0..1, or null. */
  fadeProgress: z.number().min(0).max(1).nullable(),
  /** Engine clock until which the model is locked out after a manual GO, or null. */
  lockoutUntilMs: z.number().nullable(),
  prediction: predictionSchema.nullable(),
});
/** What the console shows of one department. */
export type DeptState = z.infer<typeof deptStateSchema>;

/** A partial department update; `id` never changes. */
export const deptPatchSchema = deptStateSchema.omit({ id: true }).partial().strict();
/** A partial department update. */
export type DeptPatch = z.infer<typeof deptPatchSchema>;

/** Live listening figures. Levels are dBFS (-120..0). */
export const audioStateSchema = z.strictObject({
  running: z.boolean(),
  rmsDb: z.number().min(-200).max(20),
  peakDb: z.number().min(-200).max(20),
  tempoBpm: z.number().positive().max(400).nullable(),
  tempoConfidence: z.number().min(0).max(1),
  /** Beats counted since the audio started. */
  beatCount: z.number().int().nonnegative(),
  /** 1-based position of the last beat in its bar. */
  beatInBar: z.number().int().min(1).max(16),
  beatsPerBar: z.number().int().min(1).max(16),
  /** 1-based bar number of the last beat. */
  bar: z.number().int().nonnegative(),
  /** Engine clock of the last beat, or null. */
  lastBeatAtMs: z.number().nullable(),
});
/** Live listening figures. */
export type AudioState = z.infer<typeof audioStateSchema>;

/** One DMX universe's output after merge and grand master, 512 bytes base64-encoded. */
export const universeStateSchema = z.strictObject({
  id: z.number().int().min(0).max(65_535),
  label: z.string().max(100),
  /** Base64 of up to 512 bytes (see `encodeDmx`/`decodeDmx`). */
  dmx: z.string().max(700).regex(/^[A-Za-z0-9+/]*={0,2}$/),
});
/** One DMX universe's output. */
export type UniverseState = z.infer<typeof universeStateSchema>;

/** Something that moved a department: who or what, which cue, how sure. */
export const decisionSchema = z.strictObject({
  /** Engine clock. */
  atMs: z.number(),
  /** Department, or null for whole-engine actions (PANIC all, load). */
  dept: deptIdSchema.nullable(),
  /** `standby` makes a cue the standby; `load` loads a show; `stop` freezes fades where they are; `release` lifts PANIC; `edit` changed the show (the note says how). */
  action: z.enum(['go', 'back', 'goto', 'standby', 'stop', 'hold', 'resume', 'panic', 'release', 'confirm', 'reject', 'mode', 'load', 'lockout', 'setting', 'edit']),
  cue: cueNumberSchema.nullable(),
  source: decisionSourceSchema,
  /** Console user (`operator@10.0.0.5`), device or model name; null when the source says it all. */
  who: z.string().max(120).nullable(),
  /** The prediction's confidence for model fires, else null. */
  confidence: z.number().min(0).max(1).nullable(),
  note: z.string().max(300).optional(),
});
/** One entry of the decision log. */
export type Decision = z.infer<typeof decisionSchema>;

/**
 * Shadow mode, scored live: of the operator's GOs in a department (people and the controllers they
 * drive — console, keyboard, OSC, MIDI, MSC), how many the model had predicted, and how far ahead of
 * them it was. Scored in every mode; it is what `manual` and `assist` are for.
 */
export const shadowScoreSchema = z.strictObject({
  /** The department. */
  id: deptIdSchema,
  /** Operator GOs (and GOTOs) scored so far in this run. */
  gos: z.number().int().nonnegative(),
  /** Of those, how many the model had predicted (the same cue, at or above its thresholds) within ±100 ms. */
  within100ms: z.number().int().nonnegative(),
  /** … and within ±1 beat. */
  withinBeat: z.number().int().nonnegative(),
  /** Mean of (operator time − the model's time) over the GOs predicted within a beat, ms; positive: the model was ahead. Null before the first. */
  meanLeadMs: z.number().nullable(),
  /** The last GO scored: its cue, and the model's lead (null when the model had not predicted it). */
  last: z.strictObject({ cue: cueNumberSchema, leadMs: z.number().nullable(), atMs: z.number() }).nullable(),
});
/** Shadow mode's score in one department. */
export type ShadowScore = z.infer<typeof shadowScoreSchema>;

/** The whole state a console needs, sent in `init`. */
export const engineSnapshotSchema = z.strictObject({
  /** Changes on every engine start, so a console can tell a restart from a reconnect. */
  engineId: z.string().min(1).max(100),
  show: z.strictObject({ name: z.string().max(200), path: z.string().max(1000).nullable() }).nullable(),
  /** The engine clock when the snapshot was taken (ms); countdowns are against this clock. */
  engineTimeMs: z.number(),
  /** PANIC in force on the outputs (faded to their safe state until a GO or `release-panic`). */
  panic: z.boolean(),
  /** Blackout in force on the outputs (every light-making channel dark; the looks run on underneath). */
  blackout: z.boolean(),
  /** 0..1 applied after the merge. */
  grandMaster: z.number().min(0).max(1),
  depts: z.array(deptStateSchema).max(64),
  audio: audioStateSchema,
  universes: z.array(universeStateSchema).max(64),
  /** The most recent decisions, oldest first. */
  log: z.array(decisionSchema).max(1000),
  /** External devices (switchers, playout servers, mixers…) and their connection health; absent: none. */
  devices: z.array(deviceStateSchema).max(64).optional(),
  /** Cameras with their tally from the switcher; absent: none. */
  cameras: z.array(cameraStateSchema).max(64).optional(),
  /** The engine's place among several (standby, takeover, resume, peers); absent: an engine that does not say. */
  continuity: continuityStateSchema.optional(),
  /** Programming from the console: every cue's editable fields and revision, undo and redo; absent: the engine cannot edit. */
  programming: programmingStateSchema.optional(),
  /** The show against the music (rehearsal, predictions, fires, bars); absent: the engine keeps none. */
  timeline: timelineStateSchema.optional(),
  /** Shadow mode's score per department (operator GOs the model had predicted); absent: no model. */
  shadow: z.array(shadowScoreSchema).max(64).optional(),
});
/** The whole state a console needs. */
export type EngineSnapshot = z.infer<typeof engineSnapshotSchema>;

/** A change to the snapshot. `reset` means the engine changed wholesale (a show load): re-send `init`. */
export const engineDeltaSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('dept'), dept: deptIdSchema, patch: deptPatchSchema }),
  z.strictObject({ type: z.literal('audio'), audio: audioStateSchema }),
  z.strictObject({ type: z.literal('universe'), universe: universeStateSchema }),
  z.strictObject({ type: z.literal('decision'), decision: decisionSchema }),
  z.strictObject({
    type: z.literal('engine'),
    patch: z.strictObject({ panic: z.boolean().optional(), blackout: z.boolean().optional(), grandMaster: z.number().min(0).max(1).optional() }),
  }),
  z.strictObject({ type: z.literal('reset') }),
  /** A device's whole record (added when new). */
  z.strictObject({ type: z.literal('device'), device: deviceStateSchema }),
  /** A camera's whole record (added when new). */
  z.strictObject({ type: z.literal('camera'), camera: cameraStateSchema }),
  /** The engine's whole continuity record (role, standby link, resume, peers). */
  z.strictObject({ type: z.literal('continuity'), continuity: continuityStateSchema }),
  /** The programming state after a change to the show (whole: changes are rare). */
  z.strictObject({ type: z.literal('programming'), programming: programmingStateSchema }),
  /** What the timeline gained. */
  z.strictObject({ type: z.literal('timeline'), timeline: timelineDeltaSchema }),
  /** A department's shadow score after an operator GO (added when new). */
  z.strictObject({ type: z.literal('shadow'), shadow: shadowScoreSchema }),
]);
/** A change to the snapshot. */
export type EngineDelta = z.infer<typeof engineDeltaSchema>;

/** How many decisions a snapshot keeps. */
export const LOG_LIMIT = 200;

/** An audio state for an engine that is not listening. */
export const SILENT_AUDIO: AudioState = {
  running: false, rmsDb: -120, peakDb: -120, tempoBpm: null, tempoConfidence: 0,
  beatCount: 0, beatInBar: 1, beatsPerBar: 4, bar: 0, lastBeatAtMs: null,
};
