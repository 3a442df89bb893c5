/**
 * One GRU layer's forward pass, one time step at a time, in plain typed arrays: what the tfjs GRU
 * layer (sigmoid gates, tanh candidate, reset applied before the recurrent product, gate order
 * z, r, h) computes, without TensorFlow on the live path and without allocating per step. The cue
 * model (`model/streamingNet.ts`) and the learned beat tracker (`audio/beatNet.ts`) both step through
 * it, so there is one GRU in the engine.
 */

/** A GRU layer's weights, laid out as tfjs stores them. */
export interface GruWeights {
  readonly inputSize: number;
  readonly hiddenSize: number;
  /** [inputSize × 3H], row-major, gate order z, r, h. */
  readonly kernel: Float32Array;
  /** [H × 3H], row-major. */
  readonly recurrentKernel: Float32Array;
  /** [3H]. */
  readonly bias: Float32Array;
}

/**
 * A dense layer in place: `out` = bias + x · kernel (kernel [x.length × out.length], row-major, as
 * tfjs stores it), then ReLU if asked. The one dense product of the engine's small networks (the GRU's
 * input gates, the beat, bar and cue networks' dense layers).
 */
export function denseInto(out: Float32Array, bias: ArrayLike<number>, x: ArrayLike<number>, inputs: number, kernel: Float32Array, relu = false): Float32Array {
  const n = out.length;
  for (let j = 0; j < n; j++) out[j] = bias[j]!;
  for (let i = 0; i < inputs; i++) {
    const xi = x[i]!;
    if (xi === 0) continue;
    const row = i * n;
    for (let j = 0; j < n; j++) out[j]! += xi * kernel[row + j]!;
  }
  if (relu) for (let j = 0; j < n; j++) if (out[j]! < 0) out[j] = 0;
  return out;
}

/** Logistic sigmoid. */
export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** A GRU layer with its recurrent state. `step` advances one time step; `reset` clears the state. */
export class GruCell {
  /** The recurrent state after the last step (read-only for callers). */
  readonly h: Float32Array;
  private readonly hNext: Float32Array;
  private readonly gx: Float32Array;
  private readonly gh: Float32Array;

  constructor(readonly weights: GruWeights) {
    const H = weights.hiddenSize;
    if (weights.kernel.length !== weights.inputSize * 3 * H || weights.recurrentKernel.length !== H * 3 * H || weights.bias.length !== 3 * H) {
      throw new RangeError(`GRU weights do not fit ${weights.inputSize} inputs × ${H} units`);
    }
    this.h = new Float32Array(H);
    this.hNext = new Float32Array(H);
    this.gx = new Float32Array(3 * H);
    this.gh = new Float32Array(3 * H);
  }

  /** Clears the recurrent state. */
  reset(): void {
    this.h.fill(0);
  }

  /** Advances one step with input `x` (length `inputSize`); returns the new state (`h`). */
  step(x: ArrayLike<number>): Float32Array {
    const { inputSize: I, hiddenSize: H, kernel, recurrentKernel, bias } = this.weights;
    const G = 3 * H;
    const gx = denseInto(this.gx, bias, x, I, kernel);
    // Recurrent products for z and r (first 2H columns).
    const gh = this.gh;
    gh.fill(0, 0, 2 * H);
    const h = this.h;
    for (let i = 0; i < H; i++) {
      const hi = h[i]!;
      if (hi === 0) continue;
      const row = i * G;
      for (let j = 0; j < 2 * H; j++) gh[j]! += hi * recurrentKernel[row + j]!;
    }
    // Candidate: (r ⊙ h) · Rh.
    gh.fill(0, 2 * H, G);
    for (let i = 0; i < H; i++) {
      const r = sigmoid(gx[H + i]! + gh[H + i]!);
      const rh = r * h[i]!;
      if (rh === 0) continue;
      const row = i * G + 2 * H;
      for (let j = 0; j < H; j++) gh[2 * H + j]! += rh * recurrentKernel[row + j]!;
    }
    const next = this.hNext;
    for (let j = 0; j < H; j++) {
      const z = sigmoid(gx[j]! + gh[j]!);
      const cand = Math.tanh(gx[2 * H + j]! + gh[2 * H + j]!);
      next[j] = z * h[j]! + (1 - z) * cand;
    }
    h.set(next);
    return h;
  }
}
