/**
 * Property-based fuzzing of every boundary where bytes or text from outside reach the engine, with
 * fast-check. One table of targets, used by the CI-sized tests (test/fuzz/parsers.test.ts, with
 * shrinking) and by `bench/fuzz.ts` (≥ 10⁶ generated inputs, per-parser figures).
 *
 * Each target maps an input to `'accepted'` or `'refused'` and throws `FuzzCrash` when an invariant
 * breaks: an error that is not one of the engine's own located refusals (`InputError`,
 * `ShowFileError`, a `{ ok: false }` result with a reason) escaped the boundary, a refusal gave no
 * reason, or an accepted input produced a NaN or out-of-range value on its way to a DMX frame or an
 * outgoing packet.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { VirtualTimeScheduler } from 'rxjs';
import type { ControlCommand } from '../../engine/core/control.js';
import { InputError, type PrecueError, ShowFileError } from '../../engine/core/errors.js';
import { decodeWav, encodeWav } from '../../engine/core/audio/wav.js';
import { decodeArtnet } from '../../engine/core/dmx/artnet.js';
import { decodeSacn } from '../../engine/core/dmx/sacn.js';
import type { FixtureProfile } from '../../engine/core/fixtures/profile.js';
import { decodeMidi, encodeMidi } from '../../engine/core/midi/midi.js';
import { encodeMsc, type MscMessage } from '../../engine/core/midi/msc.js';
import { mscAddressedTo, mscToControl } from '../../engine/core/midi/mscControl.js';
import { MtcChaseDecoder, encodeMtcFullFrame, encodeQuarterFrames } from '../../engine/core/midi/mtc.js';
import { oscToControl } from '../../engine/core/osc/dictionary.js';
import { decodeOscPacket, encodeOscBundle, encodeOscMessage } from '../../engine/core/osc/packet.js';
import { buildShowPipeline } from '../../engine/core/pipeline.js';
import { parseClientMessage } from '../../engine/core/protocol/messages.js';
import { catalogFromDefinitions } from '../../engine/core/show/catalog.js';
import type { ShowFile } from '../../engine/core/show/schema.js';
import { checkShowText, checkVenueText, type FixtureCatalog } from '../../engine/core/show/validate.js';
import { decodeViscaIp, decodeViscaReply } from '../../engine/core/visca/visca.js';
import { deptId } from '../../engine/core/ids.js';
import { convertFixtureText, modelWarnings } from '../../engine/io/fixtures/importFixtures.js';
import { loadFixtureLibrary, parseFixtureFile, type FixtureLibrary } from '../../engine/io/fixtures/loadFixtureLibrary.js';
import { parseModelMeta } from '../../engine/io/model/modelFolder.js';
import { parseCues, parsePerformer } from '../../engine/io/takes/take.js';

const root = resolve(import.meta.dirname, '..', '..');

/** An invariant broke: what the bench counts as a crash and the tests report with the shrunk input. */
export class FuzzCrash extends Error {}

/** One boundary under test. */
export interface FuzzTarget<T = unknown> {
  readonly name: string;
  /** What an input is, for the table. */
  readonly input: string;
  readonly arbitrary: fc.Arbitrary<T>;
  /** `accepted` or `refused`; throws FuzzCrash when an invariant breaks. */
  check(input: T): 'accepted' | 'refused';
}

// ---------------------------------------------------------------------------------------------
// Shared pieces: refusals, byte and JSON mutation

/** Runs `f`; a PrecueError refusal with a message is 'refused', anything else thrown is a crash. */
function refusing(f: () => void, allowed: ReadonlyArray<abstract new (...a: never[]) => PrecueError> = [InputError, ShowFileError]): 'accepted' | 'refused' {
  try {
    f();
    return 'accepted';
  } catch (err) {
    if (err instanceof FuzzCrash) throw err;
    if (allowed.some((k) => err instanceof k) && err instanceof Error && err.message.trim() !== '') return 'refused';
    throw new FuzzCrash(`escaped the boundary: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`, { cause: err });
  }
}

