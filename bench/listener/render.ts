/**
 * Renders a POP909 song as a band would play it, with exact beats: the piano arrangement re-voiced
 * (melody, counter-line and accompaniment on General MIDI programs), a bass line from the harmony, a
 * drum groove laid over the beats, the whole re-timed beat by beat (overall tempo, a tempo step at a
 * section boundary, a tempo curve within the bar, a held breath at a section end), drums resting for
 * eight bars, a repeated and a skipped section; then rendered with fluidsynth and put on a stage with
 * sox and a little DSP (room noise before and under the band, reverb, EQ, level rides, 22.05/44.1/48
 * kHz). Every change happens before or with the timing, so the beat and downbeat truth follows exactly.
 *
 * Everything is drawn from seeded generators: the same request renders the same file. Renders are
 * cached under `.tmp/listener/` by a key of the request and its version (`renderVersion`: the training
 * recipe's for training renders, the frozen evaluation version for performances, stage takes and rehearsals).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeWav, encodeWav } from '../../engine/core/audio/wav.js';
import { seededRandom } from '../../engine/core/model/dataset.js';
import { parseSections, POP909_DIR } from '../dataset/generate.js';
import { readSmf, toSong, writeSmf, type MidiEvent, type MidiNote } from '../dataset/smf.js';
import { DRUM_KEYS, FILL, groovesFor, type Groove } from './grooves.js';
import {
  GROOVES,
  TRAINING_GROOVES,
  PERFORMANCE_AUGMENT,
  PROGRAMS,
  renderVersion,
  REHEARSAL_AUGMENT,
  SOUNDFONTS,
  UNSEEN_PACKAGES,
  STAGE_AUGMENT,
  TRAIN_AUGMENT,
  songSet,
  type AugmentRanges,
} from './recipe.js';

const run = promisify(execFile);

/** What kind of render: a training or validation song, a held-out performance (clean or on a stage), or a rehearsal of a held-out song. */
export type RenderKind = 'train' | 'validation' | 'performance' | 'stage' | 'rehearsal';

/** One render to make. `take` tells apart several renders of the same kind of one song. */
export interface RenderRequest {
  readonly id: string;
  readonly kind: RenderKind;
  readonly take: number;
  /**
   * A validation song's performance, stage take or rehearsal played by a band training never heard:
   * validation-only grooves, and for performances the held-back soundfont and drum kit
   * (`SOUNDFONTS.unseen`, `unseenDrums`) — the test set's situation on validation songs. Every other
   * draw is the ordinary render's, so the two differ only in sound and groove.
   */
  readonly unseen?: boolean;
}

/** A rendered take and its truth. */
export interface RenderedTake {
  readonly wav: string;
  /** Beat times (s) and each beat's 0-based position in its bar (0 = downbeat). */
  readonly beats: number[];
  readonly beatInBar: number[];
  readonly durationS: number;
  readonly sampleRate: number;
  /** A one-line description of what was drawn (soundfont, groove, tempo, augmentations). */
  readonly summary: string;
}

/** The cache folder of renders. */
export const RENDER_DIR = join(process.cwd(), '.tmp', 'listener', 'renders');

interface Source {
  notes: MidiNote[];
  controls: MidiEvent[];
  beats: number[];
  downbeat: boolean[];
  /** First bar of each section, as an index into the downbeats. */
  sectionStartBars: number[];
  endT: number;
}

function loadSource(id: string): Source {
  const dir = join(POP909_DIR, id);
  const song = toSong(readSmf(new Uint8Array(readFileSync(join(dir, `${id}.mid`)))));
  const rows = readFileSync(join(dir, 'beat_midi.txt'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number));
  const beats = rows.map((r) => r[0]!);
  const downbeat = rows.map((r) => r[2] === 1);
  const sections = parseSections(readFileSync(join(dir, 'sections.txt'), 'utf8'));
  const sectionStartBars: number[] = [];
  let bar = 0;
  for (const s of sections) {
    sectionStartBars.push(bar);
    bar += s.bars;
  }
  const endT = song.notes.reduce((m, n) => Math.max(m, n.off), beats[beats.length - 1] ?? 0);
  return { notes: song.notes, controls: song.controls.filter((c) => (c.status & 0xf0) !== 0xc0), beats, downbeat, sectionStartBars, endT };
}

/** A stretch of the source laid end to end with the others. */
interface Piece {
  readonly a: number;
  readonly b: number;
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length) % xs.length]!;
const uniform = (r: () => number, [lo, hi]: readonly [number, number]): number => lo + (hi - lo) * r();
const logUniform = (r: () => number, [lo, hi]: readonly [number, number]): number => Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * r());
const gauss = (r: () => number): number => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());

