/**
 * Playback for a whole show: one `DeptPlayback` per department, decisions routed to them, and the
 * per-frame path that turns every department's levels, and the effects into looks and the looks, through the fixture profiles, into universe buffers (one playback source per universe).
 *
 * `frame(nowMs)` is the one thing the frame clock calls (44 Hz, with the scheduler's now). It does
 * not allocate: buffers are created once and refilled.
 */
import { asyncScheduler, BehaviorSubject, merge, type Observable, type SchedulerLike, Subscription } from 'rxjs';
import { type DeptId } from '../ids.js';
import { type FixtureLook, type ShowFile } from '../show/schema.js';
import { createLogger, type Logger } from '../log.js';
import { InputError } from '../errors.js';
import { type Decision } from '../arbiter/types.js';
import { AudioFeed } from './audioFeed.js';
import { buildFixtureSpace, compileDepartment, type FixtureSpace } from './compile.js';
import { DeptPlayback, type PlaybackEvent, type StackState, type TimedMessage } from './deptPlayback.js';
import { LookView, SLOT_INTENSITY, SLOTS_PER_FIXTURE } from './slots.js';

/** Turns a look into DMX: the fixture model's compiled profile satisfies this. */
export interface LookRenderer {
  /** Writes the fixture's channels for `look` into `out` starting at `offset` (0-based). */
  render(look: FixtureLook, out: Uint8Array, offset: number): void;
}

/** What playback needs besides the show. */
export interface PlaybackOptions {
  /** A renderer per fixture id (its profile for its type and mode); fixtures without one are not output. */
  readonly renderers: ReadonlyMap<string, LookRenderer>;
  /** Audio facts for effects; a fresh, silent feed when absent. */
  readonly feed?: AudioFeed;
  /** File name for error messages. */
  readonly file?: string;
  readonly log?: Logger;
}

/** One frame of playback output. The buffers are reused: copy them if you keep them past the next frame. */
export interface PlaybackFrame {
  readonly tMs: number;
  /** 512-byte buffer per show universe id. */
  readonly universes: ReadonlyMap<number, Uint8Array>;
  /** Final slot values (fixture-major, SLOTS_PER_FIXTURE per fixture), after effects. */
  readonly slots: Float64Array;
}

/** Every department's stack as the console shows it. */
export interface PlaybackState {
  readonly depts: readonly StackState[];
}

/** Playback for a whole show. */
export class Playback {
  /** Departments in show order. */
  readonly depts: ReadonlyMap<DeptId, DeptPlayback>;
  readonly space: FixtureSpace;
  readonly feed: AudioFeed;
  /** Due output messages of every department (OSC, MIDI, MSC, VISCA). */
  readonly messages$: Observable<TimedMessage>;
  /** Everything that happens in every stack. */
  readonly events$: Observable<PlaybackEvent>;
  private readonly stateSubject: BehaviorSubject<PlaybackState>;
  /** Stack states, re-emitted after every event. */
  readonly state$: Observable<PlaybackState>;

  private readonly log: Logger;
  private readonly levelDepts: DeptPlayback[];
  private readonly deptList: DeptPlayback[];
  private readonly scratch: Float64Array[];
  private readonly slots: Float64Array;
  private readonly blank: Float64Array;
  private readonly buffers = new Map<number, Uint8Array>();
  private readonly renderList: { renderer: LookRenderer; out: Uint8Array; offset: number; look: LookView }[] = [];
  private readonly frameOut: { tMs: number; universes: ReadonlyMap<number, Uint8Array>; slots: Float64Array };
  private readonly subscription = new Subscription();
  /** True once a frame has been computed (so `slots` is what is on stage). */
  private framed = false;

  constructor(
    show: ShowFile,
    options: PlaybackOptions,
    private readonly scheduler: SchedulerLike = asyncScheduler,
  ) {
    const file = options.file ?? 'show.json';
    this.log = options.log ?? createLogger('core/playback');
    this.feed = options.feed ?? new AudioFeed();
    this.space = buildFixtureSpace(show, file);
    const panicFadeMs = show.safety.panicFadeMs;
    const depts = new Map<DeptId, DeptPlayback>();
    show.departments.forEach((d, i) => {
      const program = compileDepartment(d, i, this.space, file);
      const dp = new DeptPlayback(program, { feed: this.feed, log: this.log, panicFadeMs }, scheduler);
      depts.set(dp.id, dp);
    });
    this.depts = depts;
    this.deptList = [...depts.values()];
    this.levelDepts = this.deptList.filter((d) => d.fades !== null);
    this.slots = new Float64Array(this.space.slotCount);
    this.blank = new Float64Array(this.space.slotCount).fill(NaN);
    for (let s = SLOT_INTENSITY; s < this.blank.length; s += SLOTS_PER_FIXTURE) this.blank[s] = 0;
    this.slots.set(this.blank);
    this.scratch = this.levelDepts.length > 1 ? this.levelDepts.map(() => new Float64Array(this.space.slotCount)) : [];
    show.fixtures.forEach((f, i) => {
      const renderer = options.renderers.get(f.id);
      if (renderer === undefined) {
        this.log.warn(`fixture '${f.id}' has no profile: it is not output`, { fixture: f.id });
        return;
      }
      let out = this.buffers.get(f.universe);
      if (out === undefined) {
        out = new Uint8Array(512);
        this.buffers.set(f.universe, out);
      }
      this.renderList.push({ renderer, out, offset: f.address - 1, look: new LookView(this.slots, i * SLOTS_PER_FIXTURE, this.space.discrete) });
    });
    for (const u of show.outputs.universes) if (!this.buffers.has(u.id)) this.buffers.set(u.id, new Uint8Array(512));
    this.frameOut = { tMs: 0, universes: this.buffers, slots: this.slots };
    const all = [...depts.values()];
    this.messages$ = merge(...all.map((d) => d.messages$));
    this.events$ = merge(...all.map((d) => d.events$));
    this.stateSubject = new BehaviorSubject<PlaybackState>(this.snapshot());
    this.state$ = this.stateSubject.asObservable();
    this.subscription.add(
      this.events$.subscribe((e) => {
        for (const r of [...this.recorders]) r(e);
        this.stateSubject.next(this.snapshot());
      }),
    );
  }

