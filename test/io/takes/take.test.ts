import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ShowFileError } from '../../../engine/core/errors.js';
import { formatCues, parseCues, readTake } from '../../../engine/io/takes/take.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'precue-take-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function makeTake(cues: string, audio = true): Promise<string> {
  const take = join(dir, 'take');
  await mkdir(take, { recursive: true });
  if (audio) await writeFile(join(take, 'audio.wav'), new Uint8Array(44));
  await writeFile(join(take, 'cues.jsonl'), cues);
  return take;
}

describe('reading takes', () => {
  it('reads cues in time order, numbers as cue strings, who fired them', async () => {
    const take = await makeTake('{"t":2,"dept":"LX","cue":"2"}\n{"t":1.5,"dept":"CAM","cue":3,"by":"operator"}\n\n');
    const t = await readTake(take);
    expect(t.name).toBe('take');
    expect(t.cues).toEqual([
      { t: 1.5, dept: 'CAM', cue: '3', by: 'operator' },
      { t: 2, dept: 'LX', cue: '2' },
    ]);
    expect(t.performer).toEqual([]);
  });

  it('names the file and line of every corrupt cue line', async () => {
    const take = await makeTake('{"t":1,"dept":"LX","cue":"1"}\n{"t":oops}\n{"t":-1,"dept":"LX","cue":"1"}\n');
    const err = await readTake(take).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ShowFileError);
    const problems = (err as ShowFileError).problems;
    expect(problems.map((p) => p.line)).toEqual([2, 3]);
    expect((err as Error).message).toMatch(/cues\.jsonl:2:1: is not valid JSON/);
  });

  it('refuses a take with no cues, saying what to do', async () => {
    const take = await makeTake('\n');
    await expect(readTake(take)).rejects.toThrow(/cues\.jsonl: has no cues/);
    await expect(readTake(take, { allowEmpty: true })).resolves.toMatchObject({ cues: [] });
  });

  it('refuses a folder without audio, and a path that is not a folder', async () => {
    await expect(readTake(await makeTake('{"t":1,"dept":"LX","cue":"1"}\n', false))).rejects.toThrow(/audio\.wav: is missing/);
    await expect(readTake(join(dir, 'nothing'))).rejects.toThrow(/is not a take folder/);
  });

  it('writes cues.jsonl lines that read back the same', () => {
    const cues = [{ t: 1.25, dept: 'LX', cue: '5' }, { t: 3, dept: 'VID', cue: '1.1', by: 'model' }];
    expect(parseCues(formatCues(cues), 'x').cues).toEqual(cues);
  });
});
