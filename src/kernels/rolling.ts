/**
 * Rolling-window aggregates per key, updated incrementally (each row added once and
 * removed once; monotonic deques for min/max), one typed-array loop per aggregation and
 * batch. Two layouts:
 *
 * **Time windows** (`…Time` kernels): the window of a row at time t holds its key's rows
 * with time in (t - window, t], up to and including itself in stream order. Since the
 * input is sorted by time, a row that leaves one key's window at t can never enter a later
 * window: all keys' rows sit in **one FIFO ring** in stream order (sequence numbers `seq`,
 * position `seq & mask`): `ringSlot` (key slot), per value column `ringVal`/`ringOk`
 * (value, 1 = non-null), and for deques the links `next`/`prev` (sequence numbers, -1 =
 * none). For each row `start + i` at time `times[i]`, every aggregation kernel removes the
 * rows at the ring's head with time `<= times[i] - window` (never the row itself) and adds
 * the row: evicting and adding in one pass, as a hand-written loop does (a separate pass
 * that first computed each row's head for all the kernels cost ~25% more for one
 * aggregation; `evictedHead` gives the head after the batch). Memory: the rows of the last
 * `window` of the stream, all keys.
 *
 * **Row windows** (`…Rows` kernels): the last `w` rows of the key. Each key has a ring of
 * `w` values in a pool shared by all keys (`rv`/`rok` at `slot * w + pos[slot]`), and
 * `fill[slot]` rows so far (capped at `w`).
 *
 * Per-key state is indexed by slot (`code + 1`, slot 0 = null keys). Results: null where
 * the window holds fewer than `minPeriods` non-null values (and fewer than 1, or 2 for
 * `var`/`std`). Outputs `out` (Float64) and `outValid` (zeroed bitmap); kernels return the
 * number of nulls written.
 *
 * Sums use Kahan compensation (as pandas' rolling sums), reset whenever the window empties;
 * NaN and ±Infinity are counted apart (`nonFinite`, 4 per slot: all, NaN, +Inf, -Inf) so that
 * they leave the window cleanly while the result inside follows IEEE arithmetic.
 */

const isValid = (validity: Uint8Array, p: number): boolean => ((validity[p >> 3] >> (p & 7)) & 1) === 1;

/** `sum`: 0, `mean`: 1, `count`: 2. */
export const SUM = 0;
export const MEAN = 1;
export const COUNT = 2;
/** Deque modes: `min`: 0, `max`: 1, `first`: 2, `last`: 3. */
export const MIN = 0;
export const MAX = 1;
export const FIRST = 2;
export const LAST = 3;

/**
 * Time windows: the key slots of a batch's rows into the ring (`slot = code + 1`, at
 * positions `(start + i) & mask`). A kernel of its own rather than a loop inside the
 * per-batch method: there, V8 compiled the loop on stack (OSR) and re-entered that code on
 * every batch, to deoptimize right after the loop, in the code it had no feedback for
 * (~50 deoptimizations per pass over 5M trades; no change in time measured).
 */
export function ringSlots(ringSlot: Int32Array, codes: Int32Array, start: number, n: number, mask: number): void {
  for (let i = 0; i < n; i++) ringSlot[(start + i) & mask] = codes[i] + 1;
}

/** Time windows: the non-null flags of a batch's values into the ring (bit `offset + i` of `validity` → `ringOk[(start + i) & mask]`). */
export function ringValidity(ringOk: Uint8Array, validity: Uint8Array, offset: number, start: number, n: number, mask: number): void {
  for (let i = 0; i < n; i++) {
    const p = offset + i;
    ringOk[(start + i) & mask] = (validity[p >> 3] >> (p & 7)) & 1;
  }
}

/**
 * Time windows: the ring's head once a batch of `n > 0` rows went through, ending with the
 * row of sequence `last` at time `lastTime`: the rows with time `<= lastTime - window` left,
 * never the last row itself. Every aggregation kernel moves its own copy of the head the same
 * way row by row (times are sorted, so the last row's bound is the one that counts).
 */
