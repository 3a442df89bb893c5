/**
 * Mixer profiles: how a sound cue's parameter names (`ch/1/fader`, `ch/3/mute`, `ch/1/send/2`,
 * `dca/2/fader`, `scene`…) become a digital mixer's OSC addresses and values. A profile is plain data —
 * rules of a parameter pattern, an address template and a value law — validated by `mixerProfileSchema`,
 * so other desks that speak OSC (Midas/Behringer Wing, DiGiCo, Allen & Heath over a bridge) are a
 * profile, not code. The Behringer X32 / Midas M32 profile follows the publicly documented X32 OSC
 * protocol (UDP 10023; `/xremote` subscriptions renewed within 10 s; fader floats on X32's 4-segment
 * dB law, 1024 steps).
 */
import { z } from 'zod';
import { InputError } from '../errors.js';

/** How a value in a cue becomes what the desk expects. */
export const mixerLaws = ['x32-level', 'mute-as-on', 'int', 'float01'] as const;
/** A value law. */
export type MixerLaw = (typeof mixerLaws)[number];

/** One parameter family: `ch/{n:1-32}/fader` → `/ch/{n:02}/mix/fader`. */
export const mixerRuleSchema = z
  .object({
    /** As cues write it; `{name:lo-hi}` is a number in a range. */
    param: z.string().regex(/^[a-z0-9/{}:-]+$/),
    /** The OSC address; `{name}` or `{name:02}` (zero-padded to 2 digits) inserts a number. */
    address: z.string().regex(/^\/[A-Za-z0-9/{}:_-]+$/),
    law: z.enum(mixerLaws),
    /** Faded over the cue's time (levels), or set at once when the cue goes (mutes, scenes). */
    fades: z.boolean(),
    /** Read back from the desk (resync, feedback); false for actions such as a scene recall. */
    readable: z.boolean().default(true),
  })
  .strict();
/** One parameter family. */
export type MixerRule = z.infer<typeof mixerRuleSchema>;

/** A mixer profile. */
export const mixerProfileSchema = z
  .object({
    kind: z.string().regex(/^[a-z0-9-]+$/),
    name: z.string().min(1),
    port: z.number().int().min(1).max(65535),
    /** Asked at connect and as a heartbeat; the desk answers with its model and firmware. */
    infoAddress: z.string(),
    /** Subscribes to the desk's changes; renewed every `renewMs`. */
    subscribe: z.object({ address: z.string(), renewMs: z.number().int().min(500) }).strict(),
    rules: z.array(mixerRuleSchema).min(1),
  })
  .strict();
/** A mixer profile. */
export type MixerProfile = z.infer<typeof mixerProfileSchema>;

/** The Behringer X32 / Midas M32 (and X32 Rack/Compact/Producer): the X32 OSC protocol. */
export const X32_PROFILE: MixerProfile = mixerProfileSchema.parse({
  kind: 'x32',
  name: 'Behringer X32 / Midas M32',
  port: 10023,
  infoAddress: '/info',
  subscribe: { address: '/xremote', renewMs: 9000 },
  rules: [
    ...(['ch:32', 'auxin:8', 'fxrtn:8', 'bus:16', 'mtx:6'] as const).flatMap((s) => {
      const [strip, count] = s.split(':') as [string, string];
      return [
        { param: `${strip}/{n:1-${count}}/fader`, address: `/${strip}/{n:02}/mix/fader`, law: 'x32-level', fades: true },
        { param: `${strip}/{n:1-${count}}/mute`, address: `/${strip}/{n:02}/mix/on`, law: 'mute-as-on', fades: false },
      ];
    }),
    ...(['ch:32', 'auxin:8', 'fxrtn:8'] as const).flatMap((s) => {
      const [strip, count] = s.split(':') as [string, string];
      return [
        { param: `${strip}/{n:1-${count}}/send/{b:1-16}`, address: `/${strip}/{n:02}/mix/{b:02}/level`, law: 'x32-level', fades: true },
        { param: `${strip}/{n:1-${count}}/send/{b:1-16}/mute`, address: `/${strip}/{n:02}/mix/{b:02}/on`, law: 'mute-as-on', fades: false },
      ];
    }),
    { param: 'dca/{n:1-8}/fader', address: '/dca/{n}/fader', law: 'x32-level', fades: true },
    { param: 'dca/{n:1-8}/mute', address: '/dca/{n}/on', law: 'mute-as-on', fades: false },
    { param: 'main/fader', address: '/main/st/mix/fader', law: 'x32-level', fades: true },
    { param: 'main/mute', address: '/main/st/mix/on', law: 'mute-as-on', fades: false },
    { param: 'mono/fader', address: '/main/m/mix/fader', law: 'x32-level', fades: true },
    { param: 'mutegroup/{n:1-6}', address: '/config/mute/{n}', law: 'int', fades: false },
    { param: 'scene', address: '/-action/goscene', law: 'int', fades: false, readable: false },
  ],
});

