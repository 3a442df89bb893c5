/**
 * Does the confidence mean something on stage? For every cue the model fires on the stage takes (every
 * department in auto, the very pipeline `bench/stage.ts` scores), the follower's certainty at that
 * moment (1 − its match: `engine/core/model/reliability.ts`) and the confidence the model's calibration
 * gives it (`policy.confidence`, made by training on the song's held-out rehearsal take) are set beside
 * whether the fire was right (a cue of its department within ±100 ms). A calibrated "90%" should be
 * right about 90% of the time here too: the second table bins the fires by that confidence.
 *
 * Last, the model's fires scored twice with its calibration in force: gated as `precue eval` gates
 * (each department's threshold is the policy's `fireThreshold`) and as a show gates that keeps the
 * show file's default department threshold — what calibration changes in a show run in auto.
 *
 * `--dev` also prints the development set's hit rate per certainty bin, made monotone: the prior
 * `FOLLOWER_HIT_PRIOR` in engine/core/policy/numbers.ts comes from it (and only from the dev set).
 *
 * Uses the models and takes `bench/stage.ts` left (run it first, same set): .tmp/stage-models/<set>/<song>.
 * A model trained before calibration existed gets its table here, from its held-out rehearsal
 * (`<song>-rehearsal-2`), through the function training uses.
 *
 * Run: `nice -n 10 npx tsx bench/stageReliability.ts [--dev] [--songs 021,rec-machine_wars]`
 */
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { evalShow, replayModel } from '../engine/core/model/evaluate.js';
import { poolTakes } from '../engine/core/model/metrics.js';
import type { TimedCue } from '../engine/core/model/metrics.js';
import { showFileSchema, SHOW_VERSION, type ShowFile } from '../engine/core/show/schema.js';
import { followerCertainties, judgeFires } from '../engine/core/model/reliability.js';
import { calibrateConfidence } from '../engine/core/model/train.js';
import { modelListening } from '../engine/core/model/types.js';
import { calibratedFollowerConfidence, CERTAINTY_EDGES, DEFAULT_POLICY_NUMBERS, nonDecreasing, type ConfidenceTable } from '../engine/core/policy/numbers.js';
import { loadModelFolder } from '../engine/io/model/modelFolder.js';
import { replayAllCached } from '../engine/io/model/replayPool.js';
import { readTake } from '../engine/io/takes/take.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const out = (s: string): boolean => process.stdout.write(`${s}\n`);
const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(0)}%` : '—');

/** Upper edges of the confidence bins of the reliability table. */
const CONFIDENCE_EDGES = [0.5, 0.7, 0.8, 0.9, 0.95, 1.0001];

interface Judged {
  readonly song: string;
  readonly certainty: number;
  readonly confidence: number;
  readonly hit: boolean;
}

async function main(): Promise<void> {
  const dev = args.includes('--dev');
  const set = dev ? 'dev' : 'held-out';
  const dataDir = resolve(dev ? '.tmp/stage-dev' : '.tmp/stage');
  const modelsDir = resolve(`.tmp/stage-models/${set}`);
  const cache = resolve('.tmp/replay-cache');
  // Every song the bench trained (not the previous models it kept as <song>.bak).
  const songs = opt('songs')?.split(',') ?? (await readdir(modelsDir, { withFileTypes: true })).filter((d) => d.isDirectory() && !d.name.endsWith('.bak')).map((d) => d.name);
  const takeNames = await readdir(join(dataDir, 'takes'));
  const judged: Judged[] = [];
  const rehearsalFires = CERTAINTY_EDGES.map(() => 0);
  let otherFires = 0;
  // Per stage take, the model's fires (calibration in force) at eval's gate and at a show's default gate.
  const gated: { evalGate: TimedCue[]; showGate: TimedCue[]; expected: TimedCue[]; durationS: number }[] = [];
  let depts: string[] = [];
  for (const song of songs) {
    const model = await loadModelFolder(join(modelsDir, song));
    const table: ConfidenceTable | undefined = model.meta.policy.confidence ?? (await tableFromRehearsal(model, join(dataDir, 'takes', `${song}-rehearsal-2`), cache));
    if (table === undefined) throw new Error(`${song}: the model has no follower`);
    table.fires.forEach((n, i) => (rehearsalFires[i]! += n));
    const alone = (d: string): boolean => model.meta.policy.depts[d]?.useNetwork === false;
    for (const name of takeNames.filter((n) => n.startsWith(`${song}-stage-`))) {
      const take = await readTake(join(dataDir, 'takes', name));
      const [replay] = await replayAllCached([{ audioPath: take.audioPath, settings: modelListening(model.meta) }], cache);
      const certainties = followerCertainties(model, replay!.events, DEFAULT_POLICY_NUMBERS.stallWindowS)!;
      const fired = replayModel(model, { listened: replay! }).fired;
      const calibrated = { ...model, meta: { ...model.meta, policy: { ...model.meta.policy, confidence: table } } };
      gated.push({
        evalGate: replayModel(calibrated, { listened: replay! }).fired,
        showGate: replayModel(calibrated, { listened: replay! }, { show: atShowDefaultThreshold(evalShow(model.meta)) }).fired,
        expected: take.cues,
        durationS: replay!.durationS,
      });
      depts = [...new Set([...depts, ...model.meta.depts])];
      otherFires += fired.filter((f) => !alone(f.dept)).length;
      for (const j of judgeFires(fired.filter((f) => alone(f.dept)), take.cues, certainties)) {
        judged.push({ song, certainty: j.certainty, confidence: calibratedFollowerConfidence(table, j.certainty), hit: j.hit });
      }
    }
  }
  out(`${set} stage takes (${songs.join(', ')}): ${judged.length} model fires in auto in departments that run on the follower alone${otherFires > 0 ? ` (${otherFires} more where the network votes, not binned)` : ''}`);
  out('');
  out('By the follower\'s certainty at the fire (rehearsal: the fires the calibration was made from, pooled over the songs):');
  out('| certainty | rehearsal fires | stage fires | stage hit rate | calibrated confidence (mean) |');
  out('|---|---|---|---|---|');
  let lo = 0;
  const stageFires: number[] = [];
  const stageHits: number[] = [];
  CERTAINTY_EDGES.forEach((edge, i) => {
    const inBin = judged.filter((j) => j.certainty >= lo && j.certainty < edge);
    stageFires.push(inBin.length);
    stageHits.push(inBin.filter((j) => j.hit).length);
    out(`| ${lo.toFixed(1)}–${Math.min(1, edge).toFixed(1)} | ${rehearsalFires[i]} | ${inBin.length} | ${inBin.length > 0 ? pct(stageHits[i]! / inBin.length) : '—'} | ${inBin.length > 0 ? pct(inBin.reduce((a, j) => a + j.confidence, 0) / inBin.length) : '—'} |`);
    lo = edge;
  });
  out('');
  out('By the calibrated confidence (a calibrated "90%" is right about 90% of the time):');
  out('| confidence | fires | mean confidence | hit rate |');
  out('|---|---|---|---|');
  lo = 0;
  let gap = 0;
  for (const edge of CONFIDENCE_EDGES) {
    const inBin = judged.filter((j) => j.confidence >= lo && j.confidence < edge);
    const mean = inBin.reduce((a, j) => a + j.confidence, 0) / inBin.length;
    const rate = inBin.filter((j) => j.hit).length / inBin.length;
    if (inBin.length > 0) gap += (inBin.length / judged.length) * Math.abs(mean - rate);
    out(`| ${lo.toFixed(2)}–${Math.min(1, edge).toFixed(2)} | ${inBin.length} | ${pct(mean)} | ${pct(rate)} |`);
    lo = edge;
  }
  out(`expected calibration error (fire-weighted |confidence − hit rate|): ${(gap * 100).toFixed(1)} points`);
  out('');
  out(`The model's fires with its calibration in force (every department in auto, ${gated.length} takes, ${(gated.reduce((a, g) => a + g.durationS, 0) / 60).toFixed(1)} min):`);
  out('| gate | F1 ±100 ms | median error (ms) | false fires/h | fired / expected |');
  out('|---|---|---|---|---|');
  for (const [label, pick] of [[`eval's (the policy's fireThreshold)`, 'evalGate'], [`a show's default (${DEFAULT_DEPT_THRESHOLD})`, 'showGate']] as const) {
    const m = poolTakes(gated.map((g) => ({ fired: g[pick], expected: g.expected, durationS: g.durationS })), depts).overall;
    out(`| ${label} | ${m.f1.toFixed(3)} | ${m.medianAbsErrorMs.toFixed(0)} | ${m.falseFiresPerHour.toFixed(1)} | ${m.fired} / ${m.expected} |`);
  }
  if (dev) {
    // The prior: each bin's hit rate, (hits + 1) / (fires + 2), made non-decreasing weighted by fires.
    const prior = nonDecreasing(stageFires.map((n, i) => (stageHits[i]! + 1) / (n + 2)), stageFires.map((n) => n + 2));
    out(`prior for FOLLOWER_HIT_PRIOR (dev stage hit rate per certainty bin, monotone): [${prior.map((p) => p.toFixed(3)).join(', ')}]`);
  }
}

/** The confidence threshold a show file's department has unless it sets one. */
const DEFAULT_DEPT_THRESHOLD = showFileSchema.parse({ version: SHOW_VERSION, name: 'defaults', departments: [{ id: 'LX', cues: [{ number: '1' }] }] }).departments[0]!.confidenceThreshold;

/** `show` with every department at the show file's default confidence threshold. */
function atShowDefaultThreshold(show: ShowFile): ShowFile {
  return { ...show, departments: show.departments.map((d) => ({ ...d, confidenceThreshold: DEFAULT_DEPT_THRESHOLD })) };
}

/** The calibration training would store, made from the song's held-out rehearsal take. */
async function tableFromRehearsal(model: Awaited<ReturnType<typeof loadModelFolder>>, dir: string, cache: string): Promise<ConfidenceTable | undefined> {
  const take = await readTake(dir);
  const [listened] = await replayAllCached([{ audioPath: take.audioPath, settings: modelListening(model.meta) }], cache);
  return calibrateConfidence(model, [{ ...listened!, name: take.name, cueFile: join(dir, 'cues.jsonl'), cues: take.cues }], `held-out rehearsal ${take.name}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
