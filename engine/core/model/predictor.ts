/**
 * Streaming inference: the listening streams (plus performer events and the cues actually fired) in,
 * one `Prediction` per department per hop out. The recurrent state advances once per beat; between
 * beats each department's prediction stands and its fire time stays on a predicted beat (the next beat
 * when the model says "now", else the beat its countdown lands on).
 */
import { asyncScheduler, map, Observable, observeOn, type SchedulerLike } from 'rxjs';
import { cueId, deptId } from '../ids.js';
import type { Prediction } from '../arbiter/types.js';
import type { Beat, ListeningStreams } from '../audio/types.js';
import { predictorEvents, type PredictorEvent } from './events.js';
import { BEAT_FEATURE_NAMES, BeatAccumulator, CueHistory } from './beatInput.js';
import { StreamingNet, type DeptOutput } from './streamingNet.js';
import { AlignmentFeatures } from './alignment.js';
import { FollowTrack, followReference } from './followInput.js';
import type { ModelMeta, NetWeights, PerformerEvent } from './types.js';
import type { Predict } from '../pipeline.js';

/** dB above the quietest level so far at which an onset counts as the start of the music. */
const START_ABOVE_FLOOR_DB = 10;
/** Seconds after the music starts during which a department that has not fired is offered its start cue. */
const START_WINDOW_S = 1;
/** Seconds ahead of the follower's time for a start cue that it is offered (the console's countdown). */
const START_LOOKAHEAD_S = 2;
/** Beat period assumed before the beat tracker has found one (120 BPM). */
const DEFAULT_PERIOD_S = 0.5;

/** A model ready for inference: its metadata and plain weights. */
export interface LoadedModel {
  readonly meta: ModelMeta;
  readonly weights: NetWeights;
  /** The stored rehearsals' alignment vectors (`alignment.bin`): needed when the model has a follower input. */
  readonly alignment?: Float32Array;
}

export { predictorEvents, type PredictorEvent } from './events.js';

/** The network as the predictor uses it: one step per beat, per-department outputs (`StreamingNet`). */
export interface PredictorNet {
  step(x: Float32Array): readonly DeptOutput[];
  reset(): void;
}

/** The state of one department's prediction after the latest beat. */
interface DeptState {
  cue: string;
  confidence: number;
  fireAt: number;
  beatsToNext: number;
  /** When armed for the next beat: the window in which a detected onset becomes the fire time. */
  snap: { from: number; to: number; done: boolean } | undefined;
  /** Armed (confidence at or above the fire point) when the beat was stepped. */
  armed: boolean;
  /**
   * When armed on the follower's timing: the cue it expected (vocabulary index), the beat it was armed
   * for and the beat period, so each new follower position can refine the fire time.
   */
  followed: { index: number; beatT: number; periodS: number } | undefined;
}

/**
 * An armed fire goes at the score follower's time for the cue rather than the tracked beat when the
 * two are within this many beats: the follower places a cue on the rehearsal's own timing, the beat
 * tracker only on its beat grid, which drifts in a noisy intro or a tempo change.
 */
const FOLLOW_TIMING_BEATS = 0.6;

/**
 * The network's fire output at which a department arms anyway when the score follower expects one of
 * its cues on the next beat (within half a beat). The network learned to doubt a follower that was
 * nearly always right in the rehearsals; in repetitive passages of a show it then stays below its fire
 * point on beats the follower has right. Chosen on one song of the development set, checked once on
 * the second set (bench/model.ts --skip 10).
 */
const FOLLOW_AGREE_FIRE = 0.1;

/**
 * Onset snapping: an armed cue goes on the first onset heard from `SNAP_EARLY` beats before its
 * predicted beat to `SNAP_LATE` beats after it (onsets are detected about one hop after they sound,
 * and cues sit on the notes that start a bar far more reliably than on a tracked beat); with no onset
 * in the window it goes at the window's end.
 */
const SNAP_EARLY = 0.05;
const SNAP_LATE = 0.12;

/**
 * A department's fire output rescaled so that its calibrated point `own` reads as `common` (piecewise
 * linear, 0 and 1 fixed): above its own threshold a department reads above the common one.
 */
export function calibratedConfidence(raw: number, own: number | undefined, common: number): number {
  if (own === undefined || !(own > 0 && own < 1) || !(common > 0 && common < 1)) return raw;
  return raw < own ? (raw / own) * common : common + ((raw - own) / (1 - own)) * (1 - common);
}

