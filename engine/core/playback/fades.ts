/**
 * The fade state of one department's levels. Every slot has a settled value; a slot that is fading
 * (or waiting for its delay) also holds a fade record: the fade in progress (`a`) and at most one
 * fade waiting for its delay (`b`). A GO only touches slots whose target changes, so earlier fades of
 * tracked attributes keep running (several fades at once), and a new fade starts from whatever value
 * the slot has when it begins (GO during a fade takes over from the current values).
 *
 * Memory and time scale with what moves, not with the rig: fade records live in a packed pool of
 * typed arrays that grows to the largest number of slots fading at once, and `evaluate` walks only
 * those records. It reports the fixtures whose values changed (`dirty`), so playback re-renders
 * only them.
 *
 * Times are department-clock milliseconds (the scheduler's time minus time spent in HOLD), and must
 * not run backwards between calls. `evaluate` is the per-frame path: no allocation.
 */
import { type CompiledCue, type CompiledDept } from './compile.js';
import { applyCurve, CURVE_EXPONENTIAL, CURVE_LINEAR, CURVE_LOGARITHMIC, CURVE_S, curveId, familyTiming } from './timing.js';
import { SLOT_DISCRETE, SLOT_FAMILY, SLOT_INTENSITY, SLOTS_PER_FIXTURE } from './slots.js';

const sameValue = (x: number, y: number): boolean => x === y || (Number.isNaN(x) && Number.isNaN(y));

/** How a cue's levels are started. */
export interface FireOptions {
  /** Apply the cue's delays (false for BACK). */
  readonly withDelay: boolean;
  /** Overrides every fade time (MSC TIMED_GO). */
  readonly fadeOverrideMs?: number;
  /** Move dark fixtures only once they are dark (the department's `moveInBlack`). */
  readonly moveInBlack: boolean;
}

/** A set of fixture indices without duplicates, filled during a frame and drained by playback. */
export class FixtureSet {
  private readonly member: Uint8Array;
  /** Members in insertion order, valid up to `size`. */
  readonly list: Int32Array;
  size = 0;

  constructor(readonly capacity: number) {
    this.member = new Uint8Array(capacity);
    this.list = new Int32Array(capacity);
  }

  add(f: number): void {
    if (this.member[f] === 1) return;
    this.member[f] = 1;
    this.list[this.size++] = f;
  }

  has(f: number): boolean {
    return this.member[f] === 1;
  }

  /** Adds every fixture. */
  addAll(): void {
    for (let f = 0; f < this.capacity; f++) this.add(f);
  }

  clear(): void {
    const list = this.list;
    for (let i = 0; i < this.size; i++) this.member[list[i]!] = 0;
    this.size = 0;
  }
}

const INITIAL_POOL = 64;

/** Per-slot fade state of one department. */
export class DeptFades {
  readonly slotCount: number;
  /** Every slot's value at the last `evaluate` (or STOP/PANIC): the department's look. */
  readonly values: Float64Array;
  /** The value each slot is heading to (the newest fade's target). */
  readonly target: Float64Array;
  /** Engine-clock ms at which the newest fade of each slot was started; -Infinity when never set. */
  readonly stamp: Float64Array;
  /** Fixtures whose values (or stamps) changed outside `evaluate` since playback last drained the set. */
  readonly dirty: FixtureSet;
  /** Fade record of each slot, -1 when the slot is settled at `values[s]`. */
  private readonly record: Int32Array;
  /** Records in use: 0..count-1 (packed). */
  private count = 0;
  // The pool, one entry per record.
  private slotOf: Int32Array = new Int32Array(INITIAL_POOL);
  private aFrom: Float64Array = new Float64Array(INITIAL_POOL);
  private aTo: Float64Array = new Float64Array(INITIAL_POOL);
  private aStart: Float64Array = new Float64Array(INITIAL_POOL);
  private aDur: Float64Array = new Float64Array(INITIAL_POOL);
  private aCurve: Uint8Array = new Uint8Array(INITIAL_POOL);
  private bTo: Float64Array = new Float64Array(INITIAL_POOL);
  private bStart: Float64Array = new Float64Array(INITIAL_POOL);
  private bDur: Float64Array = new Float64Array(INITIAL_POOL);
  private bCurve: Uint8Array = new Uint8Array(INITIAL_POOL);
  private bPending: Uint8Array = new Uint8Array(INITIAL_POOL);

