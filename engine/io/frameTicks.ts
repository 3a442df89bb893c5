/**
 * The main thread's frame ticks, measured where they happen: rate and gaps between ticks since the
 * last read. `/healthz` reports them, so a test or a monitor sees whether the look kept being
 * computed (the frame clock thread resends the last look on its own, so the wire alone cannot tell).
 */

/** Tick statistics over one window. */
export interface FrameTickWindow {
  readonly ticks: number;
  readonly seconds: number;
  readonly rateHz: number;
  readonly gapP99Ms: number;
  readonly gapMaxMs: number;
}

/** Records tick times; `read()` summarises and starts a new window. */
export class FrameTicks {
  private gaps: number[] = [];
  private last = 0;
  private windowStart: number;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.windowStart = now();
  }

  /** One frame tick, now. */
  tick(): void {
    const t = this.now();
    if (this.last > 0 && this.gaps.length < 1_000_000) this.gaps.push(t - this.last);
    this.last = t;
  }

  /** The window since the last read. */
  read(): FrameTickWindow {
    const t = this.now();
    const sorted = Float64Array.from(this.gaps).sort();
    const seconds = (t - this.windowStart) / 1000;
    const w: FrameTickWindow = {
      ticks: this.gaps.length,
      seconds,
      rateHz: seconds > 0 ? this.gaps.length / seconds : 0,
      gapP99Ms: sorted.length > 0 ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]! : 0,
      gapMaxMs: sorted.length > 0 ? sorted[sorted.length - 1]! : 0,
    };
    this.gaps = [];
    this.windowStart = t;
    return w;
  }
}
