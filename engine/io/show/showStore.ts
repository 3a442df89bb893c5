/**
 * Where the show editor saves: the show folder's `show.json`, written atomically with the previous
 * version kept as `show.json.bak` (`writeFileAtomic`). The editor works on the document as written
 * (migrated in memory to this version, no venue applied, defaults absent), so a saved file says what
 * the author wrote plus the edits — not every default filled in.
 *
 * The file is never overwritten behind someone's back: if it changed on disk since the engine read or
 * last wrote it (a text editor, another engine, a `git pull`), saving refuses and says so; the edit is
 * then not made, and the console shows why edits are off until the show is reloaded.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { ShowFileError } from '../../core/errors.js';
import type { ShowDocument, ShowStore } from '../../core/edit/showEditor.js';
import { parseLocatedJson } from '../../core/json/locate.js';
import { migrate } from '../../core/show/migrations.js';
import { SHOW_VERSION } from '../../core/show/schema.js';
import { writeFileAtomic } from '../files/atomicWrite.js';
import { writeError } from '../files/writeError.js';

const digest = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The show file as a document the editor can change, and the store that saves it. */
export interface OpenedShowFile {
  readonly doc: ShowDocument;
  readonly store: ShowStore;
}

/**
 * Reads `<dir>/show.json` as a document for the editor. The show was already loaded and checked
 * (`loadShow`), so a problem here means the file changed in between: a ShowFileError says where.
 */
export async function openShowFile(dir: string): Promise<OpenedShowFile> {
  const path = join(dir, 'show.json');
  const shownAs = relative(process.cwd(), path) || path;
  const text = await readFile(path, 'utf8');
  const located = parseLocatedJson(text, shownAs);
  const value = located.value;
  const problem = located.syntaxProblems[0];
  if (problem !== undefined) throw new ShowFileError([problem]);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ShowFileError([located.problemAt([], 'the show file is not a JSON object', 'a show')]);
  const migrated = migrate(value as Record<string, unknown>, SHOW_VERSION);
  if (!migrated.ok || !Array.isArray(migrated.doc['departments'])) throw new ShowFileError([located.problemAt(['version'], 'the show file changed while the engine started', 'the show the engine loaded')]);
  return { doc: migrated.doc as ShowDocument, store: new ShowFileStore(path, shownAs, digest(text)) };
}

/** Saves the show document to `show.json` (see the module comment). */
export class ShowFileStore implements ShowStore {
  constructor(
    private readonly path: string,
    /** The file as the console names it (relative to where the engine runs). */
    readonly file: string,
    /** sha256 of the file as last read or written. */
    private known: string,
  ) {}

  async save(doc: ShowDocument): Promise<void> {
    const onDisk = await readFile(this.path, 'utf8').then(digest, () => null);
    if (onDisk !== null && onDisk !== this.known) {
      throw new Error(`${this.file} was changed on disk by something else since the engine read it; it was not overwritten (restart the engine to load it, or move that change aside)`);
    }
    const text = `${JSON.stringify(doc, null, 2)}\n`;
    try {
      await writeFileAtomic(this.path, text, { backup: true });
    } catch (err) {
      const e = writeError(this.file, err);
      throw e instanceof Error ? e : new Error(String(e));
    }
    this.known = digest(text);
  }
}
