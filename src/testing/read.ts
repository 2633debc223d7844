/**
 * Reading batches back as plain values for assertions and error messages:
 * `toColumns(x)` → `{ name: values[] }`, `toRows(x)` → `[{ name: value }]`.
 *
 * Values read back:
 * - every type stored as 64-bit integers reads as `bigint`: `int64`, `uint64`,
 *   `timestamp[*]` (epoch value in the column's unit, time zone ignored: the stored value
 *   is UTC), `date[ms]` (epoch milliseconds), `Time64`, `Duration`;
 * - 8/16/32-bit integers, `float32`, `float64`, `date[day]` (days since the epoch) and
 *   `Time32` read as `number`;
 * - `bool` as `boolean`, `utf8` / `large_utf8` as `string`;
 * - dictionary columns are decoded to their values (usually strings), whatever the keys
 *   and dictionary layout;
 * - nulls as `null`; other types (List, Struct, Decimal, …) through Arrow's own `get`,
 *   then typed arrays and vectors to plain arrays and struct rows to plain objects.
 *
 * Row-wise code is fine here: these helpers serve tests and error messages only.
 */
import {
  type Data,
  type DataType,
  type Date_,
  type Dictionary,
  type RecordBatch,
  type Schema,
  type Table,
  type Timestamp,
  DateUnit,
  Precision,
  TimeUnit,
  Type,
  isArrowRecordBatch,
  isArrowTable,
  isArrowVector,
  makeVector,
} from 'apache-arrow';
import { NotARecordBatchError, SchemaChangeError } from '../errors';
import { formatNs } from '../batch/time';
import type { Cell } from './builders';

/** What the read helpers accept: a batch, a table, or a list of them (read as one, concatenated). */
export type BatchSource = RecordBatch | Table | readonly (RecordBatch | Table)[];

/**
 * Column values by column name (concatenated over all batches of a table or list).
 *
 * @example
 * toColumns(batch({ ts: [1, 2] }, { ts: 'timestamp[ms]' })); // { ts: [1n, 2n] }
 */
export function toColumns(source: BatchSource): Record<string, Cell[]> {
  const list = batchList(source);
  const out: Record<string, Cell[]> = {};
  if (list.length === 0) return out;
  const schema = list[0].schema;
  const cols = schema.fields.map(() => [] as Cell[]);
  for (let b = 0; b < list.length; b++) {
    checkSameNames(schema, list[b].schema, b);
    const children = list[b].data.children;
    for (let j = 0; j < cols.length; j++) appendValues(children[j], cols[j]);
  }
  schema.fields.forEach((f, j) => {
    out[f.name] = cols[j];
  });
  return out;
}

/**
 * Plain row objects (concatenated over all batches of a table or list), same values as
 * {@link toColumns}.
 *
 * @example
 * toRows(batch({ x: [1, null] })); // [{ x: 1 }, { x: null }]
 */
export function toRows(source: BatchSource): Record<string, Cell>[] {
  const cols = toColumns(source);
  const names = Object.keys(cols);
  const n = names.length ? cols[names[0]].length : 0;
  const out: Record<string, Cell>[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const row: Record<string, Cell> = {};
    for (const name of names) row[name] = cols[name][i];
    out[i] = row;
  }
  return out;
}

/** The batches of a source, in order. Throws `NotARecordBatchError` on anything else. */
export function batchList(source: BatchSource): RecordBatch[] {
  const items = Array.isArray(source) ? (source as readonly unknown[]) : [source];
  const out: RecordBatch[] = [];
  items.forEach((x, i) => {
    if (isArrowRecordBatch(x)) out.push(x);
    else if (isArrowTable(x)) out.push(...x.batches);
    else {
      throw new NotARecordBatchError({
        expected: 'an apache-arrow RecordBatch or Table',
        actual: `${describeKind(x)}${Array.isArray(source) ? ` at index ${i}` : ''}`,
      });
    }
  });
  return out;
}

function checkSameNames(first: Schema, schema: Schema, index: number): void {
  const a = first.fields.map((f) => f.name).join(', ');
  const b = schema.fields.map((f) => f.name).join(', ');
  if (a !== b) throw new SchemaChangeError({ expected: `columns [${a}]`, actual: `columns [${b}] in batch ${index}` });
}

const decoder = new TextDecoder();

