/**
 * What every stage take shares, rendered song or re-edited recording: the take conditions, the seeds,
 * the maps of a song's takes and the truth files written beside the audio.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jsonl, rng, type CueLine } from './generate.js';
import { designCues, mapBeats, mapCues, rehearsalPlan, rehearsalVampTimes, stagePlan, STAGE_CONDITIONS, type EditMap, type SongForm, type StageCondition } from './stageEdit.js';

/** A stage take's condition: one alone, all combined, or none (`plain`). */
export type TakeCondition = StageCondition | 'plain' | 'all';
/** Every take condition, in table order. */
export const TAKE_CONDITIONS: readonly TakeCondition[] = ['plain', ...STAGE_CONDITIONS, 'all'];

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

/**
 * What the stage set's takes are made by: part of each manifest's key, so a change of plan (version 2:
 * the rehearsals vamp) remakes the set. Takes whose edit map is unchanged keep their audio.
 */
export const STAGE_PLAN_VERSION = 2;

/**
 * Writes a take folder's truth: cues.jsonl, beats.txt and edit.json. `reusable`: the folder already
 * held this very edit map and its audio, which need not be made again.
 */
export async function writeTruth(dir: string, map: EditMap, form: SongForm, extra: Record<string, unknown> = {}): Promise<{ cues: CueLine[]; reusable: boolean }> {
  await mkdir(dir, { recursive: true });
  const cues = mapCues(map, designCues(form));
  const edit = JSON.stringify({ ...extra, notes: map.notes, walkInS: map.walkInS, countIn: map.countIn, room: map.room, pieces: map.pieces }, null, 1) + '\n';
  const before = await readFile(join(dir, 'edit.json'), 'utf8').catch(() => undefined);
  const reusable = before === edit && existsSync(join(dir, 'audio.wav'));
  await writeFile(join(dir, 'cues.jsonl'), jsonl(cues));
  await writeFile(join(dir, 'beats.txt'), mapBeats(map, form.beats).map((b) => `${b.t.toFixed(3)} ${b.downbeat ? 1 : 0}`).join('\n') + '\n');
  await writeFile(join(dir, 'edit.json'), edit);
  return { cues, reusable };
}

/** The maps of one song's takes: two rehearsals (each vamping its own number of times: `rehearsalVampTimes`), then one stage take per condition. */
export function songMaps(form: SongForm, id: string, conditions: readonly TakeCondition[]): { name: string; kind: 'rehearsal' | 'stage'; condition: TakeCondition | 'rehearsal'; map: EditMap }[] {
  const seed = songSeed(id);
  const vamps = rehearsalVampTimes(rng(seed + 50));
  return [
    ...[1, 2].map((k) => ({ name: `${id}-rehearsal-${k}`, kind: 'rehearsal' as const, condition: 'rehearsal' as const, map: rehearsalPlan(form, rng(seed + k), { vampTimes: vamps[k - 1]! }) })),
    // Every stage take of a song draws from the same seed: a condition's choices are the same alone and in `all`.
    ...conditions.map((c) => ({ name: `${id}-stage-${c}`, kind: 'stage' as const, condition: c, map: stagePlan(form, { conditions: conditionSet(c), rand: rng(seed + 100) }) })),
  ];
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

