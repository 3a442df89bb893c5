/**
 * The arbiter: the one place that decides who fires what. It merges the model's predictions,
 * timecode/MSC/OSC triggers and operator commands into decisions, under the rules of the road:
 *
 * - `manual`: predictions are shown, never fired. `assist`: a prediction at or above the threshold
 *   is armed with a countdown and a human confirms it. `auto`: an armed prediction fires at its
 *   `fireAt`, if it is still armed then.
 * - A human GO/BACK/HOLD/STOP/PANIC is carried out at once and disarms the department; a manual GO
 *   (or GOTO, BACK) locks the model out of that department for `lockoutMs`. PANIC blocks the model in
 *   every department until an operator GOes or resumes there.
 * - Whether a prediction may be armed and fired is the cue policy's call (`gatePrediction`, with the
 *   policy's numbers): the arbiter keeps the operator's state and the timers, the policy the rules.
 *
 * Every decision is logged with its source, confidence and reason. Time comes only from the scheduler.
 */
import { asyncScheduler, BehaviorSubject, Observable, type SchedulerLike, share, Subscription } from 'rxjs';
import { compareCueNumbers, type CueId, cueId, type DeptId, deptId } from '../ids.js';
import { type ControlCommand, type ControlEvent, type ControlOrigin } from '../control.js';
import { type ConsoleCommand } from '../protocol/messages.js';
import { type ShowFile } from '../show/schema.js';
import { createLogger, type Logger } from '../log.js';
import { assertNever } from '../errors.js';
import { type Decision, type DecisionSource, type DeptMode, type Prediction } from './types.js';
import { gatePrediction, type OperatorView } from '../policy/cuePolicy.js';
import { DEFAULT_POLICY_NUMBERS, type PolicyNumbers } from '../policy/numbers.js';

/** Automation settings of one department. */
export interface ArbiterDeptConfig {
  readonly id: DeptId;
  readonly mode: DeptMode;
  readonly confidenceThreshold: number;
  readonly lockoutMs: number;
  /** Minimum time between two GOs (playback drops a closer one, so the model never asks for it). */
  readonly minGoIntervalMs: number;
  /** Cue numbers of the department (predictions of other cues are dropped). */
  readonly cues: readonly string[];
}

/** What the arbiter is configured with. */
export interface ArbiterConfig {
  readonly depts: readonly ArbiterDeptConfig[];
  /** Departments the model may fire in (default: every department). Others only show predictions. */
  readonly modelDepts?: readonly DeptId[];
  /** The department a GO without one addresses (default: the first). */
  readonly defaultDept?: DeptId;
  /** The cue policy's numbers (the model's, or the defaults when the show runs without one). */
  readonly policy?: PolicyNumbers;
}

/** Arbiter settings from a show file. */
export function arbiterConfigFromShow(show: Pick<ShowFile, 'departments'>, modelDepts?: readonly DeptId[], policy?: PolicyNumbers): ArbiterConfig {
  return {
    depts: show.departments.map((d) => ({
      id: deptId(d.id),
      mode: d.mode,
      confidenceThreshold: d.confidenceThreshold,
      lockoutMs: d.lockoutMs,
      minGoIntervalMs: d.minGoIntervalMs,
      cues: d.cues.map((c) => c.number).sort(compareCueNumbers),
    })),
    ...(modelDepts !== undefined ? { modelDepts } : {}),
    ...(policy !== undefined ? { policy } : {}),
  };
}

/** A command from the console, with who sent it. */
export interface ConsoleInput {
  readonly command: ConsoleCommand;
  /** e.g. `operator@10.0.0.5`. */
  readonly user: string;
}

/** The live cue of each department, as playback reports it (a `PlaybackState` satisfies this). */
export interface StackFeedback {
  readonly depts: readonly { readonly dept: DeptId; readonly current: CueId | null; readonly held?: boolean }[];
}

