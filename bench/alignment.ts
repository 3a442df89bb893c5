/**
 * The online-alignment baseline on its own: how well does a classical score follower carry the
 * rehearsal's cues onto the held-out POP909 show takes (tempo change, a repeated and a skipped section,
 * another soundfont, noise)? Runs exactly what `precue eval` runs for its `onlineAlignment` baseline
 * (nearest song among all rehearsals, its first rehearsal followed online), and beside it:
 *   - `plain OLTW`: the same follower without jumps (a monotone online DTW, Dixon-style);
 *   - `offline DTW`: full DTW of the whole show take against the rehearsal with backtracking (same
 *     features and steps; not causal, no jumps), the ceiling of a monotone alignment.
 * Prints per take and pooled (per department and overall) F1 at ±100 ms, F1 at ±50/±250 ms, median
 * absolute error, and the follower's time per hop.
 *
 * Run: `npx tsx bench/alignment.ts [--songs 10] [--no-offline]` (needs `.tmp/dataset`, see
 * `bench/dataset/generate.ts`; listening results come from `.tmp/replay-cache`).
 */
import { openingLevelDb } from '../engine/core/model/opening.js';
import { join, resolve } from 'node:path';
import { ALIGN_DIMS } from '../engine/core/model/alignment.js';
import { alignmentFromEvents, nearestRehearsal, onlineAlignment, refTimesOf, rehearsalVectors } from '../engine/core/model/evaluate.js';
import { poolTakes, type Metrics, type TimedCue } from '../engine/core/model/metrics.js';
import type { RehearsalSummary } from '../engine/core/model/types.js';
import { replayAllCached } from '../engine/io/model/replayPool.js';
import { readTake } from '../engine/io/takes/take.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const out = (s: string): boolean => process.stdout.write(`${s}\n`);
const songs = Array.from({ length: Number(opt('songs') ?? 10) }, (_, i) => String(i + 1).padStart(3, '0'));
const root = resolve('.tmp/dataset/takes');
const DEPTS = ['LX', 'VID', 'CAM'];

/** Offline DTW (same local steps as the follower: hold, advance one, advance two), cues at the interpolated crossing. */
function offlineDtw(ref: Float32Array, refTimes: Float32Array, live: { times: Float32Array; vectors: Float32Array }, cues: readonly TimedCue[]): TimedCue[] {
  const n = refTimes.length;
  const m = live.times.length;
  const back = new Uint8Array(n * m);
  let prev = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  let cur = new Float64Array(n);
  for (let j = 0; j < m; j++) {
    for (let i = 0; i < n; i++) {
      let d = 0;
      for (let k = 0; k < ALIGN_DIMS; k++) {
        const x = live.vectors[j * ALIGN_DIMS + k]! - ref[i * ALIGN_DIMS + k]!;
        d += x * x;
      }
      d = Math.sqrt(d);
      if (j === 0) {
        cur[i] = i === 0 ? d : Number.POSITIVE_INFINITY;
        continue;
      }
      let best = prev[i]! + 0.1;
      let step = 0;
      if (i > 0 && prev[i - 1]! < best) {
        best = prev[i - 1]!;
        step = 1;
      }
      if (i > 1 && prev[i - 2]! + 0.1 < best) {
        best = prev[i - 2]! + 0.1;
        step = 2;
      }
      cur[i] = best + d;
      back[j * n + i] = step;
    }
    [prev, cur] = [cur, prev];
  }
  // The path ends near the end of the rehearsal (the last 10 s), at its cheapest cell.
  let i = n - 1;
  for (let q = Math.max(0, n - Math.round(10 / 0.0464)); q < n; q++) if (prev[q]! < prev[i]!) i = q;
  const path = new Int32Array(m);
  for (let j = m - 1; j >= 0; j--) {
    path[j] = i;
    i = Math.max(0, i - back[j * n + i]!);
  }
  const fired: TimedCue[] = [];
  let j = 0;
  for (const c of [...cues].sort((a, b) => a.t - b.t)) {
    while (j < m && refTimes[path[j]!]! < c.t) j++;
    if (j >= m) break;
    const r0 = j > 0 ? refTimes[path[j - 1]!]! : refTimes[path[j]!]!;
    const r1 = refTimes[path[j]!]!;
    const t0 = j > 0 ? live.times[j - 1]! : live.times[j]!;
    const frac = r1 > r0 ? (c.t - r0) / (r1 - r0) : 1;
    fired.push({ t: t0 + frac * (live.times[j]! - t0), dept: c.dept, cue: c.cue });
  }
  return fired;
}

