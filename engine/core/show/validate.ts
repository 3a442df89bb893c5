/**
 * Show validation: every problem at once, each located (file, line, column, JSON path) and saying
 * what was expected. Schema problems come from zod; the rest are the checks a patch sheet needs —
 * unknown fixture types, overlapping addresses, addresses past 512, cues that name missing fixtures,
 * messages to outputs that do not exist.
 */
import { encodeMixerValue, MIXER_PROFILES, resolveMixerParam } from '../mixer/profile.js';
import type { z } from 'zod';
import type { FileProblem } from '../errors.js';
import { choiceMatches } from '../fixtures/profile.js';
import { parseLocatedJson, type LocatedJson } from '../json/locate.js';
import { checkDeviceNames, checkVideoReferences, deviceInventorySchema } from './deviceNames.js';
import { migrate } from './migrations.js';
import { SHOW_VERSION, showFileSchema, type ShowFile } from './schema.js';
import { applyVenue, VENUE_VERSION, venueFileSchema, type VenueFile } from './venue.js';
import { pushAll } from '../vector.js';

/** What validation needs to know about fixture types: their modes and each mode's footprint. */
export interface FixtureCatalog {
  /** `undefined` when the type is unknown. */
  modes(type: string): ReadonlyArray<{ name: string; shortName?: string; channelCount: number }> | undefined;
  /** Known types, for the "expected" part of an unknown-type message. */
  types(): readonly string[];
  /**
   * What a look's `gobo` / `colorWheel` may select on a fixture of this type and mode (see
   * `choiceMatches`); undefined when unknown. Optional: a catalog without it skips the check.
   */
  choices?(type: string, mode: string): ReadonlyMap<'gobo' | 'colorWheel', { readonly names: readonly string[]; readonly count: number }> | undefined;
}

/** Result of checking a file: the parsed value when usable, and every problem found. */
export interface Checked<T> {
  readonly value: T | undefined;
  readonly problems: readonly FileProblem[];
}

function expectedOf(issue: z.core.$ZodIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'never' ? 'no such property' : `a value of type ${issue.expected}`;
    case 'too_big':
      return `${issue.origin === 'array' ? 'at most' : 'a value up to'} ${String(issue.maximum)}${issue.origin === 'array' ? ' items' : ''}`;
    case 'too_small':
      return `${issue.origin === 'array' ? 'at least' : 'a value from'} ${String(issue.minimum)}${issue.origin === 'array' ? ' items' : ''}`;
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_format':
      return issue.message;
    case 'unrecognized_keys':
      return 'only the properties the schema defines';
    case 'invalid_union':
      return 'one of the documented forms';
    case 'custom':
      return issue.message;
    default:
      return undefined;
  }
}

/** Converts zod issues into located problems (one per unknown key for `unrecognized_keys`). */
export function zodProblems(doc: LocatedJson, error: z.ZodError): FileProblem[] {
  const out: FileProblem[] = [];
  for (const issue of error.issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push(doc.problemAt([...path, key], `unknown property '${key}'`, expectedOf(issue)));
      continue;
    }
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // Report the branch that got furthest: its first issue is usually the real mistake.
      const best = [...issue.errors].sort((a, b) => a.length - b.length)[0];
      const first = best?.[0];
      if (first !== undefined && best !== undefined && best.length <= 2) {
        const inner = first.path.filter((p): p is string | number => typeof p !== 'symbol');
        out.push(doc.problemAt([...path, ...inner], first.message, expectedOf(first)));
        continue;
      }
    }
    out.push(doc.problemAt(path, issue.message, expectedOf(issue)));
  }
  return out;
}

/** Parses and checks `show.json` text (schema, migrations, semantics). */
export function checkShowText(text: string, file: string, catalog: FixtureCatalog): Checked<ShowFile> {
  const doc = parseLocatedJson(text, file);
  if (doc.syntaxProblems.length > 0) return { value: undefined, problems: doc.syntaxProblems };
  if (typeof doc.value !== 'object' || doc.value === null || Array.isArray(doc.value)) {
    return { value: undefined, problems: [doc.problemAt([], 'the show file is not a JSON object', 'an object with "version", "name", "departments"…')] };
  }
  const migrated = migrate(doc.value as Record<string, unknown>, SHOW_VERSION);
  if (!migrated.ok) {
    const f = migrated.failure;
    const message =
      f.kind === 'newer'
        ? `this show is version ${f.found}, newer than this Precue understands (up to ${f.supported}); update Precue to open it`
        : f.kind === 'no-version'
          ? `"version" is ${JSON.stringify(f.found)}`
          : `no migration from version ${f.missingFrom}`;
    return { value: undefined, problems: [doc.problemAt(['version'], message, versionsExpected(SHOW_VERSION))] };
  }
  const parsed = showFileSchema.safeParse(migrated.doc);
  if (!parsed.success) return { value: undefined, problems: zodProblems(doc, parsed.error) };
  const problems = checkShowSemantics(parsed.data, catalog, (path, message, expected) => doc.problemAt(path, message, expected));
  return { value: problems.length === 0 ? parsed.data : undefined, problems };
}

