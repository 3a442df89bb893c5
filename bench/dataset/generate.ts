/**
 * The learning data set, regenerated on demand from POP909 (never committed: it lands in `.tmp/dataset`).
 *
 * Per song: two rehearsal takes at slightly different tempi (FluidR3 soundfont, clean) and one held-out
 * show take (a tempo change of up to ±7% at a section boundary, one section played twice, one section
 * skipped, the TimGM6mb soundfont and pink noise). Everything is cut and re-timed at the MIDI level, so
 * the ground-truth cue times follow exactly from the rearranged MIDI timing.
 *
 * Cue design (a lighting/video/camera plot written from the song's form):
 *   LX  at every section start; the cue number is chosen by the section label (so a repeated chorus
 *       gets the chorus look again and a skipped verse never shows its look).
 *   VID at every 8 bars counted from each section start (bars 0, 8, 16…): cue `<label>` then
 *       `<label>.1`, `<label>.2`… (a clip per section and a follow-on clip every 8 bars).
 *   CAM at every 2 bars counted from each section start: shots 1, 2, 3, 4 cycling, restarting at 1 on a
 *       new section (a camera director cutting on the phrase).
 *
 * Run: `npx tsx bench/dataset/generate.ts [--out .tmp/dataset] [--songs 10] [--skip 0]` (`--skip 10`: the next ten
 * songs, a set no setting was chosen on).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { seededRandom } from '../../engine/core/model/dataset.js';
import { readSmf, toSong, writeSmf, type MidiEvent, type MidiNote, type MidiSong } from './smf.js';

const run = promisify(execFile);

/** Where POP909 lives, relative to the repository root. */
export const POP909_DIR = resolve(process.cwd(), '../shared/data/pop909');
/** The rehearsal soundfont. */
export const REHEARSAL_SF2 = '/usr/share/sounds/sf2/FluidR3_GM.sf2';
/** The show soundfont (Debian package timgm6mb-soundfont). */
export const SHOW_SF2 = '/usr/share/sounds/sf2/TimGM6mb.sf2';

/** One section of a song's form, e.g. `A8`. */
export interface Section {
  readonly label: string;
  readonly bars: number;
}

/** One ground-truth cue line of a take. */
export interface CueLine {
  readonly t: number;
  readonly dept: 'LX' | 'VID' | 'CAM';
  readonly cue: string;
}

/** A played section: which source section, at what speed (1.05 = 5% faster). */
interface Segment {
  readonly index: number;
  readonly speed: number;
}

/** What one generated take is, recorded in dataset.json. */
export interface TakeInfo {
  readonly song: string;
  readonly name: string;
  readonly kind: 'rehearsal' | 'show';
  readonly soundfont: string;
  readonly form: string;
  readonly speeds: readonly number[];
  readonly repeated?: string;
  readonly skipped?: string;
  readonly durationS: number;
  readonly cues: number;
}

const LABEL_ORDER = 'iAaBbCcDdEeXxo';

/** LX cue number of a section label: a fixed table, so every song uses the same look per label. */
export function labelCue(label: string): string {
  const i = LABEL_ORDER.indexOf(label);
  return String(i >= 0 ? i + 1 : LABEL_ORDER.length + 1 + (label.charCodeAt(0) % 20));
}

/** Parses `i4A4B8…` into sections. */
export function parseSections(text: string): Section[] {
  const out: Section[] = [];
  for (const m of text.trim().matchAll(/([A-Za-z])(\d+)/g)) out.push({ label: m[1] ?? '?', bars: Number(m[2]) });
  if (out.length === 0) throw new Error(`no sections in '${text.slice(0, 40)}'`);
  return out;
}

/** Deterministic PRNG (the one training uses). */
export const rng = seededRandom;

/** A POP909 song read for rearranging: its MIDI, form and bar grid. */
export interface SourceSong {
  readonly id: string;
  readonly song: MidiSong;
  readonly sections: Section[];
  /** Start time of bar k (k = 0..totalBars), source seconds. */
  readonly barStarts: number[];
  /** First bar of each section. */
  readonly sectionBar: number[];
}

