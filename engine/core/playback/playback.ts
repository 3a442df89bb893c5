/**
 * Playback for a whole show: one `DeptPlayback` per department, decisions routed to them, and the
 * per-frame path that turns every department's levels, and the effects into looks and the looks, through the fixture profiles, into universe buffers (one playback source per universe).
 *
 * `frame(nowMs)` is the one thing the frame clock calls (44 Hz, with the scheduler's now). It does
 * not allocate: buffers are created once and refilled. Its cost follows what moves: only fixtures
 * whose levels changed (a fade, a STOP, an effect) are merged and rendered again, so a rig at rest
 * costs next to nothing and a big rig pays per fading fixture, not per patched one.
 */
import { asyncScheduler, BehaviorSubject, merge, type Observable, type SchedulerLike, Subscription } from 'rxjs';
import { type DeptId } from '../ids.js';
import { type FixtureLook, type ShowFile } from '../show/schema.js';
import { createLogger, type Logger } from '../log.js';
import { InputError } from '../errors.js';
import { type Decision } from '../arbiter/types.js';
import { AudioFeed } from './audioFeed.js';
import { buildFixtureSpace, compileDepartment, type CompiledDept, type FixtureSpace } from './compile.js';
import { DeptPlayback, type PlaybackEvent, type StackState, type TimedMessage } from './deptPlayback.js';
import { FixtureSet } from './fades.js';
import { LookView, sameLook, SLOT_INTENSITY, SLOTS_PER_FIXTURE } from './slots.js';
import { BLANK_LOOK } from './looks.js';