function versionsExpected(supported: number): string {
  return supported === 1 ? 'version 1' : `an integer version from 1 to ${supported}`;
}

type Locate = (path: readonly (string | number)[], message: string, expected?: string) => FileProblem;

/**
 * The checks a schema cannot make: references between parts of the show and the DMX patch itself.
 * `at` turns a JSON path into a located problem.
 */
export function checkShowSemantics(show: ShowFile, catalog: FixtureCatalog, at: Locate): FileProblem[] {
  const problems: FileProblem[] = [];
  const universeIds = new Set(show.outputs.universes.map((u) => u.id));

  show.outputs.universes.forEach((u, i) => {
    if (show.outputs.universes.findIndex((v) => v.id === u.id) !== i) {
      problems.push(at(['outputs', 'universes', i, 'id'], `universe ${u.id} is listed twice`, 'each universe once'));
    }
  });
  for (const section of ['osc', 'midi', 'visca'] as const) {
    const list: ReadonlyArray<{ id: string }> = show.outputs[section];
    list.forEach((t, i) => {
      if (list.findIndex((v) => v.id === t.id) !== i) problems.push(at(['outputs', section, i, 'id'], `${section} output '${t.id}' is defined twice`, 'unique ids'));
    });
  }

  // Patch: types, modes, footprints, overlaps.
  const fixtureIds = new Set<string>();
  const occupied = new Map<number, Array<{ from: number; to: number; id: string }>>();
  show.fixtures.forEach((f, i) => {
    if (fixtureIds.has(f.id)) problems.push(at(['fixtures', i, 'id'], `fixture id '${f.id}' is used twice`, 'a unique fixture id'));
    fixtureIds.add(f.id);
    const modes = catalog.modes(f.type);
    if (modes === undefined) {
      const known = catalog.types();
      problems.push(at(['fixtures', i, 'type'], `unknown fixture type '${f.type}'`, `a definition in fixtures/ such as ${known.slice(0, 6).join(', ')}${known.length > 6 ? ', …' : ''}`));
      return;
    }
    const mode = modes.find((m) => m.name === f.mode || m.shortName === f.mode);
    if (mode === undefined) {
      problems.push(at(['fixtures', i, 'mode'], `fixture type '${f.type}' has no mode '${f.mode}'`, `one of ${modes.map((m) => JSON.stringify(m.shortName ?? m.name)).join(', ')}`));
      return;
    }
    const last = f.address + mode.channelCount - 1;
    if (f.address > 512) {
      problems.push(at(['fixtures', i, 'address'], `fixture '${f.id}' starts at address ${f.address}, past channel 512`, `a start address from 1 to ${513 - mode.channelCount}`));
    } else if (last > 512) {
      problems.push(at(['fixtures', i, 'address'], `fixture '${f.id}' needs ${mode.channelCount} channels from address ${f.address}, past channel 512 (ends at ${last})`, `a start address from 1 to ${513 - mode.channelCount}`));
    }
    if (!universeIds.has(f.universe)) {
      problems.push(at(['fixtures', i, 'universe'], `fixture '${f.id}' is on universe ${f.universe}, which has no output`, `a universe listed in outputs.universes (${[...universeIds].join(', ') || 'none'})`));
    }
    const taken = occupied.get(f.universe) ?? [];
    for (const other of taken) {
      if (f.address <= other.to && last >= other.from) {
        problems.push(at(['fixtures', i, 'address'], `fixture '${f.id}' (${f.universe}/${f.address}–${last}) overlaps '${other.id}' (${f.universe}/${other.from}–${other.to})`, 'fixtures on separate addresses'));
      }
    }
    taken.push({ from: f.address, to: last, id: f.id });
    occupied.set(f.universe, taken);
  });

  for (const [group, members] of Object.entries(show.groups)) {
    if (fixtureIds.has(group)) problems.push(at(['groups', group], `group '${group}' has the same id as a fixture`, 'group ids distinct from fixture ids'));
    members.forEach((m, j) => {
      if (!fixtureIds.has(m)) problems.push(at(['groups', group, j], `group '${group}' names fixture '${m}', which is not patched`, 'a fixture id from "fixtures"'));
    });
  }
  const targets = new Set([...fixtureIds, ...Object.keys(show.groups)]);
  const outputIds = {
    osc: new Set(show.outputs.osc.map((t) => t.id)),
    midi: new Set(show.outputs.midi.map((t) => t.id)),
    visca: new Set(show.outputs.visca.map((t) => t.id)),
  };

  const deptIds = new Set<string>();
  show.departments.forEach((d, di) => {
    if (deptIds.has(d.id)) problems.push(at(['departments', di, 'id'], `department '${d.id}' is defined twice`, 'unique department ids'));
    deptIds.add(d.id);
    const numbers = new Set<number>();
    d.cues.forEach((c, ci) => {
      const base = ['departments', di, 'cues', ci] as const;
      const n = Number(c.number);
      if (numbers.has(n)) problems.push(at([...base, 'number'], `cue ${c.number} appears twice in ${d.id}`, 'unique cue numbers in a department'));
      numbers.add(n);
      // Both would GO the next cue, one after the other: a cue continues one way.
      if (c.autoFollow === true && c.autoContinueMs !== undefined) problems.push(at([...base, 'autoContinueMs'], `cue ${d.id} ${c.number} both auto-follows and auto-continues, which would GO the next cue twice`, 'autoFollow or autoContinueMs, not both'));
      for (const [key, look] of Object.entries(c.levels ?? {})) {
        if (!targets.has(key)) problems.push(at([...base, 'levels', key], `cue ${d.id} ${c.number} sets '${key}', which is neither a patched fixture nor a group`, 'a fixture or group id'));
        else pushAll(problems, checkSlotNames(show, catalog, key, look, (prop, message, expected) => at([...base, 'levels', key, prop], `cue ${d.id} ${c.number}: ${message}`, expected)));
      }
      (c.messages ?? []).forEach((m, mi) => {
        // Switchers, playout and shots are checked with the rest of the video outputs below.
        if (m.kind === 'obs' || m.kind === 'atem' || m.kind === 'casparcg' || m.kind === 'shot') return;
        const section = m.kind === 'osc' || m.kind === 'osc-bundle' ? 'osc' : m.kind === 'visca' ? 'visca' : 'midi';
        if (!outputIds[section].has(m.target)) {
          problems.push(at([...base, 'messages', mi, 'target'], `cue ${d.id} ${c.number} sends to ${section} output '${m.target}', which is not defined`, `an id from outputs.${section}`));
        }
      });
      (c.mixer ?? []).forEach((m, mi) => {
        const desk = show.outputs.mixers?.find((x) => x.id === m.mixer);
        const profile = desk === undefined ? undefined : MIXER_PROFILES.get(desk.kind);
        if (profile === undefined) {
          problems.push(at([...base, 'mixer', mi, 'mixer'], `cue ${d.id} ${c.number} moves mixer '${m.mixer}', which is not defined`, 'an id from outputs.mixers'));
          return;
        }
        try {
          encodeMixerValue(resolveMixerParam(profile, m.param), m.value);
        } catch (err) {
          problems.push(at([...base, 'mixer', mi], `cue ${d.id} ${c.number}: ${err instanceof Error ? err.message.replace(/^mixer: /, '') : String(err)}`, `a parameter and value the ${profile.name} has`));
        }
      });
      (c.bindings ?? []).forEach((b, bi) => {
        const list = Array.isArray(b.target) ? b.target : [b.target];
        list.forEach((t) => {
          if (!targets.has(t)) problems.push(at([...base, 'bindings', bi, 'target'], `binding in cue ${d.id} ${c.number} drives '${t}', which is neither a patched fixture nor a group`, 'a fixture or group id'));
        });
        if (b.range[0] > b.range[1]) problems.push(at([...base, 'bindings', bi, 'range'], `range [${b.range[0]}, ${b.range[1]}] runs backwards`, '[min, max] with min ≤ max'));
      });
      if (c.timecode !== undefined && show.inputs.timecode === undefined) {
        problems.push(at([...base, 'timecode'], `cue ${d.id} ${c.number} fires at timecode, but the show has no timecode input`, 'inputs.timecode set'));
      }
    });
  });
  for (const p of checkVideoReferences(show)) problems.push(at(p.path, p.message, p.expected));
  return problems;
}