/** Reads song `id` from the POP909 folder `dir`: MIDI, sections and the bar grid from the beat annotations. */
export async function loadSource(dir: string, id: string): Promise<SourceSong> {
  const base = join(dir, id);
  const song = toSong(readSmf(new Uint8Array(await readFile(join(base, `${id}.mid`)))));
  const sections = parseSections(await readFile(join(base, 'sections.txt'), 'utf8'));
  const downbeats = (await readFile(join(base, 'beat_midi.txt'), 'utf8'))
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number))
    .filter((c) => c.length >= 3 && c[2] === 1)
    .map((c) => c[0] ?? 0);
  const total = sections.reduce((s, x) => s + x.bars, 0);
  const barStarts = downbeats.slice(0, total + 1);
  while (barStarts.length < total + 1) {
    const n = barStarts.length;
    const last = barStarts[n - 1] ?? 0;
    const prev = barStarts[n - 2] ?? last - 2;
    barStarts.push(last + (last - prev));
  }
  const sectionBar: number[] = [];
  let b = 0;
  for (const s of sections) {
    sectionBar.push(b);
    b += s.bars;
  }
  return { id, song, sections, barStarts, sectionBar };
}

/** Controller/program state of each (channel, controller) just before `t`. */
export function stateBefore(controls: readonly MidiEvent[], t: number): MidiEvent[] {
  const latest = new Map<string, MidiEvent>();
  for (const c of controls) {
    if (c.t >= t) break;
    const kind = c.status & 0xf0;
    const key = kind === 0xb0 ? `${c.status}:${c.data[0] ?? 0}` : `${c.status}`;
    latest.set(key, c);
  }
  return [...latest.values()];
}

/** Source seconds played before a take's first bar (pick-up notes). */
export const LEAD_IN_S = 1.0;

/** Lays out `segments` of `src` one after another; returns the new song and the cue lines. */
export function arrange(src: SourceSong, segments: readonly Segment[]): { song: MidiSong; cues: CueLine[]; durationS: number } {
  const notes: MidiNote[] = [];
  const controls: MidiEvent[] = [];
  const cues: CueLine[] = [];
  let out = LEAD_IN_S;
  const lastIndex = src.sections.length - 1;
  segments.forEach((seg, si) => {
    const section = src.sections[seg.index];
    const firstBar = src.sectionBar[seg.index];
    if (section === undefined || firstBar === undefined) throw new Error(`bad section index ${seg.index}`);
    const a = src.barStarts[firstBar] ?? 0;
    const b = src.barStarts[firstBar + section.bars] ?? a;
    const from = si === 0 ? a - LEAD_IN_S : a;
    const to = seg.index === lastIndex ? Number.POSITIVE_INFINITY : b;
    const map = (t: number): number => out + (t - a) / seg.speed;
    for (const c of stateBefore(src.song.controls, from)) controls.push({ ...c, t: Math.max(0, map(from)) });
    for (const n of src.song.notes) {
      if (n.on < from || n.on >= to) continue;
      const off = Math.min(n.off, (Number.isFinite(to) ? to : n.off) + 0.6);
      notes.push({ ...n, on: map(n.on), off: map(Math.max(off, n.on + 0.01)) });
    }
    for (const c of src.song.controls) if (c.t >= from && c.t < to) controls.push({ ...c, t: map(c.t) });
    const lx = labelCue(section.label);
    for (let bar = 0; bar < section.bars; bar++) {
      const t = Math.round(map(src.barStarts[firstBar + bar] ?? a) * 1000) / 1000;
      if (bar === 0) cues.push({ t, dept: 'LX', cue: lx });
      if (bar % 8 === 0) cues.push({ t, dept: 'VID', cue: bar === 0 ? lx : `${lx}.${bar / 8}` });
      if (bar % 2 === 0) cues.push({ t, dept: 'CAM', cue: String(1 + ((bar / 2) % 4)) });
    }
    out = map(b);
  });
  const lastNote = notes.reduce((m, n) => Math.max(m, n.off), out);
  controls.sort((x, y) => x.t - y.t);
  // A closing section can be annotated with bars past its last note: the take runs on in silence to
  // hold their cues (a cue after the end of the audio is refused by 'precue train').
  const lastCue = cues.reduce((m, c) => Math.max(m, c.t), 0);
  return { song: { notes, controls }, cues, durationS: Math.max(lastNote, lastCue) + 1.5 };
}

