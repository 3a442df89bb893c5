/**
 * The stage-conditions data set (never committed: it lands in `.tmp/stage`): per POP909 song, two
 * rehearsal takes that breathe and vamp open (`rehearsalPlan`) and one stage take per condition — each condition alone, every one
 * combined (`all`), and `plain` (only the stage sound and a tempo 0–3% off) — with exact cue and beat
 * truth following the edit map (`stageEdit.ts`). Real recordings are re-edited the same way
 * (`stageRecordings.ts`).
 *
 * Sounds: the song is orchestrated as a band (`stageBand.ts`); rehearsal 1 is rendered with MuseScore
 * General (lite), rehearsal 2 with sf_GMbank — neither is a soundfont of the development set — and
 * every stage take with FluidR3 GM (the development set's rehearsal sound, never a show sound there).
 *
 * Each take folder holds `audio.wav`, `cues.jsonl`, `beats.txt` (one `t downbeat` line per beat) and
 * `edit.json` (the edit map: which source bar plays where, at what speed, with which cues).
 *
 * Run: `npx tsx bench/dataset/stage.ts [--out .tmp/stage] [--songs 021,022] [--conditions plain,vamp,all] [--no-recordings]`
 * (default: songs 021–024, the recordings of `STAGE_RECORDINGS` where installed, every condition;
 * see bench/README.md for the split).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadSource, POP909_DIR, renderMono, rng, type SourceSong } from './generate.js';
import { writeSmf } from './smf.js';
import { orchestrate, playMap } from './stageBand.js';
import { stageSound } from './stageAudio.js';
import type { SongForm } from './stageEdit.js';
import { generateRecordingTakes } from './stageRecordings.js';
import { songMaps, songSeed, STAGE_PLAN_VERSION, TAKE_CONDITIONS, twoAtATime, writeTruth, type StageTakeInfo, type TakeCondition } from './stageTruth.js';

/** Rehearsal soundfonts (one per rehearsal; neither is used by the development set). */
export const REHEARSAL_SOUNDS = ['/usr/share/sounds/sf3/MuseScore_General_Lite.sf3', '/usr/share/sounds/sf2/sf_GMbank.sf2'] as const;
/** The stage soundfont. */
export const STAGE_SOUND = '/usr/share/sounds/sf2/FluidR3_GM.sf2';

/** Songs of the stage set when none are named: never used for tuning (see bench/README.md). */
export const STAGE_SONGS = ['021', '022', '023', '024'];

/** Development songs of the stage bench (tune on these only; `bench/stage.ts --dev`). */
export const DEV_STAGE_SONGS = ['001', '002'];

/** Reads POP909's beat annotation: every beat with its downbeat flag. */
async function readBeats(dir: string, id: string): Promise<SongForm['beats']> {
  return (await readFile(join(dir, id, 'beat_midi.txt'), 'utf8'))
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number))
    .filter((c) => c.length >= 3 && Number.isFinite(c[0]))
    .map((c) => ({ t: c[0]!, downbeat: c[2] === 1 }));
}

/** The form of a POP909 song (its annotated bars, sections and beats). */
export async function pop909Form(src: SourceSong, dataDir: string): Promise<SongForm> {
  return { barStarts: src.barStarts, sections: src.sections, beats: await readBeats(dataDir, src.id) };
}

/** Options of `generateStage`. */
export interface StageOptions {
  readonly out: string;
  readonly songs?: readonly string[];
  readonly conditions?: readonly TakeCondition[];
  readonly dataDir?: string;
  readonly log?: (line: string) => void;
}

/** Generates (or reuses, when stage.json lists the same songs and conditions) the POP909 stage set under `out`. */
export async function generateStage(options: StageOptions): Promise<StageTakeInfo[]> {
  const dataDir = options.dataDir ?? POP909_DIR;
  const log = options.log ?? (() => undefined);
  const songs = options.songs ?? STAGE_SONGS;
  const conditions = options.conditions ?? TAKE_CONDITIONS;
  const manifest = join(options.out, 'stage.json');
  const key = `${songs.join(',')}|${conditions.join(',')}|plan ${STAGE_PLAN_VERSION}`;
  if (existsSync(manifest)) {
    const old = JSON.parse(await readFile(manifest, 'utf8')) as { key: string; takes: StageTakeInfo[] };
    if (old.key === key && old.takes.every((t) => existsSync(join(options.out, 'takes', t.name, 'audio.wav')))) return old.takes;
  }
  await mkdir(join(options.out, 'midi'), { recursive: true });
  const takes: StageTakeInfo[] = [];
  const jobs: (() => Promise<void>)[] = [];
  for (const id of songs) {
    const src = await loadSource(dataDir, id);
    const form = await pop909Form(src, dataDir);
    const band = orchestrate(src.song, form, rng(songSeed(id)));
    for (const t of songMaps(form, id, conditions)) {
      const dir = join(options.out, 'takes', t.name);
      const { cues, reusable } = await writeTruth(dir, t.map, form, { song: id, condition: t.condition });
      const { song, lastOffS } = playMap(band, t.map);
      const durationS = Math.round(Math.max(t.map.endS, lastOffS + 1, (cues[cues.length - 1]?.t ?? 0) + 1.5) * 1000) / 1000;
      const mid = join(options.out, 'midi', `${t.name}.mid`);
      await writeFile(mid, writeSmf(song));
      const sound = t.kind === 'rehearsal' ? REHEARSAL_SOUNDS[t.name.endsWith('-1') ? 0 : 1] : STAGE_SOUND;
      takes.push({ song: id, name: t.name, kind: t.kind, condition: t.condition, source: 'pop909', sound, durationS, cues: cues.length, notes: t.map.notes });
      if (reusable) continue;
      jobs.push(async () => {
        const wav = join(dir, 'audio.wav');
        await renderMono(mid, sound, wav, durationS);
        await stageSound(wav, t.map, durationS);
        log(`rendered ${t.name} (${durationS.toFixed(1)} s, ${cues.length} cues; ${t.map.notes.join('; ')})`);
      });
    }
  }
  await twoAtATime(jobs);
  await writeFile(manifest, JSON.stringify({ key, songs, conditions, takes }, null, 2) + '\n');
  return takes;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const get = (name: string): string | undefined => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const out = resolve(get('out') ?? '.tmp/stage');
  const songs = get('songs')?.split(',');
  const conditions = get('conditions')?.split(',') as TakeCondition[] | undefined;
  for (const c of conditions ?? []) if (!TAKE_CONDITIONS.includes(c)) throw new Error(`unknown condition '${c}' (one of ${TAKE_CONDITIONS.join(', ')})`);
  const started = performance.now();
  const log = (l: string): boolean => process.stdout.write(`${l}\n`);
  const takes = await generateStage({ out, ...(songs !== undefined ? { songs } : {}), ...(conditions !== undefined ? { conditions } : {}), log });
  if (!args.includes('--no-recordings')) takes.push(...(await generateRecordingTakes({ out, conditions: conditions ?? TAKE_CONDITIONS, cache: resolve('.tmp/replay-cache'), log })));
  const minutes = takes.reduce((s, t) => s + t.durationS, 0) / 60;
  process.stdout.write(`stage set: ${takes.length} takes, ${minutes.toFixed(1)} min of audio, in ${out} (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