  constructor(private program: CompiledDept) {
    const n = program.space.slotCount;
    this.slotCount = n;
    this.values = new Float64Array(n);
    program.looks.expand(program.blank, this.values);
    this.target = this.values.slice();
    this.stamp = new Float64Array(n).fill(-Infinity);
    this.record = new Int32Array(n).fill(-1);
    this.dirty = new FixtureSet(n / SLOTS_PER_FIXTURE);
  }

  /**
   * The department was edited: later fires use the new program's targets (same fixture space, so the
   * slots are the same). Fades in progress run on.
   */
  reprogram(program: CompiledDept): void {
    if (program.space.slotCount !== this.slotCount) throw new Error(`the edited department has ${program.space.slotCount} slots, playback has ${this.slotCount}`);
    this.program = program;
  }

  /** Slots fading or waiting for a delay now. */
  get activeCount(): number {
    return this.count;
  }

  private grow(): void {
    const size = this.slotOf.length * 2;
    const f64 = (a: Float64Array): Float64Array => {
      const b = new Float64Array(size);
      b.set(a);
      return b;
    };
    const u8 = (a: Uint8Array): Uint8Array => {
      const b = new Uint8Array(size);
      b.set(a);
      return b;
    };
    const slotOf = new Int32Array(size);
    slotOf.set(this.slotOf);
    this.slotOf = slotOf;
    this.aFrom = f64(this.aFrom);
    this.aTo = f64(this.aTo);
    this.aStart = f64(this.aStart);
    this.aDur = f64(this.aDur);
    this.aCurve = u8(this.aCurve);
    this.bTo = f64(this.bTo);
    this.bStart = f64(this.bStart);
    this.bDur = f64(this.bDur);
    this.bCurve = u8(this.bCurve);
    this.bPending = u8(this.bPending);
  }

  /** The record of slot `s`, made (settled at its value, nothing pending) if it has none. */
  private open(s: number): number {
    const existing = this.record[s]!;
    if (existing >= 0) return existing;
    if (this.count === this.slotOf.length) this.grow();
    const r = this.count++;
    const v = this.values[s]!;
    this.slotOf[r] = s;
    this.aFrom[r] = v;
    this.aTo[r] = v;
    this.aStart[r] = -Infinity;
    this.aDur[r] = 0;
    this.aCurve[r] = CURVE_LINEAR;
    this.bPending[r] = 0;
    this.record[s] = r;
    return r;
  }

  /** Drops record `r` (its slot is settled); the last record moves into its place. */
  private close(r: number): void {
    const s = this.slotOf[r]!;
    this.record[s] = -1;
    const last = --this.count;
    if (r === last) return;
    const ls = this.slotOf[last]!;
    this.slotOf[r] = ls;
    this.record[ls] = r;
    this.aFrom[r] = this.aFrom[last]!;
    this.aTo[r] = this.aTo[last]!;
    this.aStart[r] = this.aStart[last]!;
    this.aDur[r] = this.aDur[last]!;
    this.aCurve[r] = this.aCurve[last]!;
    this.bTo[r] = this.bTo[last]!;
    this.bStart[r] = this.bStart[last]!;
    this.bDur[r] = this.bDur[last]!;
    this.bCurve[r] = this.bCurve[last]!;
    this.bPending[r] = this.bPending[last]!;
  }

  private aValue(r: number, s: number, t: number): number {
    const start = this.aStart[r]!;
    const to = this.aTo[r]!;
    if (t < start) return this.aFrom[r]!;
    const dur = this.aDur[r]!;
    if (t >= start + dur) return to;
    const from = this.aFrom[r]!;
    if (Number.isNaN(to)) return from; // releasing to "unset": hold until the end, then release
    if (Number.isNaN(from) || SLOT_DISCRETE[s % SLOTS_PER_FIXTURE] === 1) return to;
    return from + (to - from) * applyCurve(this.aCurve[r]!, (t - start) / dur);
  }

  private fold(r: number, s: number): void {
    const start = this.bStart[r]!;
    this.aFrom[r] = this.aValue(r, s, start);
    this.aTo[r] = this.bTo[r]!;
    this.aStart[r] = start;
    this.aDur[r] = this.bDur[r]!;
    this.aCurve[r] = this.bCurve[r]!;
    this.bPending[r] = 0;
  }