/**
 * A look's gobo and colour-wheel names checked against every patched fixture it reaches that has such
 * a wheel: a misspelt slot would otherwise play as the open slot on stage.
 */
function checkSlotNames(
  show: ShowFile,
  catalog: FixtureCatalog,
  target: string,
  look: { readonly gobo?: string | number; readonly colorWheel?: string },
  at: (prop: string, message: string, expected: string) => FileProblem,
): FileProblem[] {
  if (catalog.choices === undefined || (look.gobo === undefined && look.colorWheel === undefined)) return [];
  const members = show.groups[target] ?? [target];
  const problems: FileProblem[] = [];
  for (const prop of ['gobo', 'colorWheel'] as const) {
    const wanted = look[prop];
    if (wanted === undefined) continue;
    for (const id of members) {
      const fixture = show.fixtures.find((f) => f.id === id);
      const choice = fixture === undefined ? undefined : catalog.choices(fixture.type, fixture.mode)?.get(prop);
      if (choice === undefined || choiceMatches(choice, wanted)) continue;
      const what = prop === 'gobo' ? 'gobo' : 'colour-wheel slot';
      const options = typeof wanted === 'number' ? `a gobo number from 0 to ${choice.count}` : `one of ${[...new Set(choice.names)].map((n) => JSON.stringify(n)).join(', ')}`;
      problems.push(at(prop, `'${id}' (${fixture!.type}) has no ${what} ${JSON.stringify(wanted)}`, options));
      break; // one problem per look and property is enough to find the typo
    }
  }
  return problems;
}

