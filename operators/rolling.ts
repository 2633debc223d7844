import type { OperatorFunction } from 'rxjs';
import type { RecordBatch } from 'apache-arrow';
import type { Aggs } from '../src/aggs/agg';
import { InvalidOptionError } from '../src/errors';
import { type DurationLike, durationToNs } from '../src/time/duration';
import { RowWindowState, TimeWindowState } from './internal/window-state';
import { windowOperator } from './internal/window-operator';
import type { ExpiryOptions } from './internal/fill-stream';

export interface RollingOptions extends ExpiryOptions {
  /** Key column(s) (Utf8, Dictionary<Utf8>, integers, Bool): one window per key. Default: one group. */
  by?: string | readonly string[];
  /**
   * The window: a length of event time (ms as a `number`, ns as a `bigint`, or a date-fns
   * `Duration` such as `{ minutes: 5 }`), closed on the right: a row at time t aggregates
   * its key's rows with time in (t - window, t]; or `{ rows: n }`: its key's last n rows
   * (itself included).
   */
  window: DurationLike | { rows: number };
  /** Named aggregations, `{ pxMean: mean('price'), n: count() }`, appended in this order. */
  aggs: Aggs;
  /**
   * The fewest non-null values (of the aggregated column; rows for `count()`) a window needs
   * for a non-null result. Default: 1 for a time window, n for `{ rows: n }` (pandas' default).
   */
  minPeriods?: number;
  /** The time column (checked sorted, no nulls). Default: the run's time column (`'ts'` outside a run). */
  on?: string;
}

/** The window, parsed: a duration in ns or a row count. */
function parseWindow(window: unknown): { rows: number } | { ns: bigint } {
  if (window !== null && typeof window === 'object' && 'rows' in window) {
    const rows = (window as { rows: unknown }).rows;
    if (typeof rows !== 'number' || !Number.isInteger(rows) || rows <= 0) {
      throw new InvalidOptionError('window', `expected { rows: n } with n a positive integer, got { rows: ${String(rows)} }`);
    }
    return { rows };
  }
  if (window === undefined) throw new InvalidOptionError('window', 'expected a duration (ms, bigint ns or a date-fns Duration) or { rows: n }');
  return { ns: durationToNs(window as DurationLike, 'window', false) };
}

