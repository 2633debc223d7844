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
 */
export function firstUnsorted(times: BigInt64Array, prev: bigint, n = times.length): number {
  let last = prev;
  for (let i = 0; i < n; i++) {
    const t = times[i];
    if (t < last) return i;
    last = t;
  }
  return -1;
}
