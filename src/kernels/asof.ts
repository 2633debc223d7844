/**
 * The as-of join's merge walk, and the gathers and scatters of its per-key state. Pure
 * typed-array code: no RxJS, no Arrow objects.
 */
import type { FixedArray } from './gather';
import { compileLoop } from './compile';

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
      fn = compileLoop<FixedScatter>('scatter', ['values', 'src', 'dst', 'k', 'out'], '"use strict";\nfor (let i = 0; i < k; i++) out[dst[i]] = values[src[i]];');
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

/**
 * The left rows of a forward or nearest as-of join that are not emitted yet, and their
 * matching state, in typed arrays. Rows are numbered by a sequence number `seq` (one per
 * left row, in left order); row `seq` lives at slot `seq - base`. Per row:
 *
 * - `time`, `key`: its left time and key code;
 * - `ref`: its match so far, as a value reference (an index into the caller's store of
 *   right values: a right row, or for `nearest` the row's backward candidate); -1: none;
 * - `limit`: the latest right time that can still replace `ref` (and the row's deadline):
 *   the first right row of its key after the left time becomes its match when its time is
 *   `<= limit` (forward: left time + tolerance; nearest: left time + min(tolerance,
 *   distance to the backward candidate - 1ns), since a forward row must be strictly
 *   nearer); `MAX_TIME`: no limit;
 * - `done`: 1 once resolved (`ref` is final).
 *
 * The unresolved rows of each key code form a list in left order (`keyHead`/`keyTail` per
 * key, `nextSame` per row; seqs, -1 ends), whose head is always unresolved; rows with a
 * deadline (the time through which the right input must be complete to resolve the row)
 * sit in a binary min-heap (`heapTime`, `heapSeq`, `heapSize`; stale entries of rows
 * resolved otherwise are skipped when popped); rows that take a right row as their match
 * are listed in `touched` (so that the caller can keep just the right values that held rows
 * refer to). Seqs are stored in Float64Arrays (exact integers up to 2^53).
 */
export interface AsofPending {
  base: number;
  next: number;
  unresolved: number;
  time: BigInt64Array;
  key: Int32Array;
  ref: Float64Array;
  limit: BigInt64Array;
  done: Uint8Array;
  nextSame: Float64Array;
  keyHead: Float64Array;
  keyTail: Float64Array;
  heapTime: BigInt64Array;
  heapSeq: Float64Array;
  heapSize: number;
  /** The seqs of rows that took a right row as their match since the caller last reset `nTouched` (room for every held row). */
  touched: Float64Array;
  nTouched: number;
}

/** `AsofPending.limit` of a row that any later right row of its key resolves to itself. */
const MAX_LIMIT = 2n ** 63n - 1n;

function heapPush(p: AsofPending, t: bigint, seq: number): void {
  const ht = p.heapTime;
  const hs = p.heapSeq;
  let i = p.heapSize++;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (ht[parent] <= t) break;
    ht[i] = ht[parent];
    hs[i] = hs[parent];
    i = parent;
  }
  ht[i] = t;
  hs[i] = seq;
}

function heapPop(p: AsofPending): number {
  const ht = p.heapTime;
  const hs = p.heapSeq;
  const top = hs[0];
  const n = --p.heapSize;
  if (n === 0) return top;
  const t = ht[n];
  const s = hs[n];
  let i = 0;
  for (;;) {
    let c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && ht[c + 1] < ht[c]) c++;
    if (ht[c] >= t) break;
    ht[i] = ht[c];
    hs[i] = hs[c];
    i = c;
  }
  ht[i] = t;
  hs[i] = s;
  return top;
}

/** Drops resolved rows from the head of key `c`'s list (keeps the head unresolved). */
function cleanHead(p: AsofPending, c: number): void {
  let s = p.keyHead[c];
  while (s >= 0 && p.done[s - p.base] !== 0) s = p.nextSame[s - p.base];
  p.keyHead[c] = s;
  if (s < 0) p.keyTail[c] = -1;
}

/**
 * Resolves, with the right row `ref` at time `r` of key `c`, every unresolved row of key
 * `c` with a left time `< r` (a prefix of the key's list): the right row becomes its match
 * when `r <= limit` (within tolerance, and for nearest strictly nearer than the backward
 * candidate: equal distances go backward); otherwise the row keeps its match so far.
 */
