import type { OperatorFunction } from 'rxjs';
import {
  Bool,
  type Data,
  type DataType,
  Field,
  Float32,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  type RecordBatch,
  type Schema,
  Type,
  Uint8,
  Uint16,
  Uint32,
  Uint64,
} from 'apache-arrow';
import { InvalidOptionError } from '../src/errors';
import { recordBatch, schemaWith, structData } from '../src/batch/build';
import { isFixedWidth, newData } from '../src/batch/take';
import { StreamValidator } from '../src/batch/validate';
import { bitmapBytes } from '../src/kernels/bitmap';
import type { DurationLike } from '../src/time/duration';
import { currentRun } from '../src/time/run';
import { operate } from './internal/operate';
import { type KeyedArrays, type StateArray, growArray, remapArray } from './internal/keyed';
import { KeyedStore, keyList } from './internal/keyed-store';

/** The value types of state arrays and output columns. `'bool'` is one byte (0/1) per slot or row. */
export type ScanType = 'float64' | 'float32' | 'int8' | 'int16' | 'int32' | 'int64' | 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'bool';

/** The typed array of a `ScanType`. */
export type ScanArray<T extends ScanType> = T extends 'float64'
  ? Float64Array
  : T extends 'float32'
    ? Float32Array
    : T extends 'int8'
      ? Int8Array
      : T extends 'int16'
        ? Int16Array
        : T extends 'int32'
          ? Int32Array
          : T extends 'int64'
            ? BigInt64Array
            : T extends 'uint8' | 'bool'
              ? Uint8Array
              : T extends 'uint16'
                ? Uint16Array
                : T extends 'uint32'
                  ? Uint32Array
                  : BigUint64Array;

/** One input column as the reducer sees it: Arrow's buffers, no copy. */
export interface ScanColumn {
  /** The column's type. */
  readonly type: DataType;
  /**
   * The values, row `i` at `values[i]` (re-based for slices: index from 0): numbers,
   * times (`BigInt64Array` in the column's unit), dictionary indices. For a Bool column,
   * the bit-packed bits: row `i` is bit `offset + i`. (Columns of several elements per row
 * — decimals, intervals, fixed-size binary — and variable-width ones are not offered.)
   */
  readonly values: StateArray;
  /** The validity bitmap (row `i` valid when bit `offset + i` is set), or `null` when the column has no nulls. */
  readonly validity: Uint8Array | null;
  /** The bit offset of row 0 in `validity` (and in Bool `values`). */
  readonly offset: number;
}

/** Whether row `i` of `column` is valid (not null). */
export function isValid(column: ScanColumn, i: number): boolean {
  if (column.validity === null) return true;
  const p = column.offset + i;
  return ((column.validity[p >> 3] >> (p & 7)) & 1) === 1;
}

/** What `reduce` gets for each batch. */
export interface ScanContext<S extends Record<string, ScanType>, O extends Record<string, ScanType>> {
  /** The number of rows. */
  readonly n: number;
  /** The state slot of each row's key (0: the null-key group). Index `state` arrays with it. */
  readonly slots: Int32Array;
  /** Each row's time, epoch nanoseconds. */
  readonly time: BigInt64Array;
  /** The input's fixed-width and Bool columns, by name. */
  readonly columns: Readonly<Record<string, ScanColumn>>;
  /** The declared state arrays, one value per slot (read and write them; valid for this call only: weir grows and compacts them). */
  readonly state: { readonly [K in keyof S]: ScanArray<S[K]> };
  /** The output columns to fill, one value per row (zero-filled). */
  readonly out: { readonly [K in keyof O]: ScanArray<O[K]> };
  /** Per output column, one byte per row: set 0 to make that row's value null (all 1 at first). */
  readonly valid: { readonly [K in keyof O]: Uint8Array };
}

export interface ScanByKeyOptions<S extends Record<string, ScanType>, O extends Record<string, ScanType>> {
  /** The key column(s) (Utf8, Dictionary<Utf8>, integers, Bool). Required. */
  by: string | readonly string[];
  /** The time column. Default: the run's time column (`'ts'` outside a run). */
  on?: string;
  /** The per-key state: typed arrays by slot, declared by name and type. */
  state: S;
  /** The initial value of each state array for a new (or expired and returning) key. Default 0. */
  init?: { readonly [K in keyof S]?: number | bigint };
  /** The output columns, by name and type (appended; one of an input column's name replaces it in place). */
  columns: O;
  /** The reducer: reads the batch's columns and the state, writes the state and the output columns. Called once per batch. */
  reduce: (ctx: ScanContext<S, O>) => void;
  /** Forget a key not seen for more than this much event time: its state starts again from `init`. Default: never. */
  expireAfter?: DurationLike;
  /** Called after each batch in which keys expired, with their number. */
  onExpire?: (count: number) => void;
}