/** Everything the arbiter listens to; every stream is optional. */
export interface ArbiterInputs {
  readonly predictions$?: Observable<Prediction>;
  /** OSC, MSC, MIDI, keyboard and timecode commands. */
  readonly controls$?: Observable<ControlEvent>;
  readonly console$?: Observable<ConsoleInput>;
  /** Playback's stack states, so the arbiter knows the live cue (for "never twice in a row"). */
  readonly stacks$?: Observable<StackFeedback>;
  /** A department's cue numbers after the show was edited (programming from the console). */
  readonly cues$?: Observable<CueListChange>;
}

/** A department's cue numbers after an edit. */
export interface CueListChange {
  readonly dept: DeptId;
  readonly cues: readonly string[];
}

/** A prediction as the console shows it. */
export interface ShownPrediction {
  readonly cue: CueId;
  readonly confidence: number;
  /** Engine ms of the predicted fire. */
  readonly fireAtMs: number;
  /** `fireAtMs` minus the state's time: the countdown the console shows (negative once due). */
  readonly countdownMs: number;
  /** Armed: in `assist` waiting for a confirm, in `auto` going to fire. */
  readonly armed: boolean;
  /** Why it is not armed, when it is not. */
  readonly reason?: string;
  /** The policy's reason for the prediction itself (what the follower and the network said). */
  readonly because?: string;
  /** Why the follower is lost, when it is: in `auto` the department falls back to `assist` (armed, never fired by the model). */
  readonly lost?: string;
  /** What the cue waits for before `auto` fires it (the band's attack), when it waits. */
  readonly awaiting?: string;
  /** Why the cue is an open entry, when it is: armed for a person's GO, never fired by the model. */
  readonly open?: string;
}

/** The arbiter's view of one department. */
export interface ArbiterDeptState {
  readonly dept: DeptId;
  readonly mode: DeptMode;
  readonly confidenceThreshold: number;
  readonly lockoutMs: number;
  /** Engine ms until which the model is locked out, or null. */
  readonly lockoutUntilMs: number | null;
  /** The live cue as far as the arbiter knows. */
  readonly current: CueId | null;
  readonly prediction: ShownPrediction | null;
  /** PANIC in force here: the model waits for an operator. */
  readonly panicked: boolean;
  readonly held: boolean;
  /** May the model fire here at all. */
  readonly modelAllowed: boolean;
}

/** The arbiter's state, re-emitted on every change. */
export interface ArbiterState {
  /** Engine ms when this state was emitted (countdowns are `fireAtMs - tMs`). */
  readonly tMs: number;
  readonly depts: readonly ArbiterDeptState[];
}

/** The arbiter's outputs. */
export interface Arbiter {
  /** Decisions, in order. Subscribing starts the arbiter; it is shared. */
  readonly decisions$: Observable<Decision>;
  /** Per-department state for the console (replays the latest; updates while `decisions$` runs). */
  readonly state$: Observable<ArbiterState>;
}

interface DeptRuntime {
  config: ArbiterDeptConfig;
  mode: DeptMode;
  threshold: number;
  lockoutMs: number;
  lockoutUntilMs: number | null;
  current: CueId | null;
  /** Engine ms when the live cue last went (from any source), or null. */
  currentSinceMs: number | null;
  prediction: Prediction | null;
  armed: boolean;
  reason: string | undefined;
  rejectedCue: CueId | null;
  /**
   * The cue a person moved the department to (GO, GOTO, BACK), until the model fires there again: the
   * model may not fire behind it. `operatorMoved`: a plain GO or BACK whose cue playback will report.
   */
  operatorCue: CueId | null;
  operatorMoved: boolean;
  panicked: boolean;
  held: boolean;
  allowed: boolean;
  timer: Subscription | undefined;
  lockoutTimer: Subscription | undefined;
}

const SOURCE_OF_ORIGIN: Record<ControlOrigin, DecisionSource> = {
  osc: 'osc',
  msc: 'msc',
  midi: 'midi',
  console: 'operator',
  keyboard: 'keyboard',
  timecode: 'timecode',
};

/** The arbiter's rules over mutable per-department state. Driven by `arbitrate`. */
class ArbiterCore {
  private readonly depts = new Map<string, DeptRuntime>();
  private readonly order: DeptRuntime[];
  private readonly defaultDept: DeptId | undefined;
  private readonly numbers: PolicyNumbers;
  /** How far the latest prediction's audio trailed the engine clock when it arrived (ms). */
  private lagMs = 0;

