/**
 * The main thread's frame ticks, measured where they happen: rate and gaps between ticks since the
 * last read. `/healthz` reports them, so a test or a monitor sees whether the look kept being
 * computed (the frame clock thread resends the last look on its own, so the wire alone cannot tell).
 *
 * A gap counts only while the look moves: the frame loop rests when nothing fades (a guard tick
 * every REST_GUARD_MS, a frame the moment work arrives), and a pause there is by design, not a stall.
 */

/** Tick statistics over one window. */
export interface FrameTickWindow {
  readonly ticks: number;
  readonly seconds: number;
  readonly rateHz: number;
  /** Gaps between ticks while the look moved (see the header). */
  readonly gapP99Ms: number;
  readonly gapMaxMs: number;
}

/** Records tick times; `read()` summarises and starts a new window. */
export class FrameTicks {
  private gaps: number[] = [];
  private count = 0;
  private last = 0;
  private moving = true;
  private windowStart: number;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.windowStart = now();
  }

  /**
   * One frame tick, now; `moving`: the look still moves after it (the next tick is due one period
   * later, so the gap to it is a frame gap). Absent: always moving.
   */
  tick(moving = true): void {
    const t = this.now();
    this.count++;
    if (this.last > 0 && this.moving && this.gaps.length < 1_000_000) this.gaps.push(t - this.last);
    this.last = t;
    this.moving = moving;
  }

  /** The window since the last read. */
  read(): FrameTickWindow {
    const t = this.now();
    const sorted = Float64Array.from(this.gaps).sort();
    const seconds = (t - this.windowStart) / 1000;
    const w: FrameTickWindow = {
      ticks: this.count,
      seconds,
      rateHz: seconds > 0 ? this.count / seconds : 0,
      gapP99Ms: sorted.length > 0 ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]! : 0,
      gapMaxMs: sorted.length > 0 ? sorted[sorted.length - 1]! : 0,
    };
    this.gaps = [];
    this.count = 0;
    this.windowStart = t;
    return w;
  }
}
