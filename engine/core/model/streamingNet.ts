/**
 * The trained network's forward pass for one beat at a time, in plain typed arrays: no TensorFlow on
 * the live path, no allocation per step, and the recurrent state carried from beat to beat. The GRU
 * is the engine's one `GruCell` (exactly what the tfjs GRU computes).
 */
import { denseInto, GruCell, sigmoid } from '../gru.js';
import type { NetWeights } from './types.js';

/** One department's outputs for the next beat. */
export interface DeptOutput {
  /** Chance that this department's next cue goes on the next beat. */
  fire: number;
  /** Index (in the department's vocabulary) of the most likely next cue, and its probability. */
  cueIndex: number;
  cueProbability: number;
  /** Predicted beats until the next cue (≥ 1). */
  beatsToNext: number;
}

/** Streaming GRU + heads. `step` advances one beat; `reset` starts a new take. */
export class StreamingNet {
  private readonly gru: GruCell;
  private readonly shared: Float32Array;
  private readonly logits: Float32Array[];
  /** Outputs of the last step, one per department (in `weights.heads` order). */
  readonly outputs: DeptOutput[];

  constructor(readonly weights: NetWeights) {
    this.gru = new GruCell(weights);
    this.shared = new Float32Array(weights.headSize);
    this.logits = weights.heads.map((hw) => new Float32Array(hw.cueBias.length));
    this.outputs = weights.heads.map(() => ({ fire: 0, cueIndex: 0, cueProbability: 0, beatsToNext: 1 }));
  }

  /** Clears the recurrent state. */
  reset(): void {
    this.gru.reset();
  }

  /** A copy of the recurrent state (for tests and checkpoints). */
  state(): Float32Array {
    return this.gru.h.slice();
  }

  /** Advances one beat with the (normalised) input vector `x`; fills and returns `outputs`. */
  step(x: Float32Array): DeptOutput[] {
    const { hiddenSize: H, headSize: S } = this.weights;
    const h = this.gru.step(x);
    // Shared dense + ReLU.
    const sh = denseInto(this.shared, this.weights.sharedBias, h, H, this.weights.sharedKernel, true);
    this.weights.heads.forEach((hw, d) => {
      const out = this.outputs[d]!;
      out.fire = sigmoid(dot1(sh, hw.fireKernel, hw.fireBias));
      out.beatsToNext = Math.max(1, Math.expm1(dot1(sh, hw.countKernel, hw.countBias)));
      const logits = this.logits[d]!;
      const V = logits.length;
      logits.set(hw.cueBias);
      for (let i = 0; i < S; i++) {
        const si = sh[i]!;
        if (si === 0) continue;
        const row = i * V;
        for (let j = 0; j < V; j++) logits[j]! += si * hw.cueKernel[row + j]!;
      }
      let best = 0;
      for (let j = 1; j < V; j++) if (logits[j]! > logits[best]!) best = j;
      const max = logits[best]!;
      let total = 0;
      for (let j = 0; j < V; j++) total += Math.exp(logits[j]! - max);
      out.cueIndex = best;
      out.cueProbability = 1 / total;
    });
    return this.outputs;
  }
}

function dot1(v: Float32Array, kernel: Float32Array, bias: Float32Array): number {
  let s = bias[0] ?? 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * kernel[i]!;
  return s;
}