interface TypeInfo {
  readonly ctor: new (n: number) => StateArray;
  readonly arrow: () => DataType;
}

const TYPES: Record<ScanType, TypeInfo> = {
  float64: { ctor: Float64Array, arrow: () => new Float64() },
  float32: { ctor: Float32Array, arrow: () => new Float32() },
  int8: { ctor: Int8Array, arrow: () => new Int8() },
  int16: { ctor: Int16Array, arrow: () => new Int16() },
  int32: { ctor: Int32Array, arrow: () => new Int32() },
  int64: { ctor: BigInt64Array, arrow: () => new Int64() },
  uint8: { ctor: Uint8Array, arrow: () => new Uint8() },
  uint16: { ctor: Uint16Array, arrow: () => new Uint16() },
  uint32: { ctor: Uint32Array, arrow: () => new Uint32() },
  uint64: { ctor: BigUint64Array, arrow: () => new Uint64() },
  bool: { ctor: Uint8Array, arrow: () => new Bool() },
};

function typeInfo(option: string, name: string, t: unknown): TypeInfo {
  const info = typeof t === 'string' ? TYPES[t as ScanType] : undefined;
  if (!info) throw new InvalidOptionError(option, `'${name}': expected one of ${Object.keys(TYPES).join(', ')}, got ${String(t)}`);
  return info;
}

/** The declared state: one typed array per name, by slot, grown with the initial values and compacted on expiry. */
class ScanState implements KeyedArrays {
  readonly arrays: StateArray[];
  constructor(
    infos: readonly TypeInfo[],
    private readonly fills: readonly (number | bigint | undefined)[],
  ) {
    this.arrays = infos.map((i) => new i.ctor(0));
  }
  grow(slots: number): void {
    for (let j = 0; j < this.arrays.length; j++) {
      const a = this.arrays[j];
      const fill = this.fills[j];
      const next = growArray(a, slots, 1, fill);
      if (a.length === 0 && fill !== undefined) next.fill(fill as never);
      this.arrays[j] = next;
    }
  }
  remap(map: Int32Array, slots: number): void {
    for (let j = 0; j < this.arrays.length; j++) remapArray(this.arrays[j], map, slots, 1, this.fills[j]);
  }
}

/** Per input schema: the output schema and the input columns the reducer sees. */
interface Plan {
  readonly schema: Schema;
  /** Per output field: the output column index (`-1`: an input column passed through) and the input column index. */
  readonly sources: readonly { readonly out: number; readonly input: number }[];
  readonly visible: readonly { readonly name: string; readonly index: number; readonly bool: boolean }[];
}

