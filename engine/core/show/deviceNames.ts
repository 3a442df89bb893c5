/**
 * What a video device has (its inventory: scenes, inputs, transitions, macros, clips, templates) and
 * the check of every name a show uses against it. The same check runs in two places, so they can never
 * disagree: `precue validate` against a device profile (a JSON file in the show folder, the inventory
 * written down), and each switcher or playout output against the live device when it connects.
 *
 * Also the show's own references for video outputs (a shot names a camera, a camera names its
 * switcher, a message targets a device of its kind), which `checkShowSemantics` reports.
 */
import { z } from 'zod';
import { formatJsonPath } from '../json/locate.js';
import type { OutputMessage, ShowFile } from './schema.js';
import type { CameraConfig } from './video.js';

/** What an OBS, ATEM or CasparCG has, as its profile file lists it or the device reports it. */
export const deviceInventorySchema = z.discriminatedUnion('kind', [
  z
    .object({
      $schema: z.string().optional(),
      kind: z.literal('obs'),
      scenes: z.array(z.string()),
      inputs: z.array(z.string()).default([]),
      transitions: z.array(z.string()).default([]),
      /** Sources in each scene, by scene name (optional: without it a source is checked against `inputs`). */
      sceneItems: z.record(z.string(), z.array(z.string())).optional(),
    })
    .strict(),
  z
    .object({
      $schema: z.string().optional(),
      kind: z.literal('atem'),
      product: z.string().optional(),
      inputs: z.array(z.object({ id: z.number().int().min(0).max(65535), name: z.string(), short: z.string().optional() }).strict()),
      /** Macros by their number as the ATEM software shows them (1…). */
      macros: z.array(z.object({ number: z.number().int().min(1), name: z.string() }).strict()).default([]),
      mixEffects: z.number().int().min(1).max(4).default(1),
      /** Upstream keyers per M/E. */
      keyers: z.number().int().min(0).max(16).default(1),
      downstreamKeyers: z.number().int().min(0).max(4).default(2),
    })
    .strict(),
  z
    .object({
      $schema: z.string().optional(),
      kind: z.literal('casparcg'),
      channels: z.number().int().min(1).max(64),
      clips: z.array(z.string()),
      templates: z.array(z.string()).default([]),
    })
    .strict(),
]);
/** What a device has. */
export type DeviceInventory = z.infer<typeof deviceInventorySchema>;

/** How crews write each device kind. */
const DEVICE_NAMES: Readonly<Record<DeviceInventory['kind'], string>> = { obs: 'OBS', atem: 'ATEM', casparcg: 'CasparCG' };

/** One name the device lacks, or one broken reference: where in show.json, what, what was expected. */
export interface NameProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
  readonly expected?: string;
}

const list = (names: readonly string[], max = 8): string =>
  names.length === 0 ? '(none)' : `${names.slice(0, max).map((n) => JSON.stringify(n)).join(', ')}${names.length > max ? `, … (${names.length} in all)` : ''}`;

/** CasparCG names media and templates case-insensitively, with `/` or `\` between folders. */
const casparKey = (name: string): string => name.replace(/\\/g, '/').toUpperCase();

/** Where a cue message sits in the show file. */
interface Located<T> {
  readonly message: T;
  readonly path: readonly (string | number)[];
}

function messagesOf<K extends OutputMessage['kind']>(show: ShowFile, kind: K): Array<Located<Extract<OutputMessage, { kind: K }>>> {
  const out: Array<Located<Extract<OutputMessage, { kind: K }>>> = [];
  show.departments.forEach((d, di) =>
    d.cues.forEach((c, ci) =>
      (c.messages ?? []).forEach((m, mi) => {
        if (m.kind === kind) out.push({ message: m as Extract<OutputMessage, { kind: K }>, path: ['departments', di, 'cues', ci, 'messages', mi] });
      }),
    ),
  );
  return out;
}

