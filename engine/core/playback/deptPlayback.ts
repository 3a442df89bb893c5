/**
 * One department's cue stack with console/QLab semantics: GO, BACK, GOTO, LOAD (standby), STOP,
 * HOLD/RESUME and PANIC; delays, auto-follow and auto-continue; a minimum interval between GOs.
 *
 * Time comes only from the injected scheduler. HOLD freezes a department clock (the scheduler's time
 * minus time spent held): fades, delays, follows and delayed messages all run on it, so they resume
 * exactly where they paused. Effects follow the music and run on the engine clock.
 */
import { asyncScheduler, type Observable, type SchedulerLike, Subject, type Subscription } from 'rxjs';
import { compareCueNumbers, type CueId, cueId, type DeptId, deptId } from '../ids.js';
import { type OutputMessage } from '../show/schema.js';
import { type Logger } from '../log.js';
import { type Decision, type DecisionSource } from '../arbiter/types.js';
import { assertNever } from '../errors.js';
import { type CompiledDept } from './compile.js';
import { DeptFades, type FixtureSet } from './fades.js';
import { ActiveBinding } from './effects.js';
import { type AudioFeed } from './audioFeed.js';
import { cueDurationMs } from './timing.js';

/** What the console shows of a department's stack. */
export interface StackState {
  readonly dept: DeptId;
  /** The live cue (last fired), the one a GO fires, and the one after it. */
  readonly current: CueId | null;
  readonly standby: CueId | null;
  readonly next: CueId | null;
  readonly held: boolean;
  /** Progress of the last fired cue's fades, 0..1, or null when none is running. */
  readonly fadeProgress: number | null;
  /** Engine ms of the last GO that was carried out (for double-press checks and the log). */
  readonly lastGoMs: number | null;
}

/** Why a cue fired. */
export type FireReason = 'go' | 'goto' | 'back' | 'follow' | 'continue';

/** Something that happened in a stack (for the log, the console and the tests). */
export type PlaybackEvent =
  | { readonly kind: 'fire'; readonly tMs: number; readonly dept: DeptId; readonly cue: CueId; readonly reason: FireReason; readonly source: DecisionSource | 'follow' }
  | { readonly kind: 'load'; readonly tMs: number; readonly dept: DeptId; readonly cue: CueId }
  /** `home`: BACK from the first cue, to the blank state before it. */
  | { readonly kind: 'stop' | 'hold' | 'resume' | 'panic' | 'home'; readonly tMs: number; readonly dept: DeptId }
  /** The department was put at a cue without firing it (`restore`: a resume from the journal, a standby catching up). */
  | { readonly kind: 'restore'; readonly tMs: number; readonly dept: DeptId; readonly cue: CueId | null }
  /** A GO dropped because it came within `minGoIntervalMs` of the previous one. */
  | { readonly kind: 'swallowed'; readonly tMs: number; readonly dept: DeptId; readonly source: DecisionSource }
  /** A command that could not be carried out (end of list, unknown cue…). */
  | { readonly kind: 'refused'; readonly tMs: number; readonly dept: DeptId; readonly reason: string };

/** One output message, due now: the outputs' senders consume these. */
export interface TimedMessage {
  /** Engine ms when it was due. */
  readonly tMs: number;
  readonly dept: DeptId;
  readonly cue: CueId;
  readonly message: OutputMessage;
}

interface TimerEntry {
  readonly dueMs: number;
  readonly seq: number;
  /** `follow` entries belong to the live cue and are dropped when another cue fires. */
  readonly kind: 'follow' | 'message';
  readonly run: () => void;
}

const EPSILON_MS = 1e-6;

/** What a department needs from its surroundings. */
export interface DeptContext {
  readonly feed: AudioFeed;
  readonly log: Logger;
  /** PANIC fade time when a decision gives none. */
  readonly panicFadeMs: number;
}

