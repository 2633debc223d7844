/**
 * weir's clock abstraction: what every scheduler in weir provides, in exact epoch
 * nanoseconds. RxJS sees a clock through the adapter in `rx-adapter.ts` (the one file
 * that couples weir's time to RxJS scheduling).
 */

/** A task scheduled on a clock. */
export interface TimerHandle {
  /** Due time, epoch ns. */
  readonly due: bigint;
  /** Cancelled timers are skipped. */
  cancelled: boolean;
}

/** A clock: the current time, and tasks at absolute times. */
export interface Clock {
  /** The current time, epoch ns. */
  nowNs(): bigint;
  /** The current time, epoch milliseconds (fractional where the clock has sub-ms precision). */
  now(): number;
  /** Runs `task` when the clock reaches `at` (epoch ns); at once-after-current-work when `at <= now`. */
  scheduleAt(at: bigint, task: () => void): TimerHandle;
  /** Cancels a scheduled task (no effect if it already ran). */
  cancel(timer: TimerHandle): void;
}