/** The ATEM input a show names (a number, or a long or short name), or undefined. */
export function findAtemInput(inventory: Extract<DeviceInventory, { kind: 'atem' }>, input: string | number): { id: number; name: string } | undefined {
  if (typeof input === 'number') return inventory.inputs.find((i) => i.id === input);
  const key = input.toLowerCase();
  return inventory.inputs.find((i) => i.name.toLowerCase() === key || i.short?.toLowerCase() === key);
}

/** The ATEM macro a show names (its number, or its name): its number as the ATEM software shows it. */
export function findAtemMacro(inventory: Extract<DeviceInventory, { kind: 'atem' }>, macro: string | number): number | undefined {
  if (typeof macro === 'number') return inventory.macros.some((m) => m.number === macro) ? macro : undefined;
  return inventory.macros.find((m) => m.name.toLowerCase() === macro.toLowerCase())?.number;
}

/**
 * Every name the show uses on output `deviceId` that `inventory` does not have, located in show.json.
 * An inventory of the wrong kind for the output is one problem.
 */
export function checkDeviceNames(show: ShowFile, deviceId: string, inventory: DeviceInventory): NameProblem[] {
  const problems: NameProblem[] = [];
  const switcherIndex = show.outputs.switchers.findIndex((s) => s.id === deviceId);
  const playoutIndex = show.outputs.playout.findIndex((p) => p.id === deviceId);
  const config = show.outputs.switchers[switcherIndex] ?? show.outputs.playout[playoutIndex];
  if (config === undefined) return [{ path: ['outputs'], message: `no switcher or playout output '${deviceId}'` }];
  const base = switcherIndex >= 0 ? ['outputs', 'switchers', switcherIndex] : ['outputs', 'playout', playoutIndex];
  if (config.kind !== inventory.kind) return [{ path: [...base, 'kind'], message: `output '${deviceId}' is ${config.kind}, but its profile describes ${inventory.kind}`, expected: `a ${config.kind} profile` }];
  const what = `${DEVICE_NAMES[config.kind]} '${deviceId}'`;
  const cameras = show.outputs.cameras.map((c, i) => ({ c, i })).filter(({ c }) => c.switcher === deviceId);

  switch (inventory.kind) {
    case 'obs': {
      if (config.kind !== 'obs') break;
      const scenes = new Set(inventory.scenes);
      const scene = (name: string, path: readonly (string | number)[]): void => {
        if (!scenes.has(name)) problems.push({ path, message: `${what} has no scene '${name}'`, expected: `one of ${list(inventory.scenes)}` });
      };
      const transitions = new Set(inventory.transitions);
      const transition = (name: string, path: readonly (string | number)[]): void => {
        if (inventory.transitions.length > 0 && !transitions.has(name)) problems.push({ path, message: `${what} has no transition '${name}'`, expected: `one of ${list(inventory.transitions)}` });
      };
      transition(config.transitions.cut, [...base, 'transitions', 'cut']);
      transition(config.transitions.mix, [...base, 'transitions', 'mix']);
      for (const { c, i } of cameras) {
        if (typeof c.input === 'number') problems.push({ path: ['outputs', 'cameras', i, 'input'], message: `camera '${c.id}' is on OBS '${deviceId}': its input is the name of the scene that shows it, not a number`, expected: `one of ${list(inventory.scenes)}` });
        else scene(c.input, ['outputs', 'cameras', i, 'input']);
      }
      for (const { message: m, path } of messagesOf(show, 'obs')) {
        if (m.target !== deviceId) continue;
        switch (m.action) {
          case 'program-scene':
          case 'preview-scene':
            scene(m.scene, [...path, 'scene']);
            break;
          case 'transition':
            if (m.transition !== undefined) transition(m.transition, [...path, 'transition']);
            break;
          case 'source-visibility': {
            scene(m.scene, [...path, 'scene']);
            const items = inventory.sceneItems?.[m.scene];
            const known = items ?? [...inventory.inputs, ...inventory.scenes];
            if (!known.includes(m.source)) problems.push({ path: [...path, 'source'], message: `${what} has no source '${m.source}'${items !== undefined ? ` in scene '${m.scene}'` : ''}`, expected: `one of ${list(known)}` });
            break;
          }
          case 'media':
            if (!inventory.inputs.includes(m.input)) problems.push({ path: [...path, 'input'], message: `${what} has no input '${m.input}'`, expected: `one of ${list(inventory.inputs)}` });
            break;
          case 'take':
            break;
        }
      }
      break;
    }
    case 'atem': {
      if (config.kind !== 'atem') break;
      const names = inventory.inputs.map((i) => `${i.id} ${i.name}`);
      const input = (value: string | number, path: readonly (string | number)[]): void => {
        if (findAtemInput(inventory, value) === undefined) problems.push({ path, message: `${what} has no input ${JSON.stringify(value)}`, expected: `an input number or name: ${list(names)}` });
      };
      const mixEffect = (me: number | undefined, path: readonly (string | number)[]): void => {
        const n = me ?? config.mixEffect;
        if (n >= inventory.mixEffects) problems.push({ path, message: `${what} has ${inventory.mixEffects} M/E bus${inventory.mixEffects === 1 ? '' : 'es'}; M/E ${n + 1} does not exist`, expected: `me from 0 to ${inventory.mixEffects - 1}` });
      };
      mixEffect(config.mixEffect, [...base, 'mixEffect']);
      for (const { c, i } of cameras) input(c.input, ['outputs', 'cameras', i, 'input']);
      for (const { message: m, path } of messagesOf(show, 'atem')) {
        if (m.target !== deviceId) continue;
        if ('me' in m) mixEffect(m.me, [...path, 'me']);
        switch (m.action) {
          case 'program':
          case 'preview':
            input(m.input, [...path, 'input']);
            break;
          case 'macro':
            if (findAtemMacro(inventory, m.macro) === undefined) problems.push({ path: [...path, 'macro'], message: `${what} has no macro ${JSON.stringify(m.macro)}`, expected: `one of ${list(inventory.macros.map((x) => `${x.number} ${x.name}`))}` });
            break;
          case 'keyer':
            if (m.keyer > inventory.keyers) problems.push({ path: [...path, 'keyer'], message: `${what} has ${inventory.keyers} upstream keyer${inventory.keyers === 1 ? '' : 's'} per M/E`, expected: `keyer from 1 to ${inventory.keyers}` });
            break;
          case 'dsk':
          case 'dsk-auto':
            if (m.keyer > inventory.downstreamKeyers) problems.push({ path: [...path, 'keyer'], message: `${what} has ${inventory.downstreamKeyers} downstream keyer${inventory.downstreamKeyers === 1 ? '' : 's'}`, expected: `keyer from 1 to ${inventory.downstreamKeyers}` });
            break;
          default:
            break;
        }
      }
      break;
    }
    case 'casparcg': {
      const clips = new Set(inventory.clips.map(casparKey));
      const templates = new Set(inventory.templates.map(casparKey));
      for (const { message: m, path } of messagesOf(show, 'casparcg')) {
        if (m.target !== deviceId) continue;
        if (m.channel > inventory.channels) problems.push({ path: [...path, 'channel'], message: `${what} has ${inventory.channels} channel${inventory.channels === 1 ? '' : 's'}`, expected: `channel from 1 to ${inventory.channels}` });
        const clip = m.action === 'load' || m.action === 'play' ? m.clip : undefined;
        if (clip !== undefined && !clips.has(casparKey(clip))) problems.push({ path: [...path, 'clip'], message: `${what} has no clip '${clip}'`, expected: `one of ${list(inventory.clips)}` });
        if (m.action === 'template-add' && !templates.has(casparKey(m.template))) problems.push({ path: [...path, 'template'], message: `${what} has no template '${m.template}'`, expected: `one of ${list(inventory.templates)}` });
      }
      break;
    }
  }
  return problems;
}

