/**
 * Key encoding: one or more key columns of each batch mapped to dense `Int32Array` codes
 * `0..size-1`, stable across batches, for grouping and joining by key.
 *
 * - Codes are handed out in order of first appearance in the rows encoded (over all
 *   batches, and over all encoders sharing a `KeyDictionary`), whatever the physical
 *   encoding: the same values give the same codes as Utf8, as `Dictionary<int, Utf8>` with
 *   any dictionary per batch, or split into any batches.
 * - A null key (a null in any key column, or a null dictionary value) encodes as `-1`
 *   (`NULL_CODE`). Null keys never equal each other or anything else: in a join they match
 *   nothing; an operator that groups nulls together must do so itself.
 * - State: the distinct keys ever seen (bytes / integers in typed-array hash tables) and,
 *   per dictionary seen, a translation table (dictionary index → code) cached by identity
 *   of the dictionary's `Data` (one cache entry per dictionary message of an IPC stream; a
 *   delta dictionary reuses the resolved prefix of the one before).
 *
 * Supported key column types: Utf8, LargeUtf8, Dictionary<any integer, Utf8 | LargeUtf8>
 * (all one kind: strings), Int8/16/32/64 and Uint8/16/32 (one kind: integers, compared by
 * value, so Int32 and Int64 columns can share a key space), Uint64 (its own kind: values
 * past 2^63 cannot be told from negative Int64s), and Bool.
 */
import {
  type Data,
  type DataType,
  type Dictionary,
  type Field,
  type RecordBatch,
  type Schema,
  Type,
  Vector,
} from 'apache-arrow';
import { ColumnTypeError, InvalidOptionError, MissingColumnError, SchemaChangeError } from '../errors';
import { bitmapBytes } from '../kernels/bitmap';
import {
  ByteKeyTable,
  IntKeyTable,
  NULL_CODE,
  TupleKeyTable,
  type Translation,
  UNRESOLVED,
  encodeBits,
  encodeBytes,
  encodeInt32,
  encodeInt64,
  encodePairs,
  encodeTranslated,
  encodeTuples,
  newTranslation,
} from '../kernels/keys';
import { decodeUtf8 } from '../kernels/utf8';
import { allocArray } from '../kernels/gather';
import { newData } from './take';

export { NULL_CODE } from '../kernels/keys';

/** The resolver given to `encodeTranslated` once a translation table is complete (never called). */
const RESOLVED = (k: number): number => {
  throw new Error(`internal: dictionary index ${k} resolved twice`);
};

/** A decoded key value. */
export type KeyValue = string | number | bigint | boolean | null;

/** The kinds of key values; columns can share a key space only when their kinds agree. */
export type KeyKind = 'string' | 'int' | 'uint64' | 'bool';

export const SUPPORTED_KEY_TYPES =
  'Utf8, LargeUtf8, Dictionary<integer, Utf8 | LargeUtf8>, Int8/16/32/64, Uint8/16/32/64 or Bool';

/** The key kind of a column type, or `undefined` when it cannot be a key. */
export function keyKindOf(type: DataType): KeyKind | undefined {
  switch (type.typeId as Type) {
    case Type.Utf8:
    case Type.LargeUtf8:
      return 'string';
    case Type.Dictionary: {
      const v = (type as Dictionary).dictionary.typeId as Type;
      return v === Type.Utf8 || v === Type.LargeUtf8 ? 'string' : undefined;
    }
    case Type.Int: {
      const t = type as unknown as { bitWidth: number; isSigned: boolean };
      return t.bitWidth === 64 && !t.isSigned ? 'uint64' : 'int';
    }
    case Type.Bool:
      return 'bool';
    default:
      return undefined;
  }
}

/** The distinct values of one key column position, shared by every encoder of a `KeyDictionary`. */
class KeySpace {
  readonly kind: KeyKind;
  readonly bytes: ByteKeyTable | null;
  readonly ints: IntKeyTable | null;
  /** Bool: code of false / true (UNRESOLVED until seen), and the value of each code. */
  readonly boolTable: Int32Array | null;
  readonly boolValues: boolean[] = [];
  /** Decoded strings by code, filled on demand. */
  private readonly strings: string[] = [];
  /** Translation tables by dictionary identity. */
  private readonly dictTables = new WeakMap<object, Translation>();
  private lastDictKey: object | null = null;
  private lastChunks: readonly Data[] = [];
  private lastTable: Translation | null = null;
  /** Direct tables for 8- and 16-bit integers, by `bitWidth * 2 + signed`. */
  private readonly small = new Map<number, Translation>();

