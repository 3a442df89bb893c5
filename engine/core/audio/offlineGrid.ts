/**
 * A recording's beat grid, analysed offline with look-ahead: the beat network over every frame, the
 * single most likely bar-pointer path (Viterbi) for the beats, then the bar network over those beats
 * and the most likely places in the bar (Viterbi again) — what a rehearsal take stores as `beats.json`.
 */
import { BarFeatures, BarNet, type BarNetModel } from './barNet.js';
import { beatsSpanned, decodeBarPhase } from './barPhase.js';
import { decodeBarPointer, defaultBarPointerTuning, type DecodedBeat } from './barPointer.js';
import { BEAT_FPS, beatBandCount, beatFramesOf } from './beatFrames.js';
import { makeGrid, type BeatGrid } from './beatGrid.js';
import { BeatNet, beatActivations, type BeatNetModel } from './beatNet.js';
import { SHIPPED_BEAT_NET } from './beatNetWeights.js';
import { barModelFor, barNetWeights, barPointerTuningFor, beatNetWeights } from './learnedTracker.js';
import { defaultListeningSettings, type ListeningSettings } from './types.js';

/** The offline grid of a whole recording (mono samples at any rate). */
export function analyzeGrid(
  samples: Float32Array,
  sampleRate: number,
  settings: Pick<ListeningSettings, 'minBpm' | 'maxBpm' | 'priorBpm' | 'priorWidthOctaves'> = defaultListeningSettings,
  model: BeatNetModel = SHIPPED_BEAT_NET,
  barModel?: BarNetModel | null,
): BeatGrid {
  const evidence = gridEvidence(samples, sampleRate, model);
  return gridOfBeats(evidence, decodeBarPointer(evidence.acts, barPointerTuningFor(settings)), model, barModel);
}

/** What a grid is decoded from: the beat network's frames and its activations over a whole recording. */
export interface GridEvidence {
  readonly bands: Float32Array;
  /** Frames (at `BEAT_FPS`). */
  readonly count: number;
  /** (beat, downbeat) per frame. */
  readonly acts: Float32Array;
}

/** The beat network over every frame of a recording. */
export function gridEvidence(samples: Float32Array, sampleRate: number, model: BeatNetModel = SHIPPED_BEAT_NET): GridEvidence {
  const { bands, count } = beatFramesOf(samples, sampleRate);
  return { bands, count, acts: beatActivations(new BeatNet(beatNetWeights(model)), bands, beatBandCount()) };
}

/**
 * A grid from decoded beats: the beats the music gives evidence of (as live: `heardBeats`), placed in
 * their bars by the bar network when `model` has one.
 */
export function gridOfBeats(evidence: GridEvidence, decoded: readonly DecodedBeat[], model: BeatNetModel = SHIPPED_BEAT_NET, barModel?: BarNetModel | null): BeatGrid {
  const beats = heardBeats(decoded, evidence.acts);
  const bars = barModelFor(model, barModel);
  const places = bars !== null ? placeInBars(beats, evidence.bands, evidence.count, evidence.acts, bars) : beats.map((b) => b.beatInBar);
  return makeGrid(
    `learned ${model.version}${bars !== null ? ` + ${bars.version}` : ''} (offline Viterbi)`,
    beats.map((b, i) => [b.frame / BEAT_FPS, places[i]!] as const),
  );
}

/**
 * The decoded beats the music gives evidence of, by the online filter's rule (`minActivation` within
 * the last `evidenceHoldS`): a path runs through silence too, and its beats there — a silent take, a
 * long walk-in — are the decoder's guess, not the music's.
 */
export function heardBeats(beats: readonly DecodedBeat[], acts: Float32Array): DecodedBeat[] {
  const { minActivation, evidenceHoldS } = defaultBarPointerTuning;
  const hold = evidenceHoldS * BEAT_FPS;
  const out: DecodedBeat[] = [];
  let last = -Infinity;
  let n = 0;
  for (const b of beats) {
    for (; n <= b.frame && 2 * n + 1 < acts.length; n++) if (acts[2 * n]! + acts[2 * n + 1]! >= minActivation) last = n;
    if (b.frame - last <= hold) out.push(b);
  }
  return out;
}

/** Each beat's place in its bar: the bar network over the beats (as live), then the most likely places of the whole take. */
function placeInBars(beats: readonly DecodedBeat[], bands: Float32Array, count: number, acts: Float32Array, barModel: BarNetModel): number[] {
  if (beats.length === 0) return [];
  const B = beatBandCount();
  const intervals = beats.slice(1).map((b, i) => b.frame - beats[i]!.frame).sort((a, b) => a - b);
  const typical = intervals.length > 0 ? intervals[Math.floor(intervals.length / 2)]! : 1;
  const features = new BarFeatures(B);
  const net = new BarNet(barNetWeights(barModel));
  const down: number[] = [];
  const previousDown: number[] = [];
  const steps: number[] = [];
  let k = 0;
  let last = -1;
  for (let n = 0; n < count && k < beats.length; n++) {
    features.pushFrame(bands.subarray(n * B, (n + 1) * B), acts[2 * n]!, acts[2 * n + 1]!);
    if (beats[k]!.frame !== n) continue;
    const interval = last < 0 ? 0 : n - last;
    const e = net.step(features.beat(interval, beats[k]!.beatInBar));
    down.push(e.down);
    previousDown.push(e.previousDown);
    steps.push(beatsSpanned(interval, typical));
    last = n;
    k++;
  }
  const places = decodeBarPhase(down, previousDown, steps, barModel.downbeatRate);
  // Beats past the last frame (cannot happen with the decoder's own frames) keep the pointer's place.
  return beats.map((b, i) => places[i]?.beatInBar ?? b.beatInBar);
}
