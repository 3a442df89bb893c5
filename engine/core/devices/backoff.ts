/**
 * How long a device connection waits before its next attempt: exponential back-off from `minMs`,
 * doubling (by `factor`) per failed attempt, capped at `maxMs`. No jitter: one engine talks to a
 * handful of devices, so there is no crowd of clients to spread out, and a crew reading the console
 * sees the same countdown every time.
 */

/** Back-off settings of one device connection. */
export interface Backoff {
  /** Wait before the first retry (ms). */
  readonly minMs: number;
  /** Longest wait between attempts (ms). */
  readonly maxMs: number;
  /** Growth per failed attempt. */
  readonly factor: number;
}

/** The defaults every device output uses unless its show entry says otherwise. */
export const DEFAULT_BACKOFF: Backoff = { minMs: 500, maxMs: 10_000, factor: 2 };

/** Wait before attempt `failed + 1`, after `failed` (≥ 1) failed attempts in a row. */
export function retryDelayMs(failed: number, backoff: Backoff = DEFAULT_BACKOFF): number {
  const n = Math.max(1, Math.floor(failed));
  return Math.min(backoff.maxMs, backoff.minMs * backoff.factor ** (n - 1));
}
