import { describe, expect, it } from 'vitest';
import { map, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { frameClock, playbackFrames } from '../../../engine/core/playback/frameClock.js';
import { createPlayback } from '../../../engine/core/playback/playback.js';
import { deptId } from '../../../engine/core/ids.js';
import { makeShow, renderersFor } from './fixtures.js';

describe('frame clock', () => {
  it('ticks with the scheduler time at the frame rate', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ expectObservable }) => {
      expectObservable(frameClock(10).pipe(take(3))).toBe('100ms a 99ms b 99ms (c|)', { a: 100, b: 200, c: 300 });
    });
  });

  it('asks playback for a frame on every tick', () => {
    const show = makeShow([{ id: 'LX', mode: 'manual', cues: [{ number: '1', fadeUpMs: 400, levels: { p1: { intensity: 1 } } }] }]);
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ expectObservable }) => {
      // No scheduler passed: the real default (asyncScheduler) runs on virtual time inside run().
      const pb = createPlayback(show, { renderers: renderersFor(show) });
      pb.apply({ t: 0, dept: deptId('LX'), action: 'go', source: 'operator' });
      const dimmer = playbackFrames(pb, 10).pipe(map((f) => f.universes.get(1)![0]), take(4));
      expectObservable(dimmer).toBe('100ms a 99ms b 99ms c 99ms (d|)', { a: 64, b: 128, c: 191, d: 255 });
    });
  });
});
