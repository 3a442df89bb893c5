/**
 * Venue files remap a show onto a room's rig — universes, DMX addresses, IPs, ports and MIDI port
 * names — without touching a single cue. `applyVenue` is pure: it returns a new show.
 */
import { z } from 'zod';
import type { FileProblem } from '../errors.js';
import { dmxDriverSchema, oscAllowEntrySchema, oscControlInputSchema, type ShowFile } from './schema.js';

/** The venue-file version this build reads. */
export const VENUE_VERSION = 1;

const port = z.number().int().min(1).max(65535);
const host = z.string().min(1);

/** Driver fields a venue may change. The driver kind itself may change too (e.g. Art-Net → sACN). */
const driverPatchSchema = z
  .object({
    kind: z.enum(['artnet', 'sacn', 'enttec-usb-pro', 'open-dmx', 'null']).optional(),
    host: host.optional(),
    port: z.union([port, z.string().min(1)]).optional().describe('UDP port, or serial port path for USB drivers'),
    net: z.number().int().min(0).max(127).optional(),
    subnet: z.number().int().min(0).max(15).optional(),
    universe: z.number().int().min(0).max(63999).optional(),
    priority: z.number().int().min(0).max(200).optional(),
    sourceName: z.string().max(63).optional(),
    syncUniverse: z.number().int().min(1).max(63999).optional(),
    sync: z.boolean().optional(),
    interface: z.string().min(1).optional(),
  })
  .strict();

/** `venues/<name>.json`. Keys are the show's ids (universe numbers as strings). */
export const venueFileSchema = z
  .object({
    $schema: z.string().optional(),
    version: z.literal(VENUE_VERSION),
    name: z.string().min(1),
    universes: z
      .record(
        z.string().regex(/^\d+$/, "a universe number of the show, e.g. \"1\""),
        z.object({ to: z.number().int().min(1).max(63999).optional(), driver: driverPatchSchema.optional() }).strict(),
      )
      .default({}),
    fixtures: z
      .record(z.string(), z.object({ universe: z.number().int().min(1).max(63999).optional(), address: z.number().int().min(1).max(512).optional() }).strict())
      .default({}),
    osc: z.record(z.string(), z.object({ host: host.optional(), port: port.optional() }).strict()).default({}),
    midi: z.record(z.string(), z.object({ port: z.string().min(1) }).strict()).default({}),
    visca: z.record(z.string(), z.object({ host: host.optional(), port: port.optional() }).strict()).default({}),
    /** Vision mixers (OBS, ATEM) by show id: the room's address. */
    switchers: z.record(z.string(), z.object({ host: host.optional(), port: port.optional() }).strict()).default({}),
    /** Playout servers (CasparCG) by show id. */
    playout: z.record(z.string(), z.object({ host: host.optional(), port: port.optional() }).strict()).default({}),
    mixers: z.record(z.string(), z.object({ host: host.optional(), port: port.optional() }).strict()).default({}),
    sacnCid: z.uuid().optional().describe("This engine's sACN CID in this venue (a backup engine needs its own)"),
    inputs: z
      .object({
        osc: z
          .object({ port: port.optional(), host: host.optional(), allow: z.array(oscAllowEntrySchema).optional(), passcode: z.string().min(1).max(64).optional(), replyPort: port.optional() })
          .strict()
          .optional(),
        midiPort: z.string().min(1).optional(),
        timecodeMidiPort: z.string().min(1).optional(),
      })
      .strict()
      .default({}),
  })
  .strict();
export type VenueFile = z.infer<typeof venueFileSchema>;

/** The result of applying a venue: the remapped show, or the problems that stop it. */
export type VenueResult = { ok: true; show: ShowFile } | { ok: false; problems: FileProblem[] };

/**
 * Applies a venue to a show. Every reference in the venue must name something in the show; a
 * universe moved onto another one, or a driver patch that does not make a valid driver, is a problem.
 */
