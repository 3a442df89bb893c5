/**
 * Causal beat tracking in the style of Stark, Davies & Plumbley's real-time tracker: a cumulative
 * beat score built forward in time (Ellis's dynamic programming, without the backtrace), and half-way
 * between beats a projection of that score into the future picks the next beat. Beats are therefore
 * predicted before they sound; each one is emitted when the audio reaches it.
 *
 * Bar position comes from `BarTracker`: harmonic change and bass onsets accumulated per position in
 * the bar for 3 and 4 beats per bar.
 */
import { TempoEstimator } from './tempo.js';
import type { Beat, FeatureFrame, ListeningSettings } from './types.js';
import { cosine } from '../vector.js';

/** Tuning of the beat tracker (defaults chosen on bench/beats.ts). */
export interface BeatTrackerTuning {
  /** Weight of the past score against the new onset strength (0..1). */
  readonly alpha: number;
  /** How sharply the score prefers a period of exactly one beat. */
  readonly tightness: number;
  /** Seconds to shift predicted beats by (compensates the onset envelope's lag). */
  readonly offsetS: number;
  /** Seconds between tempo re-estimates. */
  readonly tempoEveryS: number;
  /** Seconds of audio before the first beat may be emitted. */
  readonly warmupS: number;
  /** Weight of the bass-band flux added to the full-band flux in the beat tracker's onset envelope. */
  readonly odfLowWeight: number;
  /** Weight of the bass onset against the harmonic change as downbeat evidence. */
  readonly barLowWeight: number;
  /** Per-beat decay of the accumulated bar-position evidence (0..1; closer to 1 = longer memory). */
  readonly barDecay: number;
  /** Handicap of 3 beats per bar against 4 (in contrast units). */
  readonly tripleHandicap: number;
}

/** Defaults for `BeatTrackerTuning`. */
export const defaultBeatTuning: BeatTrackerTuning = {
  alpha: 0.85,
  tightness: 7,
  offsetS: 0.01,
  tempoEveryS: 1,
  warmupS: 2,
  odfLowWeight: 0.75,
  barLowWeight: 0.5,
  barDecay: 0.985,
  tripleHandicap: 0.25,
};

/** Accumulates evidence for which beat of the bar is the downbeat. */
export class BarTracker {
  private readonly meters = [4, 3] as const;
  private readonly score: Record<3 | 4, Float64Array> = { 3: new Float64Array(3), 4: new Float64Array(4) };
  private prevChroma: Float64Array | undefined;
  private pendingLow = 0;
  private pendingIndex = -1;
  private beatsPerBar: 3 | 4 = 4;
  private downbeatPos = 0;
  private readonly lowWeight: number;
  private readonly decay: number;
  private readonly tripleHandicap: number;

  constructor(tuning: Pick<BeatTrackerTuning, 'barLowWeight' | 'barDecay' | 'tripleHandicap'> = defaultBeatTuning) {
    this.lowWeight = tuning.barLowWeight;
    this.decay = tuning.barDecay;
    this.tripleHandicap = tuning.tripleHandicap;
  }

  reset(): void {
    this.score[3].fill(0);
    this.score[4].fill(0);
    this.prevChroma = undefined;
    this.pendingIndex = -1;
    this.beatsPerBar = 4;
    this.downbeatPos = 0;
  }

  /**
   * Called at each beat with the mean chroma of the beat just ended and the bass onset strength at
   * this beat. Evidence for beat `index - 1` (the harmonic change across it) becomes complete now.
   */
  onBeat(index: number, chromaSinceLastBeat: Float64Array, lowOnset: number): void {
    if (this.prevChroma !== undefined && this.pendingIndex >= 0) {
      // Change between the beat before the pending beat and the beat after it.
      const change = 1 - cosine(this.prevChroma, chromaSinceLastBeat);
      const evidence = change + this.lowWeight * this.pendingLow;
      for (const m of this.meters) {
        const s = this.score[m];
        for (let p = 0; p < m; p++) s[p]! *= this.decay;
        s[this.pendingIndex % m]! += evidence;
      }
      this.choose();
    }
    this.prevChroma = chromaSinceLastBeat;
    this.pendingIndex = index;
    this.pendingLow = lowOnset;
  }

