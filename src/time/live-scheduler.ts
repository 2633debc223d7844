/**
 * The live (real-time) scheduler.
 */
import type { SchedulerAction, SchedulerLike, Subscription } from 'rxjs';
import type { Clock, TimerHandle } from './clock';
import { scheduleOnClock } from './rx-adapter';
import { msToNs, nsToMs } from '../batch/time';

interface LiveTimer extends TimerHandle {
  id: ReturnType<typeof setTimeout> | undefined;
}

/**
 * The wall clock: `now()` is `performance.timeOrigin + performance.now()` (epoch ms with
 * sub-millisecond digits, monotonic within a process), timers are `setTimeout`s. Used by
 * `live`; also an RxJS `SchedulerLike`. Data is never delayed by a timer: the live driver
 * coalesces batches of one tick with a microtask.
 */
export class LiveScheduler implements Clock, SchedulerLike {
  now(): number {
    return performance.timeOrigin + performance.now();
  }

  nowNs(): bigint {
    return msToNs(this.now());
  }

  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
    return scheduleOnClock(this, work, delay, state);
  }

  scheduleAt(at: bigint, task: () => void): TimerHandle {
    const timer: LiveTimer = { due: at, cancelled: false, id: undefined };
    const wait = Math.max(0, nsToMs(at) - this.now());
    timer.id = setTimeout(() => {
      if (timer.cancelled) return;
      timer.cancelled = true;
      task();
    }, wait);
    return timer;
  }

  cancel(timer: TimerHandle): void {
    const t = timer as LiveTimer;
    if (!t.cancelled) {
      t.cancelled = true;
      if (t.id !== undefined) clearTimeout(t.id);
    }
  }
}