/** Built-in profiles by kind (`m32` is the same protocol). */
export const MIXER_PROFILES: ReadonlyMap<string, MixerProfile> = new Map([
  ['x32', X32_PROFILE],
  ['m32', { ...X32_PROFILE, kind: 'm32', name: 'Midas M32 (X32 protocol)' }],
]);

/** A parameter resolved for one desk. */
export interface ResolvedParam {
  /** As the cue names it (normalised: `ch/1/fader`). */
  readonly param: string;
  readonly address: string;
  readonly law: MixerLaw;
  readonly fades: boolean;
  readonly readable: boolean;
}

interface CompiledRule {
  readonly re: RegExp;
  readonly names: readonly string[];
  readonly ranges: readonly (readonly [number, number])[];
  readonly rule: MixerRule;
}

const compiledCache = new WeakMap<MixerProfile, CompiledRule[]>();

function compile(profile: MixerProfile): CompiledRule[] {
  const hit = compiledCache.get(profile);
  if (hit !== undefined) return hit;
  const out = profile.rules.map((rule) => {
    const names: string[] = [];
    const ranges: [number, number][] = [];
    const source = rule.param.replace(/[/]/g, '\\/').replace(/\{([a-z]+):(\d+)-(\d+)\}/g, (_m, name: string, lo: string, hi: string) => {
      names.push(name);
      ranges.push([Number(lo), Number(hi)]);
      return '(\\d{1,3})';
    });
    return { re: new RegExp(`^${source}$`), names, ranges, rule };
  });
  compiledCache.set(profile, out);
  return out;
}

/** Resolves a cue's parameter name for a desk; throws InputError naming what the desk has. */
export function resolveMixerParam(profile: MixerProfile, param: string): ResolvedParam {
  const p = param.trim().toLowerCase().replace(/^\/+|\/+$/g, '');
  for (const c of compile(profile)) {
    const m = c.re.exec(p);
    if (m === null) continue;
    const values = new Map<string, number>();
    let ok = true;
    c.names.forEach((name, i) => {
      const v = Number(m[i + 1]);
      const [lo, hi] = c.ranges[i]!;
      if (v < lo || v > hi) ok = false;
      values.set(name, v);
    });
    if (!ok) throw new InputError('mixer', `${profile.name} has no '${param}' (${c.rule.param.replace(/\{([a-z]+):(\d+)-(\d+)\}/g, '$2..$3')})`);
    const address = c.rule.address.replace(/\{([a-z]+)(?::(\d+))?\}/g, (_m, name: string, pad: string | undefined) => String(values.get(name) ?? 0).padStart(pad === undefined ? 0 : Number(pad), '0'));
    return { param: p, address, law: c.rule.law, fades: c.rule.fades, readable: c.rule.readable };
  }
  const examples = [...new Set(profile.rules.map((r) => r.param.replace(/\{([a-z]+):(\d+)-(\d+)\}/g, '$2')))].slice(0, 8).join(', ');
  throw new InputError('mixer', `${profile.name} has no parameter '${param}' (e.g. ${examples})`);
}

