/**
 * Effects bound to the music. A cue's bindings start when the cue fires (after its delay, fading in
 * over its fade-up time) and stop when the department moves on (fading out over the next cue's
 * fade-down time), on STOP, and on PANIC (at once).
 *
 * Each frame a binding turns an audio fact into a value in `range` and writes it over the target
 * fixtures' attribute, blended by the binding's weight, so a running cue's look is the base and the
 * effect rides on it. Engine-clock milliseconds throughout; no allocation per frame.
 */
import { type Binding } from '../show/schema.js';
import { assertNever } from '../errors.js';
import { type AudioFeed } from './audioFeed.js';
import {
  SLOT_BLUE, SLOT_FOCUS, SLOT_GREEN, SLOT_HAZE, SLOT_INTENSITY, SLOT_PAN, SLOT_RED, SLOT_STROBE, SLOT_TILT, SLOT_WHITE,
  SLOT_ZOOM, SLOTS_PER_FIXTURE,
} from './slots.js';

/** Default release of an event envelope (beat, onset, downbeat) when the binding gives none. */
const DEFAULT_EVENT_RELEASE_MS = 150;
/** How long a strobe flash stays on when `attackMs` does not say. */
const DEFAULT_FLASH_MS = 30;

function slotOf(attribute: Binding['attribute']): number {
  switch (attribute) {
    case 'intensity':
      return SLOT_INTENSITY;
    case 'pan':
      return SLOT_PAN;
    case 'tilt':
      return SLOT_TILT;
    case 'zoom':
      return SLOT_ZOOM;
    case 'focus':
      return SLOT_FOCUS;
    case 'strobe':
      return SLOT_STROBE;
    case 'haze':
      return SLOT_HAZE;
    case 'color-hue':
      return SLOT_RED;
    default:
      return assertNever(attribute, 'binding attribute');
  }
}

/** One running binding. */
export class ActiveBinding {
  private readonly slot: number;
  private readonly isEvent: boolean;
  private readonly attackMs: number;
  private readonly releaseMs: number;
  private weightFrom = 0;
  private weightTo = 1;
  private weightStart: number;
  private weightDur: number;
  private smoothed = 0;
  private lastT = NaN;
  private lastX = 0;
  private edgeCount = 0;
  private lastEdgeMs = -Infinity;
  private prevStep = -1;
  private stepStartMs = -Infinity;
  private prevActive = -1;
  /** True once stopped and faded out: the owner drops it. */
  finished = false;

  constructor(
    readonly binding: Binding,
    readonly fixtures: readonly number[],
    startMs: number,
    fadeInMs: number,
    private readonly feed: AudioFeed,
  ) {
    this.slot = slotOf(binding.attribute);
    this.isEvent = binding.source === 'onset' || binding.source === 'beat' || binding.source === 'downbeat';
    this.attackMs = binding.attackMs ?? binding.smoothingMs ?? 0;
    this.releaseMs = binding.releaseMs ?? binding.smoothingMs ?? (this.isEvent ? DEFAULT_EVENT_RELEASE_MS : 0);
    this.weightStart = startMs;
    this.weightDur = fadeInMs;
  }

  /** Fades the binding out from `nowMs` over `fadeOutMs` (0 = at once). */
  stop(nowMs: number, fadeOutMs: number): void {
    this.weightFrom = this.weight(nowMs);
    this.weightTo = 0;
    this.weightStart = nowMs;
    this.weightDur = fadeOutMs;
    if (fadeOutMs <= 0) this.finished = true;
  }

  /** 0..1: how much of the effect shows at `t`. */
  weight(t: number): number {
    if (t < this.weightStart) return this.weightFrom;
    if (t >= this.weightStart + this.weightDur) return this.weightTo;
    return this.weightFrom + ((this.weightTo - this.weightFrom) * (t - this.weightStart)) / this.weightDur;
  }

  private lastEventMs(): number {
    const s = this.binding.source;
    return s === 'beat' ? this.feed.lastBeatMs : s === 'downbeat' ? this.feed.lastDownbeatMs : this.feed.lastOnsetMs;
  }

  private eventCount(): number {
    const s = this.binding.source;
    return s === 'beat' ? this.feed.beatCount : s === 'downbeat' ? this.feed.downbeatCount : this.feed.onsetCount;
  }

  /** Envelope of an event at `eventMs`: attack ramp, then linear release. */
  private envelope(eventMs: number, t: number): number {
    const dt = t - eventMs;
    if (!(dt >= 0)) return 0;
    if (this.attackMs > 0 && dt < this.attackMs) return dt / this.attackMs;
    const rel = this.releaseMs > 0 ? this.releaseMs : DEFAULT_FLASH_MS;
    const v = 1 - (dt - this.attackMs) / rel;
    return v > 0 ? v : 0;
  }

