/** A fixed-bin histogram of timing errors (10 µs bins up to 100 ms), allocation-free per sample. */
import { type TimingStats } from './protocol.js';

const BIN_US = 10;
const BINS = 10_000;

/** Collects send-time errors. */
export class TimingHistogram {
  private readonly bins = new Uint32Array(BINS + 1);
  private count = 0;
  private max = 0;

  /** Adds one error in ms (negative values count as 0: a send never happens early by design). */
  add(errorMs: number): void {
    const e = errorMs > 0 ? errorMs : 0;
    if (e > this.max) this.max = e;
    const bin = Math.min(BINS, Math.floor((e * 1000) / BIN_US));
    this.bins[bin]!++;
    this.count++;
  }

  /** Clears all samples. */
  reset(): void {
    this.bins.fill(0);
    this.count = 0;
    this.max = 0;
  }

  private percentile(p: number): number {
    if (this.count === 0) return 0;
    const target = Math.ceil(this.count * p);
    let seen = 0;
    for (let i = 0; i <= BINS; i++) {
      seen += this.bins[i]!;
      if (seen >= target) return ((i + 1) * BIN_US) / 1000; // upper edge of the bin
    }
    return this.max;
  }

  /** p50/p99/max in ms. */
  summary(): TimingStats {
    return { count: this.count, p50Ms: this.percentile(0.5), p99Ms: this.percentile(0.99), maxMs: this.max };
  }
}
