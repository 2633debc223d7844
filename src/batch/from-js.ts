/**
 * Batch builders from plain JavaScript values: `batch(columns, schema?)`, `rows(list, schema?)`,
 * `table(...)`, `emptyBatch(schema)`, and `batches(...)` / `split(...)` to cut one batch into
 * zero-copy slices. Used by `rowsToBatches` and re-exported by `weir/testing` for tests.
 *
 * Columns are built as typed arrays and validity bitmaps, then `makeData` (through
 * `fixedData` / `makeBatch` of `src/batch/build.ts`). Values are checked strictly: a value
 * that does not fit its column (a fraction in an int column, 300 in an int8 column, a
 * string in a float column, a `Date` with milliseconds in a `timestamp[s]` column) throws
 * `ColumnTypeError` naming the column and row, rather than being rounded or wrapped.
 */
import {
  type Data,
  type DataType,
  type Dictionary,
  type Field,
  type Int,
  type Timestamp,
  type Date_,
  type Time,
  DateUnit,
  Precision,
  RecordBatch,
  Schema,
  Table,
  TimeUnit,
  Type,
  isArrowRecordBatch,
  isArrowSchema,
  makeBuilder,
  makeData,
  makeVector,
} from 'apache-arrow';
import { ColumnTypeError, InvalidOptionError, MissingColumnError } from '../errors';
import { fixedData, makeBatch } from './build';
import { type SchemaSpec, fieldFor } from './schema-spec';

/**
 * A cell value. `null` and `undefined` are null. Numbers, bigints, strings, booleans and
 * `Date`s cover every shorthand type; arrays and objects are passed to Arrow's own
 * builders for other types (List, Struct, …).
 */
export type Cell = number | bigint | string | boolean | Date | null | undefined | readonly unknown[] | { readonly [key: string]: unknown };

/** Column arrays by column name. */
export type Columns = Readonly<Record<string, readonly Cell[]>>;

/** One row literal: a value per column name (a missing key is null). */
export type Row = Readonly<Record<string, Cell>>;

// ---------------------------------------------------------------------------------------
// Public builders
// ---------------------------------------------------------------------------------------

/**
 * A `RecordBatch` from column arrays.
 *
 * Column order is the key order of `columns` (or the field order of a full `Schema`).
 * Types come from `schema` (a full Arrow `Schema`, or per column a shorthand string, a
 * `DataType` or a `Field`); columns without a type are inferred from their first non-null
 * value: number → float64, bigint → int64, string → utf8, boolean → bool,
 * `Date` → timestamp[ms]. Timestamp and date cells may be numbers or bigints (in the
 * column's unit: days for `date[day]`), `Date`s, or ISO-8601 strings (a string without a
 * zone is UTC; up to 9 fraction digits).
 *
 * @example
 * batch(
 *   { ts: [1, 2, 3], ticker: ['a', 'b', 'a'], px: [1.5, null, 2] },
 *   { ts: 'timestamp[ms]', ticker: 'dictionary', px: 'float64' },
 * );
 */
export function batch(columns: Columns, schema?: SchemaSpec): RecordBatch {
  const names = isArrowSchema(schema) ? schema.fields.map((f) => f.name) : Object.keys(columns);
  for (const name of Object.keys(columns)) {
    if (isArrowSchema(schema) && !names.includes(name)) throw new MissingColumnError({ column: name }, names);
  }
  if (schema && !isArrowSchema(schema)) {
    for (const name of Object.keys(schema)) {
      if (!(name in columns)) {
        throw new InvalidOptionError('columns', `no values given for column '${name}' of the schema`, { column: name });
      }
    }
  }
  const values = names.map((name) => {
    const v = columns[name];
    if (v === undefined) {
      throw new InvalidOptionError('columns', `no values given for column '${name}' of the schema`, { column: name });
    }
    return v;
  });
  return build(names, values, schema);
}

