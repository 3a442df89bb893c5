import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { lastValueFrom, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { encodeWav } from '../../../engine/core/audio/wav.js';
import { DeviceError, ShowFileError, UsageError } from '../../../engine/core/errors.js';
import { captureBlocks, chooseCaptureTool } from '../../../engine/io/audio/capture.js';
import { checkPcmLayout, pcmBlocks } from '../../../engine/io/audio/pcmStream.js';
import { playRecording, readWavFile } from '../../../engine/io/audio/wavFile.js';

const dir = mkdtempSync(join(tmpdir(), 'precue-audio-'));

describe('audio sources', () => {
  it('reads a 24-bit stereo WAV from disk, mixed to mono', async () => {
    const x = Float32Array.from({ length: 4800 }, (_, i) => 0.5 * Math.sin(i / 10));
    const file = join(dir, 'st24.wav');
    writeFileSync(file, encodeWav([x, x], 48000, 's24le'));
    const w = await readWavFile(file);
    expect(w).toMatchObject({ sampleRate: 48000, channels: 2, bitsPerSample: 24 });
    expect(w.samples[123]).toBeCloseTo(x[123]!, 5);
  });

  it('names a missing, corrupt or truncated file in a ShowFileError', async () => {
    await expect(readWavFile(join(dir, 'nope.wav'))).rejects.toThrow(/nope\.wav: no such file/);
    const bad = join(dir, 'bad.wav');
    writeFileSync(bad, 'RIFF....WAVEjunk');
    await expect(readWavFile(bad)).rejects.toBeInstanceOf(ShowFileError);
    const cut = join(dir, 'cut.wav');
    writeFileSync(cut, encodeWav([new Float32Array(1000)], 8000).subarray(0, 500));
    await expect(readWavFile(cut)).rejects.toThrow(/truncated/);
  });

  it('plays a recording in real time on the scheduler clock (virtual time)', () => {
    const ts = new TestScheduler((a, b) => expect(a).toEqual(b));
    ts.run(({ expectObservable }) => {
      const wav = { samples: new Float32Array(3000), sampleRate: 1000 };
      const t$ = playRecording(wav, { pace: 'realtime', blockSize: 1000 }, ts);
      // Each block is emitted when its last sample would have been heard: 1 s, 2 s, 3 s.
      expectObservable(t$.pipe(toArray())).toBe('3000ms (a|)', { a: expect.any(Array) as unknown });
    });
  });

  it('plays a recording as fast as possible with the first block marked as a reset', async () => {
    const blocks = await lastValueFrom(playRecording({ samples: new Float32Array(2500), sampleRate: 1000 }, { blockSize: 1000 }).pipe(toArray()));
    expect(blocks.map((b) => [b.t, b.samples.length, b.reset === true])).toEqual([[0, 1000, true], [1, 1000, false], [2, 500, false]]);
  });

  it('reads raw PCM from a stream whose chunks split sample frames', async () => {
    const input = new PassThrough();
    const out = lastValueFrom(pcmBlocks(input, checkPcmLayout(8000, 2, 's16le')).pipe(toArray()));
    const bytes = Buffer.alloc(8 * 4);
    for (let i = 0; i < 8; i++) {
      bytes.writeInt16LE(16384, i * 4);
      bytes.writeInt16LE(16384, i * 4 + 2);
    }
    input.write(bytes.subarray(0, 5));
    input.write(bytes.subarray(5, 19));
    input.end(bytes.subarray(19));
    const blocks = await out;
    expect(blocks.reduce((a, b) => a + b.samples.length, 0)).toBe(8);
    expect(blocks[1]!.t).toBeCloseTo(blocks[0]!.samples.length / 8000, 9);
    expect(blocks.every((b) => [...b.samples].every((s) => s === 0.5))).toBe(true);
  });

  it('refuses bad raw PCM options with a UsageError naming the option', () => {
    expect(() => checkPcmLayout(44100, 2, 'mp3')).toThrow(UsageError);
    expect(() => checkPcmLayout(44100, 0, 's16le')).toThrow(/--channels/);
    expect(() => checkPcmLayout(12, 1, 's16le')).toThrow(/--rate/);
  });

  it('names what to install when no capture tool is on PATH', async () => {
    expect(() => chooseCaptureTool(undefined, '/nonexistent')).toThrow(DeviceError);
    expect(() => chooseCaptureTool(undefined, '/nonexistent')).toThrow(/arecord.*sox.*ffmpeg[\s\S]*install/);
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(lastValueFrom(captureBlocks())).rejects.toBeInstanceOf(DeviceError);
    } finally {
      process.env.PATH = saved;
    }
  });
});
