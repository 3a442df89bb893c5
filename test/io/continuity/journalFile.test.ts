import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeJournalLine, JOURNAL_FILE, readJournal } from '../../../engine/core/continuity/journal.js';
import { createLogger } from '../../../engine/core/log.js';
import { JOURNAL_LOCK_FILE, JournalFile } from '../../../engine/io/continuity/journalFile.js';

const log = createLogger('test/journal');
const dirs: string[] = [];
async function showDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'precue-journal-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('the journal file', () => {
  it('has each entry in the file as soon as append returns (a kill right after loses nothing)', async () => {
    const dir = await showDir();
    const { journal, point } = await JournalFile.open(dir, { log });
    expect(point.entries).toBe(0);
    journal.append({ kind: 'fire', dept: 'LX', cue: '1', by: 'operator' });
    // No await: already in the kernel.
    const { entries } = readJournal(await readFile(join(dir, JOURNAL_FILE), 'utf8'));
    expect(entries.map((e) => e.kind)).toEqual(['fire']);
    await journal.close();
  });

  it('closes a line cut short so the next entry reads, and says which line was skipped', async () => {
    const dir = await showDir();
    const whole = encodeJournalLine({ kind: 'fire', dept: 'LX', cue: '1', by: 'operator' }, '2026-12-06T08:00:00.000Z');
    await writeFile(join(dir, JOURNAL_FILE), whole + whole.slice(0, 25));
    const { journal, point } = await JournalFile.open(dir, { log });
    expect(point.depts[0]?.cue).toBe('1');
    expect(point.skipped.map((s) => s.line)).toEqual([2]);
    journal.append({ kind: 'fire', dept: 'LX', cue: '2', by: 'operator' });
    await journal.close();
    const again = readJournal(await readFile(join(dir, JOURNAL_FILE), 'utf8'));
    expect(again.entries.map((e) => (e.kind === 'fire' ? e.cue : e.kind))).toEqual(['1', '2']);
  });

  it('refuses a folder another living engine journals, takes over a lock a killed engine left', async () => {
    const dir = await showDir();
    const first = await JournalFile.open(dir, { log });
    await writeFile(join(dir, JOURNAL_LOCK_FILE), `${process.ppid}\n`);
    await expect(JournalFile.open(dir, { log })).rejects.toThrow(/another engine/);
    await first.journal.close();
    await writeFile(join(dir, JOURNAL_LOCK_FILE), '999999999\n');
    const second = await JournalFile.open(dir, { log });
    await second.journal.close();
  });

  it('compacts a long journal into one checkpoint atomically, keeping the old one as .bak', async () => {
    const dir = await showDir();
    const { journal } = await JournalFile.open(dir, { log });
    for (let i = 1; i <= 30; i++) journal.append({ kind: 'fire', dept: 'LX', cue: String(i), by: 'operator' });
    journal.append({ kind: 'stop' });
    await journal.close();
    const { journal: j2, point } = await JournalFile.open(dir, { log, compactLines: 10 });
    await j2.close();
    expect(point.depts[0]?.cue).toBe('30');
    const compacted = readJournal(await readFile(join(dir, JOURNAL_FILE), 'utf8'));
    expect(compacted.entries.map((e) => e.kind)).toEqual(['checkpoint', 'stop']);
    expect(readJournal(await readFile(join(dir, `${JOURNAL_FILE}.bak`), 'utf8')).entries).toHaveLength(31);
  });
});
