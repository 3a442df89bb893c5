import { getPriority } from 'node:os';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../engine/core/log.js';
import { ENGINE_NICE, raiseEnginePriority } from '../../engine/io/enginePriority.js';

describe('engine priority', () => {
  it('raises every thread of the process where it may, and says so once where it may not', () => {
    const said: string[] = [];
    const log = { ...createLogger('test'), info: (m: string) => void said.push(m) } as ReturnType<typeof createLogger>;
    const raised = raiseEnginePriority(log);
    if (process.getuid?.() === 0) {
      expect(raised).toBe(true);
      for (const tid of readdirSync('/proc/self/task').map(Number)) expect(getPriority(tid)).toBe(ENGINE_NICE);
      expect(said).toEqual([]);
    } else {
      console.log('engine priority: not root here; only the refusal path is checked');
      if (!raised) expect(said[0]).toMatch(/normal priority .*CAP_SYS_NICE/);
    }
  });
});
