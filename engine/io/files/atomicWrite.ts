/**
 * Atomic file writes: a crash never leaves a half-written show, venue or model file. The new text goes
 * to a temporary file beside the target, is fsynced, and is renamed over the target; the previous
 * version is kept as `<file>.bak`. The new file keeps the old one's permissions (a `chmod 600` token
 * file stays private) and, where the writer may, its owner.
 */
import { constants } from 'node:fs';
import { copyFile, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** File-system calls that `writeFileAtomic` uses, replaceable so tests can make any step fail. */
export interface AtomicFs {
  open: typeof open;
  rename: typeof rename;
  copyFile: typeof copyFile;
  rm: typeof rm;
}

const realFs: AtomicFs = { open, rename, copyFile, rm };

/**
 * Writes `data` to `file` atomically, keeping the previous file as `file.bak` when `backup` is true.
 * If any step fails, the original file is untouched and the temporary file is removed.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, options: { backup?: boolean; fs?: AtomicFs; /** File mode of a new file (default 0o644; 0o600 for secrets); a rewrite keeps the file's own. */ mode?: number } = {}): Promise<void> {
  const fs = options.fs ?? realFs;
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  const previous = await stat(file).catch(() => undefined);
  const mode = options.mode ?? (previous !== undefined ? previous.mode & 0o7777 : 0o644);
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    // Created private, then given the mode (open's mode is masked by the umask).
    handle = await fs.open(temp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
    await handle.chmod(mode);
    if (previous !== undefined && (previous.uid !== process.getuid?.() || previous.gid !== process.getgid?.())) {
      await handle.chown(previous.uid, previous.gid).catch(() => undefined); // only root may give a file away
    }
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    if (options.backup !== false && (await exists(file))) await fs.copyFile(file, `${file}.bak`);
    await fs.rename(temp, file);
  } catch (err) {
    if (handle !== undefined) await handle.close().catch(() => undefined);
    await fs.rm(temp, { force: true }).catch(() => undefined);
    // A failure on the temporary file is a failure to write the target: name the target.
    const e = err as NodeJS.ErrnoException;
    if (e.path === temp) throw Object.assign(new Error(`cannot write ${file}: ${e.code ?? e.message}`, { cause: err }), { code: e.code, path: file, syscall: 'write' });
    throw err;
  }
  // Make the rename itself durable.
  const dir = await open(dirname(file), 'r').catch(() => undefined);
  if (dir !== undefined) {
    await dir.sync().catch(() => undefined);
    await dir.close();
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