/** One department's cue stack, fades, effects and messages. */
export class DeptPlayback {
  readonly id: DeptId;
  /** Fade state, or null when no cue of this department sets levels. */
  fades: DeptFades | null;
  private readonly eventsSubject = new Subject<PlaybackEvent>();
  private readonly messagesSubject = new Subject<TimedMessage>();
  /** Everything that happens in this stack. */
  readonly events$: Observable<PlaybackEvent> = this.eventsSubject.asObservable();
  /** Messages of fired cues, each at its due time. */
  readonly messages$: Observable<TimedMessage> = this.messagesSubject.asObservable();

  private current = -1;
  private standby: number | null;
  private heldSinceMs: number | null = null;
  private heldTotalMs = 0;
  private lastGoMs: number | null = null;
  private lastFire: { deptMs: number; durationMs: number } | null = null;
  private queue: TimerEntry[] = [];
  private seq = 0;
  private timer: Subscription | undefined;
  private bindings: ActiveBinding[] = [];
  private disposed = false;

  constructor(
    private compiled: CompiledDept,
    private readonly ctx: DeptContext,
    private readonly scheduler: SchedulerLike = asyncScheduler,
  ) {
    this.id = deptId(compiled.dept.id);
    this.fades = compiled.hasLevels ? new DeptFades(compiled) : null;
    this.standby = compiled.cues.length > 0 ? 0 : null;
  }

  /** The department's compiled cues (replaced when the show is edited). */
  get program(): CompiledDept {
    return this.compiled;
  }

  /**
   * The department was edited (cues recorded, inserted, changed or deleted): the stack keeps its place
   * by cue number — the live cue stays live, a standby chosen by LOAD stays the standby, otherwise the
   * cue after the live one (a cue inserted right after it) becomes the standby. Fades in progress run
   * on; with `updateLive` the live cue goes to its new look now, in its own fade times without delay,
   * else it keeps its look until the next GO. Follows already scheduled keep their times.
   */
  reprogram(program: CompiledDept, updateLive: boolean): void {
    const before = this.compiled;
    const live = this.current >= 0 ? before.cues[this.current]?.number : undefined;
    const wasNext = this.standby !== null && this.standby === this.current + 1;
    const standby = this.standby === null ? undefined : before.cues[this.standby]?.number;
    this.compiled = program;
    this.fades?.reprogram(program); // a department without levels gets none (`Playback.reprogram` refuses that)
    // The live cue by number; deleted (never while live, but a show may be undone under it): the cue before its place.
    let current = -1;
    if (live !== undefined) {
      for (let i = 0; i < program.cues.length; i++) if (compareCueNumbers(program.cues[i]!.number, live) <= 0) current = i;
    }
    this.current = current;
    const kept = !wasNext && standby !== undefined ? this.indexOf(standby) : -1;
    this.standby = kept >= 0 ? kept : current + 1 < program.cues.length ? current + 1 : null;
    if (updateLive && this.fades !== null) {
      const now = this.scheduler.now();
      const cue = current >= 0 ? program.cues[current]!.cue : program.cues[0]?.cue;
      if (cue !== undefined) this.fades.fire(current, cue, this.deptTime(now), now, { withDelay: false, moveInBlack: program.dept.moveInBlack });
    }
  }

  /** Department clock at engine time `nowMs` (stops during HOLD). */
  deptTime(nowMs: number): number {
    return (this.heldSinceMs ?? nowMs) - this.heldTotalMs;
  }

  private cueAt(i: number | null): CueId | null {
    if (i === null || i < 0) return null;
    const c = this.program.cues[i];
    return c === undefined ? null : cueId(c.number);
  }

  /** The stack as the console shows it, at the scheduler's now. */
  state(): StackState {
    const now = this.scheduler.now();
    let fadeProgress: number | null = null;
    if (this.lastFire !== null && this.lastFire.durationMs > 0) {
      const p = (this.deptTime(now) - this.lastFire.deptMs) / this.lastFire.durationMs;
      fadeProgress = p < 1 ? Math.max(0, p) : null;
    }
    const next = this.standby === null ? null : this.standby + 1 < this.program.cues.length ? this.standby + 1 : null;
    return {
      dept: this.id,
      current: this.cueAt(this.current),
      standby: this.cueAt(this.standby),
      next: this.cueAt(next),
      held: this.heldSinceMs !== null,
      fadeProgress,
      lastGoMs: this.lastGoMs,
    };
  }

