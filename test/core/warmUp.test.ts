/**
 * The warm-up of the GO path before a show takes commands: it runs on a scratch show of one of the
 * show's fixtures and leaves no trace (no log line, nothing of the show touched).
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger, setLogSink, type LogRecord } from '../../engine/core/log.js';
import { SHOW_VERSION, showFileSchema } from '../../engine/core/show/schema.js';
import { warmUpGoPath } from '../../engine/core/warmUp.js';
import { loadFixtureLibrary } from '../../engine/io/fixtures/loadFixtureLibrary.js';

describe('warm-up of the GO path', () => {
  it('runs on a scratch copy of one of the show\'s fixtures, silently; a show without fixtures is left alone', async () => {
    const show = showFileSchema.parse({
      version: SHOW_VERSION,
      name: 'warm',
      fixtures: [
        { id: 'spot', type: 'generic/rgb-par', mode: '3-channel', universe: 7, address: 100 },
        { id: 'd1', type: 'generic/dimmer', mode: '8-bit', universe: 7, address: 1 },
      ],
      outputs: { universes: [{ id: 7, driver: { kind: 'null' } }] },
      departments: [{ id: 'LX', mode: 'auto', cues: [{ number: '1', levels: { d1: { intensity: 1 } } }] }],
    });
    const library = await loadFixtureLibrary(resolve('fixtures'));
    const profiles = new Map(show.fixtures.map((f) => [f.id, library.profile(f.type, f.mode)]));
    const records: LogRecord[] = [];
    const before = setLogSink((r) => records.push(r), 'debug');
    try {
      expect(warmUpGoPath(show, profiles)).toBe(true);
      expect(warmUpGoPath({ ...show, fixtures: [] }, profiles)).toBe(false);
      createLogger('test').info('after the warm-up');
    } finally {
      setLogSink(before);
    }
    // Its arbiter's and playback's lines never reach the log; the show's loggers write again after it.
    expect(records.map((r) => r.message)).toEqual(['after the warm-up']);
  });
});
