/**
 * `journal.jsonl` on disk: append-only, one line per entry (`engine/core/continuity/journal.ts`).
 *
 * Crash safety: each entry goes out in one `write` of one line to a file opened for appending, before
 * `append` returns; `fdatasync` follows in batches. A kill -9 leaves a line whole or absent (at worst a
 * power cut leaves the last line cut short); the reader skips a cut line and says so. On open, a cut tail is closed with a
 * newline so the next entry starts on a line of its own. A journal longer than
 * `JOURNAL_COMPACT_LINES` is rewritten as one checkpoint atomically (temporary file, fsync, rename;
 * the previous file kept as `journal.jsonl.bak`).
 *
 * One engine journals a show folder at a time: `journal.lock` holds its pid. A second engine on the
 * same folder (a backup started on the primary's machine) runs without a journal and says so; a lock
 * left by a killed engine is taken over.
 */
import { writeSync } from 'node:fs';
import { open, readFile, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeJournalLine, foldJournal, JOURNAL_COMPACT_LINES, JOURNAL_FILE, readJournal, type JournalRecord, type ResumePoint } from '../../core/continuity/journal.js';
import { DeviceError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { writeFileAtomic } from '../files/atomicWrite.js';

/** The lock file beside the journal. */
export const JOURNAL_LOCK_FILE = 'journal.lock';

/** Options for opening a journal. */
export interface JournalOptions {
  readonly log: Logger;
  /** Wall clock for the entries' `at` (default `new Date()`). */
  readonly now?: () => Date;
  /** Lines after which the journal is compacted on open (default `JOURNAL_COMPACT_LINES`). */
  readonly compactLines?: number;
  /** fdatasync after each batch (default true; off only for benches of the writer itself). */
  readonly sync?: boolean;
}

/** Whether a process with this pid is alive (and not us). */
function otherProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function takeLock(dir: string): Promise<string> {
  const lock = join(dir, JOURNAL_LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(lock, `${process.pid}\n`, { flag: 'wx' });
      return lock;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new DeviceError(`journal lock ${lock}`, `cannot create it (${(err as Error).message})`, 'check that the show folder is writable');
      const holder = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
      if (otherProcessAlive(holder)) throw new DeviceError(`journal ${join(dir, JOURNAL_FILE)}`, `another engine (pid ${holder}) journals this show folder`, 'give each engine its own copy of the show folder');
      // Left by an engine that was killed: ours now.
      await rm(lock, { force: true });
    }
  }
  throw new DeviceError(`journal lock ${lock}`, 'could not be taken');
}

/** An open journal: each entry reaches the kernel as it is appended; the disk, in batches. */
export class JournalFile {
  private syncing: Promise<void> = Promise.resolve();
  private syncPending = false;
  private failures = 0;
  private closed = false;
  /** Entries written since open. */
  written = 0;

  private constructor(
    /** The journal's path. */
    readonly file: string,
    private readonly handle: FileHandle,
    private readonly lock: string,
    private readonly options: JournalOptions,
  ) {}

  /**
   * Takes the show folder's journal: reads what it holds (the point to resume from), closes a line a
   * kill cut short, compacts a long one, and opens it for appending. Rejects with a DeviceError when
   * another engine holds it or the folder cannot be written.
   */
  static async open(showDir: string, options: JournalOptions): Promise<{ journal: JournalFile; point: ResumePoint }> {
    const file = join(showDir, JOURNAL_FILE);
    const lock = await takeLock(showDir);
    try {
      const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return '';
        throw new DeviceError(`journal ${file}`, `cannot read it (${err.message})`);
      });
      const { entries, skipped } = readJournal(text);
      const point = foldJournal(entries, skipped);
      for (const s of skipped) options.log.warn(`${file}:${s.line}: line skipped: ${s.reason}`);
      const now = options.now ?? (() => new Date());
      if (entries.length > (options.compactLines ?? JOURNAL_COMPACT_LINES)) {
        // One checkpoint says it all; the long history stays in journal.jsonl.bak until the next compaction.
        const checkpoint: JournalRecord = {
          kind: 'checkpoint',
          depts: point.depts.map((d) => ({ dept: d.dept, cue: d.cue, ...(d.mode !== undefined ? { mode: d.mode } : {}), ...(d.panicked ? { panicked: true } : {}) })),
          panic: point.panic,
          grandMaster: point.grandMaster ?? 1,
          blackout: point.blackout ?? false,
        };
        const at = now().toISOString();
        await writeFileAtomic(file, encodeJournalLine(checkpoint, at) + (point.cleanStop ? encodeJournalLine({ kind: 'stop' }, at) : ''), { backup: true });
        options.log.info(`journal compacted: ${entries.length} entries into one checkpoint (the previous journal is ${JOURNAL_FILE}.bak)`);
      } else if (text.length > 0 && !text.endsWith('\n')) {
        await writeFile(file, '\n', { flag: 'a' });
      }
      const handle = await open(file, 'a');
      return { journal: new JournalFile(file, handle, lock, options), point };
    } catch (err) {
      await rm(lock, { force: true });
      throw err instanceof DeviceError ? err : new DeviceError(`journal ${file}`, err instanceof Error ? err.message : String(err), 'check that the show folder is writable');
    }
  }

  /**
   * Writes an entry: one `write` of one line to the file opened for appending, before this returns,
   * so a kill -9 right after it loses nothing (the kernel has the line) and a kill before it leaves no
   * part of it — an entry is journaled before anything it records reaches the wire. `fdatasync`
   * follows in the background, batched (a power cut may lose the last lines, never corrupt the
   * earlier ones). Never throws: a failed write is logged and the show goes on.
   */
  append(record: JournalRecord): void {
    if (this.closed) return;
    const line = encodeJournalLine(record, (this.options.now ?? (() => new Date()))().toISOString());
    try {
      writeSync(this.handle.fd, line);
      this.written++;
      if (this.failures > 0) {
        this.options.log.info(`journal ${this.file}: writing again after ${this.failures} failed entr${this.failures === 1 ? 'y' : 'ies'}`);
        this.failures = 0;
      }
    } catch (err) {
      this.failures++;
      if (this.failures === 1 || this.failures % 100 === 0) {
        this.options.log.error(`journal ${this.file}: cannot write (${err instanceof Error ? err.message : String(err)}; ${this.failures} entr${this.failures === 1 ? 'y' : 'ies'} lost so far); the show goes on, a restart may resume from an older cue`);
      }
      return;
    }
    if (this.options.sync !== false && !this.syncPending) {
      this.syncPending = true;
      this.syncing = this.syncing.then(async () => {
        this.syncPending = false;
        await this.handle.datasync().catch((err: unknown) => this.options.log.warn(`journal ${this.file}: fdatasync failed (${err instanceof Error ? err.message : String(err)})`));
      });
    }
  }

  /** Resolves once everything appended so far is on disk. */
  async flush(): Promise<void> {
    await this.syncing;
  }

  /** Writes what is queued, closes the file and releases the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    await this.handle.close().catch(() => undefined);
    await rm(this.lock, { force: true });
  }
}
