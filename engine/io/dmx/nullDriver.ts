/** A driver that goes nowhere but keeps the last frame (rehearsal without a rig, tests). */
import { type CloseMode, type DmxDriver, type DmxDriverStats } from './driver.js';

/** Keeps the last frame; sends nothing. */
export class NullDriver implements DmxDriver {
  readonly description = 'null';
  readonly stats: DmxDriverStats = { sent: 0, skipped: 0, errors: 0 };
  /** The last frame "sent". */
  readonly last = new Uint8Array(512);

  open(): Promise<void> {
    return Promise.resolve();
  }

  send(data: Uint8Array): void {
    this.last.set(data.subarray(0, 512));
    this.stats.sent++;
  }

  close(_mode: CloseMode): Promise<void> {
    return Promise.resolve();
  }
}