  /** Schedules slot `s` to fade to `to` from `startMs` over `durMs` (dept clock). */
  setFade(s: number, to: number, startMs: number, durMs: number, curve: number, stampMs: number): void {
    const r = this.open(s);
    if (this.bPending[r] === 1) {
      if (this.bStart[r]! <= startMs) this.fold(r, s);
      else this.bPending[r] = 0;
    }
    this.bTo[r] = to;
    this.bStart[r] = startMs;
    this.bDur[r] = durMs;
    this.bCurve[r] = curve;
    this.bPending[r] = 1;
    this.target[s] = to;
    this.stamp[s] = stampMs;
    this.dirty.add((s / SLOTS_PER_FIXTURE) | 0); // the stamp decides LTP between departments at once
  }

  /** The value slot `s` will have at `t` if nothing else is fired. */
  valueAt(s: number, t: number): number {
    const r = this.record[s]!;
    if (r < 0) return this.values[s]!;
    if (this.bPending[r] === 1 && t >= this.bStart[r]!) {
      const start = this.bStart[r]!;
      const dur = this.bDur[r]!;
      const to = this.bTo[r]!;
      const from = this.aValue(r, s, start);
      if (t >= start + dur) return to;
      if (Number.isNaN(to)) return from;
      if (Number.isNaN(from) || SLOT_DISCRETE[s % SLOTS_PER_FIXTURE] === 1) return to;
      return from + (to - from) * applyCurve(this.bCurve[r]!, (t - start) / dur);
    }
    return this.aValue(r, s, t);
  }

  /** Dept-clock time at which slot `s` reaches its target (-Infinity: it already has). */
  endOf(s: number): number {
    const r = this.record[s]!;
    if (r < 0) return -Infinity;
    return this.bPending[r] === 1 ? this.bStart[r]! + this.bDur[r]! : this.aStart[r]! + this.aDur[r]!;
  }

  /**
   * Starts the fades of cue `index` (−1 = the blank state before the first cue) at dept time
   * `nowMs`. Returns the dept time at which the last fade it started ends.
   */
  fire(index: number, timing: CompiledCue['cue'], nowMs: number, stampMs: number, options: FireOptions): number {
    const looks = index < 0 ? this.program.blank : this.program.targets[index];
    if (looks === undefined) return nowMs;
    const table = this.program.looks.data;
    const curve = curveId(timing.curve);
    // Each slot's delay and fade, worked out once per GO rather than per fixture.
    const delayUp = new Float64Array(SLOTS_PER_FIXTURE);
    const fadeUp = new Float64Array(SLOTS_PER_FIXTURE);
    for (let k = 0; k < SLOTS_PER_FIXTURE; k++) {
      const t = familyTiming(timing, SLOT_FAMILY[k]!, true, options.withDelay, options.fadeOverrideMs);
      delayUp[k] = t.delayMs;
      fadeUp[k] = t.fadeMs;
    }
    const down = familyTiming(timing, 'intensity', false, options.withDelay, options.fadeOverrideMs);
    let lastEnd = nowMs;
    const fixtures = this.slotCount / SLOTS_PER_FIXTURE;
    for (let f = 0; f < fixtures; f++) {
      const base = f * SLOTS_PER_FIXTURE;
      const look = looks[f]! * SLOTS_PER_FIXTURE;
      // Intensity first: the other attributes of a fixture going dark may wait for it (move in black).
      const si = base + SLOT_INTENSITY;
      const ti = table[look + SLOT_INTENSITY]!;
      let darkAt = nowMs;
      if (!sameValue(ti, this.target[si]!)) {
        const start = nowMs + delayUp[SLOT_INTENSITY]!;
        const up = ti > this.valueAt(si, start);
        const delayMs = up ? delayUp[SLOT_INTENSITY]! : down.delayMs;
        const fadeMs = up ? fadeUp[SLOT_INTENSITY]! : down.fadeMs;
        this.setFade(si, ti, nowMs + delayMs, fadeMs, curve, stampMs);
        lastEnd = Math.max(lastEnd, nowMs + delayMs + fadeMs);
      }
      const dark = !(ti > 0);
      if (dark && options.moveInBlack) darkAt = this.endOf(si);
      for (let k = 1; k < SLOTS_PER_FIXTURE; k++) {
        const s = base + k;
        const to = table[look + k]!;
        if (sameValue(to, this.target[s]!)) continue;
        const start = dark && options.moveInBlack ? Math.max(nowMs + delayUp[k]!, darkAt) : nowMs + delayUp[k]!;
        this.setFade(s, to, start, fadeUp[k]!, curve, stampMs);
        lastEnd = Math.max(lastEnd, start + fadeUp[k]!);
      }
    }
    return lastEnd;
  }

