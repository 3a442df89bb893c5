/**
 * Starts a worker thread from a module beside the caller, from source (`.ts`, through tsx) or from a
 * build (`.js`). Node 20 does not pass `--import tsx` loader hooks to workers, so from source a
 * two-line bootstrap registers tsx inside the worker and then imports the script.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** URL of tsx's ESM register API (import.meta.resolve is missing under some runners, e.g. vitest). */
function tsxEsmApi(here: string): string {
  const meta = import.meta as { resolve?: (specifier: string) => string };
  if (typeof meta.resolve === 'function') return meta.resolve('tsx/esm/api');
  const pkgDir = dirname(createRequire(here).resolve('tsx/package.json'));
  return pathToFileURL(join(pkgDir, 'dist', 'esm', 'api', 'index.mjs')).href;
}

/** Spawns `<name>.ts` (or `.js`) next to the module at `callerUrl` with `workerData`. */
export function spawnModuleWorker(callerUrl: string, name: string, workerData: unknown): Worker {
  if (!callerUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, callerUrl), { workerData });
  const script = new URL(`./${name}.ts`, callerUrl).href;
  const boot = `import(${JSON.stringify(tsxEsmApi(callerUrl))}).then((m) => { m.register(); return import(${JSON.stringify(script)}); });`;
  return new Worker(boot, { eval: true, workerData });
}
