/**
 * The learned beat and downbeat tracker: the beat network (`beatNet.ts`) turns each 50 fps filterbank
 * frame into beat and downbeat probabilities, and the online bar-pointer filter (`barPointer.ts`)
 * decodes them causally into beats. Each beat is then placed in its bar by the beat-synchronous bar
 * network (`barNet.ts`) and the bar-phase filter (`barPhase.ts`), which hear a bar's first beat far
 * better than the frame-level pointer. With rehearsal grids (`core/rehearsal/rehearsalPrior.ts`) the
 * score follower's idea of where the music is weighs every beat hypothesis and every place in the bar.
 */
import { BarFeatures, BarNet, decodeBarNet, type BarNetModel, type BarNetWeights } from './barNet.js';
import { SHIPPED_BAR_NET } from './barNetWeights.js';
import { BarPhaseFilter, beatsSpanned, type BarPhaseTuning, type BarPlacePrior } from './barPhase.js';
import { BarPointerFilter, type BarPointerTuning, type EntryPrior } from './barPointer.js';
import { BEAT_FPS, BEAT_FRAME_LAG_S, type BeatFrame } from './beatFrames.js';
import { BeatNet, decodeBeatNet, type BeatNetModel, type BeatNetWeights } from './beatNet.js';
import { SHIPPED_BEAT_NET } from './beatNetWeights.js';
import type { Beat, FeatureFrame, ListeningSettings, TempoEstimate } from './types.js';

/** `decode`, run once per model object (the weights are decoded from base64 on first use). */
function decodedOnce<M extends object, W>(decode: (model: M) => W): (model: M) => W {
  const cache = new WeakMap<M, W>();
  return (model) => {
    let w = cache.get(model);
    if (w === undefined) {
      w = decode(model);
      cache.set(model, w);
    }
    return w;
  };
}

const beatNetOnce = decodedOnce(decodeBeatNet);
const barNetOnce = decodedOnce(decodeBarNet);

/** The decoded weights of a beat network (decoded once per model object). */
export function beatNetWeights(model: BeatNetModel = SHIPPED_BEAT_NET): BeatNetWeights {
  return beatNetOnce(model);
}

/** The decoded weights of a bar network (decoded once per model object). */
export function barNetWeights(model: BarNetModel = SHIPPED_BAR_NET): BarNetWeights {
  return barNetOnce(model);
}

/**
 * The bar network to run behind `beatModel`: `barModel` when given (refused if it was trained behind
 * another beat network: its evidence would mean something else), `null` for none; by default the
 * shipped one if it was trained behind `beatModel`, else none (the frame-level bar pointer's place).
 */
export function barModelFor(beatModel: BeatNetModel, barModel?: BarNetModel | null): BarNetModel | null {
  if (barModel === null) return null;
  if (barModel !== undefined) {
    if (barModel.beatNet !== beatModel.version) {
      throw new RangeError(`bar network ${barModel.version} was trained behind beat network ${barModel.beatNet}, not ${beatModel.version}: retrain it with 'npx tsx bench/listener/trainBars.ts'`);
    }
    return barModel;
  }
  return SHIPPED_BAR_NET.beatNet === beatModel.version ? SHIPPED_BAR_NET : null;
}

/**
 * What the show knows, as the learned tracker hears it: fed every feature frame, it weighs the beat
 * hypotheses the bar-pointer filter enters (the rehearsal grids' prior, `core/rehearsal`).
 */
export interface BeatPrior {
  pushFeature(frame: FeatureFrame): void;
  entryPrior(t: number, fps: number): EntryPrior | undefined;
  reset(): void;
}

/** The decoder's tuning for a listening setting (tempo range and prior from the settings). */
export function barPointerTuningFor(settings: Pick<ListeningSettings, 'minBpm' | 'maxBpm' | 'priorBpm' | 'priorWidthOctaves'>, tuning: Partial<BarPointerTuning> = {}): Partial<BarPointerTuning> {
  return {
    fps: BEAT_FPS,
    minBpm: settings.minBpm,
    maxBpm: settings.maxBpm,
    priorBpm: settings.priorBpm,
    priorWidthOctaves: Math.max(settings.priorWidthOctaves, 0.15),
    ...tuning,
  };
}

/** What one frame produced. */
export interface TrackerOutput {
  beat?: Beat;
  tempo?: TempoEstimate;
}

