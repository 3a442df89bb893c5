import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { fMeasure } from '../../../bench/lib/beatEval.js';
import { listenInWorker } from '../../../engine/io/audio/workerListen.js';
import { playRecording } from '../../../engine/io/audio/wavFile.js';
import { beatTimes, clicks } from '../../core/audio/signals.js';

describe('analysis in a worker thread', () => {
  it('gives the same beats as the in-process pipeline, off the main thread', async () => {
    const truth = beatTimes(120, 0.5, 12);
    const l = listenInWorker(playRecording({ samples: clicks(truth, 12), sampleRate: 22050 }));
    try {
      const [beats, features] = await Promise.all([lastValueFrom(l.beats$.pipe(toArray())), lastValueFrom(l.features$.pipe(toArray()))]);
      expect(features.length).toBeGreaterThan(1000);
      expect(fMeasure(truth, beats.map((b) => b.t)).f).toBeGreaterThan(0.95);
    } finally {
      await l.close();
    }
  });
});
