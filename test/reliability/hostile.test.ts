/**
 * Hostile traffic against a running `precue run` (bench/lib/hostile.ts) while every channel fades:
 * 10⁵ malformed OSC packets, then 10⁴ malformed, oversized and flooding WebSocket messages from 12
 * connections. The next valid /go and console GO work and RSS comes back within 10%. The frame loop's
 * rate and gaps through the floods are printed, not judged: a speed goal (≥ 43 Hz, p99 gap ≤ 30 ms)
 * belongs to `npx tsx bench/hostile.ts`, which runs it bigger on a machine of its own, not to a test
 * that shares two cores with the other test files.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hostileRun, type HostileResult } from '../../bench/lib/hostile.js';

const dir = mkdtempSync(join(tmpdir(), 'precue-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function inControl(r: HostileResult): void {
  process.stdout.write(`hostile: ${JSON.stringify({ ...r, log: undefined, healthz: undefined })}\n`);
  expect(r.oscGoWorked, r.log).toBe(true);
  expect(r.consoleGoWorked, r.log).toBe(true);
  expect(r.exitCode).toBe(0);
  expect(r.rssAfterMB).toBeLessThanOrEqual(r.rssBeforeMB * 1.1);
  expect(r.log).not.toMatch(/internal error| {4}at /);
}

describe('precue run under hostile traffic', () => {
  it('keeps the frame loop and control through 10⁵ malformed OSC packets', async () => {
    const r = await hostileRun(join(dir, 'osc'), { oscPackets: 100_000, wsMessages: 0, wsConnections: 1 });
    expect(r.oscSent).toBe(100_000);
    inControl(r);
    // Frame timing is a speed goal: bench/hostile.ts judges it (≥ 43 Hz, p99 gap ≤ 30 ms) on a machine
    // of its own. Here, beside the other test files running at once, it is only reported.
    process.stdout.write(`hostile.test.ts: frames under the OSC flood ${r.engineFrames.rateHz.toFixed(1)} Hz, p99 gap ${r.engineFrames.gapP99Ms.toFixed(1)} ms (no traffic: ${r.baseline.engine.rateHz.toFixed(1)} Hz, ${r.baseline.engine.gapP99Ms.toFixed(1)} ms); judged by bench/hostile.ts\n`);
  }, 120_000);

  it('stays in control through 10⁴ malformed, oversized and flooding console messages', async () => {
    const r = await hostileRun(join(dir, 'ws'), { oscPackets: 0, wsMessages: 10_000, wsConnections: 12 });
    expect(r.wsSent).toBeGreaterThanOrEqual(10_000);
    inControl(r);
  }, 120_000);
});
