/** The fixture catalog a show is validated against, built from loaded fixture definitions. */
import type { FixtureDefinition } from '../fixtures/definition.js';
import { compileProfile, modeFootprint, type FixtureProfile } from '../fixtures/profile.js';
import type { FixtureCatalog } from './validate.js';

/** Definitions by fixture type (`generic/rgbw-par`), as the fixture library holds them. */
export interface DefinitionSource {
  readonly types: readonly string[];
  get(type: string): FixtureDefinition | undefined;
}

/** Makes a validation catalog from fixture definitions. Footprints are computed once per type. */
export function catalogFromDefinitions(definitions: DefinitionSource): FixtureCatalog {
  const cache = new Map<string, Array<{ name: string; shortName?: string; channelCount: number }>>();
  const profiles = new Map<string, FixtureProfile | undefined>();
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
    choices(type, mode) {
      const key = `${type}\u0000${mode}`;
      if (!profiles.has(key)) {
        const def = definitions.get(type);
        let profile: FixtureProfile | undefined;
        try {
          profile = def === undefined ? undefined : compileProfile(def, mode);
        } catch {
          profile = undefined; // an unknown mode is reported by the patch check
        }
        profiles.set(key, profile);
      }
      return profiles.get(key)?.choices;
    },
  };
}
