/** A tiny synthetic take for the learning tests: beats every 0.5 s, a chroma colour per section, cues on bars. */
import type { Beat, FeatureFrame } from '../../../engine/core/audio/types.js';
import type { PredictorEvent } from '../../../engine/core/model/predictor.js';
import type { TakeCue } from '../../../engine/core/model/types.js';

/**
 * Arrival times for a stream of events: each arrives with the latest frame before it, one hop after
 * that frame's time (as a live source's block would bring it).
 */
export function arrivalsOf(events: readonly PredictorEvent[], hopS = 256 / 22050): Float64Array {
  let at = 0;
  return Float64Array.from(events, (e) => {
    if (e.kind === 'frame') at = Math.max(at, e.v.t + hopS);
    return at;
  });
}

/** Sections of the synthetic song: label and bars (4 beats per bar). */
export const FORM: readonly { label: number; bars: number }[] = [
  { label: 0, bars: 2 },
  { label: 1, bars: 4 },
  { label: 2, bars: 4 },
  { label: 1, bars: 4 },
  { label: 2, bars: 2 },
];

/** Events and cues of the synthetic song at `periodS` seconds per beat. */
export function syntheticTake(periodS = 0.5, form = FORM): { events: PredictorEvent[]; arrivals: Float64Array; cues: TakeCue[]; durationS: number } {
  const hop = 256 / 22050;
  const events: PredictorEvent[] = [];
  const cues: TakeCue[] = [];
  const start = 1;
  let beat = 0;
  const beatSection: number[] = [];
  form.forEach((s, si) => {
    for (let b = 0; b < s.bars * 4; b++) beatSection.push(si);
    const t = start + beat * periodS;
    cues.push({ t, dept: 'LX', cue: String(s.label + 1) });
    for (let bar = 0; bar < s.bars; bar += 2) cues.push({ t: t + bar * 4 * periodS, dept: 'CAM', cue: String(1 + ((bar / 2) % 4)) });
    beat += s.bars * 4;
  });
  const durationS = start + beat * periodS + 1;
  let nextBeat = 0;
  for (let t = 0; t < durationS; t += hop) {
    const si = beatSection[Math.min(beatSection.length - 1, Math.max(0, Math.floor((t - start) / periodS)))] ?? 0;
    const label = form[si]?.label ?? 0;
    const chroma = new Float32Array(12);
    chroma[(label * 4) % 12] = 1;
    chroma[(label * 4 + 7) % 12] = 0.5;
    const mfcc = new Float32Array(13);
    mfcc[0] = 10 + label;
    const phase = t >= start ? ((t - start) / periodS) % 1 : 0.5;
    const frame: FeatureFrame = {
      t,
      rms: 0.1,
      levelDb: -20,
      loudness: 10,
      spectralCentroidHz: 1000 + 200 * label,
      spectralFlatness: 0.1,
      spectralRolloffHz: 4000,
      zcr: 0.05,
      flux: phase < 0.05 ? 1 : 0.1,
      chroma,
      mfcc,
    } as FeatureFrame;
    events.push({ kind: 'frame', v: frame });
    const bt = start + nextBeat * periodS;
    if (nextBeat < beatSection.length && t >= bt) {
      const b: Beat = { t: bt, index: nextBeat, bpm: 60 / periodS, confidence: 0.9, beatInBar: nextBeat % 4, beatsPerBar: 4, isDownbeat: nextBeat % 4 === 0, barIndex: Math.floor(nextBeat / 4), nextBeatT: bt + periodS, decidedT: t };
      events.push({ kind: 'beat', v: b });
      nextBeat++;
    }
  }
  return { events, arrivals: arrivalsOf(events), cues, durationS };
}
