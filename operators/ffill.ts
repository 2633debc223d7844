import type { OperatorFunction } from 'rxjs';
import type { Data, RecordBatch, Schema } from 'apache-arrow';
import { ColumnTypeError, InvalidOptionError } from '../src/errors';
import { recordBatch, structData } from '../src/batch/build';
import { NO_LIMIT, lastRows, resetRows } from '../src/kernels/ffill';
import { type KeyedArrays, growArray } from './internal/keyed';
import { type BatchRows, type BatchRowsSource, type FillColumn, fillColumn, fillable } from './internal/fill-columns';
import {
  type ExpiryOptions,
  type KeyedSchema,
  type KeyedWorker,
  KeyedRunner,
  SOURCE,
  columnIndex,
  expiryOptions,
  keyList,
  keyedBatches,
} from './internal/fill-stream';
import { withFfillPlan } from './internal/fusion';

export interface FfillOptions extends ExpiryOptions {
  /** Key column(s) (Utf8, Dictionary<Utf8>, integers, Bool): each key is filled from its own rows only. Default: one group. */
  by?: string | readonly string[];
  /**
   * The column(s) to fill. Default: every column but the time and key columns whose type
   * can be filled (all but List, Map, Union and the view types).
   */
  columns?: string | readonly string[];
  /** At most this many consecutive nulls are filled after a valid value (pandas' and polars' `limit`). Default: no limit. */
  limit?: number;
  /** The time column (rows must be sorted by it). Default: the run's time column (`'ts'` outside a run). */
  on?: string;
}

/**
 * Forward-fills nulls with the last valid value of the same key, like pandas'
 * `groupby(by).ffill(limit)` and polars' `forward_fill(limit).over(by)`, across batches:
 * the last value of each key is kept from one batch (and cycle) to the next.
 *
 * ```text
 * source: --a-----b--|      a = {k: ['x', 'y', 'x'], bid: [10, null, null]}
 * ffill({ by: 'k' })        b = {k: ['y', 'x'],      bid: [7, null]}
 * result: --x-----y--|      x = {k: ['x', 'y', 'x'], bid: [10, null, 10]}
 *                           y = {k: ['y', 'x'],      bid: [7, 10]}
 * ```
 *
 * @example
 * quotes$.pipe(ffill({ by: 'ticker', columns: ['bid', 'ask'] }))
 * // every quote with the last known bid and ask of its ticker where they are null
 *
 * **Input schema**: a time column (`on`), sorted (ties allowed), without nulls
 * (`TimeOrderError` / `NullTimeError` naming the input `'source'`, column and row); key
 * columns `by` (Utf8, LargeUtf8, Dictionary<Utf8>, integers, Bool); the filled columns of
 * any fixed-width type (numbers, times, decimals, intervals, dictionaries), Bool, Utf8,
 * LargeUtf8, Binary, LargeBinary or Struct. An unknown column is a `MissingColumnError`,
 * a List/Map/Union column named in `columns` a `ColumnTypeError`.
 *
 * **Output schema**: the input schema, unchanged (filled columns keep their type and
 * nullability: a key without any valid value yet stays null).
 *
 * **Nulls**: a null row takes the last *valid* value of its key (nulls never overwrite
 * it); with `limit`, only the first `limit` nulls of each run are filled (the rest stay
 * null until the next valid value). NaN is a value, not a null. **Null keys form their own
 * group** (as polars' `over` does): a row with a null key is filled from the previous
 * null-key row.
 *
 * **Equal timestamps**: rows are taken in stream order (the order of the input), which
 * for a sorted stream is event-time order with ties in arrival order; rows are neither
 * reordered nor dropped.
 *
 * **State and memory growth**: per filled column and key, the last valid value and a run
 * counter: O(keys × columns). Fixed-width columns keep it in typed arrays by key slot;
 * other types in one `Data` of one row per key. Without `expireAfter`, every key ever seen
 * is kept for the whole stream; with `expireAfter: d`, a key not seen for more than `d` of
 * event time is forgotten (its next row is not filled from before the gap; the null-key
 * group never expires), expiries are reported through `onExpire(count)`, and the state and
 * key dictionary are compacted, so memory is O(keys seen within `d`) (see
 * `docs/keyed-state.md`).
 * Inside a replay or live run and without `expireAfter`, the key dictionary is the run's,
 * shared with the run's other keyed operators by the same key columns (`runKeyDictionary`):
 * the per-key arrays are then sized by every key any of them has seen, and a key column
 * that comes unchanged from one of them is not encoded again (its codes are copied).
 *
 * **Cost per batch**: one key encoding (a table lookup per row for dictionary keys) and,
 * per filled column: without nulls in the batch, the column is passed through zero-copy and
 * only the last row of each key updates the state (O(rows) once for all such columns, plus
 * O(keys touched)); with a validity bitmap, one copy of the values and one pass over the
 * rows that patches the null rows from the state (the column itself when nothing was
 * filled). Bool, Utf8, Binary and Struct columns (and dictionary columns once a batch
 * brings another dictionary) are gathered instead: O(rows + keys) with a copy of the state
 * per batch. Fixed part: about a microsecond (output `Data` and batch objects). With `expireAfter`, one more pass over the rows
 * tracks each key's last time (and an expiry sweep), about 7 µs per 200-row batch.
 *
 * **As the right side of a backward `asofJoin` by the same keys** (without `limit` or
 * `expireAfter`), the join does the fill itself and this operator does not run: see
 * `asofJoin`'s *Fusion with `ffill`*. The output is the same.
 */
