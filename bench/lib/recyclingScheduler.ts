/**
 * A virtual clock for long offline runs. rxjs's VirtualAction never reuses itself: every reschedule
 * (an `interval`, a self-rescheduling action such as the console model's meter refresh) creates a
 * new action chained to the previous one, kept "so it can be inspected later" — over hours of show
 * that chain grows without bound and overflows the stack when it is unsubscribed. This action
 * re-queues itself in place, with the same ordering (a fresh index at each reschedule, as a new
 * action would get), so a replay is unchanged and its memory stays flat.
 */
import { Subscription, VirtualAction, VirtualTimeScheduler } from 'rxjs';

class RecyclingVirtualAction<T> extends VirtualAction<T> {
  override schedule(state?: T, delay = 0): Subscription {
    if (!Number.isFinite(delay)) return Subscription.EMPTY;
    if (!this.id || this.closed) return super.schedule(state, delay);
    const s = this.scheduler;
    const queued = s.actions.indexOf(this);
    if (queued >= 0) s.actions.splice(queued, 1);
    this.state = state;
    this.pending = true;
    this.active = true;
    this.index = s.index += 1;
    this.delay = s.frame + delay;
    s.actions.push(this);
    (s.actions as RecyclingVirtualAction<unknown>[]).sort((a, b) => (a.delay === b.delay ? a.index - b.index : a.delay - b.delay));
    return this;
  }
}

/** A VirtualTimeScheduler (no frame limit) whose periodic actions do not accumulate. */
export function recyclingOfflineScheduler(): VirtualTimeScheduler {
  return new VirtualTimeScheduler(RecyclingVirtualAction, Infinity);
}