  constructor(
    config: ArbiterConfig,
    private readonly scheduler: SchedulerLike,
    private readonly out: (d: Decision) => void,
    private readonly publish: (s: ArbiterState) => void,
    private readonly log: Logger,
  ) {
    const allowed = config.modelDepts === undefined ? undefined : new Set<string>(config.modelDepts);
    this.order = config.depts.map((c) => {
      const rt: DeptRuntime = {
        config: c, mode: c.mode, threshold: c.confidenceThreshold, lockoutMs: c.lockoutMs, lockoutUntilMs: null,
        current: null, currentSinceMs: null, prediction: null, armed: false, reason: undefined, rejectedCue: null, operatorCue: null, operatorMoved: false, panicked: false, held: false,
        allowed: allowed === undefined || allowed.has(c.id), timer: undefined, lockoutTimer: undefined,
      };
      this.depts.set(c.id, rt);
      return rt;
    });
    this.defaultDept = config.defaultDept ?? config.depts[0]?.id;
    this.numbers = config.policy ?? DEFAULT_POLICY_NUMBERS;
  }

  private now(): number {
    return this.scheduler.now();
  }

  state(): ArbiterState {
    const now = this.now();
    return {
      tMs: now,
      depts: this.order.map((d) => ({
        dept: d.config.id,
        mode: d.mode,
        confidenceThreshold: d.threshold,
        lockoutMs: d.lockoutMs,
        lockoutUntilMs: d.lockoutUntilMs !== null && d.lockoutUntilMs > now ? d.lockoutUntilMs : null,
        current: d.current,
        prediction: d.prediction === null ? null : {
          cue: d.prediction.cue,
          confidence: d.prediction.confidence,
          fireAtMs: d.prediction.fireAt * 1000,
          countdownMs: d.prediction.fireAt * 1000 - now,
          armed: d.armed,
          ...(d.reason !== undefined ? { reason: d.reason } : {}),
          ...(reasonOf(d.prediction) !== undefined ? { because: reasonOf(d.prediction)! } : {}),
          ...(d.prediction.lost !== undefined ? { lost: d.prediction.lost } : {}),
          ...(d.prediction.awaiting !== undefined ? { awaiting: d.prediction.awaiting } : {}),
          ...(d.prediction.open !== undefined ? { open: d.prediction.open } : {}),
        },
        panicked: d.panicked,
        held: d.held,
        modelAllowed: d.allowed,
      })),
    };
  }

  private changed(): void {
    this.publish(this.state());
  }

  private decide(d: Decision): void {
    const fields: Record<string, unknown> = { dept: d.dept, action: d.action, source: d.source };
    if (d.cue !== undefined) fields['cue'] = d.cue;
    if (d.confidence !== undefined) fields['confidence'] = d.confidence;
    if (d.user !== undefined) fields['user'] = d.user;
    if (d.reason !== undefined) fields['reason'] = d.reason;
    this.log.info(`${d.dept ?? 'ALL'} ${d.action}${d.cue !== undefined ? ` ${d.cue}` : ''} by ${d.source}${d.confidence !== undefined ? ` (${d.confidence.toFixed(2)})` : ''}`, fields);
    this.out(d);
  }

  private disarm(d: DeptRuntime, clearPrediction: boolean): void {
    d.timer?.unsubscribe();
    d.timer = undefined;
    d.armed = false;
    if (clearPrediction) d.prediction = null;
  }

  /** The operator's side of a department, as the policy's gate reads it. */
  private operator(d: DeptRuntime): OperatorView {
    return {
      mode: d.mode, modelAllowed: d.allowed, panicked: d.panicked, held: d.held, lockoutUntilMs: d.lockoutUntilMs,
      confidenceThreshold: d.threshold, current: d.current, currentSinceMs: d.currentSinceMs, rejectedCue: d.rejectedCue,
      minGoIntervalMs: d.config.minGoIntervalMs, operatorCue: d.operatorCue,
    };
  }