/** Renders `mid` with fluidsynth to a mono 16-bit WAV at 22 050 Hz, padded or cut to exactly `durationS`. */
export async function renderMono(mid: string, sf2: string, wav: string, durationS: number): Promise<void> {
  const stereo = `${wav}.stereo.wav`;
  await run('fluidsynth', ['-ni', '-q', '-F', stereo, '-r', '22050', '-g', '0.6', sf2, mid]);
  await run('sox', ['-R', stereo, '-c', '1', '-b', '16', '-r', '22050', wav, 'pad', '0', durationS.toFixed(3), 'trim', '0', durationS.toFixed(3)]);
  await rm(stereo, { force: true });
}

async function render(mid: string, sf2: string, wav: string, noise: number, durationS: number): Promise<void> {
  if (noise <= 0) return renderMono(mid, sf2, wav, durationS);
  const mono = `${wav}.mono.wav`;
  const hiss = `${wav}.noise.wav`;
  await renderMono(mid, sf2, mono, durationS);
  await run('sox', ['-R', '-n', '-r', '22050', '-c', '1', '-b', '16', hiss, 'synth', durationS.toFixed(3), 'pinknoise', 'vol', String(noise)]);
  await run('sox', ['-R', '-m', mono, hiss, '-b', '16', wav]);
  await rm(mono, { force: true });
  await rm(hiss, { force: true });
}

function formOf(src: SourceSong, segs: readonly Segment[]): string {
  return segs.map((s) => `${src.sections[s.index]?.label ?? '?'}${src.sections[s.index]?.bars ?? 0}`).join('');
}

/** Picks the show's rearrangement: a repeated and a skipped section (not first/last, ≥ 2 bars, apart). */
function showPlan(src: SourceSong, rand: () => number): { segments: Segment[]; repeated: number; skipped: number } {
  const n = src.sections.length;
  const candidates = src.sections.map((s, i) => ({ s, i })).filter(({ s, i }) => i > 0 && i < n - 1 && s.bars >= 2).map(({ i }) => i);
  if (candidates.length < 2) throw new Error(`song ${src.id}: too few sections to rearrange`);
  const repeated = candidates[Math.floor(rand() * candidates.length)] ?? 1;
  const rest = candidates.filter((i) => Math.abs(i - repeated) >= 2);
  const skipped = (rest.length > 0 ? rest : candidates.filter((i) => i !== repeated))[Math.floor(rand() * Math.max(1, rest.length))] ?? 2;
  const s1 = 1 + (rand() * 2 - 1) * 0.03;
  const sign = rand() < 0.5 ? -1 : 1;
  const s2 = 1 + sign * (0.04 + rand() * 0.03);
  const change = Math.floor(n / 2);
  const segments: Segment[] = [];
  for (let i = 0; i < n; i++) {
    if (i === skipped) continue;
    const speed = i < change ? s1 : s2;
    segments.push({ index: i, speed });
    if (i === repeated) segments.push({ index: i, speed });
  }
  return { segments, repeated, skipped };
}

/** Formats cue lines as `cues.jsonl` text. */
export function jsonl(cues: readonly CueLine[]): string {
  return cues.map((c) => JSON.stringify({ t: c.t, dept: c.dept, cue: c.cue })).join('\n') + '\n';
}

/** Options of `generateDataset`. */
export interface DatasetOptions {
  readonly out: string;
  readonly songs?: readonly string[];
  readonly count?: number;
  /** Songs of POP909 passed over before the first one taken (default 0): `--skip 10 --songs 10` is a second, disjoint set. */
  readonly skip?: number;
  readonly dataDir?: string;
  readonly log?: (line: string) => void;
}

/** What `generateDataset` made: take folders by role. */
export interface Dataset {
  readonly rehearsals: string[];
  readonly shows: string[];
  readonly takes: TakeInfo[];
}

