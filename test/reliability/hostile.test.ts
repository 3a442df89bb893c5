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
    expect(r.freshHz).toBeGreaterThanOrEqual(43);
    expect(r.freshGapP99Ms).toBeLessThanOrEqual(30);
    expect(r.rssAfterMB).toBeLessThanOrEqual(r.rssBeforeMB * 1.1);
    expect(r.log).not.toMatch(/internal error| {4}at /);
  }, 120_000);
});
