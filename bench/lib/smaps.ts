/**
 * A process's resident memory by kind, from /proc/<pid>/smaps (Linux), so a soak says whether RSS
 * growth is malloc's or V8's:
 *
 * - `mallocMain`: the main arena (`[heap]`, grown with brk);
 * - `mallocThreads`: glibc's per-thread arenas — anonymous mappings at a 64 MiB boundary of at most
 *   64 MiB (glibc's HEAP_MAX_SIZE on 64-bit), where worker and libuv threads allocate;
 * - `anon`: every other anonymous mapping: V8's heap pages, code space, wasm memory, thread stacks;
 * - `file`: mapped files (the node binary, libraries, ICU data).
 *
 * The arena rule is a heuristic (V8 does not reserve 64 MiB-aligned regions of at most 64 MiB, but
 * another allocator could): good enough to tell the two apart in a soak, not an accounting.
 */
import { readFile } from 'node:fs/promises';

export interface RssByKind {
  readonly mallocMainMB: number;
  readonly mallocThreadsMB: number;
  readonly anonMB: number;
  readonly fileMB: number;
}

const ARENA = 64 * 1024 * 1024;
const HEADER = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/;

/** Splits smaps text into RSS by kind (MB, one decimal). */
export function rssByKind(smaps: string): RssByKind {
  const kb = { mallocMain: 0, mallocThreads: 0, anon: 0, file: 0 };
  let kind: keyof typeof kb = 'anon';
  for (const line of smaps.split('\n')) {
    const h = HEADER.exec(line);
    if (h !== null) {
      const start = BigInt(`0x${h[1]!}`);
      const end = BigInt(`0x${h[2]!}`);
      const name = h[3]!.trim();
      if (name === '[heap]') kind = 'mallocMain';
      else if (name.startsWith('/')) kind = 'file';
      else if (name === '' && start % BigInt(ARENA) === 0n && end - start <= BigInt(ARENA)) kind = 'mallocThreads';
      else kind = 'anon';
      continue;
    }
    if (line.startsWith('Rss:')) kb[kind] += Number(line.split(/\s+/)[1] ?? 0);
  }
  const mb = (k: number): number => Math.round((k / 1024) * 10) / 10;
  return { mallocMainMB: mb(kb.mallocMain), mallocThreadsMB: mb(kb.mallocThreads), anonMB: mb(kb.anon), fileMB: mb(kb.file) };
}

/** This process's (or `pid`'s) RSS by kind; undefined where /proc is not there. */
export async function readRssByKind(pid: number | 'self' = 'self'): Promise<RssByKind | undefined> {
  try {
    return rssByKind(await readFile(`/proc/${pid}/smaps`, 'utf8'));
  } catch {
    return undefined;
  }
}
