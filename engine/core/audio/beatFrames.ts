/**
 * The learned beat tracker's input: log-magnitude filterbank frames at 50 frames per second (the
 * BeatNet recipe, smaller). Each frame is a 2048-sample Hann window at 22 050 Hz every 441 samples,
 * its magnitude spectrum pooled into triangular bands spaced `BEAT_BANDS_PER_OCTAVE` to the octave
 * from 30 Hz to 11 kHz (bands narrower than a bin merged, as madmom's "unique" filters), compressed
 * with log10(1 + γ·E). The network sees these bands and their positive difference from the frame
 * before.
 *
 * Training (bench/listener) and the live engine compute frames with this module only; the constants
 * here are part of the trained model's contract (`beatNet.ts` checks them against the weights).
 */
import { SignalConditioner } from './condition.js';
import { MagnitudeFft } from './fft.js';

/** Sample rate of the tracker's frames (audio at other rates is resampled to it first). */
export const BEAT_SAMPLE_RATE = 22050;
/** Samples between frames: 50 frames per second. */
export const BEAT_HOP = 441;
/** Analysis window in samples (93 ms): a frame is heard half a window after its time. */
export const BEAT_WINDOW = 2048;
/** Frames per second. */
export const BEAT_FPS = BEAT_SAMPLE_RATE / BEAT_HOP;
/** Band spacing, lowest and highest centre frequency (Hz). */
export const BEAT_BANDS_PER_OCTAVE = 8;
export const BEAT_FMIN_HZ = 30;
export const BEAT_FMAX_HZ = 11000;
/** Log compression gain: log10(1 + γ·E), E the band's magnitude in amplitude units (a full-scale sine ≈ 0.5). */
export const BEAT_LOG_GAIN = 1e4;
/** Seconds from a frame's time (its window centre) until it has been heard. */
export const BEAT_FRAME_LAG_S = BEAT_WINDOW / 2 / BEAT_SAMPLE_RATE;

/** One frame of log band energies. */
export interface BeatFrame {
  /** Seconds of the window centre, audio time base. */
  readonly t: number;
  /** log10(1 + γ·E) per band, `beatBandCount()` values. */
  readonly bands: Float32Array;
  /** True on the first frame after a reset: the tracker starts over. */
  readonly reset?: boolean;
}

/** Triangular log-spaced filters over one FFT size, stored sparsely. */
export class LogFilterbank {
  /** First bin and weights of each band. */
  private readonly from: Int32Array;
  private readonly weights: Float32Array[];

  constructor(fftSize = BEAT_WINDOW, sampleRate = BEAT_SAMPLE_RATE, bandsPerOctave = BEAT_BANDS_PER_OCTAVE, fMin = BEAT_FMIN_HZ, fMax = BEAT_FMAX_HZ) {
    const binHz = sampleRate / fftSize;
    const maxBin = fftSize / 2;
    const centres: number[] = [];
    for (let k = 0; ; k++) {
      const f = fMin * 2 ** (k / bandsPerOctave);
      if (f > Math.min(fMax, sampleRate / 2)) break;
      const bin = Math.round(f / binHz);
      if (bin <= maxBin && centres[centres.length - 1] !== bin) centres.push(bin);
    }
    const from: number[] = [];
    this.weights = [];
    for (let i = 1; i + 1 < centres.length; i++) {
      const lo = centres[i - 1]!;
      const mid = centres[i]!;
      const hi = centres[i + 1]!;
      const w = new Float32Array(hi - lo + 1);
      for (let b = lo; b <= hi; b++) w[b - lo] = b <= mid ? (b - lo + 1) / (mid - lo + 1) : (hi - b + 1) / (hi - mid + 1);
      const sum = w.reduce((a, x) => a + x, 0);
      for (let j = 0; j < w.length; j++) w[j]! /= sum;
      from.push(lo);
      this.weights.push(w);
    }
    this.from = Int32Array.from(from);
  }

  /** Number of bands. */
  get size(): number {
    return this.weights.length;
  }

