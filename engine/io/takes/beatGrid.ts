/**
 * A take's beat grid on disk (`beats.json` beside `cues.jsonl`, format in core/audio/beatGrid.ts),
 * and a rehearsal made ready for the live tracker's prior: its grid and its alignment vectors.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve, basename } from 'node:path';
import { BEAT_GRID_FILE, beatGridSchema, type BeatGrid } from '../../core/audio/beatGrid.js';
import { audioBlocks } from '../../core/audio/analyze.js';
import { FeatureFramer } from '../../core/audio/extractFeatures.js';
import { resolveListeningSettings, type ListenOptions } from '../../core/audio/listen.js';
import type { RehearsalReference } from '../../core/rehearsal/rehearsalPrior.js';
import { analyzeSongGrids } from '../../core/rehearsal/songGrids.js';
import type { BarNetModel } from '../../core/audio/barNet.js';
import type { BeatNetModel } from '../../core/audio/beatNet.js';
import type { FeatureFrame } from '../../core/audio/types.js';
import type { DecodedWav } from '../../core/audio/wav.js';
import { ShowFileError } from '../../core/errors.js';
import { alignmentFromEvents } from '../../core/model/evaluate.js';
import { writeFileAtomic } from '../files/atomicWrite.js';
import { readWavFile } from '../audio/wavFile.js';

/** Path of a take's grid file. */
export const gridFileOf = (takeDir: string): string => join(resolve(takeDir), BEAT_GRID_FILE);