function resolveKey(p: AsofPending, c: number, r: bigint, ref: number): void {
  const base = p.base;
  const time = p.time;
  const done = p.done;
  const limit = p.limit;
  let s = p.keyHead[c];
  while (s >= 0) {
    const slot = s - base;
    if (done[slot] === 0) {
      if (time[slot] >= r) break;
      if (r <= limit[slot]) {
        p.ref[slot] = ref;
        p.touched[p.nTouched++] = s;
      }
      done[slot] = 1;
      p.unresolved--;
    }
    s = p.nextSame[slot];
  }
  p.keyHead[c] = s;
  if (s < 0) p.keyTail[c] = -1;
}

/**
 * Forward or nearest as-of matching of released left rows against released right rows
 * (both sorted, ties allowed), per key code, through the pending rows `p`.
 *
 * Walks `lt[0..nl)`/`rt[0..nr)` in time order; at equal times, right rows come before
 * left rows when `allowExact`, after them otherwise (as `asofBackward`). Passing right row
 * `j` (key `rc[j] >= 0`, value reference `rightRef + j`) records its time in
 * `lastTime[c]` (and in `firstAt[c]` the reference of the *first* right row of the key at
 * that time), then resolves the key's unresolved rows with an earlier left time (see
 * `resolveKey`). Each left row `i` is appended to `p` as row `p.next++`:
 *
 * - null key (`lc[i] < 0`): resolved, no match;
 * - forward: resolved at once with `firstAt[c]` when `allowExact` and the key's last right
 *   row (passed in this call: `firstAt[c] >= rightRef`) is at its exact time; otherwise
 *   unresolved with the deadline `lt + tolerance` (none without tolerance);
 * - nearest: its backward candidate is `bwMatch[i] >= 0` (value reference
 *   `leftRef + i`, at distance `lt - lastTime[c]`): resolved at once at distance <= 0 (an
 *   exact match: nothing forward can be nearer); otherwise unresolved with the deadline
 *   `lt + min(tolerance, distance - 1ns)` (a forward row must be strictly nearer).
 *
 * The caller must have made room for `nl` more rows and heap entries, and for every key
 * code. O(nl + nr + resolved rows), no allocation.
 */
export function asofForward(
  lt: BigInt64Array,
  lc: Int32Array,
  nl: number,
  rt: BigInt64Array,
  rc: Int32Array,
  nr: number,
  rightRef: number,
  bwMatch: Int32Array | null,
  leftRef: number,
  lastTime: BigInt64Array,
  firstAt: Float64Array,
  tolerance: bigint,
  allowExact: boolean,
  p: AsofPending,
): void {
  // hand-written hot loop: one merge pass over both sides; the state's arrays in locals
  // (the caller grows them only between calls)
  const nearest = bwMatch !== null;
  const checkTolerance = tolerance >= 0n;
  const keyHead = p.keyHead;
  const keyTail = p.keyTail;
  const time = p.time;
  const key = p.key;
  const ref = p.ref;
  const done = p.done;
  const nextSame = p.nextSame;
  const limitOf = p.limit;
  const base = p.base;
  let j = 0;
  for (let i = 0; i <= nl; i++) {
    const t = i < nl ? lt[i] : 0n;
    while (j < nr && (i === nl || (allowExact ? rt[j] <= t : rt[j] < t))) {
      const c = rc[j];
      if (c >= 0) {
        if (firstAt[c] < rightRef || lastTime[c] !== rt[j]) {
          lastTime[c] = rt[j];
          firstAt[c] = rightRef + j;
        }
        if (keyHead[c] >= 0) resolveKey(p, c, rt[j], rightRef + j);
      }
      j++;
    }
    if (i === nl) break;
    const seq = p.next++;
    const slot = seq - base;
    const c = lc[i];
    time[slot] = t;
    key[slot] = c;
    nextSame[slot] = -1;
    ref[slot] = -1;
    done[slot] = 1;
    if (c < 0) continue;
    let horizon = tolerance;
    if (!nearest) {
      if (allowExact && firstAt[c] >= rightRef && lastTime[c] === t) {
        ref[slot] = firstAt[c];
        p.touched[p.nTouched++] = seq;
        continue;
      }
    } else if (bwMatch[i] >= 0) {
      const d = t - lastTime[c];
      ref[slot] = leftRef + i;
      if (d <= 0n) continue;
      if (!checkTolerance || d - 1n < horizon) horizon = d - 1n;
    }
    done[slot] = 0;
    p.unresolved++;
    const tail = keyTail[c];
    if (tail >= 0) nextSame[tail - base] = seq;
    else keyHead[c] = seq;
    keyTail[c] = seq;
    if (horizon >= 0n) {
      const limit = t + horizon;
      limitOf[slot] = limit;
      heapPush(p, limit, seq);
    } else {
      limitOf[slot] = MAX_LIMIT;
    }
  }
}

