/**
 * An append-only JSON-lines file that survives a kill at any moment: each line goes to the kernel with
 * one write the moment it is logged (so `kill -9` loses nothing already logged), and the file is
 * fsynced within `syncEveryMs` (default 1 s) of the first unsynced line (so a power cut loses at most
 * that). Lines are small and rare (decisions, not frames), so the write is synchronous: it lands in the
 * page cache in microseconds and the order on disk is the order of events.
 *
 * A write that fails (disk full, drive gone) stops the log, not the show: a half-written line is cut
 * back, the failure is reported once (`onFailure`, a DeviceError naming the file) and later lines are
 * dropped.
 */
import { closeSync, fstatSync, fsync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { DeviceError } from '../../core/errors.js';
import { writeError } from '../files/writeError.js';

/** Options of a log file. */
export interface JsonlLogOptions {
  /** At most this long between a line and its fsync (default 1000 ms). */
  readonly syncEveryMs?: number;
  /** Called once, at the first failed write or sync. */
  readonly onFailure?: (err: unknown) => void;
  /**
   * The file never grows past this many bytes (default `DEFAULT_MAX_LOG_BYTES`): a line that would
   * pass it stops the log with a failure naming the limit, so a runaway source cannot fill the disk
   * the show's audio and other runs live on.
   */
  readonly maxBytes?: number;
}

/** A run log's size limit by default: 64 MiB, a decade of three-hour shows' decisions at a few lines a second. */
export const DEFAULT_MAX_LOG_BYTES = 64 * 1024 * 1024;

/** An append-only JSON-lines file. */
export class JsonlLog {
  private fd: number | undefined;
  /** Bytes of whole lines on disk. */
  private bytes: number;
  private lines = 0;
  private unsynced = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private syncing: Promise<void> | undefined;
  private failure: unknown;

  private constructor(
    readonly file: string,
    fd: number,
    private readonly options: JsonlLogOptions,
  ) {
    this.fd = fd;
    this.bytes = fstatSync(fd).size;
  }

  /** Opens `file` for appending (`exclusive`: it must not exist yet). Throws a DeviceError when it cannot. */
  static open(file: string, options: JsonlLogOptions & { readonly exclusive?: boolean } = {}): JsonlLog {
    try {
      return new JsonlLog(file, openSync(file, options.exclusive === true ? 'ax' : 'a', 0o640), options);
    } catch (err) {
      throw writeError(file, err);
    }
  }

  /** Lines written by this handle. */
  get count(): number {
    return this.lines;
  }

  /** The failure that stopped the log, if one did. */
  get failed(): unknown {
    return this.failure;
  }

  /** Appends one value as a JSON line. Never throws: a failure stops the log and is reported once. */
  append(value: unknown): void {
    const fd = this.fd;
    if (fd === undefined || this.failure !== undefined) return;
    const data = Buffer.from(`${JSON.stringify(value)}\n`, 'utf8');
    const max = this.options.maxBytes ?? DEFAULT_MAX_LOG_BYTES;
    if (this.bytes + data.length > max) {
      this.fail(new DeviceError(`cannot write ${this.file}`, `it reached its size limit of ${(max / 1048576).toFixed(0)} MiB; later lines are dropped`, 'look for what floods the log (precue report on this run lists it)'));
      return;
    }
    let done = 0;
    try {
      while (done < data.length) {
        const n = writeSync(fd, data, done, data.length - done);
        if (n <= 0) throw Object.assign(new Error('no bytes written'), { code: 'EIO' });
        done += n;
      }
      this.bytes += data.length;
      this.lines++;
    } catch (err) {
      this.fail(err);
      return;
    }
    this.unsynced = true;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.sync();
    }, this.options.syncEveryMs ?? 1000);
  }

  private fail(err: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = writeError(this.file, err);
    // Cut back a line that landed in part, so the file still reads line by line.
    if (this.fd !== undefined) {
      try {
        ftruncateSync(this.fd, this.bytes);
      } catch {
        // the disk may refuse even this; the reader skips a cut last line
      }
    }
    this.options.onFailure?.(this.failure);
  }

  /** Flushes what was written to the disk (fsync); resolves when it is there. */
  sync(): Promise<void> {
    const fd = this.fd;
    if (fd === undefined || !this.unsynced) return this.syncing ?? Promise.resolve();
    this.unsynced = false;
    const run = new Promise<void>((done) => {
      fsync(fd, (err) => {
        if (err !== null) this.fail(err);
        done();
      });
    });
    this.syncing = (this.syncing ?? Promise.resolve()).then(() => run);
    return this.syncing;
  }

  /** Syncs and closes the file; later appends are dropped. */
  async close(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.sync();
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) closeSync(fd);
  }
}
