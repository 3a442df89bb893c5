import { describe, expect, it } from 'vitest';
import { audioBlocks } from '../../../engine/core/audio/analyze.js';
import { makeGrid, type GridBeat } from '../../../engine/core/audio/beatGrid.js';
import { FeatureFramer } from '../../../engine/core/audio/extractFeatures.js';
import { resolveListeningSettings } from '../../../engine/core/audio/listen.js';
import { RehearsalPrior, type RehearsalReference } from '../../../engine/core/rehearsal/rehearsalPrior.js';
import type { FeatureFrame } from '../../../engine/core/audio/types.js';
import { alignmentFromEvents } from '../../../engine/core/model/evaluate.js';
import { melodyTake } from '../audio/signals.js';

const SR = 22050;
const S = resolveListeningSettings({ tracker: 'dsp' });
/** The follower's cost on these plain sine melodies is higher than on band renders (whose calibration is the default). */
const TUNING = { goodCost: 0.3, badCost: 0.45 };
/** A melody of 16 notes looping, one note per beat at `bpm`, with a louder note on each downbeat (4/4). */
const melody = (bpm: number, seconds: number): { samples: Float32Array; beats: number[] } => melodyTake(bpm, seconds);
function frames(samples: Float32Array): FeatureFrame[] {
  const framer = new FeatureFramer(S);
  const out: FeatureFrame[] = [];
  audioBlocks(samples, SR, 2048).subscribe((b) => out.push(...framer.push(b)));
  return out;
}
function reference(name: string, bpm: number, seconds: number): RehearsalReference {
  const m = melody(bpm, seconds);
  const { times, vectors } = alignmentFromEvents(frames(m.samples).map((v) => ({ kind: 'frame' as const, v })));
  return { name, grid: makeGrid('test', m.beats.map((t, k): GridBeat => [t, k % 4])), times, vectors };
}

describe('rehearsal prior', () => {
  it('follows a faster performance and weighs beat hypotheses by the rehearsal grid', () => {
    const prior = new RehearsalPrior([reference('reh', 100, 40), reference('other', 100, 40)], TUNING);
    const live = melody(106, 30);
    const fs = frames(live.samples);
    const period = 60 / 106;
    const tau = period * 50;
    let checked = 0;
    for (const f of fs) {
      prior.pushFeature(f);
      if (f.t < 12) continue;
      // At each live beat: the right beat of the bar at the live tempo is favoured over the off-beat, the wrong bar position and double tempo.
      const k = Math.round(f.t / period);
      if (Math.abs(f.t - k * period) > 0.006) continue;
      const onBeat = prior.entryPrior(f.t, 50)!;
      expect(onBeat).toBeDefined();
      const right = onBeat(4, tau, k % 4);
      expect(right).toBeGreaterThan(2 * onBeat(4, tau, (k + 1) % 4));
      expect(right).toBeGreaterThan(2 * onBeat(4, tau / 2, k % 4));
      expect(right).toBeGreaterThan(2 * onBeat(3, tau, 0));
      const offBeat = prior.entryPrior(f.t + period / 2, 50)!;
      expect(right).toBeGreaterThan(2 * offBeat(4, tau, k % 4));
      checked++;
    }
    expect(checked).toBeGreaterThan(15);
    const v = prior.view(25)!;
    expect(v.ratio).toBeGreaterThan(1.02);
    expect(v.confidence).toBeGreaterThan(0.3);
  });

  it('has no opinion before any audio, without rehearsals, and keeps quiet on music it does not know', () => {
    expect(new RehearsalPrior([]).entryPrior(10, 50)).toBeUndefined();
    const prior = new RehearsalPrior([reference('reh', 100, 20)], TUNING);
    expect(prior.entryPrior(1, 50)).toBeUndefined();
    // Noise is not the rehearsal: the follower's cost stays high and the prior says (almost) nothing.
    let seed = 7;
    const noise = Float32Array.from({ length: SR * 15 }, () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff - 0.5) * 0.4);
    for (const f of frames(noise)) prior.pushFeature(f);
    const w = prior.entryPrior(14, 50);
    if (w !== undefined) expect(w(4, 30, 1)).toBeGreaterThan(0.5);
  });
});
