/**
 * Local test fixtures for test/batch and test/kernels: batches with every supported column
 * type (built with `makeData` from raw buffers), and a reader that turns columns into
 * plain JS values through apache-arrow's own accessors (an implementation independent of
 * the code under test).
 */
import {
  Binary,
  Bool,
  Data,
  DateDay,
  DateMillisecond,
  Decimal,
  Dictionary,
  DurationMillisecond,
  Field,
  FixedSizeBinary,
  FixedSizeList,
  Float32,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  IntervalDayTime,
  LargeBinary,
  LargeUtf8,
  List,
  Map_,
  Null,
  RecordBatch,
  RecordBatchReader,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  TimeNanosecond,
  TimestampNanosecond,
  Type,
  Uint8,
  Uint16,
  Uint32,
  Uint64,
  Utf8,
  Vector,
  makeData,
  vectorFromArray,
  type DataType,
} from 'apache-arrow';

const enc = new TextEncoder();

/** A validity bitmap from a per-row null flag, or undefined when nothing is null. */
export function bitmapOf(isNull: readonly boolean[]): Uint8Array | undefined {
  if (!isNull.some(Boolean)) return undefined;
  const out = new Uint8Array(Math.ceil(isNull.length / 8) + 1);
  isNull.forEach((nul, i) => {
    if (!nul) out[i >> 3] |= 1 << (i & 7);
  });
  return out;
}

function props(type: DataType, length: number, isNull: readonly boolean[], extra: Record<string, unknown>): Data {
  const nullBitmap = bitmapOf(isNull);
  return makeData({ type, length, ...(nullBitmap ? { nullBitmap } : { nullCount: 0 }), ...extra } as never) as Data;
}

/** Fixed-width `Data` from values (`null` = null row). */
export function fixedData<T extends DataType>(type: T, values: readonly unknown[], Arr: new (n: number) => { [i: number]: unknown }, stride = 1): Data<T> {
  const n = values.length;
  const data = new Arr(n * stride);
  values.forEach((v, i) => {
    if (v === null) return;
    if (stride === 1) data[i] = v;
    else (v as unknown[]).forEach((x, s) => (data[i * stride + s] = x));
  });
  return props(type, n, values.map((v) => v === null), { data }) as Data<T>;
}

/** Variable-width `Data` (Utf8, LargeUtf8, Binary, LargeBinary) from strings / byte arrays. */
export function varData<T extends DataType>(type: T, values: readonly (string | Uint8Array | null)[]): Data<T> {
  const large = type.typeId === Type.LargeUtf8 || type.typeId === Type.LargeBinary;
  const chunks = values.map((v) => (v === null ? new Uint8Array(0) : typeof v === 'string' ? enc.encode(v) : v));
  const total = chunks.reduce((s, c) => s + c.length, 0);
  const data = new Uint8Array(total);
  const offsets = large ? new BigInt64Array(values.length + 1) : new Int32Array(values.length + 1);
  let pos = 0;
  chunks.forEach((c, i) => {
    data.set(c, pos);
    pos += c.length;
    offsets[i + 1] = (large ? BigInt(pos) : pos) as never;
  });
  return props(type, values.length, values.map((v) => v === null), { data, valueOffsets: offsets }) as Data<T>;
}

/** Bool `Data`. */
export function boolData(values: readonly (boolean | null)[]): Data<Bool> {
  const data = new Uint8Array(Math.ceil(values.length / 8) + 1);
  values.forEach((v, i) => {
    if (v) data[i >> 3] |= 1 << (i & 7);
  });
  return props(new Bool(), values.length, values.map((v) => v === null), { data }) as Data<Bool>;
}

/**
 * Dictionary `Data` of `values` with the given dictionary (which must contain every
 * non-null value; it may hold extra and repeated entries: the first match is used, the
 * last with `last`). With `nullEntries`, a null value points at a null dictionary entry
 * (when there is one) instead of being a null key.
 */
export function dictData(
  type: Dictionary,
  values: readonly (string | null)[],
  dictionary: readonly (string | null)[],
  options: { last?: boolean; nullEntries?: boolean } = {},
): Data<Dictionary> {
  const dict = new Vector([varData(type.dictionary, dictionary)]);
  const Keys = type.indices.ArrayType as new (n: number) => { [i: number]: number | bigint };
  const keys = new Keys(values.length);
  const isNull = values.map((v) => v === null && !(options.nullEntries && dictionary.includes(null)));
  values.forEach((v, i) => {
    if (isNull[i]) return;
    const k = options.last ? dictionary.lastIndexOf(v) : dictionary.indexOf(v);
    if (k < 0) throw new Error(`value ${v} not in dictionary`);
    keys[i] = (keys instanceof BigInt64Array ? BigInt(k) : k) as never;
  });
  const nullBitmap = bitmapOf(isNull);
  return makeData({
    type,
    length: values.length,
    data: keys,
    dictionary: dict,
    ...(nullBitmap ? { nullBitmap } : { nullCount: 0 }),
  } as never) as unknown as Data<Dictionary>;
}

