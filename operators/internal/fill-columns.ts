/**
 * The per-key state of `ffill`, one object per filled column, laid out in typed arrays by
 * slot (`operators/internal/keyed.ts`):
 *
 * - `FixedFill` (numbers, times, decimals, intervals, fixed-size binary, and dictionary
 *   keys while every batch brings the same dictionary): the key's last valid value in a
 *   typed array of the column's class. A batch without a validity bitmap is passed
 *   through zero-copy and only updates the touched keys; otherwise the column is copied
 *   and its null rows patched in one kernel call (`ffillFixed`; the batch's column itself
 *   when no row was filled).
 * - `GenericFill` (Bool, Utf8, Binary, Struct, and dictionaries once a batch brings another
 *   dictionary): the key's last valid value as row `slot` of a `Data`; a batch is filled
 *   by one gather from `[batch, state]` (`ffillIndices` + `takeData`).
 */
import { type Data, type DataType, Type, type Vector } from 'apache-arrow';
import { bitmapBytes, copyBitmap } from '../../src/kernels/bitmap';
import { type FixedFillLoop, NO_VALUE, ffillIndices, fixedFillLoop, resetRows, updateFixed } from '../../src/kernels/ffill';
import type { FixedArray } from '../../src/kernels/gather';
import { allocLike, isFixedWidth, newData, takeData } from '../../src/batch/take';
import { concatData } from '../../src/batch/concat';
import { type KeyedArrays, type StateArray, growArray, remapArray } from './keyed';

/** The last row of each key in the current batch, computed once per batch on demand (see `lastRows`). */
export interface BatchRows {
  readonly lastRow: Int32Array;
  readonly touched: Int32Array;
  readonly count: number;
}

/** Gives the current batch's `BatchRows`, computing them on the first call (shared by the columns). */
export interface BatchRowsSource {
  batchRows(): BatchRows;
}

/** One filled column's state. */
export interface FillColumn extends KeyedArrays {
  /**
   * The column `d` (`n` rows, key `codes`) forward-filled per key; updates the state.
   * `rows.batchRows()` gives the keys' last rows in the batch (computed once, shared by the columns).
   * May return a different `FillColumn` to take over (see `next`).
   */
  fill(d: Data, codes: Int32Array, n: number, rows: BatchRowsSource): Data;
  /** Set when this state gave way to another representation; the caller replaces it. */
  next: FillColumn | undefined;
}

/** Whether `ffill` can fill a column of this type. */
export function fillable(type: DataType): boolean {
  const id = type.typeId as Type;
  return isFixedWidth(id) || id === Type.Bool || id === Type.Utf8 || id === Type.LargeUtf8 || id === Type.Binary || id === Type.LargeBinary || id === Type.Struct;
}

/** The state for a column of `type` (`limit`: `NO_LIMIT` or a positive count). */
export function fillColumn(type: DataType, limit: number): FillColumn {
  const id = type.typeId as Type;
  return isFixedWidth(id) ? new FixedFill(type, limit) : new GenericFill(type, limit);
}

class FixedFill implements FillColumn {
  next: FillColumn | undefined = undefined;
  private last: FixedArray | undefined = undefined;
  private run = new Int32Array(0).fill(NO_VALUE);
  /** The fill loop of this column's typed-array class and stride (once known). */
  private loop: FixedFillLoop | undefined = undefined;
  /** `ffillFixed`'s count of the null rows it left. */
  private readonly left = new Int32Array(1);
  private stride = 1;
  private slots = 0;
  /** Dictionary columns: the dictionary the kept keys refer to. */
  private dictionary: Vector | undefined = undefined;

  constructor(
    private readonly type: DataType,
    private readonly limit: number,
  ) {}

  grow(slots: number): void {
    if (slots > this.slots) this.slots = slots;
    this.run = growArray(this.run, slots, 1, NO_VALUE);
    if (this.last) this.last = growArray(this.last as StateArray, slots, this.stride) as FixedArray;
  }

  remap(map: Int32Array, slots: number): void {
    this.run = remapArray(this.run, map, slots, 1, NO_VALUE);
    if (this.last) this.last = remapArray(this.last as StateArray, map, slots, this.stride) as FixedArray;
    this.slots = slots;
  }