  constructor(kind: KeyKind, tables?: { bytes: ByteKeyTable | null; ints: IntKeyTable | null }) {
    this.kind = kind;
    this.bytes = tables ? tables.bytes : kind === 'string' ? new ByteKeyTable(64) : null;
    this.ints = tables ? tables.ints : kind === 'int' || kind === 'uint64' ? new IntKeyTable(64) : null;
    this.boolTable = kind === 'bool' ? new Int32Array(2).fill(UNRESOLVED) : null;
  }

  get size(): number {
    return this.bytes ? this.bytes.size : this.ints ? this.ints.size : this.boolValues.length;
  }

  readonly resolveBool = (k: number): number => {
    this.boolValues.push(k === 1);
    return this.boolValues.length - 1;
  };

  /** The translation table (dictionary index → code) of a batch's dictionary. */
  dictionaryTable(dictionary: Vector): Translation {
    const chunks = dictionary.data;
    const key: object = chunks.length === 1 ? chunks[0] : dictionary;
    if (key === this.lastDictKey) return this.lastTable!;
    let table = this.dictTables.get(key);
    if (!table) {
      table = newTranslation(dictionary.length);
      // A delta dictionary (the previous chunks plus new ones): keep the resolved prefix.
      const prev = this.lastChunks;
      if (this.lastTable && prev.length < chunks.length && prev.every((c, i) => c === chunks[i])) {
        const before = this.lastTable;
        table.table.set(before.table);
        table.unresolved -= before.table.length - before.unresolved;
      }
      this.dictTables.set(key, table);
    }
    this.lastDictKey = key;
    this.lastChunks = chunks;
    this.lastTable = table;
    return table;
  }

  /** A resolver of dictionary index → code for a dictionary of strings. */
  dictionaryResolver(dictionary: Vector): (k: number) => number {
    const chunks = dictionary.data;
    const bytes = this.bytes!;
    const starts: number[] = [];
    let s = 0;
    for (const c of chunks) {
      starts.push(s);
      s += c.length;
    }
    return (k: number): number => {
      let ci = chunks.length - 1;
      while (starts[ci] > k) ci--;
      const d = chunks[ci];
      const i = k - starts[ci];
      if (d.nullCount > 0) {
        const p = d.offset + i;
        if (((d.nullBitmap[p >> 3] >> (p & 7)) & 1) === 0) return NULL_CODE;
      }
      if ((d.typeId as Type) === Type.LargeUtf8) {
        const o = d.valueOffsets as unknown as BigInt64Array;
        return bytes.findOrAdd(d.values as Uint8Array, Number(o[i]), Number(o[i + 1]));
      }
      const o = d.valueOffsets as Int32Array;
      return bytes.findOrAdd(d.values as Uint8Array, o[i], o[i + 1]);
    };
  }

  /** The direct table for 8/16-bit integers. */
  smallTable(bitWidth: number, signed: boolean): Translation {
    const id = bitWidth * 2 + (signed ? 1 : 0);
    let t = this.small.get(id);
    if (!t) {
      t = newTranslation(1 << bitWidth);
      this.small.set(id, t);
    }
    return t;
  }

  /**
   * A new space of the same kind holding only the values of codes `keep[0..n)`, in that
   * order (value `keep[i]` gets code `i`), with empty caches: no translation table of the
   * old codes survives into it.
   */
  subset(keep: Int32Array, n: number): KeySpace {
    const s = new KeySpace(this.kind, {
      bytes: this.bytes ? this.bytes.subset(keep, n) : null,
      ints: this.ints ? this.ints.subset(keep, n) : null,
    });
    if (this.boolTable) {
      for (let i = 0; i < n; i++) {
        const v = this.boolValues[keep[i]];
        s.boolValues.push(v);
        s.boolTable![v ? 1 : 0] = i;
      }
    }
    return s;
  }

  string(code: number): string {
    let s = this.strings[code];
    if (s === undefined) {
      const [a, b] = this.bytes!.range(code);
      s = this.strings[code] = decodeUtf8(this.bytes!.arena, a, b);
    }
    return s;
  }
}

/** Entries of a dictionary's encode cache (the most recent encodes into reusable buffers). */
const CACHE_ENTRIES = 4;

/**
 * The codes of a dictionary's most recent encodes into caller-given buffers, by identity of
 * the key columns' `Data`: when an encoder of the dictionary encodes the very same `Data`
 * again (a batch passed down a chain of keyed operators sharing the dictionary), it copies
 * the codes instead of encoding. Strong references in fixed arrays, a ring of a few
 * entries: nothing allocated per batch (a `WeakMap.set` per batch cost ~200 ns plus GC).
 *
 * An entry points into the buffer the codes were written to, typically another encoder's
 * reusable scratch buffer: every encode into a buffer first drops the entries whose codes
 * live in that buffer (`evict`), so an entry never outlives its codes. Codes written to a
 * fresh array (no `out` given) are the caller's to change, and never cached.
 * `KeyDictionary.compact` clears the cache (codes change).
 */
