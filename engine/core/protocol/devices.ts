/**
 * Devices in the console protocol: one small, generic record per external device the engine drives
 * over a connection (a vision mixer, a playout server, an audio console…), and the tally of each
 * camera. Any device kind reports the same shape, so the console shows every device the same way:
 *
 * - `health` says whether commands reach it now; `detail` says why not in one sentence.
 * - `retryAtMs`/`attempts` say when the engine tries again (it always does, with back-off).
 * - `facts` holds what a crew reads at a glance (program scene, transition, firmware…), kind-specific.
 * - `problems` lists names the show uses that the device does not have, located in the show file.
 *
 * A device kind adds nothing to the protocol: it fills `kind`, `facts` and `problems`.
 */
import { z } from 'zod';

/**
 * How a device connection is doing.
 * - `connecting`: the first attempt is under way;
 * - `connected`: up, and every name the show uses was found;
 * - `degraded`: up, but something is wrong (`problems`, or commands failing): commands still go;
 * - `retrying`: down (lost, refused or never reached); the next attempt is at `retryAtMs`;
 * - `off`: not started, or stopped with the engine.
 */
export const deviceHealthSchema = z.enum(['connecting', 'connected', 'degraded', 'retrying', 'off']);
/** How a device connection is doing. */
export type DeviceHealth = z.infer<typeof deviceHealthSchema>;

/** One fact about a device for the console (a scene name, a rate, a version). */
export const deviceFactSchema = z.union([z.string().max(200), z.number(), z.boolean(), z.null()]);

/** One device the engine drives, as the console shows it. */
export const deviceStateSchema = z.strictObject({
  /** The output's id in the show (`outputs.switchers[].id`, …). */
  id: z.string().min(1).max(64),
  /** What it is: `obs`, `atem`, `casparcg`, `x32`, … (free text: a new kind needs no protocol change). */
  kind: z.string().min(1).max(32),
  label: z.string().max(100),
  /** Where it is, e.g. `10.0.0.20:9910`. */
  address: z.string().max(200),
  health: deviceHealthSchema,
  /** One sentence: why it is not connected, or what is wrong; null when all is well. */
  detail: z.string().max(300).nullable(),
  /** Engine clock (ms) of the last health change. */
  sinceMs: z.number(),
  /** Engine clock of the next connection attempt while `retrying`, else null. */
  retryAtMs: z.number().nullable(),
  /** Failed attempts since the device was last connected. */
  attempts: z.number().int().nonnegative(),
  /** Facts a crew reads at a glance, by name (at most 16). */
  facts: z.record(z.string().max(40), deviceFactSchema).refine((r) => Object.keys(r).length <= 16, 'at most 16 facts'),
  /** Names the show uses that the device does not have, each located (`show.json departments[2].cues[4]…`). */
  problems: z.array(z.string().max(300)).max(50),
});
/** One device the engine drives, as the console shows it. */
export type DeviceState = z.infer<typeof deviceStateSchema>;

/** A camera move held back because the camera is on program. */
export const heldMoveSchema = z.strictObject({
  /** The department and cue that asked for it. */
  dept: z.string().max(16),
  cue: z.string().max(16),
  /** What was held, e.g. `preset 3`. */
  what: z.string().max(100),
  /** Engine clock when it was held. */
  sinceMs: z.number(),
  /**
   * The department's standby cue is a shot on another camera: this camera leaves program when it goes
   * (the console counts down to the model's time for that cue).
   */
  standbyCutsAway: z.boolean(),
});
/** A camera move held back because the camera is on program. */
export type HeldMove = z.infer<typeof heldMoveSchema>;

/** One camera's tally and movement, as the console shows it. */
export const cameraStateSchema = z.strictObject({
  id: z.string().min(1).max(64),
  label: z.string().max(100),
  /** The switcher that gives this camera its tally, and the input it is on there. */
  switcher: z.string().max(64),
  input: z.string().max(100),
  /** On air (program) / next (preview) on that switcher. False while the tally is unknown. */
  program: z.boolean(),
  preview: z.boolean(),
  /** False while the switcher is not connected: the tally lights are not to be trusted. */
  tallyKnown: z.boolean(),
  /** A move was sent and the camera has not yet reported that it arrived. */
  moving: z.boolean(),
  /** The move waiting for this camera to leave program, or null. */
  held: heldMoveSchema.nullable(),
});
/** One camera's tally and movement. */
export type CameraState = z.infer<typeof cameraStateSchema>;
