/**
 * `listen`, run in a worker thread. Same inputs and outputs as core's `listen`, but the analysis
 * happens off the main event loop; results come back one batch per block.
 *
 * The worker loads its TypeScript source through tsx when the engine runs from source, or the
 * compiled `.js` next to this file when it is built.
 */
import { type Worker } from 'node:worker_threads';
import { Observable, share, Subject, type Subscription } from 'rxjs';
import { DeviceError } from '../../core/errors.js';
import type { RehearsalReference } from '../../core/rehearsal/rehearsalPrior.js';
import type { AudioBlock, Beat, FeatureFrame, ListeningSettings, ListeningStreams, Onset, SectionChange, TempoEstimate } from '../../core/audio/types.js';
import type { WorkerIn, WorkerOut } from './workerProtocol.js';
import { spawnModuleWorker } from '../workers.js';

/** The worker's streams plus a way to stop it. */
export interface WorkerListening extends ListeningStreams {
  /** Resolves once the worker has loaded and can analyse (or has failed: the streams say how). */
  readonly ready: Promise<void>;
  /** Stops the worker and completes every stream. */
  close(): Promise<void>;
}

/** Starts the analysis worker (its TypeScript through tsx from source, its `.js` when built). */
/** What the worker listens with: the settings and, as data, the rehearsals whose grids guide the learned tracker. */
export interface WorkerListenSettings extends Partial<ListeningSettings> {
  readonly rehearsals?: readonly RehearsalReference[];
}

function spawnWorker(settings: WorkerListenSettings): Worker {
  return spawnModuleWorker(import.meta.url, './analysisWorker', { workerData: { settings } });
}

/**
 * Starts a worker that analyses `blocks$`. The worker boots at once; the source is subscribed when the
 * first output is and the worker is ready, so audio never queues up behind a worker still loading its
 * code (await `ready` before taking audio time 0). The outputs are shared. A worker crash or load
 * failure errors every stream with a `DeviceError`.
 * `onBusy` hears, per block, how long the worker spent analysing it (ms, for load figures).
 */
export function listenInWorker(blocks$: Observable<AudioBlock>, settings: WorkerListenSettings = {}, options: { onBusy?: (ms: number) => void } = {}): WorkerListening {
  const features = new Subject<FeatureFrame>();
  const onsets = new Subject<Onset>();
  const tempo = new Subject<TempoEstimate>();
  const beats = new Subject<Beat>();
  const sections = new Subject<SectionChange>();
  const subjects = [features, onsets, tempo, beats, sections] as const;
  let worker: Worker | undefined;
  let source: Subscription | undefined;
  let finished = false;
  let wanted = false;
  let isReady = false;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const fail = (err: Error) => {
    if (finished) return;
    finished = true;
    markReady();
    for (const s of subjects) s.error(err);
    void worker?.terminate();
  };
  const completeAll = () => {
    if (finished) return;
    finished = true;
    markReady();
    for (const s of subjects) s.complete();
    void worker?.terminate();
  };

  /** Feeds the worker once it is ready and someone listens. */
  const connect = (): void => {
    const w = worker;
    if (w === undefined || source !== undefined || finished || !wanted || !isReady) return;
    source = blocks$.subscribe({
      next: (b) => {
        const samples = Float32Array.from(b.samples);
        const msg: WorkerIn = { type: 'block', t: b.t, sampleRate: b.sampleRate, samples, reset: b.reset === true };
        w.postMessage(msg, [samples.buffer]);
      },
      error: (err: unknown) => fail(err instanceof Error ? err : new Error(String(err))),
      complete: () => w.postMessage({ type: 'end' } satisfies WorkerIn),
    });
  };

  try {
    worker = spawnWorker(settings);
  } catch (err) {
    fail(new DeviceError('audio analysis worker', `cannot start: ${err instanceof Error ? err.message : String(err)}`, undefined, { cause: err }));
  }
  const w = worker;
  if (w !== undefined) {
    w.on('message', (m: WorkerOut) => {
      switch (m.type) {
        case 'ready':
          isReady = true;
          markReady();
          connect();
          break;
        case 'out':
          options.onBusy?.(m.busyMs);
          for (const v of m.batch.features) features.next(v);
          for (const v of m.batch.onsets) onsets.next(v);
          for (const v of m.batch.tempo) tempo.next(v);
          for (const v of m.batch.beats) beats.next(v);
          for (const v of m.batch.sections) sections.next(v);
          break;
        case 'done':
          completeAll();
          break;
        case 'error':
          fail(new DeviceError('audio analysis worker', m.message));
          break;
      }
    });
    w.on('error', (err) => fail(new DeviceError('audio analysis worker', err.message, undefined, { cause: err })));
    w.on('exit', (code) => {
      if (!finished && code !== 0) fail(new DeviceError('audio analysis worker', `stopped with exit code ${code}`));
    });
  }
  const start = (): void => {
    wanted = true;
    connect();
  };

  const output = <T>(subject: Subject<T>): Observable<T> =>
    new Observable<T>((subscriber) => {
      const sub = subject.subscribe(subscriber);
      queueMicrotask(start);
      return sub;
    }).pipe(share());

  return {
    ready,
    features$: output(features),
    onsets$: output(onsets),
    tempo$: output(tempo),
    beats$: output(beats),
    sections$: output(sections),
    close: async () => {
      source?.unsubscribe();
      completeAll();
      await worker?.terminate();
    },
  };
}
