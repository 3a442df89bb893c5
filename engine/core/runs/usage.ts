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
  readonly universe: number;
  /** 0-based index of the fixture's first channel in its universe. */
  readonly base: number;
  readonly dimmers: readonly number[];
  readonly emitters: readonly { readonly offset: number; readonly name: string }[];
  /** Lamp/LED channels reported: the dimmers and the emitters. */
  readonly lamps: readonly { readonly offset: number; readonly name: string; readonly emitter: boolean }[];
  readonly strobe: readonly { readonly offset: number; readonly lo: number; readonly hi: number }[];
  readonly motors: readonly number[];
  onMs: Float64Array;
  litMs: number;
  strobes: number;
  strobeMs: number;
  strobing: boolean;
  moves: number;
  lastMotor: number[] | undefined;
  moving: boolean;
  stillMs: number;
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

/** Measures fixture usage from the universes' outputs. */
export class UsageMeter {
  private readonly meters: Meter[] = [];
  private lastMs: number | undefined;
  private spanMs = 0;

  constructor(fixtures: readonly PatchedFixture[], profiles: ReadonlyMap<string, FixtureProfile>) {
    for (const f of fixtures) {
      const p = profiles.get(f.id);
      if (p === undefined) continue;
      const coarse = p.channels.filter((c) => c.byte === 0);
      const dimmers = coarse.filter((c) => c.attribute === 'intensity').map((c) => c.offset);
      const emitters = coarse.filter((c) => c.emitter !== undefined && c.attribute === 'color').map((c) => ({ offset: c.offset, name: c.name }));
      const lamps = [...coarse.filter((c) => c.attribute === 'intensity').map((c) => ({ offset: c.offset, name: c.name, emitter: false })), ...emitters.map((e) => ({ ...e, emitter: true }))];
      const motors = p.channels.filter((c) => c.attribute === 'pan' || c.attribute === 'tilt').map((c) => c.offset);
      this.meters.push({
        fixture: f, universe: f.universe, base: f.address - 1, dimmers, emitters, lamps, strobe: strobeChannels(p), motors,
        onMs: new Float64Array(lamps.length), litMs: 0, strobes: 0, strobeMs: 0, strobing: false, moves: 0, lastMotor: undefined, moving: false, stillMs: 0,
      });
    }
  }

  /** One sample of the outputs at engine time `tMs` (channel 1 at index 0 of each universe's buffer). */
  sample(tMs: number, outputs: ReadonlyMap<number, Uint8Array>): void {
    const dt = this.lastMs === undefined ? 0 : Math.max(0, Math.min(MAX_STEP_MS, tMs - this.lastMs));
    this.lastMs = tMs;
    this.spanMs += dt;
    for (const m of this.meters) {
      const out = outputs.get(m.universe);
      if (out === undefined) continue;
      const at = (offset: number): number => out[m.base + offset] ?? 0;
      const dimmed = m.dimmers.length > 0;
      const dimmerUp = !dimmed || m.dimmers.some((o) => at(o) > 0);
      const emitting = m.emitters.length === 0 ? dimmed && dimmerUp : dimmerUp && m.emitters.some((e) => at(e.offset) > 0);
      if (emitting) m.litMs += dt;
      m.lamps.forEach((l, i) => {
        if (at(l.offset) > 0 && (!l.emitter || dimmerUp)) m.onMs[i]! += dt;
      });
      const strobing = emitting && m.strobe.some((s) => at(s.offset) >= s.lo && at(s.offset) <= s.hi);
      if (strobing && !m.strobing) m.strobes++;
      if (strobing) m.strobeMs += dt;
      m.strobing = strobing;
      if (m.motors.length > 0) {
        const now = m.motors.map(at);
        const changed = m.lastMotor !== undefined && now.some((v, i) => v !== m.lastMotor![i]);
        m.lastMotor = now;
        if (changed) {
          if (!m.moving) m.moves++;
          m.moving = true;
          m.stillMs = 0;
        } else if (m.moving) {
          m.stillMs += dt;
          if (m.stillMs >= STILL_MS) m.moving = false;
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
      fixtures: this.meters.map((m) => ({
        id: m.fixture.id,
        type: m.fixture.type,
        ...(m.fixture.label !== undefined ? { label: m.fixture.label } : {}),
        litS: s(m.litMs),
        channels: m.lamps.map((l, i) => ({ name: l.name, onS: s(m.onMs[i]!) })),
        strobes: m.strobes,
        strobeS: s(m.strobeMs),
        moves: m.moves,
      })),
    };
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
