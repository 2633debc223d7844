/**
 * The progress gate: the one mechanism every multi-input weir operator uses to decide up
 * to which event time its output is final.
 */
import { LateDataError } from '../errors';
import { MAX_TIME, MIN_TIME, formatNs } from '../batch/time';
import { upperBound } from '../kernels/search';
import { type RunContext, currentRun } from './run';

/** What a multi-input operator does with a row that arrives at or behind the time it has already released. */
export type LatePolicy = 'error' | 'drop' | 'accept';

export interface ProgressGateOptions {
  /** The operator's name, for error messages. */
  operator: string;
  /** The input names, for error messages (`['left', 'right']`). */
  inputs: readonly string[];
  /** Late-row policy. Default `'error'`. */
  late?: LatePolicy;
  /** The run to follow; default: the run being subscribed (`currentRun()`). `null`: none. */
  run?: RunContext | null;
}

/**
 * Tracks, per input, the time up to which that input is complete, and tells the operator
 * when the minimum over inputs (the gate's frontier) advances. An input is complete up to:
 *
 * - `t - 1ns` once it delivered a row at time `t` (inputs are sorted; more rows at `t` may follow);
 * - `+∞` once it completed;
 * - the run's watermark, published by the driver at the end of every instant (replay:
 *   the end of the delivered cycle; live: the sources' progress).
 *
 * Inside a run, `onRelease(upTo)` is called only from the run's progress phase (once per
 * instant at most) and when every input has completed, so the operator emits at most one
 * batch per instant, whatever the order in which the instant's batches of its inputs
 * arrived. Outside a run (plain RxJS, `TestScheduler` marbles), it is called as soon as
 * rows or completions raise the frontier.
 *
 * Rows are *late* when their time is at or before the released frontier (their output
 * time was already final): the operator calls `late()` to split them off and apply its
 * policy — `'error'` throws `LateDataError`, `'drop'` counts and drops them, `'accept'`
 * processes them as of their arrival (documented per operator).
 */
export class ProgressGate {
  /** Time through which the operator has released its output (`MIN_TIME` at first). */
  released: bigint = MIN_TIME;
  /** Late rows dropped under `late: 'drop'`. */
  dropped = 0;
  private readonly frontiers: bigint[];
  private readonly run: RunContext | undefined;
  private unregister: (() => void) | undefined = undefined;
  private readonly policy: LatePolicy;

  constructor(
    private readonly options: ProgressGateOptions,
    private readonly onRelease: (upTo: bigint) => void,
  ) {
    this.frontiers = options.inputs.map(() => MIN_TIME);
    this.run = options.run === null ? undefined : (options.run ?? currentRun());
    this.policy = options.late ?? 'error';
  }

  /** Call after the operator subscribed to all its inputs: joins the run's progress phase. */
  start(): void {
    if (this.run && !this.unregister) {
      this.unregister = this.run.progress.register((w) => this.advance(w));
    }
  }

  /** Leaves the run (call on finalize). */
  stop(): void {
    this.unregister?.();
    this.unregister = undefined;
  }

  /** The frontier: every input is complete through this time. */
  get frontier(): bigint {
    let f = MAX_TIME;
    const fr = this.frontiers;
    for (let i = 0; i < fr.length; i++) if (fr[i] < f) f = fr[i];
    const w = this.run ? this.run.progress.watermark : MIN_TIME;
    return w > f ? w : f;
  }

  /** Whether every input has completed. */
  get allComplete(): boolean {
    return this.frontiers.every((f) => f === MAX_TIME);
  }

  /** Records that `input` delivered rows whose last time is `last`. */
  rows(input: number, last: bigint): void {
    const f = last - 1n;
    if (f > this.frontiers[input]) this.frontiers[input] = f;
    if (!this.run) this.advance(MIN_TIME);
  }

  /** Records that `input` completed. Releases everything once all inputs completed. */
  complete(input: number): void {
    this.frontiers[input] = MAX_TIME;
    if (!this.run || this.allComplete) this.advance(MIN_TIME);
  }

  /**
   * How many leading rows of a sorted batch of `input` are late (time `<= released`),
   * after applying the policy: throws under `'error'`, counts them as dropped under
   * `'drop'`. Returns the number of leading rows to skip (`'drop'`) or to treat as late
   * (`'accept'`); 0 when none are late.
   */
  late(input: number, times: BigInt64Array, column: string, rowBase: number): number {
    if (times.length === 0 || times[0] > this.released) return 0;
    const n = upperBound(times, this.released);
    if (this.policy === 'error') {
      throw new LateDataError({
        input: this.options.inputs[input],
        column,
        row: rowBase,
        expected: `a time after ${formatNs(this.released)}, already released by ${this.options.operator}`,
        actual: formatNs(times[0]),
      });
    }
    if (this.policy === 'drop') this.dropped += n;
    return n;
  }

  /** The late-row policy in force. */
  get latePolicy(): LatePolicy {
    return this.policy;
  }

  private advance(_w: bigint): void {
    const f = this.frontier;
    if (f > this.released) {
      this.released = f;
      this.onRelease(f);
    }
  }
}

/** Index range `[0, n)` of rows with time `<= upTo` in a sorted array. */
export function releasable(times: BigInt64Array, upTo: bigint, from = 0, to = times.length): number {
  return upTo === MAX_TIME ? to : upperBound(times, upTo, from, to);
}

