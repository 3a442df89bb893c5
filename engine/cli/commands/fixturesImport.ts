/**
 * `precue fixtures import <file-or-folder>... [--out fixtures/]`: converts Open Fixture Library
 * `.json` and QLC+ `.qxf` definitions into the project's fixture library and reports, per file, what
 * could not be mapped, what was skipped and what failed.
 */
import { UsageError } from '../../core/errors.js';
import { isUnmapped } from '../../core/fixtures/importResult.js';
import { importFixtures, type ImportFileReport } from '../../io/fixtures/importFixtures.js';
import { EXIT } from '../exitCodes.js';
import { parseCommandArgs, type Command } from '../command.js';

const help = `Usage: precue fixtures import <file-or-folder>... [options]

Converts fixture definitions into Precue's library (Open Fixture Library JSON,
fixtures/<manufacturer>/<model>.json). Reads OFL .json files and QLC+ .qxf files;
folders are searched recursively. OFL redirect files and manufacturers.json are
skipped. For every file it reports what could not be mapped exactly, and checks
that the fixture model can render every mode.

Options:
  --out <dir>     library folder to write into (default: fixtures)
  --dry-run       convert and check, write nothing
  --report        list, per fixture, every capability and part it could not map
  --verbose       print every warning (default: the first 5 per file)
  --quiet         print only failures and the summary
  --json          print the report as JSON instead of text

Exit status: 0 when every file converted or was skipped on purpose, 1 when some
files failed (the others are still written), 2 on a usage error.

Example:
  precue fixtures import ../shared/data/qlcplus-sample --out fixtures
`;

/** Today's date as YYYY-MM-DD (UTC), for the conversion's meta. */
function today(): string {
  return new Date().toISOString().slice(0, 10);
}

function describe(r: ImportFileReport, verbose: boolean): string[] {
  if (r.status === 'failed') return [`FAILED  ${r.file}: ${r.reason ?? 'unknown reason'}`];
  if (r.status === 'skipped') return [`skipped ${r.file}: ${r.reason ?? ''}`];
  const head = `ok      ${r.file} -> ${r.output ?? r.type ?? ''}${r.warnings.length > 0 ? ` (${r.warnings.length} not mapped exactly)` : ''}`;
  const shown = verbose ? r.warnings : r.warnings.slice(0, 5);
  const more = r.warnings.length - shown.length;
  return [head, ...shown.map((w) => `          - ${w}`), ...(more > 0 ? [`          … ${more} more (use --verbose)`] : [])];
}

/** A fixture's report lines: what it could not map, every item (nothing when it mapped everything). */
function reportLines(r: ImportFileReport): string[] {
  if (r.status === 'failed') return [`FAILED  ${r.file}: ${r.reason ?? 'unknown reason'}`];
  const lost = r.warnings.filter(isUnmapped);
  if (r.status !== 'converted' || lost.length === 0) return [];
  return [`${r.type ?? r.file} (${r.file}): ${lost.length} not mapped`, ...lost.map((w) => `  - ${w}`)];
}

/** The `fixtures import` subcommand. */
export const command: Command = {
  name: ['fixtures', 'import'],
  summary: 'convert OFL .json and QLC+ .qxf fixture definitions into the fixture library',
  help,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs('fixtures import', args, {
      out: { type: 'string' },
      'dry-run': { type: 'boolean' },
      verbose: { type: 'boolean' },
      report: { type: 'boolean' },
      quiet: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    if (positionals.length === 0) {
      throw new UsageError("precue fixtures import: name at least one file or folder. See 'precue fixtures import --help'.");
    }
    const verbose = values.verbose === true;
    const report = values.report === true;
    const quiet = values.quiet === true;
    const asJson = values.json === true;
    const summary = await importFixtures(positionals, {
      ...(values.out !== undefined ? { outDir: values.out } : {}),
      today: today(),
      dryRun: values['dry-run'] === true,
      onFile: (r) => {
        if (asJson || (quiet && r.status !== 'failed')) return;
        if (report) {
          const lines = reportLines(r);
          if (lines.length > 0) ctx.stdout(`${lines.join('\n')}\n`);
          return;
        }
        ctx.stdout(`${describe(r, verbose).join('\n')}\n`);
      },
    });
    const total = summary.converted + summary.failed;
    const pct = total === 0 ? 0 : (100 * summary.converted) / total;
    if (asJson) {
      const files = summary.files.map(({ definition: _definition, ...rest }) => ({ ...rest, notMapped: rest.warnings.filter(isUnmapped) }));
      ctx.stdout(`${JSON.stringify({ converted: summary.converted, skipped: summary.skipped, failed: summary.failed, files }, null, 2)}\n`);
    } else {
      const byFormat = (format: 'ofl' | 'qxf'): string => {
        const of = summary.files.filter((f) => f.format === format);
        const ok = of.filter((f) => f.status === 'converted').length;
        const candidates = of.filter((f) => f.status !== 'skipped').length;
        return `${format === 'ofl' ? 'OFL' : 'QLC+'} ${ok}/${candidates}`;
      };
      const notExact = summary.files.filter((f) => f.warnings.length > 0).length;
      if (report) {
        const lost = summary.files.reduce((n, f) => n + f.warnings.filter(isUnmapped).length, 0);
        const fixtures = summary.files.filter((f) => f.warnings.some(isUnmapped)).length;
        ctx.stdout(`\nreport: ${lost} things not mapped in ${fixtures} fixtures (listed above); every other capability, mode slot and head came through\n`);
      }
      ctx.stdout(
        `\nconverted ${summary.converted} of ${total} fixture files (${pct.toFixed(1)}%: ${byFormat('ofl')}, ${byFormat('qxf')}); ` +
          `${notExact} with something not mapped exactly; skipped ${summary.skipped}; failed ${summary.failed}` +
          `${values['dry-run'] === true ? ' (dry run: nothing written)' : ''}\n`,
      );
    }
    if (summary.converted === 0 && summary.failed === 0 && summary.skipped === 0) {
      throw new UsageError(`precue fixtures import: no .json or .qxf files found in ${positionals.join(', ')}.`);
    }
    return summary.failed > 0 ? EXIT.failed : EXIT.ok;
  },
};
