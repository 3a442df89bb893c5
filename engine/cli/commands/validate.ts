import { resolve } from 'node:path';
import { formatProblem } from '../../core/errors.js';
import { catalogFromDefinitions } from '../../core/show/catalog.js';
import { loadFixtureLibrary } from '../../io/fixtures/loadFixtureLibrary.js';
import { checkShowFolder } from '../../io/show/loadShow.js';
import { EXIT } from '../exitCodes.js';
import { parseCommandArgs, type Command } from '../command.js';
import { defaultFixturesDir } from '../paths.js';

export const command: Command = {
  name: ['validate'],
  summary: 'check a show folder (and its venues): every problem, located',
  help: `Usage: precue validate <show-folder> [--venue <name>] [--fixtures <dir>] [--json]

Checks show.json against the schema and the patch: broken JSON, unknown fixture types or modes,
fixtures overlapping on a universe, addresses past 512, cues naming missing fixtures, messages to
outputs that do not exist, and names a switcher or playout server does not have (scenes, inputs,
macros, clips, templates) where the show names a device profile for it. With --venue, checks that venue against the show; without it, checks every
venue in venues/. Reports every problem at once as file:line:column: path: message (expected …).
Never modifies any file. Exits 0 when the show is valid, 1 otherwise.

Options:
  --venue <name>    check only venues/<name>.json
  --fixtures <dir>  the fixture library (default: the fixtures/ folder of this Precue)
  --json            print the problems as JSON

Example:
  precue validate shows/demo --venue touring
`,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs('validate', args, {
      venue: { type: 'string' },
      fixtures: { type: 'string' },
      json: { type: 'boolean', default: false },
    });
    const dir = positionals[0];
    if (dir === undefined || positionals.length > 1) {
      ctx.stderr("precue validate: give one show folder, e.g. 'precue validate shows/demo'.\n");
      return EXIT.usage;
    }
    const library = await loadFixtureLibrary(resolve(values.fixtures ?? defaultFixturesDir()));
    const check = await checkShowFolder(dir, catalogFromDefinitions(library), { ...(values.venue !== undefined ? { venue: values.venue } : { allVenues: true }), deviceProfiles: true });
    if (values.json === true) {
      ctx.stdout(`${JSON.stringify({ ok: check.problems.length === 0, show: dir, venues: check.venuesChecked, problems: check.problems }, null, 2)}\n`);
      return check.problems.length === 0 ? EXIT.ok : EXIT.failed;
    }
    if (check.problems.length === 0) {
      const show = check.show;
      const venues = check.venuesChecked.length > 0 ? `; venues ok: ${check.venuesChecked.join(', ')}` : '';
      const summary = show !== undefined
        ? `${show.fixtures.length} fixtures on ${show.outputs.universes.length} universes, ${show.departments.map((d) => `${d.id} ${d.cues.length} cues`).join(', ')}`
        : '';
      ctx.stdout(`${dir}: valid — ${summary}${venues}\n`);
      return EXIT.ok;
    }
    for (const p of check.problems) ctx.stdout(`${formatProblem(p)}\n`);
    ctx.stdout(`${check.problems.length} problem${check.problems.length === 1 ? '' : 's'} in ${dir}\n`);
    return EXIT.failed;
  },
};
