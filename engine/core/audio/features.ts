/**
 * Frame-level features: our own log-magnitude spectral flux every hop (the onset strength), plus
 * Meyda's descriptors (RMS, loudness, centroid, flatness, rolloff, ZCR, chroma, MFCC).
 *
 * Meyda's traps, handled here:
 * - `spectralFlux` in Meyda 5.6 throws (it expects a previous spectrum it never keeps), so flux is ours,
 *   computed from our own FFT of each hop.
 * - Meyda windows the frame before RMS/ZCR, so its RMS is the windowed RMS; the unwindowed level is
 *   reported separately as `levelDb`.
 * - `spectralCentroid` is in FFT bins: converted to Hz.
 * - Meyda is a process-wide singleton whose filter banks are built on first use and never rebuilt when
 *   `bufferSize`/`sampleRate` change (MFCCs turn to NaN). The first configuration is locked; a second
 *   pipeline asking for a different one is refused with a clear error.
 * - Silence gives NaN/−Infinity in flatness and MFCC: every value is sanitised to a finite number.
 */
import MeydaModule, { type MeydaAudioFeature } from 'meyda';
import { MagnitudeFft } from './fft.js';
import type { FeatureFrame, ListeningSettings } from './types.js';

const meydaFeatures: MeydaAudioFeature[] = [
  'rms',
  'zcr',
  'loudness',
  'spectralCentroid',
  'spectralFlatness',
  'spectralRolloff',
  'chroma',
  'mfcc',
];

/** Meyda's types describe an ES module; at run time Node hands its CommonJS export object over as the default. */
type MeydaApi = typeof MeydaModule.default;
const Meyda: MeydaApi =
  (MeydaModule as unknown as { default?: MeydaApi }).default ?? (MeydaModule as unknown as MeydaApi);

let meydaConfig: string | undefined;

function configureMeyda(s: ListeningSettings): void {
  const key = `${s.bufferSize}@${s.sampleRate}/${s.melBands}/${s.mfccCoefficients}`;
  if (meydaConfig !== undefined && meydaConfig !== key) {
    throw new RangeError(
      `audio features: Meyda is already configured for ${meydaConfig} (bufferSize@sampleRate/melBands/mfcc) in this process; ` +
        `it cannot change to ${key} (its filter banks would be stale and MFCCs NaN). Use one analysis setting per process.`,
    );
  }
  meydaConfig = key;
  Meyda.bufferSize = s.bufferSize;
  Meyda.sampleRate = s.sampleRate;
  Meyda.melBands = s.melBands;
  Meyda.numberOfMFCCCoefficients = s.mfccCoefficients;
  Meyda.windowingFunction = 'hanning';
}

const finite = (x: unknown): number => (typeof x === 'number' && Number.isFinite(x) ? x : 0);

/** Triangular band filters on a linear spectrum, mel-spaced, stored sparsely. */
interface Band {
  readonly from: number;
  readonly weights: Float32Array;
}

function melBandsFor(bins: number, sampleRate: number, count: number, fMin: number, fMax: number): Band[] {
  const mel = (f: number) => 2595 * Math.log10(1 + f / 700);
  const hz = (m: number) => 700 * (10 ** (m / 2595) - 1);
  const binHz = sampleRate / (2 * (bins - 1));
  const edges: number[] = [];
  for (let i = 0; i < count + 2; i++) edges.push(hz(mel(fMin) + ((mel(fMax) - mel(fMin)) * i) / (count + 1)) / binHz);
  const bands: Band[] = [];
  for (let b = 0; b < count; b++) {
    const lo = edges[b]!;
    const mid = edges[b + 1]!;
    const hi = edges[b + 2]!;
    const from = Math.max(0, Math.floor(lo));
    const to = Math.min(bins - 1, Math.max(from, Math.ceil(hi)));
    const weights = new Float32Array(to - from + 1);
    for (let k = from; k <= to; k++) {
      const w = k <= mid ? (k - lo) / Math.max(mid - lo, 1e-9) : (hi - k) / Math.max(hi - mid, 1e-9);
      weights[k - from] = Math.max(0, w);
    }
    // A band narrower than one bin still sees its nearest bin.
    if (weights.every((w) => w === 0)) weights[Math.min(weights.length - 1, Math.round(mid) - from)] = 1;
    bands.push({ from, weights });
  }
  return bands;
}

/** Computes one `FeatureFrame` per hop from analysis-rate frames. Holds the previous hop's spectrum. */
export class FeatureExtractor {
  private readonly settings: ListeningSettings;
  private readonly fft: MagnitudeFft;
  private readonly bands: Band[];
  private readonly bandFrom: Int32Array;
  private readonly bandLen: Int32Array;
  private readonly bandWeights: Float32Array;
  private readonly lowBands: number;
  private readonly prevLog: Float32Array;
  private readonly curLog: Float32Array;
  private havePrev = false;
  private hop = 0;
  private last: Omit<FeatureFrame, 't' | 'flux' | 'fluxLow' | 'levelDb' | 'reset'> | undefined;

