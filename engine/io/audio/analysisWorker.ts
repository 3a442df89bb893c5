/**
 * The analysis worker thread: runs `listen` off the main event loop so a heavy audio frame never
 * delays a DMX frame. Messages in: `block` (samples transferred), `end`. Messages out: one `out`
 * batch per block with everything the pipeline emitted for it, then `done` or `error`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { queueScheduler, Subject } from 'rxjs';
import { listen } from '../../core/audio/listen.js';
import { rehearsalPriorOf } from '../../core/rehearsal/rehearsalPrior.js';
import type { AudioBlock } from '../../core/audio/types.js';
import type { WorkerListenSettings } from './workerListen.js';
import type { WorkerIn, WorkerOut, WorkerBatch } from './workerProtocol.js';

const port = parentPort;
if (port === null) throw new Error('analysisWorker must run in a worker thread');
const { rehearsals, ...settings } = (workerData as { settings?: WorkerListenSettings } | undefined)?.settings ?? {};
const prior = rehearsalPriorOf(rehearsals);

const blocks = new Subject<AudioBlock>();
let batch: WorkerBatch = { features: [], onsets: [], tempo: [], beats: [], sections: [] };
const post = (m: WorkerOut) => port.postMessage(m);

try {
  const s = listen(blocks, { ...settings, ...(prior !== undefined ? { prior } : {}) }, queueScheduler);
  s.features$.subscribe((v) => batch.features.push(v));
  s.onsets$.subscribe((v) => batch.onsets.push(v));
  s.tempo$.subscribe((v) => batch.tempo.push(v));
  s.beats$.subscribe((v) => batch.beats.push(v));
  s.sections$.subscribe({
    next: (v) => batch.sections.push(v),
    error: (err: unknown) => post({ type: 'error', message: err instanceof Error ? err.message : String(err) }),
  });
  post({ type: 'ready' });
} catch (err) {
  post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
}

port.on('message', (m: WorkerIn) => {
  switch (m.type) {
    case 'block': {
      const start = performance.now();
      blocks.next({ t: m.t, sampleRate: m.sampleRate, samples: m.samples, ...(m.reset ? { reset: true } : {}) });
      const busyMs = performance.now() - start;
      const out = batch;
      batch = { features: [], onsets: [], tempo: [], beats: [], sections: [] };
      post({ type: 'out', batch: out, blockT: m.t, busyMs });
      break;
    }
    case 'end':
      blocks.complete();
      post({ type: 'done' });
      break;
  }
});
