import type { RecordBatch } from 'apache-arrow';
import type { OperatorFunction } from 'rxjs';
import { ExpressionError } from '../src/errors';
import { Expr, type ExprNode } from '../src/expr/expr';
import { SchemaCache, planFilter } from '../src/expr/plan';
import { mapBatches } from './internal/map-batches';

/**
 * Keeps the rows where a predicate expression is true, like polars' `DataFrame.filter`:
 * rows where it is false or null are dropped. Several predicates are combined with `and`.
 *
 * ```text
 * source: --a-----b-----c--|   a = {size: [50, 200]}  b = {size: [300, null]}  c = {size: [1]}
 * filter(col('size').gt(100))
 * result: --x-----y-----z--|   x = {size: [200]}  y = {size: [300]}  z = {size: []} (0 rows)
 * ```
 *
 * @example
 * ```ts
 * trades$.pipe(filter(col('size').gt(100).and(col('price').isNotNull())))
 * ```
 *
 * **Input schema**: any; the predicate's columns must exist (`MissingColumnError`) and the
 * predicate must be Bool (`ColumnTypeError` / `ExpressionError`), checked on the first batch
 * of each schema.
 *
 * **Output schema**: the input schema (the same object). Every batch is emitted, possibly
 * with 0 rows, so downstream sees the stream's progress.
 *
 * **Nulls**: a null predicate drops the row (polars); `and`/`or` are Kleene (`false AND
 * null` is false, `true OR null` is true). Columns' nulls are kept in the rows kept.
 *
 * **Equal timestamps**: rows keep their order; ties are neither merged nor reordered.
 *
 * **State and memory growth**: none per row; a cache of compiled predicates per input schema.
 *
 * **Cost per batch**: one generated, branch-free typed-array loop over the predicate's
 * columns that writes the kept row positions, then a gather of those rows into new buffers
 * for every column (`selectRows`: fixed-width columns and dictionary keys in one loop per
 * group of columns; Bool, Utf8/Binary and their Large forms, List, Map, FixedSizeList,
 * Struct). Zero-copy when it can be: every row kept → the input batch itself; none → a
 * 0-row slice; one contiguous run → a slice of the input (same schema object each time).
 */
export function filter(...predicates: (Expr | boolean)[]): OperatorFunction<RecordBatch, RecordBatch> {
  if (predicates.length === 0) {
    throw new ExpressionError('filter: give at least one predicate', { expected: 'a Bool expression' });
  }
  let node: ExprNode | null = null;
  for (const p of predicates) {
    const n: ExprNode = p instanceof Expr ? p.node : typeof p === 'boolean' ? { kind: 'lit', value: p } : badPredicate(p);
    node = node ? { kind: 'logic', op: 'and', left: node, right: n } : n;
  }
  const predicate = node!;
  const plans = new SchemaCache((schema) => planFilter('filter', schema, predicate));
  return mapBatches((batch) => plans.get(batch.schema).apply(batch));
}

function badPredicate(p: unknown): never {
  throw new ExpressionError('filter: a predicate must be an expression', {
    expected: 'a Bool expression',
    actual: p === null ? 'null' : typeof p,
  });
}
