/**
 * The one place DMX is merged. A `Universe` holds one 512-channel buffer per source (playback,
 * operator faders, audio bindings…), merges them per channel — highest source priority first, then
 * HTP (highest takes precedence) on intensity channels and LTP (latest takes precedence) on the rest —
 * and applies the grand master, blackout and PANIC after the merge, to the channels that make light
 * (each with its safe value, from the fixture model: `ChannelSafety`):
 *
 * - `dimmer` channels are scaled toward their safe value by master × (1 − PANIC);
 * - `gate` channels close (go to their safe value) when that product reaches 0; during a PANIC fade
 *   they hold the value they had when it began; `gateNow` channels close as soon as PANIC begins;
 * - `stop` channels (haze, fans) go to their safe value when PANIC begins; masters leave them alone.
 *
 * While PANIC fades, no light-making channel moves away from its safe value: whatever the sources
 * do (an effect that stops, an operator fader), each output only ever gets darker.
 *
 * Pure: no timers, no I/O. Time enters as `nowMs` arguments read from the caller's scheduler.
 */
import { type UniverseId } from '../ids.js';
import { InputError } from '../errors.js';
import type { SafetyKind } from '../fixtures/profile.js';

/** Channels in a DMX512 universe. */
export const DMX_CHANNELS = 512;

/** How a channel merges between sources of equal priority. */
export type MergeMode = 'htp' | 'ltp';

/** Options for a universe. */
export interface UniverseOptions {
  /** 1-based channels that carry intensity: merged HTP and scaled by the grand master. Default none. */
  readonly intensityChannels?: Iterable<number>;
  /**
   * Channels that must stop on PANIC (1-based channel → safe dmxValue), e.g. a hazer's output to 0
   * (`stop` safety). See `setSafety` for the other kinds.
   */
  readonly safeValues?: ReadonlyMap<number, number> | Readonly<Record<number, number>>;
}

/** Safety kinds as stored per channel (0 = none: the channel holds). */
const KIND_CODE: Readonly<Record<SafetyKind, number>> = { dimmer: 1, gate: 2, gateNow: 3, stop: 4 };
const DIMMER = 1;
const GATE = 2;
const GATE_NOW = 3;
const STOP = 4;

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
  /** `levels` four channels to a word: whole-universe writes and renders compare and copy by word. */
  readonly levels32: Uint32Array;
  /** Known to hold every channel (set by a whole-universe `setLevels`, cleared by `release`). */
  activeAll: boolean;
}

/** Words in a universe (four channels each). */
const DMX_WORDS = DMX_CHANNELS / 4;

/**
 * A whole universe's bytes seen as words, remembered for the buffer it was last asked for (playback
 * hands the same buffer every frame): null where the buffer is not word-aligned or not 512 bytes.
 */
class WordView {
  private bytes: Uint8Array | null = null;
  private words: Uint32Array | null = null;

  of(bytes: Uint8Array): Uint32Array | null {
    if (bytes !== this.bytes) {
      this.bytes = bytes;
      this.words = bytes.length === DMX_CHANNELS && bytes.byteOffset % 4 === 0 ? new Uint32Array(bytes.buffer, bytes.byteOffset, DMX_WORDS) : null;
    }
    return this.words;
  }
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
  /** 1 = HTP merge. */
  private readonly intensity = new Uint8Array(DMX_CHANNELS);
  /** Safety kind per channel (`KIND_CODE`, 0 = holds) and its safe value. */
  private readonly kind = new Uint8Array(DMX_CHANNELS);
  private readonly safe = new Uint8Array(DMX_CHANNELS);
  /** The last output, and while PANIC fades the darkest output so far (no channel may rise). */
  private readonly last = new Uint8Array(DMX_CHANNELS);
  private readonly floor = new Uint8Array(DMX_CHANNELS);
  private floorFrom = false;
  private stampCounter = 0;
  private gm: Ramp = { from: 1, to: 1, startMs: 0, durationMs: 0 };
  private panic: Ramp = { from: 0, to: 0, startMs: 0, durationMs: 0 };
  private blackoutOn = false;
  private dirty = true;
  /** The merged values before masters (pre-GM), kept for the console and for PANIC fades. */
  private readonly merged = new Uint8Array(DMX_CHANNELS);
  private readonly inputWords = new WordView();
  private readonly outputWords = new WordView();

