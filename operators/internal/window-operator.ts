/**
 * The body shared by `cumulative` and `rolling`: per batch, check it (a `RecordBatch`, one
 * schema, a sorted time column without nulls: `StreamValidator`), encode the `by` keys
 * (`KeyEncoder`, slot = code + 1), read the aggregated columns as Float64 once each, run
 * one kernel per aggregation over the per-key state, and emit the input columns
 * (zero-copy) with the aggregation columns appended.
 */
import type { OperatorFunction } from 'rxjs';
import { type Data, Field, Float64, type RecordBatch, type Schema } from 'apache-arrow';
import { InvalidOptionError } from '../../src/errors';
import { recordBatch, schemaWith, structData } from '../../src/batch/build';
import { StreamValidator } from '../../src/batch/validate';
import { KeyEncoder } from '../../src/batch/keys';
import { type Agg, parseAggs, resolveAggs, type ResolvedAgg } from '../../src/aggs/agg';
import { type FloatColumn, floatValues } from '../../src/aggs/values';
import { currentRun } from '../../src/time/run';
import { operate } from './operate';

/** What an operator's state does per batch. */
export interface WindowKernels {
  /** Makes room for `slots` key slots. */
  grow(slots: number): void;
  /** One output column per aggregation. `columns[c]`: the c-th distinct aggregated column. */
  run(codes: Int32Array, times: BigInt64Array, n: number, columns: readonly (FloatColumn | null)[]): Data[];
}

/** The aggregations resolved against the input schema. */
export interface WindowPlan {
  readonly aggs: readonly ResolvedAgg[];
  /** Input positions of the distinct aggregated columns. */
  readonly columns: readonly number[];
  /** Per aggregation, its column's index in `columns` (-1: `count()`). */
  readonly columnOf: readonly number[];
}

/** `by` as a list of column names. */
export function parseBy(by: unknown): readonly string[] {
  if (by === undefined) return [];
  const list = typeof by === 'string' ? [by] : by;
  if (!Array.isArray(list) || list.some((c) => typeof c !== 'string')) {
    throw new InvalidOptionError('by', `expected a column name or a list of column names, got ${JSON.stringify(by)}`);
  }
  return list as string[];
}

export interface WindowOperatorOptions {
  readonly aggs: unknown;
  readonly by: unknown;
  readonly on: string | undefined;
}

/**
 * The operator: `makeState(plan)` builds the per-key state when the first batch gives the
 * schema. Options are checked when the operator is created (`aggs`, `by`).
 */
export function windowOperator(options: WindowOperatorOptions, makeState: (plan: WindowPlan) => WindowKernels): OperatorFunction<RecordBatch, RecordBatch> {
  const parsed: ReadonlyArray<{ name: string; agg: Agg }> = parseAggs(options.aggs);
  const by = parseBy(options.by);
  if (options.on !== undefined && typeof options.on !== 'string') throw new InvalidOptionError('on', `expected a column name, got ${String(options.on)}`);
  return operate<RecordBatch, RecordBatch>((source, subscriber) => {
    const run = currentRun();
    const validator = new StreamValidator('source', options.on ?? run?.time ?? 'ts');
    let keys: KeyEncoder | undefined;
    let plan: WindowPlan | undefined;
    let state: WindowKernels | undefined;
    let outSchema: Schema | undefined;
    let codes = new Int32Array(0);
    const scratch: { buf: Float64Array }[] = [];

    const start = (schema: Schema) => {
      const aggs = resolveAggs(schema, parsed, 'source');
      const columns: number[] = [];
      const columnOf = aggs.map((a) => {
        if (a.index < 0) return -1;
        let c = columns.indexOf(a.index);
        if (c < 0) c = columns.push(a.index) - 1;
        return c;
      });
      if (by.length) keys = new KeyEncoder(schema, by, { input: 'source' });
      plan = { aggs, columns, columnOf };
      for (let c = 0; c < columns.length; c++) scratch.push({ buf: new Float64Array(0) });
      state = makeState(plan);
      outSchema = schemaWith(schema, aggs.map((a) => new Field(a.name, new Float64(), true)));
    };

    const apply = (batch: RecordBatch): RecordBatch => {
      const times = validator.check(batch);
      if (!plan) start(batch.schema);
      const n = batch.numRows;
      if (codes.length < n) codes = new Int32Array(Math.max(n, codes.length * 2));
      // without `by`, every row has code 0 (`codes` is never written): slot 1
      const c = keys ? keys.encode(batch, codes) : codes.subarray(0, n);
      state!.grow((keys ? keys.size : 1) + 1);
      const children = batch.data.children;
      const cols = plan!.columns.map((j, k) => floatValues(children[j], scratch[k]));
      const outs = state!.run(c, times, n, cols);
      return recordBatch(outSchema!, structData(outSchema!, [...children, ...outs], n));
    };

    return source.subscribe({
      next(batch) {
        let out: RecordBatch;
        try {
          out = apply(batch);
        } catch (e) {
          subscriber.error(e);
          return;
        }
        subscriber.next(out);
      },
      error: (e) => subscriber.error(e),
      complete: () => subscriber.complete(),
    });
  });
}
