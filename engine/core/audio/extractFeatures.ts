/**
 * Audio blocks → feature frames: resampling to the analysis rate, DC blocking, clipping, framing
 * (bufferSize window every hopSize samples) and features; and, for the learned beat tracker, its
 * 50 fps filterbank frames from the same conditioned signal. Causal and synchronous per block.
 */
import { Observable, type OperatorFunction } from 'rxjs';
import { BEAT_FRAME_LAG_S, BEAT_SAMPLE_RATE, BeatFramer } from './beatFrames.js';
import { SignalConditioner } from './condition.js';
import { FeatureExtractor } from './features.js';
import type { AudioBlock, FeatureFrame, ListeningFrame, ListeningSettings } from './types.js';

/** Stateful block-to-frames converter behind `extractFeatures` (also used directly by benches). */
export class FeatureFramer {
  private readonly settings: ListeningSettings;
  private readonly meydaEvery: number;
  private readonly extractor: FeatureExtractor;
  private conditioner: SignalConditioner | undefined;
  /** The learned tracker's framer (only when the settings ask for it), with its own conditioner when the analysis rate is not its rate. */
  private readonly beatFramer: BeatFramer | undefined;
  private beatConditioner: SignalConditioner | undefined;
  private ring: Float32Array;
  /** Analysis-rate samples currently buffered in `ring`. */
  private filled = 0;
  /** Analysis-rate sample index (since reset) of ring[0]. */
  private ringStart = 0;
  /** Audio time of analysis sample 0 since the last reset. */
  private origin = 0;
  private expectedT: number | undefined;
  private inRate = 0;
  private pendingReset = true;

  constructor(settings: ListeningSettings) {
    this.settings = settings;
    this.meydaEvery = settings.descriptorEveryHops;
    this.extractor = new FeatureExtractor(settings);
    this.ring = new Float32Array(settings.bufferSize * 4);
    this.beatFramer = settings.tracker === 'learned' ? new BeatFramer() : undefined;
  }

  /** Starts over: the next block begins a new song. */
  reset(): void {
    this.pendingReset = true;
    this.expectedT = undefined;
  }

  /** Feeds one block; returns the feature frames it completes, in time order. */
  push(block: AudioBlock): FeatureFrame[] {
    const out: FeatureFrame[] = [];
    for (const f of this.pushAll(block)) if (f.kind === 'feature') out.push(f.frame);
    return out;
  }

  /**
   * Feeds one block; returns every frame it completes — feature frames and (with the learned
   * tracker) beat frames — in the order they are heard (frame time plus half its window).
   */
  pushAll(block: AudioBlock): ListeningFrame[] {
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
    const input = this.conditioner!.push(block.samples);

    if (this.filled + input.length > this.ring.length) {
      const bigger = new Float32Array(Math.max(this.ring.length * 2, this.filled + input.length));
      bigger.set(this.ring.subarray(0, this.filled));
      this.ring = bigger;
    }
    this.ring.set(input, this.filled);
    this.filled += input.length;

    const out: ListeningFrame[] = [];
    let offset = 0;
    const lagS = bufferSize / 2 / sampleRate;
    while (this.filled - offset >= bufferSize) {
      const frame = this.ring.subarray(offset, offset + bufferSize);
      const centre = this.ringStart + offset + bufferSize / 2;
      const f = this.extractor.compute(frame, this.origin + centre / sampleRate, this.meydaEvery);
      out.push({ kind: 'feature', frame: this.pendingReset ? { ...f, reset: true } : f, heardT: f.t + lagS });
      this.pendingReset = false;
      offset += hopSize;
    }
    if (offset > 0) {
      this.ring.copyWithin(0, offset, this.filled);
      this.filled -= offset;
      this.ringStart += offset;
    }
    if (this.beatFramer !== undefined) {
      const beatInput = this.beatConditioner === undefined ? input : this.beatConditioner.push(input);
      const beats = this.beatFramer.push(beatInput);
      if (beats.length > 0) {
        for (const b of beats) out.push({ kind: 'beat', frame: b, heardT: b.t + BEAT_FRAME_LAG_S });
        out.sort((a, b) => a.heardT - b.heardT);
      }
    }
    return out;
  }

  private startOver(block: AudioBlock): void {
    const { sampleRate, bufferSize } = this.settings;
    this.inRate = block.sampleRate;
    this.conditioner = new SignalConditioner(block.sampleRate, sampleRate);
    this.extractor.reset();
    // Start with half a window of silence so the first frame is centred on the first sample.
    this.ring.fill(0);
    this.filled = bufferSize / 2;
    this.ringStart = -bufferSize / 2;
    this.origin = block.t;
    this.pendingReset = true;
    if (this.beatFramer !== undefined) {
      this.beatFramer.reset(block.t);
      this.beatConditioner = sampleRate === BEAT_SAMPLE_RATE ? undefined : new SignalConditioner(sampleRate, BEAT_SAMPLE_RATE);
    }
  }
}

/**
 * Operator: audio blocks in, one `FeatureFrame` per hop (≈86 per second by default) and, with the
 * learned tracker, one `BeatFrame` per 20 ms out, in the order they are heard. A block with `reset`,
 * a new sample rate or a time gap starts over, and the next frames carry `reset: true`.
 */
export function extractFrames(settings: ListeningSettings): OperatorFunction<AudioBlock, ListeningFrame> {
  return (source) =>
    new Observable<ListeningFrame>((subscriber) => {
      const framer = new FeatureFramer(settings);
      return source.subscribe({
        next: (block) => {
          for (const frame of framer.pushAll(block)) subscriber.next(frame);
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
}