  /** STOP: every slot holds the value it has at `nowMs`; pending fades are dropped. */
  freeze(nowMs: number): void {
    while (this.count > 0) {
      const r = this.count - 1;
      const s = this.slotOf[r]!;
      const v = this.valueAt(s, nowMs);
      this.close(r);
      if (!sameValue(v, this.values[s]!)) this.dirty.add((s / SLOTS_PER_FIXTURE) | 0);
      this.values[s] = v;
    }
    this.target.set(this.values);
  }

  /**
   * PANIC: everything freezes, and every intensity fades linearly to 0 over `fadeMs`. With `shown`
   * (what is on stage, effects included) the department's slots freeze at what is shown and each
   * intensity fades from the lower of its own value and the shown one: an effect that stops at PANIC
   * never lifts a light or changes its colour.
   */
  panic(nowMs: number, fadeMs: number, stampMs: number, shown?: Float64Array): void {
    this.freeze(nowMs);
    if (shown !== undefined && shown.length === this.slotCount) {
      // Every slot is settled now (no fade records): its value is what it froze at.
      for (let s = 0; s < this.slotCount; s++) {
        const own = this.values[s]!;
        const seen = shown[s]!;
        if (Number.isNaN(own) || Number.isNaN(seen)) continue;
        const v = s % SLOTS_PER_FIXTURE === SLOT_INTENSITY ? Math.min(own, seen) : seen;
        if (v !== own) this.dirty.add((s / SLOTS_PER_FIXTURE) | 0);
        this.values[s] = v;
        this.target[s] = v;
      }
    }
    for (let s = SLOT_INTENSITY; s < this.slotCount; s += SLOTS_PER_FIXTURE) {
      this.setFade(s, 0, nowMs, fadeMs, CURVE_LINEAR, stampMs);
    }
  }

  /**
   * Per frame: brings every fading slot's value to dept time `t` (also into `out` when given: the
   * frame's slots, when this department's levels are the only ones), adds the fixtures whose values
   * changed to `moved`, and settles the fades that have ended. No allocation: the fade maths is
   * written out here rather than called, because a double returned from a call V8 does not inline
   * is boxed on the heap.
   */
  evaluate(t: number, moved: FixtureSet, out: Float64Array | null = null): void {
    const values = this.values;
    const slotOf = this.slotOf;
    const aFrom = this.aFrom;
    const aTo = this.aTo;
    const aStart = this.aStart;
    const aDur = this.aDur;
    const aCurve = this.aCurve;
    const bPending = this.bPending;
    // Backwards, so the record `close` moves into a freed place has been evaluated already.
    for (let r = this.count - 1; r >= 0; r--) {
      const s = slotOf[r]!;
      if (bPending[r] === 1 && t >= this.bStart[r]!) this.fold(r, s);
      const start = aStart[r]!;
      const to = aTo[r]!;
      const dur = aDur[r]!;
      let v: number;
      if (t >= start + dur) {
        v = to;
      } else {
        const from = aFrom[r]!;
        if (t < start || to !== to) {
          v = from; // before its start, or releasing to "unset" (held until the end)
        } else if (from !== from || SLOT_DISCRETE[s % SLOTS_PER_FIXTURE] === 1) {
          v = to;
        } else {
          const x = (t - start) / dur;
          const c = aCurve[r];
          const k = c === CURVE_LINEAR ? x : c === CURVE_S ? x * x * (3 - 2 * x) : c === CURVE_EXPONENTIAL ? x * x : c === CURVE_LOGARITHMIC ? 1 - (1 - x) * (1 - x) : 1;
          v = from + (to - from) * k;
        }
      }
      const old = values[s]!;
      if (v !== old && (v === v || old === old)) {
        values[s] = v;
        if (out !== null) out[s] = v;
        moved.add((s / SLOTS_PER_FIXTURE) | 0);
      }
      if (bPending[r] === 0 && t >= start + dur) this.close(r);
    }
  }
}
