/**
 * The conventions shared by weir's keyed (per-group) operators: `ffill`, `cumulative`,
 * `rolling`, `ema`, `cutoff`, `lastByKey`, `scanByKey`.
 *
 * - Keys are encoded once per batch into dense `Int32Array` codes by a `KeyEncoder`
 *   (`src/batch/keys.ts`); a null key has code -1 (`NULL_CODE`).
 * - **Null keys form their own group** (as polars' `over` and SQL's `PARTITION BY` do):
 *   per-key state is indexed by the *slot* `code + 1`, so slot 0 is the null-key group and
 *   the hot loops need no branch on null keys.
 * - Per-key state lives in typed arrays indexed by slot, grown by doubling
 *   (`growArray`), never in a `Map` or per-key objects. An operator's state implements
 *   `KeyedArrays` so the key-expiry machinery can grow and compact it without knowing its
 *   layout.
 */

/** The typed arrays a keyed state may hold. */
export type StateArray =
  | Float64Array
  | Float32Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint8Array
  | BigInt64Array
  | BigUint64Array;

/** The slot of key code `code`: slot 0 is the null-key group. */
export const slotOf = (code: number): number => code + 1;

/**
 * A per-key state laid out in typed arrays indexed by slot (`code + 1`).
 */
export interface KeyedArrays {
  /** Makes room for slots `0..slots)` (that is, key codes `-1..slots-1)`). New slots hold the initial state. */
  grow(slots: number): void;
  /**
   * Compacts the state after key expiry: the state of slot `s` moves to slot `map[s]`
   * (`map[s] < 0`: the key expired, its state is dropped; always `map[0] === 0`, the
   * null group is never expired). `slots` is the number of slots kept; `map` is
   * increasing on kept slots, so moving in place from low to high slots is safe.
   */
  remap(map: Int32Array, slots: number): void;
}

/**
 * `array` itself when it has room for `size * stride` values, else a larger copy (doubling,
 * at least 16 slots) whose new tail is filled with `fill` (default 0).
 */
export function growArray<T extends StateArray>(array: T, size: number, stride = 1, fill?: number | bigint): T {
  const need = size * stride;
  if (array.length >= need) return array;
  const length = Math.max(need, array.length * 2, 16 * stride);
  const next = new (array.constructor as new (n: number) => T)(length);
  next.set(array as never);
  if (fill !== undefined && fill !== 0 && fill !== 0n) next.fill(fill as never, array.length);
  return next;
}

/**
 * Moves slot `s`'s `stride` values to slot `map[s]` in place (see `KeyedArrays.remap`) and
 * resets the freed tail `slots..` to `fill` (default 0), so regrown slots start clean.
 */
export function remapArray<T extends StateArray>(array: T, map: Int32Array, slots: number, stride = 1, fill?: number | bigint): T {
  const n = Math.min(map.length, Math.floor(array.length / stride));
  for (let s = 0; s < n; s++) {
    const to = map[s];
    if (to < 0 || to === s) continue;
    array.copyWithin(to * stride, s * stride, (s + 1) * stride);
  }
  array.fill((fill ?? (array instanceof BigInt64Array || array instanceof BigUint64Array ? 0n : 0)) as never, slots * stride);
  return array;
}