class EncodeCache {
  /** Per entry: the key columns (`width` of them), the row count and the codes (`null`: empty entry). */
  private readonly columns: Array<Array<Data | null>>;
  private readonly rows = new Int32Array(CACHE_ENTRIES);
  private readonly codes: Array<Int32Array | null> = new Array<Int32Array | null>(CACHE_ENTRIES).fill(null);
  private next = 0;
  /** Encodes answered from the cache (for tests). */
  hits = 0;

  constructor(private readonly width: number) {
    this.columns = Array.from({ length: CACHE_ENTRIES }, () => new Array<Data | null>(width).fill(null));
  }

  /** The cached codes of `columns` over `n` rows, or `null`. */
  find(columns: readonly Data[], n: number): Int32Array | null {
    const w = this.width;
    for (let e = 0; e < CACHE_ENTRIES; e++) {
      const codes = this.codes[e];
      if (codes === null || this.rows[e] !== n) continue;
      const cols = this.columns[e];
      let j = 0;
      while (j < w && cols[j] === columns[j]) j++;
      if (j === w) return codes;
    }
    return null;
  }

  /** Drops the entries whose codes live in `buffer` (about to be written). */
  evict(buffer: ArrayBufferLike): void {
    for (let e = 0; e < CACHE_ENTRIES; e++) {
      const codes = this.codes[e];
      if (codes !== null && codes.buffer === buffer) this.drop(e);
    }
  }

  /** Records `codes` (in a buffer the caller reuses) as the codes of `columns`, replacing the oldest entry. */
  add(columns: readonly Data[], n: number, codes: Int32Array): void {
    const e = this.next;
    this.next = e + 1 === CACHE_ENTRIES ? 0 : e + 1;
    const cols = this.columns[e];
    for (let j = 0; j < this.width; j++) cols[j] = columns[j];
    this.rows[e] = n;
    this.codes[e] = codes;
  }

  clear(): void {
    for (let e = 0; e < CACHE_ENTRIES; e++) this.drop(e);
  }

  private drop(e: number): void {
    this.codes[e] = null;
    this.columns[e].fill(null);
  }
}

/** Who bound a key dictionary first: for error messages. */
interface Binding {
  readonly input?: string;
  readonly fields: readonly Field[];
}

function describeColumn(f: Field, input?: string): string {
  return `'${f.name}' (${String(f.type)})${input !== undefined ? ` of input '${input}'` : ''}`;
}

/**
 * A key space: the mapping from key values to dense codes, shared by every `KeyEncoder`
 * given it, so that two inputs (the left and right of a join) encode into the same codes.
 * Its shape (number of key columns and their kinds) is set by the first encoder; later
 * encoders must have the same number of key columns (`InvalidOptionError`, option
 * `columns`) of compatible kinds (`ColumnTypeError` naming both columns): Utf8, LargeUtf8
 * and Dictionary<Utf8> go together, as do all integer types but Uint64.
 *
 * ## Sharing across operators, and the encode cache
 * Inside a replay or live run, the keyed operators whose output does not depend on the
 * numeric order of codes (`ffill`, `cumulative`, `rolling`, `ema`, `cutoff`, without
 * `expireAfter`) share one dictionary per key column names and kinds, from
 * `runKeyDictionary` (`src/time/run.ts`); it dies with the run. A key column passed down
 * the chain unchanged (the very same `Data` object, as zero-copy operators pass it) is then
 * encoded once: every encode into a caller-given `out` buffer is remembered (the last few,
 * by identity of the key columns' `Data` and the row count), and an encoder of the same
 * dictionary asked for the same columns copies those codes (`out.set`) instead of
 * encoding. The copy is exactly what encoding gives: codes never change once given (until
 * `compact`, which clears the cache), and the same `Data` holds the same keys (Arrow data
 * is immutable). The remembered codes live in the encoding caller's buffer: an encode into
 * a buffer forgets every entry in that buffer first, so a caller passing `out` must write
 * it only through `encode` (a fresh array, when no `out` is given, is never remembered).
 * The cache holds strong references to at most four batches' key columns and code buffers.
 * Sharing is not for operators that order their output by code (`lastByKey` snapshots,
 * `scanByKey`) nor for one that compacts (`expireAfter`): they keep their own dictionary.
 *
 * @example
 * const keys = new KeyDictionary();
 * const left = new KeyEncoder(quotes.schema, 'ticker', { input: 'left', keyDictionary: keys });
 * const right = new KeyEncoder(trades.schema, 'sym', { input: 'right', keyDictionary: keys });
 * left.encode(quotesBatch); right.encode(tradesBatch); // codes agree: 'AAPL' is one code on both sides
 */
