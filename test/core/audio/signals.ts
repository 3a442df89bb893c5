/** Synthetic test signals for the listening tests. */

/** Short decaying noise bursts ("clicks") at the given times, on a silent background. */
export function clicks(times: readonly number[], durationS: number, sampleRate = 22050, amplitude = 0.8): Float32Array {
  const out = new Float32Array(Math.round(durationS * sampleRate));
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff - 0.5;
  };
  const len = Math.round(0.03 * sampleRate);
  for (const t of times) {
    const start = Math.round(t * sampleRate);
    for (let i = 0; i < len && start + i < out.length; i++) {
      const env = Math.exp(-i / (0.005 * sampleRate));
      out[start + i]! += amplitude * env * (2 * rand() + 0.5 * Math.sin((2 * Math.PI * 1000 * i) / sampleRate));
    }
  }
  return out;
}

/** Beat times at a constant tempo from `startS` to `endS`. */
export function beatTimes(bpm: number, startS: number, endS: number): number[] {
  const out: number[] = [];
  for (let t = startS; t < endS; t += 60 / bpm) out.push(t);
  return out;
}
