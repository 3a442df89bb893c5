/**
 * The one place DMX is merged. A `Universe` holds one 512-channel buffer per source (playback,
 * operator faders, audio bindings…), merges them per channel — highest source priority first, then
 * HTP (highest takes precedence) on intensity channels and LTP (latest takes precedence) on the rest —
 * and applies the grand master, blackout and PANIC fade after the merge, on intensity only.
 *
 * Pure: no timers, no I/O. Time enters as `nowMs` arguments read from the caller's scheduler.
 */
import { type UniverseId } from '../ids.js';
import { InputError } from '../errors.js';

/** Channels in a DMX512 universe. */
export const DMX_CHANNELS = 512;

/** How a channel merges between sources of equal priority. */
export type MergeMode = 'htp' | 'ltp';

/** Options for a universe. */
export interface UniverseOptions {
  /** 1-based channels that carry intensity: merged HTP and scaled by the grand master. Default none. */
  readonly intensityChannels?: Iterable<number>;
  /**
   * Safe values for non-intensity channels (1-based channel → dmxValue) that PANIC fades to, e.g. a
   * hazer's output to 0. Intensity channels always fade to 0; other channels without an entry hold.
   */
  readonly safeValues?: ReadonlyMap<number, number> | Readonly<Record<number, number>>;
}

/** One contributor to a universe, e.g. `playback`, `operator`, `binding:beat`. */
export interface UniverseSource {
  readonly id: string;
  /** Higher wins outright on every channel this source holds (sACN-style, 0..200). */
  readonly priority: number;
}

interface SourceState {
  readonly id: string;
  priority: number;
  readonly levels: Uint8Array;
  /** 1 where the source currently holds the channel. */
  readonly active: Uint8Array;
  /** Merge order stamp of the last change per channel (for LTP). */
  readonly stamp: Float64Array;
}

/** A timed ramp of a 0..1 value (grand master, PANIC amount). */
interface Ramp {
  from: number;
  to: number;
  startMs: number;
  durationMs: number;
}

function rampValue(r: Ramp, nowMs: number): number {
  if (r.durationMs <= 0 || nowMs >= r.startMs + r.durationMs) return r.to;
  if (nowMs <= r.startMs) return r.from;
  return r.from + ((r.to - r.from) * (nowMs - r.startMs)) / r.durationMs;
}

function checkChannel(universe: UniverseId, channel: number): void {
  if (!Number.isInteger(channel) || channel < 1 || channel > DMX_CHANNELS) {
    throw new InputError(`universe ${universe}`, `channel ${channel} is outside 1..512`);
  }
}

function clampDmx(value: number): number {
  if (!(value > 0)) return 0; // also NaN
  if (value >= 255) return 255;
  return Math.round(value);
}

/** A 512-channel DMX universe with per-source buffers, HTP/LTP merge, priorities and masters. */
export class Universe {
  private readonly sources = new Map<string, SourceState>();
  private ordered: SourceState[] = [];
  /** 1 = intensity (HTP, mastered). */
  private readonly intensity = new Uint8Array(DMX_CHANNELS);
  private readonly safe = new Int16Array(DMX_CHANNELS).fill(-1);
  private stampCounter = 0;
  private gm: Ramp = { from: 1, to: 1, startMs: 0, durationMs: 0 };
  private panic: Ramp = { from: 0, to: 0, startMs: 0, durationMs: 0 };
  private blackoutOn = false;
  private dirty = true;
  /** The merged values before masters (pre-GM), kept for the console and for PANIC fades. */
  private readonly merged = new Uint8Array(DMX_CHANNELS);

  constructor(
    readonly id: UniverseId,
    options: UniverseOptions = {},
  ) {
    for (const ch of options.intensityChannels ?? []) this.setMergeMode(ch, 'htp');
    const safe = options.safeValues;
    if (safe !== undefined) {
      const entries: Iterable<[number | string, number]> = safe instanceof Map ? safe.entries() : Object.entries(safe);
      for (const [ch, v] of entries) this.setSafeValue(Number(ch), v);
    }
  }

