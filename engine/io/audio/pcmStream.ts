/**
 * Raw PCM from a byte stream (standard input, a capture tool's stdout) as audio blocks. Chunk
 * boundaries may split a sample frame: the remainder is carried to the next chunk.
 */
import type { Readable } from 'node:stream';
import { Observable } from 'rxjs';
import { UsageError } from '../../core/errors.js';
import { bytesPerSample, pcmToMono, type PcmFormat } from '../../core/audio/wav.js';
import type { AudioBlock } from '../../core/audio/types.js';

/** Layout of a raw PCM stream. */
export interface PcmLayout {
  readonly sampleRate: number;
  readonly channels: number;
  readonly format: PcmFormat;
}

const formats: readonly PcmFormat[] = ['s16le', 's24le', 's32le', 'f32le', 'u8'];

/** Checks a PCM layout given on the command line; a bad value is a `UsageError` naming the option. */
export function checkPcmLayout(rate: number, channels: number, format: string): PcmLayout {
  if (!Number.isInteger(rate) || rate < 1000 || rate > 768000) throw new UsageError(`--rate must be a sample rate in Hz (1000..768000), got ${rate}`);
  if (!Number.isInteger(channels) || channels < 1 || channels > 64) throw new UsageError(`--channels must be 1..64, got ${channels}`);
  if (!formats.includes(format as PcmFormat)) throw new UsageError(`--format must be one of ${formats.join(', ')}, got '${format}'`);
  return { sampleRate: rate, channels, format: format as PcmFormat };
}

/**
 * Audio blocks from a readable byte stream of interleaved PCM. Completes when the stream ends; a
 * stream error becomes the observable's error. Unsubscribing stops reading (the stream is paused).
 */
export function pcmBlocks(input: Readable, layout: PcmLayout, startT = 0): Observable<AudioBlock> {
  return new Observable<AudioBlock>((subscriber) => {
    const frameBytes = bytesPerSample(layout.format) * layout.channels;
    let carry = new Uint8Array(0);
    let frames = 0;
    let first = true;
    const onData = (chunk: Buffer) => {
      let bytes: Uint8Array = chunk;
      if (carry.length > 0) {
        const merged = new Uint8Array(carry.length + chunk.length);
        merged.set(carry);
        merged.set(chunk, carry.length);
        bytes = merged;
      }
      const whole = bytes.length - (bytes.length % frameBytes);
      carry = bytes.slice(whole);
      if (whole === 0) return;
      const samples = pcmToMono(bytes.subarray(0, whole), layout.format, layout.channels);
      subscriber.next({ t: startT + frames / layout.sampleRate, sampleRate: layout.sampleRate, samples, ...(first ? { reset: true } : {}) });
      first = false;
      frames += samples.length;
    };
    const onEnd = () => subscriber.complete();
    const onError = (err: Error) => subscriber.error(err);
    input.on('data', onData);
    input.once('end', onEnd);
    input.once('error', onError);
    input.resume();
    return () => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', onError);
      input.pause();
    };
  });
}
