/**
 * Replays several takes at once on worker threads (the listening pipeline is CPU-bound and
 * single-threaded), falling back to the calling thread when workers cannot start.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import { ShowFileError } from '../../core/errors.js';
import type { ListeningSettings } from '../../core/audio/types.js';
import type { PerformerEvent } from '../../core/model/types.js';
import { writeFileAtomic } from '../files/atomicWrite.js';
import { spawnModuleWorker } from '../workers.js';
import { replayAudio, type Replay } from './replay.js';

/** One take to replay. */
export interface ReplayJob {
  readonly audioPath: string;
  readonly performer?: readonly PerformerEvent[];
  /** Listening settings other than the defaults (a model's analysis and tempo range). */
  readonly settings?: Partial<ListeningSettings>;
}

/** Replays every job, `threads` at a time (default: the machine's cores); results in job order. */
export async function replayAll(jobs: readonly ReplayJob[], options: { threads?: number; onDone?: (index: number, replay: Replay) => void } = {}): Promise<Replay[]> {
  const threads = Math.max(1, Math.min(options.threads ?? availableParallelism(), jobs.length));
  const results: Replay[] = new Array<Replay>(jobs.length);
  if (threads === 1) {
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i]!;
      const replay = await replayAudio(job.audioPath, job.performer ?? [], job.settings ?? {});
      results[i] = replay;
      options.onDone?.(i, replay);
    }
    return results;
  }
  let next = 0;
  const runWorker = async (): Promise<void> => {
    const worker = spawnModuleWorker(import.meta.url, './replayWorker');
    try {
      while (next < jobs.length) {
        const id = next++;
        const job = jobs[id]!;
        const answer = await new Promise<{ replay?: Replay; error?: string }>((resolve, reject) => {
          const onMessage = (m: { id: number; replay?: Replay; error?: string }): void => {
            if (m.id !== id) return;
            worker.off('message', onMessage);
            worker.off('error', reject);
            resolve(m);
          };
          worker.on('message', onMessage);
          worker.once('error', reject);
          worker.postMessage({ id, audioPath: job.audioPath, performer: job.performer ?? [], settings: job.settings ?? {} });
        });
        if (answer.replay === undefined) {
          throw new ShowFileError([{ file: job.audioPath, path: '', message: answer.error ?? 'replay failed', expected: 'a readable WAV file' }]);
        }
        results[id] = answer.replay;
        options.onDone?.(id, answer.replay);
      }
    } finally {
      await worker.terminate();
    }
  };
  await Promise.all(Array.from({ length: threads }, runWorker));
  return results;
}

/**
 * A fingerprint of the code that makes a replay: the listening stage (engine/core/audio) and the
 * predictor's event builder (core/model/events.ts) and the replay itself (replay.ts). A cached replay
 * made by other code is stale and must not be read back.
 */
async function replayCodeHash(): Promise<string> {
  const hash = createHash('sha1');
  const coreDir = fileURLToPath(new URL('../../core/', import.meta.url));
  const audioDir = join(coreDir, 'audio');
  // The sources from source, the compiled modules when built.
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  const files = [
    ...(await readdir(audioDir)).filter((n) => n.endsWith(`.${ext}`)).sort().map((n) => join(audioDir, n)),
    join(coreDir, 'model', `events.${ext}`),
    fileURLToPath(new URL(`./replay.${ext}`, import.meta.url)),
  ];
  for (const f of files) {
    try {
      hash.update(await readFile(f));
    } catch {
      hash.update(`missing:${f}`);
    }
  }
  return hash.digest('hex');
}

/**
 * `replayAll` with a disk cache: a take whose audio (path, size, modification time) was replayed
 * before by the same listening code is read back instead of listened to again. The cache is a plain
 * folder of v8-serialised replays; delete it to start over.
 */
export async function replayAllCached(jobs: readonly ReplayJob[], cacheDir: string | undefined, options: { threads?: number; onDone?: (index: number, replay: Replay) => void } = {}): Promise<Replay[]> {
  if (cacheDir === undefined) return replayAll(jobs, options);
  await mkdir(cacheDir, { recursive: true });
  const code = await replayCodeHash();
  const keys = await Promise.all(
    jobs.map(async (j) => {
      const st = await stat(j.audioPath);
      const perf = JSON.stringify(j.performer ?? []);
      const settings = j.settings === undefined || Object.keys(j.settings).length === 0 ? '' : `|${JSON.stringify(Object.entries(j.settings).sort(([a], [b]) => a.localeCompare(b)))}`;
      return createHash('sha1').update(`${resolve(j.audioPath)}|${st.size}|${st.mtimeMs}|${perf}|${code}${settings}`).digest('hex');
    }),
  );
  const results: (Replay | undefined)[] = await Promise.all(
    keys.map(async (k) => {
      try {
        return deserialize(await readFile(join(cacheDir, `${k}.bin`))) as Replay;
      } catch {
        return undefined;
      }
    }),
  );
  const missing = jobs.map((_, i) => i).filter((i) => results[i] === undefined);
  results.forEach((r, i) => r !== undefined && options.onDone?.(i, r));
  const writes: Promise<void>[] = [];
  await replayAll(
    missing.map((i) => jobs[i]!),
    {
      ...options,
      onDone: (i, replay) => {
        const index = missing[i]!;
        results[index] = replay;
        // Each take is cached as soon as it is done, so an interrupted run keeps its work.
        writes.push(writeFileAtomic(join(cacheDir, `${keys[index]!}.bin`), serialize(replay), { backup: false }));
        options.onDone?.(index, replay);
      },
    },
  );
  await Promise.all(writes);
  return results as Replay[];
}
