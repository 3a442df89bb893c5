/**
 * Loading TensorFlow.js: `@tensorflow/tfjs-node` when it is installed and loads (native, fastest),
 * else `@tensorflow/tfjs` on the wasm backend (wasm files from node_modules), else the plain-JS cpu
 * backend. Loaded once per process.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createLogger } from '../../core/log.js';
import type { Tf } from '../../core/model/network.js';

const log = createLogger('io/model');

/** The loaded tfjs namespace and the backend in use. */
export interface TfRuntime {
  readonly tf: Tf;
  readonly backend: string;
}

let loading: Promise<TfRuntime> | undefined;

/** Loads tfjs once and picks the best backend available. `prefer` forces one ('wasm' or 'cpu'). */
export function loadTf(prefer?: 'wasm' | 'cpu'): Promise<TfRuntime> {
  loading ??= load(prefer);
  return loading;
}

async function load(prefer?: 'wasm' | 'cpu'): Promise<TfRuntime> {
  if (prefer === undefined) {
    try {
      const name = '@tensorflow/tfjs-node';
      const node = (await import(name)) as Tf;
      await node.ready();
      return { tf: node, backend: node.getBackend() };
    } catch {
      log.debug('tfjs-node not available; using @tensorflow/tfjs');
    }
  }
  const tf = await import('@tensorflow/tfjs');
  if (prefer !== 'cpu') {
    try {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      const require = createRequire(import.meta.url);
      const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
      wasm.setWasmPaths(join(dist, '/'));
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        return { tf, backend: 'wasm' };
      }
    } catch (err) {
      log.warn('tfjs wasm backend failed to start; using the cpu backend', { error: err instanceof Error ? err.message : String(err) });
    }
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return { tf, backend: 'cpu' };
}
