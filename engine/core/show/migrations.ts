/**
 * Show-file migrations: pure steps from version N to N+1, listed in order, each with a one-line
 * reason. Loading runs the steps a file needs in memory; it never rewrites the user's file.
 */

/** One migration step. `up` receives the parsed JSON of a version-`from` file. */
export interface Migration {
  readonly from: number;
  readonly reason: string;
  up(doc: Record<string, unknown>): Record<string, unknown>;
}

/**
 * The steps, in order. Version 1 is the first published format, so the list is empty; the next
 * format change adds `v1tov2.ts` here with its test.
 */
export const showMigrations: readonly Migration[] = [];

/** Why a document cannot be migrated. */
export type MigrationFailure =
  | { kind: 'no-version'; found: unknown }
  | { kind: 'newer'; found: number; supported: number }
  | { kind: 'gap'; missingFrom: number };

/**
 * Brings a parsed show document up to `target`, applying each step once, in order. Returns the new
 * document and the steps applied, or why it cannot.
 */
export function migrate(
  doc: Record<string, unknown>,
  target: number,
  steps: readonly Migration[] = showMigrations,
): { ok: true; doc: Record<string, unknown>; applied: readonly Migration[] } | { ok: false; failure: MigrationFailure } {
  const found = doc['version'];
  if (typeof found !== 'number' || !Number.isInteger(found) || found < 1) return { ok: false, failure: { kind: 'no-version', found } };
  if (found > target) return { ok: false, failure: { kind: 'newer', found, supported: target } };
  let current = structuredClone(doc);
  const applied: Migration[] = [];
  for (let v = found; v < target; v++) {
    const step = steps.find((s) => s.from === v);
    if (step === undefined) return { ok: false, failure: { kind: 'gap', missingFrom: v } };
    current = { ...step.up(current), version: v + 1 };
    applied.push(step);
  }
  return { ok: true, doc: current, applied };
}
