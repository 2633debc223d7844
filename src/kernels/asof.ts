/**
 * The as-of join's merge walk, and the gathers and scatters of its per-key state. Pure
 * typed-array code: no RxJS, no Arrow objects.
 */
import type { FixedArray } from './gather';

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
 * With `changed` (room for `min(nr, keys)` codes), also lists each key whose latest row
 * became one of these right rows (`latest[code]` went from below `base` to `base + j`),
 * once, in order of its first such row, and returns how many; otherwise returns 0.
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
  changed?: Int32Array,
): number {
  // hand-written hot loop: one merge pass over both sides
  const track = changed !== undefined;
  let j = 0;
  let k = 0;
  const checkTolerance = tolerance >= 0n;
  for (let i = 0; i < nl; i++) {
    const t = lt[i];
    while (j < nr && (allowExact ? rt[j] <= t : rt[j] < t)) {
      const c = rc[j];
      if (c >= 0) {
        if (track && latest[c] < base) changed[k++] = c;
        latest[c] = base + j;
        latestTime[c] = rt[j];
      }
      j++;
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
      if (track && latest[c] < base) changed[k++] = c;
      latest[c] = base + j;
      latestTime[c] = rt[j];
    }
  }
  return k;
}

/**
 * Splits the as-of join's matches into two gather index lists over two sources: the
 * per-key state (rows `0..base)`: key codes) and the released right rows (`base + j`).
 * `stateIdx[i]` = `match[i]` when it is a state row, else -1; `rightIdx[i]` =
 * `match[i] - base` when it is a right row, else -1 (a -1 match gives -1 in both).
 * Returns the number of right-row matches (so that a caller can skip an empty gather).
 *
 * @example
 * // base 3: match [1, 4, -1] → stateIdx [1, -1, -1], rightIdx [-1, 1, -1]; returns 1
 */
export function splitMatches(match: Int32Array, n: number, base: number, stateIdx: Int32Array, rightIdx: Int32Array): number {
  let right = 0;
  for (let i = 0; i < n; i++) {
    const m = match[i];
    if (m >= base) {
      stateIdx[i] = -1;
      rightIdx[i] = m - base;
      right++;
    } else {
      stateIdx[i] = m;
      rightIdx[i] = -1;
    }
  }
  return right;
}

/**
 * The validity bitmap of a column gathered by `splitMatches`' index lists: bit `i` of
 * `out` (zero-filled) is set when `stateIdx[i] >= 0` and `stateValid[stateIdx[i]] !== 0`
 * (one byte per key), or when `rightIdx[i] >= 0` and that right row is valid (bit
 * `rightOffset + rightIdx[i]` of `rightBits`; `null`: every right row is valid). Returns
 * the number of set bits.
 */
export function asofValidity(
  stateIdx: Int32Array,
  rightIdx: Int32Array,
  n: number,
  stateValid: Uint8Array,
  rightBits: Uint8Array | null,
  rightOffset: number,
  out: Uint8Array,
): number {
  let set = 0;
  for (let i = 0; i < n; i++) {
    const s = stateIdx[i];
    let bit = 0;
    if (s >= 0) {
      bit = stateValid[s];
    } else {
      const j = rightIdx[i];
      if (j >= 0) {
        if (rightBits === null) bit = 1;
        else {
          const p = rightOffset + j;
          bit = (rightBits[p >> 3] >> (p & 7)) & 1;
        }
      }
    }
    out[i >> 3] |= bit << (i & 7);
    set += bit;
  }
  return set;
}

/**
 * After `asofBackward` listed the `k` keys `changed[0..k)` whose latest row became a right
 * row `base + j`: records `src[i] = latest[c] - base` (that right row) for `c = changed[i]`
 * and sets `latest[c] = c` (the key's row in the per-key state, which the caller then
 * updates from `src` to `changed`).
 *
 * O(k), no allocation.
 *
 * @example
 * // base 2, changed [1], latest [-1, 3] → src [1], latest [-1, 1]
 */
export function latestChanges(changed: Int32Array, k: number, latest: Int32Array, base: number, src: Int32Array): void {
  for (let i = 0; i < k; i++) {
    const c = changed[i];
    src[i] = latest[c] - base;
    latest[c] = c;
  }
}

/**
 * Scatters validity into one byte per key: `valid[dst[i]]` = bit `offset + src[i]` of
 * `bits` (`null`: 1) for `i < k`.
 */
export function scatterValidity(bits: Uint8Array | null, offset: number, src: Int32Array, dst: Int32Array, k: number, valid: Uint8Array): void {
  if (bits === null) {
    for (let i = 0; i < k; i++) valid[dst[i]] = 1;
    return;
  }
  for (let i = 0; i < k; i++) {
    const p = offset + src[i];
    valid[dst[i]] = (bits[p >> 3] >> (p & 7)) & 1;
  }
}

/** A scatter loop for one typed-array class (see `scatterFixed`). */
type FixedScatter = (values: FixedArray, src: Int32Array, dst: Int32Array, k: number, out: FixedArray) => void;

/**
 * Stride-1 scatter loops per typed-array class, generated once each (`new Function`, so
 * each has its own type feedback and its element loads and stores stay monomorphic, as
 * the gathers of `kernels/gather.ts` do).
 */
const FIXED_SCATTERS = new Map<unknown, FixedScatter>();

/**
 * `out[dst[i] * stride + s] = values[src[i] * stride + s]` for `i < k`, `s < stride`
 * (`values` and `out` of one typed-array class).
 */
export function scatterFixed<T extends FixedArray>(values: T, stride: number, src: Int32Array, dst: Int32Array, k: number, out: T): void {
  if (stride === 1) {
    let fn = FIXED_SCATTERS.get(values.constructor);
    if (fn === undefined) {
      fn = new Function('values', 'src', 'dst', 'k', 'out', '"use strict";\nfor (let i = 0; i < k; i++) out[dst[i]] = values[src[i]];') as FixedScatter;
      FIXED_SCATTERS.set(values.constructor, fn);
    }
    fn(values, src, dst, k, out);
    return;
  }
  for (let i = 0; i < k; i++) {
    const from = src[i] * stride;
    const to = dst[i] * stride;
    for (let s = 0; s < stride; s++) out[to + s] = values[from + s];
  }
}
