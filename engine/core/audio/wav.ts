/**
 * WAV (RIFF/WAVE) decoding and encoding, pure bytes in and out. Decodes PCM 8/16/24/32-bit and IEEE
 * float 32/64, plain or WAVE_FORMAT_EXTENSIBLE, any sample rate and channel count, and mixes down to
 * mono by averaging the channels (summing would clip; dropping one would lose half the band).
 */
import { ShowFileError } from '../errors.js';

/** A decoded WAV file. */
export interface DecodedWav {
  readonly sampleRate: number;
  /** Channels in the file (the samples are already mixed down). */
  readonly channels: number;
  /** Bits per sample in the file and whether they were float. */
  readonly bitsPerSample: number;
  readonly float: boolean;
  /** Mono samples in [-1, 1]. */
  readonly samples: Float32Array;
  readonly durationS: number;
}

/** Sample encodings Precue reads from raw PCM streams and writes to WAV files. */
export type PcmFormat = 's16le' | 's24le' | 's32le' | 'f32le' | 'u8';

/** Bytes per sample of a PCM format. */
export function bytesPerSample(format: PcmFormat): number {
  switch (format) {
    case 'u8':
      return 1;
    case 's16le':
      return 2;
    case 's24le':
      return 3;
    case 's32le':
    case 'f32le':
      return 4;
  }
}

/**
 * Decodes interleaved little-endian PCM into mono by averaging channels. Trailing bytes that do not
 * make a whole sample frame are ignored (the caller keeps them for the next chunk).
 */
export function pcmToMono(bytes: Uint8Array, format: PcmFormat, channels: number): Float32Array {
  const bps = bytesPerSample(format);
  const frameBytes = bps * channels;
  const frames = Math.floor(bytes.length / frameBytes);
  const out = new Float32Array(frames);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const scale = 1 / channels;
  for (let f = 0; f < frames; f++) {
    let acc = 0;
    let p = f * frameBytes;
    for (let c = 0; c < channels; c++, p += bps) {
      switch (format) {
        case 'u8':
          acc += (view.getUint8(p) - 128) / 128;
          break;
        case 's16le':
          acc += view.getInt16(p, true) / 32768;
          break;
        case 's24le': {
          const v = view.getUint8(p) | (view.getUint8(p + 1) << 8) | (view.getInt8(p + 2) << 16);
          acc += v / 8388608;
          break;
        }
        case 's32le':
          acc += view.getInt32(p, true) / 2147483648;
          break;
        case 'f32le':
          acc += floatSample(view.getFloat32(p, true));
          break;
      }
    }
    out[f] = acc * scale;
  }
  return out;
}

/**
 * A float sample as the analysis may use it: NaN (a corrupt file or stream) is silence and anything
 * past full scale is clipped, so no NaN or infinity ever reaches the features, the model or a frame.
 */
function floatSample(v: number): number {
  if (v > 1) return 1;
  if (v < -1) return -1;
  return v === v ? v : 0;
}

function f64ToMono(bytes: Uint8Array, channels: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frames = Math.floor(bytes.length / (8 * channels));
  const out = new Float32Array(frames);
  for (let f = 0; f < frames; f++) {
    let acc = 0;
    for (let c = 0; c < channels; c++) acc += floatSample(view.getFloat64((f * channels + c) * 8, true));
    out[f] = acc / channels;
  }
  return out;
}

const ascii = (b: Uint8Array, at: number) => String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!);