  /** Why the model may not fire `p` in `d` now (the policy's gate), or undefined when it may. */
  private blocked(d: DeptRuntime, p: Prediction): string | undefined {
    return gatePrediction(p, this.operator(d), this.now(), this.numbers, this.lagMs);
  }

  /** Re-evaluates the department's prediction (arms, disarms, schedules the auto fire). */
  private rearm(d: DeptRuntime): void {
    const p = d.prediction;
    d.timer?.unsubscribe();
    d.timer = undefined;
    if (p === null) {
      d.armed = false;
      d.reason = undefined;
      return;
    }
    d.reason = this.blocked(d, p);
    d.armed = d.reason === undefined;
    // A lost follower: `auto` acts as `assist` (armed for a person to confirm, never fired by the model);
    // a cue awaiting the band's attack is armed, but not fired on its timer; an open entry waits for a person.
    if (d.armed && d.mode === 'auto' && p.lost === undefined && p.awaiting === undefined && p.open === undefined) {
      const delay = Math.max(0, p.fireAt * 1000 - this.now());
      d.timer = this.scheduler.schedule(() => {
        d.timer = undefined;
        this.fireModel(d, p);
      }, delay);
    }
  }

  private fireModel(d: DeptRuntime, p: Prediction): void {
    if (d.prediction !== p || d.mode !== 'auto' || p.lost !== undefined || p.awaiting !== undefined || p.open !== undefined) return;
    const reason = this.blocked(d, p);
    if (reason !== undefined) {
      d.armed = false;
      d.reason = reason;
      this.changed();
      return;
    }
    d.current = p.cue;
    d.currentSinceMs = this.now();
    d.prediction = null;
    d.armed = false;
    d.reason = undefined;
    d.rejectedCue = null;
    d.operatorCue = null;
    d.operatorMoved = false;
    const because = reasonOf(p);
    this.decide({ t: this.now() / 1000, dept: d.config.id, action: 'go', cue: p.cue, source: 'model', confidence: p.confidence, ...(because !== undefined ? { reason: because } : {}) });
    this.changed();
  }

  onPrediction(p: Prediction): void {
    const d = this.depts.get(p.dept);
    if (d === undefined) {
      this.log.warn(`prediction for unknown department '${p.dept}' dropped`);
      return;
    }
    if (!(p.confidence >= 0 && p.confidence <= 1) || !Number.isFinite(p.fireAt)) {
      this.log.warn(`prediction with confidence ${p.confidence} / fireAt ${p.fireAt} dropped`, { dept: p.dept });
      return;
    }
    if (!d.config.cues.some((c) => compareCueNumbers(c, p.cue) === 0)) {
      this.log.warn(`prediction of cue ${p.cue}, which ${p.dept} does not have, dropped`);
      return;
    }
    if (d.rejectedCue !== null && compareCueNumbers(d.rejectedCue, p.cue) !== 0) d.rejectedCue = null;
    if (p.heardAt !== undefined && Number.isFinite(p.heardAt)) this.lagMs = Math.max(0, this.now() - p.heardAt * 1000);
    d.prediction = p;
    this.rearm(d);
    this.changed();
  }

  private targets(dept: DeptId | undefined): DeptRuntime[] {
    if (dept === undefined) return this.order;
    const d = this.depts.get(dept);
    if (d === undefined) {
      this.log.warn(`command for unknown department '${dept}' dropped`);
      return [];
    }
    return [d];
  }

  private one(dept: DeptId | undefined): DeptRuntime | undefined {
    const id = dept ?? this.defaultDept;
    if (id === undefined) return undefined;
    return this.targets(id)[0];
  }

  /**
   * A person (or a controller a person drives: OSC, MSC) takes the department: disarm, clear PANIC and
   * HOLD, lock the model out. A timecode trigger only disarms.
   */
  private humanTakes(d: DeptRuntime, human: boolean, source: DecisionSource): void {
    this.disarm(d, true);
    d.reason = undefined;
    if (!human) return;
    d.panicked = false;
    d.held = false;
    if (source !== 'timecode') {
      d.lockoutUntilMs = this.now() + d.lockoutMs;
      // Lockouts end with time, not with an event: re-check the department then.
      d.lockoutTimer?.unsubscribe();
      d.lockoutTimer = this.scheduler.schedule(() => {
        d.lockoutTimer = undefined;
        this.rearm(d);
        this.changed();
      }, d.lockoutMs);
    }
  }

