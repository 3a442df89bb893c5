/**
 * Failed writes as one clear line. A full disk, a failing or unplugged drive or a read-only file
 * system during a show is a device problem the operator can act on, not a bug: it becomes a
 * `DeviceError` naming the file and what to check, never a stack trace.
 */
import { DeviceError } from '../../core/errors.js';

const WHY: Readonly<Record<string, { detail: string; hint: string }>> = {
  ENOSPC: { detail: 'the disk is full (ENOSPC)', hint: 'free space on that disk or write to another one' },
  EDQUOT: { detail: 'the disk quota is used up (EDQUOT)', hint: 'free space or raise the quota' },
  EIO: { detail: 'an input/output error (EIO): the drive is failing or was unplugged', hint: 'check the drive and its cable' },
  EROFS: { detail: 'the file system is read-only (EROFS)', hint: 'remount it read-write or write somewhere else' },
  EACCES: { detail: 'permission denied (EACCES)', hint: 'check the folder belongs to the user running Precue' },
  EPERM: { detail: 'operation not permitted (EPERM)', hint: 'check the folder belongs to the user running Precue' },
  EFBIG: { detail: 'the file is too large for this file system (EFBIG)', hint: 'use a file system without a 4 GB limit' },
  ENOENT: { detail: 'the folder is gone (ENOENT)', hint: 'check the drive is still mounted' },
};

/** The errno code of a Node file-system error, if any. */
export function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Turns a failed write of `file` into a DeviceError (other errors pass through unchanged). */
export function writeError(file: string, err: unknown): unknown {
  if (err instanceof DeviceError) return err;
  const why = WHY[errnoCode(err) ?? ''];
  return why === undefined ? err : new DeviceError(`cannot write ${file}`, why.detail, why.hint, { cause: err });
}