  /** Declares a channel intensity (HTP, mastered) or not (LTP). */
  setMergeMode(channel: number, mode: MergeMode): void {
    checkChannel(this.id, channel);
    this.intensity[channel - 1] = mode === 'htp' ? 1 : 0;
    this.dirty = true;
  }

  /** The merge mode of a 1-based channel. */
  mergeMode(channel: number): MergeMode {
    checkChannel(this.id, channel);
    return this.intensity[channel - 1] === 1 ? 'htp' : 'ltp';
  }

  /** Sets the value PANIC fades a non-intensity channel to. */
  setSafeValue(channel: number, dmxValue: number): void {
    checkChannel(this.id, channel);
    this.safe[channel - 1] = clampDmx(dmxValue);
    this.dirty = true;
  }

  /** Adds a source (or changes its priority) and returns it. */
  addSource(source: UniverseSource): UniverseSource {
    const existing = this.sources.get(source.id);
    if (existing !== undefined) {
      existing.priority = source.priority;
    } else {
      this.sources.set(source.id, {
        id: source.id,
        priority: source.priority,
        levels: new Uint8Array(DMX_CHANNELS),
        active: new Uint8Array(DMX_CHANNELS),
        stamp: new Float64Array(DMX_CHANNELS),
      });
    }
    this.ordered = [...this.sources.values()].sort((a, b) => b.priority - a.priority);
    this.dirty = true;
    return source;
  }

  /** Removes a source; its channels fall back to the others. */
  removeSource(sourceId: string): void {
    if (this.sources.delete(sourceId)) {
      this.ordered = this.ordered.filter((s) => s.id !== sourceId);
      this.dirty = true;
    }
  }

  private state(sourceId: string): SourceState {
    const s = this.sources.get(sourceId);
    if (s === undefined) throw new InputError(`universe ${this.id}`, `unknown source '${sourceId}' (call addSource first)`);
    return s;
  }

  /** Sets one 1-based channel of a source; the source now holds that channel. */
  setLevel(sourceId: string, channel: number, dmxValue: number): void {
    checkChannel(this.id, channel);
    const s = this.state(sourceId);
    const i = channel - 1;
    const v = clampDmx(dmxValue);
    if (s.active[i] === 1 && s.levels[i] === v) return;
    s.levels[i] = v;
    s.active[i] = 1;
    s.stamp[i] = ++this.stampCounter;
    this.dirty = true;
  }

  /**
   * Sets consecutive channels of a source from `firstChannel` (1-based). Only channels whose value
   * changed (or that the source did not hold) get a new LTP stamp.
   */
  setLevels(sourceId: string, firstChannel: number, dmxValues: ArrayLike<number>): void {
    checkChannel(this.id, firstChannel);
    if (dmxValues.length === 0) return;
    checkChannel(this.id, firstChannel + dmxValues.length - 1);
    const s = this.state(sourceId);
    const stamp = ++this.stampCounter;
    let changed = false;
    for (let k = 0; k < dmxValues.length; k++) {
      const i = firstChannel - 1 + k;
      const v = clampDmx(dmxValues[k] ?? 0);
      if (s.active[i] === 1 && s.levels[i] === v) continue;
      s.levels[i] = v;
      s.active[i] = 1;
      s.stamp[i] = stamp;
      changed = true;
    }
    if (changed) this.dirty = true;
  }

  /** Releases channels of a source (all of them when `channels` is omitted). */
  release(sourceId: string, channels?: Iterable<number>): void {
    const s = this.state(sourceId);
    if (channels === undefined) {
      s.active.fill(0);
    } else {
      for (const ch of channels) {
        checkChannel(this.id, ch);
        s.active[ch - 1] = 0;
      }
    }
    this.dirty = true;
  }

  /** Sets the grand master (0..1), optionally fading from its current value over `fadeMs`. */
  setGrandMaster(level: number, fadeMs = 0, nowMs = 0): void {
    const to = Math.min(1, Math.max(0, Number.isFinite(level) ? level : 0));
    this.gm = { from: rampValue(this.gm, nowMs), to, startMs: nowMs, durationMs: Math.max(0, fadeMs) };
    this.dirty = true;
  }

