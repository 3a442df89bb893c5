/**
 * Fixture usage, measured from what the engine really sent (after merge, grand master, blackout and
 * PANIC): per fixture the time it made light, per lamp/LED channel the time it was above 0, how often
 * it strobed and how often its pan/tilt motors started a move. A run writes this as
 * `fixtures-usage.json`; summed over a show's runs and held against the show's `maintenance`
 * thresholds it gives the crew a maintenance hint ("par3 has been lit 1 520 h: check its LED engine").
 *
 * Which DMX values strobe is asked of the fixture profile's own renderer (the one place that maps a
 * look's `strobeHz` to a channel value), so the meter never keeps a second copy of a fixture's ranges.
 * Pure: sample it with the universes' outputs and the scheduler's time.
 */
import { z } from 'zod';
import type { FixtureProfile } from '../fixtures/profile.js';
import type { PatchedFixture } from '../show/schema.js';

/** The usage file format this build writes. */
export const USAGE_FORMAT_VERSION = 1;

/** Usage of one lamp or LED channel. */
export interface ChannelUsage {
  /** The channel's name in the fixture definition (`Dimmer`, `Red`…). */
  readonly name: string;
  /** Seconds above 0 while the fixture could make light (its dimmer, when it has one, above 0 too). */
  readonly onS: number;
}

/** Usage of one fixture. */
export interface FixtureUsage {
  readonly id: string;
  readonly type: string;
  readonly label?: string;
  /** Seconds the fixture made light. */
  readonly litS: number;
  readonly channels: readonly ChannelUsage[];
  /** Strobe starts, and seconds strobing. */
  readonly strobes: number;
  readonly strobeS: number;
  /** Pan/tilt moves started. */
  readonly moves: number;
}

/** What a run (or a sum of runs) used. */
export interface UsageReport {
  readonly v: number;
  /** Seconds measured. */
  readonly spanS: number;
  readonly fixtures: readonly FixtureUsage[];
}

const seconds = z.number().nonnegative().refine(Number.isFinite, 'a finite number');
/** Validates a `fixtures-usage.json` read back. */
export const usageReportSchema = z.object({
  v: z.literal(USAGE_FORMAT_VERSION),
  spanS: seconds,
  fixtures: z.array(
    z.object({
      id: z.string(),
      type: z.string(),
      label: z.string().optional(),
      litS: seconds,
      channels: z.array(z.object({ name: z.string(), onS: seconds })),
      strobes: z.number().int().nonnegative(),
      strobeS: seconds,
      moves: z.number().int().nonnegative(),
    }),
  ),
});

/** A move is over when pan/tilt has been still this long. */
const STILL_MS = 300;
/**
 * Samples further apart than this (the meter was not sampled: a stall, a paused replay) count this
 * long at most; whoever samples must do so at least this often, also while nothing changes.
 */
export const USAGE_MAX_STEP_MS = 1000;
/** Strobe rates the renderer is asked about to find a channel's strobe values. */
const PROBE_HZ = [0.5, 1, 2, 4, 8, 12, 16, 20, 25, 30];

/** What a fixture type (one profile) is metered by: channel offsets from the fixture's first channel. */
interface MeterKind {
  readonly dimmers: Int32Array;
  readonly emitters: Int32Array;
  /** Lamp/LED channels reported: the dimmers, then the emitters (`lampEmitter`: 1 for an emitter). */
  readonly lampNames: readonly string[];
  readonly lamps: Int32Array;
  readonly lampEmitter: Uint8Array;
  readonly strobeAt: Int32Array;
  readonly strobeLo: Uint8Array;
  readonly strobeHi: Uint8Array;
  readonly motors: Int32Array;
}

/** One universe's fixtures (indexes), which of its channels they watch, and the outputs seen at the last sample. */
interface UniverseMeters {
  readonly id: number;
  readonly fixtures: Int32Array;
  /** Per channel: 0 unwatched, 1 a lamp (only on/off matters), 2 strobe or pan/tilt (every value matters). */
  readonly watch: Uint8Array;
  readonly last: Uint8Array;
  seen: boolean;
}