export class KeyDictionary {
  /** @internal One space per key column position (empty until the first encoder binds). */
  _spaces: KeySpace[] = [];
  /** @internal Composite codes for two or more key columns. */
  _tuples: TupleKeyTable | null = null;
  /** @internal */
  _binding: Binding | null = null;
  /** @internal The codes of recent encodes, by identity of the key columns' `Data` (set when bound). */
  _cache: EncodeCache | null = null;

  /** Encodes answered from the encode cache so far (a copy instead of an encode). */
  get cacheHits(): number {
    return this._cache ? this._cache.hits : 0;
  }

  /** The number of distinct (non-null) keys seen so far. */
  get size(): number {
    if (this._tuples) return this._tuples.size;
    return this._spaces.length ? this._spaces[0].size : 0;
  }

  /** The number of key columns (0 until an encoder uses this dictionary). */
  get width(): number {
    return this._spaces.length;
  }

  /**
   * Forgets every key but the codes `keep[0..n)` (distinct, in any order): key `keep[i]`
   * gets code `i`. Returns the map from old codes to new ones (`-1`: forgotten), of length
   * the old `size`. Every encoder of this dictionary keeps working and encodes the kept
   * keys to their new codes; a forgotten key seen again gets a new code at the end, like
   * any new key. The value tables are rebuilt at the new size (memory is given back) and
   * every cached translation table (per dictionary vector, per small integer type) is
   * dropped, so no stale code survives. With several key columns, each column keeps only
   * the values used by kept keys. Call it between `encode`s, never during one. O(old size
   * + kept keys' bytes).
   *
   * @example
   * enc.encode(batch)             // 'A' → 0, 'B' → 1, 'C' → 2
   * keys.compact(Int32Array.of(2, 0)) // Int32Array [1, -1, 0]: 'C' → 0, 'A' → 1, 'B' forgotten
   */
  compact(keep: Int32Array, n: number = keep.length): Int32Array {
    const size = this.size;
    const map = new Int32Array(size).fill(-1);
    for (let i = 0; i < n; i++) {
      const c = keep[i];
      if (!(c >= 0 && c < size) || map[c] !== -1) {
        throw new InvalidOptionError('keep', `expected distinct codes below ${size}, got ${c} at position ${i}`);
      }
      map[c] = i;
    }
    if (this._spaces.length === 0) return map;
    // every cached code is an old code
    this._cache?.clear();
    const tuples = this._tuples;
    if (!tuples) {
      this._spaces = [this._spaces[0].subset(keep, n)];
      return map;
    }
    const w = tuples.width;
    const columnMaps: Int32Array[] = [];
    const spaces: KeySpace[] = [];
    for (let j = 0; j < w; j++) {
      const space = this._spaces[j];
      const cmap = new Int32Array(space.size).fill(-1);
      const ckeep = new Int32Array(n);
      let m = 0;
      for (let i = 0; i < n; i++) {
        const v = tuples.entries[keep[i] * w + j];
        if (cmap[v] < 0) {
          cmap[v] = m;
          ckeep[m++] = v;
        }
      }
      columnMaps.push(cmap);
      spaces.push(space.subset(ckeep, m));
    }
    this._tuples = tuples.subset(keep, n, columnMaps);
    this._spaces = spaces;
    return map;
  }

  /** @internal Checks an encoder's key columns against the shape, setting it on first use. */
  _bind(fields: readonly Field[], kinds: readonly KeyKind[], input?: string): void {
    const first = this._binding;
    if (!first) {
      this._spaces = kinds.map((k) => new KeySpace(k));
      this._tuples = kinds.length >= 2 ? new TupleKeyTable(kinds.length, 64) : null;
      this._cache = new EncodeCache(kinds.length);
      this._binding = { fields, ...(input !== undefined ? { input } : {}) };
      return;
    }
    if (kinds.length !== this._spaces.length) {
      throw new InvalidOptionError(
        'columns',
        `expected ${this._spaces.length} key column(s) like ${first.fields.map((f) => describeColumn(f, first.input)).join(', ')}, got ${kinds.length}`,
        input !== undefined ? { input } : {},
      );
    }
    for (let j = 0; j < kinds.length; j++) {
      if (kinds[j] !== this._spaces[j].kind) {
        const other = first.fields[j];
        throw new ColumnTypeError(
          `Incompatible key columns ${describeColumn(other, first.input)} and ${describeColumn(fields[j], input)}`,
          {
            ...(input !== undefined ? { input } : {}),
            column: fields[j].name,
            expected: `a key type compatible with ${String(other.type)} (column '${other.name}')`,
            actual: String(fields[j].type),
          },
        );
      }
    }
  }
}