/**
 * A `RecordBatch` from row literals. A key missing from a row is null. Column order:
 * the fields of a full `Schema`; otherwise keys in first-seen order, then any columns of
 * the schema spec that no row has (all null). Same types and cell rules as {@link batch}.
 *
 * @example
 * rows([{ ts: 1, px: 2 }, { ts: 2, px: null }], { ts: 'timestamp[s]' });
 */
export function rows(list: readonly Row[], schema?: SchemaSpec): RecordBatch {
  let names: string[];
  if (isArrowSchema(schema)) {
    names = schema.fields.map((f) => f.name);
    for (let r = 0; r < list.length; r++) {
      for (const k of Object.keys(list[r])) {
        if (!names.includes(k)) throw new MissingColumnError({ column: k, row: r }, names);
      }
    }
  } else {
    const seen = new Set<string>();
    for (const row of list) for (const k of Object.keys(row)) seen.add(k);
    if (schema) for (const k of Object.keys(schema)) seen.add(k);
    names = [...seen];
  }
  const n = list.length;
  const values = names.map((name) => {
    const col = new Array<Cell>(n);
    for (let r = 0; r < n; r++) col[r] = list[r][name];
    return col;
  });
  return build(names, values, schema);
}

/**
 * A zero-row `RecordBatch` with the given schema (every column must have a type).
 *
 * @example
 * emptyBatch({ ts: 'timestamp[ns]', px: 'float64' }).numRows; // 0
 */
export function emptyBatch(schema: SchemaSpec): RecordBatch {
  return rows([], schema);
}

/**
 * An Arrow `Table`: from column arrays (as {@link batch}, one batch), or from batches.
 *
 * @example
 * table({ ts: [1n, 2n] }, { ts: 'timestamp[ns]' }).numRows; // 2
 * table(split(b, [2])).batches.length;                      // 2
 */
export function table(columns: Columns, schema?: SchemaSpec): Table;
export function table(batches: RecordBatch | readonly RecordBatch[]): Table;
export function table(x: Columns | RecordBatch | readonly RecordBatch[], schema?: SchemaSpec): Table {
  if (isArrowRecordBatch(x)) return new Table(x);
  if (Array.isArray(x)) return new Table(x as RecordBatch[]);
  return new Table(batch(x as Columns, schema));
}

/**
 * One batch cut into zero-copy slices at the row indices `cuts` (sorted, each in
 * `[0, numRows]`; a repeated cut gives an empty batch). `cuts = [2, 5]` on 7 rows gives
 * rows `[0, 2)`, `[2, 5)`, `[5, 7)`.
 *
 * @example
 * split(batch({ x: [1, 2, 3] }), [1]).map((b) => b.numRows); // [1, 2]
 */
export function split(source: RecordBatch, cuts: readonly number[]): RecordBatch[] {
  const n = source.numRows;
  let prev = 0;
  for (const c of cuts) {
    if (!Number.isInteger(c) || c < prev || c > n) {
      throw new InvalidOptionError('cuts', 'cuts must be integers, sorted, within [0, numRows]', {
        expected: `sorted integers in [0, ${n}]`,
        actual: `[${cuts.join(', ')}]`,
      });
    }
    prev = c;
  }
  const out: RecordBatch[] = [];
  let start = 0;
  for (const c of cuts) {
    out.push(source.slice(start, c));
    start = c;
  }
  out.push(source.slice(start, n));
  return out;
}

/**
 * Column arrays built as one batch (as {@link batch}) then cut into zero-copy slices of the
 * given `sizes` (non-negative integers summing to the row count; 0 gives an empty batch).
 *
 * @example
 * batches({ x: [1, 2, 3] }, undefined, [2, 0, 1]).map((b) => b.numRows); // [2, 0, 1]
 */
