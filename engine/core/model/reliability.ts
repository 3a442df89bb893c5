/**
 * How sure the follower was when the model fired, and how often such fires were right: the data a
 * calibrated confidence is made from (training, on held-out rehearsal takes) and checked against
 * (`bench/stageReliability.ts`, on stage takes). The follower here is the one the predictor runs, over
 * the same frames, so its certainty at a fire is exactly what the policy saw.
 */
import { AlignmentFeatures } from './alignment.js';
import type { PredictorEvent } from './events.js';
import { FollowTrack, followReference } from './followInput.js';
import { F1_WINDOW_S, type TimedCue } from './metrics.js';
import type { ModelMeta } from './types.js';
import { calibrateFollower, CERTAINTY_EDGES, certaintyOf, type ConfidenceTable } from '../policy/numbers.js';


/** The follower's certainty (1 − match, 0..1) at every hop of a take, or undefined when the model has no follower. */
export function followerCertainties(model: { readonly meta: ModelMeta; readonly alignment?: Float32Array }, events: readonly PredictorEvent[], windowS: number): { t: number; certainty: number }[] | undefined {
  const follow = model.meta.features.follow;
  const summary = follow === undefined ? undefined : model.meta.rehearsals.find((r) => r.name === follow.reference);
  if (summary === undefined || model.alignment === undefined) return undefined;
  const track = new FollowTrack(followReference(summary, model.alignment, { rehearsals: model.meta.rehearsals, numbers: model.meta.policy.numbers }), model.meta.depts, model.meta.vocab, undefined, model.meta.policy.numbers);
  const af = new AlignmentFeatures();
  const out: { t: number; certainty: number }[] = [];
  for (const e of events) {
    if (e.kind !== 'frame') continue;
    const a = af.push(e.v);
    if (a === undefined) continue;
    track.push(a.v, a.t, a.quiet);
    out.push({ t: a.t, certainty: certaintyOf(track.placement(windowS)?.match) });
  }
  return out;
}

/** Each fire of a take with the follower's certainty at it and whether it was right (a cue of its department within `F1_WINDOW_S`). */
export function judgeFires(fired: readonly TimedCue[], expected: readonly TimedCue[], certainties: readonly { t: number; certainty: number }[]): { fire: TimedCue; certainty: number; hit: boolean }[] {
  let h = 0;
  return [...fired].sort((a, b) => a.t - b.t).map((fire) => {
    while (h + 1 < certainties.length && certainties[h + 1]!.t <= fire.t) h++;
    const hit = expected.some((e) => e.dept === fire.dept && Math.abs(e.t - fire.t) <= F1_WINDOW_S);
    return { fire, certainty: certainties[h]?.certainty ?? 0, hit };
  });
}

/** Adds a take's fires to per-bin counts (`CERTAINTY_EDGES`): how many fired at each certainty, how many were right. */
export function countReliability(counts: { fires: number[]; hits: number[] }, fired: readonly TimedCue[], expected: readonly TimedCue[], certainties: readonly { t: number; certainty: number }[]): void {
  for (const { certainty, hit } of judgeFires(fired, expected, certainties)) {
    const bin = certaintyBin(certainty);
    counts.fires[bin]!++;
    if (hit) counts.hits[bin]!++;
  }
}

/** Index of the `CERTAINTY_EDGES` bin of a certainty. */
export function certaintyBin(certainty: number): number {
  const i = CERTAINTY_EDGES.findIndex((edge) => certainty < edge);
  return i < 0 ? CERTAINTY_EDGES.length - 1 : i;
}

/** Empty per-bin counts. */
export function emptyCounts(): { fires: number[]; hits: number[] } {
  return { fires: CERTAINTY_EDGES.map(() => 0), hits: CERTAINTY_EDGES.map(() => 0) };
}

/** A stored table from counts made on `on`, with the confidence each bin carries. */
export function confidenceTable(counts: { fires: number[]; hits: number[] }, on: string): ConfidenceTable {
  return { edges: [...CERTAINTY_EDGES], fires: [...counts.fires], hits: [...counts.hits], confidence: calibrateFollower(counts.fires, counts.hits), on };
}