  /** Index of a cue number in the sorted stack, or -1. */
  indexOf(cue: string): number {
    return this.program.cues.findIndex((c) => compareCueNumbers(c.number, cue) === 0);
  }

  private emit(e: PlaybackEvent): void {
    this.eventsSubject.next(e);
  }

  private refuse(reason: string): false {
    this.ctx.log.warn(`${this.id}: ${reason}`, { dept: this.id });
    this.emit({ kind: 'refused', tMs: this.scheduler.now(), dept: this.id, reason });
    return false;
  }

  // ---- timers on the department clock -------------------------------------------------------

  private push(dueMs: number, kind: TimerEntry['kind'], run: () => void): void {
    const entry: TimerEntry = { dueMs, seq: this.seq++, kind, run };
    let i = this.queue.length;
    while (i > 0 && (this.queue[i - 1]!.dueMs > dueMs)) i--;
    this.queue.splice(i, 0, entry);
  }

  private arm(): void {
    this.timer?.unsubscribe();
    this.timer = undefined;
    const head = this.queue[0];
    if (this.disposed || this.heldSinceMs !== null || head === undefined) return;
    const delay = Math.max(0, head.dueMs - this.deptTime(this.scheduler.now()));
    this.timer = this.scheduler.schedule(() => {
      this.timer = undefined;
      this.runDue();
    }, delay);
  }

  private runDue(): void {
    for (;;) {
      const head = this.queue[0];
      if (head === undefined || this.heldSinceMs !== null) break;
      if (head.dueMs > this.deptTime(this.scheduler.now()) + EPSILON_MS) break;
      this.queue.shift();
      try {
        head.run();
      } catch (err) {
        this.ctx.log.error(`${this.id}: a timed action failed`, { error: String(err) });
      }
    }
    this.arm();
  }

  // ---- firing ---------------------------------------------------------------------------------

  private fire(index: number, reason: FireReason, source: DecisionSource | 'follow', fadeOverrideMs?: number): void {
    const now = this.scheduler.now();
    if (this.heldSinceMs !== null) this.resume(); // a GO releases a HOLD, as on the big desks
    const d = this.deptTime(now);
    const withDelay = reason !== 'back';
    const target = this.program.cues[index];
    // Any cue's timing drives BACK to the blank state: the first cue's, without its delay.
    const timing = target ?? this.program.cues[0];
    if (timing === undefined) return;
    this.queue = this.queue.filter((e) => e.kind !== 'follow');
    const fadeOutMs = fadeOverrideMs ?? timing.cue.fadeDownMs ?? timing.cue.fadeUpMs;
    for (const b of this.bindings) b.stop(now, fadeOutMs);
    this.fades?.fire(index, timing.cue, d, now, { withDelay, fadeOverrideMs, moveInBlack: this.program.dept.moveInBlack });
    this.current = index;
    this.standby = index + 1 < this.program.cues.length ? index + 1 : null;
    this.lastFire = { deptMs: d, durationMs: cueDurationMs(timing.cue, withDelay, fadeOverrideMs) };
    if (target !== undefined) {
      const delayMs = withDelay ? target.cue.delayMs : 0;
      for (const { binding, fixtures } of target.bindings) {
        this.bindings.push(new ActiveBinding(binding, fixtures, now + delayMs, fadeOverrideMs ?? target.cue.fadeUpMs, this.ctx.feed));
      }
      const messages = target.cue.messages ?? [];
      if (messages.length > 0) {
        const cue = cueId(target.number);
        this.push(d + delayMs, 'message', () => {
          const tMs = this.scheduler.now();
          for (const message of messages) this.messagesSubject.next({ tMs, dept: this.id, cue, message });
        });
      }
      if (reason !== 'back') {
        if (target.cue.autoContinueMs !== undefined) this.push(d + target.cue.autoContinueMs, 'follow', () => this.fireStandby('continue'));
        if (target.cue.autoFollow === true) this.push(d + this.lastFire.durationMs, 'follow', () => this.fireStandby('follow'));
      }
      this.emit({ kind: 'fire', tMs: now, dept: this.id, cue: cueId(target.number), reason, source });
    }
    this.arm();
  }

