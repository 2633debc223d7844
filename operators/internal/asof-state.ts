/**
 * The as-of join's per-key state for right columns of fixed-width types: per column, the
 * value of each key's latest right row in a growable typed array indexed by key code, and
 * its validity (one byte per key). Output columns are gathered from two sources (this
 * state and the released right rows) without concatenating them, and a release updates
 * only the keys whose latest row changed.
 */
import type { Data, DataType, RecordBatch, Schema, Vector } from 'apache-arrow';
import { recordBatch, structData } from '../../src/batch/build';
import { isFixedWidth, newData } from '../../src/batch/take';
import { bitmapBytes } from '../../src/kernels/bitmap';
import { type FixedArray, type FixedArrayConstructor, allocArray, gatherFixed } from '../../src/kernels/gather';
import {
  type AsofBackwardColumns,
  type AsofColumnArrays,
  asofBackwardColumns,
  HAS_ROW,
  MASK_COLUMNS,
  asofValidity,
  latestChanges,
  scatterFixed,
  scatterValidity,
  splitMatches,
} from '../../src/kernels/asof';

interface StateColumn {
  readonly type: DataType;
  readonly stride: number;
  readonly ctor: FixedArrayConstructor;
  /** The dictionary of a Dictionary column (every right batch must share it), else `undefined`. */
  readonly dictionary: Vector | undefined;
  /** `stride` values per key code. */
  values: FixedArray;
  /** One byte per key code: 1 when the key's latest row has a value. */
  valid: Uint8Array;
}

const EMPTY = new Int32Array(0);

/**
 * The validity bitmap of a column (`null` when it has none). Not `nullCount`: on a slice
 * that counts the bits of the range, once per slice, and every release is a new slice.
 */
function bitsOf(d: Data): Uint8Array | null {
  const bits = d.nullBitmap as Uint8Array | undefined;
  return bits !== undefined && bits.length > 0 ? bits : null;
}

/** Whether two dictionaries are the same vector (or hold the same chunks). */
function sameDictionary(a: Vector | undefined, b: Vector | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  const x = a.data;
  const y = b.data;
  return x.length === y.length && x.every((c, i) => c === y[i]);
}

export class AsofState {
  private readonly columns: StateColumn[];
  private capacity = 0;
  private stateIdx = EMPTY;
  private rightIdx = EMPTY;
  private dst = EMPTY;
  private src = EMPTY;
  /**
   * The fused walks when every column has one element per row, else `undefined`: by
   * `allowExact` (exact matches: +1) and reading right key codes through a dictionary's
   * translation table (+2) and checking a tolerance (+4), each looked up on first use.
   */
  private fused: (AsofBackwardColumns | undefined)[] | undefined;
  /** The fill flags of the fused walks. */
  private fill: readonly boolean[] = [];
  /** Its per-column arrays (reused: updated in place before each walk). */
  private readonly arrays: AsofColumnArrays[];
  private readonly nulls: Int32Array;
  private readonly outNulls: Int32Array;
  /**
   * The fused walk's mask byte per key code (`HAS_ROW`: the key has a latest right row;
   * bit `k < MASK_COLUMNS`: column `k`'s value is valid; later columns use their `valid`).
   */
  private mask = new Uint8Array(0);
  /** Whether the fused walk ran (the state then lives in `mask`, not in `latest` and the first columns' `valid`). */
  private walked = false;

  private constructor(columns: StateColumn[]) {
    this.columns = columns;
    this.setFill([]);
    this.arrays = columns.map((c) => ({
      state: c.values,
      stateValid: c.valid,
      right: c.values,
      rightBits: null,
      rightOffset: 0,
      out: c.values,
      outBits: c.valid,
    }));
    this.nulls = new Int32Array(columns.length);
    this.outNulls = new Int32Array(columns.length);
  }

  /**
   * From now on, a null right row of column `j` with `fill[j]` leaves the key's value as
   * it is (see `asofBackwardColumns`' `fillNulls`): the state of the right rows
   * forward-filled per key. Only for the fused walk (`fusable`), before the first walk.
   */
  fillNulls(fill: readonly boolean[]): void {
    if (this.fused === undefined) throw new Error('AsofState.fillNulls: the state is not fusable');
    this.setFill(fill);
  }

  private setFill(fill: readonly boolean[]): void {
    this.fill = fill;
    this.fused = this.columns.every((c) => c.stride === 1) ? new Array<AsofBackwardColumns | undefined>(8).fill(undefined) : undefined;
  }

  /** Whether `begin`/`walkPart`/`finish` can be used (every column has one element per row). */
  get fusable(): boolean {
    return this.fused !== undefined;
  }

