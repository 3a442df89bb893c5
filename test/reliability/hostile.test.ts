/**
 * Hostile traffic against a running `precue run` (bench/lib/hostile.ts): 10⁵ malformed OSC packets and
 * 10⁴ malformed, oversized and flooding WebSocket messages from 12 connections while every channel
 * fades. Frames keep coming (≥ 43 Hz fresh, p99 gap ≤ 30 ms), the next valid /go and console GO work,
 * RSS comes back within 10%. `npx tsx bench/hostile.ts` runs it bigger and prints the figures.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hostileRun } from '../../bench/lib/hostile.js';

const dir = mkdtempSync(join(tmpdir(), 'precue-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('precue run under hostile traffic', () => {
  it('keeps the frames coming and stays in control through 10⁵ bad OSC packets and 10⁴ bad console messages', async () => {
    const r = await hostileRun(dir, { oscPackets: 100_000, wsMessages: 10_000, wsConnections: 12 });
    process.stdout.write(`hostile: ${JSON.stringify({ ...r, log: undefined })}\n`);
    expect(r.oscSent).toBe(100_000);
    expect(r.wsSent).toBeGreaterThanOrEqual(10_000);
    expect(r.oscGoWorked, r.log).toBe(true);
    expect(r.consoleGoWorked, r.log).toBe(true);
    expect(r.exitCode).toBe(0);
    // The engine's own frame loop (the wire alone cannot tell: the frame clock thread resends the
    // last look). Judged only when this machine holds the rate with no hostile traffic at all.
    if (r.baseline.engine.rateHz >= 43 && r.baseline.engine.gapP99Ms <= 30) {
      expect(r.engineFrames.rateHz).toBeGreaterThanOrEqual(43);
      expect(r.engineFrames.gapP99Ms).toBeLessThanOrEqual(30);
    } else {
      process.stderr.write(`hostile.test.ts: frame timing not judged — with no traffic this machine ran ${r.baseline.engine.rateHz.toFixed(1)} Hz, p99 gap ${r.baseline.engine.gapP99Ms.toFixed(1)} ms (too loaded)\n`);
    }
    expect(r.rssAfterMB).toBeLessThanOrEqual(r.rssBeforeMB * 1.1);
    expect(r.log).not.toMatch(/internal error| {4}at /);
  }, 120_000);
});
