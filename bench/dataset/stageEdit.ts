/**
 * The stage-conditions edit map: how a take is laid out from a song's bars, and how the cue and beat
 * truth follows. Pure (no I/O): the MIDI renderer (`stage.ts`) and the recording editor
 * (`stageRecordings.ts`) both play the same map, so a condition means the same thing on a rendered
 * song and on a re-edited recording.
 *
 * A take is a list of pieces, one per played bar: which source bar, from which output second, at what
 * speed, whether it carries its cues, and which instruments lay out. Everything a band does to a song
 * on stage is a choice of pieces:
 *   rubato    every bar at its own speed (a smooth random walk, a ritardando into each section end);
 *   tempoStep the band stops at a section end (a break of 1.5–3.5 s) and comes back 8–15% off tempo;
 *   vamp      the last 2 bars before a vocal section are played again 1–5 more times; the extra passes
 *             carry no cues (the look holds through a vamp; the next section's cues come when it does);
 *   jumps     a verse skipped (its cues never fire), a chorus played twice (its cues fire twice), and
 *             back to the bridge after the last chorus (its cues fire again);
 *   dropouts  the drums lay out for 8 bars; a breakdown of bass alone (4–8 bars);
 *   walkIn    8–15 s of crowd, then a 4-beat count-in, then the song;
 *   room      audio only (reverb, EQ, level, noise under it, a microphone's band): see `RoomSettings`.
 * Every stage take also plays at a global tempo 0–3% off the rehearsals'; rehearsals breathe too
 * (`rehearsalPlan`: mild rubato, ±1–3% tempo), and the vamp is the arrangement's, so the band rehearses
 * it too: at the same place (`vampPlace`), open — each rehearsal plays the figure its own number of
 * extra times (0–3, the two rehearsals never the same), as a band rehearses a vamp whose length the
 * singer decides.
 *
 * Cue design (the POP909 design of `generate.ts`, on bars): LX at each section start (the look chosen
 * by the section's label), VID every 8 bars from a section start, CAM every 2 bars cycling shots 1–4.
 */
import { lowerBound } from '../../engine/core/model/followInput.js';
import { labelCue, type CueLine } from './generate.js';

/** The conditions a stage take can be made with, each switchable. */
export const STAGE_CONDITIONS = ['rubato', 'tempoStep', 'vamp', 'jumps', 'dropouts', 'walkIn', 'room'] as const;
/** One stage condition. */
export type StageCondition = (typeof STAGE_CONDITIONS)[number];

/** A song's form on its own time line (source seconds). */
export interface SongForm {
  /** Start of bar k, k = 0..bars (one more than the number of bars: the end of the last). */
  readonly barStarts: readonly number[];
  /** Sections in order, each a label and a length in bars, covering every bar. */
  readonly sections: readonly { readonly label: string; readonly bars: number }[];
  /** Every beat (source seconds) and whether it starts a bar. */
  readonly beats: readonly { readonly t: number; readonly downbeat: boolean }[];
}

/** Instruments that lay out in a piece: the drums, or everything but the bass. */
export type Drop = 'drums' | 'bassAlone';

/** One played bar. */
export interface Piece {
  /** Source bar index. */
  readonly bar: number;
  readonly srcFrom: number;
  readonly srcTo: number;
  /** Output second where the bar starts. */
  readonly outFrom: number;
  /** 1.05 plays 5% faster: output duration = (srcTo − srcFrom) / speed. */
  readonly speed: number;
  /** False on a vamp's extra passes: the bar's cues do not fire again. */
  readonly cues: boolean;
  readonly drop?: Drop;
  /** True when the previous piece ended exactly where this one starts in the source, with no pause between. */
  readonly continues: boolean;
}

/** Audio treatment of a room heard through a microphone (sox parameters). */
export interface RoomSettings {
  /** sox reverb: reverberance and room scale (%), pre-delay (ms). */
  readonly reverberance: number;
  readonly roomScale: number;
  readonly preDelayMs: number;
  /** A low-mid bump and a presence cut (dB). */
  readonly lowMidDb: number;
  readonly presenceDb: number;
  /** The microphone's band (Hz). */
  readonly highpassHz: number;
  readonly lowpassHz: number;
  /** Music peak level after the room (dBFS) and noise under it (amplitude of pink/brown noise). */
  readonly levelDb: number;
  readonly noise: number;
}

