/**
 * Writing a take while it happens, so a crash loses at most the last second: audio goes to
 * `audio.wav` in chunks (16-bit PCM, mono) with the RIFF/data sizes patched and the file fsynced about
 * once a second; every cue is appended to `cues.jsonl` and fsynced at once. A take cut short by a
 * crash is therefore a valid take up to its last sync.
 *
 * A write that fails (disk full, drive unplugged, read-only) stops the recording, not the show: the
 * header is patched to the samples really on disk, a half-written cue line is cut back, the failure
 * is reported once (`onFailure`, a DeviceError naming the file) and later writes are dropped.
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ShowFileError } from '../../core/errors.js';
import type { PerformerEvent, TakeCue } from '../../core/model/types.js';
import { writeError } from '../files/writeError.js';

const HEADER_BYTES = 44;

/** The 44-byte header of a mono 16-bit PCM WAV with `dataBytes` of samples. */
export function wavHeader(sampleRate: number, dataBytes: number): Uint8Array {
  const b = new Uint8Array(HEADER_BYTES);
  const v = new DataView(b.buffer);
  const tag = (o: number, s: string): void => {
    for (let i = 0; i < 4; i++) b[o + i] = s.charCodeAt(i);
  };
  tag(0, 'RIFF');
  v.setUint32(4, 36 + dataBytes, true);
  tag(8, 'WAVE');
  tag(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true);
  v.setUint16(22, 1, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * 2, true);
  v.setUint16(32, 2, true);
  v.setUint16(34, 16, true);
  tag(36, 'data');
  v.setUint32(40, dataBytes, true);
  return b;
}

/** Options of a recorder. */
export interface RecorderOptions {
  readonly sampleRate: number;
  /** Seconds of audio between header patches + fsyncs (default 1). */
  readonly syncEveryS?: number;
  /** Called once, at the first failed write (the recording stops; the caller's show goes on). */
  readonly onFailure?: (err: unknown) => void;
}

/** A take being recorded. Call `close` at the end; after a crash the files are valid up to the last sync. */
export class TakeRecorder {
  private audio: FileHandle | undefined;
  private cues: FileHandle | undefined;
  private performer: FileHandle | undefined;
  private dataBytes = 0;
  private unsyncedSamples = 0;
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown;
  private cueCount = 0;
  /** Bytes of whole lines in cues.jsonl / performer.jsonl known to be on disk. */
  private cueBytes = 0;
  private performerBytes = 0;

  private constructor(
    readonly dir: string,
    private readonly options: Required<Omit<RecorderOptions, 'onFailure'>> & Pick<RecorderOptions, 'onFailure'>,
  ) {}

  /** Creates the take folder (it must not exist yet, or be empty) and its files. */
  static async create(dir: string, options: RecorderOptions): Promise<TakeRecorder> {
    await mkdir(dir, { recursive: true }).catch((err: unknown) => {
      throw writeError(dir, err);
    });
    const r = new TakeRecorder(dir, { syncEveryS: 1, ...options });
    try {
      r.audio = await open(join(dir, 'audio.wav'), 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new ShowFileError([{ file: join(dir, 'audio.wav'), path: '', message: 'already exists: this take folder holds a recording', expected: 'a new take name (--take)' }], { cause: err });
      }
      throw writeError(dir, err);
    }
    try {
      await r.audio.write(wavHeader(options.sampleRate, 0), 0, HEADER_BYTES, 0);
      await r.audio.sync();
      r.cues = await open(join(dir, 'cues.jsonl'), 'ax');
      await r.cues.sync();
    } catch (err) {
      await Promise.all([r.audio.close(), r.cues?.close()]).catch(() => undefined);
      throw writeError(dir, err);
    }
    return r;
  }

  /** Seconds of audio written so far. */
  get durationS(): number {
    return this.dataBytes / 2 / this.options.sampleRate;
  }

  /** Cues recorded so far. */
  get cueTotal(): number {
    return this.cueCount;
  }

  /** The first write failure (a DeviceError for disk problems), once the recording has stopped. */
  get failed(): unknown {
    return this.failure;
  }

