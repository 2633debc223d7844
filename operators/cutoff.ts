import type { OperatorFunction } from 'rxjs';
import type { RecordBatch } from 'apache-arrow';
import { InvalidOptionError } from '../src/errors';
import { selectRows } from '../src/batch/filter';
import { cutoffRows } from '../src/kernels/cutoff';
import { type KeyedArrays, growArray, remapArray } from './internal/keyed';
import { type ExpiryOptions, type KeyedBatch, type KeyedSchema, columnIndex, expiryOptions, keyList, keyedBatches } from './internal/fill-stream';
import { Float64Reader, bitsOf, checkNumeric } from './internal/fill-numeric';

export interface CutoffOptions extends ExpiryOptions {
  /** Key column(s) (Utf8, Dictionary<Utf8>, integers, Bool): each key is compared with its own last emitted row. Default: one group. */
  by?: string | readonly string[];
  /** The numeric column(s) whose change lets a row through. */
  columns: string | readonly string[];
  /**
   * A row passes when a column moved by strictly more than this (absolute) since the key's
   * last emitted row: one number for every column, or `{ column: tolerance }` (columns left
   * out: 0). Default 0 (any change passes).
   */
  tolerance?: number | Readonly<Record<string, number>>;
  /** The time column (rows must be sorted by it). Default: the run's time column (`'ts'` outside a run). */
  on?: string;
}

/**
 * Lets a key's row through only when one of `columns` changed by more than `tolerance`
 * since the key's last row let through (or when it is the key's first row), like beavers'
 * `cutoff`: throttles a stream of quotes to the meaningful moves, per key.
 *
 * ```text
 * source: --a--------b--|   a = {k: ['x', 'x', 'y'], px: [10, 10.01, 5]}   b = {k: ['x', 'x'], px: [10.02, 10.2]}
 * cutoff({ by: 'k', columns: 'px', tolerance: 0.05 })
 * result: --x--------y--|   x = {k: ['x', 'y'], px: [10, 5]}   y = {k: ['x'], px: [10.2]}
 * ```
 *
 * @example
 * quotes$.pipe(cutoff({ by: 'ticker', columns: ['bid', 'ask'], tolerance: 0.01 }))
 * // a quote only when its bid or ask moved by more than a cent since the last one let through
 *
 * **Input schema**: a time column (`on`), sorted (ties allowed), without nulls
 * (`TimeOrderError` / `NullTimeError` naming the input `'source'`, column and row); key
 * columns `by`; `columns` numeric (Int8-64, Uint8-64, Float32, Float64: `ColumnTypeError`
 * otherwise; 64-bit integers compared as the nearest double). Unknown columns are a
 * `MissingColumnError`; a negative or non-finite tolerance, or one for a column not in
 * `columns`, an `InvalidOptionError`.
 *
 * **Output schema**: the input schema, unchanged: the rows that pass (each output batch has its input batch's schema object).
 *
 * **Nulls**: a null differs from any value (a value becoming null, or null becoming a
 * value, passes) and equals a null; NaN differs from any number and equals NaN. The
 * comparison is always with the key's last *emitted* row, so slow drifts pass once they add
 * up to more than the tolerance. **Null keys form their own group.**
 *
 * **Equal timestamps**: rows are taken in stream order; several rows of one key at one
 * time are compared one after the other like any others.
 *
 * **State and memory growth**: per key, whether it emitted a row, and per column its last
 * emitted value and validity: O(keys × columns) typed-array entries. Without
 * `expireAfter`, every key ever seen is kept; with `expireAfter: d`, a key not seen for
 * more than `d` of event time is forgotten (its next row passes, as a new key's first row
 * does; the null-key group never expires), expiries are reported through
 * `onExpire(count)`, and memory is O(keys seen within `d`) (see `docs/keyed-state.md`).
 * Inside a replay or live run and without `expireAfter`, the key dictionary is the run's,
 * shared with the run's other keyed operators by the same key columns (`runKeyDictionary`):
 * the per-key arrays are then sized by every key any of them has seen, and a key column
 * that comes unchanged from one of them is not encoded again (its codes are copied).
 *
 * **Cost per batch**: one key encoding, one pass over the rows (per row, the columns until
 * one has changed), then a zero-copy slice when the passing rows are one run (all of them,
 * none, or contiguous), else a gather of the passing rows (`selectRows`; the kernel writes
 * the selection vector directly, no mask). Empty batches are emitted as they are, as
 * `filter` does. With `expireAfter`, one more pass over the rows
 * tracks each key's last time (and an expiry sweep), about 7 µs per 200-row batch.
 */
