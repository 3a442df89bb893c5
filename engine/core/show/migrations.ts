/**
 * Show-file migrations: pure steps from version N to N+1, listed in order, each with a one-line
 * reason. Loading runs the steps a file needs in memory; it never rewrites the user's file.
 */

import type { Migration } from './migrations/migration.js';
import { v1tov2 } from './migrations/v1tov2.js';

export type { Migration } from './migrations/migration.js';

/** The steps, in order; each lives in its own `migrations/vNtovN+1.ts` with its test. */
export const showMigrations: readonly Migration[] = [v1tov2];

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