  private enqueue(job: () => Promise<void>): void {
    this.chain = this.chain.then(async () => {
      if (this.failure === undefined) await job();
    }).catch((err: unknown) => this.fail(err));
  }

  /** Stops the recording at the first failure, leaving files that read back as a shorter take. */
  private async fail(err: unknown): Promise<void> {
    if (this.failure !== undefined) return;
    this.failure = writeError(this.dir, err);
    // Best effort: these rewrite or shrink what exists, so they work on a full disk.
    await this.audio?.write(wavHeader(this.options.sampleRate, this.dataBytes), 0, HEADER_BYTES, 0).catch(() => undefined);
    await this.audio?.truncate(HEADER_BYTES + this.dataBytes).catch(() => undefined);
    await this.cues?.truncate(this.cueBytes).catch(() => undefined);
    await this.performer?.truncate(this.performerBytes).catch(() => undefined);
    await Promise.all([this.audio?.sync(), this.cues?.sync(), this.performer?.sync()]).catch(() => undefined);
    this.options.onFailure?.(this.failure);
  }

  /** Appends mono samples in [-1, 1] (at the recorder's sample rate). */
  writeAudio(samples: Float32Array): void {
    const pcm = new Uint8Array(samples.length * 2);
    const v = new DataView(pcm.buffer);
    for (let i = 0; i < samples.length; i++) {
      const s = Math.max(-1, Math.min(1, samples[i]!));
      v.setInt16(i * 2, Math.round(s < 0 ? s * 32768 : s * 32767), true);
    }
    this.enqueue(async () => {
      const h = this.audio;
      if (h === undefined) return;
      // A write may land only in part (a disk filling up): count only whole samples really written.
      let done = 0;
      try {
        while (done < pcm.length) {
          const { bytesWritten } = await h.write(pcm, done, pcm.length - done, HEADER_BYTES + this.dataBytes + done);
          if (bytesWritten <= 0) throw Object.assign(new Error('no bytes written'), { code: 'EIO' });
          done += bytesWritten;
        }
      } finally {
        this.dataBytes += done - (done % 2);
      }
      this.unsyncedSamples += samples.length;
      if (this.unsyncedSamples >= this.options.syncEveryS * this.options.sampleRate) await this.syncAudio();
    });
  }

  private async syncAudio(): Promise<void> {
    const h = this.audio;
    if (h === undefined) return;
    await h.write(wavHeader(this.options.sampleRate, this.dataBytes), 0, HEADER_BYTES, 0);
    await h.sync();
    this.unsyncedSamples = 0;
  }

  /** Appends one fired cue to cues.jsonl and fsyncs it. */
  writeCue(cue: TakeCue): void {
    const line = JSON.stringify(cue.by === undefined ? { t: round(cue.t), dept: cue.dept, cue: cue.cue } : { t: round(cue.t), dept: cue.dept, cue: cue.cue, by: cue.by }) + '\n';
    this.cueCount++;
    this.enqueue(async () => {
      if (this.cues === undefined) return;
      await this.cues.appendFile(line);
      await this.cues.sync();
      this.cueBytes += Buffer.byteLength(line);
    });
  }

  /** Appends one performer event to performer.jsonl (created on first use) and fsyncs it. */
  writePerformer(e: PerformerEvent): void {
    const line = JSON.stringify({ ...e, t: round(e.t) }) + '\n';
    this.enqueue(async () => {
      this.performer ??= await open(join(this.dir, 'performer.jsonl'), 'a');
      await this.performer.appendFile(line);
      await this.performer.sync();
      this.performerBytes += Buffer.byteLength(line);
    });
  }

  /** Waits for everything queued so far to reach the disk; rethrows the first write failure. */
  async flush(): Promise<void> {
    this.enqueue(() => this.syncAudio());
    await this.chain;
    if (this.failure !== undefined) throw this.failure instanceof Error ? this.failure : new Error('take write failed', { cause: this.failure });
  }

  /** Flushes and closes the files. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await Promise.all([this.audio?.close(), this.cues?.close(), this.performer?.close()]);
      this.audio = undefined;
      this.cues = undefined;
      this.performer = undefined;
    }
  }
}

const round = (t: number): number => Math.round(t * 1000) / 1000;