/** Appends the values of one column's `Data` (honouring its offset and validity) to `out`. */
export function appendValues(data: Data, out: Cell[]): void {
  const n = data.length;
  const off = data.offset;
  const bitmap = data.nullCount === 0 ? null : data.nullBitmap;
  const valid = (i: number): boolean => {
    if (!bitmap) return true;
    const p = off + i;
    return ((bitmap[p >> 3] >> (p & 7)) & 1) === 1;
  };
  const type = data.type as DataType;
  switch (type.typeId) {
    case Type.Null:
      for (let i = 0; i < n; i++) out.push(null);
      return;
    case Type.Bool: {
      const bits = data.values as Uint8Array;
      for (let i = 0; i < n; i++) {
        const p = off + i;
        out.push(valid(i) ? ((bits[p >> 3] >> (p & 7)) & 1) === 1 : null);
      }
      return;
    }
    case Type.Utf8:
    case Type.LargeUtf8: {
      const offsets = data.valueOffsets as Int32Array | BigInt64Array;
      const bytes = data.values as Uint8Array;
      for (let i = 0; i < n; i++) {
        out.push(valid(i) ? decoder.decode(bytes.subarray(Number(offsets[i]), Number(offsets[i + 1]))) : null);
      }
      return;
    }
    case Type.Dictionary: {
      const dictionary = (data as Data<Dictionary>).dictionary;
      const decoded: Cell[] = [];
      if (dictionary) for (const chunk of dictionary.data) appendValues(chunk, decoded);
      const keys = data.values as ArrayLike<number | bigint>;
      for (let i = 0; i < n; i++) out.push(valid(i) ? decoded[Number(keys[i])] : null);
      return;
    }
    case Type.Float:
      if ((type as unknown as { precision: Precision }).precision === Precision.HALF) break;
      appendFixed(data, valid, out);
      return;
    case Type.Int:
    case Type.Timestamp:
    case Type.Date:
    case Type.Time:
    case Type.Duration:
      appendFixed(data, valid, out);
      return;
  }
  const vector = makeVector(data);
  for (let i = 0; i < n; i++) out.push(valid(i) ? plain(vector.get(i)) : null);
}

function appendFixed(data: Data, valid: (i: number) => boolean, out: Cell[]): void {
  const values = data.values as ArrayLike<number | bigint>;
  for (let i = 0; i < data.length; i++) out.push(valid(i) ? values[i] : null);
}

/** Arrow values of nested types to plain JS: vectors and typed arrays to arrays, rows to objects. */
function plain(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'object') return v as Cell;
  if (isArrowVector(v)) return [...v].map(plain);
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<unknown>);
  if (Array.isArray(v)) return v.map(plain);
  const toJSON = (v as { toJSON?: () => unknown }).toJSON;
  if (typeof toJSON === 'function' && !(v instanceof Date)) {
    const j = toJSON.call(v);
    if (j !== null && typeof j === 'object' && !Array.isArray(j)) {
      const o: Record<string, Cell> = {};
      for (const [k, x] of Object.entries(j)) o[k] = plain(x);
      return o;
    }
    return plain(j);
  }
  return v as Cell;
}

const NS_PER_UNIT: Record<TimeUnit, bigint> = {
  [TimeUnit.SECOND]: 1_000_000_000n,
  [TimeUnit.MILLISECOND]: 1_000_000n,
  [TimeUnit.MICROSECOND]: 1_000n,
  [TimeUnit.NANOSECOND]: 1n,
};

/**
 * A value read back by {@link toColumns}, formatted for messages: strings quoted, bigints
 * with `n`, and for time types the ISO instant after the raw value
 * (`1000n (1970-01-01T00:00:01.000Z)`).
 */
export function formatValue(v: unknown, type?: DataType): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'bigint') {
    const iso = type ? isoOf(v, type) : undefined;
    return iso ? `${v}n (${iso})` : `${v}n`;
  }
  if (typeof v === 'boolean') return String(v);
  if (v instanceof Date) return `Date(${Number.isNaN(v.getTime()) ? 'Invalid' : v.toISOString()})`;
  if (v instanceof Error) return `${v.name}: ${v.message}`;
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x)) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Formats a day count (`date[day]`) as `YYYY-MM-DD`. */
function formatDay(days: number): string {
  const d = new Date(days * 86_400_000);
  return Number.isNaN(d.getTime()) ? `${days} days` : d.toISOString().slice(0, 10);
}

function isoOf(v: bigint, type: DataType): string | undefined {
  const base = type.typeId === Type.Dictionary ? (type as Dictionary).dictionary : type;
  try {
    if (base.typeId === Type.Timestamp) return formatNs(v * NS_PER_UNIT[(base as Timestamp).unit]);
    if (base.typeId === Type.Date && (base as Date_).unit === DateUnit.MILLISECOND) return formatNs(v * 1_000_000n);
  } catch {
    return undefined;
  }
  return undefined;
}

/** Like {@link formatValue}, with `date[day]` numbers shown as dates too (`19723 (2024-01-01)`). */
export function formatCell(v: unknown, type: DataType): string {
  if (typeof v === 'number' && type.typeId === Type.Date && (type as Date_).unit === DateUnit.DAY) {
    return `${v} (${formatDay(v)})`;
  }
  return formatValue(v, type);
}

function describeKind(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'object') return (x as object).constructor?.name ?? 'an object';
  return typeof x;
}
