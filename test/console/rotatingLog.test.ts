import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RotatingLog } from '../../console/electron/rotatingLog.js';

describe("the desk's engine log", () => {
  it('rotates at the size limit and keeps only the newest files, private to the user', () => {
    const dir = mkdtempSync(join(tmpdir(), 'precue-log-'));
    const log = new RotatingLog(join(dir, 'engine.log'), { maxBytes: 1000, keep: 2 });
    for (let i = 0; i < 500; i++) log.write(`line ${String(i).padStart(4, '0')} ${'x'.repeat(40)}\n`);
    log.close();
    expect(readdirSync(dir).sort()).toEqual(['engine.log', 'engine.log.1', 'engine.log.2']);
    for (const f of readdirSync(dir)) expect(statSync(join(dir, f)).size).toBeLessThanOrEqual(1000);
    expect(readFileSync(join(dir, 'engine.log'), 'utf8')).toContain('line 0499');
    expect(statSync(join(dir, 'engine.log')).mode & 0o777).toBe(0o600);
  });
});
