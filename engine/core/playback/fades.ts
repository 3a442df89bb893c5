/**
 * The fade state of one department's levels: per slot, the fade in progress (`a`) and at most one
 * fade waiting for its delay (`b`). A GO only touches slots whose target changes, so earlier fades of
 * tracked attributes keep running (several fades at once), and a new fade starts from whatever value
 * the slot has when it begins (GO during a fade takes over from the current values).
 *
 * Times are department-clock milliseconds (the scheduler's time minus time spent in HOLD).
 * `evaluate` is the per-frame path: no allocation.
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

/** Per-slot fade state of one department. */
export class DeptFades {
  readonly slotCount: number;
  private readonly aFrom: Float64Array;
  private readonly aTo: Float64Array;
  private readonly aStart: Float64Array;
  private readonly aDur: Float64Array;
  private readonly aCurve: Uint8Array;
  private readonly bTo: Float64Array;
  private readonly bStart: Float64Array;
  private readonly bDur: Float64Array;
  private readonly bCurve: Uint8Array;
  private readonly bPending: Uint8Array;
  /** The value each slot is heading to (the newest fade's target). */
  readonly target: Float64Array;
  /** Engine-clock ms at which the newest fade of each slot was started; -Infinity when never set. */
  readonly stamp: Float64Array;

  constructor(private program: CompiledDept) {
    const n = program.blank.length;
    this.slotCount = n;
    this.aFrom = program.blank.slice();
    this.aTo = program.blank.slice();
    this.aStart = new Float64Array(n);
    this.aDur = new Float64Array(n);
    this.aCurve = new Uint8Array(n);
    this.bTo = new Float64Array(n);
    this.bStart = new Float64Array(n);
    this.bDur = new Float64Array(n);
    this.bCurve = new Uint8Array(n);
    this.bPending = new Uint8Array(n);
    this.target = program.blank.slice();
    this.stamp = new Float64Array(n).fill(-Infinity);
  }

  /**
   * The department was edited: later fires use the new program's targets (same fixture space, so the
   * slots are the same). Fades in progress run on.
   */
  reprogram(program: CompiledDept): void {
    if (program.blank.length !== this.slotCount) throw new Error(`the edited department has ${program.blank.length} slots, playback has ${this.slotCount}`);
    this.program = program;
  }

  private aValue(s: number, t: number): number {
    const start = this.aStart[s]!;
    const to = this.aTo[s]!;
    if (t < start) return this.aFrom[s]!;
    const dur = this.aDur[s]!;
    if (t >= start + dur) return to;
    const from = this.aFrom[s]!;
    if (Number.isNaN(to)) return from; // releasing to "unset": hold until the end, then release
    if (Number.isNaN(from) || SLOT_DISCRETE[s % SLOTS_PER_FIXTURE] === 1) return to;
    return from + (to - from) * applyCurve(this.aCurve[s]!, (t - start) / dur);
  }

  private fold(s: number): void {
    const start = this.bStart[s]!;
    this.aFrom[s] = this.aValue(s, start);
    this.aTo[s] = this.bTo[s]!;
    this.aStart[s] = start;
    this.aDur[s] = this.bDur[s]!;
    this.aCurve[s] = this.bCurve[s]!;
    this.bPending[s] = 0;
  }

  /** Schedules slot `s` to fade to `to` from `startMs` over `durMs` (dept clock). */
  setFade(s: number, to: number, startMs: number, durMs: number, curve: number, stampMs: number): void {
    if (this.bPending[s] === 1) {
      if (this.bStart[s]! <= startMs) this.fold(s);
      else this.bPending[s] = 0;
    }
    this.bTo[s] = to;
    this.bStart[s] = startMs;
    this.bDur[s] = durMs;
    this.bCurve[s] = curve;
    this.bPending[s] = 1;
    this.target[s] = to;
    this.stamp[s] = stampMs;
  }

  /** The value slot `s` will have at `t` if nothing else is fired. */
  valueAt(s: number, t: number): number {
    if (this.bPending[s] === 1 && t >= this.bStart[s]!) {
      const start = this.bStart[s]!;
      const dur = this.bDur[s]!;
      const to = this.bTo[s]!;
      const from = this.aValue(s, start);
      if (t >= start + dur) return to;
      if (Number.isNaN(to)) return from;
      if (Number.isNaN(from) || SLOT_DISCRETE[s % SLOTS_PER_FIXTURE] === 1) return to;
      return from + (to - from) * applyCurve(this.bCurve[s]!, (t - start) / dur);
    }
    return this.aValue(s, t);
  }

  /** Dept-clock time at which slot `s` reaches its target. */
  endOf(s: number): number {
    return this.bPending[s] === 1 ? this.bStart[s]! + this.bDur[s]! : this.aStart[s]! + this.aDur[s]!;
  }

