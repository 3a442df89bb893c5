/**
 * A problem that can repeat thousands of times a second — a dead network for 44 Hz DMX, an unplugged
 * camera, a flood of bad packets — is said once when it starts, summarised at most once a minute
 * while it lasts (with a count), and said once when it clears. The show never waits on the log.
 */

/** Where the lines go (a Logger's warn/info, or a worker's post). */
export type ProblemSay = (level: 'warn' | 'info', message: string) => void;

/** One kind of repeating problem on one device. Time is passed in (ms). */
export class RepeatingProblem {
  private total = 0;
  private sinceReport = 0;
  private lastReportMs = -Infinity;
  private active = false;

  constructor(
    private readonly what: string,
    private readonly say: ProblemSay,
    private readonly everyMs = 60_000,
  ) {}

  /** Failures so far in the current run of failures. */
  get count(): number {
    return this.total;
  }

  /** It happened (`times` times) with this detail. */
  occurred(detail: string, nowMs: number, times = 1): void {
    this.total += times;
    if (!this.active) {
      this.active = true;
      this.lastReportMs = nowMs;
      this.sinceReport = 0;
      this.say('warn', `${this.what}: ${detail} (counted from now on; retried, the show goes on)`);
      return;
    }
    this.sinceReport += times;
    if (nowMs - this.lastReportMs >= this.everyMs) {
      this.say('warn', `${this.what}: still failing, ${this.sinceReport} more in the last ${Math.round((nowMs - this.lastReportMs) / 1000)} s (${this.total} in all): ${detail}`);
      this.lastReportMs = nowMs;
      this.sinceReport = 0;
    }
  }

  /** It worked: if it was failing, say so once and start counting afresh. */
  cleared(): void {
    if (!this.active) return;
    this.active = false;
    this.say('info', `${this.what}: working again after ${this.total} failures`);
    this.total = 0;
  }
}