export interface KeyEncoderOptions {
  /** The input named in errors (`'left'`, `'right'`, a driver input name). */
  input?: string;
  /** A key space shared with other encoders (default: a new one of this encoder's own). */
  keyDictionary?: KeyDictionary;
}

/**
 * Maps the key column(s) of each batch to dense `Int32Array` codes, stable across batches
 * (see the module comment for the rules). Resolves columns by name once, at construction;
 * per batch it dispatches on each key column's type once and runs one typed-array loop:
 * Utf8 bytes are hashed in place (no string per row), dictionary keys go through a
 * translation table (`codes[i] = table[keys[i]]`), integers through an open-addressing
 * table on typed arrays (8/16-bit ones through a direct table). With several key columns,
 * the per-column codes are combined into composite codes by a tuple hash table.
 *
 * Throws `MissingColumnError` (unknown column) and `ColumnTypeError` (unsupported type)
 * at construction; `SchemaChangeError` when a batch's schema moved or retyped a key column.
 *
 * @example
 * const enc = new KeyEncoder(batch.schema, ['ticker']);
 * enc.encode(batch)            // Int32Array [0, 1, 0, -1] for 'A', 'B', 'A', null
 * enc.size                     // 2
 * enc.decode(1)                // ['B']
 * enc.keyColumns()             // [Utf8 Data 'A', 'B'] (the key values of codes 0..size-1)
 */
export class KeyEncoder {
  /** The key column names. */
  readonly columns: readonly string[];
  /** Their positions in the schema. */
  readonly indices: readonly number[];
  /** Their fields (with the schema's type objects), for building output schemas. */
  readonly fields: readonly Field[];
  /** The key space (shared when given in the options). */
  readonly dictionary: KeyDictionary;
  readonly input: string | undefined;
  private readonly kinds: readonly KeyKind[];
  private scratch: Int32Array[] = [];
  /** The key columns of the batch being encoded (reused: no array per batch). */
  private readonly keyData: Data[];

  constructor(schema: Schema, columns: string | readonly string[], options: KeyEncoderOptions = {}) {
    const names = typeof columns === 'string' ? [columns] : [...columns];
    this.input = options.input;
    const where = this.input !== undefined ? { input: this.input } : {};
    if (names.length === 0) throw new InvalidOptionError('columns', 'expected at least one key column', where);
    const all = schema.fields.map((f) => f.name);
    const indices: number[] = [];
    const fields: Field[] = [];
    const kinds: KeyKind[] = [];
    for (const name of names) {
      const j = all.indexOf(name);
      if (j < 0) throw new MissingColumnError({ ...where, column: name }, all);
      const field = schema.fields[j];
      const kind = keyKindOf(field.type);
      if (!kind) {
        throw new ColumnTypeError('Unsupported key column type', {
          ...where,
          column: name,
          expected: SUPPORTED_KEY_TYPES,
          actual: String(field.type),
        });
      }
      indices.push(j);
      fields.push(field);
      kinds.push(kind);
    }
    this.columns = names;
    this.indices = indices;
    this.fields = fields;
    this.kinds = kinds;
    this.keyData = new Array<Data>(names.length);
    this.dictionary = options.keyDictionary ?? new KeyDictionary();
    this.dictionary._bind(fields, kinds, this.input);
  }

  /** The number of distinct (non-null) keys in the key space so far. */
  get size(): number {
    return this.dictionary.size;
  }

  /**
   * The code of each row of `batch`: `0..size-1`, or -1 for a null key. Writes into `out`
   * when it is long enough (the result is then `out.subarray(0, numRows)`). When an encoder
   * of this dictionary encoded the very same key column `Data` (and row count) recently
   * into a buffer still holding the codes, they are copied instead (see `KeyDictionary`):
   * write `out` only through `encode` while reusing it.
   */
  encode(batch: RecordBatch, out?: Int32Array): Int32Array {
    const fields = batch.schema.fields;
    const children = batch.data.children;
    const columns = this.keyData;
    for (let j = 0; j < this.indices.length; j++) {
      const at = this.indices[j];
      const f = fields[at];
      if (!f || f.name !== this.columns[j]) {
        throw new SchemaChangeError({
          ...(this.input !== undefined ? { input: this.input } : {}),
          column: this.columns[j],
          expected: `key column '${this.columns[j]}' at position ${at}`,
          actual: f ? `'${f.name}'` : `${fields.length} columns`,
        });
      }
      columns[j] = children[at];
    }
    return this.encodeData(columns, batch.numRows, out);
  }

