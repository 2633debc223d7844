/**
 * The body shared by the single-input keyed operators `ffill`, `ema` and `cutoff`: check
 * each batch (a `RecordBatch`, one schema, a sorted time column without nulls, through
 * `StreamValidator`), encode its keys to dense codes, and map it with a per-schema worker
 * built on the first batch. Errors go downstream; the per-key state lives in the worker.
 */
import type { OperatorFunction } from 'rxjs';
import type { RecordBatch, Schema } from 'apache-arrow';
import { InvalidOptionError, MissingColumnError } from '../../src/errors';
import { StreamValidator } from '../../src/batch/validate';
import { KeyEncoder } from '../../src/batch/keys';
import type { TimeColumn } from '../../src/batch/time';
import { currentRun } from '../../src/time/run';
import { operate } from './operate';

/** The input name in error messages of single-input operators. */
export const SOURCE = 'source';

/** One batch as a keyed worker sees it. */
export interface KeyedBatch {
  readonly batch: RecordBatch;
  /** Its time values, epoch ns. */
  readonly times: BigInt64Array;
  /** Key code per row (`-1`: null key; all 0 without `by`): slot = code + 1. */
  readonly codes: Int32Array;
  /** Slots in use: `keys + 1`. State arrays need room for this many. */
  readonly slots: number;
  /** The batch's first row, counted over the whole stream (for errors). */
  readonly rowBase: number;
}

/** What a keyed worker is built from, once per stream (the schema never changes). */
export interface KeyedSchema {
  readonly schema: Schema;
  readonly time: TimeColumn;
  /** Positions of the key columns (empty without `by`). */
  readonly keyIndices: readonly number[];
}

/** Key columns as a list (`by` as given). */
export function keyList(by: string | readonly string[] | undefined, option = 'by'): readonly string[] {
  if (by === undefined) return [];
  const list = typeof by === 'string' ? [by] : [...by];
  for (const k of list) {
    if (typeof k !== 'string') throw new InvalidOptionError(option, `expected column names, got ${String(k)}`);
  }
  if (new Set(list).size !== list.length) throw new InvalidOptionError(option, `a key column is listed twice: ${list.join(', ')}`);
  return list;
}

/** Position of column `name` in `schema`, or `MissingColumnError` naming the input and listing the columns. */
export function columnIndex(schema: Schema, name: string): number {
  const j = schema.fields.findIndex((f) => f.name === name);
  if (j < 0) throw new MissingColumnError({ input: SOURCE, column: name }, schema.fields.map((f) => f.name));
  return j;
}

/**
 * A single-input keyed operator: `setup` is called on the first batch (after it passed the
 * checks) and returns the per-batch worker, which maps each batch (empty ones included).
 * `on` is the time column (default: the run's time column, `'ts'` outside a run).
 */
export function keyedBatches(
  on: string | undefined,
  by: readonly string[],
  setup: (s: KeyedSchema) => (k: KeyedBatch) => RecordBatch,
): OperatorFunction<RecordBatch, RecordBatch> {
  return operate<RecordBatch, RecordBatch>((source, subscriber) => {
    const validator = new StreamValidator(SOURCE, on ?? currentRun()?.time ?? 'ts');
    let encoder: KeyEncoder | undefined;
    let worker: ((k: KeyedBatch) => RecordBatch) | undefined;
    let codes = new Int32Array(0);
    return source.subscribe({
      next(batch) {
        let out: RecordBatch;
        try {
          const rowBase = validator.rows;
          const times = validator.check(batch);
          if (worker === undefined) {
            const schema = validator.schema!;
            if (by.length) encoder = new KeyEncoder(schema, by, { input: SOURCE });
            worker = setup({ schema, time: validator.time!, keyIndices: encoder ? encoder.indices : [] });
          }
          const n = batch.numRows;
          if (codes.length < n) codes = new Int32Array(Math.max(n, codes.length * 2));
          let rowCodes: Int32Array;
          if (encoder) rowCodes = encoder.encode(batch, codes);
          else rowCodes = codes.subarray(0, n); // never written: all 0, one group (slot 1)
          out = worker({ batch, times, codes: rowCodes, slots: (encoder ? encoder.size : 1) + 1, rowBase });
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
