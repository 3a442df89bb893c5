/**
 * Streaming sample-rate conversion with a windowed-sinc kernel (band-limited, so downsampling does
 * not alias transients into false onsets). Pure: push blocks in, get blocks out.
 */

const PHASES = 256;

/** Converts a stream of samples from `inRate` to `outRate`, block by block, keeping state between pushes. */
export class Resampler {
  readonly inRate: number;
  readonly outRate: number;
  private readonly ratio: number;
  private readonly halfWidth: number;
  private readonly table: Float32Array;
  private history: Float32Array = new Float32Array(0);
  /** Absolute index (in input samples) of history[0]. */
  private historyStart = 0;
  /** Absolute count of input samples pushed. */
  private pushed = 0;
  /** Index of the next output sample. */
  private nextOut = 0;

  /** `halfTaps` sets the kernel length (zero crossings each side); 8 is ample for analysis. */
  constructor(inRate: number, outRate: number, halfTaps = 8) {
    if (!(inRate > 0) || !(outRate > 0)) throw new RangeError(`sample rates must be positive, got ${inRate} → ${outRate}`);
    this.inRate = inRate;
    this.outRate = outRate;
    this.ratio = inRate / outRate;
    const cutoff = Math.min(1, outRate / inRate) * 0.95;
    this.halfWidth = Math.ceil(halfTaps / cutoff);
    const len = this.halfWidth * PHASES + 2;
    this.table = new Float32Array(len);
    for (let i = 0; i < len; i++) {
      const d = i / PHASES;
      const x = Math.PI * cutoff * d;
      const sinc = d === 0 ? 1 : Math.sin(x) / x;
      const w = d >= this.halfWidth ? 0 : 0.5 + 0.5 * Math.cos((Math.PI * d) / this.halfWidth);
      this.table[i] = cutoff * sinc * w;
    }
  }

  private readonly phaseWeights = new Map<number, Float32Array>();

  /** Kernel taps for output positions whose fractional offset is `frac` (quantised to 1/PHASES of a sample). */
  private weightsFor(frac: number): Float32Array {
    const q = Math.round(frac * PHASES);
    let w = this.phaseWeights.get(q);
    if (w !== undefined) return w;
    const f = q / PHASES;
    const hw = this.halfWidth;
    w = new Float32Array(2 * hw);
    for (let m = 0; m < 2 * hw; m++) {
      const d = Math.abs(f - (m - hw + 1)) * PHASES;
      const i0 = Math.floor(d);
      w[m] = i0 + 1 < this.table.length ? this.table[i0]! + (this.table[i0 + 1]! - this.table[i0]!) * (d - i0) : 0;
    }
    this.phaseWeights.set(q, w);
    return w;
  }

  /** True when input and output rates are the same (blocks pass through unchanged). */
  get isIdentity(): boolean {
    return this.inRate === this.outRate;
  }

  /** Pushes input samples, returns the output samples they complete (possibly none). */
  push(input: Float32Array): Float32Array {
    if (this.isIdentity) return input;
    const merged = new Float32Array(this.history.length + input.length);
    merged.set(this.history, 0);
    merged.set(input, this.history.length);
    this.pushed += input.length;
    const out: number[] = [];
    const hw = this.halfWidth;
    const hs = this.historyStart;
    for (;;) {
      const centre = this.nextOut * this.ratio;
      const base = Math.floor(centre);
      if (base + hw >= this.pushed) break;
      const weights = this.weightsFor(centre - base);
      let acc = 0;
      const first = base - hw + 1;
      for (let m = 0; m < weights.length; m++) {
        const j = first + m;
        if (j >= 0) acc += weights[m]! * merged[j - hs]!;
      }
      out.push(acc);
      this.nextOut++;
    }
    const keepFrom = Math.max(this.historyStart, Math.floor(this.nextOut * this.ratio) - hw - 1);
    this.history = merged.slice(keepFrom - this.historyStart);
    this.historyStart = keepFrom;
    return Float32Array.from(out);
  }
}
