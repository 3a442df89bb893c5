import { describe, expect, it } from 'vitest';
import { BarPointerFilter, decodeBarPointer, decodeBarPointerScored, filterActivations, oneFactorPerBeat } from '../../../engine/core/audio/barPointer.js';
import { fMeasure } from '../../../bench/lib/beatEval.js';

const FPS = 50;

/** Activations with a beat every `period` frames from `first`, a downbeat every `meter` beats; noise floor `floor`. */
function activations(frames: number, period: number, first: number, meter: number, floor = 0.01, strength = 0.8): Float32Array {
  const a = new Float32Array(2 * frames);
  for (let n = 0; n < frames; n++) {
    a[2 * n] = floor;
    a[2 * n + 1] = floor / 2;
  }
  for (let k = 0; first + k * period < frames; k++) {
    const n = Math.round(first + k * period);
    if (k % meter === 0) a[2 * n + 1] = strength;
    else a[2 * n] = strength;
  }
  return a;
}

const times = (beats: readonly { frame: number }[]): number[] => beats.map((b) => b.frame / FPS);
const truth = (frames: number, period: number, first: number): number[] => {
  const out: number[] = [];
  for (let k = 0; first + k * period < frames; k++) out.push((first + k * period) / FPS);
  return out;
};

describe('bar-pointer HMM', () => {
  it('online: locks onto a steady 120 BPM pulse and its downbeats', () => {
    const a = activations(30 * FPS, 25, 10, 4);
    const beats = filterActivations(a, { fps: FPS });
    expect(fMeasure(truth(30 * FPS, 25, 10), times(beats)).f).toBeGreaterThan(0.97);
    const late = beats.filter((b) => b.frame > 10 * FPS);
    for (const b of late) {
      expect(b.meter).toBe(4);
      expect(b.tau).toBe(25);
      expect(b.beatInBar).toBe(Math.round((b.frame - 10) / 25) % 4);
      expect(b.confidence).toBeGreaterThan(0);
      expect(b.confidence).toBeLessThanOrEqual(1);
    }
  });

  it('online: hears three beats to the bar when the downbeats say so', () => {
    const beats = filterActivations(activations(40 * FPS, 30, 5, 3), { fps: FPS });
    expect(beats.filter((b) => b.frame > 20 * FPS).every((b) => b.meter === 3)).toBe(true);
  });

  it('online: an off-beat lock is corrected within a few beats when the evidence moves', () => {
    // 20 s on one phase, then the pulse shifts by half a beat (an off-beat lock seen from the new pulse).
    const frames = 40 * FPS;
    const a1 = activations(frames, 25, 10, 4);
    const a2 = activations(frames, 25, 22.5, 4);
    const a = new Float32Array(2 * frames);
    a.set(a1.subarray(0, 2 * 20 * FPS));
    a.set(a2.subarray(2 * 20 * FPS), 2 * 20 * FPS);
    const beats = filterActivations(a, { fps: FPS });
    // From four beats after the shift on, every beat is on the new pulse.
    const after = truth(frames, 25, 22.5).filter((t) => t >= 20 + 4 * 0.5);
    expect(fMeasure(after, times(beats).filter((t) => t >= 20 + 4 * 0.5), 0.07, 0).f).toBeGreaterThan(0.95);
  });

  it('online: follows a tempo change from 100 to 140 BPM', () => {
    const frames = 40 * FPS;
    const a = activations(frames, 30, 10, 4);
    const b = activations(frames, 60 * FPS / 140, 20 * FPS + 3, 4);
    a.set(b.subarray(2 * 20 * FPS), 2 * 20 * FPS);
    const beats = filterActivations(a, { fps: FPS });
    const late = beats.filter((x) => x.frame > 26 * FPS);
    expect(late.length).toBeGreaterThan(10);
    for (const x of late) expect(Math.abs((60 * FPS) / x.tau - 140)).toBeLessThan(8);
  });

  it('online: holds fast tempi whose beat is not a whole number of frames (clicks as the network hears them)', () => {
    // Each click spread over the two frames around it and split between beat and downbeat, no bar
    // (what the beat network gives on a click track). 170 BPM is 17.6 frames a beat, 140 BPM 21.4:
    // the filter must alternate between two intervals (stop 34: it held half the tempo, F 0.64 / 0.57).
    const clicks = (frames: number, at: readonly number[]): Float32Array => {
      const a = new Float32Array(2 * frames);
      for (let n = 0; n < frames; n++) {
        a[2 * n] = 0.005;
        a[2 * n + 1] = 0.002;
      }
      for (const t of at) {
        const x = t * FPS;
        const n = Math.floor(x);
        const w = x - n;
        if (n + 1 >= frames) continue;
        a[2 * n] = 0.6 * (1 - w) + 0.1;
        a[2 * n + 1] = 0.25 * (1 - w);
        a[2 * (n + 1)] = 0.6 * w + 0.1;
        a[2 * (n + 1) + 1] = 0.25 * w;
      }
      return a;
    };
    for (const [from, to] of [[170, 170], [100, 140]] as const) {
      const at: number[] = [];
      for (let t = 0.2; t < 20; t += 60 / from) at.push(t);
      for (let t = 20; t < 45; t += 60 / to) at.push(t);
      const beats = times(filterActivations(clicks(45 * FPS, at), { fps: FPS }));
      const settled = (xs: readonly number[]): number[] => xs.filter((t) => t >= 26);
      expect(fMeasure(settled(at), settled(beats), 0.07, 0).f, `${from} → ${to} BPM`).toBeGreaterThan(0.95);
    }
  });

  it('emits no beats without evidence (silence) and never NaN on non-finite input', () => {
    const f = new BarPointerFilter({ fps: FPS });
    let beats = 0;
    for (let n = 0; n < 20 * FPS; n++) if (f.step(n % 7 === 0 ? Number.NaN : 0, n % 11 === 0 ? Number.POSITIVE_INFINITY : 0) !== undefined) beats++;
    expect(beats).toBe(0);
    const s = f.state!;
    expect([s.tau, s.phase, s.beatInBar, s.meter].every(Number.isFinite)).toBe(true);
    // And it still locks on once the music starts.
    const a = activations(20 * FPS, 25, 3, 4);
    const out: number[] = [];
    for (let n = 0; n < 20 * FPS; n++) if (f.step(a[2 * n]!, a[2 * n + 1]!) !== undefined) out.push(n / FPS);
    expect(fMeasure(truth(20 * FPS, 25, 3), out).f).toBeGreaterThan(0.9);
  });

  it('an entry prior that favours the off-beat wins over weak evidence', () => {
    const frames = 30 * FPS;
    const a = activations(frames, 25, 10, 4, 0.05, 0.2);
    const f = new BarPointerFilter({ fps: FPS });
    const out: number[] = [];
    for (let n = 0; n < frames; n++) {
      // The prior says beats fall half a beat after the activations' pulse.
      const phase = (((n - 22.5) % 25) + 25) % 25;
      const onBeat = Math.min(phase, 25 - phase) < 2;
      const b = f.step(a[2 * n]!, a[2 * n + 1]!, () => (onBeat ? 1 : 0.05));
      if (b !== undefined) out.push(n / FPS);
    }
    expect(fMeasure(truth(frames, 25, 22.5), out).f).toBeGreaterThan(0.9);
  });

  // The observation tried in stop 35 and not shipped (bench/listener/README.md, "One factor per beat"):
  // better on validation played faster, worse on the held-out renders. Kept as an option for tune.ts.
  const ONE_FACTOR = oneFactorPerBeat;

  it('one factor per beat: hears the octave the peaks say, every peak at 160 BPM, not every other, however they jitter', () => {
    // What the beat network gives on a band at 160 BPM (18.75 frames a beat): each beat a peak over
    // three frames, its centre a frame early or late at random, a floor under it. With the shipped
    // zones, which grow with the beat, half the tempo gathers each of its peaks and their flanks over
    // three frames against one for the true tempo, and wins (F 0.69 here; 8 of 12 validation songs
    // played 1.6× faster were followed at half tempo).
    let seed = 7;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const frames = 40 * FPS;
    const period = (60 * FPS) / 160;
    const a = new Float32Array(2 * frames);
    for (let n = 0; n < frames; n++) {
      a[2 * n] = 0.06;
      a[2 * n + 1] = 0.03;
    }
    const at: number[] = [];
    for (let k = 0; 5 + k * period < frames - 2; k++) {
      const c = Math.round(5 + k * period + (rand() < 0.5 ? -1 : 1));
      at.push((5 + k * period) / FPS);
      const down = k % 4 === 0;
      for (const [d, v] of [[-1, 0.3], [0, 1], [1, 0.45]] as const) a[2 * (c + d) + (down ? 1 : 0)] = 0.5 * v * (0.7 + 0.6 * rand());
    }
    const beats = times(filterActivations(a, { fps: FPS, ...ONE_FACTOR }));
    const settled = (xs: readonly number[]): number[] => xs.filter((t) => t >= 10);
    expect(fMeasure(settled(at), settled(beats), 0.07, 0).f).toBeGreaterThan(0.95);
  });

  it('one factor per beat: an entry prior that favours the off-beat wins over weak evidence, and strong evidence wins over it', () => {
    const frames = 30 * FPS;
    // Beats on the prior's phase (half a beat after the pulse), or on the pulse, over the last 20 s.
    const follows = (pulse: number, floor: number): { prior: number; pulse: number } => {
      const a = activations(frames, 25, 10, 4, floor, pulse);
      const f = new BarPointerFilter({ fps: FPS, ...ONE_FACTOR });
      const out: number[] = [];
      for (let n = 0; n < frames; n++) {
        // The prior says beats fall half a beat after the activations' pulse, 25 frames apart: like
        // the rehearsal prior, it weighs phase and tempo (a phase-only prior would leave half the
        // tempo, on the same phase, as likely as the tempo itself).
        const phase = (((n - 22.5) % 25) + 25) % 25;
        const onBeat = Math.min(phase, 25 - phase) < 2;
        const b = f.step(a[2 * n]!, a[2 * n + 1]!, (_m, tau) => 0.1 + 0.9 * (onBeat ? Math.exp(-0.5 * (Math.log(tau / 25) / 0.06) ** 2) : 0));
        if (b !== undefined && n >= 10 * FPS) out.push(n / FPS);
      }
      const late = (xs: number[]): number[] => xs.filter((t) => t >= 10);
      return { prior: fMeasure(late(truth(frames, 25, 22.5)), out, 0.07, 0).f, pulse: fMeasure(late(truth(frames, 25, 10)), out, 0.07, 0).f };
    };
    // Weak evidence, over a floor either side of where a frame stops counting for a beat (without
    // beatFactorFloor, per-beat evidence below 1 made the filter flee to ever slower tempi and emit no
    // steady beat; the shipped zones follow the weak pulse over a floor of 0.02).
    for (const floor of [0.02, 0.05]) expect(follows(0.2, floor).prior, `pulse 0.2 over ${floor}`).toBeGreaterThan(0.9);
    expect(follows(0.9, 0.02).pulse).toBeGreaterThan(0.9);
  });

  it('offline Viterbi recovers the grid, downbeats included', () => {
    const a = activations(30 * FPS, 27, 12, 4, 0.02, 0.6);
    const beats = decodeBarPointer(a, { fps: FPS });
    expect(fMeasure(truth(30 * FPS, 27, 12), times(beats), 0.07, 0).f).toBeGreaterThan(0.97);
    const downs = beats.filter((b) => b.beatInBar === 0).map((b) => b.frame);
    for (const d of downs) expect(Math.round((d - 12) / 27) % 4).toBe(0);
    expect(decodeBarPointer(new Float32Array(0))).toEqual([]);
  });

  it('offline Viterbi held to a tempo range: beats only there, a path no likelier than the free one, comparable scores', () => {
    // A pulse at 111 BPM (27 frames) whose every other beat is weak: the free decode and one held to
    // the half tempo, one held to the full.
    const frames = 40 * FPS;
    const a = activations(frames, 27, 12, 4, 0.02, 0.6);
    for (let k = 1; 12 + k * 27 < frames; k += 2) a[2 * (12 + k * 27)] = 0.15;
    const free = decodeBarPointerScored(a, { fps: FPS });
    expect(free.beats).toEqual(decodeBarPointer(a, { fps: FPS }));
    const bpmOf = (bs: readonly { frame: number }[]): number => (60 * FPS * (bs.length - 1)) / (bs.at(-1)!.frame - bs[0]!.frame);
    const half = decodeBarPointerScored(a, { fps: FPS }, [45, 65]);
    const full = decodeBarPointerScored(a, { fps: FPS }, [95, 130]);
    expect(bpmOf(half.beats)).toBeGreaterThan(45);
    expect(bpmOf(half.beats)).toBeLessThan(65);
    expect(bpmOf(full.beats)).toBeGreaterThan(95);
    expect(bpmOf(full.beats)).toBeLessThan(130);
    expect(fMeasure(truth(frames, 27, 12), times(full.beats), 0.07, 0).f).toBeGreaterThan(0.97);
    // The free path is the best of all: no restricted one beats it, and it equals the better of the two here.
    expect(free.logProb).toBeGreaterThanOrEqual(Math.max(half.logProb, full.logProb) - 1e-6);
    expect(Math.max(half.logProb, full.logProb)).toBeCloseTo(free.logProb, 6);
    expect(Number.isFinite(half.logProb) && Number.isFinite(full.logProb)).toBe(true);
    // No tempo of the model in the range: no path at all.
    expect(decodeBarPointerScored(a, { fps: FPS }, [300, 400])).toEqual({ beats: [], logProb: -Infinity });
  });
});
