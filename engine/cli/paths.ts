import { resolve } from 'node:path';
import { packageRoot } from '../io/packageRoot.js';

export { packageRoot };

/** The fixture library that ships with Precue. */
export const defaultFixturesDir = (): string => resolve(packageRoot(), 'fixtures');
