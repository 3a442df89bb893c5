/**
 * The model's input vector, built per beat from the listening streams, performer events and the cue
 * history. The same code builds training rows (offline) and live rows (streaming), so what the model
 * learned from is exactly what it sees on the night.
 */
import type { Beat, FeatureFrame, Onset, SectionChange } from '../audio/types.js';
import { cosine } from '../vector.js';

/** Names of the audio entries (z-normalised with the training statistics). */
export const AUDIO_FEATURE_NAMES: readonly string[] = [
  ...Array.from({ length: 12 }, (_, i) => `chroma${i}`),
  ...Array.from({ length: 13 }, (_, i) => `mfcc${i}`),
  'logRms',
  'loudness',
  'logCentroid',
  'flatness',
  'logRolloff',
  'fluxMean',
  'fluxMax',
  'onsetStrength',
  'onsetCount',
  'chromaChange',
  'mfccChange',
  'sectionNovelty',
  'performerEvents',
];

/** Names of the beat entries (already in 0..1 or one-hot). */
export const BEAT_FEATURE_NAMES: readonly string[] = ['beatInBar0', 'beatInBar1', 'beatInBar2', 'beatInBar3', 'tripleMeter', 'beatConfidence', 'tempo', 'beatsSinceSection'];

/** Beats of history a department's counter distinguishes (beats since its last cue, one-hot mod this). */
export const COUNTER_PERIOD = 16;
/** Beats after which "beats since" saturates. */
export const MAX_BEATS = 64;

/** Audio + beat entries of one beat, before normalisation. */
export interface BeatRow {
  /** The beat's time and the predicted time of the next beat (seconds, audio time base). */
  readonly t: number;
  readonly nextBeatT: number;
  /** Seconds per beat at this beat. */
  readonly periodS: number;
  /** Raw audio entries (AUDIO_FEATURE_NAMES order). */
  readonly audio: Float32Array;
  /** Beat entries (BEAT_FEATURE_NAMES order). */
  readonly beat: Float32Array;
}

const AUDIO_N = AUDIO_FEATURE_NAMES.length;

/**
 * Accumulates per-hop features, onsets, section changes and performer events between beats, and
 * turns them into one `BeatRow` when a beat arrives. Cheap per hop (a few additions).
 */
export class BeatAccumulator {
  private readonly sum = new Float64Array(AUDIO_N);
  private frames = 0;
  private fluxMax = 0;
  private onsetStrength = 0;
  private onsets = 0;
  private novelty = 0;
  private performer = 0;
  private prevChroma: Float64Array | undefined;
  private prevMfcc: Float64Array | undefined;
  private lastSectionT = Number.NEGATIVE_INFINITY;
  /** Running mean and variance of the timbre entries (MFCC, level, spectral shape), per take. */
  private readonly runMean = new Float64Array(AUDIO_N);
  private readonly runVar = new Float64Array(AUDIO_N);
  private beats = 0;

  /** Forgets everything (new take). */
  reset(): void {
    this.clearBeat();
    this.prevChroma = undefined;
    this.prevMfcc = undefined;
    this.lastSectionT = Number.NEGATIVE_INFINITY;
    this.runMean.fill(0);
    this.runVar.fill(0);
    this.beats = 0;
  }

  private clearBeat(): void {
    this.sum.fill(0);
    this.frames = 0;
    this.fluxMax = 0;
    this.onsetStrength = 0;
    this.onsets = 0;
    this.novelty = 0;
    this.performer = 0;
  }

  /** Adds one feature frame. */
  pushFrame(f: FeatureFrame): void {
    const s = this.sum;
    for (let i = 0; i < 12; i++) s[i]! += f.chroma[i] ?? 0;
    for (let i = 0; i < 13; i++) s[12 + i]! += f.mfcc[i] ?? 0;
    s[25]! += Math.log(f.rms + 1e-5);
    s[26]! += f.loudness;
    s[27]! += Math.log(f.spectralCentroidHz + 1);
    s[28]! += f.spectralFlatness;
    s[29]! += Math.log(f.spectralRolloffHz + 1);
    s[30]! += f.flux;
    if (f.flux > this.fluxMax) this.fluxMax = f.flux;
    this.frames++;
  }

  /** Adds one detected onset. */
  pushOnset(o: Onset): void {
    this.onsetStrength += o.strength;
    this.onsets++;
  }

  /** Adds one section boundary. */
  pushSection(s: SectionChange): void {
    if (s.novelty > this.novelty) this.novelty = s.novelty;
    this.lastSectionT = s.t;
  }

  /** Adds one performer event. */
  pushPerformer(): void {
    this.performer++;
  }