  /**
   * Starts the fades of cue `index` (−1 = the blank state before the first cue) at dept time
   * `nowMs`. Returns the dept time at which the last fade it started ends.
   */
  fire(index: number, timing: CompiledCue['cue'], nowMs: number, stampMs: number, options: FireOptions): number {
    const targets = index < 0 ? this.program.blank : this.program.targets[index];
    if (targets === undefined) return nowMs;
    const curve = curveId(timing.curve);
    let lastEnd = nowMs;
    const fixtures = this.slotCount / SLOTS_PER_FIXTURE;
    for (let f = 0; f < fixtures; f++) {
      const base = f * SLOTS_PER_FIXTURE;
      // Intensity first: the other attributes of a fixture going dark may wait for it (move in black).
      const si = base + SLOT_INTENSITY;
      const ti = targets[si]!;
      let darkAt = nowMs;
      if (!sameValue(ti, this.target[si]!)) {
        const t = familyTiming(timing, 'intensity', true, options.withDelay, options.fadeOverrideMs);
        const start = nowMs + t.delayMs;
        const up = ti > this.valueAt(si, start);
        const d = up ? t : familyTiming(timing, 'intensity', false, options.withDelay, options.fadeOverrideMs);
        this.setFade(si, ti, nowMs + d.delayMs, d.fadeMs, curve, stampMs);
        lastEnd = Math.max(lastEnd, nowMs + d.delayMs + d.fadeMs);
      }
      const dark = !(ti > 0);
      if (dark && options.moveInBlack) darkAt = this.endOf(si);
      for (let k = 1; k < SLOTS_PER_FIXTURE; k++) {
        const s = base + k;
        const to = targets[s]!;
        if (sameValue(to, this.target[s]!)) continue;
        const t = familyTiming(timing, SLOT_FAMILY[k]!, true, options.withDelay, options.fadeOverrideMs);
        const start = dark && options.moveInBlack ? Math.max(nowMs + t.delayMs, darkAt) : nowMs + t.delayMs;
        this.setFade(s, to, start, t.fadeMs, curve, stampMs);
        lastEnd = Math.max(lastEnd, start + t.fadeMs);
      }
    }
    return lastEnd;
  }

  /** STOP: every slot holds the value it has at `nowMs`; pending fades are dropped. */
  freeze(nowMs: number): void {
    for (let s = 0; s < this.slotCount; s++) {
      const v = this.valueAt(s, nowMs);
      this.aFrom[s] = v;
      this.aTo[s] = v;
      this.aStart[s] = nowMs;
      this.aDur[s] = 0;
      this.bPending[s] = 0;
      this.target[s] = v;
    }
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
      for (let s = 0; s < this.slotCount; s++) {
        const own = this.aTo[s]!;
        const seen = shown[s]!;
        if (Number.isNaN(own) || Number.isNaN(seen)) continue;
        const v = s % SLOTS_PER_FIXTURE === SLOT_INTENSITY ? Math.min(own, seen) : seen;
        this.aFrom[s] = v;
        this.aTo[s] = v;
        this.target[s] = v;
      }
    }
    for (let s = SLOT_INTENSITY; s < this.slotCount; s += SLOTS_PER_FIXTURE) {
      this.setFade(s, 0, nowMs, fadeMs, CURVE_LINEAR, stampMs);
    }
  }

  /**
   * Per-frame: writes every slot's value at dept time `t` into `out`. No allocation: the fade maths
   * is written out here rather than called, because a double returned from a call V8 does not
   * inline is boxed on the heap.
   */
  evaluate(t: number, out: Float64Array): void {
    const aFrom = this.aFrom;
    const aTo = this.aTo;
    const aStart = this.aStart;
    const aDur = this.aDur;
    const aCurve = this.aCurve;
    const bPending = this.bPending;
    const n = this.slotCount;
    for (let s = 0; s < n; s++) {
      if (bPending[s] === 1 && t >= this.bStart[s]!) this.fold(s);
      const start = aStart[s]!;
      const to = aTo[s]!;
      const dur = aDur[s]!;
      if (t >= start + dur) {
        out[s] = to;
        continue;
      }
      const from = aFrom[s]!;
      if (t < start || to !== to) {
        out[s] = from; // before its start, or releasing to "unset" (held until the end)
        continue;
      }
      if (from !== from || SLOT_DISCRETE[s % SLOTS_PER_FIXTURE] === 1) {
        out[s] = to;
        continue;
      }
      const x = (t - start) / dur;
      const c = aCurve[s];
      const k = c === CURVE_LINEAR ? x : c === CURVE_S ? x * x * (3 - 2 * x) : c === CURVE_EXPONENTIAL ? x * x : c === CURVE_LOGARITHMIC ? 1 - (1 - x) * (1 - x) : 1;
      out[s] = from + (to - from) * k;
    }
  }
}