  private readonly recorders: Array<(e: PlaybackEvent) => void> = [];

  /**
   * Calls `recorder` with every event before the state it leads to is published (`state$`, and so
   * every console): the journal, so that a position a console has shown is on disk first. Returns
   * the function that stops it. A recorder must not throw.
   */
  record(recorder: (e: PlaybackEvent) => void): () => void {
    this.recorders.push(recorder);
    return () => {
      const i = this.recorders.indexOf(recorder);
      if (i >= 0) this.recorders.splice(i, 1);
    };
  }

  /** The stacks now. */
  snapshot(): PlaybackState {
    return { depts: [...this.depts.values()].map((d) => d.state()) };
  }

  /** Carries out a decision. Bad ones (unknown department, missing cue) are logged and dropped. */
  apply(decision: Decision): void {
    try {
      if (decision.action === 'panic') {
        // PANIC fades from what is on stage now (effects included), so nothing gets brighter.
        for (const d of decision.dept === null ? this.depts.values() : [this.depts.get(decision.dept)]) {
          if (d === undefined) throw new InputError('playback', `there is no department '${String(decision.dept)}'`);
          d.panic(decision.fadeMs, this.framed ? this.slots : undefined);
        }
        return;
      }
      if (decision.dept === null) {
        switch (decision.action) {
          case 'hold':
          case 'resume':
          case 'stop':
            for (const d of this.depts.values()) d.apply(decision);
            return;
          default:
            throw new InputError('playback', `'${decision.action}' needs a department`);
        }
      }
      const dept = this.depts.get(decision.dept);
      if (dept === undefined) throw new InputError('playback', `there is no department '${decision.dept}'`);
      dept.apply(decision);
    } catch (err) {
      this.log.warn(`decision dropped: ${err instanceof Error ? err.message : String(err)}`, { decision });
    }
  }

  /**
   * Puts a department at a cue without firing it (see `DeptPlayback.restore`). False, logged, when the
   * department or the cue does not exist.
   */
  restore(dept: string, cue: string | null): boolean {
    const d = this.depts.get(dept as DeptId);
    if (d === undefined) {
      this.log.warn(`restore dropped: there is no department '${dept}'`);
      return false;
    }
    return d.restore(cue);
  }

  /** Applies every decision of a stream until unsubscribed. */
  connect(decisions$: Observable<Decision>): Subscription {
    const sub = decisions$.subscribe({
      next: (d) => this.apply(d),
      error: (err: unknown) => this.log.error('decision stream failed', { error: String(err) }),
    });
    this.subscription.add(sub);
    return sub;
  }

  /** Per frame: levels of every department at `nowMs`, effects, then DMX. No allocation. */
  frame(nowMs: number): PlaybackFrame {
    const slots = this.slots;
    const n = this.space.slotCount;
    const deps = this.levelDepts;
    if (deps.length === 1) deps[0]!.evaluate(nowMs, slots);
    else if (deps.length === 0) slots.set(this.blank);
    else this.mergeDepts(nowMs, n);
    const all = this.deptList;
    for (let i = 0; i < all.length; i++) all[i]!.applyEffects(nowMs, slots);
    const list = this.renderList;
    for (let i = 0; i < list.length; i++) {
      const r = list[i]!;
      r.renderer.render(r.look, r.out, r.offset);
    }
    this.frameOut.tMs = nowMs;
    this.framed = true;
    return this.frameOut;
  }

  /** Several departments with levels: intensity highest-takes-precedence, the rest latest-takes-precedence. */
  private mergeDepts(nowMs: number, n: number): void {
    const deps = this.levelDepts;
    for (let k = 0; k < deps.length; k++) deps[k]!.evaluate(nowMs, this.scratch[k]!);
    for (let s = 0; s < n; s++) {
      if (s % SLOTS_PER_FIXTURE === SLOT_INTENSITY) {
        let v = 0;
        for (let k = 0; k < deps.length; k++) {
          const x = this.scratch[k]![s]!;
          if (x > v) v = x;
        }
        this.slots[s] = v;
      } else {
        let v = NaN;
        let stamp = -Infinity;
        for (let k = 0; k < deps.length; k++) {
          const st = deps[k]!.fades!.stamp[s]!;
          if (st > stamp) {
            stamp = st;
            v = this.scratch[k]![s]!;
          }
        }
        this.slots[s] = v;
      }
    }
  }

  /** Stops timers and streams of every department. */
  dispose(): void {
    this.subscription.unsubscribe();
    for (const d of this.depts.values()) d.dispose();
    this.stateSubject.complete();
  }
}

/** Builds playback for a show (the composition root's entry point). */
export function createPlayback(show: ShowFile, options: PlaybackOptions, scheduler: SchedulerLike = asyncScheduler): Playback {
  return new Playback(show, options, scheduler);
}