/** Random bytes, or a valid seed with bytes flipped, cut short, lengthened or spliced. */
function mutatedBytes(seeds: fc.Arbitrary<Uint8Array>, maxLength = 512): fc.Arbitrary<Uint8Array> {
  const mutate = fc.tuple(seeds, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.option(fc.nat(), { nil: undefined }), fc.uint8Array({ maxLength: 16 }))
    .map(([seed, flips, cut, tail]) => {
      const b = new Uint8Array(seed);
      for (const [at, v] of flips) if (b.length > 0) b[at % b.length] = v;
      const cutAt = cut === undefined ? b.length : cut % (b.length + 1);
      const out = new Uint8Array(cutAt + tail.length);
      out.set(b.subarray(0, cutAt));
      out.set(tail, cutAt);
      return out;
    });
  return fc.oneof({ arbitrary: mutate, weight: 4 }, { arbitrary: fc.uint8Array({ maxLength }), weight: 1 }, { arbitrary: seeds, weight: 1 });
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path in a JSON value (objects and arrays), root first. */
function jsonPaths(v: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => jsonPaths(x, [...prefix, i], out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) jsonPaths(x, [...prefix, k], out);
  return out;
}

const edgeValues: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(-1, 0, 1, 0.5, 255, 256, 512, 513, 1e308, -1e308, 65536, 2 ** 31, -(2 ** 31) - 1, 1e-320, '', ' ', 'Rde-typo', 'open', '#zzzzzz', '#ff0000', '12.5', '..', '%E0%A4%A', '\u0000', null, true, false, [], {}),
  fc.string({ maxLength: 12 }),
  fc.double(),
  fc.integer(),
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
);

type JsonEdit = { op: 'replace' | 'delete' | 'nest' | 'rename' | 'duplicate'; at: number; value: Json; depth: number; key: string };

const jsonEdit: fc.Arbitrary<JsonEdit> = fc.record({
  op: fc.constantFrom('replace', 'replace', 'replace', 'delete', 'nest', 'rename', 'duplicate'),
  at: fc.nat(),
  value: edgeValues,
  depth: fc.oneof(fc.integer({ min: 1, max: 80 }), fc.integer({ min: 1000, max: 20_000 })),
  key: fc.oneof(fc.constantFrom('__proto__', 'constructor', 'levels', 'gobo', 'colorWheel', 'x'), fc.string({ maxLength: 6 })),
});

function applyEdit(seed: Json, e: JsonEdit): Json {
  const doc = structuredClone(seed);
  const paths = jsonPaths(doc);
  const path = paths[e.at % paths.length]!;
  // Deep nesting goes in as a marker string, expanded in the text (JSON.stringify would recurse).
  const wrap = (v: Json): Json => `${NEST}${e.depth}${NEST}${JSON.stringify(v)}${NEST}`;
  if (path.length === 0) return e.op === 'nest' ? wrap(doc) : e.op === 'replace' ? e.value : doc;
  let parent: Json = doc;
  for (const p of path.slice(0, -1)) parent = (parent as Record<string | number, Json>)[p]!;
  const last = path[path.length - 1]!;
  const container = parent as Record<string | number, Json>;
  switch (e.op) {
    case 'replace':
      container[last] = e.value;
      break;
    case 'delete':
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete container[last];
      break;
    case 'nest':
      container[last] = wrap(container[last]!);
      break;
    case 'rename':
      if (!Array.isArray(parent)) {
        const v = container[last]!;
        delete container[last];
        Object.defineProperty(container, e.key, { value: v, enumerable: true, writable: true, configurable: true });
      }
      break;
    case 'duplicate':
      if (Array.isArray(parent)) parent.push(structuredClone(container[last]!));
      break;
  }
  return doc;
}

const NEST = '\u0001';

