/**
 * A small radix-2 FFT for magnitude spectra (the onset-strength path runs it every hop, so it must be
 * cheap: tables are precomputed once per size).
 */

/** Magnitude spectrum of real frames of one fixed power-of-two size. Reuses its buffers. */
export class MagnitudeFft {
  readonly size: number;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly rev: Uint32Array;
  private readonly window: Float64Array;
  private readonly mag: Float32Array;

  /** `size` must be a power of two ≥ 4. A Hann window is applied to every frame. */
  constructor(size: number) {
    if (size < 4 || (size & (size - 1)) !== 0) throw new RangeError(`FFT size must be a power of two ≥ 4, got ${size}`);
    this.size = size;
    this.re = new Float64Array(size);
    this.im = new Float64Array(size);
    this.cos = new Float64Array(size / 2);
    this.sin = new Float64Array(size / 2);
    for (let i = 0; i < size / 2; i++) {
      this.cos[i] = Math.cos((-2 * Math.PI * i) / size);
      this.sin[i] = Math.sin((-2 * Math.PI * i) / size);
    }
    this.rev = new Uint32Array(size);
    const bits = Math.log2(size);
    for (let i = 0; i < size; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >>> b) & 1) << (bits - 1 - b);
      this.rev[i] = r;
    }
    this.window = new Float64Array(size);
    for (let i = 0; i < size; i++) this.window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / size);
    this.mag = new Float32Array(size / 2 + 1);
  }

  /**
   * Hann-windowed magnitude spectrum (bins 0..size/2) of `frame` (length `size`). The returned array
   * is reused by the next call: copy it to keep it.
   */
  magnitude(frame: ArrayLike<number>): Float32Array {
    const n = this.size;
    const re = this.re;
    const im = this.im;
    const rev = this.rev;
    const win = this.window;
    const cosT = this.cos;
    const sinT = this.sin;
    for (let i = 0; i < n; i++) {
      const j = rev[i]!;
      re[j] = frame[i]! * win[i]!;
      im[j] = 0;
    }
    for (let len = 2; len <= n; len <<= 1) {
      const half = len >>> 1;
      const step = n / len;
      for (let k = 0; k < half; k++) {
        const wr = cosT[k * step]!;
        const wi = sinT[k * step]!;
        for (let a = k; a < n; a += len) {
          const b = a + half;
          const br = re[b]!;
          const bi = im[b]!;
          const xr = br * wr - bi * wi;
          const xi = br * wi + bi * wr;
          const ar = re[a]!;
          const ai = im[a]!;
          re[b] = ar - xr;
          im[b] = ai - xi;
          re[a] = ar + xr;
          im[a] = ai + xi;
        }
      }
    }
    const mag = this.mag;
    for (let k = 0; k <= n / 2; k++) {
      const r = re[k]!;
      const m = im[k]!;
      mag[k] = Math.sqrt(r * r + m * m);
    }
    return mag;
  }
}
