/**
 * The learning bench: regenerates the POP909 data set (10 songs: 2 rehearsals + 1 held-out show
 * take each), trains on the rehearsals, evaluates the model and both baselines on the show takes
 * (table per department), and measures per-hop inference time and training time per minute of takes.
 *
 * Run: `npx tsx bench/model.ts [--songs 10] [--epochs 18] [--model .tmp/model] [--skip-train] [--json]`
 * (listening results are cached in .tmp/replay-cache; delete it to re-listen).
 */
import { resolve } from 'node:path';
import { generateDataset } from './dataset/generate.js';
import { fireAll, formatTable, report } from '../engine/cli/commands/eval.js';
import { CuePredictor } from '../engine/core/model/predictor.js';
import { StreamingNet } from '../engine/core/model/streamingNet.js';
import { trainModel } from '../engine/core/model/train.js';
import { loadTf } from '../engine/io/model/backend.js';
import { loadModelFolder, saveModelFolder } from '../engine/io/model/modelFolder.js';
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
  const modelDir = resolve(opt('model') ?? '.tmp/model');
  const cache = resolve('.tmp/replay-cache');
  const ds = await generateDataset({ out: resolve('.tmp/dataset'), count: Number(opt('songs') ?? 10) });
  out(`data set: ${ds.rehearsals.length} rehearsal takes, ${ds.shows.length} show takes (${(ds.takes.reduce((s, t) => s + t.durationS, 0) / 60).toFixed(1)} min)`);
  if (!args.includes('--skip-train')) {
    const takes = await Promise.all(ds.rehearsals.map((d) => readTake(d)));
    const t0 = performance.now();
    const replays = await replayAllCached(takes.map((t) => ({ audioPath: t.audioPath })), cache);
    const listenS = (performance.now() - t0) / 1000;
    const { tf, backend } = await loadTf();
    const t1 = performance.now();
    const trained = await trainModel(
      tf,
      takes.map((t, i) => ({ name: t.name, cueFile: `${t.dir}/cues.jsonl`, durationS: replays[i]!.durationS, cues: t.cues, events: replays[i]!.events })),
      {
        epochs: Number(opt('epochs') ?? 18),
        clock: () => (performance.now() - t1) / 1000,
        progress: (p) => process.stderr.write(`  epoch ${p.epoch}/${p.epochs} loss ${p.loss.toFixed(4)} val ${p.validationLoss.toFixed(4)}${p.best ? ' *' : ''}\n`),
      },
    );
    const trainS = (performance.now() - t1) / 1000;
    await saveModelFolder(modelDir, trained.model, trained.meta, trained.alignment);
    const minutes = trained.meta.training.audioMinutes;
    out(`training (tfjs ${backend}): ${trained.meta.training.epochs} epochs in ${trainS.toFixed(0)} s = ${(trainS / minutes).toFixed(1)} s per minute of takes (${minutes.toFixed(1)} min); listening ${listenS.toFixed(0)} s (cached: ${listenS < 5 ? 'yes' : 'no'})`);
  }
  const model = await loadModelFolder(modelDir);
  const shows = await Promise.all(ds.shows.map((d) => readTake(d)));
  const replays = await replayAllCached(shows.map((t) => ({ audioPath: t.audioPath })), cache);
  const t2 = performance.now();
  const fires = [];
  for (const [i, t] of shows.entries()) fires.push(await fireAll(model, t, replays[i]!));
  const pipelineS = (performance.now() - t2) / 1000;
  const showMinutes = shows.reduce((s, _, i) => s + replays[i]!.durationS, 0) / 60;
  out(`eval through the live pipeline (offline clock): ${pipelineS.toFixed(0)} s for ${showMinutes.toFixed(1)} min of show takes (${((showMinutes * 60) / pipelineS).toFixed(0)}× real time)`);
  const result = report(fires, model.meta.depts);
  out(`\nheld-out show takes (${shows.length}), every department in auto, fire threshold ${model.meta.inference.fireThreshold}:`);
  out(formatTable(result, model.meta.depts));
  if (args.includes('--json')) out(JSON.stringify(result));

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