export function evictedHead(ringTime: BigInt64Array, mask: number, head: number, last: number, lastTime: bigint, window: bigint): number {
  const lo = lastTime - window;
  while (head < last && ringTime[head & mask] <= lo) head++;
  return head;
}

/** The value of a sum state: IEEE rules over the non-finite values counted apart (`nf` at `k4`: total, NaN, +Inf, -Inf). */
function finish(s: number, nf: Float64Array, k4: number): number {
  if (nf[k4] === 0) return s;
  if (nf[k4 + 1] > 0 || (nf[k4 + 2] > 0 && nf[k4 + 3] > 0)) return NaN;
  return nf[k4 + 2] > 0 ? Infinity : -Infinity;
}

function countNonFinite(nf: Float64Array, k4: number, v: number, d: number): void {
  nf[k4] += d;
  nf[v !== v ? k4 + 1 : v > 0 ? k4 + 2 : k4 + 3] += d;
}

/**
 * Time windows: sum, mean or count (`mode`) of one column. State per slot: `sum`, `comp`
 * (Kahan compensation), `nobs` (non-null values in the window), `nonFinite` (4 per slot).
 * With `ringOk === null` every row counts (`count()`).
 */
export function rollingSumTime(
  mode: number,
  ringTime: BigInt64Array,
  times: BigInt64Array,
  window: bigint,
  head: number,
  start: number,
  n: number,
  ringSlot: Int32Array,
  ringVal: Float64Array,
  ringOk: Uint8Array | null,
  mask: number,
  sum: Float64Array,
  comp: Float64Array,
  nobs: Float64Array,
  nonFinite: Float64Array,
  minPeriods: number,
  out: Float64Array,
  outValid: Uint8Array,
): number {
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const seq = start + i;
    const lo = times[i] - window;
    for (; head < seq && ringTime[head & mask] <= lo; head++) {
      const q = head & mask;
      if (ringOk !== null && ringOk[q] === 0) continue;
      const k = ringSlot[q];
      const c = nobs[k] - 1;
      nobs[k] = c;
      if (mode === COUNT) continue;
      const v = ringVal[q];
      if (c === 0) {
        sum[k] = 0;
        comp[k] = 0;
        nonFinite[4 * k] = nonFinite[4 * k + 1] = nonFinite[4 * k + 2] = nonFinite[4 * k + 3] = 0;
      } else if (v - v === 0) {
        const y = -v - comp[k];
        const t = sum[k] + y;
        comp[k] = t - sum[k] - y;
        sum[k] = t;
      } else countNonFinite(nonFinite, 4 * k, v, -1);
    }
    const p = seq & mask;
    const k = ringSlot[p];
    if (ringOk === null || ringOk[p] === 1) {
      nobs[k] += 1;
      if (mode !== COUNT) {
        const v = ringVal[p];
        if (v - v === 0) {
          const y = v - comp[k];
          const t = sum[k] + y;
          comp[k] = t - sum[k] - y;
          sum[k] = t;
        } else countNonFinite(nonFinite, 4 * k, v, 1);
      }
    }
    const c = nobs[k];
    if (c >= minPeriods && (c > 0 || mode !== MEAN)) {
      out[i] = mode === COUNT ? c : mode === SUM ? finish(sum[k], nonFinite, 4 * k) : finish(sum[k], nonFinite, 4 * k) / c;
      outValid[i >> 3] |= 1 << (i & 7);
    } else {
      out[i] = 0;
      nulls++;
    }
  }
  return nulls;
}

/** Adds (`d = 1`) or removes (`d = -1`) `v` to a Welford state; `c` is the count after. */
function welford(mean: Float64Array, m2: Float64Array, k: number, v: number, c: number, d: number): void {
  if (c === 0) {
    mean[k] = 0;
    m2[k] = 0;
    return;
  }
  const mu = mean[k];
  const delta = v - mu;
  const next = mu + (d * delta) / c;
  mean[k] = next;
  m2[k] += d * delta * (v - next);
}

function varianceOf(m2: number, c: number, isStd: boolean): number {
  const x = m2 > 0 ? m2 / (c - 1) : 0;
  return isStd ? Math.sqrt(x) : x;
}