export function applyVenue(show: ShowFile, venue: VenueFile, venueFileName: string): VenueResult {
  const problems: FileProblem[] = [];
  const problem = (path: string, message: string, expected?: string): void => {
    problems.push(expected === undefined ? { file: venueFileName, path, message } : { file: venueFileName, path, message, expected });
  };
  const universeIds = new Set(show.outputs.universes.map((u) => u.id));
  const universeMap = new Map<number, number>();
  const universes = show.outputs.universes.map((u) => ({ ...u, driver: { ...u.driver } }));

  for (const [key, patch] of Object.entries(venue.universes)) {
    const from = Number(key);
    const index = universes.findIndex((u) => u.id === from);
    const target = universes[index];
    if (target === undefined) {
      problem(`universes.${key}`, `remaps universe ${key}, which the show does not have`, `one of ${[...universeIds].join(', ') || '(no universes)'}`);
      continue;
    }
    if (patch.to !== undefined) universeMap.set(from, patch.to);
    if (patch.driver !== undefined) {
      const merged: Record<string, unknown> = patch.driver.kind !== undefined && patch.driver.kind !== target.driver.kind ? {} : { ...target.driver };
      for (const [k, v] of Object.entries(patch.driver)) if (v !== undefined) merged[k] = v;
      const parsed = dmxDriverSchema.safeParse(merged);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          problem(`universes.${key}.driver${issue.path.length ? '.' + issue.path.join('.') : ''}`, issue.message, 'a complete driver for this kind');
        }
      } else {
        target.driver = parsed.data;
      }
    }
  }
  for (const u of universes) u.id = universeMap.get(u.id) ?? u.id;
  const seen = new Set<number>();
  for (const u of universes) {
    if (seen.has(u.id)) problem('universes', `two show universes end up on universe ${u.id}`, 'each universe remapped to a distinct number');
    seen.add(u.id);
  }

  const fixtureIds = new Set(show.fixtures.map((f) => f.id));
  for (const key of Object.keys(venue.fixtures)) {
    if (!fixtureIds.has(key)) problem(`fixtures.${key}`, `moves fixture '${key}', which the show does not patch`, 'a fixture id from show.json');
  }
  const fixtures = show.fixtures.map((f) => {
    const moved = venue.fixtures[f.id];
    const universe = moved?.universe ?? universeMap.get(f.universe) ?? f.universe;
    return { ...f, universe, address: moved?.address ?? f.address };
  });

  const remapTargets = <T extends { id: string }>(list: readonly T[], patches: Record<string, Partial<T>>, section: string): T[] => {
    const ids = new Set(list.map((t) => t.id));
    for (const key of Object.keys(patches)) {
      if (!ids.has(key)) problem(`${section}.${key}`, `remaps ${section} target '${key}', which the show does not have`, `one of ${[...ids].join(', ') || '(none)'}`);
    }
    return list.map((t) => {
      const p = patches[t.id];
      if (p === undefined) return t;
      const copy: T = { ...t };
      for (const [k, v] of Object.entries(p)) if (v !== undefined) (copy as Record<string, unknown>)[k] = v;
      return copy;
    });
  };
  const osc = remapTargets(show.outputs.osc, venue.osc, 'osc');
  const midi = remapTargets(show.outputs.midi, venue.midi, 'midi');
  const visca = remapTargets(show.outputs.visca, venue.visca, 'visca');
  const switchers = remapTargets(show.outputs.switchers, venue.switchers, 'switchers');
  const playout = remapTargets(show.outputs.playout, venue.playout, 'playout');
  const mixers = show.outputs.mixers === undefined ? undefined : remapTargets(show.outputs.mixers, venue.mixers, 'mixers');
  if (show.outputs.mixers === undefined) for (const key of Object.keys(venue.mixers)) problem(`mixers.${key}`, `remaps mixer '${key}', but the show has no mixers`, 'a mixer id from outputs.mixers');

  const inputs = { ...show.inputs };
  if (venue.inputs.osc !== undefined) {
    const base = inputs.osc ?? oscControlInputSchema.parse({});
    const merged: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(venue.inputs.osc)) if (v !== undefined) merged[k] = v;
    inputs.osc = oscControlInputSchema.parse(merged);
  }
  if (venue.inputs.midiPort !== undefined) {
    if (inputs.midi === undefined) problem('inputs.midiPort', 'renames the MIDI input port, but the show has no MIDI input', 'a show with inputs.midi');
    else inputs.midi = { ...inputs.midi, port: venue.inputs.midiPort };
  }
  if (venue.inputs.timecodeMidiPort !== undefined) {
    if (inputs.timecode === undefined) problem('inputs.timecodeMidiPort', 'renames the timecode port, but the show has no timecode input', 'a show with inputs.timecode');
    else inputs.timecode = { ...inputs.timecode, midiPort: venue.inputs.timecodeMidiPort };
  }

  if (problems.length > 0) return { ok: false, problems };
  const sacnCid = venue.sacnCid ?? show.outputs.sacnCid;
  return { ok: true, show: { ...show, fixtures, outputs: { ...show.outputs, universes, osc, midi, visca, switchers, playout, ...(mixers !== undefined ? { mixers } : {}), ...(sacnCid !== undefined ? { sacnCid } : {}) }, inputs } };
}