  private fire(
    d: DeptRuntime,
    action: 'go' | 'goto' | 'back',
    source: DecisionSource,
    user: string | undefined,
    extra: { cue?: CueId; fadeMs?: number; confidence?: number } = {},
  ): void {
    if (source === 'timecode' && (d.panicked || d.held)) {
      // Timecode is automation too: after PANIC or during HOLD only a person moves the department.
      this.log.info(`${d.config.id} timecode trigger${extra.cue !== undefined ? ` of cue ${extra.cue}` : ''} ignored: ${d.panicked ? 'PANIC' : 'held'}`);
      return;
    }
    this.humanTakes(d, source !== 'timecode', source);
    if (action !== 'back' && extra.cue !== undefined) {
      d.current = extra.cue;
      d.currentSinceMs = this.now();
    }
    if (source !== 'timecode') {
      // The model may not fire behind where a person put the department (known now for a GOTO, from
      // playback's feedback for a plain GO or BACK).
      d.operatorMoved = action !== 'goto' || extra.cue === undefined;
      d.operatorCue = d.operatorMoved ? null : (extra.cue ?? null);
    }
    this.decide({ t: this.now() / 1000, dept: d.config.id, action, source, ...extra, ...(user !== undefined ? { user } : {}) });
  }

  private simple(dept: DeptId | undefined, action: 'hold' | 'resume' | 'stop', source: DecisionSource, user: string | undefined): void {
    for (const d of this.targets(dept)) {
      if (action === 'hold') {
        d.held = true;
        this.disarm(d, false);
        d.reason = 'held';
      } else {
        d.held = false;
        if (action === 'resume') d.panicked = false;
        if (action === 'stop') this.disarm(d, true);
        else this.rearm(d);
      }
    }
    if (dept === undefined || this.depts.has(dept)) {
      this.decide({ t: this.now() / 1000, dept: dept ?? null, action, source, ...(user !== undefined ? { user } : {}) });
    }
  }

  private panic(dept: DeptId | undefined, source: DecisionSource, user: string | undefined, fadeMs?: number): void {
    for (const d of this.targets(dept)) {
      this.disarm(d, true);
      d.panicked = true;
      d.reason = undefined;
    }
    this.decide({ t: this.now() / 1000, dept: dept ?? null, action: 'panic', source, ...(user !== undefined ? { user } : {}), ...(fadeMs !== undefined ? { fadeMs } : {}) });
  }

  private setMode(dept: DeptId, mode: DeptMode, who: string): void {
    const d = this.depts.get(dept);
    if (d === undefined) return;
    d.mode = mode;
    this.log.info(`${dept} mode ${mode} by ${who}`, { dept, mode });
    this.rearm(d);
  }

  onControl(e: ControlEvent): void {
    const source = SOURCE_OF_ORIGIN[e.origin];
    const user = e.from === '' ? undefined : e.from;
    const c: ControlCommand = e.command;
    switch (c.type) {
      case 'go': {
        const d = this.one(c.dept);
        if (d !== undefined) this.fire(d, 'go', source, user);
        break;
      }
      case 'back': {
        const d = this.one(c.dept);
        if (d !== undefined) this.fire(d, 'back', source, user);
        break;
      }
      case 'cueStart': {
        const d = this.one(c.dept);
        if (d !== undefined) this.fire(d, 'goto', source, user, { cue: c.cue });
        break;
      }
      case 'timedGo': {
        const d = this.one(c.dept);
        if (d !== undefined) this.fire(d, c.cue !== undefined ? 'goto' : 'go', source, user, { ...(c.cue !== undefined ? { cue: c.cue } : {}), fadeMs: c.fadeMs });
        break;
      }
      case 'cueLoad': {
        const d = this.one(c.dept);
        if (d !== undefined) this.decide({ t: this.now() / 1000, dept: d.config.id, action: 'load', cue: c.cue, source, ...(user !== undefined ? { user } : {}) });
        break;
      }
      case 'stop':
        this.simple(c.dept, 'stop', source, user);
        break;
      case 'hold':
        this.simple(c.dept, 'hold', source, user);
        break;
      case 'resume':
        this.simple(c.dept, 'resume', source, user);
        break;
      case 'panic':
        this.panic(undefined, source, user, c.fadeMs);
        break;
      case 'setMode':
        this.setMode(c.dept, c.mode, `${e.origin} ${e.from}`);
        break;
      case 'allOff':
      case 'blackout':
      case 'grandMaster':
      case 'setControl':
      case 'fireMacro':
        // Output-level commands: the composition root routes these to the universes, not the stacks.
        return;
      default:
        assertNever(c, 'control command');
    }
    this.changed();
  }

