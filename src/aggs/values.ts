/**
 * Reading an aggregated column: its values as a `Float64Array` (once per batch) and its
 * validity.
 */
import type { Data } from 'apache-arrow';

/** A column's values as Float64, and its validity (`null`: no nulls; else bit `offset + i`). */
export interface FloatColumn {
  readonly values: Float64Array;
  readonly validity: Uint8Array | null;
  readonly offset: number;
}

/**
 * The values of a numeric column (Int*, Uint*, Float32/64) as Float64: the column's own
 * buffer for Float64 (zero-copy), else converted into `scratch` (grown when short; the
 * caller keeps the returned array only until the next call). Int64/Uint64 beyond 2^53 lose
 * precision, as in any Float64 aggregation.
 */
export function floatValues(d: Data, scratch: { buf: Float64Array }): FloatColumn {
  const n = d.length;
  const validity = d.nullCount === 0 ? null : d.nullBitmap;
  const src = d.values as ArrayLike<number> | BigInt64Array | BigUint64Array;
  if (src instanceof Float64Array) return { values: src.subarray(0, n), validity, offset: d.offset };
  if (scratch.buf.length < n) scratch.buf = new Float64Array(Math.max(n, scratch.buf.length * 2, 1024));
  const out = scratch.buf.subarray(0, n);
  if (src instanceof BigInt64Array || src instanceof BigUint64Array) {
    for (let i = 0; i < n; i++) out[i] = Number(src[i]);
  } else {
    // Int8…Int32, Uint8…Uint32, Float32: TypedArray.set converts in native code
    out.set((src as Float32Array).subarray(0, n));
  }
  return { values: out, validity, offset: d.offset };
}
