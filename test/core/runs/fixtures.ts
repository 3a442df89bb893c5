/** A run log's start line for the run tests. */
import type { RunLogLine } from '../../../engine/core/runs/runLog.js';

export const START: RunLogLine = {
  kind: 'start', v: 1, run: 'run-1', show: 'test', showDir: '/show', startedAt: '2026-01-01T20:00:00.000Z', engineVersion: '0.1.0',
  audioOffsetMs: 1000, audio: { kept: false }, model: null,
  depts: [{ id: 'LX', mode: 'assist', confidenceThreshold: 0.7 }, { id: 'VID', mode: 'auto', confidenceThreshold: 0.7 }],
};
