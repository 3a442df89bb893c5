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

describe('precue schema: errors a user can act on', () => {
  it('writing into a folder that does not exist is one located line and exit 1, not a stack trace', async () => {
    const { runCli } = await import('../../engine/cli/main.js');
    let err = '';
    const code = await runCli(['schema', '--out', 'no-such-folder-xyz/show.schema.json'], { stdout: () => undefined, stderr: (s) => (err += s), exit: () => undefined });
    expect(code).toBe(1);
    expect(err).toMatch(/^precue schema: cannot write \S*no-such-folder-xyz\/show\.schema\.json: no such file or folder\n$/);
  });
});
