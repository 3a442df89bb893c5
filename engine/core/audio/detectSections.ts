/**
 * Section boundaries from novelty: half-second chroma + MFCC summaries, a cosine self-similarity
 * matrix over the last few seconds, and a Gaussian-tapered checkerboard kernel (Foote) sliding along
 * its diagonal. Causal: a boundary at `t` is decided `sectionKernelS` plus one second later, and is
 * snapped to the nearest downbeat heard so far when one lies within half a bar.
 */
import { Observable, type OperatorFunction, type Subscription } from 'rxjs';
import type { Beat, FeatureFrame, ListeningSettings, SectionChange } from './types.js';

const SUMMARY_S = 0.5;
const PEAK_LOOKAHEAD = 2;

/** Stateful novelty detector; `push` returns a boundary when one is decided. */
export class SectionDetector {
  private readonly framesPerSummary: number;
  private readonly kernelHalf: number;
  private readonly minGap: number;
  private readonly mfccDims: number;
  private readonly taper: Float64Array;
  private acc: Float64Array;
  private accFrames = 0;
  private accT = 0;
  private vectors: Float64Array[] = [];
  private times: number[] = [];
  private novelty: number[] = [];
  private lastBoundary = -Infinity;
  private downbeats: number[] = [];
  private mfccMean: Float64Array;
  private mfccM2: Float64Array;
  private mfccCount = 0;

  constructor(settings: ListeningSettings) {
    const fps = settings.sampleRate / settings.hopSize;
    this.framesPerSummary = Math.max(1, Math.round(SUMMARY_S * fps));
    this.kernelHalf = Math.max(2, Math.round(settings.sectionKernelS / SUMMARY_S));
    this.minGap = Math.round(settings.minSectionS / SUMMARY_S);
    this.mfccDims = Math.max(1, settings.mfccCoefficients - 1);
    this.acc = new Float64Array(12 + this.mfccDims);
    this.mfccMean = new Float64Array(this.mfccDims);
    this.mfccM2 = new Float64Array(this.mfccDims);
    const k = this.kernelHalf;
    this.taper = new Float64Array(2 * k);
    for (let i = -k; i < k; i++) {
      const d = (i + 0.5) / (k / 2);
      this.taper[i + k] = Math.exp(-0.5 * d * d);
    }
  }

  reset(): void {
    this.acc.fill(0);
    this.accFrames = 0;
    this.vectors = [];
    this.times = [];
    this.novelty = [];
    this.lastBoundary = -Infinity;
    this.downbeats = [];
    this.mfccMean.fill(0);
    this.mfccM2.fill(0);
    this.mfccCount = 0;
  }

  /** Tells the detector where a downbeat fell, so boundaries can be snapped to bar lines. */
  noteDownbeat(t: number): void {
    this.downbeats.push(t);
    if (this.downbeats.length > 64) this.downbeats.shift();
  }

  push(f: FeatureFrame): SectionChange | undefined {
    if (f.reset === true) this.reset();
    if (this.accFrames === 0) this.accT = f.t;
    for (let i = 0; i < 12; i++) this.acc[i]! += f.chroma[i] ?? 0;
    for (let i = 0; i < this.mfccDims; i++) this.acc[12 + i]! += f.mfcc[i + 1] ?? 0;
    if (++this.accFrames < this.framesPerSummary) return undefined;
    const v = this.summarise();
    this.vectors.push(v);
    this.times.push(this.accT);
    this.acc.fill(0);
    this.accFrames = 0;
    return this.afterSummary(f.t);
  }

