/** Messages between `listenInWorker` and the analysis worker thread. */
import type { Beat, FeatureFrame, Onset, SectionChange, TempoEstimate } from '../../core/audio/types.js';

/** Main thread → worker. */
export type WorkerIn =
  | { readonly type: 'block'; readonly t: number; readonly sampleRate: number; readonly samples: Float32Array; readonly reset: boolean }
  | { readonly type: 'end' };

/** Everything the pipeline emitted for one block. */
export interface WorkerBatch {
  features: FeatureFrame[];
  onsets: Onset[];
  tempo: TempoEstimate[];
  beats: Beat[];
  sections: SectionChange[];
}

/** Worker → main thread. */
export type WorkerOut =
  /** The worker has loaded its code and set up the analysis: blocks sent now are analysed at once. */
  | { readonly type: 'ready' }
  /** `busyMs`: how long the worker spent analysing the block. */
  | { readonly type: 'out'; readonly batch: WorkerBatch; readonly blockT: number; readonly busyMs: number }
  | { readonly type: 'done' }
  | { readonly type: 'error'; readonly message: string };