/** Turns a look into DMX: the fixture model's compiled profile satisfies this. */
export interface LookRenderer {
  /** Writes the fixture's channels for `look` into `out` starting at `offset` (0-based). */
  render(look: FixtureLook, out: Uint8Array, offset: number): void;
  /**
   * Channels `render` writes, when known: fixtures with the same renderer and the same look then
   * render once and copy (a wash of identical pars costs one render).
   */
  readonly footprint?: number;
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
  /** Ids of the universes whose buffers this frame wrote (the others are as they were). */
  readonly changed: readonly number[];
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
  /** Levels before effects: the one level department's values, the merge of several, or the blank look. */
  private readonly base: Float64Array;
  private readonly slots: Float64Array;
  private readonly buffers = new Map<number, Uint8Array>();
  /** The render table, one entry per fixture index: its renderer (-1: no profile, not output)… */
  private readonly renderer: Int32Array;
  /** …its first channel (0-based) in its universe's buffer… */
  private readonly channel: Int32Array;
  /** …and its universe, by index into `universeIds`. */
  private readonly universe: Int32Array;
  /** The distinct renderers (one per fixture type and mode) and universe buffers the table points into. */
  private readonly renderers: LookRenderer[] = [];
  /** Channels each renderer writes (0: unknown, so fixtures never copy one another). */
  private footprints = new Int32Array(0);
  private readonly universeBuffers: Uint8Array[] = [];
  /** One view over the slots, moved from fixture to fixture as they render. */
  private readonly view: LookView;
  /** Fixtures to render this frame. */
  private readonly dirty: FixtureSet;
  /** Fixtures whose slots are copied (or merged) from the levels this frame. */
  private readonly copy: FixtureSet;
  /** Fixtures an effect wrote to: restored to their levels before the next frame's effects. */
  private readonly touched: FixtureSet;
  private readonly universeIds: number[] = [];
  private readonly universeChanged: Uint8Array;
  private readonly changed: number[] = [];
  private readonly frameOut: { tMs: number; universes: ReadonlyMap<number, Uint8Array>; slots: Float64Array; changed: readonly number[] };
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
    const fixtureCount = show.fixtures.length;
    this.slots = new Float64Array(this.space.slotCount);
    this.base = this.levelDepts.length === 1 ? this.levelDepts[0]!.fades!.values : new Float64Array(this.space.slotCount);
    if (this.levelDepts.length !== 1) this.space.looks.expand(new Uint32Array(fixtureCount).fill(BLANK_LOOK), this.base);
    this.slots.set(this.base);
    this.dirty = new FixtureSet(fixtureCount);
    this.dirty.addAll(); // the first frame renders everything
    this.copy = new FixtureSet(fixtureCount);
    this.touched = new FixtureSet(fixtureCount);
    const universeIndex = new Map<number, number>();
    const indexOf = (id: number): number => {
      let i = universeIndex.get(id);
      if (i === undefined) {
        i = this.universeIds.length;
        this.universeIds.push(id);
        universeIndex.set(id, i);
        const buffer = new Uint8Array(512);
        this.buffers.set(id, buffer);
        this.universeBuffers.push(buffer);
      }
      return i;
    };
    this.renderer = new Int32Array(fixtureCount).fill(-1);
    this.channel = new Int32Array(fixtureCount);
    this.universe = new Int32Array(fixtureCount);
    this.view = new LookView(this.slots, 0, this.space.discrete);
    const rendererIndex = new Map<LookRenderer, number>();
    show.fixtures.forEach((f, i) => {
      const renderer = options.renderers.get(f.id);
      if (renderer === undefined) {
        this.log.warn(`fixture '${f.id}' has no profile: it is not output`, { fixture: f.id });
        return;
      }
      let r = rendererIndex.get(renderer);
      if (r === undefined) {
        r = this.renderers.length;
        this.renderers.push(renderer);
        rendererIndex.set(renderer, r);
      }
      this.renderer[i] = r;
      this.channel[i] = f.address - 1;
      this.universe[i] = indexOf(f.universe);
    });
    for (const u of show.outputs.universes) indexOf(u.id);
    this.footprints = Int32Array.from(this.renderers, (r) => r.footprint ?? 0);
    this.universeChanged = new Uint8Array(this.universeIds.length).fill(1);
    this.changed.push(...this.universeIds);
    this.frameOut = { tMs: 0, universes: this.buffers, slots: this.slots, changed: this.changed };
    const all = [...depts.values()];
    this.messages$ = merge(...all.map((d) => d.messages$));
    this.events$ = merge(...all.map((d) => d.events$));
    this.stateSubject = new BehaviorSubject<PlaybackState>(this.snapshot());
    this.state$ = this.stateSubject.asObservable();
    this.subscription.add(
      this.events$.subscribe((e) => {
        for (const r of [...this.recorders]) r(e);
        for (const c of [...this.committers]) c(e);
        this.stateSubject.next(this.snapshot());
      }),
    );
  }

  private readonly recorders: Array<(e: PlaybackEvent) => void> = [];
  private readonly committers: Array<(e: PlaybackEvent) => void> = [];

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

  /**
   * Calls `committer` with every event after the recorders and before anyone else hears of it: the
   * live frame loop, which puts the new look on the wire here. So a GO reaches the wire right after
   * the journal, and consoles, logs and the model hear of it after the light (bench/latency.ts).
   * Returns the function that stops it. A committer must not throw.
   */
  onCommit(committer: (e: PlaybackEvent) => void): () => void {
    this.committers.push(committer);
    return () => {
      const i = this.committers.indexOf(committer);
      if (i >= 0) this.committers.splice(i, 1);
    };
  }

  /** The stacks now. */
  snapshot(): PlaybackState {
    return { depts: [...this.depts.values()].map((d) => d.state()) };
  }

  /**
   * A department was edited: its stack takes the new program (see `DeptPlayback.reprogram`), and the
   * console hears the new stack state. Throws when the department is unknown, or when it would set
   * levels for the first time (the level merge is laid out at start).
   */
  reprogram(dept: DeptId, program: CompiledDept, updateLive: boolean): void {
    const d = this.depts.get(dept);
    if (d === undefined) throw new InputError('playback', `there is no department '${dept}'`);
    if (d.fades === null && program.hasLevels) throw new InputError('playback', `${dept} set no levels when the show started: give it its first look in show.json and restart`);
    d.reprogram(program, updateLive);
    this.stateSubject.next(this.snapshot());
  }

  /** What the stage shows as of the last frame (every fixture's slots, effects included), or undefined before the first frame. */
  get shown(): Float64Array | undefined {
    return this.framed ? this.slots : undefined;
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

  /**
   * Per frame: levels of every department at `nowMs`, effects, then DMX for the fixtures whose
   * values changed. No allocation.
   */
  frame(nowMs: number): PlaybackFrame {
    const slots = this.slots;
    const base = this.base;
    const dirty = this.dirty;
    const deps = this.levelDepts;
    const merging = deps.length > 1;
    const copy = this.copy;
    // One level department writes its moving slots straight into the frame's slots; with several,
    // each fixture that moved is merged again.
    for (let k = 0; k < deps.length; k++) {
      const d = deps[k]!;
      d.evaluate(nowMs, merging ? copy : dirty, merging ? null : slots);
      const changed = d.fades!.dirty;
      for (let i = 0; i < changed.size; i++) copy.add(changed.list[i]!);
      changed.clear();
    }
    // What effects wrote last frame goes back to the levels before this frame's effects.
    const touched = this.touched;
    for (let i = 0; i < touched.size; i++) copy.add(touched.list[i]!);
    touched.clear();
    for (let i = 0; i < copy.size; i++) {
      const f = copy.list[i]!;
      if (merging) this.mergeFixture(f);
      const from = f * SLOTS_PER_FIXTURE;
      for (let k = 0; k < SLOTS_PER_FIXTURE; k++) slots[from + k] = base[from + k]!;
      dirty.add(f);
    }
    copy.clear();
    const all = this.deptList;
    for (let i = 0; i < all.length; i++) all[i]!.applyEffects(nowMs, slots, touched);
    for (let i = 0; i < touched.size; i++) dirty.add(touched.list[i]!);
    const changed = this.changed;
    const universeChanged = this.universeChanged;
    universeChanged.fill(0);
    changed.length = 0;
    this.render(dirty);
    dirty.clear();
    const ids = this.universeIds;
    for (let u = 0; u < ids.length; u++) if (universeChanged[u] === 1) changed.push(ids[u]!);
    this.frameOut.tMs = nowMs;
    this.framed = true;
    return this.frameOut;
  }

  /**
   * Renders the listed fixtures into their universe buffers. A fixture with the same renderer and
   * the same slot values as the one rendered just before it copies that one's channels instead.
   */
  private render(fixtures: FixtureSet): void {
    const slots = this.slots;
    const rendererOf = this.renderer;
    const universeOf = this.universe;
    const channelOf = this.channel;
    const buffers = this.universeBuffers;
    const footprints = this.footprints;
    const universeChanged = this.universeChanged;
    const list = fixtures.list;
    // The fixture rendered just before: its renderer, slots, and where its channels went.
    let prevR = -1;
    let prevBase = 0;
    let prevOut: Uint8Array | undefined;
    let prevAt = 0;
    for (let i = 0; i < fixtures.size; i++) {
      const f = list[i]!;
      const r = rendererOf[f]!;
      if (r < 0) continue;
      const u = universeOf[f]!;
      const out = buffers[u]!;
      const at = channelOf[f]!;
      const base = f * SLOTS_PER_FIXTURE;
      const footprint = footprints[r]!;
      if (r === prevR && footprint > 0 && sameLook(slots, base, prevBase)) {
        const n = Math.min(footprint, 512 - at, 512 - prevAt);
        for (let c = 0; c < n; c++) out[at + c] = prevOut![prevAt + c]!;
      } else {
        this.renderers[r]!.render(this.view.at(base), out, at);
      }
      universeChanged[u] = 1;
      prevR = r;
      prevBase = base;
      prevOut = out;
      prevAt = at;
    }
  }

  /** True while the next frame may differ from the last: a fade or effect running, or fixtures left to redo. */
  busy(): boolean {
    if (this.dirty.size > 0 || this.touched.size > 0) return true;
    const all = this.deptList;
    for (let i = 0; i < all.length; i++) {
      const d = all[i]!;
      if (d.effectCount > 0 || (d.fades !== null && (d.fades.activeCount > 0 || d.fades.dirty.size > 0))) return true;
    }
    return false;
  }

  /**
   * Several departments with levels, one fixture: intensity highest-takes-precedence, the rest
   * latest-takes-precedence (by when each department's newest fade of the slot started).
   */
  private mergeFixture(f: number): void {
    const deps = this.levelDepts;
    const base = this.base;
    const from = f * SLOTS_PER_FIXTURE;
    for (let s = from; s < from + SLOTS_PER_FIXTURE; s++) {
      if (s - from === SLOT_INTENSITY) {
        let v = 0;
        for (let k = 0; k < deps.length; k++) {
          const x = deps[k]!.fades!.values[s]!;
          if (x > v) v = x;
        }
        base[s] = v;
      } else {
        let v = NaN;
        let stamp = -Infinity;
        for (let k = 0; k < deps.length; k++) {
          const fades = deps[k]!.fades!;
          const st = fades.stamp[s]!;
          if (st > stamp) {
            stamp = st;
            v = fades.values[s]!;
          }
        }
        base[s] = v;
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