/** A take's layout: the pieces, what comes before the song, and what was done (for dataset.json). */
export interface EditMap {
  readonly pieces: readonly Piece[];
  /** Source seconds before the first bar that are played too (pick-up notes), ending at pieces[0].outFrom. */
  readonly leadInS: number;
  /** Seconds of crowd before the count-in (0: none). */
  readonly walkInS: number;
  /** Output seconds of the count-in clicks. */
  readonly countIn: readonly number[];
  /** Output seconds after which the take ends (last bar plus a tail). */
  readonly endS: number;
  readonly room?: RoomSettings;
  /** What the map does, in words (e.g. `vamp: bars 3-4 ×3 before A`). */
  readonly notes: readonly string[];
}

/** A cue of the design, on a source bar. */
export interface BarCue {
  readonly bar: number;
  readonly dept: CueLine['dept'];
  readonly cue: string;
}

/** First bar of each section. */
export function sectionBars(form: Pick<SongForm, 'sections'>): number[] {
  const out: number[] = [];
  let b = 0;
  for (const s of form.sections) {
    out.push(b);
    b += s.bars;
  }
  return out;
}

/** The cue design on bars (see the module comment). */
export function designCues(form: Pick<SongForm, 'sections'>): BarCue[] {
  const cues: BarCue[] = [];
  const first = sectionBars(form);
  form.sections.forEach((s, i) => {
    const lx = labelCue(s.label);
    for (let k = 0; k < s.bars; k++) {
      const bar = first[i]! + k;
      if (k === 0) cues.push({ bar, dept: 'LX', cue: lx });
      if (k % 8 === 0) cues.push({ bar, dept: 'VID', cue: k === 0 ? lx : `${lx}.${k / 8}` });
      if (k % 2 === 0) cues.push({ bar, dept: 'CAM', cue: String(1 + ((k / 2) % 4)) });
    }
  });
  return cues;
}

const ms = (t: number): number => Math.round(t * 1000) / 1000;

/** The cue truth of a take: every cue of a played bar that carries its cues, at the bar's output start. */
export function mapCues(map: Pick<EditMap, 'pieces'>, cues: readonly BarCue[]): CueLine[] {
  const byBar = new Map<number, BarCue[]>();
  for (const c of cues) byBar.set(c.bar, [...(byBar.get(c.bar) ?? []), c]);
  const out: CueLine[] = [];
  for (const p of map.pieces) {
    if (!p.cues) continue;
    for (const c of byBar.get(p.bar) ?? []) out.push({ t: ms(p.outFrom), dept: c.dept, cue: c.cue });
  }
  return out;
}

/** The beat truth of a take: every source beat inside a played bar, mapped through its piece. */
export function mapBeats(map: Pick<EditMap, 'pieces'>, beats: SongForm['beats']): { t: number; downbeat: boolean }[] {
  const out: { t: number; downbeat: boolean }[] = [];
  let j = 0;
  const sorted = [...beats].sort((a, b) => a.t - b.t);
  for (const p of map.pieces) {
    // Pieces may go back in the source (repeats, vamps): search from the bar's start each time.
    j = lowerBound(sorted, p.srcFrom - 1e-6);
    for (; j < sorted.length && sorted[j]!.t < p.srcTo - 1e-6; j++) out.push({ t: ms(p.outFrom + (sorted[j]!.t - p.srcFrom) / p.speed), downbeat: sorted[j]!.downbeat });
  }
  return out;
}

/**
 * The breaks of a take: output seconds (from, to) where the band is silent between two played bars
 * (`tempoStep`'s pause before a section start; at least `minS` long). The walk-in before the first
 * bar is not one.
 */
export function breaksOf(map: Pick<EditMap, 'pieces'>, minS = 0.5): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 1; i < map.pieces.length; i++) {
    const a = map.pieces[i - 1]!;
    const end = a.outFrom + (a.srcTo - a.srcFrom) / a.speed;
    const next = map.pieces[i]!.outFrom;
    if (next - end >= minS) out.push([end, next]);
  }
  return out;
}

/** Maps a source second inside piece `p` to the output. */
export function outTime(p: Piece, src: number): number {
  return p.outFrom + (src - p.srcFrom) / p.speed;
}

/** A played bar before it is laid on the output time line. */
interface Slot {
  bar: number;
  speed: number;
  cues: boolean;
  drop?: Drop;
  /** Seconds of silence after this bar (a break). */
  pauseAfterS?: number;
}

const isVocal = (label: string): boolean => /^[A-Z]$/.test(label) && label !== 'X';

/** Picks an index from `xs` (uniform), or undefined when empty. */
function pick<T>(xs: readonly T[], rand: () => number): T | undefined {
  return xs.length === 0 ? undefined : xs[Math.floor(rand() * xs.length)];
}