/**
 * Resolves, with right rows that are not released yet (times above every pending row's
 * left time, in order; value references `rightRef + j`), the pending rows of their keys
 * (see `resolveKey`). Leaves `lastTime`/`firstAt` alone: these rows are walked again when
 * released. O(nr + resolved rows).
 */
export function asofResolveAhead(rt: BigInt64Array, rc: Int32Array, nr: number, rightRef: number, p: AsofPending): void {
  for (let j = 0; j < nr && p.unresolved > 0; j++) {
    const c = rc[j];
    if (c >= 0 && c < p.keyHead.length && p.keyHead[c] >= 0) resolveKey(p, c, rt[j], rightRef + j);
  }
}

/**
 * Resolves the pending rows whose deadline is `<= upTo` (the right input is complete
 * through `upTo` and every right row through it was walked), keeping their match so far.
 * With `upTo` = `MAX_TIME`, resolves every pending row. O(expired · log heap).
 */
export function asofExpire(p: AsofPending, upTo: bigint, all: boolean): void {
  while (p.heapSize > 0 && p.heapTime[0] <= upTo) {
    const seq = heapPop(p);
    const slot = seq - p.base;
    if (slot < 0 || p.done[slot] !== 0) continue; // emitted, or resolved otherwise
    p.done[slot] = 1;
    p.unresolved--;
    cleanHead(p, p.key[slot]);
  }
  if (!all || p.unresolved === 0) return;
  for (let slot = 0, n = p.next - p.base; slot < n; slot++) {
    if (p.done[slot] === 0) {
      p.done[slot] = 1;
      p.unresolved--;
    }
  }
  p.keyHead.fill(-1);
  p.keyTail.fill(-1);
  p.heapSize = 0;
}

/** The number of resolved rows from seq `from` on (the prefix that can be emitted). */
export function resolvedPrefix(p: AsofPending, from: number): number {
  const done = p.done;
  const start = from - p.base;
  const end = p.next - p.base;
  let i = start;
  while (i < end && done[i] !== 0) i++;
  return i - start;
}

/**
 * The arrays of one right column for {@link asofBackwardColumns}: the per-key state
 * (`state[code]`; for columns from the eighth on, `stateValid[code]` 1 or 0: the first
 * seven keep their validity in the key's mask byte), the released right rows (`right[j]`,
 * valid when `rightBits` is `null` or bit `rightOffset + j` is set), and the output
 * (`out[i]`, zero-filled, and its zero-filled validity bitmap `outBits`).
 */
export interface AsofColumnArrays {
  state: FixedArray;
  stateValid: Uint8Array;
  right: FixedArray;
  rightBits: Uint8Array | null;
  rightOffset: number;
  out: FixedArray;
  outBits: Uint8Array;
}

/** `mask[code]` bit of a key that has a latest right row. */
export const HAS_ROW = 0x80;
/** How many columns keep their state validity in the mask byte (bits 0..6). */
export const MASK_COLUMNS = 7;