  /**
   * The translation table (dictionary index → code) of `batch`'s key column, when encoding
   * it would be exactly `codes[i] = table[indices[i]]` for its Int32 dictionary indices
   * (`keyIndices`): one Dictionary key column, no null key in the batch, and every entry of
   * its dictionary already has a code. A caller can then read the codes through the table
   * in its own loop instead of writing them out. `null` otherwise (`encode` then, which
   * also gives codes to the entries still without one, and reports schema changes).
   */
  translation(batch: RecordBatch): Int32Array | null {
    if (this.kinds.length !== 1 || this.kinds[0] !== 'string') return null;
    const at = this.indices[0];
    const f = batch.schema.fields[at];
    const d = batch.data.children[at];
    if (f === undefined || f.name !== this.columns[0] || d.type.typeId !== Type.Dictionary || !(d.values instanceof Int32Array) || !d.dictionary) return null;
    if (d.nullBitmap !== undefined && d.nullBitmap.length > 0 && d.nullCount > 0) return null;
    const t = this.dictionary._spaces[0].dictionaryTable(d.dictionary);
    return t.unresolved === 0 ? t.table : null;
  }

  /** The Int32 dictionary indices of `batch`'s key column (row 0 first), when `translation` gave a table. */
  keyIndices(batch: RecordBatch): Int32Array {
    return batch.data.children[this.indices[0]].values as Int32Array;
  }

  /** `encode` over the key columns' `Data` directly (in the order of `columns`). */
  encodeData(columns: readonly Data[], n: number, out?: Int32Array): Int32Array {
    const reused = out !== undefined && out.length >= n;
    // (a new array from the small-array slab: a plain `new Int32Array(n)` costs ~0.6 µs at a few hundred rows)
    const codes = reused ? out.subarray(0, n) : allocArray(Int32Array, n);
    if (n === 0) return codes;
    const cache = this.dictionary._cache!;
    const cached = cache.find(columns, n);
    if (cached !== null) {
      cache.hits++;
      if (cached.buffer === codes.buffer && cached.byteOffset === codes.byteOffset) return codes; // already there
      codes.set(cached); // correct even from the same buffer (`set` copies the source first then)
      if (reused) {
        // the entries in the buffer written are stale; the one copied stays unless it lived there
        const moved = cached.buffer === codes.buffer;
        cache.evict(codes.buffer);
        if (moved) cache.add(columns, n, codes);
      }
      return codes;
    }
    if (reused) cache.evict(codes.buffer);
    this.encodeColumns(columns, n, codes);
    if (reused) cache.add(columns, n, codes);
    return codes;
  }

  private encodeColumns(columns: readonly Data[], n: number, codes: Int32Array): void {
    const w = this.kinds.length;
    if (w === 1) {
      this.encodeColumn(0, columns[0], n, codes);
      return;
    }
    for (let j = 0; j < w; j++) {
      if (!this.scratch[j] || this.scratch[j].length < n) this.scratch[j] = new Int32Array(Math.max(n, 1024));
      this.encodeColumn(j, columns[j], n, this.scratch[j]);
    }
    const tuples = this.dictionary._tuples!;
    if (w === 2) encodePairs(this.scratch[0], this.scratch[1], n, tuples, codes);
    else encodeTuples(this.scratch.slice(0, w), n, tuples, codes);
  }

