/**
 * Our DMX driver interface. The frame clock (in its worker thread) owns the drivers and calls `send`
 * at each universe's rate; a driver only moves bytes — packet encoding lives in engine/core/dmx.
 *
 * Why not dmx-ts's drivers directly: measured, they send on every `update()` with no rate cap, run
 * their own timers (setInterval / setTimeout(1)), its Art-Net path (dmxnet) broadcasts to
 * 255.255.255.255 by default and builds a hex debug string of every packet even with logging off, and
 * its sACN path (the `sacn` package) sends no keep-alive, never sends stream-terminated packets on
 * close and converts every value through a 0..100 percentage. So we encode Art-Net/sACN/Enttec frames
 * ourselves (engine/core/dmx), send UDP with node:dgram and serial with `serialport` (the same
 * transport dmx-ts uses), from one clock.
 */
import { type DmxDriverConfig } from '../../core/show/schema.js';

/** How a driver is closed. */
export type CloseMode =
  /** Clean stop: sACN sends three stream-terminated packets so receivers release at once. */
  | 'clean'
  /** Hold: stop sending without telling receivers, so they keep the last look (crash, restart). */
  | 'hold';

/** Counters a driver keeps. */
export interface DmxDriverStats {
  /** Frames handed to the transport. */
  sent: number;
  /** Frames skipped because the transport was still busy with the previous one (serial). */
  skipped: number;
  /** Transport errors. */
  errors: number;
  lastError?: string;
}

/** One universe's way out. */
export interface DmxDriver {
  /** Human-readable destination, e.g. `art-net 127.0.0.1:6454 0:0:1`. */
  readonly description: string;
  /** Opens the transport; rejects with DeviceError naming the device. */
  open(): Promise<void>;
  /** Sends one frame (512 bytes, channel 1 at index 0). Never throws: failures are counted. */
  send(data: Uint8Array): void;
  /** Closes; `clean` may send goodbye packets first. */
  close(mode: CloseMode): Promise<void>;
  readonly stats: DmxDriverStats;
}

/** The driver configuration (from the show's `outputs.universes[].driver`). */
export type { DmxDriverConfig };

/** Formats an unknown error for a counter. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