/** Decodes a WAV file. A corrupt, truncated or unsupported file raises a `ShowFileError` naming the problem. */
export function decodeWav(bytes: Uint8Array, file: string): DecodedWav {
  const fail = (message: string, expected?: string): never => {
    throw new ShowFileError([{ file, path: '', message, ...(expected !== undefined ? { expected } : {}) }]);
  };
  if (bytes.length < 12) fail(`not a WAV file: only ${bytes.length} bytes`, 'a RIFF/WAVE header of at least 12 bytes');
  if (ascii(bytes, 0) !== 'RIFF' || ascii(bytes, 8) !== 'WAVE') {
    fail(`not a WAV file: starts with '${ascii(bytes, 0)}'…'${ascii(bytes, 8)}'`, "'RIFF' … 'WAVE'");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 12;
  let fmt: { format: number; channels: number; sampleRate: number; bits: number; blockAlign: number } | undefined;
  let data: Uint8Array | undefined;
  while (pos + 8 <= bytes.length) {
    const id = ascii(bytes, pos);
    const size = view.getUint32(pos + 4, true);
    const body = pos + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.length) fail(`the 'fmt ' chunk is ${size} bytes, cut short`, 'at least 16 bytes');
      let format = view.getUint16(body, true);
      const channels = view.getUint16(body + 2, true);
      const sampleRate = view.getUint32(body + 4, true);
      const blockAlign = view.getUint16(body + 12, true);
      const bits = view.getUint16(body + 14, true);
      if (format === 0xfffe) {
        if (size < 40 || body + 26 > bytes.length) fail('WAVE_FORMAT_EXTENSIBLE header is cut short', 'a 40-byte fmt chunk');
        format = view.getUint16(body + 24, true);
      }
      fmt = { format, channels, sampleRate, bits, blockAlign };
    } else if (id === 'data') {
      if (fmt === undefined) fail("the 'data' chunk comes before the 'fmt ' chunk", "'fmt ' before 'data'");
      const streaming = size === 0 || size === 0xffffffff;
      const available = bytes.length - body;
      if (!streaming && size > available) {
        fail(`file is truncated: the header promises ${size} bytes of audio but only ${available} follow`, 'a complete file');
      }
      data = bytes.subarray(body, body + (streaming ? available : size));
      break;
    }
    pos = body + size + (size & 1);
  }
  if (fmt === undefined) fail("no 'fmt ' chunk found", "a 'fmt ' chunk describing the samples");
  if (data === undefined) fail("no 'data' chunk found (truncated or empty file)", "a 'data' chunk with the samples");
  const f = fmt!;
  const d = data!;
  if (f.channels < 1) fail(`the header says ${f.channels} channels`, 'at least 1 channel');
  if (!(f.sampleRate >= 1000 && f.sampleRate <= 768000)) fail(`unusable sample rate ${f.sampleRate} Hz`, '1 000 to 768 000 Hz');
  let samples: Float32Array;
  if (f.format === 1) {
    const pcm: PcmFormat | undefined =
      f.bits === 8 ? 'u8' : f.bits === 16 ? 's16le' : f.bits === 24 ? 's24le' : f.bits === 32 ? 's32le' : undefined;
    if (pcm === undefined) fail(`unsupported PCM sample size ${f.bits} bits`, '8, 16, 24 or 32-bit PCM');
    samples = pcmToMono(d, pcm!, f.channels);
  } else if (f.format === 3) {
    if (f.bits === 32) samples = pcmToMono(d, 'f32le', f.channels);
    else if (f.bits === 64) samples = f64ToMono(d, f.channels);
    else samples = fail(`unsupported float sample size ${f.bits} bits`, '32 or 64-bit float');
  } else {
    samples = fail(`unsupported WAV encoding (format tag ${f.format})`, 'PCM (1) or IEEE float (3)');
  }
  if (d.length % (f.channels * (f.bits / 8)) !== 0 && d.length > 0) {
    // A partial last frame is ignored, like every player does; the rest of the file is valid.
  }
  return {
    sampleRate: f.sampleRate,
    channels: f.channels,
    bitsPerSample: f.bits,
    float: f.format === 3,
    samples,
    durationS: samples.length / f.sampleRate,
  };
}

/** Encodes interleaved channels (each a Float32Array of equal length) as a WAV file. */
export function encodeWav(channels: readonly Float32Array[], sampleRate: number, format: 's16le' | 's24le' | 's32le' | 'f32le' = 's16le'): Uint8Array {
  const n = channels[0]?.length ?? 0;
  const bps = bytesPerSample(format);
  const dataBytes = n * channels.length * bps;
  const out = new Uint8Array(44 + dataBytes);
  const view = new DataView(out.buffer);
  const write = (at: number, s: string) => {
    for (let i = 0; i < 4; i++) out[at + i] = s.charCodeAt(i);
  };
  write(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  write(8, 'WAVE');
  write(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, format === 'f32le' ? 3 : 1, true);
  view.setUint16(22, channels.length, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * channels.length * bps, true);
  view.setUint16(32, channels.length * bps, true);
  view.setUint16(34, bps * 8, true);
  write(36, 'data');
  view.setUint32(40, dataBytes, true);
  let p = 44;
  const clip = (x: number) => (x > 1 ? 1 : x < -1 ? -1 : x);
  for (let i = 0; i < n; i++) {
    for (const ch of channels) {
      const x = clip(ch[i] ?? 0);
      switch (format) {
        case 's16le':
          view.setInt16(p, Math.round(x * 32767), true);
          break;
        case 's24le': {
          const v = Math.round(x * 8388607);
          out[p] = v & 0xff;
          out[p + 1] = (v >> 8) & 0xff;
          out[p + 2] = (v >> 16) & 0xff;
          break;
        }
        case 's32le':
          view.setInt32(p, Math.round(x * 2147483647), true);
          break;
        case 'f32le':
          view.setFloat32(p, x, true);
          break;
      }
      p += bps;
    }
  }
  return out;
}