/** JSON text of a mutated document, with nesting markers expanded into brackets. */
function stringifyMutated(doc: Json): string {
  return JSON.stringify(doc, null, 1).replace(/"\\u0001[^"\\]*(?:\\.[^"\\]*)*"/g, (literal) => {
    const [, depth, inner] = (JSON.parse(literal) as string).split(NEST);
    const d = Number(depth);
    return '['.repeat(d) + (inner ?? 'null') + ']'.repeat(d);
  });
}

/** JSON text mutated from a seed document: structural edits, then sometimes a cut or a stray byte. */
function mutatedJsonText(seed: Json): fc.Arbitrary<string> {
  const structural = fc.array(jsonEdit, { minLength: 1, maxLength: 3 }).map((edits) => stringifyMutated(edits.reduce(applyEdit, seed)));
  const textual = fc.tuple(structural, fc.nat(), fc.constantFrom('', '"', '{', ']', ',', '\u0000', '\\', 'NaN', '1e999')).map(([text, at, insert]) => {
    const i = at % (text.length + 1);
    return text.slice(0, i) + insert + (insert === '' ? '' : text.slice(i));
  });
  return fc.oneof({ arbitrary: structural, weight: 6 }, { arbitrary: textual, weight: 2 }, { arbitrary: fc.string({ maxLength: 64 }), weight: 1 });
}

// ---------------------------------------------------------------------------------------------
// Invariants on what an accepted input produces

function checkCommand(c: ControlCommand, where: string): void {
  const bad = (what: string): never => {
    throw new FuzzCrash(`${where}: accepted with ${what}: ${JSON.stringify(c)}`);
  };
  switch (c.type) {
    case 'grandMaster':
      if (!(c.level >= 0 && c.level <= 1)) bad('grand master level outside 0..1');
      if (c.fadeMs !== undefined && !(c.fadeMs >= 0 && Number.isFinite(c.fadeMs))) bad('a fade that is not a finite time ≥ 0');
      break;
    case 'panic':
    case 'timedGo':
      if (c.fadeMs !== undefined && !(c.fadeMs >= 0 && Number.isFinite(c.fadeMs))) bad('a fade that is not a finite time ≥ 0');
      break;
    case 'setControl':
      if (!(c.value >= 0 && c.value <= 1) || !Number.isInteger(c.control)) bad('a control value outside 0..1');
      break;
    case 'fireMacro':
      if (!Number.isInteger(c.macro) || c.macro < 0) bad('a macro that is not a whole number');
      break;
    default:
      break;
  }
  if ('cue' in c && c.cue !== undefined && !/^[0-9]+(\.[0-9]+)*$/.test(c.cue)) bad('a cue id that is not a cue number');
}

// ---------------------------------------------------------------------------------------------
// Targets

const oscArg = fc.oneof(
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)),
  fc.string({ maxLength: 12 }),
  fc.boolean(),
  fc.constantFrom('LX', 'VID', 'CAM', 'auto', 'manual', '1', '0.5', 'NaN', '-1', '1e9'),
);
const oscAddress = fc.oneof(
  fc.constantFrom('/go', '/stop', '/panic', '/pause', '/resume', '/back', '/playhead/previous', '/precue/gm', '/precue/panic', '/precue/blackout', '/precue/mode/LX', '/precue/go/LX', '/precue/cue/LX/5', '/cue/5/start', '/cue/12.5/load', '/cue/%E0%A4%A/start', '/workspace/x/go', '/cue/1/stop'),
  fc.stringMatching(/^\/[a-z0-9/._%-]{0,24}$/),
);
const oscMessage = fc.record({ address: oscAddress, args: fc.array(oscArg, { maxLength: 4 }) });
const oscSeed: fc.Arbitrary<Uint8Array> = fc.oneof(
  oscMessage.map((m) => encodeOscMessage(m)),
  fc.array(oscMessage, { minLength: 1, maxLength: 4 }).map((ms) => encodeOscBundle(ms)),
  fc.tuple(oscMessage, fc.integer({ min: 1, max: 3000 })).map(([m, depth]) => nestedBundle(encodeOscMessage(m), depth)),
);

/** A bundle nested `depth` deep around one message (raw bytes: osc-js cannot build it). */
function nestedBundle(inner: Uint8Array, depth: number): Uint8Array {
  const levels = Math.min(depth, Math.floor((65_000 - inner.length) / 20));
  const out = new Uint8Array(20 * levels + inner.length);
  const view = new DataView(out.buffer);
  const tag = new TextEncoder().encode('#bundle\0');
  for (let k = 0; k < levels; k++) {
    const at = 20 * k;
    out.set(tag, at);
    out[at + 15] = 1; // timetag "immediately"
    view.setUint32(at + 16, out.length - at - 20);
  }
  out.set(inner, 20 * levels);
  return out;
}

const osc: FuzzTarget<Uint8Array> = {
  name: 'OSC packet → control',
  input: 'UDP payload',
  arbitrary: mutatedBytes(oscSeed, 2048),
  check(bytes) {
    let refused = false;
    const r = refusing(() => {
      for (const m of decodeOscPacket(bytes)) {
        if (refusing(() => checkCommand(oscToControl(m), 'osc')) === 'refused') refused = true;
      }
    });
    return r === 'refused' || refused ? 'refused' : 'accepted';
  },
};