/**
 * Time windows: sample variance (`isStd`: standard deviation), ddof = 1, by Welford's
 * add and remove updates (as pandas' rolling var). State per slot: `nobs`, `mean`, `m2`,
 * `nonFinite` (a non-finite value in the window makes the result NaN).
 */
export function rollingVarTime(
  isStd: boolean,
  ringTime: BigInt64Array,
  times: BigInt64Array,
  window: bigint,
  head: number,
  start: number,
  n: number,
  ringSlot: Int32Array,
  ringVal: Float64Array,
  ringOk: Uint8Array,
  mask: number,
  nobs: Float64Array,
  mean: Float64Array,
  m2: Float64Array,
  nonFinite: Float64Array,
  minPeriods: number,
  out: Float64Array,
  outValid: Uint8Array,
): number {
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const seq = start + i;
    const lo = times[i] - window;
    for (; head < seq && ringTime[head & mask] <= lo; head++) {
      const q = head & mask;
      if (ringOk[q] === 0) continue;
      const k = ringSlot[q];
      const c = nobs[k] - 1;
      nobs[k] = c;
      const v = ringVal[q];
      if (v - v === 0) welford(mean, m2, k, v, c - nonFinite[k], -1);
      else nonFinite[k] -= 1;
      if (c === 0) nonFinite[k] = 0;
    }
    const p = seq & mask;
    const k = ringSlot[p];
    if (ringOk[p] === 1) {
      const c = nobs[k] + 1;
      nobs[k] = c;
      const v = ringVal[p];
      if (v - v === 0) welford(mean, m2, k, v, c - nonFinite[k], 1);
      else nonFinite[k] += 1;
    }
    const c = nobs[k];
    if (c >= minPeriods && c >= 2) {
      out[i] = nonFinite[k] > 0 ? NaN : varianceOf(m2[k], c, isStd);
      outValid[i >> 3] |= 1 << (i & 7);
    } else {
      out[i] = 0;
      nulls++;
    }
  }
  return nulls;
}

/**
 * Time windows: min, max, first or last non-null value (`mode`). State per slot: `nobs`,
 * `nan` (NaN values in the window: min/max are NaN while any), `front`/`back` (sequence
 * numbers of the deque's ends, -1 = empty); per ring entry `next`/`prev` links. min/max
 * keep a monotonic deque (values increasing for min), `first` a queue of the non-null
 * rows, `last` only `back` (the latest non-null row: in the window whenever `nobs > 0`).
 */
export function rollingDequeTime(
  mode: number,
  ringTime: BigInt64Array,
  times: BigInt64Array,
  window: bigint,
  head: number,
  start: number,
  n: number,
  ringSlot: Int32Array,
  ringVal: Float64Array,
  ringOk: Uint8Array,
  mask: number,
  nobs: Float64Array,
  nan: Float64Array,
  front: Float64Array,
  back: Float64Array,
  next: Float64Array,
  prev: Float64Array,
  minPeriods: number,
  out: Float64Array,
  outValid: Uint8Array,
): number {
  let nulls = 0;
  const minMax = mode === MIN || mode === MAX;
  for (let i = 0; i < n; i++) {
    const seq = start + i;
    const lo = times[i] - window;
    for (; head < seq && ringTime[head & mask] <= lo; head++) {
      const q = head & mask;
      if (ringOk[q] === 0) continue;
      const k = ringSlot[q];
      nobs[k] -= 1;
      if (mode === LAST) continue;
      const v = ringVal[q];
      if (minMax && v !== v) nan[k] -= 1;
      else if (front[k] === head) {
        if (back[k] === head) front[k] = back[k] = -1;
        else {
          const f = next[q];
          front[k] = f;
          prev[f & mask] = -1;
        }
      }
    }
    const p = seq & mask;
    const k = ringSlot[p];
    if (ringOk[p] === 1) {
      nobs[k] += 1;
      const v = ringVal[p];
      if (mode === LAST) back[k] = seq;
      else if (minMax && v !== v) nan[k] += 1;
      else {
        let b = back[k];
        if (minMax) {
          // pop the back while it can never be the extreme again
          while (b >= 0 && (mode === MIN ? ringVal[b & mask] >= v : ringVal[b & mask] <= v)) b = prev[b & mask];
        }
        prev[p] = b;
        next[p] = -1;
        if (b >= 0) next[b & mask] = seq;
        else front[k] = seq;
        back[k] = seq;
      }
    }
    const c = nobs[k];
    if (c >= minPeriods && c > 0) {
      out[i] = minMax && nan[k] > 0 ? NaN : ringVal[(mode === LAST ? back[k] : front[k]) & mask];
      outValid[i >> 3] |= 1 << (i & 7);
    } else {
      out[i] = 0;
      nulls++;
    }
  }
  return nulls;
}

