/**
 * Real recordings as stage takes: produced music from Debian's `asc-music` (MP3) and
 * `hyperrogue-music` (OGG) packages (GPL-2+), re-edited through the same edit maps as the POP909 songs
 * (`stageEdit.ts`), so a repeated, skipped, vamped or time-stretched passage carries its cues exactly.
 *
 * Cue design on a recording nobody annotated: the engine listens to the *unedited* recording once (its
 * own beat tracker and section detector, offline); its downbeats are the bars and its section changes,
 * snapped to bars, the sections. Sections are labelled by self-similarity (mean chroma and MFCC of
 * each section; a section close to an earlier one takes its label), the first and last named intro and
 * outro, then the POP909 cue design applies (LX per section by label, VID every 8 bars, CAM every 2).
 * The beat truth is the tracker's reading of the unedited recording carried through the edit map.
 *
 * Editing audio: each run of bars that continue in the source at one speed is cut out, time-stretched
 * with sox `tempo` (WSOLA: pitch kept) and padded or trimmed to exactly its mapped length, then laid at
 * its output time with 5 ms fades at every cut. A recording cannot lay one instrument out, so the
 * drop-outs are approximated by filters: `drums` keeps 150 Hz–3.5 kHz (no kick thump, no cymbals),
 * `bassAlone` keeps below 250 Hz. The count-in is four synthesised stick clicks. Nothing of the audio
 * is copied into the repository: decoded recordings and takes go to `.tmp/`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { decodeWav, encodeWav } from '../../engine/core/audio/wav.js';
import { replayAllCached } from '../../engine/io/model/replayPool.js';
import { sox, stageSound, STAGE_RATE } from './stageAudio.js';
import { sectionBars, type EditMap, type SongForm } from './stageEdit.js';
import { songMaps, STAGE_PLAN_VERSION, twoAtATime, writeTruth, type StageTakeInfo, type TakeCondition } from './stageTruth.js';

/** The recordings of the stage set: a few from each package (paths as the Debian packages install them). */
export const STAGE_RECORDINGS = [
  '/usr/share/games/asc/music/machine_wars.mp3',
  '/usr/share/games/asc/music/time_to_strike.mp3',
  '/usr/share/hyperrogue/music/hr-domina-hunting.ogg',
  '/usr/share/hyperrogue/music/hr3-laboratory.ogg',
];

/**
 * Recordings of the development set (tune on these; never on `STAGE_RECORDINGS`): one from each
 * package, neither used before in any figure.
 */
export const DEV_STAGE_RECORDINGS = ['/usr/share/games/asc/music/frontiers.mp3', '/usr/share/hyperrogue/music/hr3-caves.ogg'];

