/**
 * Signal conditioning ahead of every analysis: resampling to the analysis rate, a DC blocker and a
 * hard clip, with non-finite samples taken as silence. The feature framer and the learned tracker's
 * training features both go through this one class, so what the network learned from is what it hears.
 */
import { Resampler } from './resample.js';

/** Streaming conditioner for one source: samples at `inputRate` in, analysis-rate samples out. */
export class SignalConditioner {
  private resampler: Resampler | undefined;
  private dcX = 0;
  private dcY = 0;
  private readonly r: number;

  constructor(
    readonly inputRate: number,
    readonly analysisRate: number,
  ) {
    this.resampler = inputRate === analysisRate ? undefined : new Resampler(inputRate, analysisRate);
    // DC blocker: a one-pole high-pass at about 10 Hz.
    this.r = Math.exp((-2 * Math.PI * 10) / analysisRate);
  }

  /** Conditions one block. The result is a new array (or the resampler's), never `input` itself. */
  push(input: Float32Array): Float32Array {
    // Non-finite samples become silence before the resampler could spread them over their neighbours.
    let clean = input;
    for (let i = 0; i < input.length; i++) {
      if (!Number.isFinite(input[i]!)) {
        clean = input.map((v) => (Number.isFinite(v) ? v : 0));
        break;
      }
    }
    const x = this.resampler === undefined ? clean : this.resampler.push(clean);
    const out = new Float32Array(x.length);
    const r = this.r;
    let dcX = this.dcX;
    let dcY = this.dcY;
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      const y = v - dcX + r * dcY;
      dcX = v;
      dcY = y;
      out[i] = y > 1 ? 1 : y < -1 ? -1 : y;
    }
    this.dcX = dcX;
    this.dcY = dcY;
    return out;
  }
}
