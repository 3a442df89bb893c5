import * as tf from '@tensorflow/tfjs';
import { queueScheduler, Subject } from 'rxjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Beat, FeatureFrame, Onset } from '../../../engine/core/audio/types.js';
import type { Prediction } from '../../../engine/core/arbiter/types.js';
import { extractWeights } from '../../../engine/core/model/network.js';
import { predictCues } from '../../../engine/core/model/predictor.js';
import { trainModel } from '../../../engine/core/model/train.js';
import { syntheticTake } from './synthetic.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('predictCues (the show pipeline entry)', () => {
  it('emits every department’s prediction on each hop after the first beat (before it, only start cues), with a reason, fire times on predicted beats or near them on the follower’s time', async () => {
    const takes = [0.5, 0.52].map((p, i) => ({ name: `t${i}`, cueFile: `t${i}/cues.jsonl`, ...syntheticTake(p) }));
    const trained = await trainModel(tf, takes, { seed: 3, epochs: 1, hiddenSize: 6, headSize: 6, augment: 0, batchSize: 4, windowSteps: 16 });
    const m = trained.meta;
    const weights = extractWeights(trained.model, { inputSize: m.inputSize, hiddenSize: m.hiddenSize, headSize: m.headSize, depts: m.depts, vocabSizes: m.depts.map((d) => m.vocab[d]!.length), seed: 3 });
    const features$ = new Subject<FeatureFrame>();
    const beats$ = new Subject<Beat>();
    const onsets$ = new Subject<Onset>();
    const out: Prediction[] = [];
    const sub = predictCues({ meta: m, weights, alignment: trained.alignment }, { features$, beats$, onsets$ }, {}, queueScheduler).subscribe((p) => out.push(p));
    const events = syntheticTake(0.5).events;
    let framesBeforeBeat = 0;
    let sawBeat = false;
    for (const e of events) {
      if (e.kind === 'frame') {
        features$.next(e.v);
        if (!sawBeat) framesBeforeBeat++;
      } else if (e.kind === 'beat') {
        beats$.next(e.v);
        sawBeat = true;
      }
    }
    sub.unsubscribe();
    const frames = events.filter((e) => e.kind === 'frame').length;
    const before = out.slice(0, out.length - (frames - framesBeforeBeat) * m.depts.length);
    const after = out.slice(before.length);
    expect(after.length).toBe((frames - framesBeforeBeat) * m.depts.length);
    for (const p of before) {
      expect(m.policy.depts[p.dept]?.startCue).toBe(p.cue);
      expect(p.confidence).toBe(1);
    }
    for (const p of after) {
      expect(p.source).toBe('model');
      expect((p as { reason?: string }).reason).toMatch(/\S/);
      expect(m.vocab[p.dept]).toContain(p.cue);
      expect(p.confidence).toBeGreaterThanOrEqual(0);
      expect(p.confidence).toBeLessThanOrEqual(1);
      const phase = ((p.fireAt - 1) / 0.5) % 1;
      const offBeat = Math.min(phase, 1 - phase);
      // On a predicted beat, or on the follower's time for the cue (on this take, close to one).
      expect(offBeat).toBeLessThanOrEqual(0.6 + 1e-6);
    }
  }, 30000);
});