function seedOf(...parts: (string | number)[]): number {
  return createHash('sha256').update(parts.join('/')).digest().readUInt32LE(0);
}

/** An unseen-band request, checked: validation songs' shows and rehearsals only. */
function isUnseen(req: RenderRequest): boolean {
  if (req.unseen !== true) return false;
  if (songSet(req.id) !== 'validation' || req.kind === 'train' || req.kind === 'validation') {
    throw new RangeError(`render ${req.id} ${req.kind}: an unseen band plays validation songs' performances, stage takes and rehearsals only`);
  }
  for (const sf of [SOUNDFONTS.unseen, SOUNDFONTS.unseenDrums]) {
    if (!existsSync(sf)) throw new Error(`render ${req.id} ${req.kind} (an unseen band): ${sf} is missing; install the Debian packages ${UNSEEN_PACKAGES}`);
  }
  return true;
}

function rangesOf(kind: RenderKind): AugmentRanges {
  switch (kind) {
    case 'train':
    case 'validation':
      return TRAIN_AUGMENT;
    case 'performance':
      return PERFORMANCE_AUGMENT;
    case 'stage':
      return STAGE_AUGMENT;
    case 'rehearsal':
      return REHEARSAL_AUGMENT;
  }
}

/** Downbeat indices of the source (bar k starts at beat downbeats[k]). */
function downbeatIndices(src: Source): number[] {
  const out: number[] = [];
  src.downbeat.forEach((d, i) => {
    if (d) out.push(i);
  });
  return out;
}

/** The pieces of a 3/4 version: every four-beat bar loses its fourth beat. */
function threeFourPieces(src: Source): Piece[] | undefined {
  const db = downbeatIndices(src);
  if (db.length < 4) return undefined;
  const pieces: Piece[] = [{ a: 0, b: src.beats[db[0]!]! }];
  for (let k = 0; k < db.length; k++) {
    const start = db[k]!;
    const next = db[k + 1];
    if (next === undefined) {
      pieces.push({ a: src.beats[start]!, b: src.endT + 0.5 });
      break;
    }
    if (next - start === 4) pieces.push({ a: src.beats[start]!, b: src.beats[start + 3]! });
    else pieces.push({ a: src.beats[start]!, b: src.beats[next]! });
  }
  return pieces;
}

/** The pieces of a rearranged performance: one section played twice, another left out. */
function rearrangedPieces(src: Source, r: () => number): Piece[] | undefined {
  const db = downbeatIndices(src);
  const starts = src.sectionStartBars.filter((b) => b < db.length);
  if (starts.length < 5) return undefined;
  const at = (bar: number): number => (bar < db.length ? src.beats[db[bar]!]! : src.endT + 0.5);
  const sections: Piece[] = starts.map((b, i) => ({ a: i === 0 ? 0 : at(b), b: i + 1 < starts.length ? at(starts[i + 1]!) : src.endT + 0.5 }));
  const inner = sections.map((_, i) => i).filter((i) => i > 0 && i < sections.length - 1);
  const repeated = pick(r, inner);
  const rest = inner.filter((i) => Math.abs(i - repeated) >= 2);
  if (rest.length === 0) return undefined;
  const skipped = pick(r, rest);
  const out: Piece[] = [];
  sections.forEach((s, i) => {
    if (i === skipped) return;
    out.push(s);
    if (i === repeated) out.push(s);
  });
  return out;
}

interface Timeline {
  notes: MidiNote[];
  controls: MidiEvent[];
  beats: number[];
  downbeat: boolean[];
  /** Beat indices where a section starts. */
  sectionBeats: number[];
  endT: number;
}

/** Lays `pieces` of the source end to end (no tempo change yet). */
function layOut(src: Source, pieces: readonly Piece[], releaseS: number, piecesAreSections: boolean): Timeline {
  const notes: MidiNote[] = [];
  const controls: MidiEvent[] = [];
  const beats: number[] = [];
  const downbeat: boolean[] = [];
  const sectionTimes = new Set(src.sectionStartBars.map((b) => downbeatIndices(src)[b]).filter((i): i is number => i !== undefined).map((i) => src.beats[i]!));
  const sectionBeats: number[] = [];
  let u = 0;
  for (const p of pieces) {
    const map = (t: number): number => u + (t - p.a);
    // Controller state (sustain pedal…) at the start of the piece.
    const latest = new Map<string, MidiEvent>();
    for (const c of src.controls) {
      if (c.t >= p.a) break;
      latest.set(`${c.status}:${c.data[0] ?? 0}`, c);
    }
    for (const c of latest.values()) controls.push({ ...c, t: u });
    for (const c of src.controls) if (c.t >= p.a && c.t < p.b) controls.push({ ...c, t: map(c.t) });
    for (const n of src.notes) {
      if (n.on < p.a || n.on >= p.b) continue;
      notes.push({ ...n, on: map(n.on), off: map(Math.max(n.on + 0.02, Math.min(n.off, p.b + releaseS))) });
    }
    src.beats.forEach((t, i) => {
      if (t < p.a || t >= p.b) return;
      if (sectionTimes.has(t) || (piecesAreSections && t === p.a && p.a > 0)) sectionBeats.push(beats.length);
      beats.push(map(t));
      downbeat.push(src.downbeat[i]!);
    });
    u = map(p.b);
  }
  controls.sort((x, y) => x.t - y.t);
  return { notes, controls, beats, downbeat, sectionBeats: [...new Set(sectionBeats)].sort((a, b) => a - b), endT: u };
}

