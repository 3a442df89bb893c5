/**
 * The run journal: watches a show pipeline and writes its run log (`runLog.ts`) as the show happens —
 * every decision with where the music was, the prediction standing in its department and, on a
 * person's GO, shadow mode's verdict; every cue playback fired; every predicted cue once settled; every
 * mode change — and keeps shadow mode's live score per department for the console.
 *
 * The same journal runs live (`engine/main.ts` hands its lines to the log file) and offline (the report
 * replays a take through the pipeline and reads the same lines), so a run and its replay are described
 * by one piece of code. Time comes only from the scheduler and the events themselves.
 */
import { Subject, type Observable, type SchedulerLike, Subscription } from 'rxjs';
import type { ArbiterState } from '../arbiter/arbiter.js';
import type { Decision, Prediction } from '../arbiter/types.js';
import type { Beat } from '../audio/types.js';
import type { PlaybackEvent } from '../playback/deptPlayback.js';
import { meetsFireThreshold, momentHasPassed } from '../policy/cuePolicy.js';
import type { PolicyNumbers } from '../policy/numbers.js';
import type { ShadowScore } from '../protocol/state.js';
import { HUMAN_SOURCES, RUN_LOG_VERSION, type DecisionLine, type MusicPosition, type PredictionLine, type PredictionRef, type RunLogLine, type ShadowVerdict, type StartLine } from './runLog.js';
import { ShadowScorer } from './shadow.js';

/** The pipeline streams the journal watches (a `ShowPipeline` satisfies it). */
export interface JournalSource {
  readonly decisions$: Observable<Decision>;
  readonly predictions$: Observable<Prediction>;
  readonly playback: { readonly events$: Observable<PlaybackEvent> };
  readonly arbiter: { readonly state$: Observable<ArbiterState> };
}

/** What the journal needs besides the pipeline. */
export interface JournalOptions {
  /** The start line's facts the caller knows (wall clock, names, the model); the departments come from the arbiter. */
  readonly header: Omit<StartLine, 'kind' | 'v' | 'audioOffsetMs' | 'depts'>;
  /** Engine ms of audio time 0. */
  readonly audioOffsetMs: number;
  /** The cue policy's numbers (the model's): what counts as confident enough to fire. */
  readonly policy: PolicyNumbers;
  /** The beat tracker's beats (audio time), for the music position and shadow mode's beat window. */
  readonly beats$?: Observable<Beat>;
  /** Receives every line, in order. */
  readonly write: (line: RunLogLine) => void;
}

interface Standing {
  readonly ref: PredictionRef;
  readonly firstAtS: number;
  lastAtS: number;
  latest: PredictionRef;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Watches a pipeline and writes its run log. `dispose` stops watching; `end` writes the clean-stop line. */
export class RunJournal {
  private readonly subscription = new Subscription();
  private readonly scorer: ShadowScorer;
  private readonly scoreChanges = new Subject<ShadowScore>();
  /** Shadow scores as they change (one department at a time; `scores()` has them all). */
  readonly scores$: Observable<ShadowScore> = this.scoreChanges.asObservable();
  private readonly standing = new Map<string, Standing>();
  private readonly verdicts = new Map<string, ShadowVerdict>();
  private readonly modes = new Map<string, ArbiterState['depts'][number]['mode']>();
  private readonly thresholds = new Map<string, number>();
  /** Per department, the cue that went last and when (audio s). */
  private readonly live = new Map<string, { cue: string; atS: number }>();
  private beat: Beat | undefined;
  private ended = false;