/**
 * The backward as-of join of released rows with per-key state in typed arrays, for right
 * columns of one element per row, as the hand-written loop does it: each right row,
 * passed in time order, is written into its key's state at once (`state[code]`, and one
 * store of the key's mask byte: `HAS_ROW` and, for column `k < MASK_COLUMNS`, bit `k` when
 * the value is valid; later columns in `stateValid[code]`; `latestTime[code]` when a
 * tolerance is checked), and each left row reads its key's state. The reads hit a small
 * array (one entry per key) instead of gathering from the released right rows. (One mask
 * store per row instead of an index and a validity byte per column: measured 28% less
 * time per row.)
 *
 * The loop merges the left times `lt` and the right times `rt` itself: right rows at a left
 * row's exact time come before it with `allowExact` (a variant of its own), after it
 * otherwise. `mask[code]` is 0 for a key without a latest right row. Left row `i` gets
 * `match[i]` = its key code, or -1 when the key is null (code < 0), has no latest row, or
 * `lt[i] - latestTime[code] > tolerance` (`tolerance >= 0`; `NO_TOLERANCE` disables the
 * check); column `k`'s output gets the state value and validity at row `outOffset + i`
 * (an unmatched row stays 0 and null: several calls can fill one output, each at its
 * offset). `nulls[k]` receives the number of null rows among these `nl`. Every right row
 * updates the state, so on return it holds each key's latest right row. O(nl + nr ×
 * columns), no allocation.
 *
 * In the `translated` variant, `rc` holds the right rows' dictionary indices and their key
 * codes are read through `xlat` (`xlat[rc[j]]`, every entry a code: see
 * `KeyEncoder.translation`), so the right keys need no encoding pass of their own; the
 * other variant ignores `xlat`.
 *
 * One generated function per tuple of typed-array classes and fill flags (see
 * {@link asofBackwardColumns}): every column's loads and stores stay monomorphic.
 *
 * @example
 * // state: key 0 holds 1.5; right (key 0) at 3 → 2.5; left (key 0) at 2 and 4
 * asofBackwardColumns([Float64Array], [], true)(lt, lc, 2, rt, rc, 1, mask, latestTime, -1n, match, cols, nulls, 0, null)
 * // out [1.5, 2.5]; state[0] = 2.5
 */
export type AsofBackwardColumns = (
  lt: BigInt64Array,
  lc: Int32Array,
  nl: number,
  rt: BigInt64Array,
  rc: Int32Array,
  nr: number,
  mask: Uint8Array,
  latestTime: BigInt64Array,
  tolerance: bigint,
  match: Int32Array,
  columns: readonly AsofColumnArrays[],
  nulls: Int32Array,
  outOffset: number,
  xlat: Int32Array | null,
) => void;

const FUSED_LOOPS = new Map<string, AsofBackwardColumns>();

/**
 * The fused backward loop for right columns of these typed-array classes (in order), with
 * right rows at a left row's exact time before it (`allowExact`) or after it.
 * `fillNulls[k]` (default false): column `k`'s null right rows leave its state alone, so
 * the state holds each key's last *valid* value (a null only before the key's first one):
 * the join of the right rows forward-filled per key, as `ffill` (no limit) by the join's
 * keys would fill them, without filling them (see `asofJoin`'s fusion with `ffill`).
 * `withTolerance` false: a variant for joins without a tolerance, which neither writes
 * `latestTime` nor checks it (its `tolerance` argument is ignored): a few percent less time
 * per row than the check of `NO_TOLERANCE`.
 */
export function asofBackwardColumns(
  classes: readonly { name: string }[],
  fillNulls: readonly boolean[] = [],
  allowExact = true,
  translated = false,
  withTolerance = true,
): AsofBackwardColumns {
  const flags = classes.map((_, k) => fillNulls[k] === true);
  const key =
    classes.map((c, k) => c.name + (flags[k] ? '+fill' : '')).join(',') +
    (allowExact ? ';exact' : ';strict') +
    (translated ? ';xlat' : '') +
    (withTolerance ? ';tolerance' : '');
  let fn = FUSED_LOOPS.get(key);
  if (fn === undefined) {
    const source = fusedSource(flags, allowExact, translated, withTolerance);
    fn = compileLoop<AsofBackwardColumns>('asof-backward-walk', ['lt', 'lc', 'nl', 'rt', 'rc', 'nr', 'mask', 'latestTime', 'tolerance', 'match', 'columns', 'nulls', 'outOffset', 'xlat'], source);
    FUSED_LOOPS.set(key, fn);
  }
  return fn;
}