/** The offsets at which a strobe look writes other values than a still one, and the range of those values. */
export function strobeChannels(profile: FixtureProfile): { offset: number; lo: number; hi: number }[] {
  const still = new Uint8Array(profile.footprint);
  profile.render({ intensity: 1 }, still);
  const probe = new Uint8Array(profile.footprint);
  const ranges = new Map<number, { lo: number; hi: number }>();
  for (const hz of PROBE_HZ) {
    profile.render({ intensity: 1, strobeHz: hz }, probe);
    for (const ch of profile.channels) {
      if (ch.byte !== 0 || probe[ch.offset] === still[ch.offset]) continue;
      const v = probe[ch.offset]!;
      const r = ranges.get(ch.offset);
      ranges.set(ch.offset, r === undefined ? { lo: v, hi: v } : { lo: Math.min(r.lo, v), hi: Math.max(r.hi, v) });
    }
  }
  return [...ranges].map(([offset, r]) => ({ offset, ...r }));
}

/**
 * Measures fixture usage from the universes' outputs. A universe is read only when a channel its
 * fixtures watch changed in a way that matters (a lamp going on or off, a strobe or pan/tilt value),
 * and then in one flat pass over precomputed channel offsets: a 256-universe rig mid-fade costs a
 * 512-byte compare per universe per sample.
 *
 * Accounting is lazy: a state (lit, a lamp on, strobing) keeps the measured span at which it began,
 * and its time is added when it ends or a report is asked for, so a fixture whose universe did not
 * change costs nothing. "Span" is the sum of the sample steps (each capped at USAGE_MAX_STEP_MS), so the
 * totals are those of adding every step. State lives in typed arrays indexed by fixture (and by lamp
 * and motor): a rig of 32,768 fixtures keeps a few MB, not an object graph per fixture.
 */
export class UsageMeter {
  private readonly fixtures: readonly PatchedFixture[];
  private readonly kinds: MeterKind[] = [];
  private readonly universes: UniverseMeters[] = [];
  /** Per fixture: its kind, its first channel's index in its universe, its first lamp and motor in the per-lamp and per-motor arrays. */
  private readonly kindOf: Int32Array;
  private readonly base: Int32Array;
  private readonly lampStart: Int32Array;
  private readonly motorStart: Int32Array;
  /** Per fixture: closed times (ms of span), the span at which an open state began (NaN: not in it). */
  private readonly litMs: Float64Array;
  private readonly litSince: Float64Array;
  private readonly strobeMs: Float64Array;
  private readonly strobeSince: Float64Array;
  private readonly strobes: Uint32Array;
  private readonly moves: Uint32Array;
  /** Span at the last sample where the fixture's pan/tilt changed (NaN: never), and whether its motors were read yet. */
  private readonly lastMoveSpan: Float64Array;
  private readonly motorsSeen: Uint8Array;
  /** Per lamp: closed on-time and the span it came on at (NaN: off). Per motor: its last value. */
  private readonly onMs: Float64Array;
  private readonly onSince: Float64Array;
  private readonly lastMotor: Uint8Array;
  private lastMs: number | undefined;
  private spanMs = 0;

  constructor(fixtures: readonly PatchedFixture[], profiles: ReadonlyMap<string, FixtureProfile>) {
    const metered = fixtures.filter((f) => profiles.has(f.id));
    this.fixtures = metered;
    const n = metered.length;
    this.kindOf = new Int32Array(n);
    this.base = new Int32Array(n);
    this.lampStart = new Int32Array(n + 1);
    this.motorStart = new Int32Array(n + 1);
    const kindIndex = new Map<FixtureProfile, number>();
    const byUniverse = new Map<number, number[]>();
    metered.forEach((f, i) => {
      const p = profiles.get(f.id)!;
      let k = kindIndex.get(p);
      if (k === undefined) {
        k = this.kinds.length;
        this.kinds.push(meterKind(p));
        kindIndex.set(p, k);
      }
      const kind = this.kinds[k]!;
      this.kindOf[i] = k;
      this.base[i] = f.address - 1;
      this.lampStart[i + 1] = this.lampStart[i]! + kind.lamps.length;
      this.motorStart[i + 1] = this.motorStart[i]! + kind.motors.length;
      let list = byUniverse.get(f.universe);
      if (list === undefined) byUniverse.set(f.universe, (list = []));
      list.push(i);
    });
    for (const [id, list] of byUniverse) {
      const watch = new Uint8Array(512);
      for (const i of list) {
        const kind = this.kinds[this.kindOf[i]!]!;
        const at = this.base[i]!;
        for (const o of [...kind.dimmers, ...kind.lamps]) if (at + o < 512) watch[at + o] = Math.max(watch[at + o]!, 1);
        for (const o of [...kind.strobeAt, ...kind.motors]) if (at + o < 512) watch[at + o] = 2;
      }
      this.universes.push({ id, fixtures: Int32Array.from(list), watch, last: new Uint8Array(512), seen: false });
    }
    this.litMs = new Float64Array(n);
    this.litSince = new Float64Array(n).fill(NaN);
    this.strobeMs = new Float64Array(n);
    this.strobeSince = new Float64Array(n).fill(NaN);
    this.strobes = new Uint32Array(n);
    this.moves = new Uint32Array(n);
    this.lastMoveSpan = new Float64Array(n).fill(NaN);
    this.motorsSeen = new Uint8Array(n);
    this.onMs = new Float64Array(this.lampStart[n]!);
    this.onSince = new Float64Array(this.lampStart[n]!).fill(NaN);
    this.lastMotor = new Uint8Array(this.motorStart[n]!);
  }

