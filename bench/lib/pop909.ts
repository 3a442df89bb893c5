/**
 * POP909 helpers for the listening benches: render a song's MIDI to WAV with fluidsynth (cached under
 * .tmp/), and read its beat, downbeat and section-boundary truth.
 *
 * beat_midi.txt has one line per beat: time (s), a 0/1 flag for the strong beats of 2-beat groups,
 * and a 0/1 flag for downbeats (first beat of each bar). sections.txt is a string like `i4A4B8…`: each
 * letter a section label and the number its length in bars, counted from the first downbeat.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where the shared POP909 folder is, from the repo root. */
export const pop909Dir = join(process.cwd(), '..', 'shared', 'data', 'pop909');
/** The General MIDI soundfont used to render. */
export const soundfont = '/usr/share/sounds/sf2/FluidR3_GM.sf2';

/** Truth for one song. */
export interface SongTruth {
  readonly id: string;
  readonly beats: number[];
  readonly downbeats: number[];
  /** Internal section boundaries (the start of the first section and the end of the last are left out). */
  readonly boundaries: number[];
}

/** Reads beats, downbeats and section boundaries for song `id` (e.g. '001'). */
export function readTruth(id: string): SongTruth {
  const lines = readFileSync(join(pop909Dir, id, 'beat_midi.txt'), 'utf8').trim().split('\n');
  const rows = lines.map((l) => l.trim().split(/\s+/).map(Number));
  const beats = rows.map((r) => r[0]!);
  const downbeats = rows.filter((r) => r[2] === 1).map((r) => r[0]!);
  const spec = readFileSync(join(pop909Dir, id, 'sections.txt'), 'utf8').trim();
  const boundaries: number[] = [];
  let bar = 0;
  const parts = [...spec.matchAll(/([A-Za-z])(\d+)/g)];
  parts.forEach((m, i) => {
    bar += Number(m[2]);
    if (i < parts.length - 1 && bar < downbeats.length) boundaries.push(downbeats[bar]!);
  });
  return { id, beats, downbeats, boundaries };
}

/** Renders song `id` to `<cacheDir>/<id>.wav` at 22 050 Hz with fluidsynth unless already there. */
export async function renderSong(id: string, cacheDir: string): Promise<string> {
  mkdirSync(cacheDir, { recursive: true });
  const out = join(cacheDir, `${id}.wav`);
  if (existsSync(out)) return out;
  const tmp = `${out}.part.wav`;
  await run('fluidsynth', ['-ni', '-q', '-F', tmp, '-r', '22050', '-g', '0.6', soundfont, join(pop909Dir, id, `${id}.mid`)], {
    maxBuffer: 1 << 24,
  });
  renameSync(tmp, out);
  return out;
}

/** `count` song ids spread evenly over the 909 songs, starting at 001. */
export function spreadSongIds(count: number): string[] {
  const ids: string[] = [];
  const step = Math.max(1, Math.floor(909 / count));
  for (let i = 0; i < count; i++) ids.push(String(1 + i * step).padStart(3, '0'));
  return ids;
}
