/**
 * The stage bench: does the engine follow a live band? Generates the stage-conditions set
 * (`dataset/stage.ts`: per song two rehearsals that breathe, one stage take per condition; rendered
 * POP909 songs and re-edited real recordings) and, per song — each song is a show with its own model,
 * trained on its own two rehearsals (one trains, one validates) — replays every stage take through the
 * live pipeline (`precue eval`'s `fireAll`: listening, the model and its cue policy, the arbiter,
 * playback, on the offline clock, every department in auto) beside the ablations and the baselines in
 * the same run. Prints, per condition (each alone, then `all`), overall F1 at ±100 ms, median timing
 * error and false fires per hour (and of them, early, late and far: `falseFireKinds`) for model, followerOnly, networkOnly, rehearsalTiming and
 * onlineAlignment; then the pooled table per department; rendered songs and recordings apart.
 *
 * Two sets (bench/README.md, "Which songs are for what"): `--dev` is the development set (POP909
 * 001–002 and the recordings `DEV_STAGE_RECORDINGS`, frontiers and hr3-caves; tune on it), the
 * default is the held-out stage set (POP909 021–024 and `STAGE_RECORDINGS`; report on it, never tune
 * on it).
 *
 * `../shared/data/real-beats` is not used here: its clips are 30 s excerpts, too short for the cue
 * design (at least 16 bars heard); `bench/beats.ts` scores listening on them.
 *
 * Run: `nice -n 10 npx tsx bench/stage.ts [--dev] [--songs 021,rec-machine_wars] [--conditions plain,vamp] [--no-recordings]
 *   [--epochs 12] [--augment 4] [--skip-train | --reuse-models] [--out dir] [--json]`
 * (models land in .tmp/stage-models/<set>/<song>, each take's fires in fires.jsonl beside them as it
 * is scored; `--tables <fires.jsonl>` prints the tables again from them; `--reuse-models` trains only songs without a model there; listening results are cached
 * in .tmp/replay-cache).
 */
import { appendFile, mkdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DEV_STAGE_SONGS, generateStage } from './dataset/stage.js';
import { DEV_STAGE_RECORDINGS, generateRecordingTakes } from './dataset/stageRecordings.js';
import { TAKE_CONDITIONS, type StageTakeInfo, type TakeCondition } from './dataset/stageTruth.js';
import { fireAll, formatTable, poolFires, report, type EVAL_SCORES, type TakeFires } from '../engine/cli/commands/eval.js';
import { TRAINING_DEFAULTS, trainModel } from '../engine/core/model/train.js';
import { modelListening } from '../engine/core/model/types.js';
import { openEntriesOf } from '../engine/core/model/openEntries.js';
import { FAR_FIRE_S, falseFireKinds, scoreCues, type TimedCue } from '../engine/core/model/metrics.js';
import { loadTf } from '../engine/io/model/backend.js';
import { listenTakes } from '../engine/io/model/listenTakes.js';
import { loadModelFolder, saveModelFolder, type ModelFolder } from '../engine/io/model/modelFolder.js';
import { replayAllCached } from '../engine/io/model/replayPool.js';
import { readTake } from '../engine/io/takes/take.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const out = (s: string): boolean => process.stdout.write(`${s}\n`);


type Scored = (typeof EVAL_SCORES)[number];

/** One row of the per-condition table: pooled over the takes of one condition. */
function conditionRow(name: string, fires: readonly TakeFires[]): string {
  const durationS = fires.reduce((s, f) => s + f.durationS, 0);
  const pooled = (pick: Scored): { fired: TimedCue[]; expected: TimedCue[] } => poolFires(fires, pick);
  const cell = (pick: Scored): string => {
    const { fired, expected } = pooled(pick);
    return scoreCues(fired, expected, durationS).f1.toFixed(3);
  };
  const m = pooled('model');
  const f = pooled('followerOnly');
  const ms = scoreCues(m.fired, m.expected, durationS);
  const fs = scoreCues(f.fired, f.expected, durationS);
  const mk = falseFireKinds(m.fired, m.expected, durationS);
  return [
    name.padEnd(10),
    String(fires.length).padStart(3),
    (durationS / 60).toFixed(1).padStart(5),
    ...(['model', 'followerOnly', 'networkOnly', 'rehearsalTiming', 'onlineAlignment', 'followerWithJumps'] as const).map((p) => cell(p).padStart(7)),
    ms.medianAbsErrorMs.toFixed(0).padStart(5),
    ms.falseFiresPerHour.toFixed(0).padStart(6),
    mk.early.toFixed(0).padStart(6),
    mk.late.toFixed(0).padStart(5),
    mk.far.toFixed(0).padStart(5),
    fs.falseFiresPerHour.toFixed(0).padStart(6),
    falseFireKinds(f.fired, f.expected, durationS).far.toFixed(0).padStart(6),
  ].join(' ');
}

