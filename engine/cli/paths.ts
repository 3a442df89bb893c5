import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository (or installed package) root: where `fixtures/` and `shows/` ship. The built engine
 * runs from dist/engine/, one level further down.
 */
export const packageRoot = (): string => {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  return basename(root) === 'dist' ? dirname(root) : root;
};

/** The fixture library that ships with Precue. */
export const defaultFixturesDir = (): string => resolve(packageRoot(), 'fixtures');