/**
 * Rolling-window aggregates per key, updated incrementally row by row: over a length of
 * event time (as pandas' `rolling('5min')` on a time index, and polars'
 * `group_by_rolling(period, closed='right')`) or over the last n rows of the key (pandas'
 * `rolling(n)`, polars' `rolling_mean(n).over(by)`). One output row per input row.
 *
 * ```text
 * source: --a-------b--|    a = {ts: [0, 1000], k: ['x', 'x'], v: [1, 2]}   b = {ts: [2500], k: ['x'], v: [4]}
 * rolling({ by: 'k', window: 2000, aggs: { s: sum('v') } })
 * result: --a'------b'-|    a' = {…a, s: [1, 3]}   b' = {…b, s: [6]}   (b's window (500, 2500] drops the row at 0)
 * ```
 *
 * @example
 * ```ts
 * trades$.pipe(rolling({ by: 'ticker', window: { minutes: 5 }, aggs: { pxMean: mean('price'), vol: sum('size') } }))
 * quotes$.pipe(rolling({ by: 'ticker', window: { rows: 20 }, aggs: { bidMax: max('bid') }, minPeriods: 1 }))
 * ```
 *
 * **Input schema**: a time column (`on`), sorted (ties allowed) without nulls
 * (`TimeOrderError` / `NullTimeError` naming the column and row); key columns `by` of a
 * key type (`ColumnTypeError` otherwise); aggregated columns, or expressions
 * (`mean(col('ask').sub(col('bid')))`, evaluated per batch, not output), numeric
 * (Int8…Int64, Uint8…Uint64, Float32/64; read as Float64). Unknown columns (also inside
 * an expression) are a `MissingColumnError`;
 * a window `<= 0`, a `minPeriods` that is not an integer `>= 0` (or exceeds n for
 * `{ rows: n }`) an `InvalidOptionError`.
 *
 * **Output schema**: the input fields unchanged (zero-copy), then one nullable `Float64`
 * field per aggregation, in the order of `aggs`. One `Schema` object for every output batch.
 *
 * **Nulls**: null keys form their own group. Null values are skipped: they are in the
 * window but not counted. A result is null when the window holds fewer than `minPeriods`
 * non-null values of the column (rows, for `count()`), or none (`mean`, `min`, `max`,
 * `first`, `last`), or fewer than two (`std`, `var`, ddof = 1); so a window of only nulls
 * gives null (sum included, unless `minPeriods: 0`, which gives a sum of 0 and a count of 0),
 * as pandas and polars do. `first`/`last` are the first/last non-null values in the window.
 * NaN is a value: while one is in the window, `sum`, `mean`, `min`, `max`, `std`, `var`
 * are NaN.
 *
 * **Equal timestamps**: as pandas (`rolling('5min')`): a row's window holds its key's
 * earlier rows in the window and itself, never the rows after it in stream order, even at
 * the same time; so each output row is final when its input row arrives. polars'
 * `group_by_rolling` differs: it gives every row of one timestamp the same window, later
 * rows at that time included.
 *
 * **State and memory growth**: time windows: the rows of the last `window` of the whole
 * stream (all keys) in one ring (time, key, and 9 bytes per aggregated column, 16 more
 * per `min`/`max`/`first`), plus a few numbers per key and aggregation; row windows: a
 * ring of n values per key and aggregation (O(keys × n)). Without `expireAfter`, every key
 * ever seen is kept; with `expireAfter: d`, a key not seen for more than `d` of event time
 * is forgotten: its next row starts with an empty window (even when `window` is longer than
 * `d`), expiries are reported through `onExpire(count)`, and compaction drops the expired
 * keys' state and their rows from the time ring, so memory is O(keys seen within `d`) (the
 * null-key group never expires; see `docs/keyed-state.md`).
 * Inside a replay or live run and without `expireAfter`, the key dictionary is the run's,
 * shared with the run's other keyed operators by the same key columns (`runKeyDictionary`):
 * the per-key arrays are then sized by every key any of them has seen, and a key column
 * that comes unchanged from one of them is not encoded again (its codes are copied).
 *
 * **Cost per batch**: one key encoding, one generated loop evaluating the aggregated
 * expressions (if any, all at once, into reused buffers) and one Float64 read per aggregated column;
 * then one typed-array loop per aggregation in which each row is added once and removed
 * once, a time window's leaving rows found in the same loop (min/max: through
 * a monotonic deque; sums with Kahan compensation): O(rows) per batch, whatever the
 * window's length. With `expireAfter`, one more pass over the rows
 * tracks each key's last time (and an expiry sweep), about 7 µs per 200-row batch.
 */
export function rolling(options: RollingOptions): OperatorFunction<RecordBatch, RecordBatch> {
  const o = (options ?? {}) as Partial<RollingOptions>;
  const window = parseWindow(o.window);
  const rows = 'rows' in window ? window.rows : 0;
  let minPeriods = rows > 0 ? rows : 1;
  if (o.minPeriods !== undefined) {
    const m = o.minPeriods;
    if (typeof m !== 'number' || !Number.isInteger(m) || m < 0) {
      throw new InvalidOptionError('minPeriods', `expected an integer >= 0, got ${String(m)}`);
    }
    if (rows > 0 && m > rows) throw new InvalidOptionError('minPeriods', `${m} must be <= the window of ${rows} rows`);
    minPeriods = m;
  }
  return windowOperator({ name: 'rolling', aggs: o.aggs, by: o.by, on: o.on, expireAfter: o.expireAfter, onExpire: o.onExpire }, (plan) => {
    const ops = plan.aggs.map((a) => a.op);
    const columnOf = plan.columnOf;
    if ('rows' in window) {
      const state = new RowWindowState(ops, window.rows, minPeriods);
      return {
        grow: (slots) => state.grow(slots),
        remap: (map, slots) => state.remap(map, slots),
        run: (codes, _times, n, columns, out, at) => {
          for (let j = 0; j < columnOf.length; j++) out[at + j] = state.run(j, codes, n, columnOf[j] < 0 ? null : columns[columnOf[j]]);
        },
      };
    }
    const state = new TimeWindowState(ops, plan.columnOf, plan.inputs, window.ns, minPeriods);
    return {
      grow: (slots) => state.grow(slots),
      remap: (map, slots) => state.remap(map, slots),
      run: (codes, times, n, columns, out, at) => {
        state.run(codes, times, n, columns, out, at);
      },
    };
  });
}
