import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeWav } from '../../../engine/core/audio/wav.js';
import { TakeRecorder } from '../../../engine/io/takes/recorder.js';
import { readTake } from '../../../engine/io/takes/take.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'precue-rec-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const tone = (n: number, rate: number): Float32Array => Float32Array.from({ length: n }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / rate));

describe('recording a take', () => {
  it('writes a take that reads back: audio, cues with who fired them, performer events', async () => {
    const take = join(dir, 'rehearsal-1');
    const r = await TakeRecorder.create(take, { sampleRate: 8000 });
    r.writeAudio(tone(4000, 8000));
    r.writeCue({ t: 0.25, dept: 'LX', cue: '1', by: 'operator' });
    r.writeAudio(tone(4000, 8000));
    r.writePerformer({ t: 0.5, kind: 'note', value: 60 });
    await r.close();
    const wav = decodeWav(new Uint8Array(await readFile(join(take, 'audio.wav'))), 'audio.wav');
    expect(wav.sampleRate).toBe(8000);
    expect(wav.samples.length).toBe(8000);
    expect(wav.samples[2]).toBeCloseTo(0.5 * Math.sin((2 * Math.PI * 440 * 2) / 8000), 3);
    const t = await readTake(take);
    expect(t.cues).toEqual([{ t: 0.25, dept: 'LX', cue: '1', by: 'operator' }]);
    expect(t.performer).toEqual([{ t: 0.5, kind: 'note', value: 60 }]);
  });

  it('leaves a valid take up to the last sync when the process dies without closing', async () => {
    const take = join(dir, 'crash');
    const r = await TakeRecorder.create(take, { sampleRate: 8000, syncEveryS: 0.5 });
    r.writeAudio(tone(4000, 8000));
    r.writeCue({ t: 0.1, dept: 'CAM', cue: '2' });
    await r.flush();
    r.writeAudio(tone(1000, 8000)); // after the last sync: may be lost
    // No close(): read the files as a crash would leave them.
    const wav = decodeWav(new Uint8Array(await readFile(join(take, 'audio.wav'))), 'audio.wav');
    expect(wav.samples.length).toBeGreaterThanOrEqual(4000);
    expect((await readTake(take)).cues).toEqual([{ t: 0.1, dept: 'CAM', cue: '2' }]);
    await r.close();
  });

  it('refuses to record over an existing take', async () => {
    const take = join(dir, 'again');
    await (await TakeRecorder.create(take, { sampleRate: 8000 })).close();
    await expect(TakeRecorder.create(take, { sampleRate: 8000 })).rejects.toThrow(/already exists: this take folder holds a recording/);
  });
});
