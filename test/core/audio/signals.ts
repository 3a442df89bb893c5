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

/**
 * A melody of 16 notes looping, one note per beat at `bpm` (4/4, louder on the downbeat); every other
 * note at `offBeatLevel` — soft enough (0.1 at 110 BPM) and the decoder, alone, takes half the tempo.
 * `square`: another timbre and other notes (another song). At 22.05 kHz.
 */
export function melodyTake(bpm: number, seconds: number, offBeatLevel = 0.3, square = false): { samples: Float32Array; beats: number[] } {
  const SR = 22050;
  const out = new Float32Array(Math.round(seconds * SR));
  const notes = square ? [50, 57, 53, 45, 52, 59, 55, 47, 48, 55, 52, 43, 53, 60, 57, 50] : [60, 64, 67, 72, 62, 65, 69, 74, 57, 60, 64, 69, 59, 62, 67, 71];
  const period = 60 / bpm;
  const beats: number[] = [];
  for (let k = 0; (k + 1) * period < seconds; k++) {
    const f = 440 * 2 ** ((notes[k % 16]! - 69) / 12);
    const start = Math.round(k * period * SR);
    beats.push(k * period);
    const level = square ? 0.4 : k % 2 === 1 ? offBeatLevel : k % 4 === 0 ? 0.5 : 0.3;
    for (let i = 0; i < period * SR && start + i < out.length; i++) {
      const s = Math.sin((2 * Math.PI * f * i) / SR);
      out[start + i] = level * Math.exp(-i / ((square ? 0.1 : 0.3) * SR)) * (square ? Math.sign(s) : s);
    }
  }
  return { samples: out, beats };
}
