/**
 * Reads a show folder from disk: `show.json`, optionally a venue from `venues/<name>.json`. Loading
 * never writes to the user's files; migrations run in memory.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { ShowFileError, type FileProblem } from '../../core/errors.js';
import type { ShowFile } from '../../core/show/schema.js';
import { checkShowText, checkVenueText, type FixtureCatalog } from '../../core/show/validate.js';
import { pushAll } from '../../core/vector.js';

/** A show ready for the engine, with where it came from. */
export interface LoadedShow {
  /** Absolute path of the show folder. */
  readonly dir: string;
  /** The show after the venue (if any) was applied. */
  readonly show: ShowFile;
  /** The venue applied, by name. */
  readonly venue?: string;
}

/** Result of `checkShowFolder`: every problem across show.json and the venues checked. */
export interface ShowCheck {
  readonly dir: string;
  readonly show: ShowFile | undefined;
  readonly problems: readonly FileProblem[];
  /** Venues checked (all of them when no single venue was asked for). */
  readonly venuesChecked: readonly string[];
}

async function readText(file: string, shownAs: string): Promise<{ text?: string; problem?: FileProblem }> {
  try {
    return { text: await readFile(file, 'utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a folder, not a file' : `cannot be read (${code ?? String(err)})`;
    return { problem: { file: shownAs, path: '', message, expected: 'a readable JSON file' } };
  }
}

/** Lists the venue names in a show folder (`venues/*.json`). */
export async function listVenues(dir: string): Promise<string[]> {
  try {
    const names = await readdir(join(dir, 'venues'));
    return names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -'.json'.length)).sort();
  } catch {
    return [];
  }
}

/**
 * Checks a show folder and returns every problem found. With `venue`, checks that venue against the
 * show; with `allVenues`, checks each venue in `venues/`.
 */
export async function checkShowFolder(dir: string, catalog: FixtureCatalog, options: { venue?: string; allVenues?: boolean } = {}): Promise<ShowCheck> {
  const abs = resolve(dir);
  const showPath = join(abs, 'show.json');
  const shownAs = relative(process.cwd(), showPath) || showPath;
  const read = await readText(showPath, shownAs);
  if (read.text === undefined) return { dir: abs, show: undefined, problems: read.problem ? [read.problem] : [], venuesChecked: [] };
  const checked = checkShowText(read.text, shownAs, catalog);
  const problems = [...checked.problems];
  const venues = options.venue !== undefined ? [options.venue] : options.allVenues === true ? await listVenues(abs) : [];
  let show = checked.value;
  for (const name of venues) {
    const venuePath = join(abs, 'venues', `${name}.json`);
    const venueShownAs = relative(process.cwd(), venuePath) || venuePath;
    const venueText = await readText(venuePath, venueShownAs);
    if (venueText.text === undefined) {
      const available = await listVenues(abs);
      problems.push({ file: venueShownAs, path: '', message: `venue '${name}' not found`, expected: available.length ? `one of ${available.join(', ')}` : 'a file in venues/' });
      continue;
    }
    if (checked.value === undefined) continue; // A venue can only be checked against a valid show.
    const v = checkVenueText(venueText.text, venueShownAs, checked.value, catalog);
    pushAll(problems, v.problems);
    if (options.venue !== undefined) show = v.value?.show;
  }
  return { dir: abs, show: problems.length === 0 ? show : undefined, problems, venuesChecked: venues };
}

/** Loads a show for running: throws a ShowFileError listing every problem if it cannot be used. */
export async function loadShow(dir: string, catalog: FixtureCatalog, venue?: string): Promise<LoadedShow> {
  const check = await checkShowFolder(dir, catalog, venue !== undefined ? { venue } : {});
  if (check.show === undefined || check.problems.length > 0) throw new ShowFileError(check.problems.length ? check.problems : [{ file: dir, path: '', message: 'show could not be loaded' }]);
  return venue !== undefined ? { dir: check.dir, show: check.show, venue } : { dir: check.dir, show: check.show };
}