export function batches(columns: Columns, schema: SchemaSpec | undefined, sizes: readonly number[]): RecordBatch[] {
  const whole = batch(columns, schema);
  let sum = 0;
  const cuts: number[] = [];
  for (const s of sizes) {
    if (!Number.isInteger(s) || s < 0) {
      throw new InvalidOptionError('sizes', 'sizes must be non-negative integers', { actual: `[${sizes.join(', ')}]` });
    }
    sum += s;
    cuts.push(sum);
  }
  if (sum !== whole.numRows) {
    throw new InvalidOptionError('sizes', 'sizes must add up to the number of rows', {
      expected: `${whole.numRows}`,
      actual: `${sum} ([${sizes.join(', ')}])`,
    });
  }
  cuts.pop();
  return sizes.length === 0 ? [] : split(whole, cuts);
}

// ---------------------------------------------------------------------------------------
// Schema resolution
// ---------------------------------------------------------------------------------------

function build(names: readonly string[], values: readonly (readonly Cell[])[], schema: SchemaSpec | undefined): RecordBatch {
  const n = values.length ? values[0].length : 0;
  for (let j = 0; j < names.length; j++) {
    if (values[j].length !== n) {
      throw new ColumnTypeError('Columns have different lengths', {
        column: names[j],
        expected: `${n} values (as column '${names[0]}')`,
        actual: `${values[j].length}`,
      });
    }
  }
  const fields: Field[] = [];
  const children: Data[] = [];
  for (let j = 0; j < names.length; j++) {
    const name = names[j];
    let field: Field;
    if (isArrowSchema(schema)) field = schema.fields[j];
    else if (schema && schema[name] !== undefined) field = fieldFor(name, schema[name]);
    else field = fieldFor(name, inferType(name, values[j]));
    fields.push(field);
    children.push(columnData(name, field.type, values[j]));
  }
  const out = isArrowSchema(schema) ? schema : new Schema(fields);
  return makeBatch(out, children, n);
}

function inferType(name: string, values: readonly Cell[]): DataType {
  for (const v of values) {
    if (v === null || v === undefined) continue;
    switch (typeof v) {
      case 'number': return fieldFor(name, 'float64').type;
      case 'bigint': return fieldFor(name, 'int64').type;
      case 'string': return fieldFor(name, 'utf8').type;
      case 'boolean': return fieldFor(name, 'bool').type;
    }
    if (v instanceof Date) return fieldFor(name, 'timestamp[ms]').type;
    throw new ColumnTypeError('Cannot infer the type of a column', {
      column: name,
      expected: 'number, bigint, string, boolean or Date values, or a type for the column in the schema argument',
      actual: describeCell(v),
    });
  }
  throw new ColumnTypeError('Cannot infer the type of a column without non-null values', {
    column: name,
    expected: 'a type for the column in the schema argument',
    actual: values.length ? 'only nulls' : 'no values',
  });
}

// ---------------------------------------------------------------------------------------
// Column builders
// ---------------------------------------------------------------------------------------

