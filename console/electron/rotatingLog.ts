/**
 * The desk's engine log, bounded: appended to `engine.log` until it reaches `maxBytes`, then rotated
 * (`engine.log` → `engine.log.1` → … → `engine.log.<keep>`, the oldest dropped), so a show day — or a
 * month of them — never fills the desk's disk. Node built-ins only (the desk app never imports the
 * engine's code).
 */
import { closeSync, existsSync, fstatSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

export interface RotatingLogOptions {
  /** Size at which the file is rotated (default 5 MiB). */
  readonly maxBytes?: number;
  /** Rotated files kept besides the current one (default 3). */
  readonly keep?: number;
}

/** An append-only log file that rotates by size. Writes never throw (a full disk drops log lines, not the show). */
export class RotatingLog {
  private fd: number | undefined;
  private size = 0;
  private readonly maxBytes: number;
  private readonly keep: number;

  constructor(
    readonly file: string,
    options: RotatingLogOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? 5 * 1024 * 1024;
    this.keep = options.keep ?? 3;
    this.open();
  }

  private open(): void {
    try {
      this.fd = openSync(this.file, 'a', 0o600);
      this.size = fstatSync(this.fd).size;
    } catch {
      this.fd = undefined;
    }
  }

  private rotate(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    try {
      rmSync(`${this.file}.${this.keep}`, { force: true });
      for (let i = this.keep - 1; i >= 1; i--) if (existsSync(`${this.file}.${i}`)) renameSync(`${this.file}.${i}`, `${this.file}.${i + 1}`);
      if (this.keep > 0) renameSync(this.file, `${this.file}.1`);
      else rmSync(this.file, { force: true });
    } catch {
      // rotation failed: keep appending to what is there
    }
    this.open();
  }

  /** Appends text (or bytes), rotating first when it would pass the size limit. */
  write(chunk: string | Uint8Array): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    if (this.size > 0 && this.size + bytes.length > this.maxBytes) this.rotate();
    if (this.fd === undefined) return;
    try {
      writeSync(this.fd, bytes);
      this.size += bytes.length;
    } catch {
      // disk full or gone: the line is lost, the desk carries on
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