  /** Locks Meyda to `settings` (see the module comment). */
  constructor(settings: ListeningSettings) {
    this.settings = settings;
    configureMeyda(settings);
    this.fft = new MagnitudeFft(settings.bufferSize);
    const bins = settings.bufferSize / 2 + 1;
    const fMax = Math.min(11000, settings.sampleRate / 2);
    this.bands = melBandsFor(bins, settings.sampleRate, settings.melBands, 30, fMax);
    const mel = (f: number) => 2595 * Math.log10(1 + f / 700);
    this.lowBands = Math.max(1, Math.round((settings.melBands * (mel(250) - mel(30))) / (mel(fMax) - mel(30))));
    this.bandFrom = Int32Array.from(this.bands, (b) => b.from);
    this.bandLen = Int32Array.from(this.bands, (b) => b.weights.length);
    this.bandWeights = new Float32Array(this.bands.reduce((a, b) => a + b.weights.length, 0));
    let at = 0;
    for (const b of this.bands) {
      this.bandWeights.set(b.weights, at);
      at += b.weights.length;
    }
    this.prevLog = new Float32Array(this.bands.length);
    this.curLog = new Float32Array(this.bands.length);
  }

  /** Forgets the previous hop (the next frame's flux is 0). */
  reset(): void {
    this.havePrev = false;
    this.hop = 0;
    this.last = undefined;
  }

  /**
   * Features of one frame of `bufferSize` analysis-rate samples centred at `t`. Meyda's descriptors
   * are refreshed every `meydaEvery` hops (they cost ten times the flux) and held in between.
   */
  compute(frame: Float32Array, t: number, meydaEvery = 4): Omit<FeatureFrame, 'reset'> {
    const n = frame.length;
    let sumSq = 0;
    for (let i = 0; i < n; i++) sumSq += frame[i]! * frame[i]!;
    const levelDb = Math.max(-120, 10 * Math.log10(sumSq / n + 1e-20));

    const mag = this.fft.magnitude(frame);
    const norm = 2 / n;
    let flux = 0;
    let fluxLow = 0;
    const { bandFrom, bandLen, bandWeights } = this;
    let w = 0;
    for (let b = 0; b < bandFrom.length; b++) {
      const from = bandFrom[b]!;
      const len = bandLen[b]!;
      let e = 0;
      for (let k = 0; k < len; k++) e += bandWeights[w + k]! * mag[from + k]!;
      w += len;
      const l = Math.log1p(1000 * e * norm);
      this.curLog[b] = l;
      if (this.havePrev) {
        const d = l - this.prevLog[b]!;
        if (d > 0) {
          flux += d;
          if (b < this.lowBands) fluxLow += d;
        }
      }
    }
    this.prevLog.set(this.curLog);
    this.havePrev = true;
    flux /= this.bands.length;
    fluxLow /= this.lowBands;

    if (this.last === undefined || this.hop % Math.max(1, meydaEvery) === 0) this.last = this.meyda(frame, sumSq);
    this.hop++;
    const d = this.last;
    return {
      t,
      flux,
      fluxLow,
      levelDb,
      rms: d.rms,
      loudness: d.loudness,
      spectralCentroidHz: d.spectralCentroidHz,
      spectralFlatness: d.spectralFlatness,
      spectralRolloffHz: d.spectralRolloffHz,
      zcr: d.zcr,
      chroma: d.chroma,
      mfcc: d.mfcc,
    };
  }

  private meyda(frame: Float32Array, sumSq: number): Omit<FeatureFrame, 't' | 'flux' | 'fluxLow' | 'levelDb' | 'reset'> {
    const s = this.settings;
    if (sumSq === 0) {
      return {
        rms: 0,
        loudness: 0,
        spectralCentroidHz: 0,
        spectralFlatness: 0,
        spectralRolloffHz: 0,
        zcr: 0,
        chroma: new Float32Array(12),
        mfcc: new Float32Array(s.mfccCoefficients),
      };
    }
    const f = Meyda.extract(meydaFeatures, frame);
    const binHz = s.sampleRate / s.bufferSize;
    const chroma = new Float32Array(12);
    f?.chroma?.forEach((v, i) => {
      if (i < 12) chroma[i] = finite(v);
    });
    const mfcc = new Float32Array(s.mfccCoefficients);
    f?.mfcc?.forEach((v, i) => {
      if (i < mfcc.length) mfcc[i] = finite(v);
    });
    return {
      rms: finite(f?.rms),
      loudness: finite(f?.loudness?.total),
      spectralCentroidHz: finite(f?.spectralCentroid) * binHz,
      spectralFlatness: finite(f?.spectralFlatness),
      spectralRolloffHz: finite(f?.spectralRolloff),
      zcr: finite(f?.zcr) / Math.max(1, frame.length - 1),
      chroma,
      mfcc,
    };
  }
}
