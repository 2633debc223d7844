/**
 * Time columns: which Arrow types carry event time, and their conversion to weir's one
 * internal representation.
 *
 * **Internal time representation: signed 64-bit integer nanoseconds since the Unix epoch
 * (UTC), held in `BigInt64Array`s and `bigint`s.** A `Timestamp[ns]` column is used as is
 * (zero-copy); every other time type is converted once per batch. Nanosecond inputs
 * therefore keep nanosecond precision end to end. Numbers (float milliseconds) appear
 * only at the RxJS `SchedulerLike` boundary, where RxJS wants `number`.
 *
 * Supported time column types: `Timestamp` in s/ms/us/ns (with or without a time zone:
 * the stored value is UTC either way), `Date` (day or millisecond), and `Int64` /
 * `Float64` epoch milliseconds (a fractional Float64 is rounded to the nearest ns).
 */
import { allocArray } from '../kernels/gather';
import { type Data, type DataType, type Field, type Schema, Type, TimeUnit, DateUnit } from 'apache-arrow';
import { ColumnTypeError, MissingColumnError, NullTimeError } from '../errors';

/** Nanoseconds per unit. */
export const NS_PER_MS = 1_000_000n;
export const NS_PER_S = 1_000_000_000n;
export const NS_PER_DAY = 86_400n * NS_PER_S;

/** The smallest and largest representable instants, used as -∞ / +∞ for progress. */
export const MIN_TIME = -(2n ** 63n);
export const MAX_TIME = 2n ** 63n - 1n;

/** How a time column is stored, resolved once per schema. */
export type TimeEncoding =
  | { readonly kind: 'int64'; readonly nsPerUnit: bigint } // Timestamp s/ms/us/ns, Date64 ms, Int64 epoch ms
  | { readonly kind: 'int32'; readonly nsPerUnit: bigint } // Date32 days
  | { readonly kind: 'float64'; readonly nsPerUnit: number }; // Float64 epoch ms

/** A resolved time column: its position in the schema and how to read it as nanoseconds. */
export interface TimeColumn {
  readonly name: string;
  readonly index: number;
  readonly field: Field;
  readonly encoding: TimeEncoding;
}

const TIMESTAMP_NS: Record<TimeUnit, bigint> = {
  [TimeUnit.SECOND]: NS_PER_S,
  [TimeUnit.MILLISECOND]: NS_PER_MS,
  [TimeUnit.MICROSECOND]: 1_000n,
  [TimeUnit.NANOSECOND]: 1n,
};

/** The encoding of a time type, or `undefined` when the type cannot carry event time. */
export function timeEncodingOf(dataType: DataType): TimeEncoding | undefined {
  const type = dataType as unknown as { typeId: Type; unit: number; bitWidth: number; isSigned: boolean; precision: number };
  switch (type.typeId) {
    case Type.Timestamp:
      return { kind: 'int64', nsPerUnit: TIMESTAMP_NS[type.unit as TimeUnit] };
    case Type.Date:
      return type.unit === DateUnit.DAY
        ? { kind: 'int32', nsPerUnit: NS_PER_DAY }
        : { kind: 'int64', nsPerUnit: NS_PER_MS };
    case Type.Int:
      return type.bitWidth === 64 && type.isSigned
        ? { kind: 'int64', nsPerUnit: NS_PER_MS }
        : undefined;
    case Type.Float:
      return type.precision === 2 ? { kind: 'float64', nsPerUnit: 1e6 } : undefined;
    default:
      return undefined;
  }
}

export const SUPPORTED_TIME_TYPES =
  'Timestamp (s, ms, us or ns, any time zone), Date (day or ms), Int64 or Float64 epoch milliseconds';

/**
 * Finds and checks the time column of a schema. Throws `MissingColumnError` or
 * `ColumnTypeError` naming the input and column.
 */
export function resolveTimeColumn(schema: Schema, name: string, input?: string): TimeColumn {
  const index = schema.fields.findIndex((f) => f.name === name);
  if (index < 0) {
    throw new MissingColumnError(
      { column: name, ...(input !== undefined ? { input } : {}) },
      schema.fields.map((f) => f.name),
    );
  }
  const field = schema.fields[index];
  const encoding = timeEncodingOf(field.type);
  if (!encoding) {
    throw new ColumnTypeError('Wrong type for a time column', {
      ...(input !== undefined ? { input } : {}),
      column: name,
      expected: SUPPORTED_TIME_TYPES,
      actual: String(field.type),
    });
  }
  return { name, index, field, encoding };
}