  private summarise(): Float64Array {
    const n = this.accFrames;
    const v = new Float64Array(this.acc.length);
    let cn = 0;
    for (let i = 0; i < 12; i++) {
      v[i] = this.acc[i]! / n;
      cn += v[i]! * v[i]!;
    }
    this.mfccCount++;
    let mn = 0;
    for (let i = 0; i < this.mfccDims; i++) {
      const x = this.acc[12 + i]! / n;
      const d = x - this.mfccMean[i]!;
      this.mfccMean[i]! += d / this.mfccCount;
      this.mfccM2[i]! += d * (x - this.mfccMean[i]!);
      const sd = this.mfccCount > 1 ? Math.sqrt(this.mfccM2[i]! / (this.mfccCount - 1)) : 1;
      v[12 + i] = sd > 1e-9 ? (x - this.mfccMean[i]!) / sd : 0;
      mn += v[12 + i]! * v[12 + i]!;
    }
    cn = Math.sqrt(cn);
    mn = Math.sqrt(mn);
    for (let i = 0; i < 12; i++) v[i] = cn > 0 ? (v[i]! / cn) * Math.SQRT1_2 : 0;
    for (let i = 0; i < this.mfccDims; i++) v[12 + i] = mn > 0 ? (v[12 + i]! / mn) * Math.SQRT1_2 : 0;
    return v;
  }

  private afterSummary(nowT: number): SectionChange | undefined {
    const k = this.kernelHalf;
    const last = this.vectors.length - 1;
    const c = last - k + 1; // boundary between vectors c-1 and c
    if (c - k < 0) {
      this.novelty.push(0);
      return undefined;
    }
    let num = 0;
    let den = 0;
    for (let i = -k; i < k; i++) {
      const vi = this.vectors[c + i]!;
      for (let j = -k; j < k; j++) {
        const vj = this.vectors[c + j]!;
        let s = 0;
        for (let d = 0; d < vi.length; d++) s += vi[d]! * vj[d]!;
        const w = this.taper[i + k]! * this.taper[j + k]!;
        num += (i < 0 === j < 0 ? 1 : -1) * w * s;
        den += w;
      }
    }
    this.novelty.push(Math.max(0, num / den));
    // Decide on the novelty value PEAK_LOOKAHEAD summaries back.
    const ni = this.novelty.length - 1 - PEAK_LOOKAHEAD;
    if (ni < 1) return undefined;
    const x = this.novelty[ni]!;
    for (let j = Math.max(0, ni - this.minGap / 2); j <= ni + PEAK_LOOKAHEAD; j++) {
      if (j !== ni && this.novelty[j]! >= x) return undefined;
    }
    const hist = this.novelty.slice(Math.max(0, ni - 60), ni);
    const mean = hist.reduce((a, b) => a + b, 0) / Math.max(1, hist.length);
    const sd = Math.sqrt(hist.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, hist.length));
    if (x < mean + 0.5 * sd || x < 0.05) return undefined;
    // novelty index ni corresponds to boundary vector index c' = ni - k + 1 + k - 1 ... keep it exact:
    const boundaryVector = ni + (c - (this.novelty.length - 1));
    if (boundaryVector - this.lastBoundary < this.minGap) return undefined;
    this.lastBoundary = boundaryVector;
    let t = this.times[boundaryVector] ?? nowT;
    let best = Infinity;
    for (const d of this.downbeats) if (Math.abs(d - t) < Math.abs(best - t)) best = d;
    if (Math.abs(best - t) <= 1.2) t = best;
    return { t, novelty: Math.min(1, x), decidedT: nowT };
  }
}

/**
 * Operator: feature frames in, section boundaries out. Pass the beat stream to snap boundaries to
 * downbeats (the beats must come from the same frames).
 */
export function detectSections(settings: ListeningSettings, beats$?: Observable<Beat>): OperatorFunction<FeatureFrame, SectionChange> {
  return (source) =>
    new Observable<SectionChange>((subscriber) => {
      const detector = new SectionDetector(settings);
      let beatSub: Subscription | undefined;
      if (beats$ !== undefined) {
        beatSub = beats$.subscribe({
          next: (b) => {
            if (b.isDownbeat) detector.noteDownbeat(b.t);
          },
          error: () => undefined,
        });
      }
      const sub = source.subscribe({
        next: (f) => {
          const s = detector.push(f);
          if (s !== undefined) subscriber.next(s);
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
      return () => {
        sub.unsubscribe();
        beatSub?.unsubscribe();
      };
    });
}