/** Beat-in-bar from downbeat flags (pickup beats counted back from the first downbeat). */
function barPositions(downbeat: readonly boolean[]): number[] {
  const first = downbeat.indexOf(true);
  const out = new Array<number>(downbeat.length).fill(0);
  let meter = 4;
  const gaps: number[] = [];
  let last = -1;
  downbeat.forEach((d, i) => {
    if (d) {
      if (last >= 0) gaps.push(i - last);
      last = i;
    }
  });
  if (gaps.length > 0) meter = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)]!;
  let pos = 0;
  for (let i = 0; i < downbeat.length; i++) {
    if (downbeat[i]) pos = 0;
    out[i] = i < first ? (((meter - (first - i)) % meter) + meter) % meter : pos;
    pos++;
  }
  return out;
}

/** Piecewise-linear time warp through the beats: beat interval i is played at speed `speeds[i]`. */
function warp(beats: readonly number[], speeds: readonly number[]): { map: (u: number) => number; out: number[] } {
  const out: number[] = [];
  const s0 = speeds[0] ?? 1;
  out.push((beats[0] ?? 0) / s0);
  for (let i = 0; i + 1 < beats.length; i++) out.push(out[i]! + (beats[i + 1]! - beats[i]!) / speeds[i]!);
  const sLast = speeds[speeds.length - 1] ?? s0;
  const map = (u: number): number => {
    if (beats.length === 0) return u;
    if (u <= beats[0]!) return out[0]! - (beats[0]! - u) / s0;
    if (u >= beats[beats.length - 1]!) return out[out.length - 1]! + (u - beats[beats.length - 1]!) / sLast;
    let lo = 0;
    let hi = beats.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (beats[mid]! <= u) lo = mid;
      else hi = mid;
    }
    return out[lo]! + (u - beats[lo]!) / speeds[lo]!;
  };
  return { map, out };
}

/** Everything drawn for one render. */
interface Plan {
  soundfont: string;
  sampleRate: number;
  programs: number[];
  volumes: number[];
  kit: number;
  /** A drum kit from its own soundfont (program 0 of bank 0), rendered apart and mixed in. */
  drumFont: string | undefined;
  groove: string | undefined;
  bass: { program: number; pattern: string } | undefined;
  threeFour: boolean;
  rearranged: boolean;
  tempoScale: number;
  step: { beat: number; factor: number } | undefined;
  sway: number;
  swayPhase: number;
  breathes: { beat: number; hold: number }[];
  drumRest: [number, number] | undefined;
  drumsFromBeat: number;
  room: { noiseBelowDb: number; preRollS: number; humHz: number } | undefined;
  reverb: number | undefined;
  eq: string[];
  gainDb: number;
  rides: { at: number; rampS: number; holdS: number; db: number }[];
}

const BASS_PATTERNS = ['beats', 'half', 'eighths', 'push'] as const;

interface Band {
  readonly programs: number[];
  readonly volumes: number[];
  readonly kit: number;
  /** Which of the meter's grooves (0..1). */
  readonly grooveRoll: number;
  readonly bass: { program: number; pattern: string };
  readonly grooveNames: readonly string[];
}

