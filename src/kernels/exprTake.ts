/**
 * Row-selection (gather) kernels used by `filter`: copy the rows listed in `sel[0..m)`
 * (ascending row indices within the batch) into new buffers. Pure typed-array code.
 */

/** Any typed array with element access and `subarray`. */
export interface TypedArrayLike<T = number | bigint> {
  readonly length: number;
  [i: number]: T;
  subarray(begin?: number, end?: number): TypedArrayLike<T>;
}

type TypedArrayCtor = new (n: number) => TypedArrayLike;

/**
 * Gathers fixed-width values: row `r` occupies `values[r * stride .. (r + 1) * stride)`
 * (values already re-based to the slice, as Arrow JS does for fixed-width types).
 */
export function takeFixed<A extends TypedArrayLike>(values: A, stride: number, sel: Int32Array, m: number): A {
  const out = new (values.constructor as TypedArrayCtor)(m * stride) as A;
  if (stride === 1) {
    // hot loop
    for (let j = 0; j < m; j++) out[j] = values[sel[j]];
  } else {
    for (let j = 0; j < m; j++) {
      const src = sel[j] * stride;
      const dst = j * stride;
      for (let k = 0; k < stride; k++) out[dst + k] = values[src + k];
    }
  }
  return out;
}

/**
 * Gathers bits (Bool values or a validity bitmap) at bit `offset + sel[j]` into a new
 * bitmap starting at bit 0. Returns the bitmap and the number of set bits.
 */
export function takeBits(bits: Uint8Array, offset: number, sel: Int32Array, m: number): { bits: Uint8Array; set: number } {
  const out = new Uint8Array((m + 7) >> 3);
  let set = 0;
  for (let j = 0; j < m; j++) {
    const p = offset + sel[j];
    if ((bits[p >> 3] >> (p & 7)) & 1) {
      out[j >> 3] |= 1 << (j & 7);
      set++;
    }
  }
  return { bits: out, set };
}

/** Gathers variable-width values with 32-bit offsets (Utf8, Binary). */
export function takeVarBinary(
  offsets: Int32Array,
  bytes: Uint8Array,
  sel: Int32Array,
  m: number,
): { offsets: Int32Array; bytes: Uint8Array } {
  const outOffsets = new Int32Array(m + 1);
  let total = 0;
  for (let j = 0; j < m; j++) {
    const r = sel[j];
    total += offsets[r + 1] - offsets[r];
    outOffsets[j + 1] = total;
  }
  const out = new Uint8Array(total);
  for (let j = 0; j < m; j++) {
    const r = sel[j];
    const s = offsets[r];
    const e = offsets[r + 1];
    if (e > s) out.set(bytes.subarray(s, e), outOffsets[j]);
  }
  return { offsets: outOffsets, bytes: out };
}

/** Gathers variable-width values with 64-bit offsets (LargeUtf8, LargeBinary). */
export function takeLargeVarBinary(
  offsets: BigInt64Array,
  bytes: Uint8Array,
  sel: Int32Array,
  m: number,
): { offsets: BigInt64Array; bytes: Uint8Array } {
  const outOffsets = new BigInt64Array(m + 1);
  let total = 0;
  for (let j = 0; j < m; j++) {
    const r = sel[j];
    total += Number(offsets[r + 1] - offsets[r]);
    outOffsets[j + 1] = BigInt(total);
  }
  const out = new Uint8Array(total);
  for (let j = 0; j < m; j++) {
    const r = sel[j];
    const s = Number(offsets[r]);
    const e = Number(offsets[r + 1]);
    if (e > s) out.set(bytes.subarray(s, e), Number(outOffsets[j]));
  }
  return { offsets: outOffsets, bytes: out };
}

/**
 * For a list column (32-bit offsets): the new offsets and the child rows to gather (the
 * concatenation of each selected row's child range).
 */
export function takeListRanges(
  offsets: Int32Array,
  sel: Int32Array,
  m: number,
): { offsets: Int32Array; childSel: Int32Array } {
  const outOffsets = new Int32Array(m + 1);
  let total = 0;
  for (let j = 0; j < m; j++) {
    const r = sel[j];
    total += offsets[r + 1] - offsets[r];
    outOffsets[j + 1] = total;
  }
  const childSel = new Int32Array(total);
  let k = 0;
  for (let j = 0; j < m; j++) {
    const r = sel[j];
    for (let c = offsets[r]; c < offsets[r + 1]; c++) childSel[k++] = c;
  }
  return { offsets: outOffsets, childSel };
}

/** The child rows of a fixed-size list of `size` items per row. */
export function takeFixedListRanges(size: number, sel: Int32Array, m: number): Int32Array {
  const childSel = new Int32Array(m * size);
  let k = 0;
  for (let j = 0; j < m; j++) {
    const base = sel[j] * size;
    for (let c = 0; c < size; c++) childSel[k++] = base + c;
  }
  return childSel;
}
