import { mkdirSync, mkdtempSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { purgeRuns } from '../../../engine/io/runs/retention.js';
import { JsonlLog } from '../../../engine/io/runs/jsonlLog.js';
import { readFileSync } from 'node:fs';

function run(dir: string, name: string, startedAt: string, audio: boolean): string {
  const d = join(dir, name);
  mkdirSync(d);
  writeFileSync(join(d, 'decisions.jsonl'), JSON.stringify({ kind: 'start', v: 1, run: name, show: 's', showDir: '/s', startedAt, engineVersion: '0', audioOffsetMs: 0, audio: { kept: audio }, model: null, depts: [] }) + '\n');
  if (audio) writeFileSync(join(d, 'audio.wav'), Buffer.alloc(4096));
  return d;
}

describe("a show's retention of its runs", () => {
  it('removes audio past audioDays and whole runs past logDays, and never touches a take', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'precue-retention-'));
    const old = run(dir, 'run-old', '2026-01-01T20:00:00Z', true);
    const young = run(dir, 'run-young', '2026-01-30T20:00:00Z', true);
    const ancient = run(dir, 'run-ancient', '2025-01-01T20:00:00Z', true);
    mkdirSync(join(dir, 'rehearsal-1'));
    writeFileSync(join(dir, 'rehearsal-1', 'audio.wav'), Buffer.alloc(10));
    const now = new Date('2026-02-01T12:00:00Z');
    const dry = await purgeRuns(dir, { audioDays: 14, logDays: 365 }, now, { dryRun: true });
    expect(existsSync(join(old, 'audio.wav'))).toBe(true);
    expect(dry.lines.join('\n')).toContain('would remove');
    const r = await purgeRuns(dir, { audioDays: 14, logDays: 365 }, now);
    expect(r.audioRemoved).toEqual(['run-old']);
    expect(r.runsRemoved).toEqual(['run-ancient']);
    expect(existsSync(join(old, 'audio.wav'))).toBe(false);
    expect(existsSync(join(old, 'decisions.jsonl'))).toBe(true);
    expect(existsSync(join(young, 'audio.wav'))).toBe(true);
    expect(existsSync(ancient)).toBe(false);
    expect(existsSync(join(dir, 'rehearsal-1', 'audio.wav'))).toBe(true);
    const all = await purgeRuns(dir, { audioDays: 14 }, now, { allAudio: true });
    expect(all.audioRemoved).toEqual(['run-young']);
  });
});

describe('the run log file', () => {
  it('stops at its size limit with one clear failure, keeping whole lines', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'precue-jsonl-')), 'decisions.jsonl');
    const failures: unknown[] = [];
    const log = JsonlLog.open(file, { maxBytes: 100, onFailure: (e) => failures.push(e) });
    for (let i = 0; i < 10; i++) log.append({ i, pad: 'x'.repeat(20) });
    await log.close();
    const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
    expect(lines.length).toBe(2); // 36 bytes each: a third would pass 100
    for (const l of lines) expect(() => JSON.parse(l) as unknown).not.toThrow();
    expect(failures).toHaveLength(1);
    expect(String(failures[0])).toContain('size limit');
  });
});