/** The id of a recording's takes, e.g. `rec-machine_wars`. */
export function recordingId(path: string): string {
  return `rec-${basename(path, extname(path)).replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

/** Audio file formats this machine's sox reads (`sox -h`), or none without sox. */
function soxFormats(): Set<string> {
  try {
    const help = execFileSync('sox', ['-h'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const line = help.split('\n').find((l) => l.startsWith('AUDIO FILE FORMATS:')) ?? '';
    return new Set(line.slice('AUDIO FILE FORMATS:'.length).trim().split(/\s+/));
  } catch {
    return new Set();
  }
}

/**
 * The recordings this machine can use, and a line saying which are skipped and how to get them: a
 * recording must be installed, and sox must read its format (MP3 needs `libsox-fmt-mp3`; without it
 * sox fails mid-run with "no handler for file extension").
 */
export function availableRecordings(paths: readonly string[] = STAGE_RECORDINGS, formats: ReadonlySet<string> = soxFormats()): { present: string[]; missing: string | undefined } {
  const readable = (p: string): boolean => formats.has(extname(p).slice(1).toLowerCase());
  const present = paths.filter((p) => existsSync(p) && readable(p));
  const absent = paths.filter((p) => !existsSync(p));
  const unreadable = paths.filter((p) => existsSync(p) && !readable(p));
  const why = [
    absent.length > 0 ? `${absent.map((p) => basename(p)).join(', ')} not found` : '',
    unreadable.length > 0 ? `sox cannot read ${[...new Set(unreadable.map((p) => extname(p).slice(1)))].join(', ')} (${unreadable.map((p) => basename(p)).join(', ')})${formats.size === 0 ? ': sox not found' : ''}` : '',
  ].filter((w) => w !== '');
  return {
    present,
    missing: why.length === 0 ? undefined : `real recordings skipped (${why.join('; ')}): apt-get install sox asc-music hyperrogue-music libsox-fmt-mp3`,
  };
}

/** Labels sections by self-similarity: z-scored mean features, cosine ≥ `same` to an earlier label joins it. */
function labelSections(means: readonly Float64Array[], same = 0.6): string[] {
  const dims = means[0]?.length ?? 0;
  const mu = new Float64Array(dims);
  const sd = new Float64Array(dims);
  for (const m of means) for (let d = 0; d < dims; d++) mu[d]! += m[d]! / means.length;
  for (const m of means) for (let d = 0; d < dims; d++) sd[d]! += (m[d]! - mu[d]!) ** 2 / means.length;
  const z = means.map((m) => m.map((v, d) => (v - mu[d]!) / Math.sqrt(sd[d]! + 1e-9)));
  const cos = (a: Float64Array, b: Float64Array): number => {
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let d = 0; d < dims; d++) {
      ab += a[d]! * b[d]!;
      aa += a[d]! * a[d]!;
      bb += b[d]! * b[d]!;
    }
    return ab / Math.sqrt(aa * bb + 1e-12);
  };
  const labels: string[] = [];
  const letters = 'ABCDEFGH';
  const reps: { label: string; v: Float64Array }[] = [];
  for (const v of z) {
    let best: { label: string; c: number } | undefined;
    for (const r of reps) {
      const c = cos(v, r.v);
      if (c >= same && (best === undefined || c > best.c)) best = { label: r.label, c };
    }
    if (best !== undefined) labels.push(best.label);
    else {
      const label = letters[Math.min(reps.length, letters.length - 1)]!;
      reps.push({ label, v });
      labels.push(label);
    }
  }
  return labels;
}

/**
 * The form of a recording from what the engine heard in it: its downbeats as bars, its section changes
 * snapped to bars (at least 4 bars apart) as sections, labelled by self-similarity.
 */
export function recordingForm(events: readonly { kind: string; v: unknown }[], options: { minBars?: number } = {}): SongForm {
  const minBars = options.minBars ?? 4;
  const beats: { t: number; downbeat: boolean }[] = [];
  const changes: number[] = [];
  const frames: { t: number; chroma: Float32Array; mfcc: Float32Array }[] = [];
  for (const e of events) {
    if (e.kind === 'beat') {
      const b = e.v as { t: number; isDownbeat: boolean };
      beats.push({ t: b.t, downbeat: b.isDownbeat });
    } else if (e.kind === 'section') changes.push((e.v as { t: number }).t);
    else if (e.kind === 'frame') frames.push(e.v as { t: number; chroma: Float32Array; mfcc: Float32Array });
  }
  const barStarts = beats.filter((b) => b.downbeat).map((b) => b.t);
  if (barStarts.length < 16) throw new Error(`only ${barStarts.length} bars heard: not enough to design cues on`);
  const bars = barStarts.length - 1;
  const starts = [0];
  for (const t of changes) {
    let k = 0;
    for (let i = 1; i < barStarts.length; i++) if (Math.abs(barStarts[i]! - t) < Math.abs(barStarts[k]! - t)) k = i;
    if (k - starts[starts.length - 1]! >= minBars && bars - k >= minBars) starts.push(k);
  }
  const lengths = starts.map((s, i) => (starts[i + 1] ?? bars) - s);
  const means = starts.map((s, i) => {
    const from = barStarts[s]!;
    const to = barStarts[s + lengths[i]!]!;
    const m = new Float64Array(24);
    let n = 0;
    for (const f of frames) {
      if (f.t < from || f.t >= to) continue;
      for (let d = 0; d < 12; d++) m[d]! += f.chroma[d] ?? 0;
      for (let d = 1; d < 13; d++) m[11 + d]! += f.mfcc[d] ?? 0;
      n++;
    }
    return m.map((v) => v / Math.max(1, n));
  });
  const labels = labelSections(means);
  const sections = lengths.map((b, i) => ({ label: labels[i]!, bars: b }));
  if (sections.length >= 4) {
    sections[0] = { ...sections[0]!, label: 'i' };
    sections[sections.length - 1] = { ...sections[sections.length - 1]!, label: 'o' };
  }
  return { barStarts, sections, beats };
}

const FADE_S = 0.005;

async function stretch(samples: Float32Array, speed: number, filter: readonly string[], length: number, scratch: string): Promise<Float32Array> {
  if (Math.abs(speed - 1) < 1e-4 && filter.length === 0) return fit(samples, length);
  const a = `${scratch}.in.wav`;
  const b = `${scratch}.out.wav`;
  await writeFile(a, encodeWav([samples], STAGE_RATE));
  await sox([a, '-b', '16', b, ...(Math.abs(speed - 1) >= 1e-4 ? ['tempo', '-m', speed.toFixed(5)] : []), ...filter]);
  const out = decodeWav(new Uint8Array(await readFile(b)), b).samples;
  await Promise.all([rm(a, { force: true }), rm(b, { force: true })]);
  return fit(out, length);
}

function fit(x: Float32Array, length: number): Float32Array {
  const out = new Float32Array(length);
  out.set(x.subarray(0, length));
  return out;
}

const DROP_FILTER = { drums: ['sinc', '150-3500'], bassAlone: ['lowpass', '250', 'lowpass', '250'] } as const;

/** Plays the recording `source` (mono, 22 050 Hz) through the edit map; returns the dry take. */
export async function editRecording(source: Float32Array, map: EditMap, durationS: number, scratch: string): Promise<Float32Array> {
  const out = new Float32Array(Math.round(durationS * STAGE_RATE));
  const pieces = map.pieces;
  let i = 0;
  while (i < pieces.length) {
    // A run: pieces that continue in the source at one speed with the same drop.
    let j = i;
    while (j + 1 < pieces.length && pieces[j + 1]!.continues && pieces[j + 1]!.speed === pieces[i]!.speed && pieces[j + 1]!.drop === pieces[i]!.drop) j++;
    const p = pieces[i]!;
    const q = pieces[j]!;
    const lead = i === 0 ? map.leadInS : 0;
    const from = Math.max(0, p.srcFrom - lead);
    const outFrom = p.outFrom - (p.srcFrom - from) / p.speed;
    const a = Math.round(from * STAGE_RATE);
    const z = Math.round(q.srcTo * STAGE_RATE);
    const length = Math.round(((q.srcTo - from) / p.speed) * STAGE_RATE);
    const piece = await stretch(source.subarray(a, Math.min(z, source.length)), p.speed, p.drop !== undefined ? DROP_FILTER[p.drop] : [], length, scratch);
    const at = Math.round(outFrom * STAGE_RATE);
    const fade = Math.round(FADE_S * STAGE_RATE);
    for (let k = 0; k < piece.length && at + k < out.length; k++) {
      const g = Math.min(1, (k + 1) / fade, (piece.length - k) / fade);
      if (at + k >= 0) out[at + k]! += piece[k]! * g;
    }
    i = j + 1;
  }
  // The count-in: four stick clicks (a decaying 2.4 kHz burst).
  for (const t of map.countIn) {
    const at = Math.round(t * STAGE_RATE);
    for (let k = 0; k < 0.04 * STAGE_RATE && at + k < out.length; k++) out[at + k]! += 0.5 * Math.sin((2 * Math.PI * 2400 * k) / STAGE_RATE) * Math.exp(-k / (0.006 * STAGE_RATE));
  }
  return out;
}

/** Decodes a recording to mono 22 050 Hz WAV under `dir` (once). */
async function decode(path: string, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const wav = join(dir, `${recordingId(path)}.wav`);
  if (!existsSync(wav)) {
    await sox([path, '-c', '1', '-r', String(STAGE_RATE), '-b', '16', `${wav}.part.wav`]);
    await rename(`${wav}.part.wav`, wav);
  }
  return wav;
}

/**
 * Makes the takes of each recording under `out/takes` (two rehearsals and one stage take per
 * condition), skipping recordings that are absent. Reuses takes already made for the same condition list.
 */
export async function generateRecordingTakes(options: { out: string; recordings?: readonly string[]; conditions: readonly TakeCondition[]; cache?: string; log?: (line: string) => void }): Promise<StageTakeInfo[]> {
  const log = options.log ?? (() => undefined);
  const { present, missing } = availableRecordings(options.recordings);
  if (missing !== undefined) log(missing);
  const manifest = join(options.out, 'recordings.json');
  const key = `${present.join(',')}|${options.conditions.join(',')}|plan ${STAGE_PLAN_VERSION}`;
  if (existsSync(manifest)) {
    const old = JSON.parse(await readFile(manifest, 'utf8')) as { key: string; takes: StageTakeInfo[] };
    if (old.key === key && old.takes.every((t) => existsSync(join(options.out, 'takes', t.name, 'audio.wav')))) return old.takes;
  }
  const decoded = await Promise.all(present.map((p) => decode(p, join(options.out, 'recordings'))));
  const heard = await replayAllCached(decoded.map((audioPath) => ({ audioPath })), options.cache);
  const takes: StageTakeInfo[] = [];
  const jobs: (() => Promise<void>)[] = [];
  for (const [r, path] of present.entries()) {
    const id = recordingId(path);
    let form: SongForm;
    try {
      form = recordingForm(heard[r]!.events);
    } catch (err) {
      log(`${id}: skipped (${err instanceof Error ? err.message : String(err)})`);
      continue;
    }
    const source = decodeWav(new Uint8Array(await readFile(decoded[r]!)), decoded[r]!).samples;
    const first = sectionBars(form);
    log(`${id}: ${form.barStarts.length - 1} bars, form ${form.sections.map((s, i) => `${s.label}${s.bars}@${form.barStarts[first[i]!]!.toFixed(0)}s`).join(' ')}`);
    for (const t of songMaps(form, id, options.conditions)) {
      const dir = join(options.out, 'takes', t.name);
      const { cues, reusable } = await writeTruth(dir, t.map, form, { recording: basename(path), condition: t.condition });
      const durationS = Math.round(Math.max(t.map.endS, (cues[cues.length - 1]?.t ?? 0) + 1.5) * 1000) / 1000;
      takes.push({ song: id, name: t.name, kind: t.kind, condition: t.condition, source: 'recording', sound: basename(path), durationS, cues: cues.length, notes: t.map.notes });
      if (reusable) continue;
      jobs.push(async () => {
        const wav = join(dir, 'audio.wav');
        const dry = await editRecording(source, t.map, durationS, join(dir, 'scratch'));
        await writeFile(wav, encodeWav([dry.map((v) => Math.max(-1, Math.min(1, v)))], STAGE_RATE));
        await stageSound(wav, t.map, durationS);
        log(`edited ${t.name} (${durationS.toFixed(1)} s, ${cues.length} cues; ${t.map.notes.join('; ')})`);
      });
    }
  }
  await twoAtATime(jobs);
  await writeFile(manifest, JSON.stringify({ key, takes }, null, 2) + '\n');
  return takes;
}