/** Builds one column's `Data` of `type` from cell values (strict; see the module comment). */
export function columnData(column: string, type: DataType, values: readonly Cell[]): Data {
  switch (type.typeId) {
    case Type.Int: {
      const t = type as Int;
      return fixedColumn(column, type, values, new t.ArrayType(values.length), intConverter(t.bitWidth, t.isSigned));
    }
    case Type.Float: {
      const p = (type as unknown as { precision: Precision }).precision;
      if (p === Precision.HALF) break;
      const out = p === Precision.SINGLE ? new Float32Array(values.length) : new Float64Array(values.length);
      return fixedColumn(column, type, values, out, floatConvert);
    }
    case Type.Timestamp: {
      const k = NS_PER[(type as Timestamp).unit];
      const int64 = intConverter(64, true);
      return fixedColumn(column, type, values, new BigInt64Array(values.length), (v) => {
        const t = timeInUnit(v, k);
        return t === BAD ? BAD : int64(t);
      });
    }
    case Type.Date: {
      if ((type as Date_).unit === DateUnit.DAY) {
        const int32 = intConverter(32, true);
        return fixedColumn(column, type, values, new Int32Array(values.length), (v) => {
          const days = timeInUnit(v, NS_PER_DAY);
          return days === BAD ? BAD : int32(days);
        });
      }
      const int64 = intConverter(64, true);
      return fixedColumn(column, type, values, new BigInt64Array(values.length), (v) => {
        const ms = timeInUnit(v, 1_000_000n);
        return ms === BAD ? BAD : int64(ms);
      });
    }
    case Type.Time: {
      const t = type as Time;
      const conv = intConverter(t.bitWidth, true);
      const out = t.bitWidth === 64 ? new BigInt64Array(values.length) : new Int32Array(values.length);
      return fixedColumn(column, type, values, out, conv);
    }
    case Type.Duration:
      return fixedColumn(column, type, values, new BigInt64Array(values.length), intConverter(64, true));
    case Type.Bool:
      return boolColumn(column, type, values);
    case Type.Utf8:
      return utf8Column(column, type, values);
    case Type.Dictionary:
      return dictionaryColumn(column, type as Dictionary, values);
    case Type.Null:
      for (let i = 0; i < values.length; i++) {
        if (values[i] !== null && values[i] !== undefined) throw badValue(column, i, 'null (Null column)', values[i]);
      }
      return makeData({ type, length: values.length, nullCount: values.length } as Parameters<typeof makeData>[0]);
  }
  return fallbackColumn(column, type, values);
}

/** Marks a value that does not fit its column. */
const BAD = Symbol('bad');
type Converter = (v: NonNullable<Cell>) => number | bigint | typeof BAD;

const expectedOf = new WeakMap<Converter, string>();

function fixedColumn(
  column: string,
  type: DataType,
  values: readonly Cell[],
  out: { [i: number]: number | bigint; length: number },
  convert: Converter,
): Data {
  const n = values.length;
  let bitmap: Uint8Array | null = null;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      bitmap ??= validBitmap(n);
      bitmap[i >> 3] &= ~(1 << (i & 7));
      continue;
    }
    const x = convert(v);
    if (x === BAD) throw badValue(column, i, expectedOf.get(convert) ?? expectedForType(type), v);
    out[i] = x;
  }
  return fixedData(type, out as ArrayLike<unknown> & { length: number }, bitmap, n);
}

function validBitmap(n: number): Uint8Array {
  return new Uint8Array((n + 7) >> 3).fill(0xff);
}

const intConverters = new Map<string, Converter>();

function intConverter(bitWidth: number, signed: boolean): Converter {
  const key = `${signed ? 'int' : 'uint'}${bitWidth}`;
  let conv = intConverters.get(key);
  if (conv) return conv;
  const min = signed ? -(2n ** BigInt(bitWidth - 1)) : 0n;
  const max = signed ? 2n ** BigInt(bitWidth - 1) - 1n : 2n ** BigInt(bitWidth) - 1n;
  const big = bitWidth === 64;
  conv = (v) => {
    let b: bigint;
    if (typeof v === 'bigint') b = v;
    else if (typeof v === 'number' && Number.isSafeInteger(v)) b = BigInt(v);
    else return BAD;
    if (b < min || b > max) return BAD;
    return big ? b : Number(b);
  };
  expectedOf.set(conv, `an integer in [${min}, ${max}] (${key})`);
  intConverters.set(key, conv);
  return conv;
}

const floatConvert: Converter = (v) => (typeof v === 'number' ? v : BAD);
expectedOf.set(floatConvert, 'a number');

function expectedForType(type: DataType): string {
  switch (type.typeId) {
    case Type.Timestamp:
    {
      const unit = UNIT_NAMES[(type as Timestamp).unit];
      return `a time in whole ${unit} within the int64 range (number or bigint of ${unit}, Date or ISO string)`;
    }
    case Type.Date:
      return (type as Date_).unit === DateUnit.DAY
        ? 'a date (number or bigint of days, Date or ISO string) at midnight UTC'
        : 'a date (number or bigint of milliseconds, Date or ISO string) in whole milliseconds';
    default:
      return `a value of type ${String(type)}`;
  }
}

