/**
 * Replaying a take through the live pipeline (listening → model → arbiter → playback) on the offline
 * clock with every department in `auto`, the two baselines, the training-time firing rule, and turning
 * analysed events into training rows. Pure: the caller reads the audio.
 */
import type { VirtualTimeScheduler } from 'rxjs';
import type { AudioBlock } from '../audio/types.js';
import { deptId } from '../ids.js';
import { offlineScheduler, replayTake, type ReplayResult } from '../offline.js';
import { DEFAULT_MIN_GO_INTERVAL_MS, showFileSchema, SHOW_VERSION, type AutomationMode, type ShowFile } from '../show/schema.js';
import { InputError } from '../errors.js';
import { ALIGN_DIMS, AlignmentFeatures, OnlineAligner, type AlignerOptions } from './alignment.js';
import { BeatAccumulator, type BeatRow } from './beatInput.js';
import type { TimedCue } from './metrics.js';
import { modelPredictor, type LoadedModel, type PredictorEvent, type PredictorOptions } from './predictor.js';
import type { ListenedTake } from './events.js';
import { modelListening, type ModelMeta, type RehearsalSummary } from './types.js';
import { sameSong } from './openEntries.js';

/**
 * The show an evaluation runs: one department per model department holding its cue vocabulary (no
 * levels, no fixtures, no outputs), every department in `mode` (default `auto`) with the policy's
 * fire threshold as its confidence threshold and the show file's defaults for everything else.
 */
export function evalShow(meta: Pick<ModelMeta, 'depts' | 'vocab' | 'policy'>, modes: Readonly<Record<string, AutomationMode>> = {}): ShowFile {
  return showFileSchema.parse({
    version: SHOW_VERSION,
    name: 'precue eval',
    departments: meta.depts.map((id) => ({
      id,
      mode: modes[id] ?? 'auto',
      confidenceThreshold: Math.min(1, Math.max(0, meta.policy.numbers.fireThreshold)),
      cues: (meta.vocab[id] ?? []).map((number) => ({ number })),
    })),
  });
}

/** What the model fired in a replay through the live pipeline, and the whole replay. */
export interface ModelReplay {
  /** The cues playback fired on the model's decisions (`t` in audio seconds). */
  readonly fired: TimedCue[];
  readonly replay: ReplayResult;
}

/** A take to replay: its audio blocks, or what listening to it emitted (the replay cache). */
export type TakeSource = { readonly blocks: readonly AudioBlock[] } | { readonly listened: ListenedTake };

/**
 * Replays a take through the real live pipeline on the offline clock: listening with the model's
 * analysis settings (or its recorded listening), the model's predictions (fed back every cue that
 * actually fired), the arbiter with every department in auto (or `show`'s modes), playback and the
 * frame loop. The model's fires are the cues playback fired on the arbiter's model decisions.
 */
export function replayModel(model: LoadedModel, source: TakeSource, options: { show?: ShowFile } & PredictorOptions = {}, scheduler: VirtualTimeScheduler = offlineScheduler()): ModelReplay {
  const startS = scheduler.now() / 1000;
  const { show, ...predictorOptions } = options;
  const replay = replayTake(
    {
      show: show ?? evalShow(model.meta),
      profiles: new Map(),
      ...source,
      listening: modelListening(model.meta),
      predict: modelPredictor(model, { audioOffsetMs: startS * 1000, ...predictorOptions }, scheduler),
      policy: model.meta.policy.numbers,
      modelDepts: model.meta.depts.map((d) => deptId(d)),
    },
    scheduler,
  );
  // What counts is what playback fired for the model (a GO it swallows never happened).
  const fired = replay.fired.filter((f) => f.source === 'model').map((f) => ({ t: f.t - startS, dept: f.dept, cue: f.cue }));
  return { fired, replay };
}

/** Beat rows (the model's per-beat inputs before history) from a replay's events. */
export function rowsFromEvents(events: readonly PredictorEvent[]): BeatRow[] {
  const acc = new BeatAccumulator();
  const rows: BeatRow[] = [];
  for (const e of events) {
    switch (e.kind) {
      case 'frame':
        if (e.v.reset === true) acc.reset();
        acc.pushFrame(e.v);
        break;
      case 'onset':
        acc.pushOnset(e.v);
        break;
      case 'section':
        acc.pushSection(e.v);
        break;
      case 'performer':
        acc.pushPerformer();
        break;
      case 'beat':
        rows.push(acc.takeBeat(e.v));
        break;
      case 'fired':
        break;
    }
  }
  return rows;
}

/** Alignment vectors and their times from a replay's events, and which hops were quiet (`AlignmentFeatures`: the band had stopped). */
export function alignmentFromEvents(events: readonly PredictorEvent[]): { times: Float32Array; vectors: Float32Array; quiet: boolean[] } {
  const af = new AlignmentFeatures();
  const times: number[] = [];
  const vecs: Float32Array[] = [];
  const quiet: boolean[] = [];
  for (const e of events) {
    if (e.kind !== 'frame') continue;
    const out = af.push(e.v);
    if (out !== undefined) {
      times.push(out.t);
      vecs.push(out.v);
      quiet.push(out.quiet);
    }
  }
  const vectors = new Float32Array(vecs.length * ALIGN_DIMS);
  vecs.forEach((v, i) => vectors.set(v, i * ALIGN_DIMS));
  return { times: Float32Array.from(times), vectors, quiet };
}

