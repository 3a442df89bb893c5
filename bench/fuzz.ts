/**
 * bench/fuzz.ts — how many hostile inputs does it take to crash a parser? Runs ≥ 10⁶ generated
 * inputs (fast-check) across every boundary (bench/lib/fuzzTargets.ts) and prints a table: parser,
 * inputs, refused, crashes (must be 0), inputs per second. Exits 1 on any crash, printing the first
 * one with its seed so `fc.assert` can replay and shrink it.
 *
 *   npx tsx bench/fuzz.ts [--total 1000000] [--seed 1]
 */
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { FuzzCrash, fuzzTargets, loadFuzzContext } from './lib/fuzzTargets.js';

const { values } = parseArgs({ options: { total: { type: 'string', default: '1000000' }, seed: { type: 'string', default: '1' } } });
const total = Number(values.total);
const seed = Number(values.seed);

/** Share of the inputs per target: the file formats that validate and play a show cost far more per input. */
const WEIGHT: Record<string, number> = {
  'show.json → validate → play': 0.25,
  'venue file': 0.5,
  'OFL fixture import': 0.5,
  'QLC+ fixture import': 0.25,
  'fixture library file': 0.5,
  'model folder precue-model.json': 0.5,
};

const targets = fuzzTargets(await loadFuzzContext());
const weights = targets.map((t) => WEIGHT[t.name] ?? 2);
const sum = weights.reduce((a, b) => a + b, 0);
const rows: string[][] = [];
let crashes = 0;
let inputs = 0;
const chunk = 2000;
for (const [i, t] of targets.entries()) {
  const n = Math.ceil((total * weights[i]!) / sum);
  let refused = 0;
  let crashed = 0;
  let first: string | undefined;
  const started = performance.now();
  for (let done = 0, round = 0; done < n; done += chunk, round++) {
    const runSeed = seed * 1_000_003 + i * 10_007 + round;
    for (const input of fc.sample(t.arbitrary, { numRuns: Math.min(chunk, n - done), seed: runSeed })) {
      try {
        if (t.check(input) === 'refused') refused++;
      } catch (err) {
        crashed++;
        first ??= `${err instanceof FuzzCrash ? err.message : String(err)} (fc seed ${runSeed})`;
      }
    }
  }
  const seconds = (performance.now() - started) / 1000;
  inputs += n;
  crashes += crashed;
  rows.push([t.name, t.input, String(n), `${refused} (${((100 * refused) / n).toFixed(1)}%)`, String(crashed), (n / seconds).toFixed(0)]);
  if (first !== undefined) process.stderr.write(`${t.name}: first crash: ${first.slice(0, 400)}\n`);
  process.stderr.write(`  ${t.name}: ${n} inputs in ${seconds.toFixed(1)} s\n`);
}

const header = ['parser', 'input', 'inputs', 'refused', 'crashes', 'inputs/s'];
const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
const line = (cells: readonly string[]): string => `| ${cells.map((x, c) => (c >= 2 ? x.padStart(widths[c]!) : x.padEnd(widths[c]!))).join(' | ')} |`;
process.stdout.write(`${line(header)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n${rows.map(line).join('\n')}\n`);
process.stdout.write(`\n${inputs} inputs, ${crashes} crashes (seed ${seed}; Node ${process.version})\n`);
process.exitCode = crashes === 0 ? 0 : 1;
