/**
 * Concatenating record batches into one with contiguous buffers.
 */
import {
  type Data,
  type DataType,
  type Dictionary,
  type Field,
  RecordBatch,
  Schema,
  Struct,
  Type,
  Vector,
  makeData,
} from 'apache-arrow';
import { ColumnTypeError, InvalidOptionError, SchemaChangeError } from '../errors';
import { bitmapBytes, copyBitmap, setBits } from '../kernels/bitmap';
import { type FixedArray, rebaseLargeOffsets, rebaseOffsets, translateKeys } from '../kernels/gather';
import { bytesToLatin1, decodeUtf8 } from '../kernels/utf8';
import { makeBatch } from './build';
import { allocLike, isFixedWidth, newData, takeData } from './take';

/** The column types that `concatBatches` and `concatData` support. */
export const SUPPORTED_CONCAT_TYPES =
  'Null, Bool, Int (8-64 bit), Float, Decimal, Date, Time, Timestamp, Interval, Duration, FixedSizeBinary, ' +
  'Utf8, LargeUtf8, Binary, LargeBinary, Dictionary, and Struct of these';

/**
 * Whether two types are the same: the same type id and parameters (bit width, sign, unit,
 * time zone (`null` and `undefined` alike), precision and scale, byte width, list size,
 * union mode and type ids, …) and, recursively, the same child names and types. Unlike
 * apache-arrow's `util.compareTypes` it ignores dictionary ids (every `new Dictionary` gets
 * a fresh one) and the JS class (`new Int32()` equals the `Int_` read back from IPC, both
 * ways round), and it compares Decimal precision and scale.
 *
 * Nested fields' nullability (a List's item, a Struct's fields) is compared only with
 * `nullability: true`. `concatBatches` leaves it out (as it does the top-level fields'
 * nullability, which it unions); the batch matchers of `weir/testing` put it in (a nested
 * field's nullability is part of the column's type there, and only the top-level fields'
 * nullability is left to their `checkNullability` option). This one function serves both.
 */
export function sameType(a: DataType, b: DataType, nullability = false): boolean {
  if (a === b) return true;
  if (a.typeId !== b.typeId) return false;
  const x = a as unknown as Record<string, unknown>;
  const y = b as unknown as Record<string, unknown>;
  switch (a.typeId as Type) {
    case Type.Int:
      return x.bitWidth === y.bitWidth && x.isSigned === y.isSigned;
    case Type.Float:
      return x.precision === y.precision;
    case Type.Decimal:
      return x.precision === y.precision && x.scale === y.scale && x.bitWidth === y.bitWidth;
    case Type.Date:
    case Type.Interval:
    case Type.Duration:
      return x.unit === y.unit;
    case Type.Time:
      return x.unit === y.unit && x.bitWidth === y.bitWidth;
    case Type.Timestamp:
      return x.unit === y.unit && (x.timezone ?? null) === (y.timezone ?? null);
    case Type.FixedSizeBinary:
      return x.byteWidth === y.byteWidth;
    case Type.Dictionary: {
      const p = a as Dictionary;
      const q = b as Dictionary;
      return p.isOrdered === q.isOrdered && sameType(p.indices, q.indices) && sameType(p.dictionary, q.dictionary, nullability);
    }
    case Type.FixedSizeList:
      return x.listSize === y.listSize && sameChildren(a, b, nullability);
    case Type.Map:
      return x.keysSorted === y.keysSorted && sameChildren(a, b, nullability);
    case Type.Union: {
      const u = x.typeIds as ArrayLike<number>;
      const v = y.typeIds as ArrayLike<number>;
      if (x.mode !== y.mode || u.length !== v.length) return false;
      for (let i = 0; i < u.length; i++) if (u[i] !== v[i]) return false;
      return sameChildren(a, b, nullability);
    }
    default:
      return sameChildren(a, b, nullability);
  }
}

function sameChildren(a: DataType, b: DataType, nullability: boolean): boolean {
  const p = (a.children ?? []) as Field[];
  const q = (b.children ?? []) as Field[];
  if (p.length !== q.length) return false;
  for (let i = 0; i < p.length; i++) {
    if (p[i].name !== q[i].name || !sameType(p[i].type, q[i].type, nullability)) return false;
    if (nullability && p[i].nullable !== q[i].nullable) return false;
  }
  return true;
}