function drawBand(id: string, kind: RenderKind, unseen: boolean): Band {
  const show = kind === 'performance' || kind === 'stage' || kind === 'rehearsal';
  // The same band plays a song's rehearsals and its performances.
  const r = seededRandom(seedOf('band', id, show ? 'show' : kind));
  const programs = [pick(r, PROGRAMS.melody), pick(r, PROGRAMS.bridge), pick(r, PROGRAMS.accompaniment)];
  const volumes = [Math.round(uniform(r, [95, 120])), Math.round(uniform(r, [60, 100])), Math.round(uniform(r, [75, 110])), Math.round(uniform(r, [85, 115])), Math.round(uniform(r, [70, 115]))];
  const kit = pick(r, PROGRAMS.kits);
  // Only the test set hears the held-out grooves; only an unseen band on validation its own.
  // Training-style renders play the recipe's grooves; the evaluation takes of validation songs keep
  // stage 1's list, so they stay the same music whatever the training recipe.
  const training = kind === 'train' || kind === 'validation';
  const grooveNames = songSet(id) === 'test' ? GROOVES.test : unseen ? GROOVES.validation : training ? TRAINING_GROOVES : GROOVES.train;
  const bass = { program: pick(r, PROGRAMS.bass), pattern: pick(r, BASS_PATTERNS) };
  return { programs, volumes, kit, grooveRoll: r(), bass, grooveNames };
}

function makePlan(req: RenderRequest, src: Source): { plan: Plan; line: Timeline; positions: number[]; speeds: number[]; groove: Groove | undefined } {
  const aug = rangesOf(req.kind);
  const unseen = isUnseen(req);
  const band = drawBand(req.id, req.kind, unseen);
  // A stage render is the very performance of the same take, put in a room (same draws up to the room).
  const r = seededRandom(seedOf('take', renderVersion(req.kind), req.id, req.kind === 'stage' ? 'performance' : req.kind, req.take));
  // Performances of a test song use the held-out soundfont; of a validation song, a training one.
  const performance = req.kind === 'performance' || req.kind === 'stage';
  let soundfont: string = performance && songSet(req.id) === 'test' ? SOUNDFONTS.test : req.kind === 'rehearsal' ? SOUNDFONTS.rehearsal : pick(r, SOUNDFONTS.train);
  // An unseen band: drawn as the ordinary take (the same draws follow), then other sounds.
  if (unseen && performance) soundfont = SOUNDFONTS.unseen;
  const threeFour = r() < aug.threeFourChance;
  const wantRearrange = r() < aug.rearrangeChance;
  let pieces: Piece[] = [{ a: 0, b: src.endT + 0.5 }];
  let rearranged = false;
  if (threeFour) pieces = threeFourPieces(src) ?? pieces;
  else if (wantRearrange) {
    const p = rearrangedPieces(src, r);
    if (p !== undefined) {
      pieces = p;
      rearranged = true;
    }
  }
  const line = layOut(src, pieces, threeFour ? 0.05 : 0.3, rearranged);
  const positions = barPositions(line.downbeat);
  const meterOf = (): number => {
    const gaps: number[] = [];
    let last = -1;
    line.downbeat.forEach((d, i) => {
      if (d) {
        if (last >= 0) gaps.push(i - last);
        last = i;
      }
    });
    return gaps.length > 0 ? [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)]! : 4;
  };
  const meter = meterOf();
  // Tempo: overall scale, a step at a section boundary in the middle of the song, a curve within the bar, breaths.
  const tempoScale = logUniform(r, aug.tempoScale);
  const n = line.beats.length;
  const midSections = line.sectionBeats.filter((b) => b > n * 0.3 && b < n * 0.7);
  const step = r() < aug.tempoStepChance && midSections.length > 0 ? { beat: pick(r, midSections), factor: 1 + (r() < 0.5 ? -1 : 1) * uniform(r, aug.tempoStep) } : undefined;
  const sway = r() * aug.swayMax;
  const swayPhase = r() * 2 * Math.PI;
  const breathes: { beat: number; hold: number }[] = [];
  // A band holds its breath at one or two section ends, not at every one.
  const ends = line.sectionBeats.filter((b) => b > 8 && b < n - 8);
  for (let k = 0; k < 2 && ends.length > 0; k++) {
    if (r() >= aug.breatheChance) continue;
    const b = ends.splice(Math.floor(r() * ends.length), 1)[0]!;
    breathes.push({ beat: b - 1, hold: uniform(r, aug.breathe) });
  }
  const speeds: number[] = [];
  for (let i = 0; i + 1 < Math.max(2, n); i++) {
    let s = tempoScale * (step !== undefined && i >= step.beat ? step.factor : 1);
    s *= 1 + sway * Math.sin((2 * Math.PI * ((positions[i] ?? 0) + 0.5)) / meter + swayPhase);
    const br = breathes.find((x) => x.beat === i);
    if (br !== undefined) s /= br.hold;
    speeds.push(s);
  }
  // Drums and bass.
  const drums = r() < aug.drumsChance;
  const grooves = groovesFor(band.grooveNames, meter);
  const groove = drums ? grooves[Math.floor(band.grooveRoll * grooves.length) % grooves.length] : undefined;
  const bars = line.downbeat.filter(Boolean).length;
  const restBar = bars > 20 && r() < aug.drumDropChance ? 4 + Math.floor(r() * (bars - 16)) : undefined;
  const drumsLate = r() < aug.drumsLateChance && line.sectionBeats.length > 1;
  const withBass = r() < aug.bassChance;
  // Room.
  const room = r() < aug.roomChance ? { noiseBelowDb: uniform(r, aug.noiseBelowDb), preRollS: uniform(r, aug.preRollS), humHz: r() < 0.5 ? 50 : 60 } : undefined;
  const reverb = r() < aug.reverbChance ? Math.round(uniform(r, [20, 90])) : undefined;
  const eq: string[] = [];
  if (r() < aug.eqChance) {
    if (r() < 0.5) eq.push('highpass', String(Math.round(uniform(r, [60, 250]))));
    if (r() < 0.5) eq.push('lowpass', String(Math.round(uniform(r, [3500, 9000]))));
    eq.push('equalizer', String(Math.round(logUniform(r, [100, 6000]))), '1q', (uniform(r, [-9, 9])).toFixed(1));
  }
  const gainDb = uniform(r, aug.gainDb);
  const rides: Plan['rides'] = [];
  if (r() < aug.levelRideChance) {
    const count = 1 + Math.floor(r() * 3);
    for (let k = 0; k < count; k++) rides.push({ at: r(), rampS: uniform(r, [1, 6]), holdS: uniform(r, [4, 20]), db: (r() < 0.5 ? -1 : 1) * uniform(r, [4, 10]) });
  }
  const sampleRate = pick(r, aug.sampleRates);
  const plan: Plan = {
    soundfont,
    sampleRate,
    programs: band.programs,
    volumes: band.volumes,
    kit: band.kit,
    drumFont: unseen && performance ? SOUNDFONTS.unseenDrums : undefined,
    groove: groove?.name,
    bass: withBass ? band.bass : undefined,
    threeFour,
    rearranged,
    tempoScale,
    step,
    sway,
    swayPhase,
    breathes,
    drumRest: restBar !== undefined ? [restBar, restBar + 8] : undefined,
    drumsFromBeat: drumsLate ? line.sectionBeats[1]! : 0,
    room,
    reverb,
    eq,
    gainDb,
    rides,
  };
  return { plan, line, positions, speeds, groove };
}

