/** Branded identities, so a fixture id cannot be passed where a cue number is expected. */

declare const brand: unique symbol;
/** `T` tagged with a compile-time-only brand `B`. */
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** A department such as `LX`, `VID`, `CAM`. */
export type DeptId = Brand<string, 'DeptId'>;
/** A cue number as written in the show, e.g. `12.5`. */
export type CueId = Brand<string, 'CueId'>;
/** A fixture's id in the patch, e.g. `par1`. */
export type FixtureId = Brand<string, 'FixtureId'>;
/** A universe number as the show names it (1-based, as consoles show it). */
export type UniverseId = Brand<number, 'UniverseId'>;

export const deptId = (s: string): DeptId => s as DeptId;
export const cueId = (s: string): CueId => s as CueId;
export const fixtureId = (s: string): FixtureId => s as FixtureId;
export const universeId = (n: number): UniverseId => n as UniverseId;

/** Orders cue numbers numerically, so `2` < `10` and `12` < `12.5` < `13`. */
export function compareCueNumbers(a: string, b: string): number {
  const d = Number(a) - Number(b);
  return d < 0 ? -1 : d > 0 ? 1 : 0;
}