/**
 * The predictor as a plain state machine (one call per event), so offline replay, the bench and the
 * live operator share it. Not thread-safe; one per pipeline.
 */
export class CuePredictor {
  private readonly accumulator = new BeatAccumulator();
  private readonly alignFeatures = new AlignmentFeatures();
  private readonly follow: FollowTrack | undefined;
  private readonly history: CueHistory;
  private readonly net: PredictorNet;
  private readonly input: Float32Array;
  private readonly audioN: number;
  private readonly states: (DeptState | undefined)[];
  private lastBeat: Beat | undefined;
  /** Time of the first onset while no beat has come yet: the start cues go then. */
  private startAt: number | undefined;
  /** Quietest frame level so far (dBFS) and the latest level: the music starts well above the floor. */
  private floorDb = Number.POSITIVE_INFINITY;
  private levelDb = Number.NEGATIVE_INFINITY;
  /** Time of the latest frame. */
  private nowT = 0;

  /** `net` replaces the model's network (tests drive the predictor with a scripted one). */
  constructor(
    readonly model: LoadedModel,
    net?: PredictorNet,
  ) {
    const { meta } = model;
    this.history = new CueHistory(meta.depts, meta.vocab, meta.features.schedule, meta.features.order);
    this.net = net ?? new StreamingNet(model.weights);
    this.input = new Float32Array(meta.inputSize);
    this.audioN = meta.features.mean.length;
    this.states = meta.depts.map(() => undefined);
    const follow = meta.features.follow;
    if (follow !== undefined) {
      const summary = meta.rehearsals.find((r) => r.name === follow.reference);
      if (summary === undefined) throw new RangeError(`the model's follower tracks rehearsal '${follow.reference}', which the model does not store`);
      if (model.alignment === undefined) throw new RangeError("the model has a follower input but no alignment data (alignment.bin) was loaded");
      this.follow = new FollowTrack(followReference(summary, model.alignment), meta.depts, meta.vocab);
    }
    const expected = this.audioN + BEAT_FEATURE_NAMES.length + this.history.size + (this.follow?.size ?? 0);
    if (expected !== meta.inputSize) throw new RangeError(`model input size ${meta.inputSize} does not match its features (${expected})`);
  }

  /** Starts a new take: clears the recurrent state, history and accumulators. */
  reset(): void {
    this.accumulator.reset();
    this.history.reset();
    this.follow?.reset();
    this.net.reset();
    this.states.fill(undefined);
    this.lastBeat = undefined;
    this.startAt = undefined;
    this.floorDb = Number.POSITIVE_INFINITY;
    this.levelDb = Number.NEGATIVE_INFINITY;
    this.nowT = 0;
  }

  /** Feeds one event. Returns true when a beat advanced the model. */
  push(e: PredictorEvent): boolean {
    switch (e.kind) {
      case 'frame': {
        if (e.v.reset === true) this.reset();
        this.accumulator.pushFrame(e.v);
        if (this.follow !== undefined) {
          const a = this.alignFeatures.push(e.v);
          if (a !== undefined) {
            this.follow.push(a.v, a.t);
            this.refine(e.v.t);
          }
        }
        this.levelDb = e.v.levelDb;
        this.nowT = e.v.t;
        if (e.v.levelDb < this.floorDb) this.floorDb = e.v.levelDb;
        return false;
      }
      case 'onset':
        this.accumulator.pushOnset(e.v);
        // The music has started at the first onset clearly above the noise floor (not a noise burst).
        if (this.startAt === undefined && this.levelDb > Math.max(this.floorDb, -100) + START_ABOVE_FLOOR_DB) this.startAt = e.v.t;
        for (const st of this.states) {
          const snap = st?.snap;
          if (st === undefined || snap === undefined || snap.done || e.v.t < snap.from || e.v.t > snap.to) continue;
          snap.done = true;
          st.fireAt = e.v.t;
        }
        return false;
      case 'section':
        this.accumulator.pushSection(e.v);
        return false;
      case 'performer':
        this.accumulator.pushPerformer();
        return false;
      case 'fired':
        this.fired(e.v.dept, e.v.cue, e.v.t);
        return false;
      case 'beat':
        this.step(e.v);
        return true;
    }
  }

  /**
   * Which cue a department's next fire is. The model decides when; for which, the score follower's
   * cue wins when it expects one of this department's cues around the next beat (within a beat and a
   * half; it knows where in the song the music is, repeats and skips included), else the model's own
   * first choice — the live cue included: a repeated section re-fires its look (the arbiter allows
   * that for a new moment) rather than jumping to another.
   */
  private cueFor(deptIndex: number, first: number): number {
    const followed = this.follow?.cueNear(deptIndex) ?? -1;
    return followed >= 0 ? followed : first;
  }

