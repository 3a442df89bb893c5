/**
 * The stage-conditions data set (never committed: it lands in `.tmp/stage`): per POP909 song, two
 * rehearsal takes that breathe and one stage take per condition — each condition alone, every one
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
 * Run: `npx tsx bench/dataset/stage.ts [--out .tmp/stage] [--songs 021,022] [--conditions plain,vamp,all]`
 * (default: songs 021–024 and every condition; see bench/README.md for the split).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { jsonl, loadSource, POP909_DIR, renderMono, rng, type CueLine, type SourceSong } from './generate.js';
import { writeSmf } from './smf.js';
import { orchestrate, playMap } from './stageBand.js';
import { stageSound } from './stageAudio.js';
import { designCues, mapBeats, mapCues, rehearsalPlan, stagePlan, STAGE_CONDITIONS, type EditMap, type SongForm, type StageCondition } from './stageEdit.js';

/** A stage take's condition: one alone, all combined, or none (`plain`). */
export type TakeCondition = StageCondition | 'plain' | 'all';
/** Every take condition, in table order. */
export const TAKE_CONDITIONS: readonly TakeCondition[] = ['plain', ...STAGE_CONDITIONS, 'all'];

/** Rehearsal soundfonts (one per rehearsal; neither is used by the development set). */
export const REHEARSAL_SOUNDS = ['/usr/share/sounds/sf3/MuseScore_General_Lite.sf3', '/usr/share/sounds/sf2/sf_GMbank.sf2'] as const;
/** The stage soundfont. */
export const STAGE_SOUND = '/usr/share/sounds/sf2/FluidR3_GM.sf2';

/** Songs of the stage set when none are named: never used for tuning (see bench/README.md). */
export const STAGE_SONGS = ['021', '022', '023', '024'];

/** What one generated take is, recorded in stage.json. */
export interface StageTakeInfo {
  readonly song: string;
  readonly name: string;
  readonly kind: 'rehearsal' | 'stage';
  /** `rehearsal` for rehearsals. */
  readonly condition: TakeCondition | 'rehearsal';
  readonly source: 'pop909' | 'recording';
  readonly sound: string;
  readonly durationS: number;
  readonly cues: number;
  readonly notes: readonly string[];
}

/** The conditions a take condition switches on. */
export function conditionSet(c: TakeCondition): Set<StageCondition> {
  return new Set(c === 'all' ? STAGE_CONDITIONS : c === 'plain' ? [] : [c]);
}

/** A song's seed: every take of the song draws from it (rehearsal k: +k; stage takes: +100). */
export function songSeed(id: string): number {
  let h = 2166136261;
  for (const ch of id) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h >>> 0;
}

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

/** Writes a take folder's truth: cues.jsonl, beats.txt and edit.json. */
export async function writeTruth(dir: string, map: EditMap, form: SongForm, extra: Record<string, unknown> = {}): Promise<CueLine[]> {
  await mkdir(dir, { recursive: true });
  const cues = mapCues(map, designCues(form));
  await writeFile(join(dir, 'cues.jsonl'), jsonl(cues));
  await writeFile(join(dir, 'beats.txt'), mapBeats(map, form.beats).map((b) => `${b.t.toFixed(3)} ${b.downbeat ? 1 : 0}`).join('\n') + '\n');
  await writeFile(join(dir, 'edit.json'), JSON.stringify({ ...extra, notes: map.notes, walkInS: map.walkInS, countIn: map.countIn, room: map.room, pieces: map.pieces }, null, 1) + '\n');
  return cues;
}

/** The maps of one song's takes: two rehearsals, then one stage take per condition. */
export function songMaps(form: SongForm, id: string, conditions: readonly TakeCondition[]): { name: string; kind: 'rehearsal' | 'stage'; condition: TakeCondition | 'rehearsal'; map: EditMap }[] {
  const seed = songSeed(id);
  return [
    ...[1, 2].map((k) => ({ name: `${id}-rehearsal-${k}`, kind: 'rehearsal' as const, condition: 'rehearsal' as const, map: rehearsalPlan(form, rng(seed + k)) })),
    // Every stage take of a song draws from the same seed: a condition's choices are the same alone and in `all`.
    ...conditions.map((c) => ({ name: `${id}-stage-${c}`, kind: 'stage' as const, condition: c, map: stagePlan(form, { conditions: conditionSet(c), rand: rng(seed + 100) }) })),
  ];
}

/** Options of `generateStage`. */
export interface StageOptions {
  readonly out: string;
  readonly songs?: readonly string[];
  readonly conditions?: readonly TakeCondition[];
  readonly dataDir?: string;
  readonly log?: (line: string) => void;
}

/** Runs `jobs` two at a time. */
export async function twoAtATime(jobs: readonly (() => Promise<void>)[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 2 }, async () => {
      while (next < jobs.length) await jobs[next++]!();
    }),
  );
}

/** Generates (or reuses, when stage.json lists the same songs and conditions) the POP909 stage set under `out`. */
export async function generateStage(options: StageOptions): Promise<StageTakeInfo[]> {
  const dataDir = options.dataDir ?? POP909_DIR;
  const log = options.log ?? (() => undefined);
  const songs = options.songs ?? STAGE_SONGS;
  const conditions = options.conditions ?? TAKE_CONDITIONS;
  const manifest = join(options.out, 'stage.json');
  const key = `${songs.join(',')}|${conditions.join(',')}`;
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
      const cues = await writeTruth(dir, t.map, form, { song: id, condition: t.condition });
      const { song, lastOffS } = playMap(band, t.map);
      const durationS = Math.round(Math.max(t.map.endS, lastOffS + 1, (cues[cues.length - 1]?.t ?? 0) + 1.5) * 1000) / 1000;
      const mid = join(options.out, 'midi', `${t.name}.mid`);
      await writeFile(mid, writeSmf(song));
      const sound = t.kind === 'rehearsal' ? REHEARSAL_SOUNDS[t.name.endsWith('-1') ? 0 : 1] : STAGE_SOUND;
      takes.push({ song: id, name: t.name, kind: t.kind, condition: t.condition, source: 'pop909', sound, durationS, cues: cues.length, notes: t.map.notes });
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
  const takes = await generateStage({ out, ...(songs !== undefined ? { songs } : {}), ...(conditions !== undefined ? { conditions } : {}), log: (l) => process.stdout.write(`${l}\n`) });
  const minutes = takes.reduce((s, t) => s + t.durationS, 0) / 60;
  process.stdout.write(`stage set: ${takes.length} takes, ${minutes.toFixed(1)} min of audio, in ${out} (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
