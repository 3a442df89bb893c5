/**
 * The listening contract: what the audio stage consumes and emits.
 *
 * Every timestamp `t` is in seconds in the audio's own time base (0 = first sample of the source),
 * never wall-clock time. Everything here is causal: a value stamped `t` was computed from audio up to
 * (at most) `t` plus the stage's stated latency, never from later audio.
 *
 * Playback (audio-bound effects), learning (the model's input vector) and the console (meters, tempo,
 * beat/bar) consume these types; `listen()` in `listen.ts` is the one entry point that produces them.
 */
import type { Observable, SchedulerLike } from 'rxjs';
import type { BeatFrame } from './beatFrames.js';

/** A run of mono samples. Sources mix down to mono before emitting (average of channels, not sum). */
export interface AudioBlock {
  /** Seconds of the first sample, audio time base. */
  readonly t: number;
  /** Samples per second of `samples`. May differ from the analysis rate: `listen` resamples. */
  readonly sampleRate: number;
  /** Mono samples, nominally in [-1, 1]. Values outside are clipped by the analysis, not rejected. */
  readonly samples: Float32Array;
  /**
   * True on the first block of a new song or take: every tracker forgets its state (tempo, phase,
   * bar, section history). A block whose `t` jumps backwards or leaves a gap resets as well.
   */
  readonly reset?: boolean;
}

/** Per-hop audio features: the model's input vector and the console's meters. */
export interface FeatureFrame {
  /** Seconds of the centre of the analysis window (the frame is available bufferSize/2 samples later). */
  readonly t: number;
  /** True on the first frame after a reset (new song, gap, rate change): trackers start over. */
  readonly reset?: boolean;
  /** Root mean square of the windowed frame, linear (0..~0.6 for a full-scale sine after windowing). */
  readonly rms: number;
  /** Level of the frame in dBFS (20·log10 of the unwindowed RMS), floored at -120. */
  readonly levelDb: number;
  /** Meyda total loudness (sones, Zwicker-style approximation). */
  readonly loudness: number;
  /** Spectral centroid in Hz (Meyda reports bins; converted here). */
  readonly spectralCentroidHz: number;
  /** Spectral flatness, 0 (tonal) .. 1 (noise). */
  readonly spectralFlatness: number;
  /** Frequency below which 99% of the spectral energy lies, in Hz. */
  readonly spectralRolloffHz: number;
  /** Zero-crossing rate of the windowed frame, crossings per sample (0..1). */
  readonly zcr: number;
  /**
   * Log-magnitude spectral flux (half-wave rectified sum of increases of log(1 + γ·|X|) between
   * consecutive hops, over a mel-like band set): our onset strength. ≥ 0.
   */
  readonly flux: number;
  /** The same flux over the bands below ~250 Hz (kick and bass onsets; bar-position evidence). */
  readonly fluxLow: number;
  /** Chroma vector, 12 pitch classes starting at C, each 0..1. */
  readonly chroma: Float32Array;
  /** 13 MFCC coefficients. */
  readonly mfcc: Float32Array;
}

/**
 * What the framing stage emits, in the order the frames are heard: feature frames for everything, and
 * with the learned tracker its own 50 fps filterbank frames.
 */
export type ListeningFrame =
  | { readonly kind: 'feature'; readonly frame: FeatureFrame; readonly heardT: number }
  | { readonly kind: 'beat'; readonly frame: BeatFrame; readonly heardT: number };

/** Which beat tracker runs: the learned network with a bar-pointer HMM, or the DSP tracker (flux + autocorrelation). */
export type TrackerKind = 'learned' | 'dsp';

/** A detected note/drum onset. */
export interface Onset {
  /** Seconds of the onset (the flux peak's frame time). */
  readonly t: number;
  /** The onset strength at the peak, in flux units above the adaptive threshold. */
  readonly strength: number;
}

/** The current tempo belief. Emitted about once per second and whenever it changes markedly. */
export interface TempoEstimate {
  /** Audio time of the newest frame the estimate used. */
  readonly t: number;
  /** Beats per minute (quarter-note level as the tracker perceives it, 60..200 by default). */
  readonly bpm: number;
  /** 0..1: how strongly the periodicity stands out. Below ~0.2 treat the tempo as unknown. */
  readonly confidence: number;
}