  constructor(
    source: JournalSource,
    private readonly options: JournalOptions,
    private readonly scheduler: SchedulerLike,
  ) {
    let first = true;
    let depts: StartLine['depts'] = [];
    // The arbiter's state replays its latest at once: the start line's departments, then mode changes.
    this.subscription.add(
      source.arbiter.state$.subscribe((s) => {
        for (const d of s.depts) {
          this.thresholds.set(d.dept, d.confidenceThreshold);
          const before = this.modes.get(d.dept);
          this.modes.set(d.dept, d.mode);
          if (!first && before !== d.mode) this.line({ kind: 'mode', tMs: this.now(), audioS: this.audioS(this.now()), dept: d.dept, mode: d.mode });
        }
        if (first) depts = s.depts.map((d) => ({ id: d.dept, mode: d.mode, confidenceThreshold: d.confidenceThreshold }));
        first = false;
      }),
    );
    this.scorer = new ShadowScorer(depts.map((d) => d.id));
    this.line({ kind: 'start', v: RUN_LOG_VERSION, ...options.header, audioOffsetMs: options.audioOffsetMs, depts });
    if (options.beats$ !== undefined) {
      this.subscription.add(
        options.beats$.subscribe({
          next: (b) => {
            this.beat = b;
            if (b.isDownbeat) this.line({ kind: 'bar', audioS: round3(b.t), bar: b.barIndex + 1, bpm: Math.round(b.bpm * 10) / 10, beatsPerBar: b.beatsPerBar });
          },
          error: () => undefined,
        }),
      );
    }
    this.subscription.add(source.predictions$.subscribe({ next: (p) => this.onPrediction(p), error: () => undefined }));
    this.subscription.add(source.playback.events$.subscribe({ next: (e) => this.onPlayback(e), error: () => undefined }));
    this.subscription.add(source.decisions$.subscribe({ next: (d) => this.onDecision(d), error: () => undefined }));
  }

  private now(): number {
    return this.scheduler.now();
  }

  private audioS(tMs: number): number {
    return round3((tMs - this.options.audioOffsetMs) / 1000);
  }

  private line(l: RunLogLine): void {
    if (this.ended) return;
    this.options.write(l);
  }

  /** The beat period now (the tracker's tempo, else the policy's default). */
  private beatS(): number {
    const bpm = this.beat?.bpm;
    return bpm !== undefined && bpm > 0 ? 60 / bpm : this.options.policy.defaultPeriodS;
  }

  /** Where the music is at audio time `t`, from the last beat and its tempo. */
  private music(t: number): MusicPosition | undefined {
    const b = this.beat;
    if (b === undefined || !(b.bpm > 0)) return undefined;
    const perBar = Math.max(1, b.beatsPerBar);
    const pos = b.beatInBar + (t - b.t) / (60 / b.bpm);
    const bars = Math.floor(pos / perBar);
    return { bar: Math.max(0, b.barIndex + bars) + 1, beat: Math.round((pos - bars * perBar + 1) * 100) / 100, beatsPerBar: perBar, bpm: Math.round(b.bpm * 10) / 10 };
  }

  private onPrediction(p: Prediction): void {
    const nowS = this.audioS(this.now());
    // The model repeating the cue that just went is not a new prediction (the gate refuses it as the live cue).
    const live = this.live.get(p.dept);
    if (live !== undefined && live.cue === p.cue && this.audioS(p.fireAt * 1000) < live.atS + this.options.policy.refireMinMs / 1000) return;
    const threshold = this.thresholds.get(p.dept) ?? 1;
    const ref: PredictionRef = {
      cue: p.cue,
      fireAtS: this.audioS(p.fireAt * 1000),
      confidence: Math.round(p.confidence * 1000) / 1000,
      // Confident enough, not already past its moment on the audio's clock (the gate refuses those too),
      // and one the model fires at all: never a lost follower's or an open entry (a person's GO in `auto` too).
      wouldFire: p.lost === undefined && p.open === undefined && meetsFireThreshold(p.confidence, threshold, this.options.policy) && !momentHasPassed(p.fireAt * 1000, p.heardAt !== undefined ? p.heardAt * 1000 : this.now(), this.options.policy),
      ...(p.reason !== undefined ? { reason: p.reason } : {}),
    };
    this.scorer.predicted({ ...ref, dept: p.dept, atS: nowS });
    const s = this.standing.get(p.dept);
    if (s !== undefined && s.ref.cue === p.cue) {
      s.latest = ref;
      s.lastAtS = nowS;
      return;
    }
    if (s !== undefined) this.settle(p.dept, s, nowS, undefined);
    this.standing.set(p.dept, { ref, firstAtS: nowS, lastAtS: nowS, latest: ref });
  }