  fill(d: Data, codes: Int32Array, n: number, rows: BatchRowsSource): Data {
    const values = d.values as FixedArray;
    if (this.last === undefined) {
      this.stride = d.stride;
      this.last = new (values.constructor as new (n: number) => FixedArray)(Math.max(this.run.length, 16) * this.stride);
      this.dictionary = d.dictionary;
    } else if (values.constructor !== this.last.constructor || (this.dictionary !== undefined && d.dictionary !== this.dictionary)) {
      // another dictionary (or values class): the generic state takes over from here
      const g = this.toGeneric();
      this.next = g;
      return g.fill(d, codes, n, rows);
    }
    const last = this.last;
    const stride = this.stride;
    if (n === 0) return d;
    // the bitmap's presence, not `nullCount` (which counts the bits of every new slice)
    const bits = d.nullBitmap as Uint8Array | undefined;
    if (bits === undefined || bits.length === 0) {
      const r = rows.batchRows();
      updateFixed(values, stride, r.lastRow, r.touched, r.count, last, this.run);
      return d;
    }
    // a copy of the column (made by the kernel), whose null rows are patched from the state; nothing filled: `d` itself
    const out = allocLike(values, n * stride);
    const validity = new Uint8Array(bitmapBytes(n));
    copyBitmap(bits, d.offset, validity, 0, n);
    this.loop ??= fixedFillLoop(values, stride);
    const filled = this.loop(values, stride, bits, d.offset, codes, n, last, this.run, this.limit, out, validity, this.left);
    if (filled === 0) return d;
    return newData(d.type, n, this.left[0], validity, out, undefined, undefined, d.dictionary);
  }

  /** The same state as a `GenericFill`: row `slot` of a `Data` of this column's type. */
  private toGeneric(): GenericFill {
    const g = new GenericFill(this.type, this.limit);
    const slots = this.slots;
    g.grow(slots);
    g.run.set(this.run.subarray(0, slots));
    const validity = new Uint8Array(bitmapBytes(slots));
    let nulls = 0;
    for (let s = 0; s < slots; s++) {
      if (this.run[s] !== NO_VALUE) validity[s >> 3] |= 1 << (s & 7);
      else nulls++;
    }
    const values = (this.last as Uint8Array).slice(0, slots * this.stride);
    g.state = newData(this.type, slots, nulls, validity, values, undefined, undefined, this.dictionary);
    return g;
  }
}

class GenericFill implements FillColumn {
  next: FillColumn | undefined = undefined;
  /** Row `slot` = the key's last valid value (nulls for keys without one); may be shorter than `run`. */
  state: Data | null = null;
  run = new Int32Array(0);
  private slots = 0;
  private local = new Int32Array(0);
  private touched = new Int32Array(0);
  private src = new Int32Array(0);

  constructor(
    private readonly type: DataType,
    private readonly limit: number,
  ) {}

  grow(slots: number): void {
    if (slots > this.slots) this.slots = slots;
    this.run = growArray(this.run, slots, 1, NO_VALUE);
    this.local = growArray(this.local, slots, 1, -1);
    this.touched = growArray(this.touched, slots);
  }

  remap(map: Int32Array, slots: number): void {
    this.run = remapArray(this.run, map, slots, 1, NO_VALUE);
    this.slots = slots;
    const state = this.state;
    if (state) {
      const from = new Int32Array(slots).fill(-1);
      const m = Math.min(map.length, state.length);
      for (let s = 0; s < m; s++) if (map[s] >= 0) from[map[s]] = s;
      this.state = takeData(state, from, slots);
    }
  }

  fill(d: Data, codes: Int32Array, n: number, rows: BatchRowsSource): Data {
    if (n === 0) return d;
    if (d.nullCount === 0) {
      const r = rows.batchRows();
      for (let k = 0; k < r.count; k++) this.run[r.touched[k]] = 0;
      this.update(d, n, r.lastRow);
      return d;
    }
    if (this.src.length < n) this.src = new Int32Array(Math.max(n, this.src.length * 2));
    const src = this.src;
    const t = ffillIndices(d.nullBitmap, d.offset, codes, n, this.run, this.limit, this.local, this.touched, src);
    const combined = this.state && this.state.length ? concatData(this.type, [d, this.state]) : d;
    const out = takeData(combined, src, n);
    if (t > 0) this.update(d, n, this.local, combined);
    resetRows(this.local, this.touched, t);
    return out;
  }

  /** The state after a batch: slot `s` takes row `rowOf[s]` of the batch when `>= 0`, else keeps its row. */
  private update(d: Data, n: number, rowOf: Int32Array, combined?: Data): void {
    const slots = this.slots;
    const state = this.state;
    const kept = state ? state.length : 0;
    const from = new Int32Array(slots);
    for (let s = 0; s < slots; s++) {
      const r = rowOf[s];
      from[s] = r >= 0 ? r : s < kept ? n + s : -1;
    }
    const all = combined ?? (state && kept ? concatData(this.type, [d, state]) : d);
    this.state = takeData(all, from, slots);
  }
}