  /** One sample of the outputs at engine time `tMs` (channel 1 at index 0 of each universe's buffer). */
  sample(tMs: number, outputs: ReadonlyMap<number, Uint8Array>): void {
    const dt = this.lastMs === undefined ? 0 : Math.max(0, Math.min(USAGE_MAX_STEP_MS, tMs - this.lastMs));
    this.lastMs = tMs;
    // States read now hold since the previous sample: they begin at the span before this step.
    const since = this.spanMs;
    this.spanMs += dt;
    for (let ui = 0; ui < this.universes.length; ui++) {
      const u = this.universes[ui]!;
      const out = outputs.get(u.id);
      if (out === undefined || (u.seen && !mattersChanged(u, out))) continue;
      u.last.fill(0);
      u.last.set(out.length > 512 ? out.subarray(0, 512) : out);
      u.seen = true;
      for (let k = 0; k < u.fixtures.length; k++) this.measure(u.fixtures[k]!, out, since);
    }
  }

  /** Reads fixture `i`'s channels: states that ended close their time at `since` (the span before this step), and new ones begin there. */
  private measure(i: number, out: Uint8Array, since: number): void {
    const kind = this.kinds[this.kindOf[i]!]!;
    const at = this.base[i]!;
    const { dimmers, emitters, lamps, lampEmitter, strobeAt, strobeLo, strobeHi, motors } = kind;
    let dimmerUp = dimmers.length === 0;
    for (let j = 0; j < dimmers.length; j++) if ((out[at + dimmers[j]!] ?? 0) > 0) dimmerUp = true;
    let emitting: boolean;
    if (emitters.length === 0) emitting = dimmers.length > 0 && dimmerUp;
    else {
      emitting = false;
      if (dimmerUp) for (let j = 0; j < emitters.length; j++) if ((out[at + emitters[j]!] ?? 0) > 0) emitting = true;
    }
    const litSince = this.litSince[i]!;
    if (emitting === (litSince !== litSince)) {
      if (emitting) this.litSince[i] = since;
      else {
        this.litMs[i]! += since - litSince;
        this.litSince[i] = NaN;
      }
    }
    const l0 = this.lampStart[i]!;
    for (let j = 0; j < lamps.length; j++) {
      const on = (out[at + lamps[j]!] ?? 0) > 0 && (lampEmitter[j] === 0 || dimmerUp);
      const onSince = this.onSince[l0 + j]!;
      if (on !== (onSince !== onSince)) continue;
      if (on) this.onSince[l0 + j] = since;
      else {
        this.onMs[l0 + j]! += since - onSince;
        this.onSince[l0 + j] = NaN;
      }
    }
    let strobing = false;
    if (emitting) {
      for (let j = 0; j < strobeAt.length; j++) {
        const v = out[at + strobeAt[j]!] ?? 0;
        if (v >= strobeLo[j]! && v <= strobeHi[j]!) strobing = true;
      }
    }
    const strobeSince = this.strobeSince[i]!;
    if (strobing === (strobeSince !== strobeSince)) {
      if (strobing) {
        this.strobes[i]!++;
        this.strobeSince[i] = since;
      } else {
        this.strobeMs[i]! += since - strobeSince;
        this.strobeSince[i] = NaN;
      }
    }
    if (motors.length > 0) {
      const m0 = this.motorStart[i]!;
      const seen = this.motorsSeen[i] === 1;
      let changed = false;
      for (let j = 0; j < motors.length; j++) {
        const v = out[at + motors[j]!] ?? 0;
        if (seen && v !== this.lastMotor[m0 + j]) changed = true;
        this.lastMotor[m0 + j] = v;
      }
      this.motorsSeen[i] = 1;
      if (changed) {
        // Still for STILL_MS since the last change (counted up to the previous sample): a new move.
        const last = this.lastMoveSpan[i]!;
        const moving = last === last && since - last < STILL_MS;
        if (!moving) this.moves[i]!++;
        this.lastMoveSpan[i] = this.spanMs;
      }
    }
  }