  /** Writes a predicted cue's settled line. */
  private settle(dept: string, s: Standing, closedAtS: number, fired: { source: PredictionLine['by']; atS: number } | undefined): void {
    this.standing.delete(dept);
    const p = s.latest;
    const outcome: PredictionLine['outcome'] = fired !== undefined ? (fired.source === 'model' ? 'fired' : 'preempted') : p.fireAtS <= closedAtS ? 'due' : 'withdrawn';
    this.line({
      kind: 'prediction', dept, cue: p.cue, fireAtS: p.fireAtS, confidence: p.confidence, wouldFire: p.wouldFire,
      ...(p.reason !== undefined ? { reason: p.reason } : {}),
      firstAtS: s.firstAtS, closedAtS, outcome,
      ...(fired !== undefined ? { by: fired.source, firedAtS: fired.atS } : {}),
    });
  }

  private onPlayback(e: PlaybackEvent): void {
    if (e.kind !== 'fire') return;
    const atS = this.audioS(e.tMs);
    const music = this.music(atS);
    this.line({ kind: 'fire', tMs: e.tMs, audioS: atS, dept: e.dept, cue: e.cue, source: e.source, how: e.reason, ...(music !== undefined ? { music } : {}) });
    this.live.set(e.dept, { cue: e.cue, atS });
    const s = this.standing.get(e.dept);
    if (s !== undefined && s.ref.cue === e.cue) this.settle(e.dept, s, atS, { source: e.source, atS });
    // BACK is a correction, not a GO: it is not scored (the decision line records it).
    const human = HUMAN_SOURCES.has(e.source) && e.reason !== 'back';
    const verdict = this.scorer.fired(e.dept, e.cue, atS, human, this.beatS());
    if (verdict !== undefined) {
      this.verdicts.set(e.dept, verdict);
      this.scoreChanges.next(this.scorer.score(e.dept));
    }
  }

  private onDecision(d: Decision): void {
    const tMs = d.t * 1000;
    const atS = this.audioS(tMs);
    const dept = d.dept;
    const standing = dept === null ? undefined : this.standing.get(dept)?.latest;
    // A GO's verdict was made when playback fired it, just before this line.
    const verdict = dept === null ? undefined : this.verdicts.get(dept);
    if (dept !== null) this.verdicts.delete(dept);
    const music = this.music(atS);
    const mode = dept === null ? undefined : this.modes.get(dept);
    const line: DecisionLine = {
      kind: 'decision', tMs, audioS: atS, dept, action: d.action,
      ...(d.cue !== undefined ? { cue: d.cue } : {}),
      source: d.source,
      ...(d.user !== undefined ? { user: d.user } : {}),
      ...(d.confidence !== undefined ? { confidence: Math.round(d.confidence * 1000) / 1000 } : {}),
      ...(d.reason !== undefined ? { reason: d.reason } : {}),
      ...(d.fadeMs !== undefined ? { fadeMs: d.fadeMs } : {}),
      ...(mode !== undefined ? { mode } : {}),
      ...(music !== undefined ? { music } : {}),
      ...(standing !== undefined && d.source !== 'model' ? { standing } : {}),
      ...(verdict !== undefined && (d.action === 'go' || d.action === 'goto') ? { shadow: verdict } : {}),
    };
    this.line(line);
  }

  /** Shadow mode's score in every department. */
  scores(): ShadowScore[] {
    return this.scorer.scores();
  }

  /** Settles what is still predicted and writes the clean-stop line; nothing is written after it. */
  end(): void {
    if (this.ended) return;
    const tMs = this.now();
    const atS = this.audioS(tMs);
    for (const [dept, s] of [...this.standing]) this.settle(dept, s, atS, undefined);
    this.line({ kind: 'end', tMs, audioS: atS });
    this.ended = true;
  }

  /** Stops watching (without an end line: a crash leaves none either). */
  dispose(): void {
    this.subscription.unsubscribe();
    this.scoreChanges.complete();
  }
}
