/**
 * Gathers and copies over column buffers: fixed-width values, bit-packed values and
 * validity, variable-width (offsets + bytes) values. Pure typed-array code: no RxJS, no
 * Arrow objects.
 *
 * Row indices are `Int32Array | Uint32Array`. A negative index (only possible in an
 * `Int32Array`) stands for "no row": it gathers a zero value and an unset validity bit.
 */
import { bitmapBytes } from './bitmap';
import { compileLoop } from './compile';

/** Row indices for gathers. */
export type Indices = Int32Array | Uint32Array;

/** Any typed array that holds fixed-width values. */
export type FixedArray =
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/** The constructor of a fixed-width typed array. */
export type FixedArrayConstructor<T extends FixedArray = FixedArray> = {
  new (length: number): T;
  new (buffer: ArrayBuffer, byteOffset: number, length: number): T;
  readonly BYTES_PER_ELEMENT: number;
};

// Output buffers of small batches are carved out of shared slabs: every `new ArrayBuffer`
// costs about a microsecond before its bytes are touched (a backing store, external
// memory accounting), which dominates at a few hundred rows per batch, while a view on an
// existing buffer costs tens of nanoseconds. A slab is never reused: each region is handed
// out once, zeroed as `new` would give it, and the slab is freed when the last view into it
// is collected (so a retained small column keeps at most one slab alive, as a retained
// slice keeps its parent batch). Arrays of at most 64 bytes (V8 keeps those on the heap)
// and of more than `SLAB_MAX` bytes get their own buffer.
const SLAB_BYTES = 1 << 17;
const SLAB_MAX = 1 << 14;
const ON_HEAP_MAX = 64;
let slab = new ArrayBuffer(0);
let slabUsed = 0;

/**
 * A zero-filled typed array of `length` elements, like `new Ctor(length)` but, for sizes
 * between 64 bytes and 16 KiB, a view into a shared slab (`byteOffset` may be ≠ 0).
 */
export function allocArray<T extends FixedArray>(Ctor: FixedArrayConstructor<T>, length: number): T {
  const bytes = length * Ctor.BYTES_PER_ELEMENT;
  if (bytes <= ON_HEAP_MAX || bytes > SLAB_MAX) return new Ctor(length);
  let at = slabUsed;
  if (at + bytes > slab.byteLength) {
    slab = new ArrayBuffer(SLAB_BYTES);
    at = 0;
  }
  // Keep every view 8-byte aligned (BigInt64Array and Float64Array need it).
  slabUsed = (at + bytes + 7) & ~7;
  return new Ctor(slab, at, length);
}

/** Whether any of `indices[0..n)` is negative. */
export function hasNegative(indices: Indices, n: number): boolean {
  if (indices instanceof Uint32Array) return false;
  for (let i = 0; i < n; i++) if (indices[i] < 0) return true;
  return false;
}

/**
 * The first position `i < n` whose index is `>= rows` (out of range), or -1.
 * Negative indices are allowed (they gather nulls).
 */
export function firstOutOfRange(indices: Indices, n: number, rows: number): number {
  for (let i = 0; i < n; i++) if (indices[i] >= rows) return i;
  return -1;
}

/** A gather loop for one typed-array class and one index class (see `gatherFixed`). */
type FixedGather = (values: FixedArray, indices: Indices, n: number, out: FixedArray) => void;

/**
 * Per typed-array class: the stride-1 gather loops, generated once per (value class, index
 * class, negatives) and cached. Each is its own function (`new Function`, so its own type
 * feedback): the element loads and stores stay monomorphic. One loop shared by every
 * class goes megamorphic and costs several times more per element.
 */
const FIXED_GATHERS = new Map<unknown, (FixedGather | undefined)[]>();

const DENSE_LOOP = 'for (let i = 0; i < n; i++) out[i] = values[indices[i]];';
const HOLES_LOOP = 'for (let i = 0; i < n; i++) { const j = indices[i]; if (j >= 0) out[i] = values[j]; }';