/**
 * Row windows: sum, mean or count (`mode`) over the last `w` rows of each key. `values`/
 * `validity`/`off` is the batch's column (`validity === null`: no nulls; with `countRows`
 * every row counts, for `count()`), `codes` the key codes. Per-key rings `rv`/`rok` (`w`
 * per slot), `pos` (next ring position), `fill` (rows in the ring); state as in
 * `rollingSumTime`.
 */
export function rollingSumRows(
  mode: number,
  codes: Int32Array,
  n: number,
  values: Float64Array,
  validity: Uint8Array | null,
  off: number,
  w: number,
  rv: Float64Array,
  rok: Uint8Array,
  pos: Int32Array,
  fill: Int32Array,
  sum: Float64Array,
  comp: Float64Array,
  nobs: Float64Array,
  nonFinite: Float64Array,
  minPeriods: number,
  out: Float64Array,
  outValid: Uint8Array,
): number {
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const k = codes[i] + 1;
    const r = k * w + pos[k];
    pos[k] = pos[k] + 1 === w ? 0 : pos[k] + 1;
    if (fill[k] === w) {
      if (rok[r] === 1) {
        // the key's oldest row leaves the window
        const c = nobs[k] - 1;
        nobs[k] = c;
        if (mode !== COUNT) {
          const v = rv[r];
          if (c === 0) {
            sum[k] = 0;
            comp[k] = 0;
            nonFinite[4 * k] = nonFinite[4 * k + 1] = nonFinite[4 * k + 2] = nonFinite[4 * k + 3] = 0;
          } else if (v - v === 0) {
            const y = -v - comp[k];
            const t = sum[k] + y;
            comp[k] = t - sum[k] - y;
            sum[k] = t;
          } else countNonFinite(nonFinite, 4 * k, v, -1);
        }
      }
    } else fill[k]++;
    const v = values[i];
    const ok = validity === null || isValid(validity, off + i);
    rv[r] = v;
    rok[r] = ok ? 1 : 0;
    if (ok) {
      nobs[k] += 1;
      if (mode !== COUNT) {
        if (v - v === 0) {
          const y = v - comp[k];
          const t = sum[k] + y;
          comp[k] = t - sum[k] - y;
          sum[k] = t;
        } else countNonFinite(nonFinite, 4 * k, v, 1);
      }
    }
    const c = nobs[k];
    if (c >= minPeriods && (c > 0 || mode !== MEAN)) {
      out[i] = mode === COUNT ? c : mode === SUM ? finish(sum[k], nonFinite, 4 * k) : finish(sum[k], nonFinite, 4 * k) / c;
      outValid[i >> 3] |= 1 << (i & 7);
    } else {
      out[i] = 0;
      nulls++;
    }
  }
  return nulls;
}

