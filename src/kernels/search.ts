/**
 * Binary searches over sorted epoch-nanosecond arrays. Pure typed-array code: no RxJS,
 * no Arrow objects.
 */

/** The first index in `[from, to)` whose value is `>= t` (`to` if none). */
export function lowerBound(times: BigInt64Array, t: bigint, from = 0, to = times.length): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * `lowerBound` searching from `from` outwards (exponential search, then binary search in
 * the last step): O(log k) comparisons for an answer `from + k`, all near `from`. For a
 * cursor that takes a few rows at a time from a long batch: a plain binary search jumps
 * across the whole batch (cache misses) for every take.
 *
 * @example
 * gallopLowerBound(BigInt64Array.of(1n, 2n, 2n, 5n), 2n, 0, 4) // 1
 */
export function gallopLowerBound(times: BigInt64Array, t: bigint, from = 0, to = times.length): number {
  if (from >= to || times[from] >= t) return from;
  // times[lo] < t throughout
  let lo = from;
  let step = 1;
  while (lo + step < to && times[lo + step] < t) {
    lo += step;
    step *= 2;
  }
  return lowerBound(times, t, lo + 1, Math.min(lo + step, to));
}

/** The first index in `[from, to)` whose value is `> t` (`to` if none). */
export function upperBound(times: BigInt64Array, t: bigint, from = 0, to = times.length): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The first index `i` in `[0, n)` with `times[i] < times[i - 1]` (or `times[0] < prev`),
 * or -1 when the array is sorted (ties allowed) and starts at or after `prev`.
 *
 * Hand-written hot loop: it reads the 64-bit values as (signed high, unsigned low) 32-bit
 * halves, so that no `bigint` is materialised per row (about 4× faster than comparing the
 * `BigInt64Array` elements directly on V8 11).
 */
export function firstUnsorted(times: BigInt64Array, prev: bigint, n = times.length): number {
  if (n === 0) return -1;
  if (times[0] < prev) return 0;
  const hi = new Int32Array(times.buffer, times.byteOffset, n * 2);
  const lo = new Uint32Array(times.buffer, times.byteOffset, n * 2);
  let ph = hi[LE ? 1 : 0];
  let pl = lo[LE ? 0 : 1];
  for (let i = 1; i < n; i++) {
    const h = hi[2 * i + H];
    const l = lo[2 * i + L];
    if (h < ph || (h === ph && l < pl)) return i;
    ph = h;
    pl = l;
  }
  return -1;
}

const LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const H = LE ? 1 : 0;
const L = LE ? 0 : 1;