  onConsole(input: ConsoleInput): void {
    const c = input.command;
    const user = input.user;
    switch (c.type) {
      case 'go': {
        const d = this.one(deptId(c.dept));
        if (d !== undefined) this.fire(d, 'go', 'operator', user);
        break;
      }
      case 'back': {
        const d = this.one(deptId(c.dept));
        if (d !== undefined) this.fire(d, 'back', 'operator', user);
        break;
      }
      case 'goto': {
        const d = this.one(deptId(c.dept));
        if (d !== undefined) this.fire(d, 'goto', 'operator', user, { cue: cueId(c.cue) });
        break;
      }
      case 'standby': {
        const d = this.one(deptId(c.dept));
        if (d !== undefined) this.decide({ t: this.now() / 1000, dept: d.config.id, action: 'load', cue: cueId(c.cue), source: 'operator', user });
        break;
      }
      case 'hold':
      case 'resume':
        this.simple(c.dept === undefined ? undefined : deptId(c.dept), c.type, 'operator', user);
        break;
      case 'panic':
        this.panic(c.dept === undefined ? undefined : deptId(c.dept), 'operator', user);
        break;
      case 'set-mode':
        this.setMode(deptId(c.dept), c.mode, user);
        break;
      case 'confirm-prediction': {
        const d = this.depts.get(c.dept);
        const p = d?.prediction;
        if (d === undefined || p === null || p === undefined || !d.armed) {
          this.log.warn(`confirm in ${c.dept} with no armed prediction ignored`, { user });
          return;
        }
        if (c.cue !== undefined && compareCueNumbers(c.cue, p.cue) !== 0) {
          this.log.warn(`confirm of cue ${c.cue} in ${c.dept} ignored: the armed cue is ${p.cue}`, { user });
          return;
        }
        this.disarm(d, true);
        d.current = p.cue;
        d.currentSinceMs = this.now();
        d.rejectedCue = null;
        d.operatorCue = null;
        d.operatorMoved = false;
        this.decide({ t: this.now() / 1000, dept: d.config.id, action: 'go', cue: p.cue, source: 'operator', confidence: p.confidence, user });
        break;
      }
      case 'reject-prediction': {
        const d = this.depts.get(c.dept);
        if (d?.prediction === null || d === undefined) return;
        d.rejectedCue = d.prediction.cue;
        this.rearm(d);
        this.log.info(`${c.dept} prediction of cue ${d.prediction.cue} rejected by ${user}`);
        break;
      }
      case 'clear-lockout': {
        const d = this.depts.get(c.dept);
        if (d === undefined) return;
        d.lockoutUntilMs = null;
        this.rearm(d);
        break;
      }
      case 'set-threshold': {
        const d = this.depts.get(c.dept);
        if (d === undefined) return;
        d.threshold = c.confidenceThreshold;
        this.rearm(d);
        break;
      }
      case 'set-lockout': {
        const d = this.depts.get(c.dept);
        if (d === undefined) return;
        d.lockoutMs = c.lockoutMs;
        break;
      }
      case 'release-panic':
        // The operator lifts PANIC without firing a cue: the model may drive the department(s) again.
        for (const d of this.targets(c.dept === undefined ? undefined : deptId(c.dept))) {
          d.panicked = false;
          this.rearm(d);
        }
        this.log.info(`${c.dept ?? 'ALL'} PANIC released by ${user}`);
        break;
      case 'set-grand-master':
      case 'load':
      case 'take-control':
      case 'hand-back':
      case 'record-cue':
      case 'insert-cue':
      case 'edit-cue':
      case 'delete-cue':
      case 'undo':
      case 'redo':
        // Not the stacks' business: the composition root handles these (programming: the show editor; take-control, hand-back: the hot standby).
        return;
      default:
        assertNever(c, 'console command');
    }
    this.changed();
  }