export function ffill(options: FfillOptions = {}): OperatorFunction<RecordBatch, RecordBatch> {
  const by = keyList(options.by);
  const columns = options.columns === undefined ? undefined : keyList(options.columns, 'columns');
  const limit = parseLimit(options.limit);
  const expiry = expiryOptions(by, options);
  const setup = (s: KeyedSchema): KeyedWorker => {
    const state = new FfillState(s, columns, limit);
    return { state, apply: (k) => state.apply(k.batch, k.codes, k.slots) };
  };
  const operator = keyedBatches(options.on, by, setup, expiry);
  // the plan lets an asofJoin of this output do the fill itself (operators/internal/fusion.ts)
  return (source) =>
    withFfillPlan(operator(source), {
      source,
      by,
      on: options.on,
      plain: limit === NO_LIMIT && expiry.expireAfter === undefined,
      fillIndices: (schema, timeIndex, keyIndices) => fillIndices(schema, timeIndex, keyIndices, columns),
      runner: (run) => new KeyedRunner(options.on, by, setup, expiry, run),
    });
}

/**
 * The positions of the columns to fill: `columns` (each must exist and be fillable), or by
 * default every column but the time and key columns whose type can be filled.
 */
function fillIndices(schema: Schema, timeIndex: number, keyIndices: readonly number[], columns: readonly string[] | undefined): number[] {
  const fields = schema.fields;
  if (columns === undefined) {
    const indices: number[] = [];
    fields.forEach((f, j) => {
      if (j !== timeIndex && !keyIndices.includes(j) && fillable(f.type)) indices.push(j);
    });
    return indices;
  }
  const indices = columns.map((c) => columnIndex(schema, c));
  for (const j of indices) {
    const f = fields[j];
    if (!fillable(f.type)) {
      throw new ColumnTypeError('ffill cannot fill this column type', {
        input: SOURCE,
        column: f.name,
        expected: 'a fixed-width type (numbers, times, decimals, dictionaries), Bool, Utf8, Binary or Struct',
        actual: String(f.type),
      });
    }
  }
  return indices;
}

function parseLimit(limit: number | undefined): number {
  if (limit === undefined) return NO_LIMIT;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit >= NO_LIMIT) {
    throw new InvalidOptionError('limit', `expected a positive integer number of rows, got ${String(limit)}`);
  }
  return limit;
}

const EMPTY: Int32Array = new Int32Array(0);

/** The per-key state of one `ffill` subscription: one `FillColumn` per filled column. */
export class FfillState implements KeyedArrays, BatchRowsSource, BatchRows {
  /** Positions of the filled columns. */
  readonly indices: readonly number[];
  private readonly fills: FillColumn[];
  /** The current batch's last row per slot (-1 elsewhere) and the slots listed, once computed (`count >= 0`). */
  lastRow = new Int32Array(0);
  touched = new Int32Array(0);
  count = -1;
  private codes: Int32Array = EMPTY;
  private n = 0;
  /** Slots in use (since the last remap): the columns' states cover them. */
  private slots = 0;

  constructor(s: KeyedSchema, columns: readonly string[] | undefined, limit: number) {
    const fields = s.schema.fields;
    const indices = fillIndices(s.schema, s.time.index, s.keyIndices, columns);
    this.indices = indices;
    this.fills = indices.map((j) => fillColumn(fields[j].type, limit));
  }

  grow(slots: number): void {
    if (slots > this.slots) this.slots = slots;
    this.lastRow = growArray(this.lastRow, slots, 1, -1);
    this.touched = growArray(this.touched, slots);
    for (const f of this.fills) f.grow(slots);
  }

  remap(map: Int32Array, slots: number): void {
    this.slots = slots;
    for (const f of this.fills) f.remap(map, slots);
  }

  /** `batch` with its filled columns forward-filled; updates the state. */
  apply(batch: RecordBatch, codes: Int32Array, slots: number): RecordBatch {
    const n = batch.numRows;
    if (n === 0 || this.fills.length === 0) return batch;
    // slots in use grew (new keys, also after a compaction, where the store has room already): the columns take them on
    if (slots > this.slots) this.grow(slots);
    const children = batch.data.children;
    let out: Data[] | undefined;
    this.codes = codes;
    this.n = n;
    this.count = -1;
    try {
      for (let c = 0; c < this.fills.length; c++) {
        const j = this.indices[c];
        const d = children[j];
        let f = this.fills[c];
        const filled = f.fill(d, codes, n, this);
        while (f.next) f = this.fills[c] = f.next;
        if (filled !== d) {
          out ??= children.slice();
          out[j] = filled;
        }
      }
    } finally {
      if (this.count > 0) resetRows(this.lastRow, this.touched, this.count);
      this.count = -1;
      this.codes = EMPTY;
    }
    return out ? recordBatch(batch.schema, structData(batch.schema, out, n)) : batch;
  }

  /** The current batch's last row of each key (computed on the first call per batch). */
  batchRows(): BatchRows {
    if (this.count < 0) this.count = lastRows(this.codes, this.n, this.lastRow, this.touched);
    return this;
  }
}