/** Drum notes over the output beats. */
function drumNotes(plan: Plan, groove: Groove, out: readonly number[], positions: readonly number[], r: () => number): MidiNote[] {
  const notes: MidiNote[] = [];
  let bar = -1;
  const hit = (key: number, t: number, ch: string): void => {
    const base = ch === 'X' ? 118 : ch === 'o' ? 55 : 95;
    const at = Math.max(0, t + 0.005 * gauss(r));
    notes.push({ channel: 9, key, velocity: Math.max(20, Math.min(127, Math.round(base * (0.88 + 0.2 * r())))), on: at, off: at + 0.08 });
  };
  for (let i = 0; i < out.length; i++) {
    if (positions[i] === 0) bar++;
    if (i < plan.drumsFromBeat) continue;
    if (plan.drumRest !== undefined && bar >= plan.drumRest[0] && bar < plan.drumRest[1]) continue;
    const t0 = out[i]!;
    const t1 = i + 1 < out.length ? out[i + 1]! : t0 + (t0 - (out[i - 1] ?? t0 - 0.5));
    const beatInBar = (positions[i] ?? 0) % groove.beats;
    const lastOfPhrase = bar % 8 === 7 && (positions[i + 1] ?? 0) === 0;
    if (positions[i] === 0 && (bar % 8 === 0 || i === plan.drumsFromBeat) && r() < 0.6) hit(DRUM_KEYS.C!, t0, 'x');
    if (lastOfPhrase && r() < 0.5) {
      for (const [drum, line] of Object.entries(FILL)) {
        for (let q = 0; q < line.length; q++) if (line[q] !== '.') hit(DRUM_KEYS[drum]!, t0 + ((t1 - t0) * q) / line.length, line[q]!);
      }
      continue;
    }
    for (const [drum, line] of Object.entries(groove.lines)) {
      for (let q = 0; q < groove.stepsPerBeat; q++) {
        const ch = line[beatInBar * groove.stepsPerBeat + q];
        if (ch === undefined || ch === '.') continue;
        hit(DRUM_KEYS[drum]!, t0 + ((t1 - t0) * q) / groove.stepsPerBeat, ch);
      }
    }
  }
  return notes;
}

