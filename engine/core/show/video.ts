/**
 * Cameras and video in the show file: vision mixers (`outputs.switchers`: OBS over obs-websocket 5,
 * Blackmagic ATEM), playout servers (`outputs.playout`: CasparCG over AMCP), the cameras and where
 * each one is on its switcher (`outputs.cameras`), and the cue messages for them — including the
 * `shot`, a camera department's cue as a director calls it: this camera, this framing, cut (or mix).
 *
 * Names a device must have (scenes, inputs, clips, templates, macros) are checked against a device
 * profile by `precue validate` and against the device itself on connect (see `deviceNames.ts`).
 */
import { z } from 'zod';
import { host, id, ms, port } from './fields.js';

// ---------------------------------------------------------------------------------------------
// Outputs

/** A device profile: a JSON file in the show folder listing what the device has (see `deviceNames.ts`). */
const profile = z.string().min(1).describe('Device profile: a JSON file in the show folder listing what the device has (scenes, inputs, clips…)');
const label = z.string().max(100).optional();

/** OBS Studio with its WebSocket server (obs-websocket protocol 5, OBS 28 and later). */
export const obsSwitcherSchema = z
  .object({
    id,
    kind: z.literal('obs'),
    label,
    host: host.default('127.0.0.1'),
    port: port.default(4455),
    password: z.string().max(200).optional().describe('WebSocket server password (prefer passwordEnv: a show file travels)'),
    passwordEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name').optional().describe('Read the password from this environment variable'),
    /** The OBS transitions a shot uses, by their names in OBS. */
    transitions: z
      .object({ cut: z.string().min(1).default('Cut'), mix: z.string().min(1).default('Fade') })
      .strict()
      .default({ cut: 'Cut', mix: 'Fade' }),
    profile: profile.optional(),
  })
  .strict();

/** A Blackmagic ATEM switcher (UDP 9910). */
export const atemSwitcherSchema = z
  .object({
    id,
    kind: z.literal('atem'),
    label,
    host,
    port: port.default(9910),
    /** The mix/effect bus shots cut on (0 = M/E 1). */
    mixEffect: z.number().int().min(0).max(3).default(0),
    profile: profile.optional(),
  })
  .strict();

/** A vision mixer. */
export const switcherSchema = z.discriminatedUnion('kind', [obsSwitcherSchema, atemSwitcherSchema]);
export type SwitcherConfig = z.infer<typeof switcherSchema>;

/** A CasparCG playout server (AMCP over TCP 5250). */
export const casparcgPlayoutSchema = z
  .object({ id, kind: z.literal('casparcg'), label, host, port: port.default(5250), profile: profile.optional() })
  .strict();
/** A playout server. */
export const playoutSchema = z.discriminatedUnion('kind', [casparcgPlayoutSchema]);
export type PlayoutConfig = z.infer<typeof playoutSchema>;

/** A switcher input: an OBS scene name, or an ATEM input number or name. */
export const switcherInputSchema = z
  .union([z.string().min(1).max(100), z.number().int().min(0).max(65535)])
  .describe('OBS: the scene that shows this camera; ATEM: the input number (or its long or short name)');

/** A camera: where it is on its switcher (for tally and shots) and, if it moves, its VISCA link. */
export const cameraSchema = z
  .object({
    id,
    label,
    /** `outputs.visca` id of a PTZ camera; absent for a fixed camera. */
    visca: id.optional(),
    /** The switcher (`outputs.switchers` id) it is on, and its input there. */
    switcher: id,
    input: switcherInputSchema,
    /** How long a cut waits for the camera to report it has arrived (VISCA position inquiry). */
    settleLimitMs: ms.max(10_000).default(1000),
  })
  .strict();
export type CameraConfig = z.infer<typeof cameraSchema>;

// ---------------------------------------------------------------------------------------------
// Cue messages

/** OBS: scenes, transition, studio-mode take, source visibility, media inputs. */
export const obsMessageSchema = z.discriminatedUnion('action', [
  z.object({ kind: z.literal('obs'), target: id, action: z.literal('program-scene'), scene: z.string().min(1) }).strict(),
  z.object({ kind: z.literal('obs'), target: id, action: z.literal('preview-scene'), scene: z.string().min(1) }).strict(),
  z
    .object({ kind: z.literal('obs'), target: id, action: z.literal('transition'), transition: z.string().min(1).optional(), durationMs: ms.max(20_000).optional() })
    .strict()
    .refine((m) => m.transition !== undefined || m.durationMs !== undefined, 'a transition name, a durationMs, or both'),
  /** Studio mode: take the preview scene to program with the current transition. */
  z.object({ kind: z.literal('obs'), target: id, action: z.literal('take') }).strict(),
  z.object({ kind: z.literal('obs'), target: id, action: z.literal('source-visibility'), scene: z.string().min(1), source: z.string().min(1), visible: z.boolean() }).strict(),
  z
    .object({ kind: z.literal('obs'), target: id, action: z.literal('media'), input: z.string().min(1), media: z.enum(['play', 'pause', 'stop', 'restart', 'next', 'previous']) })
    .strict(),
]);
export type ObsMessage = z.infer<typeof obsMessageSchema>;