  private encodeColumn(j: number, d: Data, n: number, out: Int32Array): void {
    const space = this.dictionary._spaces[j];
    const type = d.type;
    if (keyKindOf(type) !== space.kind) {
      throw new SchemaChangeError({
        ...(this.input !== undefined ? { input: this.input } : {}),
        column: this.columns[j],
        expected: `a ${space.kind} key like ${String(this.fields[j].type)}`,
        actual: String(type),
      });
    }
    const validity = d.nullCount === 0 ? null : d.nullBitmap;
    const vOff = d.offset;
    switch (type.typeId as Type) {
      case Type.Utf8:
        encodeBytes(d.valueOffsets as Int32Array, 1, d.values as Uint8Array, validity, vOff, n, space.bytes!, out);
        return;
      case Type.LargeUtf8: {
        const o = d.valueOffsets as unknown as BigInt64Array;
        if (n > 0 && o[n] > 0x7fffffffn) {
          throw new ColumnTypeError('LargeUtf8 key column over 2 GiB', { column: this.columns[j], actual: `${o[n]} bytes` });
        }
        const words = new Int32Array(o.buffer, o.byteOffset, (n + 1) * 2);
        encodeBytes(words, 2, d.values as Uint8Array, validity, vOff, n, space.bytes!, out);
        return;
      }
      case Type.Dictionary: {
        const dictionary = d.dictionary!;
        const table = space.dictionaryTable(dictionary);
        let keys = d.values as ArrayLike<number>;
        if (keys instanceof BigInt64Array || keys instanceof BigUint64Array) keys = Int32Array.from(keys.subarray(0, n), Number);
        // the resolver (a closure over the dictionary's chunks) only while entries are unresolved
        encodeTranslated(keys, 0, table, table.unresolved > 0 ? space.dictionaryResolver(dictionary) : RESOLVED, validity, vOff, n, out);
        return;
      }
      case Type.Int: {
        const { bitWidth, isSigned } = type as unknown as { bitWidth: number; isSigned: boolean };
        const ints = space.ints!;
        if (bitWidth <= 16) {
          const bias = isSigned ? 1 << (bitWidth - 1) : 0;
          const table = space.smallTable(bitWidth, isSigned);
          const resolve =
            table.unresolved > 0
              ? (k: number): number => {
                  const v = k - bias;
                  return ints.findOrAdd(v, v >> 31);
                }
              : RESOLVED;
          encodeTranslated(d.values as ArrayLike<number>, bias, table, resolve, validity, vOff, n, out);
        } else if (bitWidth === 32) {
          encodeInt32(d.values as ArrayLike<number>, !isSigned, validity, vOff, n, ints, out);
        } else {
          const v = d.values as unknown as BigInt64Array;
          encodeInt64(new Int32Array(v.buffer, v.byteOffset, n * 2), validity, vOff, n, ints, out);
        }
        return;
      }
      case Type.Bool:
        encodeBits(d.values as Uint8Array, d.offset, space.boolTable!, space.resolveBool, validity, n, out);
        return;
      default:
        throw new ColumnTypeError('Unsupported key column type', { column: this.columns[j], actual: String(type) });
    }
  }

  /** The per-column code of composite `code` for key column `j`. */
  private columnCode(code: number, j: number): number {
    if (code < 0) return NULL_CODE;
    const tuples = this.dictionary._tuples;
    return tuples ? tuples.entries[code * tuples.width + j] : code;
  }

  /**
   * The key values of `code`, one per key column (as this encoder's column types: strings,
   * numbers, bigints for 64-bit integers, booleans). `-1` decodes to nulls.
   */
  decode(code: number): KeyValue[] {
    if (code >= this.size || code < NULL_CODE || !Number.isInteger(code)) {
      throw new InvalidOptionError('code', `expected -1 or a code below ${this.size}, got ${code}`);
    }
    return this.fields.map((f, j) => {
      const c = this.columnCode(code, j);
      if (c < 0) return null;
      const space = this.dictionary._spaces[j];
      switch (space.kind) {
        case 'string':
          return space.string(c);
        case 'bool':
          return space.boolValues[c];
        case 'uint64':
          return BigInt.asUintN(64, space.ints!.bigintOf(c));
        default:
          return (f.type as unknown as { bitWidth: number }).bitWidth === 64 ? space.ints!.bigintOf(c) : space.ints!.numberOf(c);
      }
    });
  }

  /**
   * Arrow `Data` of the key values of `codes` (default: every code `0..size-1`; or a
   * `{ start, end }` range of codes), one per key column, with this encoder's field types
   * (a Dictionary column gets a dictionary of just the values present, in order of first
   * appearance in `codes`). A `-1` code gives nulls. Built from the stored bytes/integers:
   * no string decoding. Throws `ColumnTypeError` when a value cannot be held by the column
   * type (an Int64 value of a shared key space asked for through an Int32 column).
   */
  keyColumns(codes?: Int32Array | { start: number; end: number }): Data[] {
    let list: Int32Array;
    if (codes instanceof Int32Array) list = codes;
    else {
      const start = codes?.start ?? 0;
      const end = codes?.end ?? this.size;
      list = new Int32Array(Math.max(0, end - start));
      for (let i = 0; i < list.length; i++) list[i] = start + i;
    }
    const n = list.length;
    for (let i = 0; i < n; i++) {
      if (list[i] >= this.size || list[i] < NULL_CODE) {
        throw new InvalidOptionError('codes', `expected -1 or codes below ${this.size}, got ${list[i]} at position ${i}`);
      }
    }
    return this.fields.map((f, j) => {
      let col = list;
      if (this.dictionary._tuples) {
        col = new Int32Array(n);
        for (let i = 0; i < n; i++) col[i] = this.columnCode(list[i], j);
      }
      return buildKeyColumn(f, this.dictionary._spaces[j], col);
    });
  }
}

/** Validity of per-column codes (`-1` = null). */
function validityOf(codes: Int32Array): { bitmap: Uint8Array | null; nulls: number } {
  const n = codes.length;
  let nulls = 0;
  for (let i = 0; i < n; i++) if (codes[i] < 0) nulls++;
  if (nulls === 0) return { bitmap: null, nulls };
  const bitmap = new Uint8Array(bitmapBytes(n));
  for (let i = 0; i < n; i++) if (codes[i] >= 0) bitmap[i >> 3] |= 1 << (i & 7);
  return { bitmap, nulls };
}