  private fireStandby(reason: 'follow' | 'continue'): void {
    if (this.standby === null) return;
    this.fire(this.standby, reason, 'follow');
  }

  /** GO: fires the standby cue. Returns false when swallowed (double press) or at the end of the list. */
  go(source: DecisionSource = 'operator', fadeOverrideMs?: number): boolean {
    const now = this.scheduler.now();
    if (this.lastGoMs !== null && now - this.lastGoMs < this.program.dept.minGoIntervalMs) {
      this.ctx.log.debug(`${this.id}: GO within ${this.program.dept.minGoIntervalMs} ms of the last one swallowed`);
      this.emit({ kind: 'swallowed', tMs: now, dept: this.id, source });
      return false;
    }
    if (this.standby === null) return this.refuse('GO at the end of the cue list');
    this.lastGoMs = now;
    this.fire(this.standby, 'go', source, fadeOverrideMs);
    return true;
  }

  /** GOTO: fires a cue by number (with its delay and times). */
  goto(cue: string, source: DecisionSource = 'operator', fadeOverrideMs?: number): boolean {
    const i = this.indexOf(cue);
    if (i < 0) return this.refuse(`there is no cue ${cue} in ${this.id}`);
    this.lastGoMs = this.scheduler.now();
    this.fire(i, 'goto', source, fadeOverrideMs);
    return true;
  }

  /** BACK: returns to the previous cue's look in that cue's fade times (no delay, no follow). */
  back(source: DecisionSource = 'operator'): boolean {
    if (this.current < 0) return this.refuse('BACK before the first cue');
    this.fire(this.current - 1, 'back', source);
    if (this.current < 0) this.emit({ kind: 'home', tMs: this.scheduler.now(), dept: this.id });
    return true;
  }

  /** LOAD: makes a cue the standby without firing it. */
  load(cue: string): boolean {
    const i = this.indexOf(cue);
    if (i < 0) return this.refuse(`there is no cue ${cue} in ${this.id}`);
    this.standby = i;
    this.emit({ kind: 'load', tMs: this.scheduler.now(), dept: this.id, cue: cueId(this.program.cues[i]!.number) });
    return true;
  }

  /**
   * RESTORE: puts the department at `cue` (null: before its first cue) at once, as if its fades had
   * long finished — the cue's tracked look and its effects, but no messages, no delays and no
   * follows: nothing fires again. A restart resuming from the journal and a hot standby catching up
   * with its primary use it.
   */
  restore(cue: string | null): boolean {
    const index = cue === null ? -1 : this.indexOf(cue);
    if (cue !== null && index < 0) return this.refuse(`there is no cue ${cue} in ${this.id} to restore`);
    if (this.heldSinceMs !== null) this.resume();
    const now = this.scheduler.now();
    const target = index >= 0 ? this.program.cues[index] : undefined;
    const timing = target ?? this.program.cues[0];
    this.queue = [];
    for (const b of this.bindings) b.stop(now, 0);
    if (timing !== undefined) this.fades?.fire(index, timing.cue, this.deptTime(now), now, { withDelay: false, fadeOverrideMs: 0, moveInBlack: false });
    this.current = index;
    this.standby = index + 1 < this.program.cues.length ? index + 1 : null;
    this.lastFire = null;
    if (target !== undefined) for (const { binding, fixtures } of target.bindings) this.bindings.push(new ActiveBinding(binding, fixtures, now, 0, this.ctx.feed));
    this.arm();
    this.emit({ kind: 'restore', tMs: now, dept: this.id, cue: target !== undefined ? cueId(target.number) : null });
    return true;
  }