  /**
   * The backward join of released rows through the state (see `asofBackwardColumns`;
   * requires `fusable` and `grow` for every code): `begin(nl)`, then `walkPart` once per
   * batch of released right rows (each setting `match` (the key code, or -1) for its left
   * rows and updating the state, `latest` (`latest[code] = code`) and `latestTime`), then
   * `finish(nl)` gives the right columns of the output.
   *
   * `begin` starts an output of `nl` rows (zero-filled arrays; none for 0 rows).
   */
  begin(nl: number): void {
    for (let j = 0; j < this.arrays.length; j++) {
      const col = this.columns[j];
      const a = this.arrays[j];
      // without left rows nothing is written to the output
      a.out = nl > 0 ? allocArray(col.ctor, nl) : col.values;
      a.outBits = nl > 0 ? allocArray(Uint8Array, bitmapBytes(nl)) : col.valid;
    }
    this.outNulls.fill(0);
  }

  /**
   * One piece of a release: `nl` left rows (output rows `outOffset..outOffset + nl)` of
   * the output `begin` started) with `nr` right rows `r` (selected columns; `undefined`:
   * none). The right rows must come after every row of earlier pieces in time, and the
   * left rows must be those that come before the next piece's first right row: a release
   * whose right rows arrived as several batches runs one piece per batch, without
   * concatenating them. With `xlat`, `rc` holds the right rows' dictionary indices, read
   * as codes through it (see `KeyEncoder.translation`).
   */
  walkPart(
    lt: BigInt64Array,
    lc: Int32Array,
    nl: number,
    rt: BigInt64Array,
    rc: Int32Array,
    nr: number,
    latestTime: BigInt64Array,
    tolerance: bigint,
    allowExact: boolean,
    match: Int32Array,
    r: RecordBatch | undefined,
    outOffset: number,
    xlat: Int32Array | null = null,
  ): void {
    const rc0 = r?.data.children;
    const arrays = this.arrays;
    for (let j = 0; j < arrays.length; j++) {
      const col = this.columns[j];
      const a = arrays[j];
      a.state = col.values;
      a.stateValid = col.valid;
      if (rc0 !== undefined) {
        const d = rc0[j];
        a.right = d.values as FixedArray;
        a.rightBits = bitsOf(d);
        a.rightOffset = d.offset;
      } else {
        a.right = col.values;
        a.rightBits = null;
        a.rightOffset = 0;
      }
    }
    this.walked = true;
    const fused = this.fused!;
    const withTolerance = tolerance >= 0n;
    const v = (allowExact ? 1 : 0) + (xlat === null ? 0 : 2) + (withTolerance ? 4 : 0);
    const walk = (fused[v] ??= asofBackwardColumns(
      this.columns.map((c) => c.ctor),
      this.fill,
      allowExact,
      xlat !== null,
      withTolerance,
    ));
    walk(lt, lc, nl, rt, rc, nr, this.mask, latestTime, tolerance, match, arrays, this.nulls, outOffset, xlat);
    for (let j = 0; j < arrays.length; j++) this.outNulls[j] += this.nulls[j];
  }

  /** The right columns of the output `begin` started (none for 0 rows). */
  finish(nl: number): Data[] {
    if (nl === 0) return [];
    const arrays = this.arrays;
    const out = new Array<Data>(arrays.length);
    for (let j = 0; j < arrays.length; j++) {
      const col = this.columns[j];
      out[j] = newData(col.type, nl, this.outNulls[j], arrays[j].outBits, arrays[j].out, undefined, undefined, col.dictionary);
    }
    return out;
  }

  /**
   * The state for the right columns of `empty` (a zero-row batch of the selected right
   * columns, from the first right batch), or `undefined` when a column is not of a
   * fixed-width type (the caller then keeps its generic state).
   */
  static create(empty: RecordBatch): AsofState | undefined {
    const columns: StateColumn[] = [];
    for (const d of empty.data.children) {
      if (!isFixedWidth(d.type.typeId) || !ArrayBuffer.isView(d.values)) return undefined;
      const ctor = d.values.constructor as FixedArrayConstructor;
      columns.push({ type: d.type, stride: d.stride, ctor, dictionary: d.dictionary, values: new ctor(0), valid: new Uint8Array(0) });
    }
    return new AsofState(columns);
  }

  /** Whether the released right rows `r` (selected columns) can be gathered with this state: same value classes and dictionaries. */
  accepts(r: RecordBatch): boolean {
    const children = r.data.children;
    for (let j = 0; j < this.columns.length; j++) {
      const col = this.columns[j];
      const d = children[j];
      if (d.values.constructor !== col.ctor || !sameDictionary(col.dictionary, d.dictionary)) return false;
    }
    return true;
  }