/**
 * A per-key running computation written by you on typed arrays, for what the built-in
 * keyed operators do not cover: once per batch, `reduce` gets the rows' state slots, the
 * input columns (Arrow's buffers), the state arrays you declared (one value per key) and
 * the output columns to fill (one value per row). weir encodes the keys, grows the state
 * for new keys, compacts it when keys expire, and builds the output batch.
 *
 * ```text
 * source: --a------b--|     a = {ts: [1, 2, 3], k: ['x', 'y', 'x'], px: [10, 5, 8]}
 *                           b = {ts: [4], k: ['x'], px: [12]}
 * scanByKey({ by: 'k', state: { peak: 'float64' }, init: { peak: -Infinity },
 *             columns: { dd: 'float64' }, reduce: maxDrawdown })
 * result: --c------d--|     c = {ts: [1, 2, 3], k: ['x', 'y', 'x'], px: [10, 5, 8], dd: [0, 0, -0.2]}
 *                           d = {ts: [4], k: ['x'], px: [12], dd: [0]}
 * ```
 *
 * @example
 * // per ticker: the drawdown from the running peak price
 * trades$.pipe(scanByKey({
 *   by: 'ticker',
 *   state: { peak: 'float64' },
 *   init: { peak: -Infinity },
 *   columns: { drawdown: 'float64' },
 *   reduce({ n, slots, columns, state: { peak }, out: { drawdown }, valid }) {
 *     const px = columns.px;
 *     const v = px.values as Float64Array;
 *     for (let i = 0; i < n; i++) {
 *       if (!isValid(px, i)) { valid.drawdown[i] = 0; continue; }   // null price: null drawdown
 *       const s = slots[i];
 *       if (v[i] > peak[s]) peak[s] = v[i];
 *       drawdown[i] = v[i] / peak[s] - 1;
 *     }
 *   },
 * }))
 *
 * **The contract.** `reduce(ctx)` is called once per input batch (also for an empty one:
 * `n = 0`) with `ctx` = `{ n, slots, time, columns, state, out, valid }` (see
 * `ScanContext`). Process rows `0..n)` in order (rows of one key are in event-time
 * order). Index `state` arrays by `slots[i]`; they are valid for this call only (weir
 * reallocates them as keys arrive and compacts them on expiry, so do not keep them).
 * Write every output row (`out` is zero-filled; set `valid.name[i] = 0` for a null). Do
 * not keep `columns` buffers after the call either (they belong to the input batch). A
 * throw becomes the stream's error. The output is then the same for any batch split, cycle,
 * and replay vs live, as long as the reducer's result for a row depends only on that row,
 * the rows of its key before it, and the state.
 *
 * **Input schema**: a time column (`on`), sorted (ties allowed), without nulls; key columns
 * `by` of a key type. The reducer sees the fixed-width columns (numbers, times, decimals,
 * dictionary indices) and Bool ones in `columns`.
 *
 * **Output schema**: the input columns, then the declared output columns (nullable; an
 * input column of the same name is replaced in place), built once per input schema.
 * Rows: the input rows, in input order.
 *
 * **Nulls**: null keys form one group (slot 0); null values are the reducer's business
 * (`isValid(column, i)`).
 *
 * **Equal timestamps**: rows are processed in stream order.
 *
 * **State and memory growth**: the declared arrays, one value per key ever seen; with
 * `expireAfter`, per key seen within that much event time (a returning key starts from
 * `init`; see `docs/keyed-state.md`).
 *
 * **Cost per batch**: O(rows) to encode keys, then the reducer; the output columns are
 * allocated once per batch, input columns are passed through zero-copy.
 */