/**
 * Checks that `actual` has the fields of `expected` (names, order and `sameType` types;
 * nullability is not compared). Throws `SchemaChangeError` naming the first column that
 * differs.
 */
export function checkSameFields(expected: Schema, actual: Schema, input?: string): void {
  const e = expected.fields;
  const a = actual.fields;
  const where = input !== undefined ? { input } : {};
  if (e.length !== a.length) {
    throw new SchemaChangeError({
      ...where,
      expected: `${e.length} columns (${e.map((f) => f.name).join(', ')})`,
      actual: `${a.length} columns (${a.map((f) => f.name).join(', ')})`,
    });
  }
  for (let j = 0; j < e.length; j++) {
    if (e[j].name !== a[j].name) {
      throw new SchemaChangeError({ ...where, column: e[j].name, expected: `column '${e[j].name}' at position ${j}`, actual: `'${a[j].name}'` });
    }
    if (!sameType(e[j].type, a[j].type)) {
      throw new SchemaChangeError({ ...where, column: e[j].name, expected: String(e[j].type), actual: String(a[j].type) });
    }
  }
}

/**
 * One batch with the rows of `batches` in order, every column copied into new contiguous
 * buffers.
 *
 * - The output schema is `schema` when given (its field types, including its `Dictionary`
 *   type objects, are used as is); otherwise the first batch's schema, with a field made
 *   nullable when it is nullable in any batch.
 * - Every batch must have the same field names and types as that schema (`sameType`:
 *   dictionary ids and nullability are ignored); otherwise `SchemaChangeError` naming the
 *   column.
 * - Sliced batches (offset ≠ 0, bit offsets included) are fine; empty batches add nothing.
 * - A single batch (or a single non-empty one) is returned as is, zero-copy (re-wrapped
 *   without copying when `schema` has other type objects).
 * - No batches: a zero-row batch of `schema`, or `InvalidOptionError` without one.
 *
 * Dictionary columns: when every batch shares the same dictionary `Vector` (the usual case
 * between two dictionary messages of an IPC stream), or dictionaries with equal contents,
 * the keys are copied and that dictionary kept. Otherwise the dictionaries are unified:
 * each distinct value (compared decoded: strings for Utf8, numbers/bigints for numeric
 * values) gets one entry, in order of first appearance over the batches' dictionaries, and
 * keys are translated through a per-batch table. Unused entries are kept. If the value type
 * cannot be compared (nested types) the dictionaries are appended one after another. More
 * values than the index type holds → `ColumnTypeError`.
 *
 * Supported column types: Null, Bool, Int, Float, Decimal, Date, Time, Timestamp,
 * Interval, Duration, FixedSizeBinary, Utf8, LargeUtf8, Binary, LargeBinary, Dictionary
 * and Struct of these; others → `ColumnTypeError`.
 *
 * @example
 * concatBatches([batch.slice(0, 2), batch.slice(2)]) // the rows of batch, in one buffer per column
 */
export function concatBatches(batches: readonly RecordBatch[], schema?: Schema): RecordBatch {
  let out = schema ?? batches[0]?.schema;
  if (!out) throw new InvalidOptionError('batches', 'no batches to concatenate and no schema given');
  for (const b of batches) checkSameFields(out, b.schema);
  if (!schema) out = widenNullability(out, batches);

  let total = 0;
  let nonEmpty = 0;
  let last = -1;
  for (let i = 0; i < batches.length; i++) {
    const n = batches[i].numRows;
    total += n;
    if (n > 0) {
      nonEmpty++;
      last = i;
    }
  }
  if (batches.length === 1 && !schema && out === batches[0].schema) return batches[0];
  if (nonEmpty <= 1) {
    if (batches.length === 0) {
      return makeBatch(out, out.fields.map((f) => makeData({ type: f.type } as never) as Data), 0);
    }
    return conform(batches[Math.max(last, 0)], out);
  }

  const fields = out.fields;
  const columns = new Array<Data>(fields.length);
  const parts = new Array<Data>(nonEmpty);
  for (let j = 0; j < fields.length; j++) {
    let k = 0;
    for (const b of batches) if (b.numRows > 0) parts[k++] = b.data.children[j];
    columns[j] = concatData(fields[j].type, parts, fields[j].name);
  }
  return makeBatch(out, columns, total);
}