const mscSeed: fc.Arbitrary<Uint8Array> = fc
  .record({
    deviceId: fc.integer({ min: 0, max: 127 }),
    commandFormat: fc.constantFrom(0x01, 0x02, 0x10, 0x30, 0x7f),
    command: fc.constantFrom('GO', 'STOP', 'RESUME', 'TIMED_GO', 'LOAD', 'SET', 'FIRE', 'ALL_OFF', 'RESTORE', 'RESET', 'GO_OFF'),
    cue: fc.option(fc.constantFrom('1', '12.5', '3.1.4', '99'), { nil: undefined }),
    list: fc.option(fc.constantFrom('1', '2'), { nil: undefined }),
    control: fc.integer({ min: 0, max: 16383 }),
    value: fc.integer({ min: 0, max: 16383 }),
    macro: fc.integer({ min: 0, max: 127 }),
    h: fc.integer({ min: 0, max: 23 }), m: fc.integer({ min: 0, max: 59 }), s: fc.integer({ min: 0, max: 59 }), f: fc.integer({ min: 0, max: 29 }),
  })
  .map((r) => {
    const time = { hours: r.h, minutes: r.m, seconds: r.s, frames: r.f, rate: 30 as const, fractionalFrames: 0 };
    const m = { deviceId: r.deviceId, commandFormat: r.commandFormat, command: r.command, cue: r.cue, list: r.list, control: r.control, value: r.value, macro: r.macro, time } as unknown as MscMessage;
    try {
      return encodeMsc(m);
    } catch {
      return encodeMsc({ deviceId: r.deviceId, commandFormat: 1, command: 'GO' });
    }
  });
const midiSeed: fc.Arbitrary<Uint8Array> = fc.oneof(
  mscSeed,
  fc.record({ type: fc.constantFrom('note-on', 'note-off', 'cc', 'program'), channel: fc.integer({ min: 1, max: 16 }), number: fc.integer({ min: 0, max: 127 }), value: fc.integer({ min: 0, max: 127 }) })
    .map((m) => encodeMidi(m as Parameters<typeof encodeMidi>[0])),
  fc.record({ hours: fc.integer({ min: 0, max: 23 }), minutes: fc.integer({ min: 0, max: 59 }), seconds: fc.integer({ min: 0, max: 59 }), frames: fc.integer({ min: 0, max: 23 }) })
    .chain((tc) => fc.constantFrom(encodeMtcFullFrame({ ...tc, rate: 24 }), ...encodeQuarterFrames({ ...tc, rate: 24 }))),
);

const midi: FuzzTarget<Uint8Array[]> = {
  name: 'MIDI / MSC / MTC → control, chase',
  input: 'a run of 1–16 MIDI messages',
  arbitrary: fc.array(mutatedBytes(midiSeed, 64), { minLength: 1, maxLength: 16 }),
  check(messages) {
    const chase = new MtcChaseDecoder();
    let refused = false;
    messages.forEach((bytes, i) => {
      const r = refusing(() => {
        const event = decodeMidi(Array.from(bytes));
        if (event.kind === 'msc') {
          const opts = { deviceId: 1, deptForFormat: () => deptId('LX') };
          if (mscAddressedTo(event.message, opts)) for (const c of mscToControl(event.message, opts)) checkCommand(c, 'msc');
        } else if (event.kind === 'mtc-quarter' || event.kind === 'mtc-full') {
          const ev = event.kind === 'mtc-quarter' ? chase.quarterFrame(event.frame, i * 8) : chase.fullFrame(event.timecode);
          const seconds = ev === undefined ? 0 : 'seconds' in ev ? (ev as { seconds: number }).seconds : 0;
          if (!Number.isFinite(seconds)) throw new FuzzCrash(`mtc: chase gave a time of ${seconds}`);
        }
      });
      if (r === 'refused') refused = true;
    });
    return refused ? 'refused' : 'accepted';
  },
};

