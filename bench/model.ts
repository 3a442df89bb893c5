/**
 * The learning bench: regenerates the POP909 data set (10 songs: 2 rehearsals + 1 held-out show
 * take each) and, per song — each song is a show with its own model, as a production learns its own
 * rehearsals — learns the tempo range and trains on the song's two rehearsals (one trains, one
 * validates), then evaluates the model and both baselines on the song's show take through the live
 * pipeline. Prints the pooled table per department, the per-song figures, per-hop inference time and
 * training time per minute of takes.
 *
 * Run: `npx tsx bench/model.ts [--songs 10] [--skip 0] [--epochs 40] [--augment 16] [--out .tmp/bench-models] [--skip-train] [--json]`
 * (listening results are cached in .tmp/replay-cache; delete it to re-listen).
 */
import { resolve, join } from 'node:path';
import { generateDataset } from './dataset/generate.js';
import { fireAll, formatTable, report, type TakeFires } from '../engine/cli/commands/eval.js';
import { CuePredictor } from '../engine/core/model/predictor.js';
import { StreamingNet } from '../engine/core/model/streamingNet.js';
import { TRAINING_DEFAULTS, trainModel } from '../engine/core/model/train.js';
import { modelListening } from '../engine/core/model/types.js';
import { scoreReport } from '../engine/core/model/metrics.js';
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

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

async function main(): Promise<void> {
  const modelsDir = resolve(opt('out') ?? '.tmp/bench-models');
  const cache = resolve('.tmp/replay-cache');
  const skip = Number(opt('skip') ?? 0);
  const ds = await generateDataset({ out: resolve(skip > 0 ? `.tmp/dataset-skip${skip}` : '.tmp/dataset'), count: Number(opt('songs') ?? 10), skip });
  out(`data set: ${ds.rehearsals.length} rehearsal takes, ${ds.shows.length} show takes (${(ds.takes.reduce((s, t) => s + t.durationS, 0) / 60).toFixed(1)} min)`);
  const songs = [...new Set(ds.takes.map((t) => t.song))].sort();
  const { tf, backend } = await loadTf();
  let trainS = 0;
  let listenS = 0;
  let trainMinutes = 0;
  const fires: TakeFires[] = [];
  const models: ModelFolder[] = [];
  const depts = new Set<string>();
  let pipelineS = 0;
  let showMinutes = 0;
  out(`\nper song (overall F1 ±100 ms: model / followerOnly / networkOnly / rehearsal timing / online alignment (classical online DTW) / for reference the jump-capable follower firing by itself; then each department's vote):`);
  for (const song of songs) {
    const dir = join(modelsDir, song);
    const rehearsals = ds.rehearsals.filter((d) => d.includes(`${song}-rehearsal`));
    const showDir = ds.shows.find((d) => d.includes(`${song}-show`));
    if (showDir === undefined) continue;
    let tempoNote = '';
    if (!args.includes('--skip-train')) {
      const takes = await Promise.all(rehearsals.map((d) => readTake(d)));
      const t0 = performance.now();
      const listened = await listenTakes(takes, { cache });
      listenS += (performance.now() - t0) / 1000;
      const t1 = performance.now();
      const trained = await trainModel(tf, listened.training, {
        epochs: Number(opt('epochs') ?? TRAINING_DEFAULTS.epochs),
        augment: Number(opt('augment') ?? TRAINING_DEFAULTS.augment),
        ...(listened.tempo !== undefined ? { tempo: listened.tempo } : {}),
        clock: () => (performance.now() - t1) / 1000,
      });
      trainS += (performance.now() - t1) / 1000;
      trainMinutes += trained.meta.training.audioMinutes;
      await saveModelFolder(dir, trained.model, trained.meta, trained.alignment);
      tempoNote = listened.tempo !== undefined ? `tempo ${listened.tempo.priorBpm.toFixed(0)} BPM learned` : 'tracker defaults';
    }
    const model = await loadModelFolder(dir);
    models.push(model);
    for (const d of model.meta.depts) depts.add(d);
    const show = await readTake(showDir);
    const [replay] = await replayAllCached([{ audioPath: show.audioPath, settings: modelListening(model.meta) }], cache);
    const t2 = performance.now();
    const f = fireAll(model, show, replay!);
    pipelineS += (performance.now() - t2) / 1000;
    showMinutes += replay!.durationS / 60;
    fires.push(f);
    const one = (c: TakeFires['model']): string => scoreReport(c, f.expected, model.meta.depts, f.durationS).overall.f1.toFixed(3);
    const votes = Object.entries(model.meta.policy.depts).map(([d, p]) => `${d} ${p.useNetwork ? `net@${p.firePoint}` : 'follower'}`).join(' ');
    out(`  ${song}: ${one(f.model)} / ${one(f.followerOnly)} / ${one(f.networkOnly)} / ${one(f.rehearsalTiming)} / ${one(f.onlineAlignment)} / ${one(f.followerWithJumps)}  (${tempoNote || 'trained before'}; ${votes})`);
  }
  if (!args.includes('--skip-train')) {
    out(`\ntraining (tfjs ${backend}): ${trainS.toFixed(0)} s for ${trainMinutes.toFixed(1)} min of takes = ${(trainS / trainMinutes).toFixed(1)} s per minute of takes; tempo search and listening ${listenS.toFixed(0)} s`);
  }
  out(`eval through the live pipeline (offline clock): ${pipelineS.toFixed(0)} s for ${showMinutes.toFixed(1)} min of show takes (${((showMinutes * 60) / pipelineS).toFixed(0)}× real time)`);
  const result = report(fires, [...depts]);
  out(`\nheld-out show takes (${fires.length}), pooled, every department in auto:`);
  out(formatTable(result, [...depts]));
  if (args.includes('--json')) out(JSON.stringify(result));
  const model = models[0]!;
  const replays = await replayAllCached([{ audioPath: (await readTake(ds.shows[0]!)).audioPath }], cache);

  // Per-hop inference time: every event of a show take through the predictor, timed per feature hop.
  const events = replays[0]!.events;
  const predictor = new CuePredictor(model);
  const hops: number[] = [];
  let pending = 0;
  for (let rep = 0; rep < 3; rep++) {
    predictor.reset();
    for (const e of events) {
      const s = performance.now();
      predictor.push(e);
      if (e.kind === 'frame') {
        predictor.predictions();
        hops.push(performance.now() - s + pending);
        pending = 0;
      } else pending += performance.now() - s;
    }
  }
  hops.sort((a, b) => a - b);
  const net = new StreamingNet(model.weights);
  const x = new Float32Array(model.meta.inputSize).map((_, i) => Math.sin(i));
  const steps: number[] = [];
  for (let i = 0; i < 5000; i++) {
    const s = performance.now();
    net.step(x);
    steps.push(performance.now() - s);
  }
  steps.sort((a, b) => a - b);
  out(`per-hop inference (one core, ${hops.length} hops incl. beat steps): p50 ${(quantile(hops, 0.5) * 1000).toFixed(1)} µs, p99 ${(quantile(hops, 0.99) * 1000).toFixed(1)} µs, max ${(hops[hops.length - 1]! * 1000).toFixed(0)} µs`);
  out(`GRU beat step alone: p50 ${(quantile(steps, 0.5) * 1000).toFixed(1)} µs, p99 ${(quantile(steps, 0.99) * 1000).toFixed(1)} µs`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