/**
 * A time column's values as epoch nanoseconds. Zero-copy for `Timestamp[ns]` (a
 * `subarray` of the column's buffer); a new array otherwise. Throws `NullTimeError` on
 * a null, naming the row as `rowBase + i`.
 */
export function timeValuesNs(
  data: Data,
  encoding: TimeEncoding,
  where: { input?: string; column?: string; rowBase?: number } = {},
): BigInt64Array {
  const n = data.length;
  if (data.nullCount > 0) {
    const bitmap = data.nullBitmap!;
    const off = data.offset;
    for (let i = 0; i < n; i++) {
      const p = off + i;
      if ((bitmap[p >> 3] & (1 << (p & 7))) === 0) {
        throw new NullTimeError({
          ...(where.input !== undefined ? { input: where.input } : {}),
          ...(where.column !== undefined ? { column: where.column } : {}),
          row: (where.rowBase ?? 0) + i,
        });
      }
    }
  }
  if (encoding.kind === 'int64') {
    const values = (data.values as BigInt64Array).subarray(0, n);
    const k = encoding.nsPerUnit;
    if (k === 1n) return values;
    const out = allocArray(BigInt64Array, n);
    for (let i = 0; i < n; i++) out[i] = values[i] * k;
    return out;
  }
  if (encoding.kind === 'int32') {
    const values = data.values as Int32Array;
    const k = encoding.nsPerUnit;
    const out = allocArray(BigInt64Array, n);
    for (let i = 0; i < n; i++) out[i] = BigInt(values[i]) * k;
    return out;
  }
  const values = data.values as Float64Array;
  const out = allocArray(BigInt64Array, n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      throw new ColumnTypeError('Non-finite epoch milliseconds in time column', {
        ...(where.input !== undefined ? { input: where.input } : {}),
        ...(where.column !== undefined ? { column: where.column } : {}),
        row: (where.rowBase ?? 0) + i,
        expected: 'a finite number',
        actual: String(v),
      });
    }
    const ms = Math.trunc(v);
    out[i] = BigInt(ms) * NS_PER_MS + BigInt(Math.round((v - ms) * 1e6));
  }
  return out;
}

/** Epoch nanoseconds to (float) epoch milliseconds, for RxJS schedulers and `Date`. */
export function nsToMs(ns: bigint): number {
  const ms = ns / NS_PER_MS;
  return Number(ms) + Number(ns - ms * NS_PER_MS) / 1e6;
}

/** (Float) epoch milliseconds to epoch nanoseconds, rounded to the nearest ns. */
export function msToNs(ms: number): bigint {
  if (ms === Infinity) return MAX_TIME;
  if (ms === -Infinity) return MIN_TIME;
  const whole = Math.trunc(ms);
  return BigInt(whole) * NS_PER_MS + BigInt(Math.round((ms - whole) * 1e6));
}

/** An instant given as a `Date`, epoch milliseconds, an ISO string or epoch ns (`bigint`), to epoch ns. */
export function toNs(t: Date | number | string | bigint): bigint {
  if (typeof t === 'bigint') return t;
  if (typeof t === 'number') return msToNs(t);
  if (typeof t === 'string') {
    const ms = Date.parse(t);
    if (Number.isNaN(ms)) throw new TypeError(`Not a date: '${t}'`);
    return msToNs(ms);
  }
  return msToNs(t.getTime());
}

/** Formats epoch ns as an ISO string with nanosecond digits where present. */
export function formatNs(ns: bigint): string {
  if (ns === MAX_TIME) return '+∞';
  if (ns === MIN_TIME) return '-∞';
  let ms = ns / NS_PER_MS;
  let rest = ns - ms * NS_PER_MS;
  if (rest < 0n) {
    ms -= 1n;
    rest += NS_PER_MS;
  }
  const iso = new Date(Number(ms)).toISOString();
  return rest === 0n ? iso : `${iso.slice(0, -1)}${String(rest).padStart(6, '0')}Z`;
}
