/**
 * Sound cues: the mixer parameters a department's cues move, played like lighting attributes. A cue's
 * levels fade from wherever they are to the cue's values over its fade time and curve (up: `fadeUpMs`,
 * down: `fadeDownMs`), after its delay; mutes, mute groups and scenes change when it goes. Moves track
 * through the list: GO, GOTO or BACK to a cue makes every parameter the department has moved what the
 * list says at that cue, and a parameter no earlier cue set goes back to where the desk had it.
 *
 * Driven by playback's events (whoever fired the cue: the operator, the model, timecode) and by
 * `frame(nowMs)`, which returns the desk writes due now. Pure: no clock, no sockets.
 */
import { InputError } from '../errors.js';
import { compareCueNumbers, type CueId, type DeptId } from '../ids.js';
import { applyCurve, curveId } from './timing.js';
import { type Cue, type ShowFile } from '../show/schema.js';
import { encodeMixerValue, resolveMixerParam, type MixerProfile, type ResolvedParam } from '../mixer/profile.js';

/** One desk write. */
export interface MixerWrite {
  readonly mixer: string;
  readonly param: ResolvedParam;
  /** The desk-side number (level float, on/off integer, scene number). */
  readonly value: number;
}

interface Move {
  readonly mixer: string;
  readonly param: ResolvedParam;
  readonly value: number;
  readonly fadeMs?: number;
  readonly curve?: number;
}

interface SoundCue {
  readonly cue: Cue;
  readonly moves: readonly Move[];
}

interface Fade {
  readonly dept: string;
  readonly mixer: string;
  readonly param: ResolvedParam;
  readonly from: number;
  readonly to: number;
  startMs: number;
  readonly durationMs: number;
  readonly curve: number;
  /** While held: the progress reached. */
  pausedAt?: number;
}

const keyOf = (mixer: string, address: string): string => `${mixer}\u0000${address}`;

/** A show's sound cues, checked: every parameter resolved on its desk, every value in range. */
export interface SoundProgram {
  readonly depts: ReadonlyMap<string, readonly SoundCue[]>;
}

/** Compiles the `mixer` moves of every cue; throws InputError listing every problem, located. */
export function compileSoundCues(show: Pick<ShowFile, 'departments' | 'outputs'>, profileOf: (mixerId: string) => MixerProfile | undefined): SoundProgram {
  const problems: string[] = [];
  const depts = new Map<string, SoundCue[]>();
  show.departments.forEach((d, di) => {
    const cues: SoundCue[] = [];
    for (const [ci, cue] of d.cues.entries()) {
      const moves: Move[] = [];
      (cue.mixer ?? []).forEach((m, mi) => {
        const where = `departments[${di}].cues[${ci}].mixer[${mi}]`;
        const profile = profileOf(m.mixer);
        if (profile === undefined) {
          problems.push(`${where}: there is no mixer '${m.mixer}' in outputs.mixers`);
          return;
        }
        try {
          const param = resolveMixerParam(profile, m.param);
          moves.push({ mixer: m.mixer, param, value: encodeMixerValue(param, m.value), ...(m.fadeMs !== undefined ? { fadeMs: m.fadeMs } : {}), ...(m.curve !== undefined ? { curve: curveId(m.curve) } : {}) });
        } catch (err) {
          problems.push(`${where}: ${err instanceof InputError ? err.message.replace(/^mixer: /, '') : String(err)}`);
        }
      });
      cues.push({ cue, moves });
    }
    if (cues.some((c) => c.moves.length > 0)) depts.set(d.id, cues.sort((a, b) => compareCueNumbers(a.cue.number, b.cue.number)));
  });
  if (problems.length > 0) throw new InputError('show.json', problems.join('; '));
  return { depts };
}

/** Every parameter a program moves, once (for resync and the console). */
export function soundParams(program: SoundProgram): Array<{ mixer: string; param: ResolvedParam }> {
  const seen = new Map<string, { mixer: string; param: ResolvedParam }>();
  for (const cues of program.depts.values()) for (const c of cues) for (const m of c.moves) seen.set(keyOf(m.mixer, m.param.address), { mixer: m.mixer, param: m.param });
  return [...seen.values()];
}

/** Plays a program's sound cues. */
export class SoundPlayback {
  /** What the desks had before a department first moved a parameter (restored by BACK past it). */
  private readonly baseline = new Map<string, number>();
  /** Last value written or read back, per parameter. */
  private readonly current = new Map<string, number>();
  private readonly fades = new Map<string, Fade>();
  private readonly due: MixerWrite[] = [];
  /** Parameters each department has moved so far. */
  private readonly touched = new Map<string, Set<string>>();
  private readonly params = new Map<string, { mixer: string; param: ResolvedParam }>();

  constructor(private readonly program: SoundProgram) {
    for (const p of soundParams(program)) this.params.set(keyOf(p.mixer, p.param.address), p);
  }

  /** True when the department has sound cues. */
  has(dept: string): boolean {
    return this.program.depts.has(dept);
  }

  /** The desk's value as read (resync, feedback), so fades start from where the desk really is. */
  observe(mixer: string, address: string, value: number): void {
    const key = keyOf(mixer, address);
    if (this.fades.has(key)) return; // our own fade owns it until it ends
    this.current.set(key, value);
  }

  /** The value the engine last wrote or read for a parameter. */
  valueOf(mixer: string, address: string): number | undefined {
    return this.current.get(keyOf(mixer, address));
  }

