/**
 * Cutting batches by event time, zero-copy.
 */
import type { RecordBatch } from 'apache-arrow';
import { InvalidOptionError } from '../errors';
import { lowerBound, upperBound } from '../kernels/search';

/** Which ends of the interval `[from, to)` are included. */
export type ClosedSide = 'left' | 'right' | 'both' | 'neither';

export interface SliceByTimeOptions {
  /**
   * Which ends are included, as polars' `closed`: `'left'` (default) keeps
   * `from <= t < to`, `'right'` keeps `from < t <= to`, `'both'` keeps
   * `from <= t <= to`, `'neither'` keeps `from < t < to`.
   */
  closed?: ClosedSide;
}

/**
 * The row range `[a, b)` of the sorted epoch-ns `times` with `from <= t < to` (or the ends
 * chosen by `closed`), by binary search. Empty (`a === b`) when `to <= from`.
 *
 * @example
 * timeRange(BigInt64Array.of(1n, 2n, 2n, 5n), 2n, 5n) // [1, 3]
 */
export function timeRange(times: BigInt64Array, from: bigint, to: bigint, closed: ClosedSide = 'left'): [number, number] {
  const n = times.length;
  const a = closed === 'left' || closed === 'both' ? lowerBound(times, from, 0, n) : upperBound(times, from, 0, n);
  const b = closed === 'right' || closed === 'both' ? upperBound(times, to, a, n) : lowerBound(times, to, a, n);
  return [a, b];
}

/**
 * The rows of `batch` whose time is in `[from, to)` (or the ends chosen by
 * `options.closed`), as a zero-copy `batch.slice(a, b)`; `batch` itself when every row is
 * in range. `times` holds the epoch ns of the batch's rows, sorted (see
 * `timeValuesNs`), one per row (`InvalidOptionError`, option `times`, otherwise).
 *
 * @example
 * sliceByTime(batch, times, toNs('2024-01-02'), toNs('2024-01-03')) // the rows of Jan 2nd
 */
export function sliceByTime(
  batch: RecordBatch,
  times: BigInt64Array,
  from: bigint,
  to: bigint,
  options: SliceByTimeOptions = {},
): RecordBatch {
  const closed = options.closed ?? 'left';
  if (closed !== 'left' && closed !== 'right' && closed !== 'both' && closed !== 'neither') {
    throw new InvalidOptionError('closed', `expected 'left', 'right', 'both' or 'neither', got ${String(closed)}`);
  }
  if (times.length !== batch.numRows) {
    throw new InvalidOptionError('times', `expected one time per row (${batch.numRows}), got ${times.length}`);
  }
  const [a, b] = timeRange(times, from, to, closed);
  if (a === 0 && b === batch.numRows) return batch;
  return batch.slice(a, b);
}
