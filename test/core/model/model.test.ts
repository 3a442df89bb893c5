import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSequence, labelSteps, rearrange, seededRandom } from '../../../engine/core/model/dataset.js';
import { replayModel, rowsFromEvents } from '../../../engine/core/model/evaluate.js';
import type { PredictorEvent } from '../../../engine/core/model/predictor.js';
import type { DeptOutput } from '../../../engine/core/model/streamingNet.js';
import { buildNetwork, extractWeights } from '../../../engine/core/model/network.js';
import { StreamingNet } from '../../../engine/core/model/streamingNet.js';
import { checkCues, trainModel } from '../../../engine/core/model/train.js';
import { ShowFileError } from '../../../engine/core/errors.js';
import { arrivalsOf, syntheticTake } from './synthetic.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('streaming inference', () => {
  it('steps beat by beat to exactly what the tfjs model computes over the whole sequence', () => {
    const cfg = { inputSize: 7, hiddenSize: 5, headSize: 4, depts: ['LX', 'CAM'], vocabSizes: [3, 2], seed: 3 };
    const model = buildNetwork(tf, cfg);
    const net = new StreamingNet(extractWeights(model, cfg));
    const random = seededRandom(1);
    const T = 6;
    const x = Float32Array.from({ length: T * cfg.inputSize }, () => random() * 2 - 1);
    const outs = model.predict(tf.tensor3d(x, [1, T, cfg.inputSize])) as tf.Tensor[];
    const fireLx = outs[0]!.dataSync();
    const cueCam = outs[4]!.dataSync();
    for (let k = 0; k < T; k++) {
      const o = net.step(x.subarray(k * cfg.inputSize, (k + 1) * cfg.inputSize));
      expect(o[0]!.fire).toBeCloseTo(1 / (1 + Math.exp(-fireLx[k]!)), 5);
      const logits = [cueCam[k * 2]!, cueCam[k * 2 + 1]!];
      expect(o[1]!.cueIndex).toBe(logits[0]! >= logits[1]! ? 0 : 1);
    }
  });
});

describe('training data', () => {
  it('places each cue on the beat before it and rebuilds the history from the labels', () => {
    const take = syntheticTake();
    const rows = rowsFromEvents(take.events);
    const vocab = { LX: ['1', '2', '3'], CAM: ['1', '2'] };
    const { steps, unplaced } = labelSteps({ name: 's', durationS: take.durationS, rows, cues: take.cues }, ['LX', 'CAM'], vocab);
    // The opening cues come before the first beat: no beat step precedes them (the start cues cover them).
    expect(unplaced).toBe(2);
    expect(steps.filter((s) => s.events[0]! >= 0)).toHaveLength(4);
    const seq = buildSequence(steps, ['LX', 'CAM'], vocab);
    expect(seq.length).toBe(rows.length);
    expect(seq.fire.reduce((a, b) => a + b, 0)).toBe(take.cues.length - 2);
  });

  it('rearranges sections: one played twice, another skipped, labels moving with them', () => {
    const take = syntheticTake();
    const rows = rowsFromEvents(take.events);
    const { steps } = labelSteps({ name: 's', durationS: take.durationS, rows, cues: take.cues }, ['LX', 'CAM'], { LX: ['1', '2', '3'], CAM: ['1', '2'] });
    const out = rearrange(steps, seededRandom(5));
    const lx = (s: typeof steps): number => s.filter((x) => x.events[0]! >= 0).length;
    expect(lx(out)).toBe(lx(steps));
    const order = (s: typeof steps): string => s.map((x) => x.events[0]).filter((e) => e! >= 0).join(',');
    expect(order(out)).not.toBe(order(steps));
  });

  it('refuses cues it cannot use, naming the file and the cue', () => {
    const bad = [{ name: 't', cueFile: 't/cues.jsonl', durationS: 10, cues: [{ t: 20, dept: 'LX', cue: 'blue' }] }];
    expect(() => checkCues(bad)).toThrow(ShowFileError);
    expect(() => checkCues(bad)).toThrow(/t\/cues.jsonl.*cue 'blue' is not a cue number/);
    expect(() => checkCues([{ name: 't', cueFile: 'x/cues.jsonl', durationS: 10, cues: [{ t: 1, dept: 'SND', cue: '1' }] }], { LX: ['1'] })).toThrow(/department 'SND' is not in the show/);
    expect(() => checkCues([{ name: 't', cueFile: 'x/cues.jsonl', durationS: 10, cues: [] }])).toThrow(/has no cues/);
  });
});