  /**
   * A department's cues changed: predictions of a cue it no longer has are dropped (a cue deleted
   * while armed is disarmed); a cue still there stays armed and fires with its new values.
   */
  onCues(c: CueListChange): void {
    const d = this.depts.get(c.dept);
    if (d === undefined) return;
    d.config = { ...d.config, cues: [...c.cues].sort(compareCueNumbers) };
    const p = d.prediction;
    if (p !== null && !d.config.cues.some((n) => compareCueNumbers(n, p.cue) === 0)) {
      this.log.info(`${d.config.id}: prediction of cue ${p.cue} dropped: the cue was deleted`);
      this.disarm(d, true);
    }
    this.changed();
  }

  onStacks(s: StackFeedback): void {
    let changed = false;
    for (const st of s.depts) {
      const d = this.depts.get(st.dept);
      if (d === undefined) continue;
      if (d.current !== st.current) {
        d.current = st.current;
        d.currentSinceMs = this.now();
        if (d.operatorMoved) {
          d.operatorCue = st.current;
          d.operatorMoved = false;
        }
        changed = true;
        if (d.prediction !== null) this.rearm(d);
      }
    }
    if (changed) this.changed();
  }

  dispose(): void {
    for (const d of this.order) {
      this.disarm(d, false);
      d.lockoutTimer?.unsubscribe();
    }
  }
}

/** The policy's reason a prediction carries, if it carries one. */
function reasonOf(p: Prediction): string | undefined {
  return 'reason' in p && typeof p.reason === 'string' ? p.reason : undefined;
}

/**
 * Builds the arbiter. Nothing runs until `decisions$` is subscribed; errors in one input are logged
 * and that input is dropped, the others go on.
 */
export function arbitrate(inputs: ArbiterInputs, config: ArbiterConfig, scheduler: SchedulerLike = asyncScheduler): Arbiter {
  const log = createLogger('core/arbiter');
  const initial = new ArbiterCore(config, scheduler, () => undefined, () => undefined, log).state();
  const state = new BehaviorSubject<ArbiterState>(initial);
  const decisions$ = new Observable<Decision>((subscriber) => {
    const core = new ArbiterCore(config, scheduler, (d) => subscriber.next(d), (s) => state.next(s), log);
    const subs = new Subscription();
    const guard = <T>(name: string, f: (v: T) => void) => ({
      next: (v: T) => {
        try {
          f(v);
        } catch (err) {
          log.error(`${name} input failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      },
      error: (err: unknown) => log.error(`${name} stream failed`, { error: String(err) }),
    });
    if (inputs.stacks$ !== undefined) subs.add(inputs.stacks$.subscribe(guard('stacks', (s: StackFeedback) => core.onStacks(s))));
    if (inputs.cues$ !== undefined) subs.add(inputs.cues$.subscribe(guard('cues', (c: CueListChange) => core.onCues(c))));
    if (inputs.predictions$ !== undefined) subs.add(inputs.predictions$.subscribe(guard('predictions', (p: Prediction) => core.onPrediction(p))));
    if (inputs.controls$ !== undefined) subs.add(inputs.controls$.subscribe(guard('controls', (e: ControlEvent) => core.onControl(e))));
    if (inputs.console$ !== undefined) subs.add(inputs.console$.subscribe(guard('console', (c: ConsoleInput) => core.onConsole(c))));
    return () => {
      subs.unsubscribe();
      core.dispose();
    };
  }).pipe(share());
  return { decisions$, state$: state.asObservable() };
}