/** Standard normal from the seeded uniform source (Box–Muller). */
function gauss(rand: () => number): number {
  const u = Math.max(1e-12, rand());
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** Per-bar speed factors: a smooth random walk of log-speed (σ per bar) and a ritardando into each section end. */
function rubatoFactors(form: SongForm, sigma: number, ritard: number, rand: () => number): number[] {
  const ends = new Set(sectionBars(form).map((b, i) => b + form.sections[i]!.bars - 1));
  const total = form.barStarts.length - 1;
  const out: number[] = [];
  let x = 0;
  for (let b = 0; b < total; b++) {
    x = 0.6 * x + sigma * gauss(rand);
    const r = b === total - 1 ? ritard * ritard : ends.has(b) ? ritard : 1;
    out.push(Math.exp(x) * r);
  }
  return out;
}

/** Lays slots on the output time line. */
function layOut(form: SongForm, slots: readonly Slot[], startS: number, leadInS: number): Piece[] {
  const pieces: Piece[] = [];
  let t = startS + leadInS / (slots[0]?.speed ?? 1);
  let prev: Slot | undefined;
  for (const s of slots) {
    const srcFrom = form.barStarts[s.bar]!;
    const srcTo = form.barStarts[s.bar + 1]!;
    const continues = prev !== undefined && prev.bar + 1 === s.bar && (prev.pauseAfterS ?? 0) === 0;
    pieces.push({ bar: s.bar, srcFrom, srcTo, outFrom: t, speed: s.speed, cues: s.cues, continues, ...(s.drop !== undefined ? { drop: s.drop } : {}) });
    t += (srcTo - srcFrom) / s.speed + (s.pauseAfterS ?? 0);
    prev = s;
  }
  return pieces;
}

/** What a plan is made from. */
export interface PlanOptions {
  readonly conditions: ReadonlySet<StageCondition>;
  readonly rand: () => number;
  /** Source seconds played before the first bar (default 1). */
  readonly leadInS?: number;
  /** Seconds the take runs on after its last bar (default 2). */
  readonly tailS?: number;
}

/**
 * The edit map of a rehearsal that breathes: the whole song at a tempo 1–3% off, mild rubato bar by
 * bar, and the vamp's figure (`vampPlace`) played `vampTimes` more times (default 0; its extra passes
 * carry no cues, as on stage). `vampTimes` is drawn after everything else, so a rehearsal is the same
 * bar for bar whatever its vamp.
 */
export function rehearsalPlan(form: SongForm, rand: () => number, options: { leadInS?: number; tailS?: number; vampTimes?: number } = {}): EditMap {
  const base = 1 + (rand() < 0.5 ? -1 : 1) * (0.01 + rand() * 0.02);
  const rub = rubatoFactors(form, 0.012, 0.97, rand);
  const order = form.sections.map((_, i) => i);
  const vamp = (options.vampTimes ?? 0) > 0 ? vampPlace(form, order) : -1;
  const first = sectionBars(form);
  const slots: Slot[] = [];
  const notes = [`tempo ×${base.toFixed(3)}`, 'mild rubato'];
  order.forEach((s, k) => {
    const sec = form.sections[s]!;
    for (let j = 0; j < sec.bars; j++) slots.push({ bar: first[s]! + j, speed: base * rub[first[s]! + j]!, cues: true });
    if (k + 1 === vamp) {
      const a = first[s]! + sec.bars - 2;
      for (let r = 0; r < options.vampTimes!; r++) for (const bar of [a, a + 1]) slots.push({ bar, speed: base * rub[bar]!, cues: false });
      notes.push(`vamp: bars ${a}-${a + 1} (end of ${sec.label}) ${options.vampTimes} more time(s) before ${form.sections[order[k + 1]!]!.label}`);
    }
  });
  const leadInS = options.leadInS ?? 1;
  const pieces = layOut(form, slots, 0, leadInS);
  return { pieces, leadInS, walkInS: 0, countIn: [], endS: endOf(pieces) + (options.tailS ?? 2), notes };
}

/**
 * Where the arrangement vamps, given the order the sections are played in: the index in `order` of
 * the first vocal section that follows a non-vocal one of at least 2 bars (the vamp is that one's last
 * 2 bars, played again before it), or -1 where the form has none.
 */
export function vampPlace(form: SongForm, order: readonly number[]): number {
  return order.findIndex((s, k) => k > 0 && isVocal(form.sections[s]!.label) && !isVocal(form.sections[order[k - 1]!]!.label) && form.sections[order[k - 1]!]!.bars >= 2);
}

/** Extra passes of the vamp's figure in each of a song's two rehearsals: 0–3, never the same twice. */
export function rehearsalVampTimes(rand: () => number): [number, number] {
  const a = Math.floor(rand() * 4);
  return [a, (a + 1 + Math.floor(rand() * 3)) % 4];
}

function endOf(pieces: readonly Piece[]): number {
  const last = pieces[pieces.length - 1];
  return last === undefined ? 0 : last.outFrom + (last.srcTo - last.srcFrom) / last.speed;
}

/**
 * The edit map of a stage take with `conditions` (see the module comment). Deterministic for a given
 * `rand`; conditions the song's form cannot carry (too few sections) are left out and said in `notes`.
 */
export function stagePlan(form: SongForm, options: PlanOptions): EditMap {
  const { conditions: on, rand } = options;
  const n = form.sections.length;
  const first = sectionBars(form);
  const notes: string[] = [];
  // Draw every random choice in a fixed order whatever the conditions, so one condition's choices
  // are the same alone and combined.
  const base = 1 + (rand() < 0.5 ? -1 : 1) * rand() * 0.03;
  const rub = rubatoFactors(form, 0.035, 0.9, rand);
  const stepSign = rand() < 0.5 ? -1 : 1;
  const stepSize = 0.08 + rand() * 0.07;
  const breakS = 1.5 + rand() * 2;
  const vampTimes = 1 + Math.floor(rand() * 5);
  const rJump = [rand(), rand(), rand()];
  const rDrop = [rand(), rand()];
  const bassBars = 4 + Math.floor(rand() * 5);
  const walkInS = 8 + rand() * 7;
  const room: RoomSettings = {
    reverberance: 40 + rand() * 40,
    roomScale: 60 + rand() * 40,
    preDelayMs: 5 + rand() * 25,
    lowMidDb: 1 + rand() * 4,
    presenceDb: -(1 + rand() * 5),
    highpassHz: 90 + rand() * 80,
    lowpassHz: 5500 + rand() * 2500,
    levelDb: -(4 + rand() * 8),
    noise: 0.015 + rand() * 0.025,
  };
  notes.push(`tempo ×${base.toFixed(3)}`);

  // 1. The order of sections (jumps).
  let order = form.sections.map((_, i) => i);
  if (on.has('jumps')) {
    const inner = order.filter((i) => i > 0 && i < n - 1);
    const counts = new Map<string, number>();
    for (const s of form.sections) counts.set(s.label, (counts.get(s.label) ?? 0) + 1);
    // The verse: the first vocal label; the chorus: the vocal label heard most after it.
    const vocal = inner.filter((i) => isVocal(form.sections[i]!.label));
    const verseLabel = form.sections[vocal[0] ?? -1]?.label;
    const chorusLabel = [...counts.entries()].filter(([l]) => isVocal(l) && l !== verseLabel).sort((a, b) => b[1] - a[1])[0]?.[0] ?? verseLabel;
    const verses = inner.filter((i) => form.sections[i]!.label === verseLabel);
    const skip = pick(verses.length > 1 ? verses.slice(1) : verses, () => rJump[0]!);
    const choruses = inner.filter((i) => form.sections[i]!.label === chorusLabel && i !== skip);
    const twice = pick(choruses, () => rJump[1]!);
    const lastChorus = choruses[choruses.length - 1];
    // The bridge: a section before the last chorus that is neither verse nor chorus where there is one.
    const before = inner.filter((i) => i !== skip && i !== twice && lastChorus !== undefined && i < lastChorus - 1);
    const other = before.filter((i) => form.sections[i]!.label !== verseLabel && form.sections[i]!.label !== chorusLabel);
    const back = pick(other.length > 0 ? other : before, () => rJump[2]!);
    if (skip === undefined || twice === undefined) notes.push('jumps: form too short, left out');
    else {
      const next: number[] = [];
      for (const i of order) {
        if (i === skip) continue;
        next.push(i);
        if (i === twice) next.push(i);
        if (i === lastChorus && back !== undefined) next.push(back);
      }
      order = next;
      const name = (i: number): string => `${i}:${form.sections[i]!.label}${form.sections[i]!.bars}`;
      notes.push(`jumps: skip ${name(skip)}, twice ${name(twice)}${back !== undefined && lastChorus !== undefined ? `, back to ${name(back)} after ${name(lastChorus)}` : ''}`);
    }
  }

  // 2. Bars, with the vamp before the first vocal section that follows a non-vocal one.
  const slots: Slot[] = [];
  const vampBefore = on.has('vamp') ? vampPlace(form, order) : -1;
  if (on.has('vamp') && vampBefore < 0) notes.push('vamp: no section to vamp into, left out');
  order.forEach((s, k) => {
    const sec = form.sections[s]!;
    for (let j = 0; j < sec.bars; j++) slots.push({ bar: first[s]! + j, speed: 1, cues: true });
    if (k + 1 === vampBefore) {
      const a = first[s]! + sec.bars - 2;
      for (let r = 0; r < vampTimes; r++) for (const bar of [a, a + 1]) slots.push({ bar, speed: 1, cues: false });
      notes.push(`vamp: bars ${a}-${a + 1} (end of ${sec.label}) ${vampTimes} more time(s) before ${form.sections[order[k + 1]!]!.label}`);
    }
  });

  // 3. Drop-outs, on the played bars: drums out for 8 bars from a section start in the first half,
  // a bass-alone breakdown at a section start in the second half.
  if (on.has('dropouts')) {
    const starts = slots.map((s, i) => ({ s, i })).filter(({ s, i }) => s.cues && first.includes(s.bar) && i > 0 && i + 8 <= slots.length);
    const half = Math.floor(slots.length / 2);
    const d = pick(starts.filter(({ i }) => i < half), () => rDrop[0]!);
    const b = pick(starts.filter(({ i }) => i >= half && (d === undefined || i >= d.i + 8)), () => rDrop[1]!);
    if (d !== undefined) {
      for (let i = d.i; i < d.i + 8; i++) slots[i]!.drop = 'drums';
      notes.push(`drums out: played bars ${d.i}-${d.i + 7}`);
    }
    if (b !== undefined) {
      for (let i = b.i; i < b.i + bassBars && i < slots.length; i++) slots[i]!.drop = 'bassAlone';
      notes.push(`bass alone: played bars ${b.i}-${b.i + bassBars - 1}`);
    }
    if (d === undefined && b === undefined) notes.push('dropouts: no room in the form, left out');
  }

  // 4. Speeds: global, rubato, and the tempo step after a break at the section start nearest the middle.
  slots.forEach((s) => {
    s.speed = base * (on.has('rubato') ? rub[s.bar]! : 1);
  });
  if (on.has('tempoStep')) {
    const starts = slots.map((s, i) => ({ s, i })).filter(({ s, i }) => i > 0 && s.cues && first.includes(s.bar));
    const mid = starts.sort((a, b) => Math.abs(a.i - slots.length / 2) - Math.abs(b.i - slots.length / 2))[0];
    if (mid === undefined) notes.push('tempoStep: no section start, left out');
    else {
      slots[mid.i - 1]!.pauseAfterS = breakS;
      for (let i = mid.i; i < slots.length; i++) slots[i]!.speed *= 1 + stepSign * stepSize;
      notes.push(`break ${breakS.toFixed(1)} s before played bar ${mid.i}, then tempo ×${(1 + stepSign * stepSize).toFixed(3)}`);
    }
  }
  if (on.has('rubato')) notes.push('rubato bar by bar (σ 3.5%, ritardando 10% into section ends)');

  // 5. Walk-in and count-in.
  const leadInS = options.leadInS ?? 1;
  const walk = on.has('walkIn') ? walkInS : 0;
  const beat = medianBeat(form) / (slots[0]?.speed ?? 1);
  const countS = on.has('walkIn') ? 4 * beat : 0;
  // The count-in's last click is one beat before the first downbeat; the lead-in sounds under it.
  const startS = walk + Math.max(0, countS - leadInS / (slots[0]?.speed ?? 1));
  const pieces = layOut(form, slots, startS, leadInS);
  const downbeat = pieces[0]?.outFrom ?? 0;
  const countIn = on.has('walkIn') ? [4, 3, 2, 1].map((k) => ms(downbeat - k * beat)) : [];
  if (on.has('walkIn')) notes.push(`walk-in ${walk.toFixed(1)} s of crowd, count-in 4 at ${(60 / beat).toFixed(0)} BPM`);
  if (on.has('room')) notes.push(`room: reverb ${room.reverberance.toFixed(0)}%, mic ${room.highpassHz.toFixed(0)}–${room.lowpassHz.toFixed(0)} Hz, level ${room.levelDb.toFixed(1)} dB, noise ${room.noise.toFixed(3)}`);
  return {
    pieces,
    leadInS,
    walkInS: walk,
    countIn,
    endS: endOf(pieces) + (options.tailS ?? 2),
    ...(on.has('room') ? { room } : {}),
    notes,
  };
}

function medianBeat(form: SongForm): number {
  const d: number[] = [];
  for (let i = 1; i < form.beats.length; i++) d.push(form.beats[i]!.t - form.beats[i - 1]!.t);
  d.sort((a, b) => a - b);
  return d[Math.floor(d.length / 2)] ?? 0.5;
}
