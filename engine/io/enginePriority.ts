/**
 * The show first: `precue run` raises the niceness of its threads where it may (CAP_SYS_NICE), so the
 * main thread (fades, effects, decisions) and every thread started after it (audio analysis, the
 * model) are not kept waiting by other work on the machine. The DMX clock thread goes further
 * (SCHED_FIFO, engine/io/frameClock/worker.ts).
 */
import { existsSync, readdirSync } from 'node:fs';
import { setPriority } from 'node:os';
import type { Logger } from '../core/log.js';

/** Niceness the engine's threads ask for. */
export const ENGINE_NICE = -10;

/** Raises every thread of this process to ENGINE_NICE (each thread has its own on Linux); says once when it may not. */
export function raiseEnginePriority(log: Logger): boolean {
  try {
    const tids = existsSync('/proc/self/task') ? readdirSync('/proc/self/task').map(Number) : [0];
    for (const tid of tids) {
      try {
        setPriority(tid, ENGINE_NICE);
      } catch (err) {
        // A helper thread that ended meanwhile is not a refusal.
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH' && !/ESRCH|no such process/i.test(String(err))) throw err;
      }
    }
    return true;
  } catch (err) {
    log.info(`the engine runs at normal priority (${err instanceof Error ? err.message : String(err)}); grant CAP_SYS_NICE for steadier fades on a busy machine`);
    return false;
  }
}
