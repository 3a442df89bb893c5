/**
 * Streaming inference: the listening streams (plus performer events and the cues actually fired) in,
 * one prediction per department per hop out. The predictor gathers the evidence — the beat rows, the
 * cue history, the score follower's position, the network's outputs stepped once per beat, when the
 * music started — and the one cue policy (`engine/core/policy`) turns it into proposals with reasons.
 */
import { asyncScheduler, map, Observable, observeOn, type SchedulerLike } from 'rxjs';
import type { Beat, ListeningStreams } from '../audio/types.js';
import { CuePolicy, type PolicyVotes, type Proposal } from '../policy/cuePolicy.js';
import { cueId, deptId } from '../ids.js';
import type { Prediction } from '../arbiter/types.js';
import type { Predict } from '../pipeline.js';
import { predictorEvents, type PredictorEvent } from './events.js';
import { BeatAccumulator, CueHistory } from './beatInput.js';
import { StreamingNet, type DeptOutput } from './streamingNet.js';
import { AlignmentFeatures, type AlignerTape } from './alignment.js';
import { AttackDetector } from './attack.js';
import { FollowTrack, followReference } from './followInput.js';
import { InputLayout, layoutDifferences } from './inputLayout.js';
import type { ModelMeta, NetWeights, PerformerEvent } from './types.js';
import { ClearAttacks, CountIn, OPENING_WINDOW_S } from './opening.js';
import { defaultListeningSettings } from '../audio/types.js';

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

/** This build's input layout for a model, checked against the one the model stores (by block, name and width). */
export function checkedLayout(meta: ModelMeta): InputLayout {
  const layout = InputLayout.of({
    depts: meta.depts,
    vocab: meta.vocab,
    ...(meta.features.schedule !== undefined ? { schedule: meta.features.schedule } : {}),
    ...(meta.features.order !== undefined ? { order: meta.features.order } : {}),
    follow: meta.features.follow !== undefined,
  });
  const problems = layoutDifferences(meta.features.layout, layout);
  if (layout.width !== meta.inputSize) problems.push(`its network takes ${meta.inputSize} inputs, its layout makes ${layout.width}`);
  if (meta.features.mean.length !== layout.widthOf('audio') || meta.features.std.length !== layout.widthOf('audio')) problems.push(`its audio normalisation has ${meta.features.mean.length} entries for ${layout.widthOf('audio')} audio inputs`);
  if (problems.length > 0) throw new RangeError(`the model's input does not match this build: ${problems.join('; ')}; retrain it with 'precue train'`);
  return layout;
}

/** Options of a predictor. */
export interface PredictorOptions {
  /** Which voters the policy hears (default `model`; `precue eval`'s ablations). */
  readonly votes?: PolicyVotes;
  /** A scripted network in place of the model's (tests). */
  readonly net?: PredictorNet;
  /** Where the follower recorded this take before, to read its alignment back (`AlignerTape`). */
  readonly followTape?: AlignerTape;
}

/**
 * The predictor as a plain state machine (one call per event), so offline replay, the bench and the
 * live engine share it. Not thread-safe; one per pipeline.
 */
export class CuePredictor {
  private readonly accumulator = new BeatAccumulator();
  private readonly alignFeatures = new AlignmentFeatures();
  private readonly attacks: AttackDetector;
  /** The show's opening as heard: clear attacks (a band's entry) and a drummer's count-in. */
  private readonly clearAttacks: ClearAttacks;
  private readonly countIn: CountIn;
  /** Audio time of the latest attack heard. */
  private lastAttackAt: number | undefined;
  /** The band's level as the policy reads it (from the attack detector). */
  private readonly level: { readonly nowDb: number; readonly peakDb: number; loudestSince(t: number): number };
  private readonly follow: FollowTrack | undefined;
  private readonly history: CueHistory;
  private readonly net: PredictorNet;
  private readonly layout: InputLayout;
  private readonly input: Float32Array;
  private readonly audioN: number;
  /** The one cue policy, with the model's numbers. */
  readonly policy: CuePolicy;
  private lastBeat: Beat | undefined;
  /** When the show was heard to start, and why (see `noteStart`). */
  private startAt: number | undefined;
  private startedBy = '';
  /** The followed rehearsal's opening (level before its first cue, and that cue's time), when there is one. */
  private readonly opening: { readonly levelDb: number; readonly windowS: number } | undefined;
  /** Frame levels of the last `OPENING_WINDOW_S` while the show has not started. */
  private readonly recent: { t: number; db: number }[] = [];
  /** Quietest frame level so far (dBFS) and the latest level. */
  private floorDb = Number.POSITIVE_INFINITY;
  private levelDb = Number.NEGATIVE_INFINITY;
  /** Time of the latest frame. */
  private nowT = 0;