function fixedGather(values: FixedArray, indices: Indices, negatives: boolean): FixedGather {
  let fns = FIXED_GATHERS.get(values.constructor);
  if (fns === undefined) {
    fns = [undefined, undefined, undefined];
    FIXED_GATHERS.set(values.constructor, fns);
  }
  // Uint32 indices are never negative.
  const k = negatives ? 2 : indices instanceof Uint32Array ? 1 : 0;
  let fn = fns[k];
  if (fn === undefined) {
    fn = compileLoop<FixedGather>('gather', ['values', 'indices', 'n', 'out'], `"use strict";\n${negatives ? HOLES_LOOP : DENSE_LOOP}`);
    fns[k] = fn;
  }
  return fn;
}

/**
 * `out[i * stride + s] = values[indices[i] * stride + s]` for `i < n`. A negative index
 * leaves `out` zero at that row (`out` must be freshly allocated). With `stride === 1`
 * the loop is specialised per typed-array class (see `FIXED_GATHERS`).
 */
export function gatherFixed<T extends FixedArray>(
  values: T,
  stride: number,
  indices: Indices,
  n: number,
  out: T,
  negatives: boolean,
): T {
  if (stride === 1) {
    fixedGather(values, indices, negatives)(values, indices, n, out);
    return out;
  }
  for (let i = 0; i < n; i++) {
    const j = indices[i];
    if (j < 0) continue;
    const src = j * stride;
    const dst = i * stride;
    for (let s = 0; s < stride; s++) out[dst + s] = values[src + s];
  }
  return out;
}

/**
 * A gather of several stride-1 columns in one loop: `out[c][i] = values[c][indices[i]]`
 * for `i < n` and every column `c` (no negative indices).
 */
export type MultiGather = (values: readonly FixedArray[], indices: Indices, n: number, out: readonly FixedArray[]) => void;

/**
 * A new `MultiGather` loop for `columns` columns (at most `MULTI_GATHER_MAX`). Each call
 * generates a separate function (use {@link multiGatherFor}: one shared loop per list of
 * column classes). Reading the indices once for all columns saves about a fifth of the
 * time of one gather per column.
 */
export function makeMultiGather(columns: number): MultiGather {
  if (columns < 1 || columns > MULTI_GATHER_MAX) throw new RangeError(`makeMultiGather: 1 to ${MULTI_GATHER_MAX} columns, got ${columns}`);
  const cols = Array.from({ length: columns }, (_, c) => c);
  const source = [
    '"use strict";',
    `const ${cols.map((c) => `v${c} = values[${c}], o${c} = out[${c}]`).join(', ')};`,
    'for (let i = 0; i < n; i++) {',
    '  const j = indices[i];',
    ...cols.map((c) => `  o${c}[i] = v${c}[j];`),
    '}',
  ].join('\n');
  return compileLoop<MultiGather>('gather-columns', ['values', 'indices', 'n', 'out'], source);
}

const MULTI_GATHERS = new Map<string, MultiGather>();

/**
 * The shared `MultiGather` loop for columns of these typed-array classes (in order, at most
 * `MULTI_GATHER_MAX`): one function per class list, so its element accesses stay
 * specialised to those classes, and every schema with the same classes (the next run of a
 * chain, another operator) reuses the loop V8 has already optimized.
 */
export function multiGatherFor(classes: readonly FixedArrayConstructor[]): MultiGather {
  const key = classes.map((c) => c.name).join(',');
  let fn = MULTI_GATHERS.get(key);
  if (fn === undefined) {
    fn = makeMultiGather(classes.length);
    MULTI_GATHERS.set(key, fn);
  }
  return fn;
}

/** The most columns one `MultiGather` loop handles (more would spill registers). */
export const MULTI_GATHER_MAX = 8;

/**
 * Gathers bits: bit `i` of `out` (from bit 0) = bit `offset + indices[i]` of `bits`; a
 * negative index gives an unset bit. `out` must be zero-filled. Returns the number of set
 * bits written.
 */
export function gatherBits(
  bits: Uint8Array,
  offset: number,
  indices: Indices,
  n: number,
  out: Uint8Array,
  negatives: boolean,
): number {
  let set = 0;
  if (!negatives) {
    for (let i = 0; i < n; i++) {
      const p = offset + indices[i];
      const bit = (bits[p >> 3] >> (p & 7)) & 1;
      out[i >> 3] |= bit << (i & 7);
      set += bit;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const j = indices[i];
      if (j < 0) continue;
      const p = offset + j;
      const bit = (bits[p >> 3] >> (p & 7)) & 1;
      out[i >> 3] |= bit << (i & 7);
      set += bit;
    }
  }
  return set;
}

