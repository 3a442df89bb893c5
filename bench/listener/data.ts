/**
 * The listener's training material: renders (see render.ts) turned into the tracker's filterbank
 * frames with the engine's own frontend, cached on disk (`.tmp/listener/features/`), plus the
 * per-frame targets. Training renders are deleted once their frames are cached (a few GB otherwise).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BEAT_FPS, beatBandCount, beatFramesOf } from '../../engine/core/audio/beatFrames.js';
import { decodeWav } from '../../engine/core/audio/wav.js';
import { renderVersion } from './recipe.js';
import { renderTake, type RenderRequest } from './render.js';

/** Frames and truth of one rendered take. */
export interface TakeFrames {
  readonly key: string;
  readonly bands: Float32Array;
  readonly count: number;
  readonly beats: number[];
  readonly beatInBar: number[];
  readonly summary: string;
}

/** Where cached frames live. */
export const FEATURE_DIR = join(process.cwd(), '.tmp', 'listener', 'features');

/** Frames of one take, rendering it first if need be. `keepWav` keeps the render (held-out sets). */
export async function takeFrames(req: RenderRequest, keepWav = false): Promise<TakeFrames> {
  mkdirSync(FEATURE_DIR, { recursive: true });
  const key = `${req.id}-${req.kind}-${req.take}${req.unseen === true ? '-unseen' : ''}-${renderVersion(req.kind)}-b${beatBandCount()}`;
  const bin = join(FEATURE_DIR, `${key}.f32`);
  const meta = join(FEATURE_DIR, `${key}.json`);
  if (existsSync(bin) && existsSync(meta)) {
    const m = JSON.parse(readFileSync(meta, 'utf8')) as Omit<TakeFrames, 'bands' | 'key'>;
    const buf = readFileSync(bin);
    return { key, ...m, bands: new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4) };
  }
  const r = await renderTake(req);
  const wav = decodeWav(readFileSync(r.wav), r.wav);
  const { bands, count } = beatFramesOf(wav.samples, wav.sampleRate);
  writeFileSync(`${bin}.part`, new Uint8Array(bands.buffer, bands.byteOffset, bands.byteLength));
  renameSync(`${bin}.part`, bin);
  const m = { count, beats: r.beats, beatInBar: r.beatInBar, summary: r.summary };
  writeFileSync(meta, JSON.stringify(m));
  if (!keepWav) {
    rmSync(r.wav, { force: true });
  }
  return { key, ...m, bands };
}

/**
 * Per-frame targets over (no beat, beat, downbeat): the frame nearest each beat is the beat's class,
 * its two neighbours half that class and half "no beat" (a beat's exact frame is uncertain by a
 * frame).
 */
export function frameTargets(take: Pick<TakeFrames, 'count' | 'beats' | 'beatInBar'>): Float32Array {
  const y = new Float32Array(take.count * 3);
  for (let n = 0; n < take.count; n++) y[3 * n] = 1;
  take.beats.forEach((t, i) => {
    const c = (take.beatInBar[i] ?? 1) === 0 ? 2 : 1;
    const n = Math.round(t * BEAT_FPS);
    const put = (k: number, w: number): void => {
      if (k < 0 || k >= take.count) return;
      const cur = 1 - y[3 * k]!;
      if (cur >= w) return;
      y[3 * k] = 1 - w;
      y[3 * k + 1] = c === 1 ? w : 0;
      y[3 * k + 2] = c === 2 ? w : 0;
    };
    put(n, 1);
    put(n - 1, 0.5);
    put(n + 1, 0.5);
  });
  return y;
}

/** Runs `jobs` with at most `width` at a time, in order of start. */
export async function pool<T>(jobs: readonly (() => Promise<T>)[], width: number): Promise<T[]> {
  const out: T[] = new Array<T>(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, width) }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await jobs[i]!();
      }
    }),
  );
  return out;
}
