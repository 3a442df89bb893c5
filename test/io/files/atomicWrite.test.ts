import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic, type AtomicFs } from '../../../engine/io/files/atomicWrite.js';
import * as fsp from 'node:fs/promises';

describe('atomic writes', () => {
  it('replaces the file and keeps the previous version as .bak', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'precue-atomic-'));
    const file = join(dir, 'show.json');
    await writeFile(file, 'old');
    await writeFileAtomic(file, 'new');
    expect(await readFile(file, 'utf8')).toBe('new');
    expect(await readFile(`${file}.bak`, 'utf8')).toBe('old');
    expect((await readdir(dir)).sort()).toEqual(['show.json', 'show.json.bak']);
  });

  it('leaves the original intact and no temporary file when the save fails', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'precue-atomic-'));
    const file = join(dir, 'show.json');
    await writeFile(file, 'original');
    const failingFs: AtomicFs = {
      open: fsp.open,
      copyFile: fsp.copyFile,
      rm: fsp.rm,
      rename: async () => {
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      },
    };
    await expect(writeFileAtomic(file, 'half a show', { fs: failingFs })).rejects.toThrow(/ENOSPC/);
    expect(await readFile(file, 'utf8')).toBe('original');
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('leaves the original intact when the disk fills while writing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'precue-atomic-'));
    const file = join(dir, 'show.json');
    await writeFile(file, 'original');
    const failingFs: AtomicFs = {
      ...{ copyFile: fsp.copyFile, rm: fsp.rm, rename: fsp.rename },
      open: (async (...args: Parameters<typeof fsp.open>) => {
        const handle = await fsp.open(...args);
        return Object.assign(handle, {
          writeFile: async () => {
            throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' });
          },
        });
      }),
    };
    await expect(writeFileAtomic(file, 'new', { fs: failingFs })).rejects.toThrow(/EIO/);
    expect(await readFile(file, 'utf8')).toBe('original');
    expect(await readdir(dir)).toEqual(['show.json']);
  });
});

describe('atomic writes keep permissions', () => {
  it('keeps a chmod 600 file private across a rewrite, and its backup too', async () => {
    const { chmod, stat } = await import('node:fs/promises');
    const dir = await mkdtemp(join(tmpdir(), 'precue-atomic-'));
    const file = join(dir, 'tokens.json');
    await writeFile(file, '{"operator":"aaaaaaaaaaaaaaaa"}');
    await chmod(file, 0o600);
    await writeFileAtomic(file, '{"operator":"bbbbbbbbbbbbbbbb"}');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(`${file}.bak`)).mode & 0o777).toBe(0o600);
    await chmod(file, 0o640);
    await writeFileAtomic(file, 'x', { backup: false });
    expect((await stat(file)).mode & 0o777).toBe(0o640);
  });
});