  /** Fills `out` with the compressed band energies of magnitude spectrum `mag` (scaled by `norm`). */
  apply(mag: Float32Array, norm: number, out: Float32Array): void {
    for (let b = 0; b < this.weights.length; b++) {
      const w = this.weights[b]!;
      const lo = this.from[b]!;
      let e = 0;
      for (let k = 0; k < w.length; k++) e += w[k]! * mag[lo + k]!;
      out[b] = Math.log10(1 + BEAT_LOG_GAIN * norm * e);
    }
  }
}

let sharedBank: LogFilterbank | undefined;

/** Bands per frame of the tracker's input. */
export function beatBandCount(): number {
  sharedBank ??= new LogFilterbank();
  return sharedBank.size;
}

/**
 * Frames conditioned analysis-rate samples (see `SignalConditioner`) into `BeatFrame`s. Samples at a
 * rate other than `BEAT_SAMPLE_RATE` are not accepted: the caller conditions to that rate.
 */
export class BeatFramer {
  private readonly fft = new MagnitudeFft(BEAT_WINDOW);
  private readonly bank: LogFilterbank;
  private ring = new Float32Array(BEAT_WINDOW * 2);
  private filled = 0;
  /** Frames emitted since the reset. */
  private count = 0;
  private origin = 0;
  private pendingReset = true;

  constructor() {
    sharedBank ??= new LogFilterbank();
    this.bank = sharedBank;
    this.reset(0);
  }

  /** Starts over at audio time `origin` (the time of the next sample pushed). */
  reset(origin: number): void {
    this.origin = origin;
    this.count = 0;
    // Half a window of silence first, so frame 0 is centred on the first sample.
    this.ring.fill(0);
    this.filled = BEAT_WINDOW / 2;
    this.pendingReset = true;
  }

  /** Seconds at which the frame that the next push may complete becomes available (its heard time). */
  get nextFrameHeardT(): number {
    return this.origin + (this.count * BEAT_HOP) / BEAT_SAMPLE_RATE + BEAT_FRAME_LAG_S;
  }

  /** Adds conditioned samples at `BEAT_SAMPLE_RATE`; returns the frames they complete. */
  push(samples: Float32Array): BeatFrame[] {
    if (this.filled + samples.length > this.ring.length) {
      const bigger = new Float32Array(Math.max(this.ring.length * 2, this.filled + samples.length));
      bigger.set(this.ring.subarray(0, this.filled));
      this.ring = bigger;
    }
    this.ring.set(samples, this.filled);
    this.filled += samples.length;
    const out: BeatFrame[] = [];
    let offset = 0;
    while (this.filled - offset >= BEAT_WINDOW) {
      const mag = this.fft.magnitude(this.ring.subarray(offset, offset + BEAT_WINDOW));
      const bands = new Float32Array(this.bank.size);
      this.bank.apply(mag, 2 / BEAT_WINDOW, bands);
      const t = this.origin + (this.count * BEAT_HOP) / BEAT_SAMPLE_RATE;
      out.push(this.pendingReset ? { t, bands, reset: true } : { t, bands });
      this.pendingReset = false;
      this.count++;
      offset += BEAT_HOP;
    }
    if (offset > 0) {
      this.ring.copyWithin(0, offset, this.filled);
      this.filled -= offset;
    }
    return out;
  }
}

/**
 * Every frame of a whole recording (any sample rate), conditioned and framed exactly as the live
 * pipeline does at the default analysis rate: `bands` holds `count` frames of `beatBandCount()`
 * values, frame-major. Training and offline decoding use it.
 */
export function beatFramesOf(samples: Float32Array, sampleRate: number, blockSize = 4096): { bands: Float32Array; count: number } {
  const conditioner = new SignalConditioner(sampleRate, BEAT_SAMPLE_RATE);
  const framer = new BeatFramer();
  const B = beatBandCount();
  const chunks: Float32Array[] = [];
  for (let i = 0; i < samples.length; i += blockSize) {
    for (const f of framer.push(conditioner.push(samples.subarray(i, Math.min(samples.length, i + blockSize))))) chunks.push(f.bands);
  }
  const bands = new Float32Array(chunks.length * B);
  chunks.forEach((c, k) => bands.set(c, k * B));
  return { bands, count: chunks.length };
}
