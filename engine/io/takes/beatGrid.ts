/**
 * A take's beat grid on disk (`beats.json` beside `cues.jsonl`, format in core/audio/beatGrid.ts),
 * and a rehearsal made ready for the live tracker's prior: its grid and its alignment vectors.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve, basename } from 'node:path';
import { analyzeGrid } from '../../core/audio/offlineGrid.js';
import { BEAT_GRID_FILE, beatGridSchema, type BeatGrid } from '../../core/audio/beatGrid.js';
import { audioBlocks } from '../../core/audio/analyze.js';
import { FeatureFramer } from '../../core/audio/extractFeatures.js';
import { resolveListeningSettings, type ListenOptions } from '../../core/audio/listen.js';
import type { RehearsalReference } from '../../core/rehearsal/rehearsalPrior.js';
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

/** Analyses a take's audio into a grid (offline, look-ahead). */
export async function analyzeTakeGrid(takeDir: string, settings: ListenOptions = {}): Promise<BeatGrid> {
  const wav = await readWavFile(join(resolve(takeDir), 'audio.wav'));
  return analyzeGrid(wav.samples, wav.sampleRate, resolveListeningSettings(settings));
}

/** A rehearsal ready for the live prior from its decoded audio and grid: the alignment vectors under `settings`. */
export function rehearsalFromAudio(name: string, wav: Pick<DecodedWav, 'samples' | 'sampleRate'>, grid: BeatGrid, settings: ListenOptions = {}): RehearsalReference {
  const framer = new FeatureFramer(resolveListeningSettings({ ...settings, tracker: 'dsp' }));
  const frames: FeatureFrame[] = [];
  audioBlocks(wav.samples, wav.sampleRate, 4096).subscribe((b) => {
    for (const f of framer.push(b)) frames.push(f);
  });
  const { times, vectors } = alignmentFromEvents(frames.map((v) => ({ kind: 'frame' as const, v })));
  return { name, grid, times, vectors };
}

/**
 * A rehearsal take ready for the live prior: its grid (the stored one, or — `analyzed: true` — one
 * analysed now when it has none) and the alignment vectors of its audio.
 */
export async function loadRehearsal(takeDir: string, settings: ListenOptions = {}): Promise<{ reference: RehearsalReference; analyzed: boolean }> {
  const dir = resolve(takeDir);
  const wav = await readWavFile(join(dir, 'audio.wav'));
  const stored = await readBeatGrid(dir);
  const grid = stored ?? analyzeGrid(wav.samples, wav.sampleRate, resolveListeningSettings(settings));
  return { reference: rehearsalFromAudio(basename(dir), wav, grid, settings), analyzed: stored === undefined };
}

/**
 * The show's rehearsal grids for the live tracker (`audio.rehearsals` in show.json, folders relative
 * to the show). A take that cannot be read is left out with a line saying why: the show goes on with
 * the tracker's own evidence. Returns the references and one banner line per take.
 */
export async function loadShowRehearsals(takes: readonly string[], showDir: string, settings: ListenOptions = {}): Promise<{ references: RehearsalReference[]; lines: string[] }> {
  const references: RehearsalReference[] = [];
  const lines: string[] = [];
  for (const take of takes) {
    try {
      const { reference, analyzed } = await loadRehearsal(resolve(showDir, take), settings);
      references.push(reference);
      lines.push(`rehearsal grid: ${take} (${reference.grid.beats.length} beats${analyzed ? "; no beats.json, analysed now, uncorrected — store one with 'precue grid'" : ''})`);
    } catch (err) {
      lines.push(`rehearsal grid: ${take} NOT USED — ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { references, lines };
}
