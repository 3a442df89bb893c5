/**
 * The latest audio facts the effects read each frame: feature levels (normalised against a slowly
 * decaying peak), and the times of the last beat, downbeat and onset. Fed from the listening stage's
 * streams; read without allocation.
 *
 * Audio times (`t`, seconds) are converted to engine milliseconds as `t × 1000 + offsetMs`, so an
 * offline replay (audio time = virtual time) and a live run (offset = when the audio started) agree.
 */
import { type Observable, Subscription } from 'rxjs';
import { type Beat, type FeatureFrame, type Onset } from '../audio/types.js';

/** The continuous sources a binding can follow. */
export type ContinuousSource = 'rms' | 'loudness' | 'flux' | 'centroid';

/** The feature fields effects read (a listening `FeatureFrame` satisfies it). */
export type FeatureInput = Pick<FeatureFrame, 't' | 'rms' | 'loudness' | 'flux' | 'spectralCentroidHz'>;

/** How fast a normalising peak falls: it halves every this many ms without a new peak. */
const PEAK_HALF_LIFE_MS = 10_000;
/** Floors under the normalising peaks, so silence does not amplify noise to full scale. */
const PEAK_FLOOR: Record<ContinuousSource, number> = { rms: 0.02, loudness: 1, flux: 1e-3, centroid: 500 };

/** The audio state effects read. */
export class AudioFeed {
  /** Latest raw values and their normalising peaks, indexed rms, loudness, flux, centroid. */
  private readonly raw = new Float64Array(4);
  private readonly peak = Float64Array.from([PEAK_FLOOR.rms, PEAK_FLOOR.loudness, PEAK_FLOOR.flux, PEAK_FLOOR.centroid]);
  private lastFrameMs = -Infinity;
  /** Engine ms of the last beat / downbeat / onset, -Infinity before the first. */
  lastBeatMs = -Infinity;
  lastDownbeatMs = -Infinity;
  lastOnsetMs = -Infinity;
  /** Counts since start (chases step on them). */
  beatCount = 0;
  downbeatCount = 0;
  onsetCount = 0;
  /** Beat period in ms (from the tracker's tempo), position in bar and bar length. */
  beatPeriodMs = 500;
  beatInBar = 0;
  beatsPerBar = 4;

  constructor(readonly offsetMs = 0) {}

  private static slot(source: ContinuousSource): number {
    return source === 'rms' ? 0 : source === 'loudness' ? 1 : source === 'flux' ? 2 : 3;
  }

  /** Takes one feature frame (only the fields effects use are read). */
  pushFeatures(f: FeatureInput): void {
    const tMs = f.t * 1000 + this.offsetMs;
    const dt = Number.isFinite(this.lastFrameMs) ? Math.max(0, tMs - this.lastFrameMs) : 0;
    this.lastFrameMs = tMs;
    const decay = Math.pow(0.5, dt / PEAK_HALF_LIFE_MS);
    this.update(0, f.rms, PEAK_FLOOR.rms, decay);
    this.update(1, f.loudness, PEAK_FLOOR.loudness, decay);
    this.update(2, f.flux, PEAK_FLOOR.flux, decay);
    this.update(3, f.spectralCentroidHz, PEAK_FLOOR.centroid, decay);
  }

  private update(i: number, v: number, floor: number, decay: number): void {
    if (!Number.isFinite(v)) return; // a bad value is dropped, the last good one holds
    this.raw[i] = v;
    this.peak[i] = Math.max(this.peak[i]! * decay, v, floor);
  }

  /** Takes one beat. */
  pushBeat(b: Beat): void {
    if (!Number.isFinite(b.t)) return;
    const tMs = b.t * 1000 + this.offsetMs;
    this.lastBeatMs = tMs;
    this.beatCount++;
    if (b.bpm > 0 && Number.isFinite(b.bpm)) this.beatPeriodMs = 60_000 / b.bpm;
    this.beatInBar = b.beatInBar;
    this.beatsPerBar = b.beatsPerBar > 0 ? b.beatsPerBar : 4;
    if (b.isDownbeat) {
      this.lastDownbeatMs = tMs;
      this.downbeatCount++;
    }
  }

  /** Takes one onset. */
  pushOnset(o: Onset): void {
    if (!Number.isFinite(o.t)) return;
    this.lastOnsetMs = o.t * 1000 + this.offsetMs;
    this.onsetCount++;
  }

  /** A continuous source normalised to 0..1 against its recent peak. */
  level(source: ContinuousSource): number {
    const i = AudioFeed.slot(source);
    const v = this.raw[i]! / this.peak[i]!;
    return v > 0 ? (v < 1 ? v : 1) : 0;
  }

  /** Position within the current beat at engine time `nowMs`, 0..1. */
  beatPhase(nowMs: number): number {
    if (!Number.isFinite(this.lastBeatMs)) return 0;
    const p = (nowMs - this.lastBeatMs) / this.beatPeriodMs;
    return p <= 0 ? 0 : p - Math.floor(p);
  }

  /** Position within the current bar at engine time `nowMs`, 0..1. */
  barPhase(nowMs: number): number {
    if (!Number.isFinite(this.lastBeatMs)) return 0;
    const beats = Math.max(0, (nowMs - this.lastBeatMs) / this.beatPeriodMs);
    const p = (this.beatInBar + beats) / this.beatsPerBar;
    return p - Math.floor(p);
  }

  /** Subscribes the feed to the listening streams (any subset). */
  connect(streams: { features$?: Observable<FeatureInput>; beats$?: Observable<Beat>; onsets$?: Observable<Onset> }): Subscription {
    const sub = new Subscription();
    if (streams.features$ !== undefined) sub.add(streams.features$.subscribe({ next: (f) => this.pushFeatures(f), error: () => undefined }));
    if (streams.beats$ !== undefined) sub.add(streams.beats$.subscribe({ next: (b) => this.pushBeat(b), error: () => undefined }));
    if (streams.onsets$ !== undefined) sub.add(streams.onsets$.subscribe({ next: (o) => this.pushOnset(o), error: () => undefined }));
    return sub;
  }
}