function boolColumn(column: string, type: DataType, values: readonly Cell[]): Data {
  const n = values.length;
  const bits = new Uint8Array((n + 7) >> 3);
  let bitmap: Uint8Array | null = null;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      bitmap ??= validBitmap(n);
      bitmap[i >> 3] &= ~(1 << (i & 7));
    } else if (typeof v === 'boolean') {
      if (v) bits[i >> 3] |= 1 << (i & 7);
    } else {
      throw badValue(column, i, 'a boolean', v);
    }
  }
  return fixedData(type, bits, bitmap, n);
}

const encoder = new TextEncoder();

function utf8Column(column: string, type: DataType, values: readonly Cell[]): Data {
  const n = values.length;
  const offsets = new Int32Array(n + 1);
  const parts: Uint8Array[] = new Array(n);
  let bitmap: Uint8Array | null = null;
  let nullCount = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      bitmap ??= validBitmap(n);
      bitmap[i >> 3] &= ~(1 << (i & 7));
      nullCount++;
      parts[i] = EMPTY;
    } else if (typeof v === 'string') {
      parts[i] = encoder.encode(v);
    } else {
      throw badValue(column, i, 'a string', v);
    }
    total += parts[i].length;
    offsets[i + 1] = total;
  }
  const bytes = new Uint8Array(total);
  for (let i = 0; i < n; i++) bytes.set(parts[i], offsets[i]);
  const props: Record<string, unknown> = { type, length: n, nullCount, valueOffsets: offsets, data: bytes };
  if (bitmap) props.nullBitmap = bitmap;
  return makeData(props as unknown as Parameters<typeof makeData>[0]);
}

const EMPTY = new Uint8Array(0);

function dictionaryColumn(column: string, type: Dictionary, values: readonly Cell[]): Data {
  const n = values.length;
  const codes = new Map<unknown, number>();
  const uniques: Cell[] = [];
  const keys = new (type.indices.ArrayType as new (n: number) => { [i: number]: number | bigint; length: number })(n);
  const big = (type.indices.bitWidth as number) === 64;
  const maxCodes = type.indices.isSigned ? 2 ** (type.indices.bitWidth - 1) : 2 ** type.indices.bitWidth;
  let bitmap: Uint8Array | null = null;
  let nullCount = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      bitmap ??= validBitmap(n);
      bitmap[i >> 3] &= ~(1 << (i & 7));
      nullCount++;
      continue;
    }
    const k = v instanceof Date ? `\u0000date:${v.getTime()}` : v;
    let code = codes.get(k);
    if (code === undefined) {
      code = uniques.length;
      if (code >= maxCodes) {
        throw new ColumnTypeError('Too many distinct values for the dictionary index type', {
          column,
          row: i,
          expected: `at most ${maxCodes} distinct values (${String(type.indices)} keys)`,
          actual: `${code + 1}`,
        });
      }
      codes.set(k, code);
      uniques.push(v);
    }
    keys[i] = big ? BigInt(code) : code;
  }
  let dictionary: Data;
  try {
    dictionary = columnData(column, type.dictionary, uniques);
  } catch (e) {
    if (e instanceof ColumnTypeError && e.row !== undefined) {
      throw new ColumnTypeError('Value does not fit the column type', {
        column,
        row: values.indexOf(uniques[e.row]),
        expected: `${e.expected ?? 'a value'} (dictionary values of type ${String(type.dictionary)})`,
        actual: e.actual,
      });
    }
    throw e;
  }
  const props: Record<string, unknown> = { type, length: n, nullCount, data: keys, dictionary: makeVector(dictionary) };
  if (bitmap) props.nullBitmap = bitmap;
  return makeData(props as unknown as Parameters<typeof makeData>[0]);
}