  /**
   * Replaces the timbre entries by their deviation from this take's running mean (≈ 64 beats). A
   * different instrument sound, microphone or noise floor shifts them as a whole; the model should
   * see how the music moves within the take, not the room it was recorded in.
   */
  private adapt(audio: Float32Array): void {
    this.beats++;
    const alpha = Math.max(1 / 64, 1 / this.beats);
    for (const i of TIMBRE) {
      const v = audio[i]!;
      const m = this.runMean[i]!;
      const d = v - m;
      const mean = m + alpha * d;
      const variance = (1 - alpha) * (this.runVar[i]! + alpha * d * d);
      this.runMean[i] = mean;
      this.runVar[i] = variance;
      audio[i] = this.beats < 2 ? 0 : (v - mean) / Math.sqrt(variance + 1e-6);
    }
  }

  /** Closes the beat: the row of everything heard since the previous beat. */
  takeBeat(beat: Beat): BeatRow {
    const n = Math.max(1, this.frames);
    const audio = new Float32Array(AUDIO_N);
    for (let i = 0; i <= 30; i++) audio[i] = this.sum[i]! / n;
    audio[31] = this.fluxMax;
    audio[32] = this.onsetStrength;
    audio[33] = this.onsets;
    const chroma = this.sum.slice(0, 12).map((v) => v / n);
    const mfcc = this.sum.slice(12, 25).map((v) => v / n);
    audio[34] = this.prevChroma === undefined ? 0 : 1 - cosine(chroma, this.prevChroma);
    audio[35] = this.prevMfcc === undefined ? 0 : distance(mfcc, this.prevMfcc);
    audio[36] = this.novelty;
    audio[37] = Math.log1p(this.performer);
    if (this.frames > 0) {
      this.prevChroma = chroma;
      this.prevMfcc = mfcc;
    }
    this.adapt(audio);
    const periodS = beat.bpm > 0 ? 60 / beat.bpm : Math.max(0.2, beat.nextBeatT - beat.t);
    const row = new Float32Array(BEAT_FEATURE_NAMES.length);
    row[Math.min(3, Math.max(0, beat.beatInBar))] = 1;
    row[4] = beat.beatsPerBar === 3 ? 1 : 0;
    row[5] = beat.confidence;
    row[6] = beat.bpm / 120;
    row[7] = Number.isFinite(this.lastSectionT) ? Math.min(1, (beat.t - this.lastSectionT) / periodS / MAX_BEATS) : 1;
    this.clearBeat();
    return { t: beat.t, nextBeatT: beat.nextBeatT, periodS, audio, beat: row };
  }
}

/** Entries made relative to the take's own running statistics: MFCC 1..12, level, loudness, spectral shape. */
const TIMBRE = [...Array.from({ length: 12 }, (_, i) => 13 + i), 25, 26, 27, 28, 29, 30, 31, 32, 35];