function widenNullability(schema: Schema, batches: readonly RecordBatch[]): Schema {
  let fields: Field[] | null = null;
  schema.fields.forEach((f, j) => {
    if (!f.nullable && batches.some((b) => b.schema.fields[j].nullable)) {
      fields ??= schema.fields.slice();
      fields[j] = f.clone({ nullable: true });
    }
  });
  return fields ? new Schema(fields, schema.metadata) : schema;
}

/** `batch` with `schema` (same fields up to type objects), without copying any buffer. */
function conform(batch: RecordBatch, schema: Schema): RecordBatch {
  if (batch.schema === schema) return batch;
  const fields = schema.fields;
  const before = batch.schema.fields;
  const children = batch.data.children;
  let same = true;
  for (let j = 0; j < fields.length; j++) {
    if (children[j].type !== fields[j].type || before[j].nullable !== fields[j].nullable) same = false;
  }
  if (same) return batch;
  const data = children.map((c, j) => (c.type === fields[j].type ? c : c.clone(fields[j].type)));
  return new RecordBatch(schema, makeData({ type: new Struct(fields as Field[]), length: batch.numRows, nullCount: 0, children: data }));
}

/**
 * The values of `parts` in order as one `Data` of `type` with new contiguous buffers
 * (`type` is used as the output type object; the parts must have `sameType` types).
 * `column` names the column in errors.
 */
export function concatData<T extends DataType>(type: T, parts: readonly Data[], column?: string): Data<T> {
  const list = parts.filter((p) => p.length > 0);
  let total = 0;
  for (const p of list) {
    total += p.length;
    if (p.type.typeId !== type.typeId) {
      throw new ColumnTypeError('Column parts of different types', {
        ...(column !== undefined ? { column } : {}),
        expected: String(type),
        actual: String(p.type),
      });
    }
  }
  if (list.length === 0) return makeData({ type } as never) as Data<T>;
  const typeId = type.typeId as Type;
  if (typeId === Type.Null) return newData(type, total, total, null);

  // Validity.
  let nullCount = 0;
  for (const p of list) nullCount += p.nullCount;
  let nullBitmap: Uint8Array | null = null;
  if (nullCount > 0) {
    nullBitmap = new Uint8Array(bitmapBytes(total));
    let pos = 0;
    for (const p of list) {
      if (p.nullCount === 0) setBits(nullBitmap, pos, p.length, true);
      else copyBitmap(p.nullBitmap, p.offset, nullBitmap, pos, p.length);
      pos += p.length;
    }
  }

  if (typeId === Type.Dictionary) {
    return concatDictionary(type as unknown as Dictionary, list, total, nullCount, nullBitmap, column) as unknown as Data<T>;
  }
  if (isFixedWidth(typeId)) {
    const stride = list[0].stride;
    const out = allocLike(list[0].values as FixedArray, total * stride);
    let pos = 0;
    for (const p of list) {
      const values = p.values as FixedArray;
      (out as Uint8Array).set((values as Uint8Array).subarray(0, p.length * stride), pos * stride);
      pos += p.length;
    }
    return newData(type, total, nullCount, nullBitmap, out);
  }
  switch (typeId) {
    case Type.Bool: {
      const out = new Uint8Array(bitmapBytes(total));
      let pos = 0;
      for (const p of list) {
        copyBitmap(p.values as Uint8Array, p.offset, out, pos, p.length);
        pos += p.length;
      }
      return newData(type, total, nullCount, nullBitmap, out);
    }
    case Type.Utf8:
    case Type.Binary: {
      let bytes = 0;
      for (const p of list) {
        const o = p.valueOffsets as Int32Array;
        bytes += o[p.length] - o[0];
      }
      if (bytes > 0x7fffffff) {
        throw new ColumnTypeError('Concatenated values exceed 2 GiB, too large for 32-bit offsets', {
          ...(column !== undefined ? { column } : {}),
          expected: 'LargeUtf8 or LargeBinary for such columns',
          actual: String(type),
        });
      }
      const offsets = new Int32Array(total + 1);
      const out = new Uint8Array(bytes);
      let pos = 0;
      let base = 0;
      for (const p of list) {
        const o = p.valueOffsets as Int32Array;
        out.set((p.values as Uint8Array).subarray(o[0], o[p.length]), base);
        base = rebaseOffsets(o, p.length, offsets, pos, base);
        pos += p.length;
      }
      return newData(type, total, nullCount, nullBitmap, out, offsets);
    }
    case Type.LargeUtf8:
    case Type.LargeBinary: {
      let bytes = 0;
      for (const p of list) {
        const o = p.valueOffsets as unknown as BigInt64Array;
        bytes += Number(o[p.length] - o[0]);
      }
      const offsets = new BigInt64Array(total + 1);
      const out = new Uint8Array(bytes);
      let pos = 0;
      let base = 0n;
      for (const p of list) {
        const o = p.valueOffsets as unknown as BigInt64Array;
        out.set((p.values as Uint8Array).subarray(Number(o[0]), Number(o[p.length])), Number(base));
        base = rebaseLargeOffsets(o, p.length, offsets, pos, base);
        pos += p.length;
      }
      return newData(type, total, nullCount, nullBitmap, out, offsets);
    }
    case Type.Struct: {
      const childFields = type.children as Field[];
      const children = childFields.map((f, c) => concatData(f.type, list.map((p) => p.children[c]), column));
      return newData(type, total, nullCount, nullBitmap, undefined, undefined, children);
    }
    default:
      throw new ColumnTypeError('Unsupported column type for concatenation', {
        ...(column !== undefined ? { column } : {}),
        expected: SUPPORTED_CONCAT_TYPES,
        actual: String(type),
      });
  }
}