  /**
   * Records a cue that fired (from any source) into the cue history, the start cues included: the
   * model learned them from the rehearsals' openings the same way.
   */
  fired(dept: string, cue: string, t: number): void {
    this.history.fired(dept, cue, t);
  }

  /**
   * Moves each armed, still pending fire that was placed on the follower's timing to the follower's
   * latest estimate for the same cue, as long as it stays near the beat it was armed for: the closer
   * the cue, the more of the music the estimate has heard.
   */
  private refine(now: number): void {
    const follow = this.follow;
    if (follow === undefined) return;
    this.states.forEach((st, i) => {
      const f = st?.followed;
      if (st === undefined || f === undefined || !st.armed || st.fireAt <= now) return;
      const next = follow.nextCue(i, f.periodS);
      if (next === undefined || next.index !== f.index || Math.abs(next.when - f.beatT) > FOLLOW_TIMING_BEATS * f.periodS) return;
      st.fireAt = next.when;
    });
  }

  private step(beat: Beat): void {
    const { meta } = this.model;
    const row = this.accumulator.takeBeat(beat);
    const x = this.input;
    const { mean, std } = meta.features;
    for (let i = 0; i < this.audioN; i++) x[i] = (row.audio[i]! - mean[i]!) / std[i]!;
    x.set(row.beat, this.audioN);
    x.set(this.history.onBeat(beat.t, row.periodS), this.audioN + BEAT_FEATURE_NAMES.length);
    if (this.follow !== undefined) x.set(this.follow.features(beat.nextBeatT, row.periodS), this.audioN + BEAT_FEATURE_NAMES.length + this.history.size);
    const outs = this.net.step(x);
    this.lastBeat = beat;
    meta.depts.forEach((d, i) => {
      const o = outs[i]!;
      const vocab = meta.vocab[d] ?? [];
      const confidence = calibratedConfidence(o.fire, meta.inference.deptThresholds?.[d], meta.inference.fireThreshold);
      // Two independent witnesses: when the follower expects this department's cue on the next beat,
      // the model arms on a far weaker call of its own.
      const due = this.follow?.nextCue(i, row.periodS);
      const agreed = due !== undefined && Math.abs(due.when - beat.nextBeatT) < 0.5 * row.periodS && o.fire >= FOLLOW_AGREE_FIRE;
      const shown = agreed ? Math.max(confidence, meta.inference.fireThreshold) : confidence;
      const armed = shown >= meta.inference.fireThreshold;
      const prev = this.states[i];
      // A fire armed at the previous beat for a time still to come stands while the model, a beat
      // on, no longer calls it (it learned "the cue is on the next beat", which is now this one).
      if (!armed && prev !== undefined && prev.armed && prev.fireAt > beat.t) return;
      const beats = armed ? 1 : Math.max(1, Math.round(o.beatsToNext));
      const followed = armed && due !== undefined && Math.abs(due.when - beat.nextBeatT) <= FOLLOW_TIMING_BEATS * row.periodS ? due : undefined;
      const target = followed !== undefined ? followed.when : beat.nextBeatT + (beats - 1) * row.periodS;
      const snapping = armed && meta.inference.snapToOnsets;
      this.states[i] = {
        armed,
        followed: followed !== undefined ? { index: followed.index, beatT: beat.nextBeatT, periodS: row.periodS } : undefined,
        cue: vocab[this.cueFor(i, o.cueIndex)] ?? vocab[0] ?? '',
        confidence: shown,
        fireAt: snapping ? target + SNAP_LATE * row.periodS : target,
        beatsToNext: beats,
        snap: snapping ? { from: target - SNAP_EARLY * row.periodS, to: target + SNAP_LATE * row.periodS, done: false } : undefined,
      };
    });
  }

  /**
   * The current prediction of every department. Before the first beat: the start cues, once the music
   * has started (first onset), with full confidence; nothing before that.
   */
  predictions(): Prediction[] {
    const out: Prediction[] = [];
    const { startCues } = this.model.meta.inference;
    const { depts } = this.model.meta;
    depts.forEach((d, i) => {
      const at = this.startFireAt(d, i);
      if (at !== undefined) {
        out.push({ dept: deptId(d), cue: cueId(startCues[d]!), confidence: 1, fireAt: at, source: 'model' });
        return;
      }
      // Nothing else before the first beat (no state yet).
      const s = this.states[i];
      if (s === undefined) return;
      out.push({ dept: deptId(d), cue: cueId(s.cue), confidence: s.confidence, fireAt: s.fireAt, source: 'model' });
    });
    return out;
  }

