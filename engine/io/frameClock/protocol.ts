/**
 * What the frame clock's main-thread handle and its worker share: the SharedArrayBuffer layout and
 * the messages between them.
 *
 * Layout: an Int32Array header — [DOORBELL] bumped and notified after every write (a resting worker
 * sleeps on it), [MOVING] 1 while the engine's frame loop is moving (a fade or an effect running),
 * [URGENT] bumped and notified after a write that must not wait for the grid (a GO, a beat, PANIC:
 * a moving worker sleeps on it between grid points), [SEQ + i] the write sequence of universe i (odd while the main thread is writing: a seqlock, so
 * the worker never sends half a look) — then 512 bytes per universe.
 */
import { type UniverseOutput } from '../../core/show/schema.js';
import { type CloseMode } from '../dmx/driver.js';

/** Header cell the main thread bumps and notifies after writing a look. */
export const DOORBELL = 0;
/** Header cell: 1 while the frame loop is moving, 0 at rest. */
export const MOVING = 1;
/** Header cell bumped and notified after an urgent write (it goes out off the grid, at once). */
export const URGENT = 2;
/** Header cell of universe 0's write sequence; universe i's is SEQ + i. */
export const SEQ = 3;

/** Byte offset of universe `index`'s 512 channels. */
export function dataOffset(universeCount: number, index: number): number {
  return headerBytes(universeCount) + index * 512;
}

/** Bytes of the Int32 header, rounded to 8. */
export function headerBytes(universeCount: number): number {
  return Math.ceil(((SEQ + universeCount) * 4) / 8) * 8;
}

/** Total shared bytes for `universeCount` universes. */
export function sharedBytes(universeCount: number): number {
  return dataOffset(universeCount, universeCount);
}

/**
 * How the outputs speak for the show: as the show says (the default), or as a hot standby does (see
 * engine/io/continuity): sACN at a priority of its own per universe, and silence where a protocol has
 * no priority to defer by (Art-Net, USB).
 */
export interface OutputMode {
  /** sACN priority per show universe id, in place of the show's (absent: the show's). */
  readonly sacnPriority: Readonly<Record<number, number>>;
  /** Art-Net and USB universes send nothing. */
  readonly silenceNonSacn: boolean;
}

/** Data the worker starts with. */
export interface FrameClockWorkerData {
  readonly universes: readonly UniverseOutput[];
  readonly shared: SharedArrayBuffer;
  /** sACN CID as 32 hex digits. */
  readonly cidHex: string;
  readonly multicastInterface?: string;
  /** Keep per-send timing statistics (small cost per packet). */
  readonly measure: boolean;
  /** Scheduling of the sending thread: real-time (SCHED_FIFO), nice -10, or untouched. */
  readonly priority: 'realtime' | 'nice' | 'normal';
  /** The output mode from the first packet on (absent: as the show says). */
  readonly outputMode?: OutputMode;
}

/** Per-universe counters. */
export interface UniverseSendStats {
  readonly id: number;
  readonly description: string;
  readonly sent: number;
  readonly skipped: number;
  readonly errors: number;
  readonly lastError?: string;
}

/** Error of send times against the ideal grid (k / rateHz after start), in ms. */
export interface TimingStats {
  readonly count: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** A snapshot of the clock's counters. */
export interface FrameClockStats {
  /** Since start or the last reset. */
  readonly elapsedMs: number;
  /** CPU time the worker thread used in that span (from /proc/thread-self/schedstat; -1 if unavailable). */
  readonly cpuMs: number;
  readonly timing: TimingStats;
  /** Grid points skipped because the worker fell more than one period behind. */
  readonly overruns: number;
  /** Frames sent (all universes) in the span. */
  readonly packets: number;
  readonly universes: readonly UniverseSendStats[];
  /** UDP send errors since start (Art-Net and sACN sockets). */
  readonly udpErrors: number;
}

/** Main → worker. */
export type ToWorker =
  | { readonly type: 'stats'; readonly reset: boolean; readonly requestId: number }
  | { readonly type: 'stop'; readonly mode: CloseMode }
  /** From the next packet on, send as `mode` says. */
  | { readonly type: 'outputMode'; readonly mode: OutputMode };

/** Worker → main. */
export type FromWorker =
  | { readonly type: 'ready'; readonly openErrors: readonly { readonly device: string; readonly detail: string; readonly hint?: string }[] }
  | { readonly type: 'stats'; readonly requestId: number; readonly stats: FrameClockStats }
  | { readonly type: 'log'; readonly level: 'debug' | 'info' | 'warn' | 'error'; readonly message: string; readonly fields?: Record<string, unknown> }
  | { readonly type: 'stopped' }
  | { readonly type: 'fatal'; readonly message: string };