  constructor(
    readonly model: LoadedModel,
    options: PredictorOptions = {},
  ) {
    const { meta } = model;
    this.layout = checkedLayout(meta);
    this.history = new CueHistory(meta.depts, meta.vocab, meta.features.schedule, meta.features.order);
    this.net = options.net ?? new StreamingNet(model.weights);
    this.input = new Float32Array(meta.inputSize);
    this.audioN = meta.features.mean.length;
    const attacks = new AttackDetector(meta.policy.numbers.attackPeakFraction);
    this.attacks = attacks;
    this.clearAttacks = new ClearAttacks(meta.policy.numbers);
    // The count's tempo is a person's, in the listening's default range: a show's learned range may sit an octave above it (a tracker on the eighths).
    this.countIn = new CountIn(meta.policy.numbers, defaultListeningSettings);
    this.level = {
      get nowDb() {
        return attacks.levelDb;
      },
      get peakDb() {
        return attacks.levelPeakDb;
      },
      loudestSince: (t) => attacks.loudestSince(t),
    };
    this.policy = new CuePolicy(meta.depts, meta.vocab, meta.policy.depts, meta.policy.numbers, options.votes ?? 'model', meta.policy.confidence);
    const follow = meta.features.follow;
    if (follow !== undefined) {
      const summary = meta.rehearsals.find((r) => r.name === follow.reference);
      if (summary === undefined) throw new RangeError(`the model's follower tracks rehearsal '${follow.reference}', which the model does not store`);
      if (model.alignment === undefined) throw new RangeError("the model has a follower input but no alignment data (alignment.bin) was loaded");
      this.follow = new FollowTrack(followReference(summary, model.alignment, { rehearsals: meta.rehearsals, numbers: meta.policy.numbers }), meta.depts, meta.vocab, options.followTape, meta.policy.numbers);
      const first = Math.min(...summary.cues.map((c) => c.t));
      this.opening = { levelDb: summary.openingLevelDb, windowS: Math.min(OPENING_WINDOW_S, Math.max(0, first)) };
    }
  }