/** Row windows: sample variance / standard deviation (see `rollingVarTime`, `rollingSumRows`). */
export function rollingVarRows(
  isStd: boolean,
  codes: Int32Array,
  n: number,
  values: Float64Array,
  validity: Uint8Array | null,
  off: number,
  w: number,
  rv: Float64Array,
  rok: Uint8Array,
  pos: Int32Array,
  fill: Int32Array,
  nobs: Float64Array,
  mean: Float64Array,
  m2: Float64Array,
  nonFinite: Float64Array,
  minPeriods: number,
  out: Float64Array,
  outValid: Uint8Array,
): number {
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const k = codes[i] + 1;
    const r = k * w + pos[k];
    pos[k] = pos[k] + 1 === w ? 0 : pos[k] + 1;
    if (fill[k] === w) {
      if (rok[r] === 1) {
        const c = nobs[k] - 1;
        nobs[k] = c;
        const v = rv[r];
        if (v - v === 0) welford(mean, m2, k, v, c - nonFinite[k], -1);
        else nonFinite[k] -= 1;
        if (c === 0) nonFinite[k] = 0;
      }
    } else fill[k]++;
    const v = values[i];
    const ok = validity === null || isValid(validity, off + i);
    rv[r] = v;
    rok[r] = ok ? 1 : 0;
    if (ok) {
      const c = nobs[k] + 1;
      nobs[k] = c;
      if (v - v === 0) welford(mean, m2, k, v, c - nonFinite[k], 1);
      else nonFinite[k] += 1;
    }
    const c = nobs[k];
    if (c >= minPeriods && c >= 2) {
      out[i] = nonFinite[k] > 0 ? NaN : varianceOf(m2[k], c, isStd);
      outValid[i >> 3] |= 1 << (i & 7);
    } else {
      out[i] = 0;
      nulls++;
    }
  }
  return nulls;
}

/**
 * Row windows: min, max, first or last non-null value (`mode`, see `rollingDequeTime`).
 * Rows of a key are numbered by `seq[slot]` (rows seen); the deque of each key is a ring of
 * `w` row numbers in `dq` (`dqHead`, `dqLen` per slot); `last` keeps the latest non-null
 * row number in `lastSeq`.
 */
export function rollingDequeRows(
  mode: number,
  codes: Int32Array,
  n: number,
  values: Float64Array,
  validity: Uint8Array | null,
  off: number,
  w: number,
  rv: Float64Array,
  rok: Uint8Array,
  seq: Float64Array,
  nobs: Float64Array,
  nan: Float64Array,
  dq: Float64Array,
  dqHead: Int32Array,
  dqLen: Int32Array,
  lastSeq: Float64Array,
  minPeriods: number,
  out: Float64Array,
  outValid: Uint8Array,
): number {
  let nulls = 0;
  const minMax = mode === MIN || mode === MAX;
  for (let i = 0; i < n; i++) {
    const k = codes[i] + 1;
    const base = k * w;
    const s = seq[k];
    seq[k] = s + 1;
    const r = base + (s % w);
    if (s >= w && rok[r] === 1) {
      // row s - w leaves the window
      nobs[k] -= 1;
      if (mode !== LAST) {
        if (minMax && rv[r] !== rv[r]) nan[k] -= 1;
        else if (dqLen[k] > 0 && dq[base + dqHead[k]] === s - w) {
          dqHead[k] = dqHead[k] + 1 === w ? 0 : dqHead[k] + 1;
          dqLen[k]--;
        }
      }
    }
    const v = values[i];
    const ok = validity === null || isValid(validity, off + i);
    rv[r] = v;
    rok[r] = ok ? 1 : 0;
    if (ok) {
      nobs[k] += 1;
      if (mode === LAST) lastSeq[k] = s;
      else if (minMax && v !== v) nan[k] += 1;
      else {
        let len = dqLen[k];
        const h = dqHead[k];
        if (minMax) {
          while (len > 0) {
            const b = dq[base + ((h + len - 1) % w)];
            const bv = rv[base + (b % w)];
            if (mode === MIN ? bv >= v : bv <= v) len--;
            else break;
          }
        }
        dq[base + ((h + len) % w)] = s;
        dqLen[k] = len + 1;
      }
    }
    const c = nobs[k];
    if (c >= minPeriods && c > 0) {
      if (minMax && nan[k] > 0) out[i] = NaN;
      else out[i] = rv[base + ((mode === LAST ? lastSeq[k] : dq[base + dqHead[k]]) % w)];
      outValid[i >> 3] |= 1 << (i & 7);
    } else {
      out[i] = 0;
      nulls++;
    }
  }
  return nulls;
}
