/**
 * A recording's beat grid, analysed offline with look-ahead: the beat network over every frame, then
 * the single most likely bar-pointer path (Viterbi) — what a rehearsal take stores as `beats.json`.
 */
import { decodeBarPointer } from './barPointer.js';
import { BEAT_FPS, beatBandCount, beatFramesOf } from './beatFrames.js';
import { makeGrid, type BeatGrid } from './beatGrid.js';
import { BeatNet, beatActivations, type BeatNetModel } from './beatNet.js';
import { SHIPPED_BEAT_NET } from './beatNetWeights.js';
import { barPointerTuningFor, beatNetWeights } from './learnedTracker.js';
import { defaultListeningSettings, type ListeningSettings } from './types.js';

/** The offline grid of a whole recording (mono samples at any rate). */
export function analyzeGrid(
  samples: Float32Array,
  sampleRate: number,
  settings: Pick<ListeningSettings, 'minBpm' | 'maxBpm' | 'priorBpm' | 'priorWidthOctaves'> = defaultListeningSettings,
  model: BeatNetModel = SHIPPED_BEAT_NET,
): BeatGrid {
  const { bands } = beatFramesOf(samples, sampleRate);
  const acts = beatActivations(new BeatNet(beatNetWeights(model)), bands, beatBandCount());
  const beats = decodeBarPointer(acts, barPointerTuningFor(settings));
  return makeGrid(
    `learned ${model.version} (offline Viterbi)`,
    beats.map((b) => [b.frame / BEAT_FPS, b.beatInBar] as const),
  );
}
