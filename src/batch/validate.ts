/**
 * Checking one stream of record batches: every value is a `RecordBatch`, the schema stays
 * the same, the time column exists with a supported type, has no nulls and never goes
 * backwards (ties allowed). Used by the drivers for their inputs and by operators for
 * their side inputs, so that every entry point rejects bad input with the same errors.
 */
import { type Data, RecordBatch, type Schema, util } from 'apache-arrow';
import { NotARecordBatchError, SchemaChangeError, TimeOrderError } from '../errors';
import { firstUnsorted } from '../kernels/search';
import { MIN_TIME, type TimeColumn, type TimeEncoding, formatNs, resolveTimeColumn, timeValuesNs } from './time';

/** Describes how two schemas differ, for error messages. */
export function schemaDifference(expected: Schema, actual: Schema): { column?: string; expected: string; actual: string } {
  const n = Math.max(expected.fields.length, actual.fields.length);
  for (let j = 0; j < n; j++) {
    const e = expected.fields[j];
    const a = actual.fields[j];
    if (!e || !a) {
      return {
        ...(e ?? a ? { column: (e ?? a)!.name } : {}),
        expected: `${expected.fields.length} columns`,
        actual: `${actual.fields.length} columns`,
      };
    }
    if (e.name !== a.name) return { column: e.name, expected: `column ${j} named '${e.name}'`, actual: `'${a.name}'` };
    if (!util.compareTypes(e.type, a.type)) return { column: e.name, expected: String(e.type), actual: String(a.type) };
    if (e.nullable !== a.nullable) {
      return { column: e.name, expected: e.nullable ? 'nullable' : 'non-nullable', actual: a.nullable ? 'nullable' : 'non-nullable' };
    }
  }
  return { expected: String(expected), actual: String(actual) };
}

/** Field names and types equal (metadata ignored, dictionary ids ignored). */
export function sameSchema(a: Schema, b: Schema): boolean {
  if (a === b) return true;
  if (a.fields.length !== b.fields.length) return false;
  for (let j = 0; j < a.fields.length; j++) {
    const x = a.fields[j];
    const y = b.fields[j];
    if (x.name !== y.name || x.nullable !== y.nullable || !util.compareTypes(x.type, y.type)) return false;
  }
  return true;
}

/**
 * Byte ranges of buffers whose time values were proven non-decreasing, one list per
 * value kind (int64, int32, float64), as sorted disjoint `[start, end)` pairs (runs that
 * overlap, or touch with their boundary elements in order, are merged: adjacent slices
 * checked one by one make one range). A slice of
 * a proven batch (a replay cycle, a release of a multi-input operator) points into the
 * same bytes, and operators pass a batch's time column through unchanged, so operators
 * down a chain check only a batch's first time against the stream's last one instead of
 * rescanning every row once per operator. Keyed by the bytes, not by `Data` objects: a
 * slice costs nothing to prove, and a lookup is one `WeakMap.get` and a binary search.
 */
const provenRanges: Record<TimeEncoding['kind'], WeakMap<ArrayBufferLike, number[]>> = {
  int64: new WeakMap(),
  int32: new WeakMap(),
  float64: new WeakMap(),
};

/** The typed-array class that holds one value per row for each kind. */
const KIND_CLASS: Record<TimeEncoding['kind'], unknown> = { int64: BigInt64Array, int32: Int32Array, float64: Float64Array };

/**
 * The typed array of a time column's values for its `n` rows, when it holds one element
 * of its kind's class per row (else `undefined`: such a column is never taken as proven).
 */
function timeBytes(data: Data, n: number, kind: TimeEncoding['kind']): ArrayBufferView | undefined {
  const values = data.values as ArrayBufferView & { BYTES_PER_ELEMENT?: number };
  if (!ArrayBuffer.isView(values) || values.constructor !== KIND_CLASS[kind]) return undefined;
  return n * values.BYTES_PER_ELEMENT! <= values.byteLength ? values : undefined;
}

function isProven(kind: TimeEncoding['kind'], values: ArrayBufferView, byteLength: number): boolean {
  const ranges = provenRanges[kind].get(values.buffer);
  if (ranges === undefined) return false;
  const lo = values.byteOffset;
  // the last range starting at or before lo
  let a = 0;
  let b = ranges.length >> 1;
  while (a < b) {
    const m = (a + b) >>> 1;
    if (ranges[2 * m] <= lo) a = m + 1;
    else b = m;
  }
  return a > 0 && ranges[2 * (a - 1) + 1] >= lo + byteLength;
}