/** Frame-by-frame learned tracker. Feed every `ListeningFrame`'s payload in order. */
export class LearnedBeatTracker {
  private readonly net: BeatNet;
  private readonly filter: BarPointerFilter;
  private readonly prior: BeatPrior | undefined;
  /** The bar's place, beat by beat (undefined: the frame-level bar pointer's place is used). */
  private readonly bars: { readonly features: BarFeatures; readonly net: BarNet; readonly phase: BarPhaseFilter } | undefined;
  /** Frames since the reset, and the frame of the last beat emitted. */
  private frame = 0;
  private lastBeatFrame = -1;
  private beatIndex = 0;
  private barIndex = -1;
  private lastTempoT = -Infinity;
  private lastTempoBpm = 0;
  /** Confidence of the last beat (the tempo estimate carries it). */
  private lastConfidence = 0;

  /**
   * `barModel`: the bar network that places each beat in its bar (see `barModelFor`; `null`: the
   * frame-level bar pointer's place, as before the bar network).
   */
  constructor(
    settings: ListeningSettings,
    options: { model?: BeatNetModel; tuning?: Partial<BarPointerTuning>; prior?: BeatPrior; barModel?: BarNetModel | null; barTuning?: Partial<BarPhaseTuning> } = {},
  ) {
    this.net = new BeatNet(beatNetWeights(options.model));
    this.filter = new BarPointerFilter(barPointerTuningFor(settings, options.tuning));
    this.prior = options.prior;
    const barModel = barModelFor(options.model ?? SHIPPED_BEAT_NET, options.barModel);
    this.bars =
      barModel === null ? undefined : { features: new BarFeatures(), net: new BarNet(barNetWeights(barModel)), phase: new BarPhaseFilter(barModel.downbeatRate, options.barTuning) };
  }

  /** Forgets everything (new song). */
  reset(): void {
    this.net.reset();
    this.filter.reset();
    this.prior?.reset();
    if (this.bars !== undefined) {
      this.bars.features.reset();
      this.bars.net.reset();
      this.bars.phase.reset();
    }
    this.frame = 0;
    this.lastBeatFrame = -1;
    this.beatIndex = 0;
    this.barIndex = -1;
    this.lastTempoT = -Infinity;
    this.lastTempoBpm = 0;
    this.lastConfidence = 0;
  }

  /** A feature frame: only the rehearsal prior's score follower listens to these. */
  pushFeature(f: FeatureFrame): void {
    this.prior?.pushFeature(f);
  }

  /** A beat frame: one network step and one filter step; returns the beat on this frame and a tempo update, if any. */
  pushBeatFrame(f: BeatFrame): TrackerOutput {
    if (f.reset === true) this.reset();
    const p = this.net.step(f.bands);
    const t = f.t;
    const entryPrior = this.prior?.entryPrior(t, BEAT_FPS);
    const fb = this.filter.step(p[1]!, p[2]!, entryPrior);
    const n = this.frame++;
    this.bars?.features.pushFrame(f.bands, p[1]!, p[2]!);
    const out: TrackerOutput = {};
    const state = this.filter.state;
    if (state !== undefined) {
      const bpm = (60 * BEAT_FPS) / state.tau;
      if (t - this.lastTempoT >= 1 || Math.abs(bpm - this.lastTempoBpm) > 0.03 * this.lastTempoBpm) {
        this.lastTempoT = t;
        this.lastTempoBpm = bpm;
        out.tempo = { t, bpm, confidence: this.lastConfidence };
      }
    }
    if (fb === undefined) return out;
    const bpm = (60 * BEAT_FPS) / fb.tau;
    this.lastConfidence = fb.confidence;
    if (out.tempo !== undefined) out.tempo = { ...out.tempo, confidence: fb.confidence };
    let beatInBar = fb.beatInBar;
    let beatsPerBar = fb.meter;
    if (this.bars !== undefined) {
      const interval = this.lastBeatFrame < 0 ? 0 : n - this.lastBeatFrame;
      const evidence = this.bars.net.step(this.bars.features.beat(interval, fb.beatInBar));
      const steps = beatsSpanned(interval, fb.tau);
      const placePrior: BarPlacePrior | undefined = entryPrior !== undefined ? (meter, q) => entryPrior(meter, fb.tau, q) : undefined;
      const place = this.bars.phase.step(evidence.down, steps, placePrior, evidence.previousDown);
      beatInBar = place.beatInBar;
      beatsPerBar = place.meter;
    }
    this.lastBeatFrame = n;
    const index = this.beatIndex++;
    if (beatInBar === 0 || this.barIndex < 0) this.barIndex++;
    out.beat = {
      t,
      index,
      bpm,
      confidence: fb.confidence,
      beatInBar,
      beatsPerBar,
      isDownbeat: beatInBar === 0,
      barIndex: this.barIndex,
      nextBeatT: t + fb.tau / BEAT_FPS,
      decidedT: f.t + BEAT_FRAME_LAG_S,
    };
    return out;
  }
}
