import { describe, expect, it } from 'vitest';
import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { timecodeTriggers } from '../../../engine/core/arbiter/timecode.js';
import { type MtcChaseEvent } from '../../../engine/core/midi/mtc.js';
import { showFileSchema, SHOW_VERSION } from '../../../engine/core/show/schema.js';

const show = showFileSchema.parse({
  version: SHOW_VERSION,
  name: 'tc',
  departments: [
    { id: 'LX', cues: [{ number: '1', timecode: '00:00:01:00' }, { number: '2', timecode: '00:00:02:12' }, { number: '3' }] },
    { id: 'VID', cues: [{ number: '5', timecode: '00:00:02:00' }] },
  ],
  inputs: { timecode: { source: 'mtc', midiPort: 'x', fps: 25 } },
});

const pos = (seconds: number, running = true): MtcChaseEvent => ({
  kind: 'position', seconds, running, direction: 1, timecode: { hours: 0, minutes: 0, seconds: Math.floor(seconds), frames: 0, rate: 25 },
});

describe('timecode triggers', () => {
  it('fires each cue once as timecode runs forward across it', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ cold, expectObservable }) => {
      const mtc = cold<MtcChaseEvent>('a b c d e', { a: pos(0.9), b: pos(1.1), c: pos(1.9), d: pos(2.6), e: pos(3) });
      const fired = mtc.pipe(timecodeTriggers(show), map((e) => (e.command.type === 'cueStart' ? `${e.command.dept}/${e.command.cue}` : '?')));
      expectObservable(fired).toBe('-a-(bc)', { a: 'LX/1', b: 'VID/5', c: 'LX/2' });
    });
  });

  it('a locate or a stop does not fire the cues it skips', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ cold, expectObservable }) => {
      const mtc = cold<MtcChaseEvent>('a b c d', { a: pos(0.5), b: pos(2.9), c: pos(0.5), d: pos(1.2, false) });
      expectObservable(mtc.pipe(timecodeTriggers(show))).toBe('----');
    });
  });
});
