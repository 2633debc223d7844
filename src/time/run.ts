/**
 * The run context: the clock and progress of the replay or live run a pipeline belongs to.
 */
import type { SchedulerLike } from 'rxjs';
import type { Clock } from './clock';
import type { ProgressHub } from './progress';

/** What a pipeline function receives as its second argument, and what weir operators find at subscription. */
export interface RunContext {
  /** `'replay'` (virtual time) or `'live'` (wall clock). */
  readonly mode: 'replay' | 'live';
  /** The pipeline's clock as an RxJS scheduler: hand it to RxJS time operators. `now()` is the current event time (epoch ms). */
  readonly scheduler: SchedulerLike & Clock;
  /** The run's watermark. */
  readonly progress: ProgressHub;
  /** The run's time column name (the driver's `time` option when it is one name for every input; default `'ts'`). Operators default their `on` to it. */
  readonly time: string;
}

let current: RunContext | undefined;

/**
 * The run whose pipeline is being subscribed right now, if any. weir operators call it
 * when they are subscribed (drivers subscribe pipelines synchronously inside
 * `withRun`), so a pipeline needs no explicit wiring to its run.
 */
export function currentRun(): RunContext | undefined {
  return current;
}

/** Calls `fn` with `run` as the current run (restoring the previous one afterwards). */
export function withRun<T>(run: RunContext | undefined, fn: () => T): T {
  const prev = current;
  current = run;
  try {
    return fn();
  } finally {
    current = prev;
  }
}