function prove(kind: TimeEncoding['kind'], values: ArrayBufferView, byteLength: number): void {
  if (byteLength === 0) return;
  const map = provenRanges[kind];
  let ranges = map.get(values.buffer);
  if (ranges === undefined) map.set(values.buffer, (ranges = []));
  let lo = values.byteOffset;
  let hi = lo + byteLength;
  const size = (values as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  // the first range ending at or after lo (ends are sorted: the ranges are disjoint)
  let a = 0;
  let b = ranges.length >> 1;
  while (a < b) {
    const m = (a + b) >>> 1;
    if (ranges[2 * m + 1] < lo) a = m + 1;
    else b = m;
  }
  let i = 2 * a;
  // merge with the ranges it overlaps (they share an element, so the union is sorted), and
  // with one it only touches when the two elements across the boundary are in order (two
  // sorted runs back to back are one sorted run only then)
  if (i < ranges.length && ranges[i + 1] === lo && !inOrder(values, lo - size, lo)) i += 2;
  let j = i;
  while (j < ranges.length && (ranges[j] < hi || (ranges[j] === hi && inOrder(values, hi - size, hi)))) {
    if (ranges[j] < lo) lo = ranges[j];
    if (ranges[j + 1] > hi) hi = ranges[j + 1];
    j += 2;
  }
  ranges.splice(i, j - i, lo, hi);
}

/** Whether the element at byte `p` of `values`' buffer is at most the one at byte `q` (same class as `values`). */
function inOrder(values: ArrayBufferView, p: number, q: number): boolean {
  const C = values.constructor as new (buffer: ArrayBufferLike, byteOffset: number, length: number) => ArrayLike<number | bigint>;
  return new C(values.buffer, p, 1)[0] <= new C(values.buffer, q, 1)[0];
}

/**
 * Records that time column `data` of `n` rows (kind `kind`) holds non-decreasing values:
 * for the owner of proven rows that concatenates them into new buffers (a buffer of a
 * multi-input operator), so that the new batch is not rescanned downstream.
 */
function rememberProven(data: Data, kind: TimeEncoding['kind']): void {
  const values = timeBytes(data, data.length, kind);
  if (values !== undefined) prove(kind, values, data.length * (values as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT);
}

/**
 * The checks for one stream. `check(batch)` returns the batch's times as epoch ns (see
 * `timeValuesNs`) or throws a `WeirError` naming the input, column and row (counted over
 * the whole stream).
 */
export class StreamValidator {
  /** The stream's schema, once the first batch arrived. */
  schema: Schema | undefined = undefined;
  /** The resolved time column. */
  time: TimeColumn | undefined = undefined;
  /** Rows seen so far. */
  rows = 0;
  /** The last row's time, epoch ns (`MIN_TIME` before any row). */
  last: bigint = MIN_TIME;
  /** Schema objects already found equal to `schema`. */
  private readonly equalSchemas = new WeakSet<Schema>();

  constructor(
    readonly input: string,
    readonly timeName: string | undefined,
  ) {}

  /**
   * Checks a value and returns its times (empty array when the stream has no time column).
   * With `checkOrder = false` the order is not checked and `last` is not updated (the
   * caller handles rows that go back in time, as `live` does under `late: 'drop'`).
   */
  check(value: unknown, checkOrder = true): BigInt64Array {
    if (!(value instanceof RecordBatch)) {
      throw new NotARecordBatchError({
        input: this.input,
        row: this.rows,
        actual: value === null ? 'null' : typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value,
      });
    }
    const batch = value;
    if (this.schema === undefined) {
      this.schema = batch.schema;
      if (this.timeName !== undefined) this.time = resolveTimeColumn(batch.schema, this.timeName, this.input);
    } else if (batch.schema !== this.schema && !this.equalSchemas.has(batch.schema)) {
      if (!sameSchema(this.schema, batch.schema)) {
        throw new SchemaChangeError({ input: this.input, row: this.rows, ...schemaDifference(this.schema, batch.schema) });
      }
      // batches of one source often carry equal schema objects of their own (IPC, concatenations):
      // compare each object once, not once per slice
      this.equalSchemas.add(batch.schema);
    }
    const rowBase = this.rows;
    this.rows += batch.numRows;
    if (this.time === undefined) return EMPTY;
    const tc = this.time;
    const column = batch.data.children[tc.index];
    const kind = tc.encoding.kind;
    const bytes = checkOrder ? timeBytes(column, batch.numRows, kind) : undefined;
    const byteLength = bytes ? batch.numRows * (bytes as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT : 0;
    if (bytes !== undefined && isProven(kind, bytes, byteLength)) {
      // proven sorted before (a slice of a checked batch, or passed down a chain): the
      // null check and the conversion still run; only the first row needs the order check
      const times = timeValuesNs(column, tc.encoding, { input: this.input, column: tc.name, rowBase });
      if (times.length > 0) {
        if (times[0] < this.last) this.orderError(rowBase, 0, times);
        this.last = times[times.length - 1];
      }
      return times;
    }
    const times = timeValuesNs(column, tc.encoding, {
      input: this.input,
      column: tc.name,
      rowBase,
    });
    if (!checkOrder) return times;
    const bad = firstUnsorted(times, this.last);
    if (bad >= 0) this.orderError(rowBase, bad, times);
    if (bytes !== undefined) prove(kind, bytes, byteLength);
    if (times.length) this.last = times[times.length - 1];
    return times;
  }

  /**
   * Records that `batch`'s time column is sorted: for a concatenation of batches this
   * validator checked, in order (a slice of one needs nothing: its bytes are proven).
   */
  remember(batch: RecordBatch): void {
    if (this.time !== undefined) rememberProven(batch.data.children[this.time.index], this.time.encoding.kind);
  }

  private orderError(rowBase: number, bad: number, times: BigInt64Array): never {
    const before = bad === 0 ? this.last : times[bad - 1];
    this.rows = rowBase;
    throw new TimeOrderError({
      input: this.input,
      column: this.time!.name,
      row: rowBase + bad,
      expected: `a time at or after ${formatNs(before)} (rows must be sorted by time)`,
      actual: formatNs(times[bad]),
    });
  }
}

const EMPTY = new BigInt64Array(0);
