/**
 * Audio blocks → feature frames: resampling to the analysis rate, DC blocking, clipping, framing
 * (bufferSize window every hopSize samples) and features. Causal and synchronous per block.
 */
import { Observable, type OperatorFunction } from 'rxjs';
import { FeatureExtractor } from './features.js';
import { Resampler } from './resample.js';
import type { AudioBlock, FeatureFrame, ListeningSettings } from './types.js';

/** Stateful block-to-frames converter behind `extractFeatures` (also used directly by benches). */
export class FeatureFramer {
  private readonly settings: ListeningSettings;
  private readonly meydaEvery: number;
  private readonly extractor: FeatureExtractor;
  private resampler: Resampler | undefined;
  private ring: Float32Array;
  /** Analysis-rate samples currently buffered in `ring`. */
  private filled = 0;
  /** Analysis-rate sample index (since reset) of ring[0]. */
  private ringStart = 0;
  /** Audio time of analysis sample 0 since the last reset. */
  private origin = 0;
  private expectedT: number | undefined;
  private inRate = 0;
  private dcX = 0;
  private dcY = 0;
  private pendingReset = true;

  constructor(settings: ListeningSettings) {
    this.settings = settings;
    this.meydaEvery = settings.descriptorEveryHops;
    this.extractor = new FeatureExtractor(settings);
    this.ring = new Float32Array(settings.bufferSize * 4);
  }

  /** Starts over: the next block begins a new song. */
  reset(): void {
    this.pendingReset = true;
    this.expectedT = undefined;
  }

  /** Feeds one block; returns the frames it completes, in time order. */
  push(block: AudioBlock): FeatureFrame[] {
    const { sampleRate, bufferSize, hopSize } = this.settings;
    const tolerance = 2 / block.sampleRate + 1e-4;
    if (
      block.reset === true ||
      block.sampleRate !== this.inRate ||
      this.expectedT === undefined ||
      Math.abs(block.t - this.expectedT) > tolerance
    ) {
      this.startOver(block);
    }
    this.expectedT = block.t + block.samples.length / block.sampleRate;
    const input = this.resampler === undefined ? block.samples : this.resampler.push(block.samples);

    if (this.filled + input.length > this.ring.length) {
      const bigger = new Float32Array(Math.max(this.ring.length * 2, this.filled + input.length));
      bigger.set(this.ring.subarray(0, this.filled));
      this.ring = bigger;
    }
    // DC blocker (≈10 Hz one-pole high-pass) and hard clip to [-1, 1].
    const r = Math.exp((-2 * Math.PI * 10) / sampleRate);
    for (let i = 0; i < input.length; i++) {
      let x = input[i]!;
      if (!Number.isFinite(x)) x = 0;
      const y = x - this.dcX + r * this.dcY;
      this.dcX = x;
      this.dcY = y;
      this.ring[this.filled + i] = y > 1 ? 1 : y < -1 ? -1 : y;
    }
    this.filled += input.length;

    const out: FeatureFrame[] = [];
    let offset = 0;
    while (this.filled - offset >= bufferSize) {
      const frame = this.ring.subarray(offset, offset + bufferSize);
      const centre = this.ringStart + offset + bufferSize / 2;
      const f = this.extractor.compute(frame, this.origin + centre / sampleRate, this.meydaEvery);
      out.push(this.pendingReset ? { ...f, reset: true } : f);
      this.pendingReset = false;
      offset += hopSize;
    }
    if (offset > 0) {
      this.ring.copyWithin(0, offset, this.filled);
      this.filled -= offset;
      this.ringStart += offset;
    }
    return out;
  }

  private startOver(block: AudioBlock): void {
    const { sampleRate, bufferSize } = this.settings;
    this.inRate = block.sampleRate;
    this.resampler = block.sampleRate === sampleRate ? undefined : new Resampler(block.sampleRate, sampleRate);
    this.extractor.reset();
    // Start with half a window of silence so the first frame is centred on the first sample.
    this.ring.fill(0);
    this.filled = bufferSize / 2;
    this.ringStart = -bufferSize / 2;
    this.origin = block.t;
    this.dcX = 0;
    this.dcY = 0;
    this.pendingReset = true;
  }
}

/**
 * Operator: audio blocks in, one `FeatureFrame` per hop out (≈86 per second by default). A block with
 * `reset`, a new sample rate or a time gap starts over, and the next frame carries `reset: true`.
 */
export function extractFeatures(settings: ListeningSettings): OperatorFunction<AudioBlock, FeatureFrame> {
  return (source) =>
    new Observable<FeatureFrame>((subscriber) => {
      const framer = new FeatureFramer(settings);
      return source.subscribe({
        next: (block) => {
          for (const frame of framer.push(block)) subscriber.next(frame);
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
}
