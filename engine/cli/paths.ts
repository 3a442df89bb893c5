import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository (or installed package) root: where `fixtures/` and `shows/` ship. */
export const packageRoot = (): string => resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The fixture library that ships with Precue. */
export const defaultFixturesDir = (): string => resolve(packageRoot(), 'fixtures');