  /** STOP: fades freeze where they are; waits, follows, delayed messages and effects end. */
  stop(): void {
    const now = this.scheduler.now();
    this.fades?.freeze(this.deptTime(now));
    this.queue = [];
    for (const b of this.bindings) b.stop(now, 0);
    this.lastFire = null;
    this.arm();
    this.emit({ kind: 'stop', tMs: now, dept: this.id });
  }

  /** HOLD: pauses the department clock (fades, waits, follows). */
  hold(): void {
    if (this.heldSinceMs !== null) return;
    this.heldSinceMs = this.scheduler.now();
    this.arm();
    this.emit({ kind: 'hold', tMs: this.heldSinceMs, dept: this.id });
  }

  /** RESUME: continues after a HOLD. */
  resume(): void {
    if (this.heldSinceMs === null) return;
    const now = this.scheduler.now();
    this.heldTotalMs += now - this.heldSinceMs;
    this.heldSinceMs = null;
    this.arm();
    this.emit({ kind: 'resume', tMs: now, dept: this.id });
  }

  /**
   * PANIC: everything stops where it is and every intensity fades to 0 over `fadeMs`. `shown` (the
   * last frame's slots, effects included) is where it starts from, so an effect that stops never
   * makes a light brighter on the way down.
   */
  panic(fadeMs: number = this.ctx.panicFadeMs, shown?: Float64Array): void {
    if (this.heldSinceMs !== null) this.resume();
    const now = this.scheduler.now();
    this.queue = [];
    for (const b of this.bindings) b.stop(now, 0);
    this.fades?.panic(this.deptTime(now), fadeMs, now, shown);
    this.lastFire = null;
    this.arm();
    this.emit({ kind: 'panic', tMs: now, dept: this.id });
  }

  /** Carries out one decision addressed to this department. */
  apply(decision: Decision): void {
    switch (decision.action) {
      case 'go':
        if (decision.cue !== undefined) this.goto(decision.cue, decision.source, decision.fadeMs);
        else this.go(decision.source, decision.fadeMs);
        return;
      case 'goto':
        if (decision.cue === undefined) this.refuse('GOTO without a cue number');
        else this.goto(decision.cue, decision.source, decision.fadeMs);
        return;
      case 'back':
        this.back(decision.source);
        return;
      case 'load':
        if (decision.cue === undefined) this.refuse('LOAD without a cue number');
        else this.load(decision.cue);
        return;
      case 'stop':
        this.stop();
        return;
      case 'hold':
        this.hold();
        return;
      case 'resume':
        this.resume();
        return;
      case 'panic':
        this.panic(decision.fadeMs);
        return;
      default:
        assertNever(decision.action, 'decision action');
    }
  }

  /**
   * Per frame: brings this department's levels (`fades.values`, and `out` when given) to engine
   * time `nowMs`, adding the fixtures that moved to `moved` (no-op without levels).
   */
  evaluate(nowMs: number, moved: FixtureSet, out: Float64Array | null = null): void {
    this.fades?.evaluate(this.deptTime(nowMs), moved, out);
  }

  /** Per frame: runs the live effects over `slots`, adding the fixtures they write to `touched`, and drops finished ones. */
  applyEffects(nowMs: number, slots: Float64Array, touched?: FixtureSet): void {
    let keep = 0;
    for (let i = 0; i < this.bindings.length; i++) {
      const b = this.bindings[i]!;
      b.apply(nowMs, slots);
      if (touched !== undefined) {
        const fixtures = b.fixtures;
        for (let k = 0; k < fixtures.length; k++) touched.add(fixtures[k]!);
      }
      if (!b.finished) this.bindings[keep++] = b;
    }
    this.bindings.length = keep;
  }

  /** Number of effects running (for tests and the console). */
  get effectCount(): number {
    return this.bindings.length;
  }

  /** Cancels timers and completes the streams. */
  dispose(): void {
    this.disposed = true;
    this.timer?.unsubscribe();
    this.queue = [];
    this.eventsSubject.complete();
    this.messagesSubject.complete();
  }
}