/** Generates (or reuses, when dataset.json is already complete) the data set under `out`. */
export async function generateDataset(options: DatasetOptions): Promise<Dataset> {
  const dataDir = options.dataDir ?? POP909_DIR;
  const log = options.log ?? (() => undefined);
  const ids = options.songs ?? (await readdir(dataDir)).filter((d) => /^\d{3}$/.test(d)).sort().slice(options.skip ?? 0, (options.skip ?? 0) + (options.count ?? 10));
  const manifest = join(options.out, 'dataset.json');
  if (existsSync(manifest)) {
    const old = JSON.parse(await readFile(manifest, 'utf8')) as { songs: string[]; takes: TakeInfo[] };
    if (old.songs.join(',') === ids.join(',') && old.takes.every((t) => existsSync(join(options.out, 'takes', t.name, 'audio.wav')))) {
      return summarise(options.out, old.takes);
    }
  }
  await mkdir(join(options.out, 'midi'), { recursive: true });
  const takes: TakeInfo[] = [];
  const jobs: (() => Promise<void>)[] = [];
  for (const id of ids) {
    const src = await loadSource(dataDir, id);
    const rand = rng(Number(id) * 7919 + 17);
    const all = src.sections.map((_, i) => i);
    const r1 = 1 - (0.01 + rand() * 0.02);
    const r2 = 1 + (0.01 + rand() * 0.02);
    const plan = showPlan(src, rand);
    const variants: { name: string; kind: 'rehearsal' | 'show'; segs: Segment[]; sf2: string; noise: number; plan?: typeof plan }[] = [
      { name: `${id}-rehearsal-1`, kind: 'rehearsal', segs: all.map((index) => ({ index, speed: r1 })), sf2: REHEARSAL_SF2, noise: 0 },
      { name: `${id}-rehearsal-2`, kind: 'rehearsal', segs: all.map((index) => ({ index, speed: r2 })), sf2: REHEARSAL_SF2, noise: 0 },
      { name: `${id}-show`, kind: 'show', segs: plan.segments, sf2: SHOW_SF2, noise: 0.02, plan },
    ];
    for (const v of variants) {
      const { song, cues, durationS } = arrange(src, v.segs);
      const dir = join(options.out, 'takes', v.name);
      await mkdir(dir, { recursive: true });
      const mid = join(options.out, 'midi', `${v.name}.mid`);
      await writeFile(mid, writeSmf(song));
      await writeFile(join(dir, 'cues.jsonl'), jsonl(cues));
      const speeds = [...new Set(v.segs.map((s) => Math.round(s.speed * 1000) / 1000))];
      takes.push({
        song: id,
        name: v.name,
        kind: v.kind,
        soundfont: v.sf2,
        form: formOf(src, v.segs),
        speeds,
        ...(v.plan !== undefined ? { repeated: `${v.plan.repeated}:${formOf(src, [{ index: v.plan.repeated, speed: 1 }])}`, skipped: `${v.plan.skipped}:${formOf(src, [{ index: v.plan.skipped, speed: 1 }])}` } : {}),
        durationS: Math.round(durationS * 1000) / 1000,
        cues: cues.length,
      });
      jobs.push(async () => {
        await render(mid, v.sf2, join(dir, 'audio.wav'), v.noise, durationS);
        log(`rendered ${v.name} (${durationS.toFixed(1)} s, ${cues.length} cues)`);
      });
    }
  }
  const workers = 2;
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < jobs.length) {
        const job = jobs[next++];
        if (job !== undefined) await job();
      }
    }),
  );
  await writeFile(manifest, JSON.stringify({ songs: ids, takes }, null, 2) + '\n');
  return summarise(options.out, takes);
}

function summarise(out: string, takes: TakeInfo[]): Dataset {
  return {
    rehearsals: takes.filter((t) => t.kind === 'rehearsal').map((t) => join(out, 'takes', t.name)),
    shows: takes.filter((t) => t.kind === 'show').map((t) => join(out, 'takes', t.name)),
    takes,
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const get = (name: string): string | undefined => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const out = resolve(get('out') ?? '.tmp/dataset');
  const count = Number(get('songs') ?? 10);
  const skip = Number(get('skip') ?? 0);
  const started = performance.now();
  const ds = await generateDataset({ out, count, skip, log: (l) => process.stdout.write(`${l}\n`) });
  const minutes = ds.takes.reduce((s, t) => s + t.durationS, 0) / 60;
  process.stdout.write(`dataset: ${ds.takes.length} takes (${ds.rehearsals.length} rehearsal, ${ds.shows.length} show), ${minutes.toFixed(1)} min of audio, in ${out} (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
  for (const t of ds.takes.filter((x) => x.kind === 'show')) process.stdout.write(`  ${t.name}: form ${t.form}, speeds ${t.speeds.join('→')}, repeated ${t.repeated ?? '-'}, skipped ${t.skipped ?? '-'}\n`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