/** A bass line on the roots of the accompaniment. */
function bassNotes(pattern: string, notes: readonly MidiNote[], out: readonly number[], positions: readonly number[]): MidiNote[] {
  const harmony = notes.filter((n) => n.channel === 2 || n.channel === 1);
  const bass: MidiNote[] = [];
  let root = 40;
  let k = 0;
  const sounding: MidiNote[] = [];
  for (let i = 0; i < out.length; i++) {
    const t0 = out[i]!;
    const t1 = i + 1 < out.length ? out[i + 1]! : t0 + 0.5;
    while (k < harmony.length && harmony[k]!.on <= t0 + 0.03) sounding.push(harmony[k++]!);
    let low = Infinity;
    for (let j = sounding.length - 1; j >= 0; j--) {
      const nn = sounding[j]!;
      if (nn.off < t0) sounding.splice(j, 1);
      else if (nn.key < low) low = nn.key;
    }
    if (Number.isFinite(low)) root = 28 + ((((low - 28) % 12) + 12) % 12);
    const d = t1 - t0;
    const note = (at: number, len: number): void => {
      bass.push({ channel: 3, key: root, velocity: 92, on: at, off: at + len });
    };
    const pos = positions[i] ?? 0;
    switch (pattern) {
      case 'beats':
        note(t0, 0.9 * d);
        break;
      case 'half':
        if (pos % 2 === 0) note(t0, 1.8 * d);
        break;
      case 'eighths':
        note(t0, 0.45 * d);
        note(t0 + d / 2, 0.45 * d);
        break;
      default:
        if (pos === 0) note(t0, 1.4 * d);
        else if (pos === 1) note(t0 + d / 2, 0.45 * d);
        else note(t0, 0.9 * d);
    }
  }
  return bass;
}

/** Seeded stage noise: pink noise, a murmuring crowd and a little mains hum, unit RMS. */
function roomNoise(length: number, sampleRate: number, humHz: number, r: () => number): Float32Array {
  const out = new Float32Array(length);
  let b0 = 0;
  let b1 = 0;
  let b2 = 0;
  let b3 = 0;
  let b4 = 0;
  let b5 = 0;
  let b6 = 0;
  // Crowd: band-passed noise (≈300–3000 Hz) with a slow random swell.
  const bp = (f: number, q: number) => {
    const w = (2 * Math.PI * f) / sampleRate;
    const alpha = Math.sin(w) / (2 * q);
    const a0 = 1 + alpha;
    return { b0: alpha / a0, b2: -alpha / a0, a1: (-2 * Math.cos(w)) / a0, a2: (1 - alpha) / a0, x1: 0, x2: 0, y1: 0, y2: 0 };
  };
  const f1 = bp(600, 0.7);
  const f2 = bp(1800, 0.9);
  const run = (f: ReturnType<typeof bp>, x: number): number => {
    const y = f.b0 * x + f.b2 * f.x2 - f.a1 * f.y1 - f.a2 * f.y2;
    f.x2 = f.x1;
    f.x1 = x;
    f.y2 = f.y1;
    f.y1 = y;
    return y;
  };
  let swell = 1;
  let target = 1;
  const swellStep = 1 / sampleRate;
  for (let i = 0; i < length; i++) {
    const white = r() * 2 - 1;
    b0 = 0.99886 * b0 + white * 0.0555179;
    b1 = 0.99332 * b1 + white * 0.0750759;
    b2 = 0.969 * b2 + white * 0.153852;
    b3 = 0.8665 * b3 + white * 0.3104856;
    b4 = 0.55 * b4 + white * 0.5329522;
    b5 = -0.7616 * b5 - white * 0.016898;
    const pink = (b0 + b1 + b2 + b3 + b4 + b5 + b6 + white * 0.5362) * 0.11;
    b6 = white * 0.115926;
    if (i % Math.round(sampleRate / 4) === 0) target = 0.4 + 1.2 * r();
    swell += (target - swell) * swellStep * 2;
    const crowd = (run(f1, r() * 2 - 1) + run(f2, r() * 2 - 1)) * swell;
    const hum = 0.05 * Math.sin((2 * Math.PI * humHz * i) / sampleRate) + 0.02 * Math.sin((2 * Math.PI * 3 * humHz * i) / sampleRate);
    out[i] = 0.6 * pink + 1.2 * crowd + hum;
  }
  let ss = 0;
  for (let i = 0; i < length; i++) ss += out[i]! * out[i]!;
  const rms = Math.sqrt(ss / Math.max(1, length)) || 1;
  for (let i = 0; i < length; i++) out[i]! /= rms;
  return out;
}