function buildStrings(type: DataType, bytes: ByteKeyTable, codes: Int32Array): Data {
  const n = codes.length;
  const { bitmap, nulls } = validityOf(codes);
  const starts = bytes.starts;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const c = codes[i];
    if (c >= 0) total += starts[c + 1] - starts[c];
  }
  const large = (type.typeId as Type) === Type.LargeUtf8;
  const offsets = large ? new BigInt64Array(n + 1) : new Int32Array(n + 1);
  const out = new Uint8Array(total);
  const arena = bytes.arena;
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const c = codes[i];
    if (c >= 0) {
      const s = starts[c];
      const len = starts[c + 1] - s;
      out.set(arena.subarray(s, s + len), pos);
      pos += len;
    }
    offsets[i + 1] = large ? BigInt(pos) : (pos as never);
  }
  return newData(type, n, nulls, bitmap, out, offsets);
}

function keyOverflow(field: Field, value: string): ColumnTypeError {
  return new ColumnTypeError('Key value does not fit the key column type', {
    column: field.name,
    expected: `a value of ${String(field.type)}`,
    actual: value,
  });
}

function buildKeyColumn(field: Field, space: KeySpace, codes: Int32Array): Data {
  const type = field.type as DataType;
  const n = codes.length;
  switch (type.typeId as Type) {
    case Type.Utf8:
    case Type.LargeUtf8:
      return buildStrings(type, space.bytes!, codes);
    case Type.Dictionary: {
      const dict = type as Dictionary;
      const local = new Int32Array(space.size).fill(-1);
      const entries: number[] = [];
      const keys = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const c = codes[i];
        if (c < 0) continue;
        let k = local[c];
        if (k < 0) {
          k = local[c] = entries.length;
          entries.push(c);
        }
        keys[i] = k;
      }
      const { bitWidth, isSigned } = dict.indices as unknown as { bitWidth: number; isSigned: boolean };
      if (bitWidth < 53 && entries.length - 1 > 2 ** (isSigned ? bitWidth - 1 : bitWidth) - 1) {
        throw keyOverflow(field, `${entries.length} distinct values`);
      }
      const values = buildStrings(dict.dictionary, space.bytes!, Int32Array.from(entries));
      const Keys = dict.indices.ArrayType as unknown as new (n: number) => Int32Array | BigInt64Array;
      const out = new Keys(n);
      if (out instanceof BigInt64Array || out instanceof BigUint64Array) for (let i = 0; i < n; i++) out[i] = BigInt(keys[i]);
      else out.set(keys);
      const { bitmap, nulls } = validityOf(codes);
      return newData(type, n, nulls, bitmap, out, undefined, undefined, new Vector([values]));
    }
    case Type.Int: {
      const ints = space.ints!;
      const { bitWidth, isSigned } = type as unknown as { bitWidth: number; isSigned: boolean };
      const { bitmap, nulls } = validityOf(codes);
      if (bitWidth === 64) {
        const out = isSigned ? new BigInt64Array(n) : new BigUint64Array(n);
        const words = new Int32Array(out.buffer);
        for (let i = 0; i < n; i++) {
          const c = codes[i];
          if (c < 0) continue;
          words[2 * i] = ints.lo[c];
          words[2 * i + 1] = ints.hi[c];
        }
        return newData(type, n, nulls, bitmap, out);
      }
      const min = isSigned ? -(2 ** (bitWidth - 1)) : 0;
      const max = isSigned ? 2 ** (bitWidth - 1) - 1 : 2 ** bitWidth - 1;
      const out = new (type.ArrayType as new (n: number) => Int32Array)(n);
      for (let i = 0; i < n; i++) {
        const c = codes[i];
        if (c < 0) continue;
        const v = ints.numberOf(c);
        if (v < min || v > max) throw keyOverflow(field, String(ints.bigintOf(c)));
        out[i] = v;
      }
      return newData(type, n, nulls, bitmap, out);
    }
    case Type.Bool: {
      const { bitmap, nulls } = validityOf(codes);
      const out = new Uint8Array(bitmapBytes(n));
      for (let i = 0; i < n; i++) {
        const c = codes[i];
        if (c >= 0 && space.boolValues[c]) out[i >> 3] |= 1 << (i & 7);
      }
      return newData(type, n, nulls, bitmap, out);
    }
    default:
      throw new ColumnTypeError('Unsupported key column type', { column: field.name, actual: String(type) });
  }
}
