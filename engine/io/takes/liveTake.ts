/**
 * A take written while the engine runs: the audio blocks it hears and the cues playback fires, on the
 * engine's one audio clock. The folder and its files are made at the first audio block (its sample
 * rate fixes the WAV's); what arrives before they exist waits in memory and is written in order.
 * `precue record` and a run that keeps its audio both write through this.
 */
import type { AudioBlock } from '../../core/audio/types.js';
import type { TakeCue } from '../../core/model/types.js';
import { TakeRecorder } from './recorder.js';

/** Options of a live take. */
export interface LiveTakeOptions {
  /** A failed write (the recording stops, the show goes on). */
  readonly onFailure?: (err: unknown) => void;
  /** The take could not be created at all (its folder or files). */
  readonly onCreateError?: (err: unknown) => void;
}

/** A take being written from live audio blocks and fired cues. */
export class LiveTake {
  private recorder: TakeRecorder | undefined;
  private creating: Promise<TakeRecorder | undefined> | undefined;
  private readonly pendingAudio: Float32Array[] = [];
  private readonly pendingCues: TakeCue[] = [];

  constructor(
    readonly dir: string,
    private readonly options: LiveTakeOptions = {},
  ) {}

  /** The recorder, once the files exist. */
  get current(): TakeRecorder | undefined {
    return this.recorder;
  }

  /** Whether an audio block has arrived (the take is being created or written). */
  get started(): boolean {
    return this.creating !== undefined;
  }

  /** Appends an audio block (the first one creates the take at its sample rate). */
  audio(block: AudioBlock): void {
    this.creating ??= TakeRecorder.create(this.dir, { sampleRate: block.sampleRate, ...(this.options.onFailure !== undefined ? { onFailure: this.options.onFailure } : {}) }).then(
      (r) => {
        this.recorder = r;
        for (const samples of this.pendingAudio.splice(0)) r.writeAudio(samples);
        for (const cue of this.pendingCues.splice(0)) r.writeCue(cue);
        return r;
      },
      (err: unknown) => {
        this.pendingAudio.length = 0;
        this.options.onCreateError?.(err);
        return undefined;
      },
    );
    if (this.recorder === undefined) this.pendingAudio.push(block.samples);
    else this.recorder.writeAudio(block.samples);
  }

  /** Appends a fired cue (seconds of this take's audio). */
  cue(cue: TakeCue): void {
    if (this.recorder === undefined) this.pendingCues.push(cue);
    else this.recorder.writeCue(cue);
  }

  /** Waits for the take to exist and closes it (flushing everything); undefined when no audio ever came or it could not be created. */
  async close(): Promise<TakeRecorder | undefined> {
    const r = this.recorder ?? (await this.creating);
    await r?.close();
    return r;
  }
}
