/**
 * Worker threads running modules of this engine, whether it runs from source (TypeScript through
 * tsx) or built (`npm run build`: plain JavaScript in dist/). Node 20 does not hand the main thread's
 * loader hooks to workers, so from source a two-line bootstrap registers tsx inside the worker and
 * then imports the module; built, the worker loads the `.js` beside its caller directly.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** URL of tsx's ESM register API, resolved from the engine (import.meta.resolve is missing under some runners, e.g. vitest). */
function tsxEsmApi(from: string): string {
  const meta = import.meta as { resolve?: (specifier: string) => string };
  if (typeof meta.resolve === 'function') return meta.resolve('tsx/esm/api');
  const pkgDir = dirname(createRequire(from).resolve('tsx/package.json'));
  return pathToFileURL(join(pkgDir, 'dist', 'esm', 'api', 'index.mjs')).href;
}

/**
 * Heap limits for a worker that allocates next to nothing once started (the frame clock, the OSC
 * input thread): V8 otherwise lets each isolate's young generation grow to 16 MB per semi-space while
 * the worker loads its modules, and keeps it resident for the life of the show.
 */
export const SMALL_WORKER_LIMITS = { maxYoungGenerationSizeMb: 4 } as const;

/**
 * Starts module `name` (a sibling of `callerUrl`, without extension, e.g. `./worker`) in a worker:
 * `name.ts` through tsx when the caller itself is TypeScript, else `name.js`.
 */
export function spawnModuleWorker(callerUrl: string, name: string, options: WorkerOptions = {}): Worker {
  // The thread is named after its module (inspector, heap reports, `--cpu-prof` files).
  options = { name: name.split('/').pop(), ...options };
  if (!callerUrl.endsWith('.ts')) return new Worker(new URL(`${name}.js`, callerUrl), options);
  const script = new URL(`${name}.ts`, callerUrl).href;
  const boot = `import(${JSON.stringify(tsxEsmApi(callerUrl))}).then((m) => { m.register(); return import(${JSON.stringify(script)}); });`;
  return new Worker(boot, { ...options, eval: true });
}
