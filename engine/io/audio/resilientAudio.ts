/**
 * A live audio input that comes back by itself. When the capture process dies or the sound card
 * disappears mid-show the source errors; this re-opens it every `retryMs` until blocks flow again.
 * Meanwhile nothing arrives (outputs hold: playback keeps its look), the loss and the return are
 * reported once each through `onStatus`, and blocks after a return continue the engine's audio time
 * base (wall-clock time since the first block) with `reset` set, so trackers start afresh instead of
 * seeing time run backwards.
 */
import { defer, Observable, type SchedulerLike, asyncScheduler } from 'rxjs';
import type { AudioBlock } from '../../core/audio/types.js';

/** A change of the input's health. */
export type AudioInputStatus = { readonly kind: 'lost'; readonly reason: string } | { readonly kind: 'back'; readonly afterS: number };

/** Re-opens `open()` after each error; `onStatus` hears each loss and return once. */
export function resilientAudio(
  open: () => Observable<AudioBlock>,
  options: { readonly retryMs?: number; readonly onStatus: (s: AudioInputStatus) => void },
  scheduler: SchedulerLike = asyncScheduler,
): Observable<AudioBlock> {
  const retryMs = options.retryMs ?? 2000;
  return new Observable<AudioBlock>((subscriber) => {
    let firstBlockMs: number | undefined;
    let lostAtMs: number | undefined;
    let offsetS = 0;
    let needsReset = false;
    let inner: { unsubscribe(): void } | undefined;
    let retry: { unsubscribe(): void } | undefined;
    let closed = false;
    const start = (): void => {
      if (closed) return;
      let first = true;
      inner = defer(open).subscribe({
        next: (b) => {
          const now = scheduler.now();
          firstBlockMs ??= now;
          if (first) {
            first = false;
            if (lostAtMs !== undefined) {
              options.onStatus({ kind: 'back', afterS: (now - lostAtMs) / 1000 });
              lostAtMs = undefined;
              // Continue the time base where the wall clock is: blocks restart at t = 0 from a new capture.
              offsetS = (now - firstBlockMs) / 1000 - b.t;
              needsReset = true;
            }
          }
          const out: AudioBlock = offsetS === 0 && !needsReset ? b : { ...b, t: b.t + offsetS, ...(needsReset ? { reset: true } : {}) };
          needsReset = false;
          subscriber.next(out);
        },
        error: (err: unknown) => lost(err instanceof Error ? err.message : String(err)),
        complete: () => lost('the capture ended'),
      });
    };
    const lost = (reason: string): void => {
      if (closed) return;
      if (lostAtMs === undefined) {
        lostAtMs = scheduler.now();
        options.onStatus({ kind: 'lost', reason });
      }
      retry = scheduler.schedule(() => start(), retryMs);
    };
    start();
    return () => {
      closed = true;
      inner?.unsubscribe();
      retry?.unsubscribe();
    };
  });
}