const HEADER = `condition  takes  min   model  follow  netOnly rehTime onlineAl  (f+j)  med  FF/h  early late   far fFF/h ffar/h`;

/** Prints the per-condition table of `fires` (each take's condition from `infos`). */
function conditionTable(title: string, fires: readonly TakeFires[], infos: ReadonlyMap<string, Pick<StageTakeInfo, 'condition'>>): void {
  if (fires.length === 0) return;
  out(`\n${title}: overall F1 ±100 ms per condition (model, followerOnly, networkOnly, rehearsalTiming, onlineAlignment, (follower+jumps) for reference); model's median |error| (ms), false fires/h (unmatched ±100 ms) and of them, per hour, early and late (within ${FAR_FIRE_S} s of a cue of the department: mistimed) and far (further from all: a cue in the wrong place); followerOnly's false and far fires/h`);
  out(HEADER);
  for (const c of TAKE_CONDITIONS) {
    const of = fires.filter((f) => infos.get(f.take)?.condition === c);
    if (of.length > 0) out(conditionRow(c, of));
  }
  out(conditionRow('pooled', fires));
}

/** The per-condition tables (rendered songs, recordings, both) and the pooled table per department. */
function printTables(set: string, fires: readonly TakeFires[], infos: ReadonlyMap<string, Pick<StageTakeInfo, 'song' | 'condition' | 'source'>>, depts: readonly string[]): void {
  const pop = fires.filter((f) => infos.get(f.take)?.source === 'pop909');
  const rec = fires.filter((f) => infos.get(f.take)?.source === 'recording');
  conditionTable(`${set}, rendered POP909 songs (${[...new Set(pop.map((f) => infos.get(f.take)!.song))].join(', ')})`, pop, infos);
  conditionTable(`${set}, re-edited real recordings (${[...new Set(rec.map((f) => infos.get(f.take)!.song))].join(', ')})`, rec, infos);
  if (rec.length > 0 && pop.length > 0) conditionTable(`${set}, everything`, fires, infos);
  out(`\n${set}, every stage take pooled, per department, every department in auto:`);
  out(formatTable(report(fires, depts), depts));
}

/** `--tables <fires.jsonl>`: the tables again from a run's saved fires (a run cut short included). */
async function tablesFrom(file: string): Promise<void> {
  const saved = (await readFile(file, 'utf8')).split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as TakeFires & { condition: TakeCondition; source: StageTakeInfo['source']; song: string });
  const infos = new Map(saved.map((f) => [f.take, { song: f.song, condition: f.condition, source: f.source }]));
  printTables(file, saved, infos, [...new Set(saved.flatMap((f) => f.expected.map((c) => c.dept)))]);
}

