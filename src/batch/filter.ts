/**
 * Keeping the rows of a batch selected by a mask.
 */
import type { Bool, Data, RecordBatch } from 'apache-arrow';
import { InvalidOptionError } from '../errors';
import { bitsToIndices, contiguousRun, countMask, maskToIndices } from '../kernels/gather';
import { gatherBatch } from './take';

/**
 * The rows of `batch` where `mask` is set, in order, with the same schema.
 *
 * `mask` is either a `Uint8Array` with one byte per row (non-zero keeps the row) or a
 * bit-packed Bool `Data` (its offset is honoured; a null keeps nothing, as in SQL
 * `WHERE`). Its length must be `batch.numRows` (`InvalidOptionError`, option `mask`).
 *
 * Zero-copy where it can be: all rows kept → `batch` itself; no row kept → a zero-row
 * `batch.slice(0, 0)`; one contiguous run kept → `batch.slice(a, b)`. Otherwise every
 * column is gathered into new buffers (see `takeRows`).
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
    if (count === 0) return batch.slice(0, 0);
    indices = maskToIndices(mask, n, count);
  } else {
    const validity = mask.nullCount > 0 ? mask.nullBitmap : null;
    indices = bitsToIndices(mask.values, mask.offset, n, validity, mask.offset);
    if (indices.length === n) return batch;
    if (indices.length === 0) return batch.slice(0, 0);
  }
  const run = contiguousRun(indices, indices.length);
  if (run) return batch.slice(run[0], run[1]);
  return gatherBatch(batch, indices, indices.length, false);
}
