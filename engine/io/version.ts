/** The engine's version, read once from the package.json it ships with (for `/version`, banners, reports). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './packageRoot.js';

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** `version` from package.json, or `unknown` when it cannot be read. */
export const ENGINE_VERSION: string = readVersion();