// ---------------------------------------------------------------------------------------------
// Values

/** A value as a cue writes it: dB for levels (`-10`, `"-10dB"`, `"-inf"`), true = muted, an integer. */
export type MixerCueValue = number | string | boolean;

/** X32 level law: float 0..1 ↔ dB in four linear segments (−90 dB = −∞ at 0, +10 dB at 1). */
export function x32LevelToDb(f: number): number {
  const v = Math.min(1, Math.max(0, f));
  if (v >= 0.5) return v * 40 - 30;
  if (v >= 0.25) return v * 80 - 50;
  if (v >= 0.0625) return v * 160 - 70;
  return v * 480 - 90;
}

/** dB → X32 level float, on the desk's 1024-step grid (so what it echoes back equals what we sent). */
export function x32DbToLevel(db: number): number {
  const d = Math.min(10, Math.max(-90, db));
  let f: number;
  if (d >= -10) f = (d + 30) / 40;
  else if (d >= -30) f = (d + 50) / 80;
  else if (d >= -60) f = (d + 70) / 160;
  else f = (d + 90) / 480;
  return Math.round(f * 1023) / 1023;
}

/** A level in dB from a cue value; throws InputError for anything else. */
function dbOf(value: MixerCueValue, param: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') {
    const t = value.trim().toLowerCase();
    if (t === '-inf' || t === '-infinity' || t === 'off') return -90;
    const m = /^(-?\d+(?:\.\d+)?)\s*db$/.exec(t) ?? /^(-?\d+(?:\.\d+)?)$/.exec(t);
    if (m !== null) return Number(m[1]);
  }
  throw new InputError('mixer', `${param}: '${String(value)}' is not a level (dB such as -10, "-10dB" or "-inf")`);
}

/**
 * The desk-side number of a cue value: what is sent (levels as the desk's float, mutes as the desk's
 * on/off integer, integers as they are). Throws InputError when the value does not fit the law.
 */
export function encodeMixerValue(p: ResolvedParam, value: MixerCueValue): number {
  switch (p.law) {
    case 'x32-level':
      return x32DbToLevel(dbOf(value, p.param));
    case 'float01': {
      const v = typeof value === 'number' ? value : Number(value);
      if (!Number.isFinite(v) || v < 0 || v > 1) throw new InputError('mixer', `${p.param}: '${String(value)}' is not a level from 0 to 1`);
      return v;
    }
    case 'mute-as-on':
      // The X32 names the switch "on": muted is on = 0.
      if (typeof value !== 'boolean') throw new InputError('mixer', `${p.param}: '${String(value)}' is not true (muted) or false (open)`);
      return value ? 0 : 1;
    case 'int': {
      const v = typeof value === 'number' ? value : Number(value);
      if (!Number.isInteger(v) || v < 0 || v > 9999) throw new InputError('mixer', `${p.param}: '${String(value)}' is not a whole number`);
      return v;
    }
  }
}

/** The OSC type a law sends. */
export function mixerOscType(law: MixerLaw): 'f' | 'i' {
  return law === 'x32-level' || law === 'float01' ? 'f' : 'i';
}

/** How a desk-side number reads for a person (`-10.0 dB`, `muted`, `3`). */
export function describeMixerValue(law: MixerLaw, v: number): string {
  switch (law) {
    case 'x32-level': {
      const db = x32LevelToDb(v);
      return db <= -89.9 ? '-inf dB' : `${db.toFixed(1)} dB`;
    }
    case 'float01':
      return v.toFixed(3);
    case 'mute-as-on':
      return v === 0 ? 'muted' : 'on';
    case 'int':
      return String(v);
  }
}