const f3 = (x: number): string => x.toFixed(3);
const line = (name: string, m: Metrics): string => `${name.padEnd(14)} F1 ${f3(m.f1)}  F1@50 ${f3(m.f1At50)}  F1@250 ${f3(m.f1At250)}  median ${m.medianAbsErrorMs.toFixed(0).padStart(3)} ms  p90 ${m.p90AbsErrorMs.toFixed(0).padStart(3)} ms  fired ${m.fired}/${m.expected}`;

async function main(): Promise<void> {
  const names = songs.flatMap((s) => [`${s}-rehearsal-1`, `${s}-rehearsal-2`, `${s}-show`]);
  const takes = await Promise.all(names.map((n) => readTake(join(root, n))));
  const replays = await replayAllCached(
    takes.map((t) => ({ audioPath: t.audioPath, performer: t.performer })),
    '.tmp/replay-cache',
  );
  // The rehearsals' stored features, as `precue train` writes them.
  const rehearsals: RehearsalSummary[] = [];
  const chunks: Float32Array[] = [];
  let offset = 0;
  takes.forEach((t, i) => {
    if (!t.name.includes('rehearsal')) return;
    const { times, vectors } = alignmentFromEvents(replays[i]!.events);
    const frames = times.length;
    rehearsals.push({ name: t.name, durationS: replays[i]!.durationS, cues: t.cues.map((c) => ({ t: c.t, dept: c.dept, cue: c.cue })), alignment: { offset, frames, hopS: (times[frames - 1]! - times[0]!) / (frames - 1), firstT: times[0]! }, openingLevelDb: openingLevelDb(replays[i]!.events, Math.min(...t.cues.map((c) => c.t))) });
    chunks.push(vectors);
    offset += frames;
  });
  const alignment = new Float32Array(offset * ALIGN_DIMS);
  chunks.reduce((o, c) => (alignment.set(c, o), o + c.length), 0);

  const variants = { follower: [], 'plain OLTW': [], 'offline DTW': [] } as Record<string, { fired: TimedCue[]; expected: TimedCue[]; durationS: number }[]>;
  let hops = 0;
  let ms = 0;
  takes.forEach((t, i) => {
    if (!t.name.endsWith('-show')) return;
    const live = alignmentFromEvents(replays[i]!.events);
    const ref = nearestRehearsal(rehearsals, alignment, live);
    if (ref === undefined) return;
    const started = performance.now();
    const fired = onlineAlignment(ref, alignment, refTimesOf(ref), live);
    ms += performance.now() - started;
    hops += live.times.length;
    const durationS = replays[i]!.durationS;
    const expected = t.cues.map((c) => ({ t: c.t, dept: c.dept, cue: c.cue }));
    variants.follower!.push({ fired, expected, durationS });
    variants['plain OLTW']!.push({ fired: onlineAlignment(ref, alignment, refTimesOf(ref), live, { jumpCost: Number.POSITIVE_INFINITY }), expected, durationS });
    if (!args.includes('--no-offline')) variants['offline DTW']!.push({ fired: offlineDtw(rehearsalVectors(ref, alignment), refTimesOf(ref), live, ref.cues), expected, durationS });
    const per = Object.entries(variants)
      .filter(([, v]) => v.length > 0)
      .map(([name, v]) => `${name} ${f3(poolTakes([v[v.length - 1]!], DEPTS).overall.f1)}`)
      .join('  ');
    out(`${t.name} (following ${ref.name}): F1 ${per}`);
  });
  for (const [name, v] of Object.entries(variants)) {
    if (v.length === 0) continue;
    const r = poolTakes(v, DEPTS);
    out(`\n${name}, ${v.length} show takes pooled`);
    out(`  ${line('overall', r.overall)}`);
    for (const d of DEPTS) out(`  ${line(d, r.depts[d]!)}`);
  }
  out(`\nfollower: ${((ms * 1000) / Math.max(1, hops)).toFixed(0)} µs per 46 ms hop (whole rehearsal per hop)`);
}

await main();
