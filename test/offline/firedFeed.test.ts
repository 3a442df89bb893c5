/** `replayTake` hands the predictor every cue playback fired, from any source, in engine seconds. */
import { EMPTY, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { AudioBlock } from '../../engine/core/audio/types.js';
import { replayTake, type FiredCue } from '../../engine/core/offline.js';
import { showFileSchema, SHOW_VERSION } from '../../engine/core/show/schema.js';

describe('replayTake fired-cue feed', () => {
  it('gives the predictor each operator GO as { dept, cue, t } at the moment playback fired it', () => {
    const show = showFileSchema.parse({
      version: SHOW_VERSION,
      name: 'feed',
      departments: [{ id: 'LX', mode: 'auto', cues: [{ number: '1' }, { number: '2' }, { number: '3' }] }],
    });
    const sampleRate = 22050;
    const blocks: AudioBlock[] = Array.from({ length: Math.ceil((2 * sampleRate) / 1024) }, (_, i) => ({ t: (i * 1024) / sampleRate, sampleRate, samples: new Float32Array(1024), ...(i === 0 ? { reset: true } : {}) }));
    const heard: FiredCue[] = [];
    const result = replayTake({
      show,
      profiles: new Map(),
      blocks,
      predict: (_streams, fired$: Observable<FiredCue>) => {
        fired$.subscribe((f) => heard.push(f));
        return EMPTY;
      },
      commands: [
        { atMs: 500, command: { type: 'go', dept: 'LX' } },
        { atMs: 1250, command: { type: 'goto', dept: 'LX', cue: '3' } },
      ],
    });
    expect(heard).toEqual([
      { dept: 'LX', cue: '1', t: 0.5, source: 'operator' },
      { dept: 'LX', cue: '3', t: 1.25, source: 'operator' },
    ]);
    expect(result.decisions.map((d) => [d.t, d.action, d.source])).toEqual([
      [0.5, 'go', 'operator'],
      [1.25, 'goto', 'operator'],
    ]);
  });
});
