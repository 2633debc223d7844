/**
 * The one file that couples weir's clocks to RxJS scheduling.
 *
 * - `scheduleOnClock` implements `SchedulerLike.schedule` for any weir `Clock` with a
 *   small `SchedulerAction` of our own (an action can reschedule itself from its work, as
 *   `interval`, `bufferTime` and `timer` do), using only RxJS's public `Subscription`.
 * - `routeDefaultScheduler` makes RxJS time operators that were given no scheduler
 *   (they default to the exported `asyncScheduler` singleton) run on a weir clock for
 *   the duration of a run, as RxJS's `TestScheduler.run` does for its virtual time. It
 *   patches the public `asyncScheduler` object's `now` and `schedule` and restores them
 *   afterwards; two runs that both need it cannot overlap in one process.
 *
 * When RxJS 9 removes public schedulers, this file is the one to change.
 */
import { Subscription, asyncScheduler, type SchedulerAction, type SchedulerLike } from 'rxjs';
import type { Clock, TimerHandle } from './clock';
import { msToNs } from '../batch/time';
import { RunError } from '../errors';

class ClockAction<T> extends Subscription implements SchedulerAction<T> {
  private timer: TimerHandle | undefined = undefined;
  private state: T | undefined = undefined;

  constructor(
    private readonly clock: Clock,
    private readonly work: (this: SchedulerAction<T>, state?: T) => void,
  ) {
    super(() => {
      if (this.timer) this.clock.cancel(this.timer);
      this.timer = undefined;
    });
  }

  schedule(state?: T, delay = 0): Subscription {
    if (this.closed) return this;
    this.state = state;
    if (this.timer) this.clock.cancel(this.timer);
    const d = delay > 0 && Number.isFinite(delay) ? delay : delay === Infinity ? Infinity : 0;
    if (d === Infinity) {
      // RxJS never fires an action with an infinite delay
      this.timer = undefined;
      return this;
    }
    this.timer = this.clock.scheduleAt(this.clock.nowNs() + msToNs(d), () => this.execute());
    return this;
  }

  private execute(): void {
    this.timer = undefined;
    if (this.closed) return;
    let error: unknown;
    let failed = false;
    try {
      this.work(this.state);
    } catch (e) {
      failed = true;
      error = e;
    }
    // an action that did not reschedule itself is done
    if (failed || this.timer === undefined) this.unsubscribe();
    if (failed) throw error;
  }
}

/** `SchedulerLike.schedule` on a weir clock: `delay` in milliseconds from `clock.now()`. */
export function scheduleOnClock<T>(
  clock: Clock,
  work: (this: SchedulerAction<T>, state?: T) => void,
  delay = 0,
  state?: T,
): Subscription {
  return new ClockAction<T>(clock, work).schedule(state, delay);
}

/** A `SchedulerLike` view of a weir clock. */
export function toSchedulerLike(clock: Clock): SchedulerLike {
  return {
    now: () => clock.now(),
    schedule: <T>(work: (this: SchedulerAction<T>, state?: T) => void, delay?: number, state?: T) =>
      scheduleOnClock(clock, work, delay, state),
  } as SchedulerLike;
}

let routedTo: Clock | undefined;

/**
 * Routes RxJS's default `asyncScheduler` to `clock` until the returned function is called.
 * Throws `RunError` if another run already routes it.
 */
export function routeDefaultScheduler(clock: Clock, who = 'a replay'): () => void {
  if (routedTo !== undefined) {
    throw new RunError(
      `Cannot route RxJS's default scheduler to ${who}: another replay in this process already routes it. ` +
        'Run replays that use virtualDefaultScheduler one after the other, or pass context.scheduler to the time operators instead.',
    );
  }
  routedTo = clock;
  const target = asyncScheduler as unknown as Record<string, unknown>;
  const hadNow = Object.prototype.hasOwnProperty.call(target, 'now');
  const savedNow = target.now;
  const hadSchedule = Object.prototype.hasOwnProperty.call(target, 'schedule');
  const savedSchedule = target.schedule;
  target.now = () => clock.now();
  target.schedule = <T>(work: (this: SchedulerAction<T>, state?: T) => void, delay?: number, state?: T) =>
    scheduleOnClock(clock, work, delay, state);
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    if (hadNow) target.now = savedNow;
    else delete target.now;
    if (hadSchedule) target.schedule = savedSchedule;
    else delete target.schedule;
    routedTo = undefined;
  };
}

/** Whether RxJS's default scheduler is currently routed to a weir clock. */
export function isDefaultSchedulerRouted(): boolean {
  return routedTo !== undefined;
}
