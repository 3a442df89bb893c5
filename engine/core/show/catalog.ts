/** The fixture catalog a show is validated against, built from loaded fixture definitions. */
import type { FixtureDefinition } from '../fixtures/definition.js';
import { modeFootprint } from '../fixtures/profile.js';
import type { FixtureCatalog } from './validate.js';

/** Definitions by fixture type (`generic/rgbw-par`), as the fixture library holds them. */
export interface DefinitionSource {
  readonly types: readonly string[];
  get(type: string): FixtureDefinition | undefined;
}

/** Makes a validation catalog from fixture definitions. Footprints are computed once per type. */
export function catalogFromDefinitions(definitions: DefinitionSource): FixtureCatalog {
  const cache = new Map<string, Array<{ name: string; shortName?: string; channelCount: number }>>();
  return {
    modes(type) {
      const cached = cache.get(type);
      if (cached !== undefined) return cached;
      const def = definitions.get(type);
      if (def === undefined) return undefined;
      const modes = def.modes.map((m) => ({
        name: m.name,
        ...(m.shortName !== undefined ? { shortName: m.shortName } : {}),
        channelCount: modeFootprint(def, m.name) ?? m.channels.length,
      }));
      cache.set(type, modes);
      return modes;
    },
    types: () => definitions.types,
  };
}