function summaryOf(plan: Plan): string {
  const parts = [
    plan.soundfont.split('/').pop()! + (plan.drumFont !== undefined ? ` + kit ${plan.drumFont.split('/').pop()!}` : ''),
    `${plan.sampleRate} Hz`,
    `tempo×${plan.tempoScale.toFixed(2)}`,
    plan.step !== undefined ? `step×${plan.step.factor.toFixed(2)}` : '',
    plan.sway > 0.005 ? `sway ${(plan.sway * 100).toFixed(0)}%` : '',
    plan.breathes.length > 0 ? `${plan.breathes.length} breaths` : '',
    plan.groove !== undefined ? `drums ${plan.groove}${plan.drumRest !== undefined ? ' (rest 8 bars)' : ''}${plan.drumsFromBeat > 0 ? ' (enter late)' : ''}` : 'no drums',
    plan.bass !== undefined ? `bass ${plan.bass.pattern}` : '',
    plan.threeFour ? '3/4' : '',
    plan.rearranged ? 'repeat+skip' : '',
    plan.room !== undefined ? `room −${plan.room.noiseBelowDb.toFixed(0)} dB, ${plan.room.preRollS.toFixed(1)} s before` : '',
    plan.reverb !== undefined ? `reverb ${plan.reverb}` : '',
    plan.eq.length > 0 ? `eq ${plan.eq.join(' ')}` : '',
    plan.rides.length > 0 ? `${plan.rides.length} level rides` : '',
    `${plan.gainDb.toFixed(0)} dB`,
  ];
  return parts.filter((p) => p !== '').join(', ');
}