  /** What was measured so far. */
  report(): UsageReport {
    const fixtures: FixtureUsage[] = [];
    for (let i = 0; i < this.fixtures.length; i++) fixtures.push(this.fixtureReport(i));
    return { v: USAGE_FORMAT_VERSION, spanS: seconds3(this.spanMs), fixtures };
  }

  /**
   * `report()` as JSON text, built a slice of fixtures per turn of the event loop (`yieldTurn`
   * between slices), so a rig of tens of thousands of fixtures never stops the frame loop for the
   * whole of it. Parses to exactly what `report()` returns.
   */
  async reportJson(yieldTurn: () => Promise<void>, slice = 1000): Promise<string> {
    const parts: string[] = [`{"v":${USAGE_FORMAT_VERSION},"spanS":${seconds3(this.spanMs)},"fixtures":[`];
    const n = this.fixtures.length;
    for (let i = 0; i < n; i += slice) {
      if (i > 0) await yieldTurn();
      const chunk: string[] = [];
      for (let j = i; j < Math.min(n, i + slice); j++) chunk.push(JSON.stringify(this.fixtureReport(j)));
      parts.push(`${i > 0 ? ',\n' : '\n'}${chunk.join(',\n')}`);
    }
    parts.push(']}\n');
    return parts.join('');
  }

  private fixtureReport(i: number): FixtureUsage {
    const f = this.fixtures[i]!;
    const kind = this.kinds[this.kindOf[i]!]!;
    const span = this.spanMs;
    const open = (since: number): number => (since !== since ? 0 : span - since);
    const l0 = this.lampStart[i]!;
    return {
      id: f.id,
      type: f.type,
      ...(f.label !== undefined ? { label: f.label } : {}),
      litS: seconds3(this.litMs[i]! + open(this.litSince[i]!)),
      channels: kind.lampNames.map((name, j) => ({ name, onS: seconds3(this.onMs[l0 + j]! + open(this.onSince[l0 + j]!)) })),
      strobes: this.strobes[i]!,
      strobeS: seconds3(this.strobeMs[i]! + open(this.strobeSince[i]!)),
      moves: this.moves[i]!,
    };
  }
}

/** Milliseconds as seconds, to the millisecond. */
function seconds3(ms: number): number {
  return Math.round(ms) / 1000;
}

/** What a profile is metered by (once per profile, however many fixtures share it). */
function meterKind(p: FixtureProfile): MeterKind {
  const coarse = p.channels.filter((c) => c.byte === 0);
  const dimmers = coarse.filter((c) => c.attribute === 'intensity');
  const emitters = coarse.filter((c) => c.emitter !== undefined && c.attribute === 'color');
  const lamps = [...dimmers.map((c) => ({ offset: c.offset, name: c.name, emitter: 0 })), ...emitters.map((c) => ({ offset: c.offset, name: c.name, emitter: 1 }))];
  const strobe = strobeChannels(p);
  return {
    dimmers: Int32Array.from(dimmers, (c) => c.offset),
    emitters: Int32Array.from(emitters, (c) => c.offset),
    lampNames: lamps.map((l) => l.name),
    lamps: Int32Array.from(lamps, (l) => l.offset),
    lampEmitter: Uint8Array.from(lamps, (l) => l.emitter),
    strobeAt: Int32Array.from(strobe, (x) => x.offset),
    strobeLo: Uint8Array.from(strobe, (x) => x.lo),
    strobeHi: Uint8Array.from(strobe, (x) => x.hi),
    motors: Int32Array.from(p.channels.filter((c) => c.attribute === 'pan' || c.attribute === 'tilt'), (c) => c.offset),
  };
}

