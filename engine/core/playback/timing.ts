/**
 * Fade curves and cue durations: the small pure pieces every department shares.
 */
import { type AttributeFamily } from './slots.js';
import { type Cue, type FadeCurve } from '../show/schema.js';
import { assertNever } from '../errors.js';


/** Curve ids used in the per-frame arrays (`Uint8Array`). Linear. */
export const CURVE_LINEAR = 0;
/** Smoothstep (slow-fast-slow). */
export const CURVE_S = 1;
/** x²: starts slow. */
export const CURVE_EXPONENTIAL = 2;
/** 1-(1-x)²: starts fast. */
export const CURVE_LOGARITHMIC = 3;
/** Jumps to the target when the fade starts. */
export const CURVE_SNAP = 4;

/** The numeric id of a curve name. */
export function curveId(curve: FadeCurve | undefined): number {
  switch (curve) {
    case undefined:
    case 'linear':
      return CURVE_LINEAR;
    case 's-curve':
      return CURVE_S;
    case 'exponential':
      return CURVE_EXPONENTIAL;
    case 'logarithmic':
      return CURVE_LOGARITHMIC;
    case 'snap':
      return CURVE_SNAP;
    default:
      return assertNever(curve, 'fade curve');
  }
}

/**
 * Maps fade progress x (0..1) to level progress (0..1). `s-curve` is smoothstep (slow-fast-slow),
 * `exponential` starts slow (x²), `logarithmic` starts fast (1-(1-x)²), `snap` jumps at the start.
 */
export function applyCurve(id: number, x: number): number {
  switch (id) {
    case CURVE_S:
      return x * x * (3 - 2 * x);
    case CURVE_EXPONENTIAL:
      return x * x;
    case CURVE_LOGARITHMIC:
      return 1 - (1 - x) * (1 - x);
    case CURVE_SNAP:
      return 1;
    default:
      return x;
  }
}

/** The timing fields of a cue that playback reads (a schema `Cue` satisfies it). */
export type CueTiming = Pick<Cue, 'delayMs' | 'fadeUpMs' | 'fadeDownMs' | 'attributeTimes'>;

/** Delay (from GO) and fade time of one attribute family in a cue; `up` picks fade-up vs fade-down. */
export function familyTiming(
  cue: CueTiming,
  family: AttributeFamily,
  up: boolean,
  withDelay: boolean,
  fadeOverrideMs?: number,
): { delayMs: number; fadeMs: number } {
  const at = cue.attributeTimes?.[family];
  const delayMs = (withDelay ? cue.delayMs : 0) + (at?.delayMs ?? 0);
  let fadeMs: number;
  if (fadeOverrideMs !== undefined) fadeMs = fadeOverrideMs;
  else if (at?.fadeMs !== undefined) fadeMs = at.fadeMs;
  else if (family === 'intensity' && !up) fadeMs = cue.fadeDownMs ?? cue.fadeUpMs;
  else fadeMs = cue.fadeUpMs;
  return { delayMs, fadeMs };
}

const FAMILIES: readonly AttributeFamily[] = ['intensity', 'color', 'position', 'beam'];

/**
 * When every fade of a cue has finished, in ms after its GO: the longest of delay + fade over every
 * attribute family (fade-up and fade-down both counted). This is the moment `autoFollow` fires.
 */
export function cueDurationMs(cue: CueTiming, withDelay = true, fadeOverrideMs?: number): number {
  let end = withDelay ? cue.delayMs : 0;
  for (const f of FAMILIES) {
    for (const up of [true, false]) {
      const t = familyTiming(cue, f, up, withDelay, fadeOverrideMs);
      end = Math.max(end, t.delayMs + t.fadeMs);
    }
  }
  return end;
}