  /** A cue went in `dept` (GO, GOTO, BACK, a follow): set every tracked parameter to the list's value there. */
  fire(dept: DeptId | string, cue: CueId | string, reason: 'go' | 'goto' | 'back' | 'follow' | 'continue', nowMs: number): void {
    const cues = this.program.depts.get(dept);
    if (cues === undefined) return;
    const index = cues.findIndex((c) => compareCueNumbers(c.cue.number, cue) === 0);
    if (index < 0) return;
    const target = new Map<string, { move: Move; cue: Cue; here: boolean }>();
    for (let i = 0; i <= index; i++) for (const m of cues[i]!.moves) target.set(keyOf(m.mixer, m.param.address), { move: m, cue: cues[i]!.cue, here: i === index });
    const firing = cues[index]!.cue;
    const delayMs = reason === 'back' ? 0 : firing.delayMs;
    const touched = this.touched.get(dept) ?? new Set<string>();
    this.touched.set(dept, touched);
    for (const [key, t] of target) {
      this.touch(touched, key);
      // A move set in an earlier cue rides this cue's time when it changes now (BACK, GOTO).
      this.start(dept, key, t.move.value, firing, t.here ? t.move : undefined, nowMs + delayMs);
    }
    // Parameters this department moved that the list has not set by this cue: back to the desk's own value.
    for (const key of touched) {
      if (target.has(key)) continue;
      const base = this.baseline.get(key);
      if (base !== undefined) this.start(dept, key, base, firing, undefined, nowMs + delayMs);
    }
  }

  /** BACK before the first cue: everything the department moved goes back to the desk's own values. */
  home(dept: string, nowMs: number): void {
    for (const key of this.touched.get(dept) ?? []) {
      const base = this.baseline.get(key);
      if (base !== undefined) this.start(dept, key, base, undefined, undefined, nowMs);
    }
  }

  /** HOLD: fades pause where they are. */
  hold(dept: string, nowMs: number): void {
    for (const f of this.fades.values()) if (f.dept === dept && f.pausedAt === undefined) f.pausedAt = this.progress(f, nowMs);
  }

  /** Resume after HOLD. */
  resume(dept: string, nowMs: number): void {
    for (const f of this.fades.values()) {
      if (f.dept !== dept || f.pausedAt === undefined) continue;
      f.startMs = nowMs - f.pausedAt * f.durationMs;
      delete f.pausedAt;
    }
  }

  /** STOP (and PANIC, for sound): fades end where they are; nothing jumps. */
  stop(dept: string, nowMs: number): void {
    for (const [key, f] of this.fades) {
      if (f.dept !== dept) continue;
      this.write(key, f, this.valueAt(f, nowMs));
      this.fades.delete(key);
    }
  }

  private touch(touched: Set<string>, key: string): void {
    if (!touched.has(key) && !this.baseline.has(key)) {
      const now = this.current.get(key);
      if (now !== undefined) this.baseline.set(key, now);
    }
    touched.add(key);
  }

  private start(dept: string, key: string, to: number, cue: Cue | undefined, move: Move | undefined, startMs: number): void {
    const p = this.params.get(key)!;
    const from = this.fades.has(key) ? this.valueAt(this.fades.get(key)!, startMs) : this.current.get(key);
    this.fades.delete(key);
    const up = from === undefined || to >= from;
    const durationMs = p.param.fades && from !== undefined ? (move?.fadeMs ?? (cue === undefined ? 0 : up ? cue.fadeUpMs : (cue.fadeDownMs ?? cue.fadeUpMs))) : 0;
    const curve = move?.curve ?? curveId(cue?.curve);
    this.fades.set(key, { dept, mixer: p.mixer, param: p.param, from: from ?? to, to, startMs, durationMs, curve });
  }

  private progress(f: Fade, nowMs: number): number {
    if (f.pausedAt !== undefined) return f.pausedAt;
    if (nowMs < f.startMs) return 0;
    return f.durationMs <= 0 ? 1 : Math.min(1, (nowMs - f.startMs) / f.durationMs);
  }

  private valueAt(f: Fade, nowMs: number): number {
    const x = this.progress(f, nowMs);
    return x >= 1 ? f.to : f.from + (f.to - f.from) * applyCurve(f.curve, x);
  }

  private write(key: string, f: { mixer: string; param: ResolvedParam }, value: number): void {
    // An action (a scene recall) goes every time a cue asks; a setting only when it changes.
    if (f.param.readable && this.current.get(key) === value) return;
    this.current.set(key, value);
    this.due.push({ mixer: f.mixer, param: f.param, value });
  }

  /**
   * The writes due at `nowMs`: every fading level's value now (call at the rate the desk should see,
   * 20 Hz or more for a smooth ramp), snaps when their delay has passed, each fade's exact end value.
   */
  frame(nowMs: number): MixerWrite[] {
    for (const [key, f] of this.fades) {
      if (nowMs < f.startMs && f.pausedAt === undefined) continue;
      const v = f.param.fades ? this.valueAt(f, nowMs) : f.to;
      // Integers (mutes, scenes) only ever take their end value.
      this.write(key, f, f.param.law === 'x32-level' || f.param.law === 'float01' ? v : f.to);
      if (this.progress(f, nowMs) >= 1 || !f.param.fades) this.fades.delete(key);
    }
    return this.due.splice(0);
  }

  /** True while a fade or a delayed change is pending. */
  get busy(): boolean {
    return this.fades.size > 0;
  }
}
