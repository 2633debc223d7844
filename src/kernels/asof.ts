/**
 * The as-of join's merge walk. Pure typed-array code: no RxJS, no Arrow objects.
 */

/** No tolerance: any earlier right row matches. */
export const NO_TOLERANCE = -1n;

/**
 * Backward as-of matching of sorted left rows against sorted right rows, per key code.
 *
 * Walks the left times `lt[0..nl)` and the right times `rt[0..nr)` (both sorted, ties
 * allowed) in time order. Passing right row `j` with key code `rc[j] >= 0` records it as
 * the latest row of its key: `latest[code] = base + j`, `latestTime[code] = rt[j]` (so
 * several right rows of one key at one time leave the last of them). Right rows at a left
 * row's exact time are passed before it when `allowExact`, after it otherwise. Left row
 * `i` then gets `match[i] = latest[lc[i]]`, or -1 when its code is negative (a null key),
 * when its key has no latest row (`latest[code] < 0`), or when
 * `lt[i] - latestTime[code] > tolerance` (`tolerance >= 0`; `NO_TOLERANCE` disables the
 * check). Right rows after the last left row are passed at the end, so `latest` and
 * `latestTime` hold the state through the last right row on return.
 *
 * `latest` and `latestTime` must have an entry for every code in `lc` and `rc`; on entry
 * they hold the state before these rows (`latest[code] = -1` for a key without one).
 *
 * O(nl + nr), no allocation.
 *
 * @example
 * // left at 5 (key 0); right at 3 and 5 (key 0): backward with exact matches → the row at 5
 * asofBackward(lt, lc, 1, rt, rc, 2, 0, latest, latestTime, -1n, true, match) // match = [1]
 */
export function asofBackward(
  lt: BigInt64Array,
  lc: Int32Array,
  nl: number,
  rt: BigInt64Array,
  rc: Int32Array,
  nr: number,
  base: number,
  latest: Int32Array,
  latestTime: BigInt64Array,
  tolerance: bigint,
  allowExact: boolean,
  match: Int32Array,
): void {
  let j = 0;
  const checkTolerance = tolerance >= 0n;
  for (let i = 0; i < nl; i++) {
    const t = lt[i];
    if (allowExact) {
      while (j < nr && rt[j] <= t) {
        const c = rc[j];
        if (c >= 0) {
          latest[c] = base + j;
          latestTime[c] = rt[j];
        }
        j++;
      }
    } else {
      while (j < nr && rt[j] < t) {
        const c = rc[j];
        if (c >= 0) {
          latest[c] = base + j;
          latestTime[c] = rt[j];
        }
        j++;
      }
    }
    const c = lc[i];
    if (c < 0) {
      match[i] = -1;
      continue;
    }
    const m = latest[c];
    match[i] = m >= 0 && (!checkTolerance || t - latestTime[c] <= tolerance) ? m : -1;
  }
  for (; j < nr; j++) {
    const c = rc[j];
    if (c >= 0) {
      latest[c] = base + j;
      latestTime[c] = rt[j];
    }
  }
}
