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
/** Samples further apart than this (the meter was not sampled: a stall, a paused replay) count this long at most. */
const MAX_STEP_MS = 1000;
/** Strobe rates the renderer is asked about to find a channel's strobe values. */
const PROBE_HZ = [0.5, 1, 2, 4, 8, 12, 16, 20, 25, 30];

/**
 * One fixture's meter. Accounting is lazy: a state (lit, a lamp on, strobing) records the measured
 * span at which it began, and its time is added when it ends or a report is asked for — so a sample
 * in which nothing this meter watches changed costs nothing per fixture. "Span" is the sum of the
 * sample steps (each capped at MAX_STEP_MS), so the totals are those of adding every step.
 */
interface Meter {
  readonly fixture: PatchedFixture;
  /** Channel indexes in the universe's buffer (channel 1 at 0), precomputed once. */
  readonly dimmers: Int32Array;
  readonly emitters: Int32Array;
  /** Lamp/LED channels reported: the dimmers and the emitters (`lampEmitter`: 1 for an emitter). */
  readonly lampNames: readonly string[];
  readonly lamps: Int32Array;
  readonly lampEmitter: Uint8Array;
  readonly strobeAt: Int32Array;
  readonly strobeLo: Uint8Array;
  readonly strobeHi: Uint8Array;
  readonly motors: Int32Array;
  /** Closed time per lamp, and the span at which each lamp now on came on (NaN: off). */
  readonly onMs: Float64Array;
  readonly onSince: Float64Array;
  litMs: number;
  litSince: number;
  strobes: number;
  strobeMs: number;
  strobeSince: number;
  moves: number;
  readonly lastMotor: Uint8Array;
  hasLastMotor: boolean;
  /** Span at the last sample where pan/tilt changed (NaN: never). */
  lastMoveSpan: number;
}

/** One universe's fixtures, which of its channels they watch, and the outputs seen at the last sample. */
interface UniverseMeters {
  readonly id: number;
  readonly meters: Meter[];
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
 * and then in one flat pass over precomputed channel indexes: a 256-universe rig mid-fade costs a
 * 512-byte compare per universe per sample.
 */
export class UsageMeter {
  private readonly meters: Meter[] = [];
  private readonly universes: UniverseMeters[] = [];
  private lastMs: number | undefined;
  private spanMs = 0;

  constructor(fixtures: readonly PatchedFixture[], profiles: ReadonlyMap<string, FixtureProfile>) {
    const slots = new Map<number, UniverseMeters>();
    for (const f of fixtures) {
      const p = profiles.get(f.id);
      if (p === undefined) continue;
      const base = f.address - 1;
      const abs = (offsets: readonly number[]): Int32Array => Int32Array.from(offsets, (o) => base + o);
      const coarse = p.channels.filter((c) => c.byte === 0);
      const dimmers = coarse.filter((c) => c.attribute === 'intensity');
      const emitters = coarse.filter((c) => c.emitter !== undefined && c.attribute === 'color');
      const lamps = [...dimmers.map((c) => ({ offset: c.offset, name: c.name, emitter: 0 })), ...emitters.map((c) => ({ offset: c.offset, name: c.name, emitter: 1 }))];
      const strobe = strobeChannels(p);
      const motors = p.channels.filter((c) => c.attribute === 'pan' || c.attribute === 'tilt').map((c) => c.offset);
      let u = slots.get(f.universe);
      if (u === undefined) {
        u = { id: f.universe, meters: [], watch: new Uint8Array(512), last: new Uint8Array(512), seen: false };
        slots.set(f.universe, u);
        this.universes.push(u);
      }
      const m: Meter = {
        fixture: f,
        dimmers: abs(dimmers.map((c) => c.offset)), emitters: abs(emitters.map((c) => c.offset)),
        lampNames: lamps.map((l) => l.name), lamps: abs(lamps.map((l) => l.offset)), lampEmitter: Uint8Array.from(lamps, (l) => l.emitter),
        strobeAt: abs(strobe.map((x) => x.offset)), strobeLo: Uint8Array.from(strobe, (x) => x.lo), strobeHi: Uint8Array.from(strobe, (x) => x.hi),
        motors: abs(motors),
        onMs: new Float64Array(lamps.length), onSince: new Float64Array(lamps.length).fill(NaN),
        litMs: 0, litSince: NaN, strobes: 0, strobeMs: 0, strobeSince: NaN, moves: 0,
        lastMotor: new Uint8Array(motors.length), hasLastMotor: false, lastMoveSpan: NaN,
      };
      for (const i of [...m.dimmers, ...m.lamps]) if (i < 512) u.watch[i] = Math.max(u.watch[i]!, 1);
      for (const i of [...m.strobeAt, ...m.motors]) if (i < 512) u.watch[i] = 2;
      this.meters.push(m);
      u.meters.push(m);
    }
  }

