/** WAV files as audio sources: read and decode (decoding itself is pure, in core), then play back. */
import { readFile } from 'node:fs/promises';
import { asyncScheduler, Observable, type SchedulerLike } from 'rxjs';
import { ShowFileError } from '../../core/errors.js';
import { decodeWav, type DecodedWav } from '../../core/audio/wav.js';
import { AUDIO_BLOCK_SAMPLES, type AudioBlock } from '../../core/audio/types.js';

/** Reads and decodes a WAV file. A missing, unreadable, corrupt or truncated file raises a `ShowFileError`. */
export async function readWavFile(path: string): Promise<DecodedWav> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a file' : `cannot be read (${code ?? String(err)})`;
    throw new ShowFileError([{ file: path, path: '', message: why, expected: 'a readable WAV file' }], { cause: err });
  }
  return decodeWav(bytes, path);
}

/** How a decoded recording is played into the pipeline. */
export interface PlaybackOptions {
  /** Samples per block (default `AUDIO_BLOCK_SAMPLES`, what a live source delivers). */
  readonly blockSize?: number;
  /**
   * `realtime`: each block is emitted when its last sample would have been heard (live rehearsal of a
   * take); `fast`: all blocks at once, as fast as the consumer takes them (offline analysis).
   */
  readonly pace?: 'realtime' | 'fast';
  /** First block carries `reset: true` (default true). */
  readonly reset?: boolean;
}

/**
 * Plays a decoded recording as audio blocks. In `realtime` pace, blocks are scheduled on `scheduler`
 * against its clock from the moment of subscription, so the stream does not drift.
 */
export function playRecording(wav: Pick<DecodedWav, 'samples' | 'sampleRate'>, options: PlaybackOptions = {}, scheduler: SchedulerLike = asyncScheduler): Observable<AudioBlock> {
  const blockSize = Math.max(1, Math.floor(options.blockSize ?? AUDIO_BLOCK_SAMPLES));
  const { samples, sampleRate } = wav;
  const blockAt = (i: number): AudioBlock => ({
    t: (i * blockSize) / sampleRate,
    sampleRate,
    samples: samples.subarray(i * blockSize, Math.min(samples.length, (i + 1) * blockSize)),
    ...(i === 0 && options.reset !== false ? { reset: true } : {}),
  });
  const count = Math.ceil(samples.length / blockSize);
  if (options.pace !== 'realtime') {
    return new Observable<AudioBlock>((subscriber) => {
      for (let i = 0; i < count && !subscriber.closed; i++) subscriber.next(blockAt(i));
      subscriber.complete();
    });
  }
  return new Observable<AudioBlock>((subscriber) => {
    const start = scheduler.now();
    let i = 0;
    const dueMs = (k: number) => start + (Math.min(samples.length, (k + 1) * blockSize) / sampleRate) * 1000;
    return scheduler.schedule(function step() {
      while (i < count && scheduler.now() >= dueMs(i)) subscriber.next(blockAt(i++));
      if (i >= count) {
        subscriber.complete();
        return;
      }
      this.schedule(undefined, Math.max(0, dueMs(i) - scheduler.now()));
    }, Math.max(0, dueMs(0) - start));
  });
}