  /** Starts a new take: clears the recurrent state, history, accumulators and the policy's memory. */
  reset(): void {
    this.accumulator.reset();
    this.history.reset();
    this.follow?.reset();
    this.attacks.reset();
    this.clearAttacks.reset();
    this.countIn.reset();
    this.lastAttackAt = undefined;
    this.net.reset();
    this.policy.reset();
    this.lastBeat = undefined;
    this.startAt = undefined;
    this.startedBy = '';
    this.recent.length = 0;
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
        const attack = this.attacks.push(e.v);
        if (attack) this.lastAttackAt = e.v.t;
        this.clearAttacks.push(e.v, attack);
        this.countIn.push(e.v, attack ? this.clearAttacks.attackBackgroundDb : undefined);
        if (this.follow !== undefined) {
          const a = this.alignFeatures.push(e.v);
          if (a !== undefined) this.follow.push(a.v, a.t, a.quiet);
        }
        this.levelDb = e.v.levelDb;
        this.nowT = e.v.t;
        if (e.v.levelDb < this.floorDb) this.floorDb = e.v.levelDb;
        if (this.startAt === undefined) this.matchOpening(e.v.t, e.v.levelDb);
        return false;
      }
      case 'onset':
        this.accumulator.pushOnset(e.v);
        // The music has started at the first onset clearly above the noise floor (not a noise burst).
        if (this.startAt === undefined && this.levelDb > Math.max(this.floorDb, -100) + this.policy.numbers.startAboveFloorDb) {
          this.startAt = e.v.t;
          this.startedBy = 'the music started';
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
   * Records a cue that fired (from any source) into the cue history, the start cues included: the
   * model learned them from the rehearsals' openings the same way.
   */
  fired(dept: string, cue: string, t: number): void {
    this.history.fired(dept, cue, t);
  }

  /**
   * The show has also started once the live input has sounded, for as long as the followed rehearsal
   * was measured before its first cue, within `openingMatchDb` of how that rehearsal sounded then: a
   * track that opens in silence starts like its rehearsal did, while a walk-in's crowd noise against a
   * rehearsal that opened with music waits for the music.
   */
  private matchOpening(t: number, db: number): void {
    const o = this.opening;
    if (o === undefined) return;
    const r = this.recent;
    r.push({ t, db });
    while (r.length > 0 && r[0]!.t < t - OPENING_WINDOW_S) r.shift();
    if (t - r[0]!.t < o.windowS - 1e-9) return;
    const sorted = r.map((x) => x.db).sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    if (Math.abs(median - o.levelDb) <= this.policy.numbers.openingMatchDb) {
      this.startAt = t;
      this.startedBy = `the opening sounds like the rehearsal's (${median.toFixed(0)} dB, rehearsal ${o.levelDb.toFixed(0)} dB)`;
      r.length = 0;
    }
  }

  /** One beat: the input vector through the layout, one network step, the outputs to the policy. */
  private step(beat: Beat): void {
    const { meta } = this.model;
    const row = this.accumulator.takeBeat(beat);
    const x = this.input;
    const { mean, std } = meta.features;
    const audio = this.layout.offset('audio');
    for (let i = 0; i < this.audioN; i++) x[audio + i] = (row.audio[i]! - mean[i]!) / std[i]!;
    this.layout.write(x, 0, 'beat', row.beat);
    this.layout.write(x, 0, 'history', this.history.onBeat(beat.t, row.periodS));
    if (this.follow !== undefined) this.layout.write(x, 0, 'follow', this.follow.features(beat.nextBeatT, row.periodS));
    const outs = this.net.step(x);
    this.lastBeat = beat;
    this.policy.onBeat({ t: beat.t, nextBeatT: beat.nextBeatT, periodS: row.periodS, beatInBar: beat.beatInBar, beatsPerBar: beat.beatsPerBar, barIndex: beat.barIndex }, outs, this.follow);
  }

  /** The policy's proposal for every department as of the latest frame (audio time base). */
  predictions(): Proposal[] {
    const history = this.history;
    const entryAttackAt = this.clearAttacks.outOfQuietAt;
    const countIn = this.countIn.latest;
    return this.policy.propose(this.follow, {
      now: this.nowT, musicStartedAt: this.startAt, startedBy: this.startedBy, hasFired: (d) => history.hasFired(d),
      ...(this.lastAttackAt !== undefined ? { lastAttackAt: this.lastAttackAt } : {}), level: this.level,
      ...(entryAttackAt !== undefined ? { entryAttackAt } : {}), ...(countIn !== undefined ? { countIn } : {}),
    });
  }

  /** The beat the model last advanced on. */
  get beat(): Beat | undefined {
    return this.lastBeat;
  }
}

/** A prediction as the arbiter receives it (engine seconds), with the policy's reason. */
export type PolicyPrediction = Prediction & { readonly reason: string };

/** A proposal as a prediction on the engine clock. */
export function toPrediction(p: Proposal, offsetS: number, heardS: number): PolicyPrediction {
  return { dept: deptId(p.dept), cue: cueId(p.cue), confidence: p.confidence, fireAt: p.fireAt + offsetS, source: 'model', reason: p.reason, heardAt: heardS + offsetS, ...(p.lost !== undefined ? { lost: p.lost } : {}), ...(p.awaiting !== undefined ? { awaiting: p.awaiting } : {}), ...(p.open !== undefined ? { open: p.open } : {}) };
}

/** Optional inputs of `predictCues` (and the predictor's own options). */
export interface PredictCuesInputs extends PredictorOptions {
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
): Observable<PolicyPrediction> {
  const offsetS = (inputs.audioOffsetMs ?? 0) / 1000;
  const fired$ = inputs.fired$?.pipe(map((f) => ({ ...f, t: f.t - offsetS })));
  return new Observable<PolicyPrediction>((subscriber) => {
    const predictor = new CuePredictor(model, inputs);
    return predictorEvents(streams, inputs.performer$, fired$)
      .pipe(observeOn(scheduler))
      .subscribe({
        next: (e) => {
          try {
            predictor.push(e);
            if (e.kind === 'frame') for (const p of predictor.predictions()) subscriber.next(toPrediction(p, offsetS, e.v.t));
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
export function modelPredictor(model: LoadedModel, options: PredictorOptions & { readonly audioOffsetMs?: number } = {}, scheduler: SchedulerLike = asyncScheduler): Predict {
  return (streams, fired$) => predictCues(model, streams, { ...options, fired$, ...(streams.performer$ !== undefined ? { performer$: streams.performer$ } : {}) }, scheduler);
}
