/**
 * Is the follower's own certainty worth a confidence? For every cue the model fires on the stage takes
 * (every department in auto, the very pipeline `bench/stage.ts` scores), the follower's match at that
 * moment (`FollowTrack.placement`: 0 the live sounds just like the rehearsal where it is, about 1 no
 * more like it than like anywhere) is turned into a raw certainty `1 − match`, binned, and set beside
 * how often such fires were right (a cue of the same department within ±100 ms). A confidence that
 * means something rises with the hit rate; this prints the table that calibration would start from.
 *
 * Uses the models and takes `bench/stage.ts` left (run it first, same set): .tmp/stage-models/<set>/<song>.
 *
 * Run: `nice -n 10 npx tsx bench/stageReliability.ts [--dev] [--songs 021,rec-machine_wars]`
 */
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AlignmentFeatures } from '../engine/core/model/alignment.js';
import { replayModel } from '../engine/core/model/evaluate.js';
import { FollowTrack, followReference } from '../engine/core/model/followInput.js';
import { modelListening } from '../engine/core/model/types.js';
import { loadModelFolder } from '../engine/io/model/modelFolder.js';
import { replayAllCached } from '../engine/io/model/replayPool.js';
import { readTake } from '../engine/io/takes/take.js';
import { DEFAULT_POLICY_NUMBERS } from '../engine/core/policy/numbers.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const out = (s: string): boolean => process.stdout.write(`${s}\n`);

/** Upper edges of the certainty bins. */
const BINS = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0001];
/** A fire is right when a cue of its department was due within this many seconds. */
const HIT_S = 0.1;

async function main(): Promise<void> {
  const dev = args.includes('--dev');
  const set = dev ? 'dev' : 'held-out';
  const dataDir = resolve(dev ? '.tmp/stage-dev' : '.tmp/stage');
  const modelsDir = resolve(`.tmp/stage-models/${set}`);
  // Every song the bench trained (not the previous models it kept as <song>.bak).
  const songs = opt('songs')?.split(',') ?? (await readdir(modelsDir, { withFileTypes: true })).filter((d) => d.isDirectory() && !d.name.endsWith('.bak')).map((d) => d.name);
  const takeNames = await readdir(join(dataDir, 'takes'));
  const counts = BINS.map(() => ({ fires: 0, hits: 0, sum: 0 }));
  for (const song of songs) {
    const model = await loadModelFolder(join(modelsDir, song));
    const follow = model.meta.features.follow;
    if (follow === undefined || model.alignment === undefined) throw new Error(`${song}: the model has no follower`);
    const summary = model.meta.rehearsals.find((r) => r.name === follow.reference)!;
    for (const name of takeNames.filter((n) => n.startsWith(`${song}-stage-`))) {
      const take = await readTake(join(dataDir, 'takes', name));
      const [replay] = await replayAllCached([{ audioPath: take.audioPath, settings: modelListening(model.meta) }], resolve('.tmp/replay-cache'));
      const fired = replayModel(model, { listened: replay! }).fired;
      // The follower the predictor runs, over the same frames: its match at every hop.
      const track = new FollowTrack(followReference(summary, model.alignment), model.meta.depts, model.meta.vocab);
      const af = new AlignmentFeatures();
      const hops: { t: number; match: number }[] = [];
      for (const e of replay!.events) {
        if (e.kind !== 'frame') continue;
        const a = af.push(e.v);
        if (a === undefined) continue;
        track.push(a.v, a.t, a.quiet);
        hops.push({ t: a.t, match: track.placement(DEFAULT_POLICY_NUMBERS.stallWindowS)?.match ?? 1 });
      }
      let h = 0;
      for (const f of [...fired].sort((a, b) => a.t - b.t)) {
        while (h + 1 < hops.length && hops[h + 1]!.t <= f.t) h++;
        const certainty = Math.max(0, 1 - (hops[h]?.match ?? 1));
        const bin = BINS.findIndex((edge) => certainty < edge);
        const c = counts[bin]!;
        c.fires++;
        c.sum += certainty;
        if (take.cues.some((e) => e.dept === f.dept && Math.abs(e.t - f.t) <= HIT_S)) c.hits++;
      }
    }
  }
  out(`${set} stage takes (${songs.join(', ')}), every model fire in auto: raw certainty 1 − match at the fire vs how often it was right (a cue of its department within ±${HIT_S * 1000} ms)`);
  out('certainty      fires  mean   hit rate');
  let lo = 0;
  BINS.forEach((edge, i) => {
    const c = counts[i]!;
    out(`${lo.toFixed(1)}–${Math.min(1, edge).toFixed(1)}   ${String(c.fires).padStart(8)}  ${(c.fires > 0 ? c.sum / c.fires : 0).toFixed(2)}   ${c.fires > 0 ? (c.hits / c.fires).toFixed(3) : '—'}`);
    lo = edge;
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