export function cutoff(options: CutoffOptions): OperatorFunction<RecordBatch, RecordBatch> {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('columns', 'cutoff needs options with `columns`');
  const by = keyList(options.by);
  const columns = typeof options.columns === 'string' ? [options.columns] : Array.isArray(options.columns) ? keyList(options.columns, 'columns') : undefined;
  if (!columns || columns.length === 0) throw new InvalidOptionError('columns', `expected one or more column names, got ${String(options.columns)}`);
  const tolerance = parseTolerance(options.tolerance, columns);
  const expiry = expiryOptions(by, options);
  return keyedBatches(
    options.on,
    by,
    (s) => {
      const state = new CutoffState(s, columns, tolerance);
      return { state, apply: (k) => state.apply(k) };
    },
    expiry,
  );
}

function parseTolerance(t: CutoffOptions['tolerance'], columns: readonly string[]): Float64Array {
  const check = (v: unknown, what: string): number => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new InvalidOptionError('tolerance', `expected a finite non-negative number${what}, got ${String(v)}`);
    }
    return v;
  };
  const out = new Float64Array(columns.length);
  if (t === undefined) return out;
  if (typeof t === 'number') return out.fill(check(t, ''));
  if (t === null || typeof t !== 'object') throw new InvalidOptionError('tolerance', `expected a number or { column: number }, got ${String(t)}`);
  for (const [name, v] of Object.entries(t)) {
    const c = columns.indexOf(name);
    if (c < 0) throw new InvalidOptionError('tolerance', `'${name}' is not one of the columns (${columns.join(', ')})`);
    out[c] = check(v, ` for '${name}'`);
  }
  return out;
}

/** The per-key state of one `cutoff` subscription: per key, whether it emitted; per column, its last emitted value. */
export class CutoffState implements KeyedArrays {
  private readonly inputs: readonly number[];
  private readonly readers: Float64Reader[];
  private seen = new Uint8Array(0);
  private last: Float64Array[];
  private lastValid: Uint8Array[];
  /** The passing rows' positions (reused; `selectRows` copies what it keeps). */
  private selection = new Int32Array(0);
  private readonly values: Float64Array[];
  private readonly validity: (Uint8Array | null)[];
  private readonly offsets: number[];

  /** The slots every array has room for (a remap keeps the arrays, so the room stays). */
  private capacity = 0;

  constructor(
    s: KeyedSchema,
    columns: readonly string[],
    private readonly tolerance: Float64Array,
  ) {
    this.inputs = columns.map((c) => columnIndex(s.schema, c));
    for (const j of this.inputs) checkNumeric('cutoff', s.schema.fields[j]);
    this.readers = columns.map(() => new Float64Reader());
    this.values = columns.map(() => new Float64Array(0));
    this.validity = columns.map(() => null);
    this.offsets = columns.map(() => 0);
    this.last = columns.map(() => new Float64Array(0));
    this.lastValid = columns.map(() => new Uint8Array(0));
  }

  grow(slots: number): void {
    if (slots <= this.capacity) return; // the store grew the state already
    this.capacity = slots;
    this.seen = growArray(this.seen, slots);
    for (let c = 0; c < this.last.length; c++) {
      this.last[c] = growArray(this.last[c], slots);
      this.lastValid[c] = growArray(this.lastValid[c], slots);
    }
  }

  remap(map: Int32Array, slots: number): void {
    remapArray(this.seen, map, slots);
    for (let c = 0; c < this.last.length; c++) {
      remapArray(this.last[c], map, slots);
      remapArray(this.lastValid[c], map, slots);
    }
  }

  apply(k: KeyedBatch): RecordBatch {
    const { batch, codes } = k;
    const n = batch.numRows;
    if (n === 0) return batch;
    this.grow(k.slots);
    const children = batch.data.children;
    // the columns' arrays, in reused lists (valid for this call)
    const { values, validity, offsets } = this;
    for (let c = 0; c < this.inputs.length; c++) {
      const d = children[this.inputs[c]];
      values[c] = this.readers[c].read(d, n);
      validity[c] = bitsOf(d);
      offsets[c] = d.offset;
    }
    if (this.selection.length < n) this.selection = new Int32Array(Math.max(n, this.selection.length * 2, 256));
    const count = cutoffRows(values, validity, offsets, this.tolerance, codes, n, this.seen, this.last, this.lastValid, this.selection);
    // all rows: the batch itself; none: an empty slice; one run: a slice; else a gather (copies)
    return selectRows(batch, this.selection, count);
  }
}
