/**
 * Live capture from the sound card by spawning the first capture tool found on PATH: arecord
 * (alsa-utils), sox (`rec`-style input) or ffmpeg. Raw s16le PCM comes back on its stdout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { Observable } from 'rxjs';
import { DeviceError } from '../../core/errors.js';
import type { AudioBlock } from '../../core/audio/types.js';
import { pcmBlocks } from './pcmStream.js';

/** What to capture. */
export interface CaptureOptions {
  /** Device name for the tool (ALSA name such as `hw:1,0`, or `default`). */
  readonly device?: string;
  readonly sampleRate?: number;
  readonly channels?: number;
  /** Force one tool instead of the first found. */
  readonly tool?: CaptureTool;
}

/** The capture programs Precue knows how to drive. */
export type CaptureTool = 'arecord' | 'sox' | 'ffmpeg';

/** Finds an executable on PATH, or undefined. */
export function findOnPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Command line for a tool, writing raw s16le interleaved PCM to stdout. */
export function captureCommand(tool: CaptureTool, device: string, rate: number, channels: number): { cmd: string; args: string[] } {
  switch (tool) {
    case 'arecord':
      return { cmd: 'arecord', args: ['-q', '-D', device, '-f', 'S16_LE', '-r', String(rate), '-c', String(channels), '-t', 'raw'] };
    case 'sox':
      return { cmd: 'sox', args: ['-q', '-t', 'alsa', device, '-t', 'raw', '-e', 'signed-integer', '-b', '16', '-L', '-r', String(rate), '-c', String(channels), '-'] };
    case 'ffmpeg':
      return { cmd: 'ffmpeg', args: ['-hide_banner', '-loglevel', 'error', '-f', 'alsa', '-i', device, '-ac', String(channels), '-ar', String(rate), '-f', 's16le', '-'] };
  }
}

/** Picks the capture tool to use, or raises a `DeviceError` naming what to install. */
export function chooseCaptureTool(preferred?: CaptureTool, path?: string): CaptureTool {
  const order: CaptureTool[] = preferred !== undefined ? [preferred] : ['arecord', 'sox', 'ffmpeg'];
  for (const tool of order) if (findOnPath(tool, path) !== undefined) return tool;
  throw new DeviceError(
    'audio capture',
    preferred !== undefined ? `'${preferred}' is not installed or not on PATH` : 'no capture tool found on PATH (looked for arecord, sox, ffmpeg)',
    'install one: Debian/Ubuntu `apt-get install alsa-utils` (arecord), or `sox`, or `ffmpeg`; macOS `brew install sox`',
  );
}

/**
 * Live audio blocks from the sound card. The tool is spawned on subscribe and killed on unsubscribe;
 * if it exits with an error, the stream errors with a `DeviceError` carrying its last stderr line.
 */
export function captureBlocks(options: CaptureOptions = {}): Observable<AudioBlock> {
  return new Observable<AudioBlock>((subscriber) => {
    let tool: CaptureTool;
    try {
      tool = chooseCaptureTool(options.tool);
    } catch (err) {
      subscriber.error(err);
      return undefined;
    }
    const rate = options.sampleRate ?? 44100;
    const channels = options.channels ?? 1;
    const device = options.device ?? 'default';
    const { cmd, args } = captureCommand(tool, device, rate, channels);
    const child: ChildProcess = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    child.once('error', (err) => subscriber.error(new DeviceError(`audio capture (${cmd})`, err.message, 'check the tool is installed', { cause: err })));
    // Finish only when both stdout has ended and the tool has exited, so a failing tool (no sound
    // card, busy device) is reported as an error rather than as a silent, empty stream.
    let stdoutEnded = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const finish = () => {
      if (!stdoutEnded || exit === undefined || subscriber.closed) return;
      if (exit.code !== 0 && exit.signal === null) {
        const last = stderr.trim().split('\n').at(-1) ?? '';
        subscriber.error(
          new DeviceError(
            `audio capture (${cmd} ${device})`,
            `exited with code ${exit.code}${last ? `: ${last}` : ''}`,
            'check the device name (arecord -L lists them), that a sound card is present and that it is not busy',
          ),
        );
      } else subscriber.complete();
    };
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      finish();
    });
    const sub = pcmBlocks(child.stdout!, { sampleRate: rate, channels, format: 's16le' }).subscribe({
      next: (b) => subscriber.next(b),
      error: (err: unknown) => subscriber.error(err),
      complete: () => {
        stdoutEnded = true;
        finish();
      },
    });
    return () => {
      sub.unsubscribe();
      if (child.exitCode === null) child.kill('SIGTERM');
    };
  });
}