  /** One sample of the outputs at engine time `tMs` (channel 1 at index 0 of each universe's buffer). */
  sample(tMs: number, outputs: ReadonlyMap<number, Uint8Array>): void {
    const dt = this.lastMs === undefined ? 0 : Math.max(0, Math.min(MAX_STEP_MS, tMs - this.lastMs));
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
      for (let mi = 0; mi < u.meters.length; mi++) measure(u.meters[mi]!, out, since, this.spanMs);
    }
  }

  /** What was measured so far. */
  report(): UsageReport {
    const s = (ms: number): number => Math.round(ms) / 1000;
    return {
      v: USAGE_FORMAT_VERSION,
      spanS: s(this.spanMs),
      fixtures: this.meters.map((m) => fixtureReport(m, this.spanMs, s)),
    };
  }

  /**
   * `report()` as JSON text, built a slice of fixtures per turn of the event loop (`yieldTurn`
   * between slices), so a rig of tens of thousands of fixtures never stops the frame loop for the
   * whole of it. Parses to exactly what `report()` returns.
   */
  async reportJson(yieldTurn: () => Promise<void>, slice = 1000): Promise<string> {
    const s = (ms: number): number => Math.round(ms) / 1000;
    const parts: string[] = [`{"v":${USAGE_FORMAT_VERSION},"spanS":${s(this.spanMs)},"fixtures":[`];
    const meters = [...this.meters];
    for (let i = 0; i < meters.length; i += slice) {
      if (i > 0) await yieldTurn();
      const chunk = meters.slice(i, i + slice).map((m) => JSON.stringify(fixtureReport(m, this.spanMs, s)));
      parts.push(`${i > 0 ? ',\n' : '\n'}${chunk.join(',\n')}`);
    }
    parts.push(']}\n');
    return parts.join('');
  }
}

function fixtureReport(m: Meter, span: number, s: (ms: number) => number): FixtureUsage {
  const open = (since: number): number => (Number.isNaN(since) ? 0 : span - since);
  return {
    id: m.fixture.id,
    type: m.fixture.type,
    ...(m.fixture.label !== undefined ? { label: m.fixture.label } : {}),
    litS: s(m.litMs + open(m.litSince)),
    channels: m.lampNames.map((name, i) => ({ name, onS: s(m.onMs[i]! + open(m.onSince[i]!)) })),
    strobes: m.strobes,
    strobeS: s(m.strobeMs + open(m.strobeSince)),
    moves: m.moves,
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

/**
 * Reads a fixture's lamps, emitters, strobe and pan/tilt channels: states that ended close their time
 * at `since` (the span before this step), and new ones begin there.
 */
function measure(m: Meter, out: Uint8Array, since: number, span: number): void {
  let dimmerUp = m.dimmers.length === 0;
  for (let i = 0; i < m.dimmers.length; i++) if ((out[m.dimmers[i]!] ?? 0) > 0) dimmerUp = true;
  let emitting: boolean;
  if (m.emitters.length === 0) emitting = m.dimmers.length > 0 && dimmerUp;
  else {
    emitting = false;
    if (dimmerUp) for (let i = 0; i < m.emitters.length; i++) if ((out[m.emitters[i]!] ?? 0) > 0) emitting = true;
  }
  if (emitting !== !Number.isNaN(m.litSince)) {
    if (emitting) m.litSince = since;
    else {
      m.litMs += since - m.litSince;
      m.litSince = NaN;
    }
  }
  for (let i = 0; i < m.lamps.length; i++) {
    const on = (out[m.lamps[i]!] ?? 0) > 0 && (m.lampEmitter[i] === 0 || dimmerUp);
    if (on === !Number.isNaN(m.onSince[i]!)) continue;
    if (on) m.onSince[i] = since;
    else {
      m.onMs[i]! += since - m.onSince[i]!;
      m.onSince[i] = NaN;
    }
  }
  let strobing = false;
  if (emitting) {
    for (let i = 0; i < m.strobeAt.length; i++) {
      const v = out[m.strobeAt[i]!] ?? 0;
      if (v >= m.strobeLo[i]! && v <= m.strobeHi[i]!) strobing = true;
    }
  }
  if (strobing !== !Number.isNaN(m.strobeSince)) {
    if (strobing) {
      m.strobes++;
      m.strobeSince = since;
    } else {
      m.strobeMs += since - m.strobeSince;
      m.strobeSince = NaN;
    }
  }
  if (m.motors.length > 0) {
    let changed = false;
    for (let i = 0; i < m.motors.length; i++) {
      const v = out[m.motors[i]!] ?? 0;
      if (m.hasLastMotor && v !== m.lastMotor[i]) changed = true;
      m.lastMotor[i] = v;
    }
    m.hasLastMotor = true;
    if (changed) {
      // Still for STILL_MS since the last change (counted up to the previous sample): a new move.
      const moving = !Number.isNaN(m.lastMoveSpan) && since - m.lastMoveSpan < STILL_MS;
      if (!moving) m.moves++;
      m.lastMoveSpan = span;
    }
  }
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
