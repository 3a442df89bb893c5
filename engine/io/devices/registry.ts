/**
 * Every device link of a running engine in one place, for the console (`devices` in the snapshot,
 * a `device` delta on each change) and for shutdown. Any device kind registers its link here.
 */
import { merge, type Observable } from 'rxjs';
import type { DeviceState } from '../../core/protocol/devices.js';

/** What the registry needs of a link. */
export interface RegisteredDevice {
  readonly state: DeviceState;
  readonly state$: Observable<DeviceState>;
  start(): void;
  stop(): Promise<void>;
}

/** The engine's devices. */
export class DeviceRegistry {
  private readonly links: RegisteredDevice[] = [];

  /** Adds a link (not started). */
  add(link: RegisteredDevice): void {
    this.links.push(link);
  }

  /** Every device's state now, in the order they were added. */
  snapshot(): DeviceState[] {
    return this.links.map((l) => l.state);
  }

  /** Each device's changes (hot; each link replays its current state on subscribe). */
  get states$(): Observable<DeviceState> {
    return merge(...this.links.map((l) => l.state$));
  }

  /** Starts every link. */
  start(): void {
    for (const l of this.links) l.start();
  }

  /** Stops every link (in parallel). */
  async stop(): Promise<void> {
    await Promise.all(this.links.map((l) => l.stop()));
  }
}