/** Renders (or reuses) one take. */
export async function renderTake(req: RenderRequest, cacheDir = RENDER_DIR): Promise<RenderedTake> {
  mkdirSync(cacheDir, { recursive: true });
  const key = `${req.id}-${req.kind}-${req.take}${req.unseen === true ? '-unseen' : ''}-${renderVersion(req.kind)}`;
  const wav = join(cacheDir, `${key}.wav`);
  const meta = join(cacheDir, `${key}.json`);
  if (existsSync(wav) && existsSync(meta)) return { wav, ...(JSON.parse(readFileSync(meta, 'utf8')) as Omit<RenderedTake, 'wav'>) };
  const src = loadSource(req.id);
  const { plan, line, positions, speeds, groove } = makePlan(req, src);
  const tw = warp(line.beats, speeds);
  const r = seededRandom(seedOf('notes', renderVersion(req.kind), req.id, req.kind === 'stage' ? 'performance' : req.kind, req.take));
  const notes: MidiNote[] = line.notes.map((nn) => ({ ...nn, on: tw.map(nn.on), off: Math.max(tw.map(nn.on) + 0.02, tw.map(nn.off)) }));
  const controls: MidiEvent[] = line.controls.map((c) => ({ ...c, t: tw.map(c.t) }));
  const setup: MidiEvent[] = [];
  plan.programs.forEach((p, ch) => setup.push({ t: 0, status: 0xc0 | ch, data: Uint8Array.of(p) }));
  if (plan.bass !== undefined) setup.push({ t: 0, status: 0xc3, data: Uint8Array.of(plan.bass.program) });
  setup.push({ t: 0, status: 0xc9, data: Uint8Array.of(plan.kit) });
  [0, 1, 2, 3, 9].forEach((ch, i) => setup.push({ t: 0, status: 0xb0 | ch, data: Uint8Array.of(7, plan.volumes[i] ?? 100) }));
  const drums = groove !== undefined ? drumNotes(plan, groove, tw.out, positions, r) : [];
  if (plan.drumFont === undefined) notes.push(...drums);
  if (plan.bass !== undefined) notes.push(...bassNotes(plan.bass.pattern, notes, tw.out, positions));
  notes.sort((a, b) => a.on - b.on);
  const endT = [...notes, ...drums].reduce((m, nn) => Math.max(m, nn.off), 0) + 1.5;
  // Per process: two benches may render the same take at once (each renames its own result in place).
  const work = `${wav}.work-${process.pid}`;
  mkdirSync(work, { recursive: true });
  try {
    const mid = join(work, 'song.mid');
    writeFileSync(mid, writeSmf({ notes, controls: [...setup, ...controls].sort((a, b) => a.t - b.t) }));
    const stereo = join(work, 'stereo.wav');
    if (plan.drumFont === undefined) await run('fluidsynth', ['-ni', '-q', '-F', stereo, '-r', String(plan.sampleRate), '-g', '0.5', plan.soundfont, mid], { maxBuffer: 1 << 24 });
    else {
      // The kit is a melodic preset (bank 0, program 0) of its own soundfont: its notes on the first channel, rendered apart, mixed in.
      const band = join(work, 'band.wav');
      const kit = join(work, 'kit.wav');
      const kitMid = join(work, 'kit.mid');
      writeFileSync(kitMid, writeSmf({ notes: drums.map((d) => ({ ...d, channel: 0 })), controls: [{ t: 0, status: 0xc0, data: Uint8Array.of(0) }, { t: 0, status: 0xb0, data: Uint8Array.of(7, plan.volumes[4] ?? 100) }] }));
      await run('fluidsynth', ['-ni', '-q', '-F', band, '-r', String(plan.sampleRate), '-g', '0.5', plan.soundfont, mid], { maxBuffer: 1 << 24 });
      await run('fluidsynth', ['-ni', '-q', '-F', kit, '-r', String(plan.sampleRate), '-g', '0.5', plan.drumFont, kitMid], { maxBuffer: 1 << 24 });
      await run('sox', ['-m', band, kit, stereo], { maxBuffer: 1 << 24 });
    }
    const mono = join(work, 'mono.wav');
    const effects: string[] = [...plan.eq];
    if (plan.reverb !== undefined) effects.push('reverb', String(plan.reverb), '50', '70');
    await run('sox', ['-R', stereo, '-c', '1', '-b', '32', '-e', 'floating-point', mono, ...effects, 'trim', '0', endT.toFixed(3), 'norm', '-3'], { maxBuffer: 1 << 24 });
    const dec = decodeWav(readFileSync(mono), mono);
    const rate = dec.sampleRate;
    const pre = plan.room !== undefined ? Math.round(plan.room.preRollS * rate) : 0;
    const music = dec.samples;
    const total = pre + music.length;
    const outS = new Float32Array(total);
    // Level: overall gain and rides (piecewise-linear in dB), applied to the band only.
    const durS = music.length / rate;
    const gainAt = (tS: number): number => {
      let db = plan.gainDb;
      for (const ride of plan.rides) {
        const start = ride.at * durS;
        const x = tS - start;
        if (x <= 0) continue;
        const up = Math.min(1, x / ride.rampS);
        const down = x > ride.rampS + ride.holdS ? Math.max(0, 1 - (x - ride.rampS - ride.holdS) / ride.rampS) : 1;
        db += ride.db * Math.min(up, down);
      }
      return 10 ** (db / 20);
    };
    let ss = 0;
    let count = 0;
    for (let i = 0; i < music.length; i++) {
      const v = music[i]! * gainAt(i / rate);
      outS[pre + i] = v;
      if (Math.abs(v) > 1e-4) {
        ss += v * v;
        count++;
      }
    }
    if (plan.room !== undefined) {
      const musicDb = 10 * Math.log10(ss / Math.max(1, count) + 1e-12);
      const level = 10 ** ((musicDb - plan.room.noiseBelowDb) / 20);
      const noise = roomNoise(total, rate, plan.room.humHz, r);
      for (let i = 0; i < total; i++) outS[i]! += level * noise[i]!;
    }
    const offset = pre / rate;
    const beats = tw.out.map((t) => Math.round((t + offset) * 1e4) / 1e4);
    const info: Omit<RenderedTake, 'wav'> = { beats, beatInBar: positions, durationS: total / rate, sampleRate: rate, summary: summaryOf(plan) };
    // The truth first, the audio last: a take is cached once both are there, each whole.
    writeFileSync(join(work, 'meta.json'), JSON.stringify(info));
    renameSync(join(work, 'meta.json'), meta);
    writeFileSync(join(work, 'take.wav'), encodeWav([outS], rate, 's16le'));
    renameSync(join(work, 'take.wav'), wav);
    return { wav, ...info };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * A take played `factor` times faster (sox `tempo -m`: pitch kept), cached beside the renders; the
 * take itself at 1. Its truth is the take's times divided by `factor`. POP909 is slow (most songs
 * 58–103 BPM): this is how the benches hear the same songs at the tempi of faster music.
 */
export async function takeAtTempo(wavPath: string, factor: number, cacheDir = join(RENDER_DIR, '..', 'tempo')): Promise<string> {
  if (factor === 1) return wavPath;
  if (!(factor >= 0.5 && factor <= 2)) throw new RangeError(`a tempo factor from 0.5 to 2, got ${factor}`);
  mkdirSync(cacheDir, { recursive: true });
  const name = wavPath.slice(wavPath.lastIndexOf('/') + 1).replace(/\.wav$/, '');
  const out = join(cacheDir, `${name}-x${factor}.wav`);
  if (!existsSync(out)) {
    const part = `${out}.${process.pid}.part.wav`;
    await run('sox', [wavPath, part, 'tempo', '-m', String(factor)]);
    renameSync(part, out);
  }
  return out;
}