  /**
   * When a department that has not fired yet opens with its start cue, or undefined. Never before the
   * music starts (the first onset well above the noise floor): a song's opening look does not go
   * during the walk-in because a rehearsal's did a second after its recording began. Once the music
   * has started, with a score follower: when the follower places the rehearsal's start cue (a cue a
   * bar into a pickup goes on that bar, not on the first note), shown up to `START_LOOKAHEAD_S` ahead
   * as a countdown, and at once if that moment has passed. Without one, or once the follower has
   * moved past it: when the music starts, whether or not the beat tracker has found a beat by then
   * (noise can give it one first).
   */
  private startFireAt(dept: string, deptIndex: number): number | undefined {
    const cue = this.model.meta.inference.startCues[dept];
    const start = this.startAt;
    if (cue === undefined || start === undefined || this.history.hasFired(dept)) return undefined;
    const next = this.follow?.nextCue(deptIndex, this.lastBeat !== undefined && this.lastBeat.bpm > 0 ? 60 / this.lastBeat.bpm : DEFAULT_PERIOD_S);
    if (next !== undefined && this.model.meta.vocab[dept]?.[next.index] === cue) return next.when - this.nowT <= START_LOOKAHEAD_S ? Math.max(next.when, start) : undefined;
    return this.nowT - start <= START_WINDOW_S ? start : undefined;
  }

  /** The beat the model last advanced on. */
  get beat(): Beat | undefined {
    return this.lastBeat;
  }
}

/** Optional inputs of `predictCues`. */
export interface PredictCuesInputs {
  /** Performer events (audio time base). */
  readonly performer$?: Observable<PerformerEvent>;
  /**
   * Every cue that actually fired, from any source, with `t` in engine-clock seconds (the arbiter's
   * `Decision.t`), so the cue history matches the show.
   */
  readonly fired$?: Observable<{ dept: string; cue: string; t: number }>;
  /**
   * Engine-clock milliseconds at audio time 0 (the pipeline's `audioOffsetMs`). Predictions' `fireAt`
   * are engine-clock seconds, audio times plus this offset. Default 0 (offline: the clocks coincide).
   */
  readonly audioOffsetMs?: number;
}

/**
 * The function the composition root calls: the loaded model and the listening streams in, an
 * Observable of predictions out — every department's current prediction on every feature hop (after
 * the first beat, or the start cues once the music starts). Emissions are delivered on `scheduler`.
 */
export function predictCues(
  model: LoadedModel,
  streams: Pick<ListeningStreams, 'features$' | 'beats$' | 'onsets$'> & Partial<Pick<ListeningStreams, 'sections$'>>,
  inputs: PredictCuesInputs = {},
  scheduler: SchedulerLike = asyncScheduler,
): Observable<Prediction> {
  const offsetS = (inputs.audioOffsetMs ?? 0) / 1000;
  const fired$ = inputs.fired$?.pipe(map((f) => ({ ...f, t: f.t - offsetS })));
  return new Observable<Prediction>((subscriber) => {
    const predictor = new CuePredictor(model);
    return predictorEvents(streams, inputs.performer$, fired$)
      .pipe(observeOn(scheduler))
      .subscribe({
        next: (e) => {
          try {
            predictor.push(e);
            if (e.kind === 'frame') for (const p of predictor.predictions()) subscriber.next(offsetS === 0 ? p : { ...p, fireAt: p.fireAt + offsetS });
          } catch (err) {
            subscriber.error(err);
          }
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
  });
}

/**
 * The model as the show pipeline wires it (`buildShowPipeline`'s `predict`): the live composition and
 * every offline replay build the predictor through this one function.
 */
export function modelPredictor(model: LoadedModel, options: { readonly audioOffsetMs?: number } = {}, scheduler: SchedulerLike = asyncScheduler): Predict {
  return (streams, fired$) =>
    predictCues(
      model,
      streams,
      { fired$, ...(streams.performer$ !== undefined ? { performer$: streams.performer$ } : {}), ...(options.audioOffsetMs !== undefined ? { audioOffsetMs: options.audioOffsetMs } : {}) },
      scheduler,
    );
}
