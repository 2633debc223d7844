/**
 * Numeric input columns of `ema` and `cutoff`, read as `Float64Array`s once per batch:
 * Float64 zero-copy, other integer and float types converted into a reused buffer.
 */
import { type Data, type DataType, type Field, Precision, Type } from 'apache-arrow';
import { ColumnTypeError } from '../../src/errors';
import { int64ToFloat64 } from '../../src/kernels/ema';
import { SOURCE } from './fill-stream';

export const NUMERIC_TYPES = 'an integer or float column (Int8-64, Uint8-64, Float32 or Float64)';

/** Whether `type` is an integer or float type. */
export function isNumeric(type: DataType): boolean {
  if ((type.typeId as Type) === Type.Int) return true;
  // Float16 values are raw half-precision bits: not read here
  return (type.typeId as Type) === Type.Float && (type as unknown as { precision: Precision }).precision !== Precision.HALF;
}

/** `ColumnTypeError` unless `field` is numeric; `operator` names the caller. */
export function checkNumeric(operator: string, field: Field): void {
  if (!isNumeric(field.type)) {
    throw new ColumnTypeError(`${operator} needs a numeric column`, {
      input: SOURCE,
      column: field.name,
      expected: NUMERIC_TYPES,
      actual: String(field.type),
    });
  }
}

/** Reads one numeric column as doubles, reusing its buffer across batches. */
export class Float64Reader {
  private buffer = new Float64Array(0);

  /**
   * The `n` values of `d` as doubles, row `i` at index `i` (valid until the next call): the
   * column's own buffer for Float64 (as it is, without a `subarray` view per batch: it may
   * hold more than `n` values, read only `0..n)`), else a reused conversion buffer.
   */
  read(d: Data, n: number): Float64Array {
    const values = d.values as ArrayLike<number> & { subarray(a: number, b: number): unknown };
    if (values instanceof Float64Array) return values;
    if (this.buffer.length < n) this.buffer = new Float64Array(Math.max(n, this.buffer.length * 2));
    const out = this.buffer.subarray(0, n);
    if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
      return int64ToFloat64(new Int32Array(values.buffer, values.byteOffset, 2 * n), values instanceof BigInt64Array, n, out);
    }
    out.set(values.subarray(0, n) as ArrayLike<number>);
    return out;
  }
}

/**
 * The validity bitmap of a column, or `null` when it has none: the bitmap's presence, not
 * `nullCount` (on a slice, that counts the range's bits once per slice, and replay delivers
 * a new slice per cycle). A bitmap without nulls in the range is read like any other.
 */
export function bitsOf(d: Data): Uint8Array | null {
  const bits = d.nullBitmap as Uint8Array | undefined;
  return bits !== undefined && bits.length > 0 ? bits : null;
}
