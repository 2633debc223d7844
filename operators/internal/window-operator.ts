/**
 * The body shared by `cumulative` and `rolling`: per batch, check it (a `RecordBatch`, one
 * schema, a sorted time column without nulls: `StreamValidator`), encode the `by` keys into
 * slots (`KeyedStore`: slot = code + 1 without `expireAfter`; with it, keys not seen for
 * that long are forgotten and the state compacted), read the aggregated inputs (columns, and
 * expressions evaluated: `AggInputs`) as Float64 once each, run one kernel per aggregation
 * over the per-key state, and emit the input columns (zero-copy) with the aggregation
 * columns appended.
 */
import type { OperatorFunction } from 'rxjs';
import { type Data, Field, Float64, type RecordBatch, type Schema } from 'apache-arrow';
import { InvalidOptionError } from '../../src/errors';
import { recordBatch, schemaWith, structData } from '../../src/batch/build';
import { StreamValidator } from '../../src/batch/validate';
import { type Agg, parseAggs, resolveAggs, type ResolvedAgg } from '../../src/aggs/agg';
import { AggInputs } from '../../src/aggs/inputs';
import type { FloatColumn } from '../../src/aggs/values';
import { currentRun } from '../../src/time/run';
import { operate } from './operate';
import type { KeyedArrays } from './keyed';
import { KeyedStore } from './keyed-store';
import { type ExpiryOptions, expiryOptions } from './fill-stream';
import { Float64Reader, bitsOf } from './fill-numeric';

/** A `FloatColumn` rewritten in place for each batch. */
interface MutableColumn {
  values: Float64Array;
  validity: Uint8Array | null;
  offset: number;
}

const NONE = new Float64Array(0);

/** What an operator's state does per batch (`grow`/`remap`: its per-key arrays, see `KeyedArrays`). */
export interface WindowKernels extends KeyedArrays {
  /**
   * One output column per aggregation, written to `out[at + j]` for aggregation j (`out`
   * holds the input columns before `at`).
   * `codes[i]`: row i's slot - 1 (slot 0 = the null-key group). `columns[c]`: the c-th
   * distinct aggregated column (valid for this call only).
   */
  run(codes: Int32Array, times: BigInt64Array, n: number, columns: readonly FloatColumn[], out: Data[], at: number): void;
  /**
   * Optional, tried before `run`: every aggregation from the distinct aggregated columns'
   * own `Data` (`raw[c]`), written to `out[at + j]`, when the state has a faster loop for
   * this batch; returns false (having done nothing) otherwise.
   */
  runRaw?(codes: Int32Array, n: number, raw: readonly Data[], out: Data[], at: number): boolean;
}

/** The aggregations resolved against the input schema. */
export interface WindowPlan {
  readonly aggs: readonly ResolvedAgg[];
  /** The number of distinct aggregated inputs (columns and expressions). */
  readonly inputs: number;
  /** Per aggregation, the index of its input among the distinct inputs (-1: `count()`). */
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

export interface WindowOperatorOptions extends ExpiryOptions {
  /** The operator's name, in expression errors. */
  readonly name: string;
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
  const expiry = expiryOptions(by, options);
  if (options.on !== undefined && typeof options.on !== 'string') throw new InvalidOptionError('on', `expected a column name, got ${String(options.on)}`);
  return operate<RecordBatch, RecordBatch>((source, subscriber) => {
    const run = currentRun();
    const validator = new StreamValidator('source', options.on ?? run?.time ?? 'ts');
    // inside a run, the run's key dictionary for `by` (not with expireAfter): a key column passed down a chain is encoded once
    const store = new KeyedStore(by, { input: 'source', ...expiry, run });
    let plan: WindowPlan | undefined;
    let state: WindowKernels | undefined;
    let outSchema: Schema | undefined;
    // per aggregated input: its reader and the column object handed to the kernels, reused
    const readers: Float64Reader[] = [];
    const cols: MutableColumn[] = [];
    // per aggregated input: its Data in the current batch (reused; cleared after each batch)
    const raw: Data[] = [];
    let inputs: AggInputs | undefined;
    let width = 0;

    const start = (schema: Schema) => {
      const aggs = resolveAggs(schema, parsed, 'source');
      inputs = new AggInputs(options.name, schema, aggs, 'source');
      store.bind(schema);
      plan = { aggs, inputs: inputs.size, columnOf: inputs.columnOf };
      for (let c = 0; c < inputs.size; c++) {
        readers.push(new Float64Reader());
        cols.push({ values: NONE, validity: null, offset: 0 });
      }
      state = makeState(plan);
      store.register(state);
      // the aggregations are appended (resolveAggs refuses a name already in the input)
      outSchema = schemaWith(schema, aggs.map((a) => new Field(a.name, new Float64(), true)));
      width = outSchema.fields.length;
    };

    const apply = (batch: RecordBatch): RecordBatch => {
      const times = validator.check(batch);
      if (!plan) start(batch.schema);
      const n = batch.numRows;
      const c = store.encodeCodes(batch, times);
      const children = batch.data.children;
      // the input columns, then one column per aggregation written by the kernels, in an array of the exact size
      const data = new Array<Data>(width);
      for (let j = 0; j < children.length; j++) data[j] = children[j];
      inputs!.read(batch, raw);
      if (!state!.runRaw?.(c, n, raw, data, children.length)) {
        for (let k = 0; k < raw.length; k++) {
          const d = raw[k];
          const col = cols[k];
          col.values = readers[k].read(d, n);
          col.validity = bitsOf(d);
          col.offset = d.offset;
        }
        state!.run(c, times, n, cols, data, children.length);
      }
      raw.fill(undefined as never);
      store.endBatch();
      return recordBatch(outSchema!, structData(outSchema!, data, n));
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