/** A dictionary value compared by content: a string, number, bigint, boolean or null. */
type EntryKey = string | number | bigint | boolean | null;

/** One `Data` with all the values of a (possibly multi-chunk, delta) dictionary vector. */
export function flattenDictionary(dictionary: Vector, valueType: DataType): Data {
  const chunks = dictionary.data;
  return chunks.length === 1 ? chunks[0] : concatData(valueType, chunks);
}

/**
 * The dictionary entries of `data` as comparable keys, or `null` when the value type
 * cannot be compared by content here.
 */
function entryKeys(data: Data): EntryKey[] | null {
  const n = data.length;
  const out = new Array<EntryKey>(n);
  const validity = data.nullCount > 0 ? data.nullBitmap : null;
  const typeId = data.type.typeId as Type;
  switch (typeId) {
    case Type.Utf8:
    case Type.Binary: {
      const o = data.valueOffsets as Int32Array;
      const bytes = data.values as Uint8Array;
      for (let i = 0; i < n; i++) {
        out[i] = typeId === Type.Utf8 ? decodeUtf8(bytes, o[i], o[i + 1]) : bytesToLatin1(bytes, o[i], o[i + 1]);
      }
      break;
    }
    case Type.LargeUtf8:
    case Type.LargeBinary: {
      const o = data.valueOffsets as unknown as BigInt64Array;
      const bytes = data.values as Uint8Array;
      for (let i = 0; i < n; i++) {
        const s = Number(o[i]);
        const e = Number(o[i + 1]);
        out[i] = typeId === Type.LargeUtf8 ? decodeUtf8(bytes, s, e) : bytesToLatin1(bytes, s, e);
      }
      break;
    }
    case Type.Bool: {
      const bits = data.values as Uint8Array;
      for (let i = 0; i < n; i++) {
        const p = data.offset + i;
        out[i] = ((bits[p >> 3] >> (p & 7)) & 1) === 1;
      }
      break;
    }
    case Type.Int:
    case Type.Float:
    case Type.Date:
    case Type.Time:
    case Type.Timestamp:
    case Type.Duration: {
      if (data.stride !== 1) return null;
      const values = data.values as ArrayLike<number | bigint>;
      for (let i = 0; i < n; i++) out[i] = values[i];
      break;
    }
    default:
      return null;
  }
  if (validity) {
    for (let i = 0; i < n; i++) {
      const p = data.offset + i;
      if (((validity[p >> 3] >> (p & 7)) & 1) === 0) out[i] = null;
    }
  }
  return out;
}