describe('training', () => {
  const takes = [0.5, 0.48, 0.52].map((p, i) => ({ name: `take-${i}`, cueFile: `take-${i}/cues.jsonl`, ...syntheticTake(p) }));
  const options = { seed: 11, epochs: 2, hiddenSize: 8, headSize: 8, augment: 1, batchSize: 8, windowSteps: 16 };

  it('gives the same model for the same seed', async () => {
    const a = await trainModel(tf, takes, options);
    const b = await trainModel(tf, takes, options);
    const wa = a.model.getWeights().map((w) => Array.from(w.dataSync()));
    const wb = b.model.getWeights().map((w) => Array.from(w.dataSync()));
    expect(wa).toEqual(wb);
    expect(a.meta.vocab).toEqual({ LX: ['1', '2', '3'], CAM: ['1', '2'] });
    expect(a.meta.training.validationTakes).toEqual(['take-2']);
    expect(a.meta.features.layout.flatMap((b) => b.entries)).toHaveLength(a.meta.inputSize);
    expect(a.meta.features.layout.map((b) => b.name)).toEqual(['audio', 'beat', 'history', 'follow']);
  }, 60000);

  it('runs on a take with every department in auto and fires only known cues, on the beats', async () => {
    const trained = await trainModel(tf, takes, options);
    const weights = extractWeights(trained.model, {
      inputSize: trained.meta.inputSize,
      hiddenSize: trained.meta.hiddenSize,
      headSize: trained.meta.headSize,
      depts: trained.meta.depts,
      vocabSizes: trained.meta.depts.map((d) => trained.meta.vocab[d]!.length),
      seed: 11,
    });
    const { fired } = replayModel({ meta: trained.meta, weights, alignment: trained.alignment }, { listened: syntheticTake(0.5) });
    expect(fired.length).toBeGreaterThan(0);
    for (const f of fired) {
      expect(trained.meta.vocab[f.dept]).toContain(f.cue);
      // On a predicted beat, or on the follower's time for the cue, which on a take played as
      // rehearsed is within a few hops (46 ms each) of it.
      const phase = ((f.t - 1) / 0.5) % 1;
      expect(Math.min(phase, 1 - phase) * 0.5).toBeLessThan(0.05);
    }
  }, 60000);

  it('puts armed fires and the start cues on the score follower’s time when the beat tracker’s grid is off', async () => {
    const trained = await trainModel(tf, takes, options);
    const { meta } = trained;
    // A scripted network that calls a department's cue exactly when the follower expects it on the
    // next beat (what the trained network learns to do with a reliable follower), and holds it a beat on.
    const names = meta.features.layout.flatMap((b) => b.entries);
    const at = (name: string): number => names.indexOf(name);
    const net = {
      reset(): void {},
      step: (x: Float32Array): DeptOutput[] =>
        meta.depts.map((d) => {
          const cues = meta.vocab[d]!.map((_, k) => x[at(`${d}.followCue=${meta.vocab[d]![k]}`)]!);
          const cueIndex = Math.max(0, cues.indexOf(1));
          return { fire: x[at(`${d}.followNext`)] === 1 ? 0.99 : 0.01, cueIndex, cueProbability: 1, beatsToNext: 4 };
        }),
    };
    // The live take as rehearsed, but its beats tracked 0.2 s (0.4 beat) late, and the music heard to
    // start with a pickup note at 0.6 s, out of silence: the start cues belong on the bar at 1 s and
    // the fires on the cues' times, which only the follower knows.
    const live = syntheticTake(0.5);
    const lag = 0.2;
    const pickup = 0.6;
    const frames = live.events.flatMap((e) => (e.kind === 'frame' ? [{ kind: 'frame' as const, v: { ...e.v, levelDb: e.v.t < pickup ? -70 : -20 } }] : []));
    const beats = live.events.flatMap((e) => (e.kind === 'beat' ? [{ ...e.v, t: e.v.t + lag, nextBeatT: e.v.nextBeatT + lag, decidedT: e.v.decidedT + lag }] : []));
    const liveEvents = (withOnset: boolean): PredictorEvent[] => {
      const events: PredictorEvent[] = [];
      let b = 0;
      let heard = !withOnset;
      for (const f of frames) {
        events.push(f);
        if (!heard && f.v.t >= pickup) {
          events.push({ kind: 'onset', v: { t: f.v.t, strength: 1 } });
          heard = true;
        }
        while (b < beats.length && beats[b]!.decidedT <= f.v.t) events.push({ kind: 'beat', v: beats[b++]! });
      }
      return events;
    };
    expect(Object.fromEntries(Object.entries(meta.policy.depts).map(([d, p]) => [d, p.startCue]))).toEqual({ LX: '1', CAM: '1' });
    const loaded = { meta, weights: extractWeights(trained.model, { inputSize: meta.inputSize, hiddenSize: meta.hiddenSize, headSize: meta.headSize, depts: meta.depts, vocabSizes: meta.depts.map((d) => meta.vocab[d]!.length), seed: 11 }), alignment: trained.alignment };
    // Never a start cue before the music is heard to start.
    const replay = (withOnset: boolean): { t: number; dept: string; cue: string }[] => {
      const events = liveEvents(withOnset);
      return replayModel(loaded, { listened: { durationS: live.durationS, events, arrivals: arrivalsOf(events) } }, { net }).fired;
    };
    const unheard = replay(false);
    expect(unheard.filter((f) => f.t < 2)).toEqual([]);
    const fired = replay(true);
    for (const d of ['LX', 'CAM']) {
      const first = fired.find((f) => f.dept === d);
      expect(first?.cue).toBe('1');
      expect(first?.t).toBeCloseTo(1, 1);
    }
    // Every cue goes within 60 ms (on the tracked beats it would have been 200 ms late), the one
    // that repeats its department's live cue (CAM 1 at 5 s) included.
    const missed = live.cues.filter((c) => !fired.some((f) => f.dept === c.dept && f.cue === c.cue && Math.abs(f.t - c.t) <= 0.06));
    expect(missed).toEqual([]);
    expect(fired).toHaveLength(live.cues.length);
  }, 60000);
});
