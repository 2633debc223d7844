import type { OperatorFunction } from 'rxjs';
import type { RecordBatch } from 'apache-arrow';
import type { Aggs } from '../src/aggs/agg';
import { CumulativeState } from './internal/window-state';
import { windowOperator } from './internal/window-operator';
import type { ExpiryOptions } from './internal/fill-stream';

export interface CumulativeOptions extends ExpiryOptions {
  /** Key column(s) (Utf8, Dictionary<Utf8>, integers, Bool): one running aggregate per key. Default: one group. */
  by?: string | readonly string[];
  /** Named aggregations, `{ cumVol: sum('size'), n: count() }`, appended in this order. */
  aggs: Aggs;
  /** The time column (checked sorted, no nulls). Default: the run's time column (`'ts'` outside a run). */
  on?: string;
}

/**
 * Running aggregates per key (cumulative sum, count, mean, min, max, std, var, first,
 * last), like pandas' `groupby(by).cumsum()` and polars' `cum_sum().over(by)`: one output
 * row per input row, with the aggregates of its key over every row up to and including it.
 *
 * ```text
 * source: --a------b--|     a = {ts: [1, 2], k: ['x', 'y'], v: [1, 2]}   b = {ts: [3], k: ['x'], v: [5]}
 * cumulative({ by: 'k', aggs: { s: sum('v') } })
 * result: --a'-----b'-|     a' = {…a, s: [1, 2]}   b' = {…b, s: [6]}
 * ```
 *
 * @example
 * ```ts
 * trades$.pipe(
 *   cumulative({ by: 'ticker', aggs: { cumVol: sum('size'), cumPv: sum(col('price').mul(col('size'))) } }),
 *   withColumns({ vwap: col('cumPv').div(col('cumVol')) }),
 * )
 * ```
 *
 * **Input schema**: a time column (`on`), sorted (ties allowed) without nulls
 * (`TimeOrderError` / `NullTimeError` naming the column and row); key columns `by` of a
 * key type (`ColumnTypeError` otherwise); aggregated columns, or expressions
 * (`sum(col('price').mul(col('size')))`, evaluated per batch, not output), numeric
 * (Int8…Int64, Uint8…Uint64, Float32/64; read as Float64). Unknown columns (also inside
 * an expression) are a `MissingColumnError`.
 * One schema for the whole stream (`SchemaChangeError`).
 *
 * **Output schema**: the input fields unchanged (columns passed through zero-copy), then
 * one nullable `Float64` field per aggregation, in the order of `aggs` (an output name
 * equal to an input column is an `InvalidOptionError`). One `Schema` object for every
 * output batch.
 *
 * **Nulls**: null keys form their own group. Null values are skipped by every
 * aggregation. At a row whose value is null, `sum`, `mean`, `min`, `max`, `std` and
 * `var` give null (as pandas' `cumsum`/`cummax`, which keep NaN there, and polars'
 * `cum_sum`/`cum_max`), and the running state carries on after it; `count` gives the
 * running count of non-null values at every row (polars' `cum_count`; `count()` counts
 * rows); `first`/`last` give the first/last non-null value so far at every row (null
 * before the key's first one). `std`/`var` (ddof = 1) are null until the key has two
 * values. NaN is a value, not a null: it propagates (a NaN makes the running sum and
 * min/max NaN from then on).
 *
 * **Equal timestamps**: rows are taken in stream order; each output row is final when its
 * input row arrives (rows at the same time later in the stream do not change it).
 *
 * **State and memory growth**: a few Float64 numbers per key and aggregation (O(keys);
 * typed arrays indexed by key slot, grown by doubling). Without `expireAfter`, every key
 * ever seen is kept; with `expireAfter: d`, a key not seen for more than `d` of event time
 * is forgotten (its next row restarts its aggregates; the null-key group never expires),
 * expiries are reported through `onExpire(count)`, and memory is O(keys seen within `d`)
 * (see `docs/keyed-state.md`).
 * Inside a replay or live run and without `expireAfter`, the key dictionary is the run's,
 * shared with the run's other keyed operators by the same key columns (`runKeyDictionary`):
 * the per-key arrays are then sized by every key any of them has seen, and a key column
 * that comes unchanged from one of them is not encoded again (its codes are copied).
 *
 * **Cost per batch**: one key encoding, one generated loop evaluating the aggregated
 * expressions (if any, all at once, into reused buffers), one Float64 read of each aggregated column
 * (zero-copy for Float64), then one typed-array loop per aggregation (the cumulative sum
 * is `s[k] += v[i]; out[i] = s[k]`); output columns are new Float64 arrays (from a shared
 * slab). When every aggregation is a `sum`, `count` or `mean` and the batch's aggregated
 * columns hold no null, one generated loop runs them all, reading each column's own
 * values (no Float64 copy; the same results bit for bit): two sums over 5M trades ~10%
 * faster. With `expireAfter`, one more pass over the rows tracks each key's last time (and
 * an expiry sweep), about 7 µs per 200-row batch.
 */
export function cumulative(options: CumulativeOptions): OperatorFunction<RecordBatch, RecordBatch> {
  const o = (options ?? {}) as Partial<CumulativeOptions>;
  return windowOperator({ name: 'cumulative', aggs: o.aggs, by: o.by, on: o.on, expireAfter: o.expireAfter, onExpire: o.onExpire }, (plan) => {
    const state = new CumulativeState(plan.aggs.map((a) => a.op));
    const columnOf = plan.columnOf;
    return {
      grow: (slots) => state.grow(slots),
      remap: (map, slots) => state.remap(map, slots),
      run: (codes, _times, n, columns, out, at) => {
        for (let j = 0; j < columnOf.length; j++) out[at + j] = state.run(j, codes, n, columnOf[j] < 0 ? null : columns[columnOf[j]]);
      },
      runRaw: (codes, n, raw, out, at) => state.runAll(codes, n, columnOf, raw, out, at),
    };
  });
}
