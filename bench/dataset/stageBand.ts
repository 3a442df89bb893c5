/**
 * POP909 as a band, and a band's MIDI played through an edit map.
 *
 * POP909's MIDI is three piano tracks (melody, bridge, accompaniment). A band on stage has a lead, a
 * pad or guitar, keys, a bass and drums, and the stage conditions lay some of them out, so the song is
 * orchestrated first: General MIDI programs per part (chosen per song, the same band in every take),
 * a bass line from the accompaniment's lowest notes on the beat grid, and a drum part on the beat grid
 * whose groove follows the section labels (intro and outro light, verses a backbeat, choruses fuller,
 * a crash on each section start). Drop-outs then find the instruments the General MIDI way: channel 10
 * is the drums, programs 33–40 (0-based 32–39) are basses.
 */
import { stateBefore } from './generate.js';
import type { MidiEvent, MidiNote, MidiSong } from './smf.js';
import { outTime, sectionBars, type EditMap, type Piece, type SongForm } from './stageEdit.js';

/** MIDI channel (0-based) of the drums. */
export const DRUM_CHANNEL = 9;
/** The channel the bass line is written to. */
export const BASS_CHANNEL = 3;

const LEADS = [65, 73, 56, 71, 81];
const PADS = [48, 25, 61, 11, 27];
const KEYS = [0, 1, 4, 5];
const BASSES = [33, 34, 38];

/** True for a General MIDI bass program (0-based 32–39). */
export function isBassProgram(program: number): boolean {
  return program >= 32 && program <= 39;
}

function program(channel: number, p: number): MidiEvent {
  return { t: 0, status: 0xc0 | channel, data: Uint8Array.of(p) };
}
function control(channel: number, cc: number, v: number): MidiEvent {
  return { t: 0, status: 0xb0 | channel, data: Uint8Array.of(cc, v) };
}

/**
 * The song as a band (see the module comment). `rand` picks the programs and humanises velocities:
 * pass the song's own seed so every take of the song has the same band.
 */
export function orchestrate(song: MidiSong, form: SongForm, rand: () => number): MidiSong {
  const pick = (xs: readonly number[]): number => xs[Math.floor(rand() * xs.length)]!;
  const programs = [pick(LEADS), pick(PADS), pick(KEYS)];
  const bassProgram = pick(BASSES);
  const controls: MidiEvent[] = song.controls.filter((c) => (c.status & 0xf0) !== 0xc0 && !((c.status & 0xf0) === 0xb0 && c.data[0] === 7));
  programs.forEach((p, ch) => controls.push(program(ch, p)));
  controls.push(program(BASS_CHANNEL, bassProgram), control(0, 7, 100), control(1, 7, 72), control(2, 7, 84), control(BASS_CHANNEL, 7, 104), control(DRUM_CHANNEL, 7, 96));
  controls.sort((a, b) => a.t - b.t);
  const notes = song.notes.filter((n) => n.channel < 3).map((n) => ({ ...n }));
  notes.push(...bassLine(song.notes, form, rand), ...drumPart(form, rand));
  notes.sort((a, b) => a.on - b.on);
  return { notes, controls };
}

/** The accompaniment's lowest note on each beat, two octaves down, held for most of the beat. */
function bassLine(notes: readonly MidiNote[], form: SongForm, rand: () => number): MidiNote[] {
  const low = notes.filter((n) => n.channel !== 0 && n.key < 64).sort((a, b) => a.on - b.on);
  const out: MidiNote[] = [];
  let j = 0;
  let last: number | undefined;
  for (let i = 0; i < form.beats.length; i++) {
    const b = form.beats[i]!;
    const next = form.beats[i + 1]?.t ?? b.t + 0.5;
    let lowest: number | undefined;
    while (j < low.length && low[j]!.on < b.t - 0.04) j++;
    for (let k = j; k < low.length && low[k]!.on < next - 0.04; k++) lowest = Math.min(lowest ?? 128, low[k]!.key);
    const key = lowest !== undefined ? 28 + ((lowest - 28) % 12 + 12) % 12 : b.downbeat ? last : undefined;
    if (key === undefined) continue;
    last = key;
    out.push({ channel: BASS_CHANNEL, key, velocity: 84 + Math.floor(rand() * 16), on: b.t, off: b.t + 0.85 * (next - b.t) });
  }
  return out;
}

type Groove = 'light' | 'backbeat' | 'full';

