/**
 * What every vision mixer output (OBS, ATEM) offers the video outputs once connected, and where it
 * reports its tally. Tally is given in camera ids (`outputs.cameras`), resolved by the switcher from
 * its own inputs, so the camera director never sees scene names or input numbers.
 */
import type { AtemMessage, CameraConfig, ObsMessage, ShotTransition } from '../../core/show/video.js';
import type { DeviceSession } from '../devices/deviceLink.js';

/** An open switcher connection. Every method sends at once and settles when the device answered. */
export interface SwitcherSession extends DeviceSession {
  /** Takes a camera's input to program with a cut or a timed transition. */
  take(camera: CameraConfig, transition: ShotTransition): Promise<void>;
  /** Puts a camera's input on preview (where the switcher has one). */
  preview(camera: CameraConfig): Promise<void>;
  /** Sends a cue's switcher message (the show checked it is for this kind of switcher). */
  send(message: ObsMessage | AtemMessage): Promise<void>;
}

/** Where switchers report which cameras are on program and preview. */
export interface TallySink {
  tally(switcherId: string, program: ReadonlySet<string>, preview: ReadonlySet<string>): void;
  /** The switcher's link is down: its cameras' tally is unknown until it reconnects. */
  tallyLost(switcherId: string): void;
}

/** `err` as one sentence. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Rejects when `signal` aborts, so a connect attempt can be given up. */
export function abortable<T>(signal: AbortSignal, work: Promise<T>, onAbort: () => void): Promise<T> {
  if (signal.aborted) {
    onAbort();
    return Promise.reject(new Error('attempt given up'));
  }
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => {
      onAbort();
      reject(new Error('attempt given up'));
    };
    signal.addEventListener('abort', abort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', abort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