  private choose(): void {
    let bestMeter: 3 | 4 = 4;
    let bestContrast = -Infinity;
    let bestPos = 0;
    for (const m of this.meters) {
      const s = this.score[m];
      let arg = 0;
      let sum = 0;
      for (let p = 0; p < m; p++) {
        sum += s[p]!;
        if (s[p]! > s[arg]!) arg = p;
      }
      const mean = sum / m;
      // 4/4 is far more common: 3/4 must stand out clearly to win.
      const contrast = mean > 0 ? (s[arg]! - mean) / mean - (m === 3 ? this.tripleHandicap : 0) : 0;
      if (contrast > bestContrast) {
        bestContrast = contrast;
        bestMeter = m;
        bestPos = arg;
      }
    }
    this.beatsPerBar = bestMeter;
    this.downbeatPos = bestPos;
  }

  /** Bar position of beat `index` under the current belief. */
  position(index: number): { beatInBar: number; beatsPerBar: number } {
    const m = this.beatsPerBar;
    return { beatInBar: (((index - this.downbeatPos) % m) + m) % m, beatsPerBar: m };
  }
}

/** Frame-by-frame causal beat tracker. Feed every `FeatureFrame`; collect the beats it returns. */
export class BeatTracker {
  private readonly fps: number;
  private readonly tuning: BeatTrackerTuning;
  readonly tempo: TempoEstimator;
  private readonly bars: BarTracker;
  /** Cumulative score history, newest last. */
  private readonly cum: Float64Array;
  private frame = 0;
  private t0 = 0;
  private period = 0;
  private confidence = 0;
  private nextBeatFrame = -1;
  private predictAtFrame = -1;
  private beatIndex = 0;
  private barIndex = -1;
  private readonly chromaAcc = new Float64Array(12);
  private chromaFrames = 0;
  private recentLow: number[] = [];
  private lastTempoUpdate = 0;
  private scale = 1e-3;
  /** Seconds from a frame's time stamp to the moment its last sample has arrived. */
  private readonly frameLagS: number;

  constructor(settings: ListeningSettings, tuning: Partial<BeatTrackerTuning> = {}) {
    this.fps = settings.sampleRate / settings.hopSize;
    this.frameLagS = settings.bufferSize / 2 / settings.sampleRate;
    this.tuning = { ...defaultBeatTuning, ...tuning };
    this.tempo = new TempoEstimator(settings);
    this.bars = new BarTracker(this.tuning);
    this.cum = new Float64Array(Math.ceil((2 * 60 * this.fps) / settings.minBpm) + 8);
  }

  /** Forgets tempo, phase and bar (new song). */
  reset(): void {
    this.tempo.reset();
    this.bars.reset();
    this.cum.fill(0);
    this.frame = 0;
    this.period = 0;
    this.confidence = 0;
    this.nextBeatFrame = -1;
    this.predictAtFrame = -1;
    this.beatIndex = 0;
    this.barIndex = -1;
    this.chromaAcc.fill(0);
    this.chromaFrames = 0;
    this.recentLow = [];
    this.lastTempoUpdate = 0;
    this.scale = 1e-3;
  }

  /** Current tempo belief in BPM and its confidence (0 before the first estimate). */
  get bpm(): number {
    return this.period > 0 ? (60 * this.fps) / this.period : 0;
  }