async function main(): Promise<void> {
  const saved = opt('tables');
  if (saved !== undefined) return tablesFrom(saved);
  const dev = args.includes('--dev');
  const set = dev ? 'dev' : 'held-out';
  const dataDir = resolve(dev ? '.tmp/stage-dev' : '.tmp/stage');
  const modelsDir = resolve(opt('out') ?? `.tmp/stage-models/${set}`);
  const cache = resolve('.tmp/replay-cache');
  const conditions = (opt('conditions')?.split(',') as TakeCondition[] | undefined) ?? TAKE_CONDITIONS;
  for (const c of conditions) if (!TAKE_CONDITIONS.includes(c)) throw new Error(`unknown condition '${c}' (one of ${TAKE_CONDITIONS.join(', ')})`);
  const log = (l: string): void => void process.stderr.write(`${l}\n`);
  const t0 = performance.now();
  // The whole set is made (or reused) as `dataset/stage.ts` makes it; --songs picks from it.
  const made = await generateStage({ out: dataDir, ...(dev ? { songs: DEV_STAGE_SONGS } : {}), log });
  if (!args.includes('--no-recordings')) made.push(...(await generateRecordingTakes({ out: dataDir, conditions: TAKE_CONDITIONS, cache, log, ...(dev ? { recordings: DEV_STAGE_RECORDINGS } : {}) })));
  const songs = opt('songs')?.split(',');
  const takes = made.filter((t) => (songs === undefined || songs.includes(t.song)) && (t.kind === 'rehearsal' || conditions.includes(t.condition as TakeCondition)));
  const infos = new Map(takes.map((t) => [t.name, t]));
  out(`stage set (${set}): ${takes.length} takes, ${(takes.reduce((s, t) => s + t.durationS, 0) / 60).toFixed(1)} min, in ${dataDir} (${((performance.now() - t0) / 1000).toFixed(0)} s to make or reuse); machine shared with other work`);
  const { tf, backend } = await loadTf();
  await mkdir(modelsDir, { recursive: true });
  await rm(join(modelsDir, 'fires.jsonl'), { force: true });
  const epochs = Number(opt('epochs') ?? 12);
  const augment = Number(opt('augment') ?? 4);
  const fires: TakeFires[] = [];
  const depts = new Set<string>();
  let trainS = 0;
  let pipelineS = 0;
  let stageMinutes = 0;
  for (const song of [...new Set(takes.map((t) => t.song))]) {
    const dir = join(modelsDir, song);
    const rehearsals = takes.filter((t) => t.song === song && t.kind === 'rehearsal');
    const stage = takes.filter((t) => t.song === song && t.kind === 'stage');
    const trainedBefore = args.includes('--reuse-models') && (await loadModelFolder(dir).then(() => true, () => false));
    if (!args.includes('--skip-train') && !trainedBefore) {
      const listened = await listenTakes(await Promise.all(rehearsals.map((t) => readTake(join(dataDir, 'takes', t.name)))), { cache });
      const t1 = performance.now();
      const trained = await trainModel(tf, listened.training, {
        epochs,
        augment,
        seed: TRAINING_DEFAULTS.seed,
        ...(listened.tempo !== undefined ? { tempo: listened.tempo } : {}),
        clock: () => (performance.now() - t1) / 1000,
      });
      trainS += (performance.now() - t1) / 1000;
      await saveModelFolder(dir, trained.model, trained.meta, trained.alignment);
    }
    const model: ModelFolder = await loadModelFolder(dir);
    for (const d of model.meta.depts) depts.add(d);
    const shows = await Promise.all(stage.map((t) => readTake(join(dataDir, 'takes', t.name))));
    const replays = await replayAllCached(shows.map((s) => ({ audioPath: s.audioPath, settings: modelListening(model.meta) })), cache);
    const line: string[] = [];
    for (const [i, show] of shows.entries()) {
      const t2 = performance.now();
      const f = fireAll(model, show, replays[i]!);
      pipelineS += (performance.now() - t2) / 1000;
      stageMinutes += f.durationS / 60;
      fires.push(f);
      await appendFile(join(modelsDir, 'fires.jsonl'), JSON.stringify({ ...f, condition: stage[i]!.condition, source: stage[i]!.source, song }) + '\n');
      const one = (c: readonly TimedCue[]): string => scoreCues(c, f.expected, f.durationS).f1.toFixed(2);
      line.push(`${stage[i]!.condition} ${one(f.model)}/${one(f.followerOnly)}`);
    }
    const votes = Object.entries(model.meta.policy.depts).map(([d, p]) => `${d} ${p.useNetwork ? `net@${p.firePoint}` : 'follower'}`).join(' ');
    const open = openEntriesOf(model.meta);
    out(`  ${song} (model/followerOnly F1): ${line.join(', ')}  [${votes}]${open.length > 0 ? `  open entries: ${open.join(', ')}` : ''}`);
  }
  if (!args.includes('--skip-train')) out(`training (tfjs ${backend}, ${epochs} epochs, augment ${augment}): ${trainS.toFixed(0)} s`);
  out(`stage takes through the live pipeline (offline clock): ${pipelineS.toFixed(0)} s for ${stageMinutes.toFixed(1)} min (${((stageMinutes * 60) / Math.max(1e-9, pipelineS)).toFixed(0)}× real time)`);
  printTables(set, fires, infos, [...depts]);
  if (args.includes('--json')) out(JSON.stringify({ set, result: report(fires, [...depts]), takes: fires.map((f) => ({ take: f.take, condition: infos.get(f.take)?.condition, model: scoreCues(f.model, f.expected, f.durationS), followerOnly: scoreCues(f.followerOnly, f.expected, f.durationS) })) }));
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
