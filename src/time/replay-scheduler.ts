/**
 * The replay (virtual-time) scheduler.
 */
import type { SchedulerAction, SchedulerLike, Subscription } from 'rxjs';
import type { Clock, TimerHandle } from './clock';
import { TimerHeap } from './timer-heap';
import { scheduleOnClock } from './rx-adapter';
import { MAX_TIME, nsToMs, toNs } from '../batch/time';

/**
 * A virtual clock in the data's own time: `now()` is the replay's event time in epoch
 * milliseconds (so `format(scheduler.now(), 'HH:mm:ss')` from date-fns shows the
 * historical time), `nowNs()` the same instant in exact epoch nanoseconds.
 *
 * Timers live in a binary heap (O(log n) per schedule, unlike RxJS's
 * `VirtualTimeScheduler`, which re-sorts its queue on every schedule); equal due times run
 * in scheduling order. Time only moves when the replay driver (or a test) advances it.
 * It is an RxJS `SchedulerLike`: give it to `bufferTime`, `debounceTime`, `delay`, `timer`, … .
 *
 * @example
 * const s = new ReplayScheduler(Date.UTC(2024, 0, 2, 9, 30));
 * timer(1000, s).subscribe(() => console.log(new Date(s.now()).toISOString()));
 * s.flush(); // logs 2024-01-02T09:30:01.000Z
 */
export class ReplayScheduler implements Clock, SchedulerLike {
  private readonly timers = new TimerHeap();
  private t: bigint;

  /** @param start the initial time: epoch ms, a `Date`, an ISO string or epoch ns as a `bigint`. */
  constructor(start: number | bigint | Date | string = 0) {
    this.t = toNs(start);
  }

  now(): number {
    return nsToMs(this.t);
  }

  nowNs(): bigint {
    return this.t;
  }

  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
    return scheduleOnClock(this, work, delay, state);
  }

  scheduleAt(at: bigint, task: () => void): TimerHandle {
    return this.timers.push(at < this.t ? this.t : at, task);
  }

  cancel(timer: TimerHandle): void {
    this.timers.cancel(timer);
  }

  /** Timers not yet run. */
  get pending(): number {
    return this.timers.size;
  }

  /** The due time of the earliest pending timer, or `undefined`. */
  nextDue(): bigint | undefined {
    return this.timers.peek()?.due;
  }

  /**
   * Runs, in due order, every timer due before `t` (or at `t` when `inclusive`), moving the
   * clock to each one's due time; then moves the clock to `t`. Time never goes back:
   * `t` earlier than `nowNs()` only runs what is due now.
   */
  advanceTo(t: bigint | number | Date, inclusive = true): void {
    const target = toNs(t);
    const timers = this.timers;
    while (true) {
      const next = timers.peek();
      if (!next || (inclusive ? next.due > target : next.due >= target)) break;
      timers.pop();
      if (next.due > this.t) this.t = next.due;
      next.task();
    }
    if (target > this.t) this.t = target;
  }

  /** Advances by a duration in milliseconds, running the timers due on the way. */
  advanceBy(ms: number): void {
    this.advanceTo(this.t + toNs(ms) - toNs(0));
  }

  /** Runs every pending timer (including ones they schedule) up to `limit` (default: no limit). */
  flush(limit: bigint = MAX_TIME): void {
    const timers = this.timers;
    while (true) {
      const next = timers.peek();
      if (!next || next.due > limit) break;
      timers.pop();
      if (next.due > this.t) this.t = next.due;
      next.task();
    }
  }

  /** Drops every pending timer. */
  clear(): void {
    this.timers.clear();
  }
}