function distance(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

/**
 * Per department and cue (vocabulary index): how many beats after that cue the department's next cue
 * came in the rehearsals (the median; 0 when the rehearsals never showed one). Learned at training
 * time (`learnSchedule`) and stored in the model, it turns the cue history into "the next cue is due
 * in n beats", which holds through a tempo change, a repeated section (the same length again) and a
 * skipped one (the section playing now still ends when it ends).
 */
export type CueSchedule = Readonly<Record<string, readonly number[]>>;

/** Beats either side over which `dueIn` is scaled to -1..1. */
const DUE_SCALE = 16;

/**
 * The cue history part of the input: per department, beats since its last cue (scaled and one-hot
 * modulo COUNTER_PERIOD), whether it has fired yet, which cue it was (one-hot over its list) and,
 * with a schedule, how many beats until the rehearsals' next cue after that one (scaled, plus
 * "due on the next beat" and "overdue" flags; once overdue the count runs on in whole intervals). Fires are placed on the beat nearest their time, even
 * when they are reported after that beat.
 */
export class CueHistory {
  private readonly beatTimes: number[] = [];
  private readonly last = new Map<string, { t: number; index: number; count: number }>();

  /**
   * `order`: per department, the rehearsal's cues in firing order (vocabulary indices). With it the
   * history also says which cue the rehearsal played after the last one at about this point in the
   * list (the occurrence of the last cue nearest the number of cues fired so far), so after a repeated
   * or skipped section the next cue follows the music's place rather than a count.
   */
  constructor(
    readonly depts: readonly string[],
    readonly vocab: Readonly<Record<string, readonly string[]>>,
    readonly schedule?: CueSchedule,
    readonly order?: CueSchedule,
  ) {}

  private extra(d: string): number {
    return (this.schedule === undefined ? 0 : 3) + (this.order === undefined ? 0 : (this.vocab[d]?.length ?? 0));
  }

  /** Width of the history vector. */
  get size(): number {
    return this.depts.reduce((s, d) => s + 2 + COUNTER_PERIOD + (this.vocab[d]?.length ?? 0) + this.extra(d), 0);
  }

  /** Names of the history entries. */
  names(): string[] {
    const out: string[] = [];
    for (const d of this.depts) {
      out.push(`${d}.beatsSince`, `${d}.never`);
      for (let i = 0; i < COUNTER_PERIOD; i++) out.push(`${d}.mod${i}`);
      for (const c of this.vocab[d] ?? []) out.push(`${d}.last=${c}`);
      if (this.schedule !== undefined) out.push(`${d}.dueIn`, `${d}.dueNext`, `${d}.overdue`);
      if (this.order !== undefined) for (const c of this.vocab[d] ?? []) out.push(`${d}.rehearsalNext=${c}`);
    }
    return out;
  }

  /** Forgets everything (new take). */
  reset(): void {
    this.beatTimes.length = 0;
    this.last.clear();
  }

  /**
   * Records a fired cue (any source). Unknown cues — and fires recorded with `identity: false`, such
   * as the start cues, whose number is a guess — keep the time but no identity.
   */
  fired(dept: string, cue: string, t: number, identity = true): void {
    const list = this.vocab[dept];
    if (list === undefined) return;
    const prev = this.last.get(dept);
    if (prev !== undefined && prev.t > t) return;
    this.last.set(dept, { t, index: identity ? list.indexOf(cue) : -1, count: (prev?.count ?? 0) + 1 });
  }

  /** True once `dept` has a recorded fire. */
  hasFired(dept: string): boolean {
    return this.last.has(dept);
  }

  /** Advances to a new beat and returns the history vector as it stands at that beat. */
  onBeat(t: number, periodS: number): Float32Array {
    this.beatTimes.push(t);
    if (this.beatTimes.length > 4 * MAX_BEATS) this.beatTimes.splice(0, this.beatTimes.length - 2 * MAX_BEATS);
    const out = new Float32Array(this.size);
    let o = 0;
    for (const d of this.depts) {
      const vocabSize = this.vocab[d]?.length ?? 0;
      const last = this.last.get(d);
      if (last === undefined) {
        out[o] = 1;
        out[o + 1] = 1;
      } else {
        const since = this.beatsSince(last.t, periodS);
        out[o] = Math.min(since, MAX_BEATS) / MAX_BEATS;
        out[o + 2 + (since % COUNTER_PERIOD)] = 1;
        if (last.index >= 0) out[o + 2 + COUNTER_PERIOD + last.index] = 1;
        const interval = last.index >= 0 ? (this.schedule?.[d]?.[last.index] ?? 0) : 0;
        if (interval > 0) {
          // Steps from a fire to the next one: the next one is due on the next beat when this many
          // beats have passed since the fire, less one. Past that (a fire missed, or not heard) the
          // count runs on in whole intervals, so one missed cue does not lose the department's beat.
          const remaining = (((interval - 1 - since) % interval) + interval) % interval;
          const e = o + 2 + COUNTER_PERIOD + vocabSize;
          out[e] = remaining / DUE_SCALE > 1 ? 1 : remaining / DUE_SCALE;
          out[e + 1] = remaining === 0 ? 1 : 0;
          out[e + 2] = since >= interval ? 1 : 0;
        }
        const next = this.rehearsalNext(d, last.index, last.count);
        if (next >= 0) out[o + 2 + COUNTER_PERIOD + vocabSize + (this.schedule === undefined ? 0 : 3) + next] = 1;
      }
      o += 2 + COUNTER_PERIOD + vocabSize + this.extra(d);
    }
    return out;
  }

  /** The cue the rehearsal fired after `index` at the occurrence nearest position `count - 1` (-1: none). */
  private rehearsalNext(d: string, index: number, count: number): number {
    const seq = this.order?.[d];
    if (seq === undefined || index < 0) return -1;
    let best = -1;
    for (let i = 0; i + 1 < seq.length; i++) if (seq[i] === index && (best < 0 || Math.abs(i - (count - 1)) < Math.abs(best - (count - 1)))) best = i;
    return best < 0 ? -1 : seq[best + 1]!;
  }

  private beatsSince(t: number, periodS: number): number {
    const after = t + 0.5 * periodS;
    let n = 0;
    for (let i = this.beatTimes.length - 1; i >= 0 && this.beatTimes[i]! > after; i--) n++;
    return n;
  }
}