export function scanByKey<S extends Record<string, ScanType>, O extends Record<string, ScanType>>(
  options: ScanByKeyOptions<S, O>,
): OperatorFunction<RecordBatch, RecordBatch> {
  if (!options || typeof options !== 'object') throw new InvalidOptionError('by', 'scanByKey needs options');
  const by = keyList(options.by);
  if (by.length === 0) throw new InvalidOptionError('by', 'scanByKey needs at least one key column');
  if (typeof options.reduce !== 'function') throw new InvalidOptionError('reduce', `expected a function, got ${typeof options.reduce}`);
  if (!options.state || typeof options.state !== 'object') throw new InvalidOptionError('state', 'expected an object of state array types');
  if (!options.columns || typeof options.columns !== 'object') throw new InvalidOptionError('columns', 'expected an object of output column types');
  const stateNames = Object.keys(options.state);
  const stateInfos = stateNames.map((k) => typeInfo('state', k, options.state[k]));
  const init = options.init ?? {};
  for (const k of Object.keys(init)) {
    if (!stateNames.includes(k)) throw new InvalidOptionError('init', `'${k}' is not a declared state array (${stateNames.join(', ')})`);
  }
  const fills = stateNames.map((k, j) => {
    const v = (init as Record<string, number | bigint | undefined>)[k];
    if (v === undefined) return undefined;
    const big = stateInfos[j].ctor === BigInt64Array || stateInfos[j].ctor === BigUint64Array;
    if (big !== (typeof v === 'bigint')) throw new InvalidOptionError('init', `'${k}': expected a ${big ? 'bigint' : 'number'}, got ${typeof v}`);
    return v;
  });
  const outNames = Object.keys(options.columns);
  if (outNames.length === 0) throw new InvalidOptionError('columns', 'expected at least one output column');
  const outTypes = outNames.map((k) => options.columns[k]);
  const outInfos = outNames.map((k) => typeInfo('columns', k, options.columns[k]));
  const outFields = outNames.map((k, j) => new Field(k, outInfos[j].arrow(), true));
  new KeyedStore(by, options.expireAfter !== undefined ? { expireAfter: options.expireAfter } : {}); // checks expireAfter now
  const reduce = options.reduce;

  return operate<RecordBatch, RecordBatch>((source, subscriber) => {
    const on = options.on ?? currentRun()?.time ?? 'ts';
    const validator = new StreamValidator('source', on);
    const store = new KeyedStore(by, {
      input: 'source',
      ...(options.expireAfter !== undefined ? { expireAfter: options.expireAfter } : {}),
      ...(options.onExpire !== undefined ? { onExpire: options.onExpire } : {}),
    });
    const state = new ScanState(stateInfos, fills);
    store.register(state);
    let plan: Plan | undefined;

    const apply = (batch: RecordBatch, times: BigInt64Array): RecordBatch => {
      plan ??= planFor(batch, outFields);
      const n = batch.numRows;
      const slots = store.encode(batch, times);
      const children = batch.data.children;
      const columns: Record<string, ScanColumn> = {};
      for (const c of plan.visible) {
        const d = children[c.index];
        const bits = d.nullCount === 0 ? null : (d.nullBitmap as Uint8Array);
        columns[c.name] = { type: d.type, values: d.values as StateArray, validity: bits, offset: d.offset };
      }
      const stateArrays: Record<string, StateArray> = {};
      for (let j = 0; j < stateNames.length; j++) stateArrays[stateNames[j]] = state.arrays[j];
      const out: Record<string, StateArray> = {};
      const valid: Record<string, Uint8Array> = {};
      const outArrays: StateArray[] = [];
      const validArrays: Uint8Array[] = [];
      for (let j = 0; j < outNames.length; j++) {
        const a = new outInfos[j].ctor(n);
        const v = new Uint8Array(n).fill(1);
        out[outNames[j]] = a;
        valid[outNames[j]] = v;
        outArrays.push(a);
        validArrays.push(v);
      }
      reduce({ n, slots, time: times, columns, state: stateArrays, out, valid } as unknown as ScanContext<S, O>);
      store.endBatch();
      const made = outArrays.map((a, j) => outputData(outFields[j].type, outTypes[j] === 'bool', a, validArrays[j], n));
      const data = plan.sources.map((s) => (s.out >= 0 ? made[s.out] : children[s.input]));
      return recordBatch(plan.schema, structData(plan.schema, data, n));
    };

    return source.subscribe({
      next(batch) {
        let out: RecordBatch;
        try {
          const times = validator.check(batch);
          out = apply(batch, times);
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

function planFor(first: RecordBatch, outFields: readonly Field[]): Plan {
  const input = first.schema;
  const schema = schemaWith(input, outFields);
  const sources = schema.fields.map((f) => {
    const o = outFields.findIndex((g) => g.name === f.name);
    return { out: o, input: o >= 0 ? -1 : input.fields.findIndex((g) => g.name === f.name) };
  });
  const visible = input.fields
    .map((f, index) => ({
      name: f.name,
      index,
      bool: (f.type.typeId as Type) === Type.Bool,
      // one element per row (not decimals, intervals, fixed-size binary)
      fixed: isFixedWidth(f.type.typeId as Type) && first.data.children[index].stride === 1,
    }))
    .filter((c) => c.fixed || c.bool)
    .map(({ name, index, bool }) => ({ name, index, bool }));
  return { schema, sources, visible };
}

/** An output column from the reducer's array and byte-per-row validity. */
function outputData(type: DataType, bool: boolean, values: StateArray, valid: Uint8Array, n: number): Data {
  let nulls = 0;
  for (let i = 0; i < n; i++) nulls += valid[i] === 0 ? 1 : 0;
  let bitmap: Uint8Array | null = null;
  if (nulls > 0) {
    bitmap = new Uint8Array(bitmapBytes(n));
    for (let i = 0; i < n; i++) if (valid[i] !== 0) bitmap[i >> 3] |= 1 << (i & 7);
  }
  if (bool) {
    const bits = new Uint8Array(bitmapBytes(n));
    for (let i = 0; i < n; i++) if (values[i] !== 0) bits[i >> 3] |= 1 << (i & 7);
    return newData(type, n, nulls, bitmap, bits);
  }
  return newData(type, n, nulls, bitmap, values);
}
