import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readRssByKind, rssByKind } from '../../bench/lib/smaps.js';

const mapping = (range: string, name: string, rssKb: number): string =>
  `${range} rw-p 00000000 00:00 0 ${name}\nSize: 1 kB\nRss: ${rssKb} kB\nPss: ${rssKb} kB\n`;

describe('rssByKind', () => {
  it('tells the main arena, thread arenas, other anonymous memory and files apart', () => {
    const smaps = [
      mapping('55d0c0000000-55d0c1000000', '[heap]', 2048),
      // A thread arena: 64 MiB-aligned, its used part (2 MiB) mapped read-write…
      mapping('7f0e18000000-7f0e18200000', '', 1536),
      // …and its reserved rest (not aligned): no RSS.
      mapping('7f0e18200000-7f0e1c000000', '', 0),
      // V8 pages: 256 KiB, not 64 MiB-aligned.
      mapping('3a0b00040000-3a0b00080000', '', 256),
      // 64 MiB-aligned but larger than an arena: not one.
      mapping('7f0000000000-7f0008000000', '', 1024),
      mapping('7f0e20000000-7f0e20100000', '/usr/bin/node', 4096),
    ].join('');
    expect(rssByKind(smaps)).toEqual({ mallocMainMB: 2, mallocThreadsMB: 1.5, anonMB: 1.3, fileMB: 4 });
  });

  it.skipIf(!existsSync('/proc/self/smaps'))('reads this process', async () => {
    const r = await readRssByKind();
    expect(r).toBeDefined();
    expect(r!.fileMB).toBeGreaterThan(0);
    expect(r!.anonMB + r!.mallocMainMB + r!.mallocThreadsMB).toBeGreaterThan(0);
  });
});
