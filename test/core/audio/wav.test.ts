import { describe, expect, it } from 'vitest';
import { decodeWav, encodeWav, pcmToMono } from '../../../engine/core/audio/wav.js';
import { ShowFileError } from '../../../engine/core/errors.js';

const sine = (n: number, f: number, sr: number, a = 0.5) => Float32Array.from({ length: n }, (_, i) => a * Math.sin((2 * Math.PI * f * i) / sr));

describe('WAV decoding', () => {
  it('reads a mono 16-bit file at its own rate', () => {
    const x = sine(1000, 440, 8000);
    const w = decodeWav(encodeWav([x], 8000, 's16le'), 'mono.wav');
    expect(w).toMatchObject({ sampleRate: 8000, channels: 1, bitsPerSample: 16, float: false });
    expect(w.samples.length).toBe(1000);
    for (let i = 0; i < 1000; i += 97) expect(w.samples[i]).toBeCloseTo(x[i]!, 3);
  });

  it('reads 24-bit and 32-bit PCM and 32-bit float with full precision', () => {
    const x = sine(500, 1000, 48000, 0.9);
    for (const [fmt, digits] of [['s24le', 6], ['s32le', 6], ['f32le', 6]] as const) {
      const w = decodeWav(encodeWav([x], 48000, fmt), `x-${fmt}.wav`);
      expect(w.sampleRate).toBe(48000);
      for (let i = 0; i < 500; i += 37) expect(w.samples[i]).toBeCloseTo(x[i]!, digits);
    }
  });

  it('mixes stereo down by averaging, so a centred signal keeps its level and one-sided halves', () => {
    const x = sine(400, 300, 22050);
    const centred = decodeWav(encodeWav([x, x], 22050), 'c.wav');
    expect(centred.channels).toBe(2);
    expect(centred.samples.length).toBe(400);
    expect(centred.samples[50]).toBeCloseTo(x[50]!, 3);
    const left = decodeWav(encodeWav([x, new Float32Array(400)], 22050), 'l.wav');
    expect(left.samples[50]).toBeCloseTo(x[50]! / 2, 3);
  });

  it('refuses a file that is not a WAV with a ShowFileError naming the file', () => {
    expect(() => decodeWav(new TextEncoder().encode('hello world, not audio'), 'notes.txt')).toThrow(ShowFileError);
    expect(() => decodeWav(new TextEncoder().encode('hello world, not audio'), 'notes.txt')).toThrow(/notes\.txt.*not a WAV file/);
    expect(() => decodeWav(new Uint8Array(4), 'tiny.wav')).toThrow(/not a WAV file/);
  });

  it('refuses a truncated file: header promises more audio than follows', () => {
    const full = encodeWav([sine(1000, 440, 8000)], 8000);
    expect(() => decodeWav(full.subarray(0, 1000), 'cut.wav')).toThrow(/cut\.wav.*truncated/);
    expect(() => decodeWav(full.subarray(0, 30), 'cut2.wav')).toThrow(ShowFileError);
  });

  it('refuses unsupported encodings and impossible headers clearly', () => {
    const bytes = encodeWav([sine(10, 440, 8000)], 8000);
    const view = new DataView(bytes.buffer);
    view.setUint16(20, 2, true); // ADPCM
    expect(() => decodeWav(bytes, 'adpcm.wav')).toThrow(/unsupported WAV encoding \(format tag 2\)/);
    const zeroCh = encodeWav([sine(10, 440, 8000)], 8000);
    new DataView(zeroCh.buffer).setUint16(22, 0, true);
    expect(() => decodeWav(zeroCh, 'zero.wav')).toThrow(/0 channels/);
  });

  it('decodes raw interleaved PCM and ignores a partial last frame', () => {
    const bytes = new Uint8Array([0x00, 0x40, 0x00, 0xc0, 0x00, 0x40, 0x00, 0x40, 0x01]);
    const mono = pcmToMono(bytes, 's16le', 2);
    expect(Array.from(mono)).toEqual([0, 0.5]);
  });
});
