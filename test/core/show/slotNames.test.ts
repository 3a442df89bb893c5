import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogFromDefinitions } from '../../../engine/core/show/catalog.js';
import { checkShowText } from '../../../engine/core/show/validate.js';
import { loadFixtureLibrary } from '../../../engine/io/fixtures/loadFixtureLibrary.js';

const root = resolve(import.meta.dirname, '../../..');
const demo = readFileSync(join(root, 'shows/demo/show.json'), 'utf8');

describe('gobo and colour-wheel names against the patched fixture', () => {
  it('refuses a misspelt slot with the slots the fixture has, located in the file', async () => {
    const catalog = catalogFromDefinitions(await loadFixtureLibrary(join(root, 'fixtures')));
    expect(checkShowText(demo, 'show.json', catalog).problems).toEqual([]);
    const typo = checkShowText(demo.replace('"Congo Blue"', '"Rde-typo"').replace('"Dots"', '"Dtos"'), 'show.json', catalog);
    expect(typo.value).toBeUndefined();
    expect(typo.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      "departments[0].cues[0].levels.heads.colorWheel: cue LX 1: 'mh1' (generic/moving-head) has no colour-wheel slot \"Rde-typo\"",
      "departments[0].cues[1].levels.heads.gobo: cue LX 2: 'mh1' (generic/moving-head) has no gobo \"Dtos\"",
    ]);
    // Located on the line of the misspelt value.
    const line = demo.slice(0, demo.indexOf('"Congo Blue"')).split('\n').length;
    expect(typo.problems[0]).toMatchObject({ line, expected: expect.stringContaining('"congo blue"') as string });
  });

  it('accepts names in any case, part of a slot name, open, and gobo numbers within the wheel', async () => {
    const catalog = catalogFromDefinitions(await loadFixtureLibrary(join(root, 'fixtures')));
    const ok = demo.replace('"Congo Blue"', '"congo"').replace('"Dots"', '3');
    expect(checkShowText(ok, 'show.json', catalog).problems).toEqual([]);
    expect(checkShowText(demo.replace('"Dots"', '42'), 'show.json', catalog).problems[0]?.expected).toBe('a gobo number from 0 to 6');
  });
});