  /** Processes one frame; returns the beat that falls on it, if any. */
  push(f: FeatureFrame): Beat | undefined {
    if (f.reset === true) this.reset();
    if (this.frame === 0) this.t0 = f.t;
    const n = this.frame;
    // Scale-free onset strength: divide by a slowly decaying running peak.
    const raw = f.flux + this.tuning.odfLowWeight * f.fluxLow;
    this.scale = Math.max(raw, this.scale * 0.9995, 1e-6);
    const odf = raw / this.scale;
    this.tempo.push(raw);
    for (let i = 0; i < 12; i++) this.chromaAcc[i]! += f.chroma[i] ?? 0;
    this.chromaFrames++;
    this.recentLow.push(f.fluxLow);
    if (this.recentLow.length > 5) this.recentLow.shift();

    if (n - this.lastTempoUpdate >= this.tuning.tempoEveryS * this.fps || this.period === 0) {
      const est = this.tempo.update();
      this.lastTempoUpdate = n;
      if (est !== undefined) {
        this.period = est.periodFrames;
        this.confidence = est.confidence;
      }
    }

    // Cumulative score: this frame's strength plus the best-weighted score one period back.
    const past = this.period > 0 ? this.bestPast(this.cum, this.cum.length, this.period) : 0;
    const score = (1 - this.tuning.alpha) * odf + this.tuning.alpha * past;
    this.cum.copyWithin(0, 1);
    this.cum[this.cum.length - 1] = score;
    this.frame++;

    if (this.period === 0 || n < this.tuning.warmupS * this.fps) return undefined;
    if (this.predictAtFrame < 0) this.predictAtFrame = n;
    if (n >= this.predictAtFrame && this.nextBeatFrame < 0) this.predict(n);

    const offsetFrames = this.tuning.offsetS * this.fps;
    if (this.nextBeatFrame >= 0 && n >= Math.round(this.nextBeatFrame + offsetFrames)) {
      const beatFrame = this.nextBeatFrame;
      this.nextBeatFrame = -1;
      this.predictAtFrame = beatFrame + Math.round(this.period / 2);
      return this.emit(f, beatFrame + offsetFrames);
    }
    return undefined;
  }

  private bestPast(buf: Float64Array, end: number, period: number): number {
    const lo = Math.max(0, end - Math.round(2 * period));
    const hi = end - Math.max(1, Math.round(period / 2));
    const tight = this.tuning.tightness;
    let best = 0;
    for (let i = lo; i <= hi; i++) {
      const v = (end - i) / period;
      const lv = Math.log(v);
      const w = Math.exp(-0.5 * (tight * lv) * (tight * lv));
      const s = w * buf[i]!;
      if (s > best) best = s;
    }
    return best;
  }

  /** Projects the cumulative score one period into the future and picks the likeliest next beat. */
  private predict(n: number): void {
    const p = this.period;
    const horizon = Math.ceil(p);
    const len = this.cum.length;
    const ext = new Float64Array(len + horizon);
    ext.set(this.cum);
    for (let j = 0; j < horizon; j++) ext[len + j] = this.tuning.alpha * this.bestPast(ext, len + j, p);
    // Expect the next beat about half a period after the prediction point (we predict mid-beat).
    const sinceLastBeat = this.lastBeatFrame >= 0 ? n - this.lastBeatFrame : p / 2;
    const expected = Math.max(1, p - sinceLastBeat);
    const sigma = p / 2;
    let best = -1;
    let arg = Math.round(expected);
    for (let j = 1; j <= horizon; j++) {
      const d = (j - expected) / sigma;
      const s = ext[len + j - 1]! * Math.exp(-0.5 * d * d);
      if (s > best) {
        best = s;
        arg = j;
      }
    }
    this.nextBeatFrame = n + arg;
  }

  private lastBeatFrame = -1;

  private emit(f: FeatureFrame, beatFrame: number): Beat {
    const t = this.t0 + beatFrame / this.fps;
    const chroma = Float64Array.from(this.chromaAcc, (v) => v / Math.max(1, this.chromaFrames));
    this.chromaAcc.fill(0);
    this.chromaFrames = 0;
    const low = Math.max(...this.recentLow) / this.scale;
    const index = this.beatIndex++;
    this.bars.onBeat(index, chroma, low);
    const { beatInBar, beatsPerBar } = this.bars.position(index);
    if (beatInBar === 0 || this.barIndex < 0) this.barIndex++;
    this.lastBeatFrame = Math.round(beatFrame);
    const periodS = this.period / this.fps;
    return {
      t,
      index,
      bpm: 60 / periodS,
      confidence: this.confidence,
      beatInBar,
      beatsPerBar,
      isDownbeat: beatInBar === 0,
      barIndex: this.barIndex,
      nextBeatT: t + periodS,
      decidedT: f.t + this.frameLagS,
    };
  }
}