/**
 * The source of the fused loop for `fillNulls.length` columns (unrolled: each column's
 * arrays in locals). The merge of the two time columns is inline: a separate merge pass
 * writing, for each left row, how many right rows come before it, then a walk reading those
 * counts, took ~10% more time over the whole features chain (measured with 1 to 9 columns:
 * inline is never slower).
 */
function fusedSource(fillNulls: readonly boolean[], allowExact: boolean, translated: boolean, withTolerance: boolean): string {
  const cols = [...Array(fillNulls.length).keys()];
  const inMask = (k: number) => k < MASK_COLUMNS;
  const each = (f: (k: number) => string) => cols.map(f).join('\n');
  const bit = (k: number, row: string) => `((RB${k}[(RO${k} + ${row}) >> 3] >> ((RO${k} + ${row}) & 7)) & 1)`;
  // the mask byte: HAS_ROW | the valid bits of this row; the fill columns' bits accumulate
  const masked = cols.filter(inMask);
  const fillBits = masked.filter((k) => fillNulls[k]).reduce((m, k) => m | (1 << k), 0);
  const rowBits = ['HAS_ROW', ...masked.map((k) => `b${k}`)].join(' | ');
  const maskStore =
    fillBits === 0 ? `mask[c] = ${rowBits};` : fillBits === (1 << masked.length) - 1 ? `mask[c] |= ${rowBits};` : `mask[c] = (mask[c] & ${fillBits}) | ${rowBits};`;
  const pass = (indent: string) => `${indent}const c = ${translated ? 'xlat[rc[j]]' : 'rc[j]'};
${indent}if (c >= 0) {${withTolerance ? `\n${indent}  if (checkTolerance) latestTime[c] = rt[j];` : ''}
${each((k) => {
  if (inMask(k)) {
    const b = `${indent}  const b${k} = RB${k} === null ? ${1 << k} : ${k === 0 ? bit(k, 'j') : `${bit(k, 'j')} << ${k}`};`;
    return fillNulls[k] ? `${b}\n${indent}  if (b${k} !== 0) S${k}[c] = R${k}[j];` : `${b}\n${indent}  S${k}[c] = R${k}[j];`;
  }
  const valid = `(RB${k} === null || ${bit(k, 'j')} !== 0)`;
  return fillNulls[k]
    ? `${indent}  if (${valid}) {\n${indent}    S${k}[c] = R${k}[j];\n${indent}    SV${k}[c] = 1;\n${indent}  }`
    : `${indent}  S${k}[c] = R${k}[j];\n${indent}  SV${k}[c] = ${valid} ? 1 : 0;`;
})}
${indent}  ${maskStore}
${indent}}`;
  return `"use strict";
const HAS_ROW = ${HAS_ROW};
${each((k) => `const c${k} = columns[${k}]; const S${k} = c${k}.state, SV${k} = c${k}.stateValid, R${k} = c${k}.right, RB${k} = c${k}.rightBits, RO${k} = c${k}.rightOffset, O${k} = c${k}.out, OB${k} = c${k}.outBits; let N${k} = 0;`)}
${withTolerance ? 'const checkTolerance = tolerance >= 0n;\n' : ''}let j = 0;
for (let i = 0; i < nl; i++) {
  const t = lt[i];
  for (; j < nr && rt[j] ${allowExact ? '<=' : '<'} t; j++) {
${pass('    ')}
  }
  const c = lc[i];
  ${withTolerance ? 'let' : 'const'} m = c >= 0 ? mask[c] : 0;${withTolerance ? '\n  if (m !== 0 && checkTolerance && t - latestTime[c] > tolerance) m = 0;' : ''}
  if (m === 0) {
    match[i] = -1;
${each((k) => `    N${k}++;`)}
    continue;
  }
  match[i] = c;
  const o = outOffset + i;
  const byte = o >> 3;
  const bitAt = 1 << (o & 7);
${each((k) => `  O${k}[o] = S${k}[c];\n  if (${inMask(k) ? `(m & ${1 << k}) !== 0` : `SV${k}[c] !== 0`}) OB${k}[byte] |= bitAt; else N${k}++;`)}
}
for (; j < nr; j++) {
${pass('  ')}
}
${each((k) => `nulls[${k}] = N${k};`)}`;
}