const me = z.number().int().min(0).max(3).optional().describe('mix/effect bus, 0 = M/E 1 (default: the switcher\'s)');
/** ATEM transition styles. */
export const atemTransitionStyles = ['mix', 'dip', 'wipe', 'dve', 'sting'] as const;
/** ATEM: cut, auto, program/preview input, transition style and rate, macros, keyers. */
export const atemMessageSchema = z.discriminatedUnion('action', [
  z.object({ kind: z.literal('atem'), target: id, action: z.literal('cut'), me }).strict(),
  z.object({ kind: z.literal('atem'), target: id, action: z.literal('auto'), me }).strict(),
  z.object({ kind: z.literal('atem'), target: id, action: z.literal('program'), input: switcherInputSchema, me }).strict(),
  z.object({ kind: z.literal('atem'), target: id, action: z.literal('preview'), input: switcherInputSchema, me }).strict(),
  z.object({ kind: z.literal('atem'), target: id, action: z.literal('transition-style'), style: z.enum(atemTransitionStyles), me }).strict(),
  z
    .object({ kind: z.literal('atem'), target: id, action: z.literal('transition-rate'), style: z.enum(['mix', 'dip', 'wipe']), frames: z.number().int().min(1).max(250), me })
    .strict(),
  z
    .object({ kind: z.literal('atem'), target: id, action: z.literal('macro'), macro: z.union([z.number().int().min(1).max(100), z.string().min(1)]).describe('macro number as the ATEM software shows it (1…), or its name') })
    .strict(),
  z.object({ kind: z.literal('atem'), target: id, action: z.literal('keyer'), keyer: z.number().int().min(1).max(4), onAir: z.boolean(), me }).strict(),
  z.object({ kind: z.literal('atem'), target: id, action: z.literal('dsk'), keyer: z.number().int().min(1).max(4), onAir: z.boolean() }).strict(),
  z.object({ kind: z.literal('atem'), target: id, action: z.literal('dsk-auto'), keyer: z.number().int().min(1).max(4) }).strict(),
]);
export type AtemMessage = z.infer<typeof atemMessageSchema>;

const channel = z.number().int().min(1).max(64);
const layer = z.number().int().min(0).max(9999);
const cgLayer = z.number().int().min(0).max(9999).default(1);
const templateData = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a template field name'), z.union([z.string().max(1000), z.number()]));
/** CasparCG: clips on a channel-layer, HTML/Flash templates (CG). */
export const casparcgMessageSchema = z.discriminatedUnion('action', [
  /** Cue a clip in the layer's background (LOADBG); the next `play` on the layer starts it. */
  z.object({ kind: z.literal('casparcg'), target: id, action: z.literal('load'), channel, layer, clip: z.string().min(1).max(500), loop: z.boolean().default(false) }).strict(),
  /** PLAY: the named clip now, or (without `clip`) the one cued by `load`. */
  z.object({ kind: z.literal('casparcg'), target: id, action: z.literal('play'), channel, layer, clip: z.string().min(1).max(500).optional(), loop: z.boolean().default(false) }).strict(),
  z.object({ kind: z.literal('casparcg'), target: id, action: z.literal('stop'), channel, layer }).strict(),
  z
    .object({ kind: z.literal('casparcg'), target: id, action: z.literal('template-add'), channel, layer, cgLayer, template: z.string().min(1).max(500), playOnLoad: z.boolean().default(true), data: templateData.optional() })
    .strict(),
  z.object({ kind: z.literal('casparcg'), target: id, action: z.literal('template-update'), channel, layer, cgLayer, data: templateData }).strict(),
  z.object({ kind: z.literal('casparcg'), target: id, action: z.literal('template-stop'), channel, layer, cgLayer }).strict(),
]);
export type CasparcgMessage = z.infer<typeof casparcgMessageSchema>;

/** How a shot goes to air: a cut, or a timed transition (OBS: the switcher's mix transition). */
export const shotTransitionSchema = z.union([
  z.literal('cut'),
  z.object({ style: z.enum(['mix', 'dip', 'wipe']).default('mix'), durationMs: ms.min(1).max(10_000) }).strict(),
]);
export type ShotTransition = z.infer<typeof shotTransitionSchema>;

/** An absolute camera position in the camera's own VISCA units (read them from a position inquiry). */
export const cameraPositionSchema = z
  .object({ pan: z.number().int().min(-32768).max(32767), tilt: z.number().int().min(-32768).max(32767), zoom: z.number().int().min(0).max(65535).optional() })
  .strict();
export type CameraPosition = z.infer<typeof cameraPositionSchema>;

/**
 * A shot: the camera (`outputs.cameras` id), where it should point (a preset or a position; none for
 * a fixed camera or the framing it has) and how it goes to air. A camera on program never moves for
 * a shot unless `moveLive` says so: its move waits until the camera is off air.
 */
export const shotMessageSchema = z
  .object({
    kind: z.literal('shot'),
    target: id.describe('the camera: an outputs.cameras id'),
    preset: z.number().int().min(0).max(254).optional(),
    position: cameraPositionSchema.optional(),
    transition: shotTransitionSchema.default('cut'),
    moveLive: z.boolean().default(false),
  })
  .strict()
  .refine((s) => s.preset === undefined || s.position === undefined, 'a preset or a position, not both');
export type ShotMessage = z.infer<typeof shotMessageSchema>;
