/**
 * String kernels for compiled expressions: UTF-8 byte comparison, per-dictionary lookup
 * tables, and building Utf8 buffers. Pure typed-array code (no Arrow objects, no RxJS).
 *
 * A Utf8 column is `offsets` (Int32Array, one more than the rows, already re-based for a
 * slice) and `bytes` (Uint8Array); string `k` is `bytes[offsets[k] .. offsets[k + 1])`.
 * Strings compare by their UTF-8 bytes (= code point order), like polars.
 */

/** Comparison operator codes shared with the code generator. */
export const CMP_EQ = 0;
export const CMP_NEQ = 1;
export const CMP_LT = 2;
export const CMP_LTE = 3;
export const CMP_GT = 4;
export const CMP_GTE = 5;

/** Sign of `a[as..ae)` compared with `b[bs..be)` byte-wise: -1, 0 or 1. */
export function compareBytes(
  a: Uint8Array,
  as: number,
  ae: number,
  b: Uint8Array,
  bs: number,
  be: number,
): number {
  const la = ae - as;
  const lb = be - bs;
  const n = la < lb ? la : lb;
  for (let k = 0; k < n; k++) {
    const x = a[as + k];
    const y = b[bs + k];
    if (x !== y) return x < y ? -1 : 1;
  }
  return la === lb ? 0 : la < lb ? -1 : 1;
}

/** Whether `a[as..ae)` equals `b[bs..be)`. */
export function equalBytes(a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number, be: number): boolean {
  const len = ae - as;
  if (len !== be - bs) return false;
  for (let k = 0; k < len; k++) if (a[as + k] !== b[bs + k]) return false;
  return true;
}

/** Sign of `bytes[s..e)` compared with the whole of `lit`. */
export function compareToLiteral(bytes: Uint8Array, s: number, e: number, lit: Uint8Array): number {
  return compareBytes(bytes, s, e, lit, 0, lit.length);
}

/** Whether `bytes[s..e)` equals `lit`. */
export function equalsLiteral(bytes: Uint8Array, s: number, e: number, lit: Uint8Array): boolean {
  return equalBytes(bytes, s, e, lit, 0, lit.length);
}

/** Whether a comparison sign satisfies the operator code. */
export function signMatches(sign: number, op: number): boolean {
  switch (op) {
    case CMP_EQ:
      return sign === 0;
    case CMP_NEQ:
      return sign !== 0;
    case CMP_LT:
      return sign < 0;
    case CMP_LTE:
      return sign <= 0;
    case CMP_GT:
      return sign > 0;
    default:
      return sign >= 0;
  }
}

/**
 * For each of the `size` strings of a dictionary, 1 if `entry OP lit` holds, else 0: the
 * per-batch table that lets a dictionary column compare by key.
 */
export function dictionaryCompareTable(
  offsets: Int32Array,
  bytes: Uint8Array,
  size: number,
  lit: Uint8Array,
  op: number,
): Uint8Array {
  const out = new Uint8Array(size);
  for (let k = 0; k < size; k++) {
    out[k] = signMatches(compareBytes(bytes, offsets[k], offsets[k + 1], lit, 0, lit.length), op) ? 1 : 0;
  }
  return out;
}

/** The first index of `lit` among the `size` strings, or -1. */
export function indexOfString(offsets: Int32Array, bytes: Uint8Array, size: number, lit: Uint8Array): number {
  for (let k = 0; k < size; k++) {
    if (equalBytes(bytes, offsets[k], offsets[k + 1], lit, 0, lit.length)) return k;
  }
  return -1;
}

/** 1 per valid bit of `bitmap` over `[offset, offset + size)`, 0 per null. */
export function validityTable(bitmap: Uint8Array, offset: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let k = 0; k < size; k++) {
    const p = offset + k;
    out[k] = (bitmap[p >> 3] >> (p & 7)) & 1;
  }
  return out;
}

/** A list of strings held as offsets and bytes. */
export interface Utf8Parts {
  readonly offsets: Int32Array;
  readonly bytes: Uint8Array;
  readonly size: number;
}

/** The concatenation of several string lists into one (offsets from 0). */
export function concatUtf8(parts: readonly Utf8Parts[]): { offsets: Int32Array; bytes: Uint8Array } {
  let count = 0;
  let total = 0;
  for (const p of parts) {
    count += p.size;
    total += p.offsets[p.size] - p.offsets[0];
  }
  const offsets = new Int32Array(count + 1);
  const bytes = new Uint8Array(total);
  let k = 0;
  let at = 0;
  for (const p of parts) {
    const start = p.offsets[0];
    const end = p.offsets[p.size];
    bytes.set(p.bytes.subarray(start, end), at);
    for (let j = 0; j < p.size; j++) offsets[k++] = at + (p.offsets[j] - start);
    at += end - start;
  }
  offsets[k] = at;
  return { offsets, bytes };
}

/**
 * Builds a Utf8 column from per-row handles `h = index * sources + source`, each naming a
 * string of one of the sources. Rows whose validity bit is 0 (when `valid` is given) get the
 * empty string.
 */
export function gatherUtf8(
  handles: Float64Array,
  valid: Uint8Array | null,
  n: number,
  sources: number,
  srcOffsets: readonly Int32Array[],
  srcBytes: readonly Uint8Array[],
): { offsets: Int32Array; bytes: Uint8Array } {
  const offsets = new Int32Array(n + 1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    if (valid === null || ((valid[i >> 3] >> (i & 7)) & 1) === 1) {
      const h = handles[i];
      const s = h % sources;
      const k = (h - s) / sources;
      const o = srcOffsets[s];
      total += o[k + 1] - o[k];
    }
    offsets[i + 1] = total;
  }
  const bytes = new Uint8Array(total);
  for (let i = 0; i < n; i++) {
    const at = offsets[i];
    const len = offsets[i + 1] - at;
    if (len === 0) continue;
    const h = handles[i];
    const s = h % sources;
    const k = (h - s) / sources;
    const start = srcOffsets[s][k];
    bytes.set(srcBytes[s].subarray(start, start + len), at);
  }
  return { offsets, bytes };
}