/** One beat, emitted as soon as the tracker commits to it (a short, fixed latency after `t`). */
export interface Beat {
  /** Seconds of the beat. */
  readonly t: number;
  /** 0-based beat count since the last reset. */
  readonly index: number;
  /** Tempo at this beat. */
  readonly bpm: number;
  /** 0..1 confidence in this beat (tempo confidence times phase agreement). */
  readonly confidence: number;
  /** 0-based position in the bar; 0 is the downbeat. */
  readonly beatInBar: number;
  /** Beats per bar the tracker currently believes (3 or 4). */
  readonly beatsPerBar: number;
  /** True when `beatInBar === 0`. */
  readonly isDownbeat: boolean;
  /** 0-based bar count since the last reset. */
  readonly barIndex: number;
  /** Predicted time of the next beat, so cues can be scheduled to land on it. */
  readonly nextBeatT: number;
  /** Audio time at which the tracker committed to this beat (`decidedT - t` is the beat latency). */
  readonly decidedT: number;
}

/** A section boundary (verse → chorus…), from the novelty of chroma/MFCC self-similarity. */
export interface SectionChange {
  /** Seconds of the boundary. */
  readonly t: number;
  /** Novelty peak height, 0..1. */
  readonly novelty: number;
  /** Audio time at which the boundary was decided (always later than `t`: novelty needs context). */
  readonly decidedT: number;
}

/** Everything that shapes the analysis. `listen` fills missing fields from `defaultListeningSettings`. */
export interface ListeningSettings {
  /** The beat tracker: 'learned' (network + bar-pointer HMM) or 'dsp' (flux + autocorrelation; the default, see `chooseTracker`). */
  readonly tracker: TrackerKind;
  /** Analysis sample rate in Hz; blocks at other rates are resampled to it. */
  readonly sampleRate: number;
  /** FFT frame size in samples (a power of two, fixed for the life of the pipeline). */
  readonly bufferSize: number;
  /** Samples between frames. sampleRate / hopSize is the frame rate (≈86 Hz by default). */
  readonly hopSize: number;
  /**
   * Meyda's descriptors (RMS, loudness, centroid, flatness, rolloff, ZCR, chroma, MFCC) are refreshed
   * every this many hops and held in between (flux is computed every hop). They cost ~10× the flux;
   * 4 keeps them at ≈21 Hz and the whole analysis well above 50× real time.
   */
  readonly descriptorEveryHops: number;
  /** Number of MFCC coefficients (13). */
  readonly mfccCoefficients: number;
  /** Mel bands used by the MFCC and the flux. */
  readonly melBands: number;
  /** Tempo search range. */
  readonly minBpm: number;
  readonly maxBpm: number;
  /** Centre of the log-Gaussian tempo prior (BPM) and its width in octaves. */
  readonly priorBpm: number;
  readonly priorWidthOctaves: number;
  /** Seconds of onset envelope the tempo estimator looks back over. */
  readonly tempoWindowS: number;
  /** Seconds between section boundaries, at least. */
  readonly minSectionS: number;
  /** Seconds of feature history on each side of a section novelty kernel. */
  readonly sectionKernelS: number;
}

/**
 * Samples per audio block a live source delivers (a file played in real time, capture), and what every
 * offline replay of a take cuts its audio into, so a cue decided offline arrives when it would live.
 */
export const AUDIO_BLOCK_SAMPLES = 512;

/** Defaults tuned on the bench (see bench/beats.ts). */
export const defaultListeningSettings: ListeningSettings = {
  tracker: 'dsp',
  sampleRate: 22050,
  bufferSize: 1024,
  hopSize: 256,
  descriptorEveryHops: 4,
  mfccCoefficients: 13,
  melBands: 40,
  minBpm: 50,
  maxBpm: 200,
  priorBpm: 100,
  priorWidthOctaves: 0.9,
  tempoWindowS: 8,
  minSectionS: 6,
  sectionKernelS: 4,
};

/** The listening stage's outputs. All hot and shared: subscribe to any subset. */
export interface ListeningStreams {
  readonly features$: Observable<FeatureFrame>;
  readonly onsets$: Observable<Onset>;
  readonly tempo$: Observable<TempoEstimate>;
  readonly beats$: Observable<Beat>;
  readonly sections$: Observable<SectionChange>;
}

/**
 * The one entry point (implemented in `listen.ts`): audio blocks in, feature and tracking streams
 * out. Analysis is synchronous per block, so offline replay and live capture produce the same values.
 */
export type Listen = (
  blocks$: Observable<AudioBlock>,
  settings?: Partial<ListeningSettings>,
  scheduler?: SchedulerLike,
) => ListeningStreams;
