import type { RecordBatch } from 'apache-arrow';
import type { OperatorFunction } from 'rxjs';
import { type Projection, SchemaCache, type SelectItem, parseItems, planSelect } from '../src/expr/plan';
import { mapBatches } from './internal/map-batches';

export type { SelectItem } from '../src/expr/plan';

/**
 * Keeps, renames, reorders and computes columns, like polars' `DataFrame.select`: each
 * batch becomes a batch of exactly the given columns, in the given order.
 *
 * Arguments (any mix, in order): a column name (`'ts'`), an array of names or expressions
 * (`['ts', 'ticker']`), an expression (`col('bid').alias('b')`, named by its alias or its
 * left-most column), or an object `{ name: expression }` (`{ mid: col('bid').add(col('ask')).div(2) }`;
 * a literal value is a constant column). An output name given twice is an error.
 *
 * ```text
 * source: --a-----b--|      a = {ts: [1, 2], bid: [10, 11], ask: [12, 13], venue: ['X', 'Y']}
 * select('ts', { mid: col('bid').add(col('ask')).div(2) })
 * result: --x-----y--|      x = {ts: [1, 2], mid: [11, 12]}   (y likewise from b)
 * ```
 *
 * @example
 * ```ts
 * quotes$.pipe(select('ts', 'ticker', { mid: col('bid').add(col('ask')).div(2) }))
 * // batches with the columns ts, ticker, mid
 * ```
 *
 * **Input schema**: any; the named columns must exist (`MissingColumnError` naming the column
 * and listing the available ones) and have types the expressions accept (`ColumnTypeError` /
 * `ExpressionError`), checked on the first batch of each schema.
 *
 * **Output schema**: one field per output, in order. A column selected by name (or `col(name)`)
 * keeps its field (type, nullability, metadata; renamed by an alias) and its data, zero-copy,
 * whatever its type. A computed column is nullable, typed by the expression rules
 * (`docs/expressions.md`); a string expression over dictionary columns and literals gives a
 * `Dictionary<Int32, Utf8>`, one involving a Utf8 column a `Utf8`. The output schema object is
 * built once per input schema: every batch of one input schema gets the same one.
 *
 * **Nulls**: as the expressions define them (null in, null out; Kleene `and`/`or`).
 *
 * **Equal timestamps**: row-wise; rows are neither reordered nor dropped.
 *
 * **State and memory growth**: none per row; a cache of compiled plans per input schema (at
 * most 16 structurally distinct schemas).
 *
 * **Cost per batch**: O(rows × computed expressions) in one generated typed-array loop (no
 * per-row closures or `.get(i)`), plus the outputs' allocation; selected columns cost
 * nothing. Expressions compile once per input schema and null pattern.
 */
export function select(...items: SelectItem[]): OperatorFunction<RecordBatch, RecordBatch> {
  const parsed = parseItems('select', items, true);
  const plans = new SchemaCache<Projection>((schema) => planSelect('select', schema, parsed));
  return mapBatches((batch) => plans.get(batch.schema).apply(batch));
}
