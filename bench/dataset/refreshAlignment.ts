/**
 * Rewrites a model folder's `alignment.bin` (the rehearsals' alignment features, used only by the
 * online-alignment baseline of `precue eval`) with this build's features, without retraining: each
 * rehearsal named in `precue-model.json` is replayed (or read from the replay cache) from the take
 * folder of the same name, and its hop count must match the stored one.
 *
 * Run: `npx tsx bench/dataset/refreshAlignment.ts --model <modelDir> --takes <dir with the take folders> [--cache .tmp/replay-cache]`
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ALIGN_DIMS } from '../../engine/core/model/alignment.js';
import { alignmentFromEvents } from '../../engine/core/model/evaluate.js';
import { modelMetaSchema } from '../../engine/core/model/types.js';
import { writeFileAtomic } from '../../engine/io/files/atomicWrite.js';
import { replayAllCached } from '../../engine/io/model/replayPool.js';
import { readTake } from '../../engine/io/takes/take.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { model: { type: 'string' }, takes: { type: 'string' }, cache: { type: 'string', default: '.tmp/replay-cache' } } });
  if (values.model === undefined || values.takes === undefined) throw new Error('give --model <dir> and --takes <dir>');
  const meta = modelMetaSchema.parse(JSON.parse(await readFile(join(values.model, 'precue-model.json'), 'utf8')));
  const takes = await Promise.all(meta.rehearsals.map((r) => readTake(join(values.takes!, r.name))));
  const replays = await replayAllCached(
    takes.map((t) => ({ audioPath: t.audioPath, performer: t.performer })),
    values.cache,
  );
  const total = meta.rehearsals.reduce((m, r) => Math.max(m, r.alignment.offset + r.alignment.frames), 0);
  const out = new Float32Array(total * ALIGN_DIMS);
  for (const [i, r] of meta.rehearsals.entries()) {
    const { vectors, times } = alignmentFromEvents(replays[i]!.events);
    if (times.length !== r.alignment.frames) throw new Error(`${r.name}: ${times.length} hops, the model stored ${r.alignment.frames}`);
    out.set(vectors, r.alignment.offset * ALIGN_DIMS);
  }
  await writeFileAtomic(join(values.model, meta.files.alignment), new Uint8Array(out.buffer), { backup: false });
  process.stdout.write(`${values.model}: ${meta.rehearsals.length} rehearsals, ${total} hops × ${ALIGN_DIMS} written\n`);
}

await main();
