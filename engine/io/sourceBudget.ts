/**
 * A budget for traffic from the network, spent before any parsing: each source address gets its own
 * token bucket, and all of them together share one, so a flood of packets (malformed or not) costs
 * the main thread a map lookup each, never a decode — the frame loop runs on the same thread. Over
 * budget is dropped and counted. Remembers at most `maxSources` addresses (the oldest go first).
 */
import { TokenBucket } from './server/rateLimit.js';

/** Rates in packets per second. */
export interface SourceBudgetOptions {
  /** Per source address: sustained rate and burst (defaults 500/s, 1000). */
  readonly perSourcePerSecond?: number;
  readonly perSourceBurst?: number;
  /** All sources together (defaults 2000/s, 4000). */
  readonly totalPerSecond?: number;
  readonly totalBurst?: number;
  readonly maxSources?: number;
}

/** Per-source and total packet budgets. Time is passed in (ms). */
export class SourceBudget {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly total: TokenBucket;
  private readonly perSecond: number;
  private readonly burst: number;
  private readonly maxSources: number;
  /** Packets dropped for being over budget. */
  dropped = 0;

  constructor(options: SourceBudgetOptions = {}, now = 0) {
    this.perSecond = options.perSourcePerSecond ?? 500;
    this.burst = options.perSourceBurst ?? 1000;
    this.total = new TokenBucket(options.totalPerSecond ?? 2000, options.totalBurst ?? 4000, now);
    this.maxSources = options.maxSources ?? 1024;
  }

  /** True when a packet from `source` may be processed now. */
  take(source: string, nowMs: number): boolean {
    let b = this.buckets.get(source);
    if (b === undefined) {
      b = new TokenBucket(this.perSecond, this.burst, nowMs);
      this.buckets.set(source, b);
      if (this.buckets.size > this.maxSources) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
    }
    if (b.take(nowMs) && this.total.take(nowMs)) return true;
    this.dropped++;
    return false;
  }
}