  /** The grand master at `nowMs`. */
  grandMaster(nowMs = 0): number {
    return rampValue(this.gm, nowMs);
  }

  /** Blackout: intensity channels output 0 until cleared; the merge underneath keeps running. */
  setBlackout(on: boolean): void {
    this.blackoutOn = on;
    this.dirty = true;
  }

  /** Whether blackout is on. */
  get blackout(): boolean {
    return this.blackoutOn;
  }

  /** PANIC: fade every intensity channel to 0 and every channel with a safe value to it over `fadeMs`. */
  startPanic(fadeMs: number, nowMs: number): void {
    this.panic = { from: rampValue(this.panic, nowMs), to: 1, startMs: nowMs, durationMs: Math.max(0, fadeMs) };
    this.dirty = true;
  }

  /** Ends PANIC, fading back to the merged look over `fadeMs` (default: at once). */
  clearPanic(fadeMs = 0, nowMs = 0): void {
    this.panic = { from: rampValue(this.panic, nowMs), to: 0, startMs: nowMs, durationMs: Math.max(0, fadeMs) };
    this.dirty = true;
  }

  /** How far PANIC has faded at `nowMs` (0 = not at all, 1 = fully safe). */
  panicAmount(nowMs = 0): number {
    return rampValue(this.panic, nowMs);
  }

  /** True while a render would differ from the previous one (a change, or a master/PANIC fade running). */
  needsRender(nowMs: number): boolean {
    return this.dirty || this.fading(nowMs);
  }

  private fading(nowMs: number): boolean {
    const running = (r: Ramp): boolean => r.durationMs > 0 && nowMs < r.startMs + r.durationMs;
    return running(this.gm) || running(this.panic);
  }

  /** The merged values before grand master, blackout and PANIC (a copy). */
  preMaster(): Uint8Array {
    this.merge();
    return this.merged.slice();
  }

  private merge(): void {
    const merged = this.merged;
    merged.fill(0);
    const ordered = this.ordered;
    const n = ordered.length;
    if (n === 0) return;
    const intensity = this.intensity;
    for (let i = 0; i < DMX_CHANNELS; i++) {
      let bestPriority = -Infinity;
      let value = 0;
      let bestStamp = -1;
      // Sources are sorted by priority, highest first: stop once a lower priority is reached.
      for (let k = 0; k < n; k++) {
        const s = ordered[k]!;
        if (s.active[i] !== 1) continue;
        if (s.priority < bestPriority) break;
        bestPriority = s.priority;
        const v = s.levels[i]!;
        if (intensity[i] === 1) {
          if (v > value) value = v;
        } else if (s.stamp[i]! > bestStamp) {
          bestStamp = s.stamp[i]!;
          value = v;
        }
      }
      merged[i] = value;
    }
  }

  /**
   * Merges every source and writes the output (after grand master, blackout and PANIC) into `out`
   * (at least 512 bytes, index 0 = channel 1). Returns true when `out` changed.
   */
  render(out: Uint8Array, nowMs = 0): boolean {
    if (out.length < DMX_CHANNELS) throw new InputError(`universe ${this.id}`, `render buffer has ${out.length} bytes, needs 512`);
    this.merge();
    this.dirty = false;
    const gm = this.blackoutOn ? 0 : rampValue(this.gm, nowMs);
    const p = rampValue(this.panic, nowMs);
    const merged = this.merged;
    const intensity = this.intensity;
    const safe = this.safe;
    let changed = false;
    for (let i = 0; i < DMX_CHANNELS; i++) {
      let v: number = merged[i]!;
      if (intensity[i] === 1) {
        v = v * gm * (1 - p);
      } else if (p > 0 && safe[i]! >= 0) {
        v = v + (safe[i]! - v) * p;
      }
      const b = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
      if (out[i] !== b) {
        out[i] = b;
        changed = true;
      }
    }
    // While a fade runs, the next render differs again; the first render at or after its end lands the end value.
    if (this.fading(nowMs)) this.dirty = true;
    return changed;
  }
}