/** A record batch from named columns. */
export function batchOf(columns: Record<string, Data>, nullable = true): RecordBatch {
  const fields = Object.entries(columns).map(([name, d]) => new Field(name, d.type, nullable));
  const schema = new Schema(fields);
  const length = Object.values(columns)[0]?.length ?? 0;
  return new RecordBatch(schema, makeData({ type: new Struct(fields), length, nullCount: 0, children: Object.values(columns) }));
}

/** One shared dictionary type for the fixtures' `dict` column. */
export const DICT_TYPE = new Dictionary(new Utf8(), new Int32());
export const DICT8_TYPE = new Dictionary(new Utf8(), new Int8());
const STRUCT_TYPE = new Struct([new Field('a', new Int32(), true), new Field('b', new Utf8(), true)]);

const WORDS = ['alpha', 'b', '', 'çé', 'delta-long-string-value', 'x'];

/**
 * A batch of `n` rows with one column of every supported type. Column `j` is null where
 * `(i * 7 + j + seed) % 5 === 0` (except `nonull`, never null). `dictionary` overrides the
 * dictionary of the `dict` column (must hold every word).
 */
export function allTypesBatch(n: number, seed = 0, dictionary: readonly string[] = WORDS): RecordBatch {
  const rows = Array.from({ length: n }, (_, i) => i + seed * 1000);
  let j = 0;
  const col = <T>(f: (i: number) => T): (T | null)[] => {
    const jj = j++;
    return rows.map((i) => ((i * 7 + jj + seed) % 5 === 0 ? null : f(i)));
  };
  return batchOf({
    nonull: fixedData(new Int32(), rows.map((i) => i), Int32Array),
    i8: fixedData(new Int8(), col((i) => ((i * 37) % 256) - 128), Int8Array),
    u16: fixedData(new Uint16(), col((i) => (i * 101) % 65536), Uint16Array),
    i64: fixedData(new Int64(), col((i) => BigInt(i) * 10_000_000_000n - 5n), BigInt64Array),
    u64: fixedData(new Uint64(), col((i) => 2n ** 63n + BigInt(i)), BigUint64Array),
    i16: fixedData(new Int16(), col((i) => ((i * 1009) % 65536) - 32768), Int16Array),
    u8: fixedData(new Uint8(), col((i) => (i * 13) % 256), Uint8Array),
    u32: fixedData(new Uint32(), col((i) => 4_294_967_295 - i), Uint32Array),
    f32: fixedData(new Float32(), col((i) => i / 4), Float32Array),
    f64: fixedData(new Float64(), col((i) => i * 1.5 - 3), Float64Array),
    bool: boolData(col((i) => i % 3 === 0)),
    ts: fixedData(new TimestampNanosecond(), col((i) => 1_700_000_000_000_000_000n + BigInt(i) * 1_000_001n), BigInt64Array),
    dday: fixedData(new DateDay(), col((i) => 19_000 + i), Int32Array),
    dms: fixedData(new DateMillisecond(), col((i) => 1_700_000_000_000n + BigInt(i)), BigInt64Array),
    t64: fixedData(new TimeNanosecond(), col((i) => BigInt(i) * 999n), BigInt64Array),
    dur: fixedData(new DurationMillisecond(), col((i) => BigInt(i * 3)), BigInt64Array),
    ivl: fixedData(new IntervalDayTime(), col((i) => [i, -i]), Int32Array, 2),
    dec: fixedData(new Decimal(2, 20, 128), col((i) => [i, i + 1, 0, 0]), Uint32Array, 4),
    fsb: fixedData(new FixedSizeBinary(3), col((i) => [i & 255, (i * 3) & 255, 7]), Uint8Array, 3),
    utf8: varData(new Utf8(), col((i) => WORDS[i % WORDS.length])),
    lutf8: varData(new LargeUtf8(), col((i) => WORDS[(i + 1) % WORDS.length])),
    bin: varData(new Binary(), col((i) => new Uint8Array(i % 4).fill(i & 255))),
    lbin: varData(new LargeBinary(), col((i) => new Uint8Array(i % 3).fill(1))),
    dict: dictData(DICT_TYPE, col((i) => WORDS[(i * 5) % WORDS.length]), dictionary),
    dict8: dictData(DICT8_TYPE, col((i) => WORDS[i % 2]), WORDS),
    st: (() => {
      const a = fixedData(new Int32(), col((i) => i * 2), Int32Array);
      const b = varData(new Utf8(), col((i) => `s${i}`));
      const nulls = col(() => false).map((v) => v === null);
      const nullBitmap = bitmapOf(nulls);
      return makeData({ type: STRUCT_TYPE, length: n, children: [a, b], ...(nullBitmap ? { nullBitmap } : { nullCount: 0 }) });
    })(),
    nul: makeData({ type: new Null(), length: n }),
  });
}

