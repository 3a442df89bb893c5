/**
 * bench/hostile.ts — hostile traffic against a running `precue run` (bench/lib/hostile.ts), at any
 * size: prints the engine's own frame rate and p99 gap before and during the flood, the fresh frames
 * seen on the wire, RSS before and after, and whether the next OSC /go and console GO worked.
 *
 *   npx tsx bench/hostile.ts [--osc 1000000] [--ws 100000] [--connections 12]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { hostileRun } from './lib/hostile.js';

const { values } = parseArgs({ options: { osc: { type: 'string', default: '1000000' }, ws: { type: 'string', default: '100000' }, connections: { type: 'string', default: '12' } } });
const dir = mkdtempSync(join(tmpdir(), 'precue-hostile-bench-'));
try {
  const r = await hostileRun(dir, { oscPackets: Number(values.osc), wsMessages: Number(values.ws), wsConnections: Number(values.connections) });
  const f = (n: number): string => n.toFixed(1);
  process.stdout.write([
    `malformed OSC packets sent: ${r.oscSent}; bad console messages sent: ${r.wsSent}`,
    `engine frame loop, no traffic: ${f(r.baseline.engine.rateHz)} Hz, p99 gap ${f(r.baseline.engine.gapP99Ms)} ms, max ${f(r.baseline.engine.gapMaxMs)} ms`,
    `engine frame loop, under flood: ${f(r.engineFrames.rateHz)} Hz, p99 gap ${f(r.engineFrames.gapP99Ms)} ms, max ${f(r.engineFrames.gapMaxMs)} ms`,
    `fresh frames on the wire: ${f(r.baseline.freshHz)} Hz before, ${f(r.freshHz)} Hz during (p99 gap ${f(r.freshGapP99Ms)} ms)`,
    `RSS: ${f(r.rssBeforeMB)} MB before, ${f(r.rssAfterMB)} MB after (${f((100 * (r.rssAfterMB - r.rssBeforeMB)) / r.rssBeforeMB)}%)`,
    `next OSC /go worked: ${r.oscGoWorked}; console GO worked: ${r.consoleGoWorked}; exit ${String(r.exitCode)}`,
    `/healthz: ${JSON.stringify(r.healthz)}`,
    '',
  ].join('\n'));
  process.exitCode = r.oscGoWorked && r.consoleGoWorked && r.exitCode === 0 ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