/**
 * The validity bitmap of gathered rows when the source has no nulls: bit `i` is set
 * unless `indices[i]` is negative. Returns the bitmap and its null count.
 */
export function validityOfIndices(indices: Indices, n: number): { bitmap: Uint8Array; nulls: number } {
  const bitmap = allocArray(Uint8Array, bitmapBytes(n));
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    if (indices[i] >= 0) bitmap[i >> 3] |= 1 << (i & 7);
    else nulls++;
  }
  return { bitmap, nulls };
}

/** Variable-width values: `offsets` (re-based to row 0, length `n + 1`) into `bytes`. */
export interface VarBinary<O extends Int32Array | BigInt64Array = Int32Array> {
  offsets: O;
  bytes: Uint8Array;
}

/** Copies `len` bytes; a byte loop for short values, `set` for long ones. */
function copyBytes(src: Uint8Array, from: number, dst: Uint8Array, to: number, len: number): void {
  if (len < 16) {
    for (let k = 0; k < len; k++) dst[to + k] = src[from + k];
  } else {
    dst.set(src.subarray(from, from + len), to);
  }
}

/**
 * Gathers variable-width values with 32-bit offsets. A negative index gives an empty
 * value. Throws a `RangeError` if the result needs more than 2^31 - 1 bytes.
 */
export function gatherVarBinary(
  offsets: Int32Array,
  bytes: Uint8Array,
  indices: Indices,
  n: number,
): VarBinary<Int32Array> {
  let total = 0;
  for (let i = 0; i < n; i++) {
    const j = indices[i];
    if (j >= 0) total += offsets[j + 1] - offsets[j];
  }
  if (total > 0x7fffffff) throw new RangeError(`Gathered values need ${total} bytes, more than 32-bit offsets address`);
  const outOffsets = allocArray(Int32Array, n + 1);
  const outBytes = allocArray(Uint8Array, total);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const j = indices[i];
    if (j >= 0) {
      const s = offsets[j];
      const len = offsets[j + 1] - s;
      copyBytes(bytes, s, outBytes, pos, len);
      pos += len;
    }
    outOffsets[i + 1] = pos;
  }
  return { offsets: outOffsets, bytes: outBytes };
}

/** Gathers variable-width values with 64-bit offsets (LargeUtf8, LargeBinary). */
export function gatherLargeVarBinary(
  offsets: BigInt64Array,
  bytes: Uint8Array,
  indices: Indices,
  n: number,
): VarBinary<BigInt64Array> {
  let total = 0;
  for (let i = 0; i < n; i++) {
    const j = indices[i];
    if (j >= 0) total += Number(offsets[j + 1] - offsets[j]);
  }
  const outOffsets = allocArray(BigInt64Array, n + 1);
  const outBytes = allocArray(Uint8Array, total);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const j = indices[i];
    if (j >= 0) {
      const s = Number(offsets[j]);
      const len = Number(offsets[j + 1]) - s;
      copyBytes(bytes, s, outBytes, pos, len);
      pos += len;
    }
    outOffsets[i + 1] = BigInt(pos);
  }
  return { offsets: outOffsets, bytes: outBytes };
}

/** The rows of a list column's child to gather, and the new offsets (see `gatherListRanges`). */
export interface ListRanges {
  /** `n + 1` offsets from 0 into the gathered child. */
  offsets: Int32Array;
  /** The child rows, in order: the concatenation of every gathered row's child range. */
  childIndices: Int32Array;
}

/**
 * For a list column with 32-bit offsets (List, Map): the new offsets of rows
 * `indices[0..n)` and the child rows to gather. A negative index gives an empty list.
 * Throws a `RangeError` if the result needs more than 2^31 - 1 child rows.
 */
export function gatherListRanges(offsets: Int32Array, indices: Indices, n: number): ListRanges {
  const outOffsets = allocArray(Int32Array, n + 1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const j = indices[i];
    if (j >= 0) total += offsets[j + 1] - offsets[j];
    if (total > 0x7fffffff) throw new RangeError(`Gathered lists need more than 2^31 - 1 child rows`);
    outOffsets[i + 1] = total;
  }
  const childIndices = new Int32Array(total);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const j = indices[i];
    if (j < 0) continue;
    const end = offsets[j + 1];
    for (let c = offsets[j]; c < end; c++) childIndices[k++] = c;
  }
  return { offsets: outOffsets, childIndices };
}

