import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { showJsonSchemas } from '../../engine/cli/commands/schema.js';

const root = resolve(import.meta.dirname, '../..');

describe('published JSON Schemas', () => {
  it('show.schema.json and venue.schema.json match the validators (run `precue schema --out show.schema.json --venue-out venue.schema.json`)', () => {
    const { show, venue } = showJsonSchemas();
    expect(JSON.parse(readFileSync(resolve(root, 'show.schema.json'), 'utf8'))).toEqual(show);
    expect(JSON.parse(readFileSync(resolve(root, 'venue.schema.json'), 'utf8'))).toEqual(venue);
  });
});
