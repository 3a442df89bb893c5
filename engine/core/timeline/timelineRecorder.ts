/**
 * Keeps the timeline of a run: every bar the beat tracker counted, every prediction episode (from the
 * model's first proposal of a cue until it fired or the model changed its mind, with where it placed
 * the fire and how sure it was, and whether the arbiter armed it), and every cue that fired with who
 * or what fired it. Changes go out in batches (a few a second), so a console can scroll live; the
 * whole run (bounded) is in the snapshot, so it can scrub back afterwards.
 *
 * Time comes only from the scheduler; input streams are the pipeline's own.
 */
import { asyncScheduler, interval, Subject, Subscription, type Observable, type SchedulerLike } from 'rxjs';
import type { ArbiterState } from '../arbiter/arbiter.js';
import type { Decision, Prediction } from '../arbiter/types.js';
import type { Beat } from '../audio/types.js';
import { compareCueNumbers } from '../ids.js';
import type { PlaybackEvent } from '../playback/deptPlayback.js';
import type { DecisionSource } from '../protocol/state.js';
import { applyTimelineDelta, type TimelineDelta, type TimelinePrediction, type TimelineState } from '../protocol/timeline.js';

/** What the recorder listens to. */
export interface TimelineInputs {
  readonly predictions$: Observable<Prediction>;
  readonly decisions$: Observable<Decision>;
  readonly events$: Observable<PlaybackEvent>;
  readonly arbiter$: Observable<ArbiterState>;
  readonly beats$?: Observable<Beat>;
  /** Engine ms of audio time 0 (beats are in audio seconds). */
  readonly audioOffsetMs: number;
  /** The rehearsal take the engine plays, if it plays one. */
  readonly rehearsal: TimelineState['rehearsal'];
}

const clamp01 = (x: number): number => Math.max(0, Math.min(1, x));

/** Records the timeline of a run (see the module comment). */
export class TimelineRecorder {
  private state: TimelineState;
  private pending: { bars: [number, number][]; fires: TimelineState['fires']; predictions: Map<number, TimelinePrediction> } = { bars: [], fires: [], predictions: new Map() };
  private readonly open = new Map<string, TimelinePrediction>();
  private readonly lastDecision = new Map<string, Decision>();
  private nextId = 0;
  private readonly deltasSubject = new Subject<TimelineDelta>();
  private readonly subscription = new Subscription();
  /** Batches of what the timeline gained (hot). */
  readonly deltas$: Observable<TimelineDelta> = this.deltasSubject.asObservable();

  constructor(inputs: TimelineInputs, private readonly scheduler: SchedulerLike = asyncScheduler, flushMs = 250) {
    this.state = { audioStartMs: inputs.beats$ !== undefined ? inputs.audioOffsetMs : null, rehearsal: inputs.rehearsal, bars: [], fires: [], predictions: [], dropped: 0 };
    this.subscription.add(inputs.predictions$.subscribe((p) => this.onPrediction(p)));
    this.subscription.add(inputs.decisions$.subscribe((d) => { if (d.dept !== null) this.lastDecision.set(d.dept, d); }));
    this.subscription.add(inputs.events$.subscribe((e) => { if (e.kind === 'fire') this.onFire(e); }));
    this.subscription.add(inputs.arbiter$.subscribe((s) => this.onArbiter(s)));
    if (inputs.beats$ !== undefined) {
      this.subscription.add(inputs.beats$.subscribe({ next: (b) => { if (b.isDownbeat) this.pending.bars.push([b.t * 1000 + inputs.audioOffsetMs, b.barIndex + 1]); }, error: () => undefined }));
    }
    this.subscription.add(interval(flushMs, scheduler).subscribe(() => this.flush()));
  }

  /**
   * The timeline with every delta sent so far folded in (what is batched for the next delta is not in
   * it yet: a console that joins now gets it with that delta, once).
   */
  snapshot(): TimelineState {
    return this.state;
  }

  private touch(p: TimelinePrediction): void {
    this.open.set(p.dept, p);
    this.pending.predictions.set(p.id, p);
  }

  private close(dept: string): void {
    const p = this.open.get(dept);
    if (p === undefined) return;
    this.open.delete(dept);
    this.pending.predictions.set(p.id, { ...p, open: false });
  }

  private onPrediction(p: Prediction): void {
    const now = this.scheduler.now();
    const confidence = clamp01(p.confidence);
    const was = this.open.get(p.dept);
    if (was !== undefined && compareCueNumbers(was.cue, p.cue) === 0) {
      this.touch({ ...was, lastMs: now, fireAtMs: p.fireAt * 1000, confidence, peak: Math.max(was.peak, confidence) });
      return;
    }
    this.close(p.dept);
    this.touch({ id: this.nextId++, dept: p.dept, cue: p.cue, firstMs: now, lastMs: now, fireAtMs: p.fireAt * 1000, confidence, peak: confidence, armed: false, open: true });
  }

  private onArbiter(s: ArbiterState): void {
    for (const d of s.depts) {
      const p = this.open.get(d.dept);
      if (p !== undefined && !p.armed && d.prediction?.armed === true && compareCueNumbers(d.prediction.cue, p.cue) === 0) this.touch({ ...p, armed: true });
    }
  }

  private onFire(e: Extract<PlaybackEvent, { kind: 'fire' }>): void {
    const d = this.lastDecision.get(e.dept);
    const fromDecision = d !== undefined && d.t * 1000 === e.tMs && d.cue !== undefined && compareCueNumbers(d.cue, e.cue) === 0;
    const source: DecisionSource = e.source === 'msc' ? 'midi' : e.source === 'keyboard' ? 'operator' : e.source;
    this.pending.fires.push({
      atMs: e.tMs, dept: e.dept, cue: e.cue, source,
      who: fromDecision && d.user !== undefined ? d.user.slice(0, 120) : null,
      confidence: fromDecision && d.confidence !== undefined ? clamp01(d.confidence) : null,
    });
    // The episode that predicted this cue is over: it fired.
    const p = this.open.get(e.dept);
    if (p !== undefined && compareCueNumbers(p.cue, e.cue) === 0) this.close(e.dept);
  }

  private flush(): void {
    const { bars, fires, predictions } = this.pending;
    if (bars.length === 0 && fires.length === 0 && predictions.size === 0) return;
    this.pending = { bars: [], fires: [], predictions: new Map() };
    const delta: TimelineDelta = {
      ...(bars.length > 0 ? { bars } : {}),
      ...(fires.length > 0 ? { fires } : {}),
      ...(predictions.size > 0 ? { predictions: [...predictions.values()] } : {}),
    };
    this.state = applyTimelineDelta(this.state, delta);
    this.deltasSubject.next(delta);
  }

  /** Stops listening and completes `deltas$`. */
  dispose(): void {
    this.subscription.unsubscribe();
    this.deltasSubject.complete();
  }
}