  /** Room for key codes `0..size)`. */
  grow(size: number): void {
    if (this.capacity >= size) return;
    const cap = Math.max(size, this.capacity * 2, 16);
    for (const col of this.columns) {
      const values = new col.ctor(cap * col.stride);
      values.set(col.values as never);
      col.values = values;
      const valid = new Uint8Array(cap);
      valid.set(col.valid);
      col.valid = valid;
    }
    const mask = new Uint8Array(cap);
    mask.set(this.mask);
    this.mask = mask;
    this.capacity = cap;
    this.dst = new Int32Array(cap);
    this.src = new Int32Array(cap);
  }

  /** Room for the keys whose latest row changes in a release (one entry per key code `< size` after `grow(size)`), for `asofBackward`'s `changed`. */
  get changed(): Int32Array {
    return this.dst;
  }

  /**
   * The right columns of the output for `match[0..n)` (from `asofBackward` with `base`:
   * a state row `< base`, a right row `base + j` of `r`, -1 for none).
   */
  gather(match: Int32Array, n: number, base: number, r: RecordBatch | undefined): Data[] {
    if (this.stateIdx.length < n) {
      const cap = Math.max(n, this.stateIdx.length * 2);
      this.stateIdx = new Int32Array(cap);
      this.rightIdx = new Int32Array(cap);
    }
    const stateIdx = this.stateIdx;
    const rightIdx = this.rightIdx;
    const fromRight = splitMatches(match, n, base, stateIdx, rightIdx) > 0 && r !== undefined;
    const rc = r?.data.children;
    const out = new Array<Data>(this.columns.length);
    for (let j = 0; j < this.columns.length; j++) {
      const col = this.columns[j];
      const values = gatherFixed(col.values, col.stride, stateIdx, n, allocArray(col.ctor, n * col.stride), true);
      const bitmap = allocArray(Uint8Array, bitmapBytes(n));
      let valid: number;
      if (fromRight) {
        const d = rc![j];
        gatherFixed(d.values as FixedArray, col.stride, rightIdx, n, values, true);
        valid = asofValidity(stateIdx, rightIdx, n, col.valid, bitsOf(d), d.offset, bitmap);
      } else {
        valid = asofValidity(stateIdx, rightIdx, n, col.valid, null, 0, bitmap);
      }
      out[j] = newData(col.type, n, n - valid, bitmap, values, undefined, undefined, col.dictionary);
    }
    return out;
  }

  /**
   * After the output was gathered: copies the latest right row (of `r`) of each of the `k`
   * keys that `asofBackward` listed in `changed` into the state, and points `latest` at the
   * state (see `latestChanges`). O(k).
   */
  update(r: RecordBatch, k: number, latest: Int32Array, base: number): void {
    if (k === 0) return;
    latestChanges(this.dst, k, latest, base, this.src);
    const children = r.data.children;
    for (let j = 0; j < this.columns.length; j++) {
      const col = this.columns[j];
      const d = children[j];
      scatterFixed(d.values as FixedArray, col.stride, this.src, this.dst, k, col.values);
      scatterValidity(bitsOf(d), d.offset, this.src, this.dst, k, col.valid);
    }
  }

  /**
   * The state as a batch of `schema` with one row per key code `< size` (a null row for a
   * key without a latest row: `latest[c] < 0`), for the generic path to take over. The
   * state must not be used afterwards (the batch shares its arrays).
   */
  toBatch(schema: Schema, size: number, latest: Int32Array): RecordBatch {
    this.grow(size);
    if (this.walked) {
      // the fused walk kept the state in the mask bytes: back to `latest` and `valid`
      const mask = this.mask;
      for (let c = 0; c < size; c++) latest[c] = (mask[c] & HAS_ROW) !== 0 ? c : -1;
      this.columns.forEach((col, k) => {
        if (k < MASK_COLUMNS) for (let c = 0; c < size; c++) col.valid[c] = (mask[c] >> k) & 1;
      });
    }
    const children = this.columns.map((col) => {
      const bitmap = new Uint8Array(bitmapBytes(size));
      let nulls = 0;
      for (let c = 0; c < size; c++) {
        if (latest[c] >= 0 && col.valid[c] !== 0) bitmap[c >> 3] |= 1 << (c & 7);
        else nulls++;
      }
      return newData(col.type, size, nulls, bitmap, col.values.subarray(0, size * col.stride), undefined, undefined, col.dictionary);
    });
    return recordBatch(schema, structData(schema, children, size));
  }
}
