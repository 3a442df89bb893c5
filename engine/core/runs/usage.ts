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

interface Meter {
  readonly fixture: PatchedFixture;
  /** Index of the fixture's universe in the meter's universe list. */
  readonly slot: number;
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
  onMs: Float64Array;
  /** The lamps that were on at the last sample (reused while the universe does not change). */
  readonly lampOn: Uint8Array;
  emitting: boolean;
  litMs: number;
  strobes: number;
  strobeMs: number;
  strobing: boolean;
  moves: number;
  readonly lastMotor: Uint8Array;
  hasLastMotor: boolean;
  moving: boolean;
  stillMs: number;
}

/** One universe's fixtures and the outputs seen at the last sample. */
interface UniverseMeters {
  readonly id: number;
  readonly meters: Meter[];
  readonly last: Uint8Array;
  seen: boolean;
}

/** The offsets at which a strobe look writes other values than a still one, and the range of those values. */
function strobeChannels(profile: FixtureProfile): { offset: number; lo: number; hi: number }[] {
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
 * Measures fixture usage from the universes' outputs. Sampling is one flat pass over precomputed
 * channel indexes, and a universe whose output did not change since the last sample reuses what it
 * found then (a 256-universe rig at rest costs a compare per universe).
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
        u = { id: f.universe, meters: [], last: new Uint8Array(512), seen: false };
        slots.set(f.universe, u);
        this.universes.push(u);
      }
      const m: Meter = {
        fixture: f, slot: this.universes.indexOf(u),
        dimmers: abs(dimmers.map((c) => c.offset)), emitters: abs(emitters.map((c) => c.offset)),
        lampNames: lamps.map((l) => l.name), lamps: abs(lamps.map((l) => l.offset)), lampEmitter: Uint8Array.from(lamps, (l) => l.emitter),
        strobeAt: abs(strobe.map((x) => x.offset)), strobeLo: Uint8Array.from(strobe, (x) => x.lo), strobeHi: Uint8Array.from(strobe, (x) => x.hi),
        motors: abs(motors),
        onMs: new Float64Array(lamps.length), lampOn: new Uint8Array(lamps.length), emitting: false,
        litMs: 0, strobes: 0, strobeMs: 0, strobing: false, moves: 0,
        lastMotor: new Uint8Array(motors.length), hasLastMotor: false, moving: false, stillMs: 0,
      };
      this.meters.push(m);
      u.meters.push(m);
    }
  }

  /** One sample of the outputs at engine time `tMs` (channel 1 at index 0 of each universe's buffer). */
  sample(tMs: number, outputs: ReadonlyMap<number, Uint8Array>): void {
    const dt = this.lastMs === undefined ? 0 : Math.max(0, Math.min(MAX_STEP_MS, tMs - this.lastMs));
    this.lastMs = tMs;
    this.spanMs += dt;
    for (let ui = 0; ui < this.universes.length; ui++) {
      const u = this.universes[ui]!;
      const out = outputs.get(u.id);
      if (out === undefined) continue;
      const same = u.seen && sameBytes(u.last, out);
      if (!same) {
        u.last.set(out.length > 512 ? out.subarray(0, 512) : out);
        u.seen = true;
      }
      for (let mi = 0; mi < u.meters.length; mi++) {
        const m = u.meters[mi]!;
        if (!same) measure(m, out);
        if (m.emitting) m.litMs += dt;
        for (let i = 0; i < m.lampOn.length; i++) if (m.lampOn[i] === 1) m.onMs[i]! += dt;
        if (m.strobing) m.strobeMs += dt;
        if (same && m.moving) {
          m.stillMs += dt;
          if (m.stillMs >= STILL_MS) m.moving = false;
        } else if (!same && m.motors.length > 0) {
          moved(m, out, dt);
        }
      }
    }
  }

  /** What was measured so far. */
  report(): UsageReport {
    const s = (ms: number): number => Math.round(ms) / 1000;
    return {
      v: USAGE_FORMAT_VERSION,
      spanS: s(this.spanMs),
      fixtures: this.meters.map((m) => fixtureReport(m, s)),
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
      const chunk = meters.slice(i, i + slice).map((m) => JSON.stringify(fixtureReport(m, s)));
      parts.push(`${i > 0 ? ',\n' : '\n'}${chunk.join(',\n')}`);
    }
    parts.push(']}\n');
    return parts.join('');
  }
}

function fixtureReport(m: Meter, s: (ms: number) => number): FixtureUsage {
  return {
    id: m.fixture.id,
    type: m.fixture.type,
    ...(m.fixture.label !== undefined ? { label: m.fixture.label } : {}),
    litS: s(m.litMs),
    channels: m.lampNames.map((name, i) => ({ name, onS: s(m.onMs[i]!) })),
    strobes: m.strobes,
    strobeS: s(m.strobeMs),
    moves: m.moves,
  };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  const n = Math.min(512, b.length);
  if (n < 512) {
    for (let i = n; i < 512; i++) if (a[i] !== 0) return false;
  }
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Reads a fixture's lamps, emitters and strobe channels from a changed universe. */
function measure(m: Meter, out: Uint8Array): void {
  let dimmerUp = m.dimmers.length === 0;
  for (let i = 0; i < m.dimmers.length; i++) if ((out[m.dimmers[i]!] ?? 0) > 0) dimmerUp = true;
  let emitting: boolean;
  if (m.emitters.length === 0) emitting = m.dimmers.length > 0 && dimmerUp;
  else {
    emitting = false;
    if (dimmerUp) for (let i = 0; i < m.emitters.length; i++) if ((out[m.emitters[i]!] ?? 0) > 0) emitting = true;
  }
  m.emitting = emitting;
  for (let i = 0; i < m.lamps.length; i++) m.lampOn[i] = (out[m.lamps[i]!] ?? 0) > 0 && (m.lampEmitter[i] === 0 || dimmerUp) ? 1 : 0;
  let strobing = false;
  if (emitting) {
    for (let i = 0; i < m.strobeAt.length; i++) {
      const v = out[m.strobeAt[i]!] ?? 0;
      if (v >= m.strobeLo[i]! && v <= m.strobeHi[i]!) strobing = true;
    }
  }
  if (strobing && !m.strobing) m.strobes++;
  m.strobing = strobing;
}

/** Counts pan/tilt moves: a move starts when a motor channel changes after being still. */
function moved(m: Meter, out: Uint8Array, dt: number): void {
  let changed = false;
  for (let i = 0; i < m.motors.length; i++) {
    const v = out[m.motors[i]!] ?? 0;
    if (m.hasLastMotor && v !== m.lastMotor[i]) changed = true;
    m.lastMotor[i] = v;
  }
  m.hasLastMotor = true;
  if (changed) {
    if (!m.moving) m.moves++;
    m.moving = true;
    m.stillMs = 0;
  } else if (m.moving) {
    m.stillMs += dt;
    if (m.stillMs >= STILL_MS) m.moving = false;
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