/** Other types (List, Struct, Decimal, …): Arrow's own builder. */
function fallbackColumn(column: string, type: DataType, values: readonly Cell[]): Data {
  const builder = makeBuilder({ type, nullValues: [null, undefined] });
  for (let i = 0; i < values.length; i++) {
    try {
      builder.append(values[i]);
    } catch (e) {
      throw badValue(column, i, `a value of type ${String(type)} (${(e as Error).message})`, values[i]);
    }
  }
  return builder.finish().flush() as Data;
}

// ---------------------------------------------------------------------------------------
// Time cells
// ---------------------------------------------------------------------------------------

const NS_PER_DAY = 86_400_000_000_000n;
const UNIT_NAMES: Record<TimeUnit, string> = {
  [TimeUnit.SECOND]: 'seconds',
  [TimeUnit.MILLISECOND]: 'milliseconds',
  [TimeUnit.MICROSECOND]: 'microseconds',
  [TimeUnit.NANOSECOND]: 'nanoseconds',
};
const NS_PER: Record<TimeUnit, bigint> = {
  [TimeUnit.SECOND]: 1_000_000_000n,
  [TimeUnit.MILLISECOND]: 1_000_000n,
  [TimeUnit.MICROSECOND]: 1_000n,
  [TimeUnit.NANOSECOND]: 1n,
};

/**
 * A time cell in units of `nsPerUnit` nanoseconds: numbers (integers) and bigints are
 * already in the unit; `Date`s and ISO strings are converted and must be exact in it.
 */
function timeInUnit(v: NonNullable<Cell>, nsPerUnit: bigint): bigint | typeof BAD {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : BAD;
  let ns: bigint | undefined;
  if (v instanceof Date) {
    const ms = v.getTime();
    ns = Number.isNaN(ms) ? undefined : BigInt(ms) * 1_000_000n;
  } else if (typeof v === 'string') {
    ns = parseIsoNs(v);
  }
  if (ns === undefined || ns % nsPerUnit !== 0n) return BAD;
  return ns / nsPerUnit;
}

const ISO =
  /^([+-]?\d{4,6})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Parses an ISO-8601 date or date-time to epoch nanoseconds, keeping up to 9 fraction
 * digits. A string without a zone is read as UTC. `undefined` when it is not a valid date.
 */
export function parseIsoNs(s: string): bigint | undefined {
  const m = ISO.exec(s.trim());
  if (!m) return undefined;
  const [, y, mo, d, hh = '0', mi = '0', ss = '0', frac = '', zone] = m;
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(hh), Number(mi), Number(ss), 0);
  if (
    date.getUTCFullYear() !== Number(y) || date.getUTCMonth() !== Number(mo) - 1 || date.getUTCDate() !== Number(d) ||
    date.getUTCHours() !== Number(hh) || date.getUTCMinutes() !== Number(mi) || date.getUTCSeconds() !== Number(ss)
  ) {
    return undefined;
  }
  let offsetMin = 0;
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    offsetMin = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0'));
  }
  const ns = BigInt(date.getTime()) * 1_000_000n + BigInt(frac.padEnd(9, '0') || '0');
  return ns - BigInt(offsetMin) * 60_000_000_000n;
}

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

function badValue(column: string, row: number, expected: string, v: unknown): ColumnTypeError {
  return new ColumnTypeError('Value does not fit the column type', { column, row, expected, actual: describeCell(v) });
}

/** A short description of a cell value for error messages: `'abc'` (string), `1.5` (number), `3n`, a Date's ISO form. */
export function describeCell(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return JSON.stringify(v) + ' (string)';
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number') return `${Object.is(v, -0) ? '-0' : String(v)} (number)`;
  if (typeof v === 'boolean') return `${v} (boolean)`;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'Invalid Date' : `Date ${v.toISOString()}`;
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x)) ?? String(v);
  } catch {
    return String(v);
  }
}