/** Reads a take's grid; undefined when the take has none. A malformed file raises a located `ShowFileError`. */
export async function readBeatGrid(takeDir: string): Promise<BeatGrid | undefined> {
  const file = gridFileOf(takeDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ShowFileError([{ file, path: '', message: `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, expected: 'a readable beats.json' }], { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ShowFileError([{ file, path: '', message: `is not valid JSON (${err instanceof Error ? err.message : String(err)})`, expected: 'a beat grid, see shows/README.md' }], { cause: err });
  }
  const parsed = beatGridSchema.safeParse(json);
  if (!parsed.success) {
    throw new ShowFileError(
      parsed.error.issues.map((i) => ({ file, path: i.path.join('.'), message: i.message, expected: 'a beat grid, see shows/README.md' })),
    );
  }
  return parsed.data;
}

/** Writes a take's grid (atomically, one beat per line so a diff shows what an edit moved). */
export async function writeBeatGrid(takeDir: string, grid: BeatGrid): Promise<void> {
  const beats = grid.beats.map((b) => `    [${b[0]}, ${b[1]}]`).join(',\n');
  const text = `{\n  "version": ${grid.version},\n  "source": ${JSON.stringify(grid.source)},\n  "edits": ${JSON.stringify(grid.edits)},\n  "beats": [\n${beats}\n  ]\n}\n`;
  await writeFileAtomic(gridFileOf(takeDir), text);
}

/**
 * Analyses takes' audio into grids (offline, look-ahead), together (`songRehearsalsFromAudio`): the
 * takes of one song agree on their beat's level, and a take given with `keep` (its stored grid) keeps
 * it and sets that level. Returns each take's grid and, where the agreement changed it, a line saying so.
 */
export async function analyzeTakeGrids(takes: readonly { dir: string; keep?: BeatGrid }[], settings: ListenOptions = {}): Promise<{ grid: BeatGrid; note?: string }[]> {
  const read = [];
  for (const t of takes) {
    const dir = resolve(t.dir);
    read.push({ name: basename(dir), wav: await readWavFile(join(dir, 'audio.wav')), ...(t.keep !== undefined ? { grid: t.keep } : {}) });
  }
  const song = songRehearsalsFromAudio(read, settings);
  return song.references.map((r, i) => {
    const note = song.notes[i];
    return note === undefined ? { grid: r.grid } : { grid: r.grid, note };
  });
}

/** A rehearsal ready for the live prior from its decoded audio and grid: the alignment vectors under `settings`. */
export function rehearsalFromAudio(name: string, wav: Pick<DecodedWav, 'samples' | 'sampleRate'>, grid: BeatGrid, settings: ListenOptions = {}): RehearsalReference {
  return { name, grid, ...alignmentOfAudio(wav, settings) };
}

/** A recording's alignment vectors (what the score follower follows) under `settings`. */
export function alignmentOfAudio(wav: Pick<DecodedWav, 'samples' | 'sampleRate'>, settings: ListenOptions = {}): { times: Float32Array; vectors: Float32Array } {
  const framer = new FeatureFramer(resolveListeningSettings({ ...settings, tracker: 'dsp' }));
  const frames: FeatureFrame[] = [];
  audioBlocks(wav.samples, wav.sampleRate, 4096).subscribe((b) => {
    for (const f of framer.push(b)) frames.push(f);
  });
  const { times, vectors } = alignmentFromEvents(frames.map((v) => ({ kind: 'frame' as const, v })));
  return { times, vectors };
}

/**
 * Rehearsals of one song (or several) from their audio, analysed together (`analyzeSongGrids`): takes
 * of the same music agree on their beat's level, a take with a `grid` (stored, or corrected) keeps it
 * and sets that level. Returns each take's reference and, where the
 * agreement changed a take's grid, a line saying so (undefined for the others).
 */
export function songRehearsalsFromAudio(
  takes: readonly { name: string; wav: Pick<DecodedWav, 'samples' | 'sampleRate'>; grid?: BeatGrid }[],
  settings: ListenOptions = {},
  model?: BeatNetModel,
  barModel?: BarNetModel | null,
): { references: RehearsalReference[]; notes: (string | undefined)[] } {
  const song = takes.map((t) => ({ name: t.name, samples: t.wav.samples, sampleRate: t.wav.sampleRate, ...alignmentOfAudio(t.wav, settings), ...(t.grid !== undefined ? { grid: t.grid } : {}) }));
  const grids = analyzeSongGrids(song, resolveListeningSettings(settings), { ...(model !== undefined ? { model } : {}), ...(barModel !== undefined ? { barModel } : {}) });
  return {
    references: song.map((t, i) => ({ name: t.name, grid: grids[i]!.grid, times: t.times, vectors: t.vectors })),
    notes: grids.map((g) => g.note),
  };
}

/** A rehearsal take loaded for the live prior, or why it could not be. */
export type LoadedRehearsal =
  | { readonly dir: string; readonly reference: RehearsalReference; readonly analyzed: boolean; readonly note?: string }
  | { readonly dir: string; readonly error: Error };

/**
 * Rehearsal takes ready for the live prior, in order: each with its stored grid, or — `analyzed: true`
 * — one analysed now when it has none. They are analysed together (`songRehearsalsFromAudio`): takes
 * of one song agree on their beat's level, and a stored grid (a person's correction) sets it; `note`
 * says where that changed a take's grid. A take that cannot be read comes back as its error; the others load.
 */
export async function loadRehearsals(takeDirs: readonly string[], settings: ListenOptions = {}): Promise<LoadedRehearsal[]> {
  type Read = { dir: string; wav: DecodedWav; stored: BeatGrid | undefined } | { dir: string; error: Error };
  const read = await Promise.all(
    takeDirs.map(async (d): Promise<Read> => {
      const dir = resolve(d);
      try {
        const wav = await readWavFile(join(dir, 'audio.wav'));
        return { dir, wav, stored: await readBeatGrid(dir) };
      } catch (err) {
        return { dir, error: err instanceof Error ? err : new Error(String(err)) };
      }
    }),
  );
  const readable = read.flatMap((r, i) => ('wav' in r ? [{ i, name: basename(r.dir), wav: r.wav, ...(r.stored !== undefined ? { grid: r.stored } : {}) }] : []));
  const song = songRehearsalsFromAudio(readable, settings);
  return read.map((r, i): LoadedRehearsal => {
    if ('error' in r) return { dir: r.dir, error: r.error };
    const k = readable.findIndex((f) => f.i === i);
    const reference = song.references[k]!;
    const note = song.notes[k];
    const analyzed = r.stored === undefined;
    return note === undefined ? { dir: r.dir, reference, analyzed } : { dir: r.dir, reference, analyzed, note };
  });
}

/**
 * The show's rehearsal grids for the live tracker (`audio.rehearsals` in show.json, folders relative
 * to the show). A take that cannot be read is left out with a line saying why: the show goes on with
 * the tracker's own evidence. Returns the references and one banner line per take.
 */
export async function loadShowRehearsals(takes: readonly string[], showDir: string, settings: ListenOptions = {}): Promise<{ references: RehearsalReference[]; lines: string[] }> {
  const references: RehearsalReference[] = [];
  const lines: string[] = [];
  const loaded = await loadRehearsals(
    takes.map((t) => resolve(showDir, t)),
    settings,
  );
  loaded.forEach((r, i) => {
    const take = takes[i]!;
    if ('error' in r) {
      lines.push(`rehearsal grid: ${take} NOT USED — ${r.error.message}`);
      return;
    }
    if (r.reference.grid.beats.length < 2) {
      lines.push(`rehearsal grid: ${take} NOT USED — its grid has ${r.reference.grid.beats.length === 0 ? 'no beats' : 'one beat'} (silent audio, a dead input?); check its audio.wav, or store a grid with 'precue grid'`);
      return;
    }
    references.push(r.reference);
    lines.push(`rehearsal grid: ${take} (${r.reference.grid.beats.length} beats${r.analyzed ? "; no beats.json, analysed now, uncorrected — store one with 'precue grid'" : ''})`);
    if (r.note !== undefined) lines.push(`rehearsal grid: ${r.note}`);
  });
  return { references, lines };
}