/** A drum part on the beat grid, its groove by section label. */
function drumPart(form: SongForm, rand: () => number): MidiNote[] {
  const vocal = form.sections.map((s) => s.label).filter((l) => /^[A-Z]$/.test(l));
  const chorus = vocal.find((l) => l !== vocal[0]);
  const firsts = sectionBars(form);
  const grooveOf: Groove[] = [];
  form.sections.forEach((s) => {
    const g: Groove = s.label === 'i' || s.label === 'o' ? 'light' : s.label === chorus ? 'full' : 'backbeat';
    for (let k = 0; k < s.bars; k++) grooveOf.push(g);
  });
  const out: MidiNote[] = [];
  const hit = (key: number, t: number, vel: number): void => {
    out.push({ channel: DRUM_CHANNEL, key, velocity: Math.max(1, Math.min(127, vel + Math.floor(rand() * 12) - 6)), on: t, off: t + 0.08 });
  };
  const total = form.barStarts.length - 1;
  let bi = 0;
  for (let bar = 0; bar < total; bar++) {
    const a = form.barStarts[bar]!;
    const z = form.barStarts[bar + 1]!;
    while (bi < form.beats.length && form.beats[bi]!.t < a - 0.02) bi++;
    const beats: number[] = [];
    for (let k = bi; k < form.beats.length && form.beats[k]!.t < z - 0.02; k++) beats.push(form.beats[k]!.t);
    if (beats.length === 0) beats.push(a);
    const g = grooveOf[bar] ?? 'backbeat';
    if (firsts.includes(bar)) hit(49, a, 100);
    beats.forEach((t, k) => {
      const next = beats[k + 1] ?? z;
      if (g === 'light') {
        if (k === 0) hit(36, t, 90);
        hit(42, t, 70);
        return;
      }
      if (k === 0 || (k === 2 && beats.length === 4)) hit(36, t, 100);
      if (k % 2 === 1) hit(38, t, 100);
      hit(g === 'full' ? 51 : 42, t, g === 'full' ? 85 : 78);
      hit(g === 'full' ? 46 : 42, (t + next) / 2, 62);
      if (g === 'full' && k === 1) hit(36, (t + next) / 2, 88);
    });
  }
  return out;
}

/** Program of every channel at each program change, for `programAt`. */
function programTable(controls: readonly MidiEvent[]): Map<number, { t: number; p: number }[]> {
  const table = new Map<number, { t: number; p: number }[]>();
  for (const c of controls) {
    if ((c.status & 0xf0) !== 0xc0) continue;
    const ch = c.status & 0x0f;
    table.set(ch, [...(table.get(ch) ?? []), { t: c.t, p: c.data[0] ?? 0 }]);
  }
  return table;
}

function programAt(table: Map<number, { t: number; p: number }[]>, channel: number, t: number): number {
  let p = 0;
  for (const e of table.get(channel) ?? []) if (e.t <= t) p = e.p;
  return p;
}

/** Whether a note plays in a piece that lays some instruments out. */
function plays(n: MidiNote, piece: Piece, programs: Map<number, { t: number; p: number }[]>): boolean {
  if (piece.drop === 'drums') return n.channel !== DRUM_CHANNEL;
  if (piece.drop === 'bassAlone') return n.channel !== DRUM_CHANNEL && isBassProgram(programAt(programs, n.channel, n.on));
  return true;
}

/** Seconds a note cut by an edit rings on (its release). */
const CUT_RELEASE_S = 0.3;

/**
 * Plays `song` through the edit map: every note that starts in a played bar (or in the lead-in before
 * the first), moved to the bar's output time at its speed; a note held over into the next bar follows
 * it while the source continues, and is released at the end of the run where the map cuts, pauses or
 * jumps. Controller state is restated at each cut; the count-in is a side stick on channel 10.
 */
export function playMap(song: MidiSong, map: EditMap): { song: MidiSong; lastOffS: number } {
  const programs = programTable(song.controls);
  const notes: MidiNote[] = [];
  const controls: MidiEvent[] = [];
  const pieces = map.pieces;
  // The end of each piece's run of continuing pieces.
  const runEnd = new Array<number>(pieces.length);
  for (let i = pieces.length - 1; i >= 0; i--) {
    const next = pieces[i + 1];
    runEnd[i] = next !== undefined && next.continues ? runEnd[i + 1]! : i;
  }
  pieces.forEach((p, i) => {
    const from = i === 0 ? p.srcFrom - map.leadInS : p.srcFrom;
    if (i === 0 || !p.continues) for (const c of stateBefore(song.controls, from)) controls.push({ ...c, t: Math.max(0, outTime(p, from)) });
    for (const c of song.controls) if (c.t >= from && c.t < p.srcTo) controls.push({ ...c, t: Math.max(0, outTime(p, c.t)) });
    const last = pieces[runEnd[i]!]!;
    const cutAt = outTime(last, last.srcTo) + CUT_RELEASE_S;
    for (const n of song.notes) {
      if (n.on < from || n.on >= p.srcTo || !plays(n, p, programs)) continue;
      let off = cutAt;
      for (let k = i; k <= runEnd[i]!; k++) {
        const q = pieces[k]!;
        if (n.off < q.srcTo) {
          off = outTime(q, n.off);
          break;
        }
      }
      const on = outTime(p, n.on);
      if (on < 0) continue;
      notes.push({ ...n, on, off: Math.max(on + 0.01, Math.min(off, cutAt)) });
    }
  });
  for (const t of map.countIn) notes.push({ channel: DRUM_CHANNEL, key: 37, velocity: 110, on: t, off: t + 0.08 });
  notes.sort((a, b) => a.on - b.on);
  controls.sort((a, b) => a.t - b.t);
  return { song: { notes, controls }, lastOffS: notes.reduce((m, n) => Math.max(m, n.off), 0) };
}