function sameEntries(a: EntryKey[], b: EntryKey[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** The largest key an index type holds. */
function maxKey(indices: DataType): number {
  const t = indices as unknown as { bitWidth: number; isSigned: boolean };
  return t.bitWidth >= 53 ? Number.MAX_SAFE_INTEGER : 2 ** (t.isSigned ? t.bitWidth - 1 : t.bitWidth) - 1;
}

function concatDictionary(
  type: Dictionary,
  list: readonly Data[],
  total: number,
  nullCount: number,
  nullBitmap: Uint8Array | null,
  column: string | undefined,
): Data<Dictionary> {
  const keysLike = list[0].values as FixedArray;
  const concatKeys = (): FixedArray => {
    const out = allocLike(keysLike, total);
    let pos = 0;
    for (const p of list) {
      (out as Uint8Array).set((p.values as Uint8Array).subarray(0, p.length), pos);
      pos += p.length;
    }
    return out;
  };

  // The distinct dictionaries, by identity.
  const distinct: Vector[] = [];
  for (const p of list) if (!distinct.includes(p.dictionary!)) distinct.push(p.dictionary!);
  if (distinct.length === 1) return newData(type, total, nullCount, nullBitmap, concatKeys(), undefined, undefined, distinct[0]);

  const flats = distinct.map((d) => flattenDictionary(d, type.dictionary));
  const keys = flats.map(entryKeys);
  if (keys.every((k) => k !== null) && keys.every((k) => sameEntries(k!, keys[0]!))) {
    return newData(type, total, nullCount, nullBitmap, concatKeys(), undefined, undefined, distinct[0]);
  }

  // Unify: one translation table per distinct dictionary.
  const tables: Int32Array[] = [];
  let pieces: Data[];
  if (keys.every((k) => k !== null)) {
    const index = new Map<EntryKey, number>();
    pieces = [];
    for (let d = 0; d < flats.length; d++) {
      const entries = keys[d]!;
      const table = new Int32Array(entries.length);
      const fresh: number[] = [];
      for (let k = 0; k < entries.length; k++) {
        let id = index.get(entries[k]);
        if (id === undefined) {
          id = index.size;
          index.set(entries[k], id);
          fresh.push(k);
        }
        table[k] = id;
      }
      tables.push(table);
      if (fresh.length) pieces.push(takeData(flats[d], Int32Array.from(fresh)));
    }
  } else {
    let base = 0;
    for (const f of flats) {
      const table = new Int32Array(f.length);
      for (let k = 0; k < f.length; k++) table[k] = base + k;
      tables.push(table);
      base += f.length;
    }
    pieces = flats;
  }
  const dictData = concatData(type.dictionary, pieces, column);
  if (dictData.length - 1 > maxKey(type.indices)) {
    throw new ColumnTypeError('Unified dictionary has more values than its index type holds', {
      ...(column !== undefined ? { column } : {}),
      expected: `at most ${maxKey(type.indices) + 1} values for ${String(type.indices)} keys`,
      actual: `${dictData.length} values`,
    });
  }

  const out = allocLike(keysLike, total);
  let pos = 0;
  for (const p of list) {
    const table = tables[distinct.indexOf(p.dictionary!)];
    const validity = p.nullCount > 0 ? p.nullBitmap : null;
    if (out instanceof BigInt64Array || out instanceof BigUint64Array) {
      // 64-bit keys (rare): through numbers.
      const src = p.values as BigInt64Array;
      for (let i = 0; i < p.length; i++) {
        const q = p.offset + i;
        if (validity === null || (validity[q >> 3] >> (q & 7)) & 1) out[pos + i] = BigInt(table[Number(src[i])]);
      }
    } else {
      translateKeys(p.values as Int32Array, table, p.length, out.subarray(pos, pos + p.length) as Int32Array, validity, p.offset);
    }
    pos += p.length;
  }
  return newData(type, total, nullCount, nullBitmap, out, undefined, undefined, new Vector([dictData]));
}
