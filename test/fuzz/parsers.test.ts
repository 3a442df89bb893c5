/**
 * Property-based fuzzing of every boundary, CI-sized (bench/fuzz.ts runs ≥ 10⁶ inputs). A failure
 * prints fast-check's shrunk counterexample and seed; each one found so far is pinned in
 * test/fuzz/regressions.test.ts.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { fuzzTargets, loadFuzzContext, type FuzzTarget } from '../../bench/lib/fuzzTargets.js';

/** Inputs per target in CI; the show target plays every accepted show, so it runs fewer. */
const RUNS: Record<string, number> = { 'show.json → validate → play': 300, 'QLC+ fixture import': 300, 'OFL fixture import': 400 };

describe('fuzzing every parser (fast-check, CI size)', () => {
  let targets: FuzzTarget[] = [];
  beforeAll(async () => {
    targets = fuzzTargets(await loadFuzzContext());
  });

  it('refuses bad input with a reason and never crashes, at every boundary', () => {
    const counts: string[] = [];
    for (const t of targets) {
      let refused = 0;
      const numRuns = RUNS[t.name] ?? 2000;
      fc.assert(
        fc.property(t.arbitrary, (input) => {
          if (t.check(input) === 'refused') refused++;
        }),
        { numRuns, seed: 23 },
      );
      counts.push(`${t.name}: ${numRuns} inputs, ${refused} refused`);
    }
    expect(counts).toHaveLength(targets.length);
  });
});
