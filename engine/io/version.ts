/** The engine's version, read once from the package.json it ships with (for `/version`, banners, reports). */
import { readFileSync } from 'node:fs';

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** `version` from package.json, or `unknown` when it cannot be read. */
export const ENGINE_VERSION: string = readVersion();