/** The stretches (from, to: seconds of the first and last hop) of consecutive quiet hops. */
export function quietStretches(times: ArrayLike<number>, quiet: readonly boolean[]): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < quiet.length; i++) {
    if (!quiet[i]) continue;
    let j = i;
    while (j + 1 < quiet.length && quiet[j + 1]) j++;
    out.push([Math.round(times[i]! * 1000) / 1000, Math.round(times[j]! * 1000) / 1000]);
    i = j;
  }
  return out;
}

/**
 * The rehearsal's alignment vectors in `alignment` (the model folder's `alignment.bin`). A folder whose
 * vectors have another size (written by an older build) gives a clear error rather than a silently
 * wrong baseline.
 */
export function rehearsalVectors(ref: RehearsalSummary, alignment: Float32Array): Float32Array {
  const end = (ref.alignment.offset + ref.alignment.frames) * ALIGN_DIMS;
  if (end > alignment.length) {
    throw new InputError('alignment.bin', `rehearsal '${ref.name}' needs ${end} values but the file holds ${alignment.length}: it was written with other alignment features (${ALIGN_DIMS} per hop here); retrain the model with 'precue train' to refresh it`);
  }
  return alignment.subarray(ref.alignment.offset * ALIGN_DIMS, end);
}

/** Checks that `alignment` holds exactly the rehearsals' vectors at this build's `ALIGN_DIMS` (see `rehearsalVectors`). */
export function checkAlignment(rehearsals: readonly RehearsalSummary[], alignment: Float32Array): void {
  const frames = rehearsals.reduce((m, r) => Math.max(m, r.alignment.offset + r.alignment.frames), 0);
  if (frames * ALIGN_DIMS !== alignment.length) {
    const per = frames > 0 ? alignment.length / frames : 0;
    throw new InputError('alignment.bin', `holds ${per.toFixed(1)} values per hop for ${frames} hops, this build uses ${ALIGN_DIMS} (alignment features changed); retrain the model with 'precue train' to refresh it`);
  }
}

/**
 * Picks the song being played: of the songs' first rehearsals (one per cue list), the one whose
 * opening `seconds` the live opening aligns to most cheaply under the online follower. This looks
 * ahead, but only to name the song, which a show would name itself; the rehearsal followed is then
 * always the song's first, never the one that happens to match the show best.
 */
export function nearestRehearsal(rehearsals: readonly RehearsalSummary[], alignment: Float32Array, live: { times: Float32Array; vectors: Float32Array }, seconds = 45): RehearsalSummary | undefined {
  checkAlignment(rehearsals, alignment);
  const seen = new Set<string>();
  const key = (r: RehearsalSummary): string => r.cues.map((c) => `${c.dept}:${c.cue}`).join(',');
  let best: RehearsalSummary | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const r of rehearsals) {
    if (seen.has(key(r))) continue;
    seen.add(key(r));
    // Without jumps: the opening is followed from the top, and only the reachable cells cost time.
    const aligner = new OnlineAligner(rehearsalVectors(r, alignment), refTimesOf(r), [], { jumpCost: Number.POSITIVE_INFINITY });
    for (let j = 0; j < live.times.length && live.times[j]! <= (live.times[0] ?? 0) + seconds; j++) {
      aligner.push(live.vectors.subarray(j * ALIGN_DIMS, (j + 1) * ALIGN_DIMS), live.times[j]!);
    }
    if (aligner.score < bestScore) {
      bestScore = aligner.score;
      best = r;
    }
  }
  return best;
}

/** Rehearsal-timing baseline: each cue of the song at its mean time over the song's rehearsals. */
export function rehearsalTiming(rehearsals: readonly RehearsalSummary[], ref: RehearsalSummary): TimedCue[] {
  const group = sameSong(rehearsals, ref);
  return ref.cues.map((c, i) => ({ t: group.reduce((s, r) => s + (r.cues[i]?.t ?? c.t), 0) / group.length, dept: c.dept, cue: c.cue }));
}

/**
 * Online-alignment baseline over the live alignment vectors: the online follower (`OnlineAligner`)
 * against the rehearsal, firing its cues as the live performance reaches them. As the arbiter does
 * for the model, a department never fires twice within `minGoIntervalS` (the later GO is dropped).
 */
export function onlineAlignment(ref: RehearsalSummary, alignment: Float32Array, refTimes: Float32Array, live: { times: Float32Array; vectors: Float32Array }, options: AlignerOptions & { minGoIntervalS?: number } = {}): TimedCue[] {
  const aligner = new OnlineAligner(rehearsalVectors(ref, alignment), refTimes, ref.cues, options);
  const minGo = options.minGoIntervalS ?? DEFAULT_MIN_GO_INTERVAL_MS / 1000;
  const last = new Map<string, number>();
  const fired: TimedCue[] = [];
  for (let j = 0; j < live.times.length; j++) {
    for (const c of aligner.push(live.vectors.subarray(j * ALIGN_DIMS, (j + 1) * ALIGN_DIMS), live.times[j]!)) {
      const prev = last.get(c.dept);
      if (prev !== undefined && c.t - prev < minGo) continue;
      last.set(c.dept, c.t);
      fired.push(c);
    }
  }
  return fired;
}

/** Times of a stored rehearsal's alignment vectors (uniform hops from its first frame). */
export function refTimesOf(ref: RehearsalSummary): Float32Array {
  return Float32Array.from({ length: ref.alignment.frames }, (_, i) => ref.alignment.firstT + i * ref.alignment.hopS);
}