/**
 * The child rows of rows `indices[0..n)` of a fixed-size list of `size` items per row:
 * `size * indices[i] + c`, or `-1` for every item of a negative index (a null child row).
 */
export function fixedListChildIndices(size: number, indices: Indices, n: number): Int32Array {
  const out = new Int32Array(n * size);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const j = indices[i];
    if (j < 0) {
      for (let c = 0; c < size; c++) out[k++] = -1;
    } else {
      const base = j * size;
      for (let c = 0; c < size; c++) out[k++] = base + c;
    }
  }
  return out;
}

/**
 * Writes `n + 1` offsets `src[i] - src[0] + base` to `dst` from position `at` (the
 * concatenation of variable-width columns). Returns the last offset written.
 */
export function rebaseOffsets(src: Int32Array, n: number, dst: Int32Array, at: number, base: number): number {
  const delta = base - src[0];
  for (let i = 0; i <= n; i++) dst[at + i] = src[i] + delta;
  return dst[at + n];
}

/** `rebaseOffsets` for 64-bit offsets. */
export function rebaseLargeOffsets(src: BigInt64Array, n: number, dst: BigInt64Array, at: number, base: bigint): bigint {
  const delta = base - src[0];
  for (let i = 0; i <= n; i++) dst[at + i] = src[i] + delta;
  return dst[at + n];
}

/** `out[i] = table[keys[i]]` for `i < n` (dictionary key translation); `out` is returned. */
export function translateKeys<T extends Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array>(
  keys: ArrayLike<number>,
  table: Int32Array,
  n: number,
  out: T,
  validity: Uint8Array | null,
  validityOffset: number,
): T {
  if (validity === null) {
    for (let i = 0; i < n; i++) out[i] = table[keys[i]];
  } else {
    // Keys under a null may be garbage: leave them 0.
    for (let i = 0; i < n; i++) {
      const p = validityOffset + i;
      if ((validity[p >> 3] >> (p & 7)) & 1) out[i] = table[keys[i]];
    }
  }
  return out;
}

/** The number of non-zero bytes in `mask[0..n)`. */
export function countMask(mask: Uint8Array, n: number): number {
  let c = 0;
  for (let i = 0; i < n; i++) c += mask[i] !== 0 ? 1 : 0;
  return c;
}

/** The positions of the non-zero bytes of `mask[0..n)`, `count` of them. */
export function maskToIndices(mask: Uint8Array, n: number, count: number = countMask(mask, n)): Int32Array {
  const out = new Int32Array(count);
  let k = 0;
  for (let i = 0; i < n; i++) if (mask[i] !== 0) out[k++] = i;
  return out;
}

/**
 * The positions `i < n` where bit `offset + i` of `bits` is set and, when `validity` is
 * given, bit `validityOffset + i` of `validity` is set too (a null in a boolean mask does
 * not keep its row).
 */
export function bitsToIndices(
  bits: Uint8Array,
  offset: number,
  n: number,
  validity: Uint8Array | null,
  validityOffset: number,
): Int32Array {
  const tmp = new Int32Array(n);
  let k = 0;
  if (validity === null) {
    for (let i = 0; i < n; i++) {
      const p = offset + i;
      if ((bits[p >> 3] >> (p & 7)) & 1) tmp[k++] = i;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const p = offset + i;
      const q = validityOffset + i;
      if ((bits[p >> 3] >> (p & 7)) & (validity[q >> 3] >> (q & 7)) & 1) tmp[k++] = i;
    }
  }
  return tmp.slice(0, k);
}

/**
 * When the sorted positions `indices[0..n)` form one run `a, a + 1, …, b - 1`, returns
 * `[a, b)`; otherwise `null`. An empty list is the run `[0, 0)`.
 */
export function contiguousRun(indices: Indices, n: number): [number, number] | null {
  if (n === 0) return [0, 0];
  const a = indices[0];
  return indices[n - 1] - a === n - 1 ? [a, a + n] : null;
}
