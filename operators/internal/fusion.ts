/**
 * Operator fusion: an operator whose input is the output of a known operator may do that
 * operator's work itself, more cheaply, when the result is provably the same. The upstream
 * operator attaches a plan to the Observable it returns (a non-enumerable symbol
 * property); the downstream operator reads it when subscribed and then subscribes to the
 * plan's source instead. Piping the output through anything else (`share()`, `map`, ...)
 * gives another Observable, without the plan: no fusion.
 *
 * One fusion exists: `ffill` → `asofJoin` (right side, backward, same keys), where the
 * join's per-key state keeps each key's last valid value instead of the filled rows being
 * built (see `asofJoin`'s doc comment and docs/asof.md).
 */
import type { Observable } from 'rxjs';
import type { RecordBatch, Schema } from 'apache-arrow';
import type { RunContext } from '../../src/time/run';

const FFILL_PLAN = Symbol('weir.ffill');

/** What `ffill` tells a downstream operator about the Observable it returned. */
export interface FfillPlan {
  /** ffill's input. */
  readonly source: Observable<RecordBatch>;
  /** Its key columns (empty: one group). */
  readonly by: readonly string[];
  /** Its time column option (`undefined`: the run's time column, `'ts'` outside a run). */
  readonly on: string | undefined;
  /**
   * Whether it fills without `limit` and without key expiry: every filled null then takes
   * its key's last valid value (null before the first), whatever came between.
   */
  readonly plain: boolean;
  /**
   * The positions of the columns it fills in `schema` (the schema of its input, with the
   * time column at `timeIndex` and the key columns at `keyIndices`). Throws ffill's own
   * errors for an unknown or unfillable column.
   */
  fillIndices(schema: Schema, timeIndex: number, keyIndices: readonly number[]): number[];
  /** ffill itself, one batch at a time, for a subscription in `run` (throws its errors). */
  runner(run: RunContext | undefined): { next(batch: RecordBatch): RecordBatch };
}

/** `out` (the Observable `ffill` returned) with `plan` attached. */
export function withFfillPlan(out: Observable<RecordBatch>, plan: FfillPlan): Observable<RecordBatch> {
  Object.defineProperty(out, FFILL_PLAN, { value: plan });
  return out;
}

/** The plan `ffill` attached to `o`, if `o` is an Observable `ffill` returned. */
export function ffillPlanOf(o: Observable<RecordBatch>): FfillPlan | undefined {
  return (o as unknown as { [FFILL_PLAN]?: FfillPlan })[FFILL_PLAN];
}