  /** The raw 0..1 input at `t`. */
  private input(t: number): number {
    const s = this.binding.source;
    switch (s) {
      case 'rms':
      case 'loudness':
      case 'flux':
      case 'centroid':
        return this.feed.level(s);
      case 'beat-phase':
        return this.feed.beatPhase(t);
      case 'bar-phase':
        return this.feed.barPhase(t);
      case 'onset':
      case 'beat':
      case 'downbeat':
        return this.envelope(this.lastEventMs(), t);
      default:
        return assertNever(s, 'binding source');
    }
  }

  /** Writes the effect into `slots` at engine time `t`. No allocation. */
  apply(t: number, slots: Float64Array): void {
    const w = this.weight(t);
    if (this.weightTo === 0 && t >= this.weightStart + this.weightDur) this.finished = true;
    const dt = Number.isNaN(this.lastT) ? 0 : Math.max(0, t - this.lastT);
    this.lastT = t;
    const x = this.input(t);
    if (!this.isEvent && x >= 0.5 && this.lastX < 0.5) {
      this.edgeCount++;
      this.lastEdgeMs = t;
    }
    this.lastX = x;
    if (w <= 0) return;
    const [lo, hi] = this.binding.range;
    const n = this.fixtures.length;
    const mode = this.binding.mode;
    switch (mode) {
      case 'follow': {
        if (this.isEvent) this.smoothed = x;
        else {
          const tau = x > this.smoothed ? this.attackMs : this.releaseMs;
          this.smoothed = tau > 0 ? this.smoothed + (x - this.smoothed) * (1 - Math.exp(-dt / tau)) : x;
        }
        const v = lo + (hi - lo) * this.smoothed;
        for (let i = 0; i < n; i++) this.write(slots, this.fixtures[i]!, v, w);
        return;
      }
      case 'pulse': {
        if (this.isEvent) this.smoothed = x;
        else {
          const fallen = this.releaseMs > 0 ? this.smoothed - dt / this.releaseMs : 0;
          this.smoothed = x > fallen ? x : fallen;
        }
        const v = lo + (hi - lo) * this.smoothed;
        for (let i = 0; i < n; i++) this.write(slots, this.fixtures[i]!, v, w);
        return;
      }
      case 'strobe': {
        const since = t - (this.isEvent ? this.lastEventMs() : this.lastEdgeMs);
        const on = since >= 0 && since < (this.binding.attackMs ?? DEFAULT_FLASH_MS);
        const v = on ? hi : lo;
        for (let i = 0; i < n; i++) this.write(slots, this.fixtures[i]!, v, w);
        return;
      }
      case 'chase': {
        let step: number;
        if (this.isEvent) step = this.eventCount() - 1;
        else if (this.binding.source === 'beat-phase' || this.binding.source === 'bar-phase') step = Math.floor(x * n);
        else step = this.edgeCount - 1;
        if (step !== this.prevStep) {
          this.prevActive = this.prevStep < 0 ? -1 : this.prevStep % n;
          this.prevStep = step;
          this.stepStartMs = t;
        }
        const active = step < 0 ? -1 : step % n;
        const since = t - this.stepStartMs;
        const rise = this.attackMs > 0 && since < this.attackMs ? since / this.attackMs : 1;
        const fall = this.releaseMs > 0 ? Math.max(0, 1 - since / this.releaseMs) : 0;
        for (let i = 0; i < n; i++) {
          const e = i === active ? rise : i === this.prevActive ? Math.max(fall, 0) : 0;
          this.write(slots, this.fixtures[i]!, lo + (hi - lo) * e, w);
        }
        return;
      }
      default:
        assertNever(mode, 'binding mode');
    }
  }

  private write(slots: Float64Array, fixture: number, v: number, w: number): void {
    const base = fixture * SLOTS_PER_FIXTURE;
    if (this.slot === SLOT_RED) {
      // Hue in degrees → fully saturated RGB.
      const h = (((v % 360) + 360) % 360) / 60;
      const c = 1 - Math.abs((h % 2) - 1);
      const r = h < 1 || h >= 5 ? 1 : h < 2 ? c : h >= 4 ? c : 0;
      const g = h < 1 ? c : h < 3 ? 1 : h < 4 ? c : 0;
      const b = h < 2 ? 0 : h < 3 ? c : h < 5 ? 1 : c;
      blend(slots, base + SLOT_RED, r, w);
      blend(slots, base + SLOT_GREEN, g, w);
      blend(slots, base + SLOT_BLUE, b, w);
      blend(slots, base + SLOT_WHITE, 0, w);
      return;
    }
    blend(slots, base + this.slot, v, w);
  }
}

function blend(slots: Float64Array, s: number, v: number, w: number): void {
  const base = slots[s]!;
  slots[s] = Number.isNaN(base) || w >= 1 ? v : base + (v - base) * w;
}
