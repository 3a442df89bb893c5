import { resolve } from 'node:path';
import { z } from 'zod';
import { showFileSchema } from '../../core/show/schema.js';
import { venueFileSchema } from '../../core/show/venue.js';
import { writeFileAtomic } from '../../io/files/atomicWrite.js';
import { parseCommandArgs, type Command } from '../command.js';
import { EXIT } from '../exitCodes.js';

/** The JSON Schemas for show and venue files, as editors read them (defaults optional). */
export function showJsonSchemas(): { show: unknown; venue: unknown } {
  const show = z.toJSONSchema(showFileSchema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' });
  const venue = z.toJSONSchema(venueFileSchema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' });
  return {
    show: { ...show, $id: 'https://precue.show/schema/show-1.json', title: 'Precue show file (show.json), version 1' },
    venue: { ...venue, $id: 'https://precue.show/schema/venue-1.json', title: 'Precue venue file (venues/<name>.json), version 1' },
  };
}

export const command: Command = {
  name: ['schema'],
  summary: 'write the JSON Schemas of show and venue files (for editor autocompletion)',
  help: `Usage: precue schema [--out show.schema.json] [--venue-out venue.schema.json]

Writes the JSON Schema generated from the show-file validators, so editors autocomplete show.json
(point "$schema" at it). Without --out, prints the show schema.

Options:
  --out <file>        where to write the show schema
  --venue-out <file>  where to write the venue schema
`,
  async run(args, ctx) {
    const { values } = parseCommandArgs('schema', args, { out: { type: 'string' }, 'venue-out': { type: 'string' } });
    const schemas = showJsonSchemas();
    const text = `${JSON.stringify(schemas.show, null, 2)}\n`;
    if (values.out === undefined) ctx.stdout(text);
    else {
      await writeFileAtomic(resolve(values.out), text, { backup: false });
      ctx.stdout(`wrote ${values.out}\n`);
    }
    if (values['venue-out'] !== undefined) {
      await writeFileAtomic(resolve(values['venue-out']), `${JSON.stringify(schemas.venue, null, 2)}\n`, { backup: false });
      ctx.stdout(`wrote ${values['venue-out']}\n`);
    }
    return EXIT.ok;
  },
};
