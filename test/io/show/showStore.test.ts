/**
 * Saving the edited show: atomically, the previous version kept as `show.json.bak`, and never over a
 * file someone else changed on disk since the engine read it.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openShowFile } from '../../../engine/io/show/showStore.js';

let dir: string;
const original = { version: 1, name: 'store', fixtures: [], outputs: { universes: [] }, departments: [{ id: 'LX', cues: [{ number: '1' }] }] };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'precue-store-'));
  await writeFile(join(dir, 'show.json'), JSON.stringify(original));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('the show file store', () => {
  it('opens the document migrated in memory, saves edits and keeps the previous file as .bak', async () => {
    const { doc, store } = await openShowFile(dir);
    expect(doc.version).toBeGreaterThan(1); // migrated in memory; the file on disk is untouched until a save
    const edited = { ...doc, departments: [{ id: 'LX', cues: [{ number: '1' }, { number: '1.5', name: 'new' }] }] };
    await store.save(edited);
    expect(JSON.parse(await readFile(join(dir, 'show.json'), 'utf8'))).toEqual(edited);
    expect(JSON.parse(await readFile(join(dir, 'show.json.bak'), 'utf8'))).toEqual(original);
    // A second save keeps the first edit as the backup.
    await store.save({ ...edited, name: 'renamed' });
    expect(JSON.parse(await readFile(join(dir, 'show.json.bak'), 'utf8'))).toEqual(edited);
  });

  it('refuses to overwrite a file changed on disk since it was read, and leaves it as it is', async () => {
    const { doc, store } = await openShowFile(dir);
    const byHand = JSON.stringify({ ...original, name: 'edited in a text editor' });
    await writeFile(join(dir, 'show.json'), byHand);
    await expect(store.save({ ...doc, name: 'from the console' })).rejects.toThrow(/changed on disk by something else/);
    expect(await readFile(join(dir, 'show.json'), 'utf8')).toBe(byHand);
  });

  it('says why a save failed in one line naming the file', async () => {
    const { doc, store } = await openShowFile(dir);
    await rm(dir, { recursive: true, force: true });
    await expect(store.save(doc)).rejects.toThrow(/show\.json/);
  });
});