/** Whether a channel the universe's fixtures watch changed in a way that matters since the last sample. */
function mattersChanged(u: UniverseMeters, out: Uint8Array): boolean {
  const { watch, last } = u;
  for (let i = 0; i < 512; i++) {
    const w = watch[i]!;
    if (w === 0) continue;
    const v = out[i] ?? 0;
    const was = last[i]!;
    if (w === 2 ? v !== was : (v > 0) !== (was > 0)) return true;
  }
  return false;
}

/** Adds usage reports (several runs of a show) fixture by fixture, channel by channel. */
export function sumUsage(reports: readonly UsageReport[]): UsageReport {
  const byId = new Map<string, { f: FixtureUsage; channels: Map<string, number> }>();
  let spanS = 0;
  for (const r of reports) {
    spanS += r.spanS;
    for (const f of r.fixtures) {
      const e = byId.get(f.id);
      if (e === undefined) {
        byId.set(f.id, { f: { ...f, channels: [] }, channels: new Map(f.channels.map((c) => [c.name, c.onS])) });
        continue;
      }
      e.f = { ...e.f, litS: e.f.litS + f.litS, strobes: e.f.strobes + f.strobes, strobeS: e.f.strobeS + f.strobeS, moves: e.f.moves + f.moves };
      for (const c of f.channels) e.channels.set(c.name, (e.channels.get(c.name) ?? 0) + c.onS);
    }
  }
  const round = (x: number): number => Math.round(x * 1000) / 1000;
  return {
    v: USAGE_FORMAT_VERSION,
    spanS: round(spanS),
    fixtures: [...byId.values()].map(({ f, channels }) => ({ ...f, litS: round(f.litS), strobeS: round(f.strobeS), channels: [...channels].map(([name, onS]) => ({ name, onS: round(onS) })) })),
  };
}

/** Maintenance thresholds (the show's `maintenance`, with per-fixture overrides applied). */
export interface MaintenanceLimits {
  readonly litHours?: number | undefined;
  readonly strobes?: number | undefined;
  readonly moves?: number | undefined;
}

/** A fixture past one of its thresholds, in one sentence a crew can act on. */
export interface MaintenanceHint {
  readonly fixture: string;
  readonly what: 'litHours' | 'strobes' | 'moves';
  readonly value: number;
  readonly limit: number;
  readonly text: string;
}

/** The hints for every fixture past a threshold (`limitsFor` gives each fixture's limits). */
export function maintenanceHints(usage: UsageReport, limitsFor: (fixtureId: string) => MaintenanceLimits): MaintenanceHint[] {
  const hints: MaintenanceHint[] = [];
  for (const f of usage.fixtures) {
    const limits = limitsFor(f.id);
    const name = f.label !== undefined ? `${f.id} (${f.label})` : f.id;
    const hours = f.litS / 3600;
    if (limits.litHours !== undefined && hours >= limits.litHours) {
      hints.push({ fixture: f.id, what: 'litHours', value: hours, limit: limits.litHours, text: `${name} has made light for ${hours.toFixed(hours < 10 ? 2 : 1)} h (threshold ${limits.litHours} h): check the lamp or LED engine and its cooling, then reset its count (maintenance.fixtures.${f.id}.since).` });
    }
    if (limits.strobes !== undefined && f.strobes >= limits.strobes) {
      hints.push({ fixture: f.id, what: 'strobes', value: f.strobes, limit: limits.strobes, text: `${name} has strobed ${f.strobes} times (threshold ${limits.strobes}): check the shutter or strobe driver.` });
    }
    if (limits.moves !== undefined && f.moves >= limits.moves) {
      hints.push({ fixture: f.id, what: 'moves', value: f.moves, limit: limits.moves, text: `${name} has made ${f.moves} pan/tilt moves (threshold ${limits.moves}): check the belts, motors and the home position.` });
    }
  }
  return hints;
}