  constructor(
    readonly id: UniverseId,
    options: UniverseOptions = {},
  ) {
    for (const ch of options.intensityChannels ?? []) {
      this.setMergeMode(ch, 'htp');
      this.setSafety(ch, 'dimmer', 0);
    }
    const safe = options.safeValues;
    if (safe !== undefined) {
      const entries: Iterable<[number | string, number]> = safe instanceof Map ? safe.entries() : Object.entries(safe);
      for (const [ch, v] of entries) this.setSafety(Number(ch), 'stop', v);
    }
  }

  /** Declares a channel HTP (highest takes precedence) or LTP (latest). */
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

  /**
   * How a channel goes dark or stops, and its safe value (from the fixture model's `ChannelSafety`);
   * `null` makes it hold. A `dimmer` whose safe value is high (a reversed dimmer) merges HTP on
   * brightness, not on the raw value.
   */
  setSafety(channel: number, kind: SafetyKind | null, safeDmxValue = 0): void {
    checkChannel(this.id, channel);
    this.kind[channel - 1] = kind === null ? 0 : KIND_CODE[kind];
    this.safe[channel - 1] = clampDmx(safeDmxValue);
    this.dirty = true;
  }

  /** Adds a source (or changes its priority) and returns it. */
  addSource(source: UniverseSource): UniverseSource {
    const existing = this.sources.get(source.id);
    if (existing !== undefined) {
      existing.priority = source.priority;
    } else {
      const levels = new Uint8Array(DMX_CHANNELS);
      this.sources.set(source.id, {
        id: source.id,
        priority: source.priority,
        levels,
        active: new Uint8Array(DMX_CHANNELS),
        stamp: new Float64Array(DMX_CHANNELS),
        levels32: new Uint32Array(levels.buffer, 0, DMX_WORDS),
        activeAll: false,
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
    if (dmxValues instanceof Uint8Array) {
      // Bytes already (playback's buffers): nothing to clamp.
      const words = s.activeAll && firstChannel === 1 ? this.inputWords.of(dmxValues) : null;
      if (words !== null) {
        // The whole universe over a source that holds it all: four channels per comparison.
        const levels32 = s.levels32;
        const levels = s.levels;
        const stamps = s.stamp;
        for (let w = 0; w < DMX_WORDS; w++) {
          if (levels32[w] === words[w]) continue;
          for (let i = w * 4; i < w * 4 + 4; i++) {
            const v = dmxValues[i]!;
            if (levels[i] === v) continue;
            levels[i] = v;
            stamps[i] = stamp;
          }
          changed = true;
        }
        if (changed) this.dirty = true;
        return;
      }
      const levels = s.levels;
      const active = s.active;
      for (let k = 0; k < dmxValues.length; k++) {
        const i = firstChannel - 1 + k;
        const v = dmxValues[k]!;
        if (active[i] === 1 && levels[i] === v) continue;
        levels[i] = v;
        active[i] = 1;
        s.stamp[i] = stamp;
        changed = true;
      }
      if (firstChannel === 1 && dmxValues.length === DMX_CHANNELS) s.activeAll = true;
      if (changed) this.dirty = true;
      return;
    }
    for (let k = 0; k < dmxValues.length; k++) {
      const i = firstChannel - 1 + k;
      const v = clampDmx(dmxValues[k] ?? 0);
      if (s.active[i] === 1 && s.levels[i] === v) continue;
      s.levels[i] = v;
      s.active[i] = 1;
      s.stamp[i] = stamp;
      changed = true;
    }
    if (firstChannel === 1 && dmxValues.length === DMX_CHANNELS) s.activeAll = true;
    if (changed) this.dirty = true;
  }

  /** Releases channels of a source (all of them when `channels` is omitted). */
  release(sourceId: string, channels?: Iterable<number>): void {
    const s = this.state(sourceId);
    s.activeAll = false;
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

  /**
   * PANIC: every light-making channel to its safe value over `fadeMs` (see the module comment), never
   * brighter on the way. Starting from the last rendered output. A PANIC during a PANIC fade ends no
   * later than the first one would have.
   */
  startPanic(fadeMs: number, nowMs: number): void {
    const p = this.panic;
    const running = p.to === 1;
    const endMs = nowMs + Math.max(0, fadeMs);
    const durationMs = running ? Math.max(0, Math.min(endMs, p.startMs + p.durationMs) - nowMs) : Math.max(0, fadeMs);
    if (!running) {
      this.floor.set(this.last);
      this.floorFrom = true;
    }
    this.panic = { from: rampValue(p, nowMs), to: 1, startMs: nowMs, durationMs };
    this.dirty = true;
  }

  /** Ends PANIC, fading back to the merged look over `fadeMs` (default: at once). */
  clearPanic(fadeMs = 0, nowMs = 0): void {
    this.panic = { from: rampValue(this.panic, nowMs), to: 0, startMs: nowMs, durationMs: Math.max(0, fadeMs) };
    this.floorFrom = false;
    this.dirty = true;
  }

  /** True from `startPanic` until `clearPanic`. */
  get panicking(): boolean {
    return this.panic.to === 1;
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
    const gm = this.gm;
    const p = this.panic;
    return (gm.durationMs > 0 && nowMs < gm.startMs + gm.durationMs) || (p.durationMs > 0 && nowMs < p.startMs + p.durationMs);
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
      // HTP on brightness: a reversed dimmer (safe value high) is brighter the lower its value.
      const flip = this.kind[i] === DIMMER && this.safe[i]! > 127 ? 255 : 0;
      let found = false;
      for (let k = 0; k < n; k++) {
        const s = ordered[k]!;
        if (s.active[i] !== 1) continue;
        if (s.priority < bestPriority) break;
        bestPriority = s.priority;
        const v = s.levels[i]!;
        if (intensity[i] === 1) {
          if (!found || (v ^ flip) > (value ^ flip)) value = v;
          found = true;
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
    this.dirty = false;
    const gm = this.blackoutOn ? 0 : rampValue(this.gm, nowMs);
    const p = rampValue(this.panic, nowMs);
    const level = gm * (1 - p);
    const panicking = this.panic.to === 1 && this.floorFrom;
    if (level === 1 && !panicking && this.ordered.length === 1) return this.renderOneSource(out, nowMs);
    this.merge();
    const merged = this.merged;
    const kind = this.kind;
    const safe = this.safe;
    const floor = this.floor;
    let changed = false;
    for (let i = 0; i < DMX_CHANNELS; i++) {
      let b: number = merged[i]!;
      const k = kind[i]!;
      if (k !== 0) {
        const s = safe[i]!;
        if (k === DIMMER) {
          const v = s + (b - s) * level;
          b = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
          // Never further from safe than the darkest output since PANIC began.
          if (panicking && Math.abs(b - s) > Math.abs(floor[i]! - s)) b = floor[i]!;
        } else if (k === STOP) {
          if (p > 0) b = s;
        } else if (level <= 0 || (k === GATE_NOW && p > 0)) {
          b = s;
        } else if (panicking && k === GATE) {
          b = floor[i]!; // holds as it was when PANIC began, until it closes
        }
        if (panicking) floor[i] = b;
      }
      if (out[i] !== b) {
        out[i] = b;
        changed = true;
      }
    }
    this.rendered(out, nowMs);
    return changed;
  }

  /** After a render: the output kept (PANIC starts from it), and still dirty while a master or PANIC fade runs. */
  private rendered(out: Uint8Array, nowMs: number): void {
    if (out.length === DMX_CHANNELS) this.last.set(out);
    else this.last.set(out.subarray(0, DMX_CHANNELS));
    // While a fade runs, the next render differs again; the first render at or after its end lands the end value.
    if (this.fading(nowMs)) this.dirty = true;
  }

  /**
   * `render` for the common case, written out: one source, masters full, no PANIC — every channel
   * is the source's level (0 where it does not hold the channel), as the general path gives.
   */
  private renderOneSource(out: Uint8Array, nowMs: number): boolean {
    const s = this.ordered[0]!;
    let changed = false;
    const outWords = s.activeAll ? this.outputWords.of(out) : null;
    if (outWords !== null) {
      const levels32 = s.levels32;
      for (let w = 0; w < DMX_WORDS; w++) {
        const v = levels32[w]!;
        if (outWords[w] !== v) {
          outWords[w] = v;
          changed = true;
        }
      }
      this.rendered(out, nowMs);
      return changed;
    }
    const levels = s.levels;
    const active = s.active;
    for (let i = 0; i < DMX_CHANNELS; i++) {
      const b = active[i] === 1 ? levels[i]! : 0;
      if (out[i] !== b) {
        out[i] = b;
        changed = true;
      }
    }
    this.rendered(out, nowMs);
    return changed;
  }
}
