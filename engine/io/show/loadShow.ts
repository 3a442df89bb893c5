/**
 * Reads a show folder from disk: `show.json`, optionally a venue from `venues/<name>.json`. Loading
 * never writes to the user's files; migrations run in memory.
 */
import { readdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { ShowFileError, type FileProblem } from '../../core/errors.js';
import type { ShowFile } from '../../core/show/schema.js';
import { parseLocatedJson } from '../../core/json/locate.js';
import { checkDeviceProfileText, checkShowText, checkVenueText, type FixtureCatalog } from '../../core/show/validate.js';
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
 * show; with `allVenues`, checks each venue in `venues/`; with `deviceProfiles`, checks the names the
 * show uses on each switcher and playout output against the device profile it names.
 */
export async function checkShowFolder(dir: string, catalog: FixtureCatalog, options: { venue?: string; allVenues?: boolean; deviceProfiles?: boolean } = {}): Promise<ShowCheck> {
  const abs = resolve(dir);
  const showPath = join(abs, 'show.json');
  const shownAs = relative(process.cwd(), showPath) || showPath;
  const read = await readText(showPath, shownAs);
  if (read.text === undefined) return { dir: abs, show: undefined, problems: read.problem ? [read.problem] : [], venuesChecked: [] };
  const checked = checkShowText(read.text, shownAs, catalog);
  const problems = [...checked.problems];
  if (options.deviceProfiles === true && checked.value !== undefined) problems.push(...(await checkDeviceProfiles(abs, checked.value, read.text, shownAs)));
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

/** Checks every device profile a show names (a profile path is relative to the show folder). */
async function checkDeviceProfiles(dir: string, show: ShowFile, showText: string, shownAs: string): Promise<FileProblem[]> {
  const problems: FileProblem[] = [];
  const showDoc = parseLocatedJson(showText, shownAs);
  const outputs = [
    ...show.outputs.switchers.map((o, i) => ({ o, path: ['outputs', 'switchers', i, 'profile'] as const })),
    ...show.outputs.playout.map((o, i) => ({ o, path: ['outputs', 'playout', i, 'profile'] as const })),
  ];
  for (const { o, path } of outputs) {
    if (o.profile === undefined) continue;
    const file = isAbsolute(o.profile) ? o.profile : join(dir, o.profile);
    const profileShownAs = relative(process.cwd(), file) || file;
    const read = await readText(file, profileShownAs);
    if (read.text === undefined) {
      problems.push(showDoc.problemAt(path, `the device profile '${o.profile}' of '${o.id}' ${read.problem?.message ?? 'cannot be read'}`, 'a JSON file in the show folder listing what the device has'));
      continue;
    }
    problems.push(...checkDeviceProfileText(show, showDoc, o.id, read.text, profileShownAs));
  }
  return problems;
}

/** Loads a show for running: throws a ShowFileError listing every problem if it cannot be used. */
export async function loadShow(dir: string, catalog: FixtureCatalog, venue?: string): Promise<LoadedShow> {
  const check = await checkShowFolder(dir, catalog, venue !== undefined ? { venue } : {});
  if (check.show === undefined || check.problems.length > 0) throw new ShowFileError(check.problems.length ? check.problems : [{ file: dir, path: '', message: 'show could not be loaded' }]);
  return venue !== undefined ? { dir: check.dir, show: check.show, venue } : { dir: check.dir, show: check.show };
}