/** Parses and checks a venue file's text against a valid show; returns the remapped show. */
export function checkVenueText(text: string, file: string, show: ShowFile, catalog: FixtureCatalog): Checked<{ venue: VenueFile; show: ShowFile }> {
  const doc = parseLocatedJson(text, file);
  if (doc.syntaxProblems.length > 0) return { value: undefined, problems: doc.syntaxProblems };
  const version = (doc.value as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version > VENUE_VERSION) {
    return { value: undefined, problems: [doc.problemAt(['version'], `this venue file is version ${version}, newer than this Precue understands (up to ${VENUE_VERSION})`, `version ${VENUE_VERSION}`)] };
  }
  const parsed = venueFileSchema.safeParse(doc.value);
  if (!parsed.success) return { value: undefined, problems: zodProblems(doc, parsed.error) };
  const applied = applyVenue(show, parsed.data, file);
  if (!applied.ok) {
    // Re-locate the venue's problems in its own text.
    const located = applied.problems.map((p) => doc.problemAt(splitPath(p.path), p.message, p.expected));
    return { value: undefined, problems: located };
  }
  // The remapped patch must still be a valid patch (e.g. a moved fixture now overlaps another).
  const after = checkShowSemantics(applied.show, catalog, (path, message, expected) => ({
    file,
    path: 'after remapping: ' + path.map(String).join('.'),
    message,
    ...(expected !== undefined ? { expected } : {}),
  }));
  return { value: after.length === 0 ? { venue: parsed.data, show: applied.show } : undefined, problems: after };
}

/** Venue paths are object keys only (record keys such as universe "1" are strings). */
function splitPath(path: string): string[] {
  return path === '' ? [] : path.split('.');
}

/**
 * Checks a device profile (`outputs.switchers[].profile`, `outputs.playout[].profile`): the profile
 * file itself (problems located in it), then every name the show uses on that output against it
 * (problems located in show.json through `showDoc`).
 */
export function checkDeviceProfileText(show: ShowFile, showDoc: LocatedJson, outputId: string, profileText: string, profileFile: string): FileProblem[] {
  const doc = parseLocatedJson(profileText, profileFile);
  if (doc.syntaxProblems.length > 0) return [...doc.syntaxProblems];
  const parsed = deviceInventorySchema.safeParse(doc.value);
  if (!parsed.success) return zodProblems(doc, parsed.error);
  return checkDeviceNames(show, outputId, parsed.data).map((p) => showDoc.problemAt(p.path, p.message, p.expected));
}