const LIST_TYPE = new List(new Field('item', new Int32(), true));
const LIST_UTF8_TYPE = new List(new Field('item', new Utf8(), true));
const LIST_STRUCT_TYPE = new List(new Field('item', STRUCT_TYPE, true));
const LIST_LIST_TYPE = new List(new Field('item', LIST_TYPE, true));
const MAP_ENTRIES = new Struct([new Field('key', new Utf8(), false), new Field('value', new Int32(), true)]);
const MAP_TYPE = new Map_(new Field('entries', MAP_ENTRIES, false) as never);
const FSL_TYPE = new FixedSizeList(2, new Field('item', new Float64(), true));
const FSL_UTF8_TYPE = new FixedSizeList(3, new Field('item', new Utf8(), true));

/**
 * A batch of `n` rows with nested columns the gathers support: List (of Int32, Utf8,
 * Struct, List), Map and FixedSizeList (of Float64, Utf8), with null rows where
 * `(i * 7 + j + seed) % 5 === 0`, empty lists, and null items inside lists.
 */
export function listTypesBatch(n: number, seed = 0): RecordBatch {
  const rows = Array.from({ length: n }, (_, i) => i + seed * 1000);
  let j = 0;
  const col = <T>(f: (i: number) => T): (T | null)[] => {
    const jj = j++;
    return rows.map((i) => ((i * 7 + jj + seed) % 5 === 0 ? null : f(i)));
  };
  const items = (i: number): number => i % 4; // 0..3 items, 0 = empty list
  const data = (values: unknown[], type: DataType): Data => vectorFromArray(values as never, type as never).data[0] as Data;
  return batchOf({
    k: fixedData(new Int32(), rows.map((i) => i), Int32Array),
    list: data(col((i) => Array.from({ length: items(i) }, (_, c) => (c === 1 && i % 3 === 0 ? null : i * 10 + c))), LIST_TYPE),
    lstr: data(col((i) => Array.from({ length: items(i + 1) }, (_, c) => (c === 2 ? null : WORDS[(i + c) % WORDS.length]))), LIST_UTF8_TYPE),
    lstruct: data(col((i) => Array.from({ length: items(i + 2) }, (_, c) => (c === 1 ? null : { a: i + c, b: `s${i}` }))), LIST_STRUCT_TYPE),
    llist: data(col((i) => Array.from({ length: items(i + 3) }, (_, c) => (c === 0 ? [] : [i, c]))), LIST_LIST_TYPE),
    map: data(col((i) => new Map(Array.from({ length: items(i) }, (_, c) => [`k${c}`, c === 1 ? null : i + c]))), MAP_TYPE),
    fsl: data(col((i) => [i / 2, i % 3 === 0 ? null : -i]), FSL_TYPE),
    fstr: data(col((i) => [WORDS[i % WORDS.length], null, `w${i}`]), FSL_UTF8_TYPE),
  });
}

function normalise(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<unknown>);
  if (Array.isArray(v)) return v.map(normalise);
  if (v instanceof Vector) return Array.from(v as Iterable<unknown>, normalise);
  if (typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    const o = (v as { toJSON(): Record<string, unknown> }).toJSON();
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, normalise(x)]));
  }
  return v;
}

/** The values of one column as plain JS (nulls as `null`), read through apache-arrow. */
export function plain(data: Data): unknown[] {
  const v = new Vector([data]);
  const out: unknown[] = [];
  const raw = data.type.typeId === Type.Timestamp || data.type.typeId === Type.Time || data.type.typeId === Type.Duration;
  for (let i = 0; i < data.length; i++) {
    if (!data.getValid(i)) out.push(null);
    else if (raw) out.push((data.values as BigInt64Array)[i]);
    else out.push(normalise(v.get(i)));
  }
  return out;
}

/** A batch as `{ column: plain values }`. */
export function plainColumns(batch: RecordBatch): Record<string, unknown[]> {
  return Object.fromEntries(batch.schema.fields.map((f, j) => [f.name, plain(batch.data.children[j])]));
}

/** Rows `indices` of plain columns (`null` for a negative index). */
export function pick(columns: Record<string, unknown[]>, indices: ArrayLike<number>): Record<string, unknown[]> {
  return Object.fromEntries(
    Object.entries(columns).map(([k, vs]) => [k, Array.from(indices, (i) => (i < 0 ? null : vs[i]))]),
  );
}

/** Writes batches to an IPC stream (replacement dictionaries allowed) and reads them back. */
export function ipcRoundTrip(batches: readonly RecordBatch[]): RecordBatch[] {
  const writer = new RecordBatchStreamWriter();
  for (const b of batches) writer.write(b);
  writer.finish();
  return [...RecordBatchReader.from(writer.toUint8Array(true))];
}
