import { map, take, timer, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { listen } from '../../../engine/core/audio/listen.js';
import type { AudioBlock } from '../../../engine/core/audio/types.js';

describe('listen on virtual time', () => {
  it('emits feature frames as blocks arrive on the scheduler, stamped in audio time', () => {
    const ts = new TestScheduler((a, b) => expect(a).toEqual(b));
    ts.run(({ expectObservable }) => {
      // 10 blocks of 2205 samples (100 ms each at 22.05 kHz), one every 100 ms of virtual time.
      const blocks$ = timer(100, 100, ts).pipe(
        take(10),
        map((i): AudioBlock => ({ t: i * 0.1, sampleRate: 22050, samples: new Float32Array(2205).fill(i % 2 === 0 ? 0.1 : -0.1) })),
      );
      const { features$ } = listen(blocks$, {}, ts);
      // 22 050 samples, a frame every 256 from the first (half a window of padding): 1 + floor((22050 - 512) / 256) = 85 frames.
      expectObservable(features$.pipe(toArray(), map((fs) => ({ n: fs.length, first: fs[0]!.t, reset: fs[0]!.reset, lastT: Math.round(fs.at(-1)!.t * 1000) })))).toBe(
        '1000ms (a|)',
        { a: { n: 85, first: 0, reset: true, lastT: Math.round(84 * (256 / 22050) * 1000) } },
      );
    });
  });
});