const validCommands = ['go', 'back', 'hold', 'panic', 'blackout', 'grandMaster', 'setMode', 'goto', 'resync', 'ping'];
const consoleText: fc.Arbitrary<string> = fc.oneof(
  fc.record({ type: fc.constantFrom('command', 'ping', 'resync', 'cmd', ''), id: fc.oneof(fc.string({ maxLength: 70 }), fc.integer()), command: fc.record({ type: fc.constantFrom(...validCommands), dept: fc.constantFrom('LX', 'VID', '', 'x'.repeat(40)), level: edgeValues, fadeMs: edgeValues, cue: edgeValues, mode: fc.constantFrom('auto', 'manual', 'bad') }, { requiredKeys: ['type'] }), clientTime: edgeValues }, { requiredKeys: ['type'] }).map((v) => JSON.stringify(v)),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.integer({ min: 10, max: 200_000 }).map((d) => `{"type":"ping","id":"a","clientTime":${'['.repeat(d)}${']'.repeat(d)}}`),
  fc.string({ maxLength: 200 }),
);

const consoleMessages: FuzzTarget<string> = {
  name: 'console WebSocket message',
  input: 'text frame',
  arbitrary: consoleText,
  check(text) {
    let r;
    try {
      r = parseClientMessage(text);
    } catch (err) {
      throw new FuzzCrash(`parseClientMessage threw: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!r.ok && r.error.trim() === '') throw new FuzzCrash('refused without a reason');
    return r.ok ? 'accepted' : 'refused';
  },
};

const wavSeed: fc.Arbitrary<Uint8Array> = fc
  .record({ n: fc.integer({ min: 0, max: 64 }), rate: fc.constantFrom(8000, 44100, 48000, 1), format: fc.constantFrom('s16le', 's24le', 's32le', 'f32le'), channels: fc.integer({ min: 1, max: 3 }) })
  .map(({ n, rate, format, channels }) => encodeWav(Array.from({ length: channels }, () => new Float32Array(n).map((_, i) => Math.sin(i))), rate, format as 's16le'));

const wav: FuzzTarget<Uint8Array> = {
  name: 'WAV file',
  input: 'file bytes (headers mutated)',
  arbitrary: mutatedBytes(wavSeed, 256),
  check(bytes) {
    return refusing(() => {
      const w = decodeWav(bytes, 'take/audio.wav');
      if (!(w.sampleRate > 0) || !Number.isFinite(w.sampleRate)) throw new FuzzCrash(`wav: accepted a sample rate of ${w.sampleRate}`);
      for (const s of w.samples) if (!(s >= -1.0001 && s <= 1.0001)) throw new FuzzCrash(`wav: accepted a sample of ${s}`);
    });
  },
};

const cueLine = fc.oneof(
  fc.record({ t: edgeValues, dept: fc.constantFrom('LX', 'VID', '1x', '', 'CAM'), cue: edgeValues, by: edgeValues }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
  fc.string({ maxLength: 40 }),
  fc.integer({ min: 5, max: 50_000 }).map((d) => `{"t":1,"dept":"LX","cue":"1","x":${'['.repeat(d)}${']'.repeat(d)}}`),
);
const takes: FuzzTarget<string> = {
  name: 'take cues.jsonl / performer.jsonl',
  input: 'file of 0–12 lines',
  arbitrary: fc.array(cueLine, { maxLength: 12 }).map((lines) => lines.join('\n')),
  check(text) {
    let cues;
    let perf;
    try {
      cues = parseCues(text, 'cues.jsonl');
      perf = parsePerformer(text, 'performer.jsonl');
    } catch (err) {
      throw new FuzzCrash(`take parser threw: ${err instanceof Error ? err.message : String(err)}`);
    }
    for (const c of cues.cues) if (!(Number.isFinite(c.t) && c.t >= 0)) throw new FuzzCrash(`take: accepted t=${c.t}`);
    for (const p of [...cues.problems, ...perf.problems]) if (p.line === undefined || p.message === '') throw new FuzzCrash('take: a problem without a line');
    return cues.problems.length + perf.problems.length > 0 ? 'refused' : 'accepted';
  },
};

const viscaAndDmx: FuzzTarget<Uint8Array> = {
  name: 'VISCA reply, Art-Net, sACN in',
  input: 'UDP payload',
  arbitrary: mutatedBytes(
    fc.constantFrom(
      Uint8Array.of(0x01, 0x11, 0, 3, 0, 0, 0, 1, 0x90, 0x41, 0xff),
      Uint8Array.of(0x01, 0x11, 0, 3, 0, 0, 0, 1, 0x90, 0x51, 0xff),
      Uint8Array.of(0x01, 0x11, 0, 4, 0, 0, 0, 1, 0x90, 0x61, 0x02, 0xff),
      new Uint8Array(Buffer.from('Art-Net\0\0\x50\0\x0e\0\0\0\0\0\x02\xff\x00', 'latin1')),
      new Uint8Array(638),
    ),
    700,
  ),
  check(bytes) {
    const a = refusing(() => decodeViscaReply(decodeViscaIp(bytes).payload));
    const b = refusing(() => decodeArtnet(bytes));
    const c = refusing(() => decodeSacn(bytes));
    return a === 'accepted' || b === 'accepted' || c === 'accepted' ? 'accepted' : 'refused';
  },
};

// File formats that need the repository's own files as seeds.

/** What the show, venue and fixture targets need: the demo show, the fixture library, seeds. */
export interface FuzzContext {
  readonly library: FixtureLibrary;
  readonly catalog: FixtureCatalog;
  readonly showText: string;
  readonly show: ShowFile;
  readonly venueText: string;
  readonly oflText: string;
  readonly qxfText: string;
  readonly modelMetaText: string;
}

/** Loads the seeds from the repository (demo show, its venue and model, a fixture of each format). */
export async function loadFuzzContext(): Promise<FuzzContext> {
  const library = await loadFixtureLibrary(join(root, 'fixtures'));
  const catalog = catalogFromDefinitions(library);
  const showText = readFileSync(join(root, 'shows/demo/show.json'), 'utf8');
  const checked = checkShowText(showText, 'show.json', catalog);
  if (checked.value === undefined) throw new Error('the demo show does not validate');
  const venues = join(root, 'shows/demo/venues');
  const venueName = (await import('node:fs')).readdirSync(venues).find((n) => n.endsWith('.json'))!;
  const fixturesDir = join(root, 'fixtures');
  const firstJson = (await import('node:fs')).readdirSync(fixturesDir, { recursive: true, encoding: 'utf8' }).find((n) => n.endsWith('.json'))!;
  const qxfDir = resolve(root, '../shared/data/qlcplus-sample');
  let qxfText = '<?xml version="1.0"?><FixtureDefinition><Manufacturer>A</Manufacturer><Model>B</Model><Type>Dimmer</Type><Channel Name="Dim"><Group Byte="0">Intensity</Group></Channel><Mode Name="1ch"><Channel Number="0">Dim</Channel></Mode></FixtureDefinition>';
  try {
    const name = (await import('node:fs')).readdirSync(qxfDir).find((n) => n.endsWith('.qxf'));
    if (name !== undefined) qxfText = readFileSync(join(qxfDir, name), 'utf8');
  } catch {
    // no shared data: the inline seed
  }
  return {
    library, catalog, showText, show: checked.value,
    venueText: readFileSync(join(venues, venueName), 'utf8'),
    oflText: readFileSync(join(fixturesDir, firstJson), 'utf8'),
    qxfText,
    modelMetaText: readFileSync(join(root, 'shows/demo/model/precue-model.json'), 'utf8'),
  };
}

/** Plays every cue of an accepted show for a few frames; a NaN/Infinity look or a throw is a crash. */
function playShow(show: ShowFile, library: FixtureLibrary): void {
  const profiles = new Map<string, FixtureProfile>();
  for (const f of show.fixtures) profiles.set(f.id, library.profile(f.type, f.mode));
  const scheduler = new VirtualTimeScheduler();
  const pipeline = buildShowPipeline(show, profiles, {}, scheduler);
  try {
    let t = 0;
    for (const d of show.departments) {
      for (let i = 0; i < Math.min(d.cues.length, 4); i++) {
        pipeline.playback.apply({ t: t / 1000, dept: deptId(d.id), action: 'go', source: 'operator' });
        for (let k = 0; k < 3; k++) {
          t += 700;
          const frame = pipeline.playback.frame(t);
          for (const v of frame.slots) if (v === Infinity || v === -Infinity) throw new FuzzCrash(`show: a look with an infinite value at ${t} ms`);
          pipeline.frame(t);
        }
      }
    }
  } finally {
    pipeline.dispose();
  }
}

function fileTargets(ctx: FuzzContext): FuzzTarget<string>[] {
  const located = (problems: readonly { message: string; file: string }[]): void => {
    for (const p of problems) if (p.message.trim() === '' || p.file === '') throw new FuzzCrash('a problem without a file or message');
  };
  const showJson = JSON.parse(ctx.showText) as Json;
  return [
    {
      name: 'show.json → validate → play',
      input: 'mutated demo show',
      arbitrary: mutatedJsonText(showJson),
      check(text) {
        let checked;
        try {
          checked = checkShowText(text, 'show.json', ctx.catalog);
        } catch (err) {
          throw new FuzzCrash(`checkShowText threw: ${err instanceof Error ? err.message : String(err)}`);
        }
        located(checked.problems);
        if (checked.value === undefined) return 'refused';
        refusing(() => playShow(checked.value!, ctx.library), []);
        return 'accepted';
      },
    },
    {
      name: 'venue file',
      input: 'mutated demo venue',
      arbitrary: mutatedJsonText(JSON.parse(ctx.venueText) as Json),
      check(text) {
        let checked;
        try {
          checked = checkVenueText(text, 'venues/v.json', ctx.show, ctx.catalog);
        } catch (err) {
          throw new FuzzCrash(`checkVenueText threw: ${err instanceof Error ? err.message : String(err)}`);
        }
        located(checked.problems);
        return checked.value === undefined ? 'refused' : 'accepted';
      },
    },
    {
      name: 'OFL fixture import',
      input: 'mutated OFL .json',
      arbitrary: mutatedJsonText(JSON.parse(ctx.oflText) as Json),
      check: (text) => importFixture('maker/model.json', text),
    },
    {
      name: 'QLC+ fixture import',
      input: 'mutated .qxf XML',
      arbitrary: mutatedXml(ctx.qxfText),
      check: (text) => importFixture('maker/model.qxf', text),
    },
    {
      name: 'fixture library file',
      input: 'mutated Precue fixture .json',
      arbitrary: mutatedJsonText(JSON.parse(ctx.oflText) as Json),
      check(text) {
        const r = guarded('parseFixtureFile', () => parseFixtureFile(text, 'fixtures/x/y.json'));
        if (!r.ok) located(r.problems);
        return r.ok ? 'accepted' : 'refused';
      },
    },
    {
      name: 'model folder precue-model.json',
      input: 'mutated model metadata',
      arbitrary: mutatedJsonText(JSON.parse(ctx.modelMetaText) as Json),
      check(text) {
        return refusing(() => parseModelMeta(text, 'model/precue-model.json'), [ShowFileError]);
      },
    },
  ];
}

/** A fixture import of `text` as the file `name`: converted and modelled, or refused; a throw is a crash. */
function importFixture(name: string, text: string): 'accepted' | 'refused' {
  const outcome = guarded('convertFixtureText', () => convertFixtureText(name, text, '2026-01-01'));
  if (outcome.kind === 'converted') guarded('modelWarnings', () => modelWarnings(outcome.definition));
  return outcome.kind === 'converted' ? 'accepted' : 'refused';
}

function guarded<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    throw new FuzzCrash(`${what} threw: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`, { cause: err });
  }
}

/** XML text mutated from a seed: cut, tags duplicated or nested deep, attributes garbled, entities. */
function mutatedXml(seed: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.tuple(fc.nat(), fc.constantFrom('<', '>', '</Channel>', '<Channel Name="x">', '&amp;', '&#xFFFFFF;', '&lol;', '"', '<!--', ']]>', '\u0000', 'Preset="ColorMacro" Res1="#zz"', ''))
      .map(([at, insert]) => {
        const i = at % (seed.length + 1);
        return seed.slice(0, i) + insert + seed.slice(i);
      }),
    fc.nat().map((at) => seed.slice(0, at % (seed.length + 1))),
    fc.integer({ min: 10, max: 20_000 }).map((d) => seed.replace('<Channel ', `${'<a>'.repeat(d)}${'</a>'.repeat(d)}<Channel `)),
    fc.tuple(fc.nat(), fc.string({ maxLength: 8 })).map(([at, s]) => {
      const i = at % (seed.length + 1);
      return seed.slice(0, i) + s + seed.slice(i + s.length);
    }),
  );
}

/** Every target: the byte and text parsers, and (given the context) the file formats. */
export function fuzzTargets(ctx: FuzzContext): FuzzTarget[] {
  return [osc, midi, consoleMessages, wav, takes, viscaAndDmx, ...fileTargets(ctx)] as FuzzTarget[];
}