/** Formats a name problem for a log line or the console: `show.json departments[2]…: message (expected …)`. */
export function formatNameProblem(p: NameProblem, file = 'show.json'): string {
  return `${file} ${formatJsonPath(p.path)}: ${p.message}${p.expected !== undefined ? ` (expected ${p.expected})` : ''}`;
}

/** The camera a shot or VISCA message addresses (by camera id, or by the camera's VISCA id). */
export function cameraForVisca(show: Pick<ShowFile, 'outputs'>, viscaId: string): CameraConfig | undefined {
  return show.outputs.cameras.find((c) => c.visca === viscaId);
}

/**
 * The show's own references for video outputs: unique ids, cameras naming existing switchers and
 * VISCA links, messages targeting a device of their kind, shots naming a camera that can move.
 */
export function checkVideoReferences(show: ShowFile): NameProblem[] {
  const problems: NameProblem[] = [];
  const { switchers, playout, cameras, visca } = show.outputs;
  const unique = (section: 'switchers' | 'playout' | 'cameras', ids: readonly string[]): void => {
    ids.forEach((x, i) => {
      if (ids.indexOf(x) !== i) problems.push({ path: ['outputs', section, i, 'id'], message: `${section} output '${x}' is defined twice`, expected: 'unique ids' });
    });
  };
  unique('switchers', switchers.map((s) => s.id));
  unique('playout', playout.map((p) => p.id));
  unique('cameras', cameras.map((c) => c.id));
  const viscaIds = new Set(visca.map((v) => v.id));
  cameras.forEach((c, i) => {
    if (!switchers.some((s) => s.id === c.switcher)) problems.push({ path: ['outputs', 'cameras', i, 'switcher'], message: `camera '${c.id}' is on switcher '${c.switcher}', which is not defined`, expected: `an id from outputs.switchers (${switchers.map((s) => s.id).join(', ') || 'none'})` });
    if (c.visca !== undefined && !viscaIds.has(c.visca)) problems.push({ path: ['outputs', 'cameras', i, 'visca'], message: `camera '${c.id}' moves over VISCA output '${c.visca}', which is not defined`, expected: `an id from outputs.visca (${[...viscaIds].join(', ') || 'none'})` });
  });
  const target = (kind: 'obs' | 'atem' | 'casparcg', id: string, path: readonly (string | number)[]): void => {
    const pool = kind === 'casparcg' ? playout : switchers;
    const found = pool.find((d) => d.id === id);
    const section = kind === 'casparcg' ? 'playout' : 'switchers';
    if (found === undefined) problems.push({ path: [...path, 'target'], message: `${kind} message to '${id}', which is not defined`, expected: `an id from outputs.${section} of kind ${kind}` });
    else if (found.kind !== kind) problems.push({ path: [...path, 'target'], message: `${kind} message to '${id}', which is ${found.kind === 'obs' ? 'an' : 'a'} ${found.kind} output`, expected: `an outputs.${section} entry of kind ${kind}` });
  };
  for (const kind of ['obs', 'atem', 'casparcg'] as const) for (const { message: m, path } of messagesOf(show, kind)) target(kind, m.target, path);
  for (const { message: m, path } of messagesOf(show, 'shot')) {
    const camera = cameras.find((c) => c.id === m.target);
    if (camera === undefined) {
      problems.push({ path: [...path, 'target'], message: `shot on camera '${m.target}', which is not defined`, expected: `an id from outputs.cameras (${cameras.map((c) => c.id).join(', ') || 'none'})` });
      continue;
    }
    if ((m.preset !== undefined || m.position !== undefined) && camera.visca === undefined) {
      problems.push({ path: [...path, m.preset !== undefined ? 'preset' : 'position'], message: `shot moves camera '${camera.id}', which has no VISCA link`, expected: `outputs.cameras entry '${camera.id}' with "visca", or a shot without a preset or position` });
    }
    const sw = switchers.find((s) => s.id === camera.switcher);
    if (sw?.kind === 'obs' && typeof m.transition === 'object' && m.transition.style !== 'mix') {
      problems.push({ path: [...path, 'transition', 'style'], message: `OBS '${sw.id}' takes shots with a cut or its mix transition, not a ${m.transition.style}`, expected: '"cut" or { "style": "mix", "durationMs": … }' });
    }
  }
  return problems;
}
