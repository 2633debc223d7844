/**
 * Keeping the rows of a batch selected by a mask or by a selection vector.
 */
import type { Bool, Data, RecordBatch } from 'apache-arrow';
import { InvalidOptionError } from '../errors';
import { bitsToIndices, countMask, maskToIndices } from '../kernels/gather';
import { sliceBatch } from './build';
import { gatherBatch } from './take';

/**
 * The rows of `batch` where `mask` is set, in order, with the same schema.
 *
 * `mask` is either a `Uint8Array` with one byte per row (non-zero keeps the row) or a
 * bit-packed Bool `Data` (its offset is honoured; a null keeps nothing, as in SQL
 * `WHERE`). Its length must be `batch.numRows` (`InvalidOptionError`, option `mask`).
 *
 * Zero-copy where it can be (see `selectRows`); otherwise every column is gathered into
 * new buffers (see `takeRows`).
 *
 * @example
 * filterRows(batch, Uint8Array.of(1, 0, 1)) // rows 0 and 2
 */
export function filterRows(batch: RecordBatch, mask: Uint8Array | Data<Bool>): RecordBatch {
  const n = batch.numRows;
  if (mask.length !== n) {
    throw new InvalidOptionError('mask', `expected one entry per row (${n}), got ${mask.length}`);
  }
  let indices: Int32Array;
  if (mask instanceof Uint8Array) {
    const count = countMask(mask, n);
    if (count === n) return batch;
    if (count === 0) return sliceBatch(batch, 0, 0);
    indices = maskToIndices(mask, n, count);
  } else {
    const validity = mask.nullCount > 0 ? mask.nullBitmap : null;
    indices = bitsToIndices(mask.values, mask.offset, n, validity, mask.offset);
  }
  return selectRows(batch, indices, indices.length);
}

/**
 * The rows `selection[0..count)` of `batch`: strictly increasing row positions, as a
 * filter's predicate loop produces them (not checked: use `takeRows` for arbitrary
 * indices). The result has the batch's schema object.
 *
 * Zero-copy where it can be: every row selected → `batch` itself; none → a zero-row
 * slice; one contiguous run `a, a + 1, …, b - 1` → the slice `[a, b)` (buffers shared).
 * Otherwise every column is gathered into new buffers (see `takeRows`; every column type
 * that `takeRows` supports).
 *
 * @example
 * selectRows(batch, Int32Array.of(0, 2, 5), 3) // rows 0, 2 and 5
 */
export function selectRows(batch: RecordBatch, selection: Int32Array, count: number): RecordBatch {
  if (count === batch.numRows) return batch;
  if (count === 0) return sliceBatch(batch, 0, 0);
  const first = selection[0];
  // Increasing positions spanning count - 1 are exactly one run.
  if (selection[count - 1] - first === count - 1) return sliceBatch(batch, first, first + count);
  return gatherBatch(batch, selection, count, false);
}
