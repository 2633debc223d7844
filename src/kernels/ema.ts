/**
 * Exponential moving averages per key: the loops behind the `ema` operator. Pure
 * typed-array code: no RxJS, no Arrow objects.
 *
 * Per-key state by slot (`code + 1`, slot 0 = the null-key group): `mean` (the current
 * average), `weight` (pandas' `old_wt`), `count` (valid values seen; 0 = no average yet)
 * and, over event time, the time of the last valid value. The recurrences are pandas'
 * `ewm().mean()` (`pandas/_libs/window/aggregations.pyx`, `ewm`) and polars' `ewm_mean`,
 * which agree on them:
 *
 * - first valid value `x`: `mean = x`, `weight = 1`;
 * - each later row, unless it is null and `ignoreNulls`: `weight *= 1 - alpha`; then for a
 *   valid `x`: `mean = (weight * mean + w * x) / (weight + w)` (skipped when `mean === x`,
 *   as both libraries do against rounding drift on constant series) with `w = 1` and
 *   `weight += 1` when `adjust`, `w = alpha` and `weight = 1` otherwise;
 * - the output of a valid row is `mean` once `count >= minPeriods`; a null row gives null
 *   (polars; pandas repeats the previous mean there).
 *
 * Over event time (`emaTimes`), the decay between two valid values `dt` ns apart is
 * `0.5 ** (dt / halfLife)` (pandas' `times=` with `adjust=True`; with `adjust: false`,
 * `mean += (1 - decay) * (x - mean)`, polars' `ewm_mean_by`). Null rows change nothing.
 */

/**
 * Whether `(1 - alpha) + alpha` is exactly 1 in doubles (most alphas): with `adjust: false`
 * a key's weight then stays 1 from one valid value to the next, and the recursion needs no
 * division.
 */
export function unitWeights(alpha: number): boolean {
  return 1 - alpha + alpha === 1;
}

/**
 * Row-based EMA of `values[0..n)` (`validity` null: no nulls; else bit `vOff + i`), per
 * key `codes`. Writes `out[i]` and sets bit `i` of `outValidity` (zero-filled) for each row
 * with a result; returns the number of null results. State arrays need an entry for every
 * slot of `codes`.
 *
 * @example
 * // alpha 0.5, adjust, one key: [1, 2] → [1, (0.5 * 1 + 2) / 1.5]
 * emaRows(Float64Array.of(1, 2), null, 0, Int32Array.of(0, 0), 2, 0.5, true, false, 1, mean, weight, count, out, validity) // 0
 */
export function emaRows(
  values: Float64Array,
  validity: Uint8Array | null,
  vOff: number,
  codes: Int32Array,
  n: number,
  alpha: number,
  adjust: boolean,
  ignoreNulls: boolean,
  minPeriods: number,
  mean: Float64Array,
  weight: Float64Array,
  count: Float64Array,
  out: Float64Array,
  outValidity: Uint8Array,
): number {
  const decay = 1 - alpha;
  const w = adjust ? 1 : alpha;
  // adjust: false with the key's weight at 1 (no null decayed it): the denominator is
  // decay + alpha, which is exactly 1 for most alphas: then the division is skipped (the
  // result is bit for bit the same)
  const unit = !adjust && unitWeights(alpha);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const s = codes[i] + 1;
    const p = vOff + i;
    const c = count[s];
    if (validity === null || ((validity[p >> 3] >> (p & 7)) & 1) !== 0) {
      const x = values[i];
      let m: number;
      if (c === 0) {
        m = x;
        weight[s] = 1;
      } else {
        const ws = weight[s];
        m = mean[s];
        if (unit && ws === 1) {
          if (m !== x) m = decay * m + w * x;
        } else {
          const old = ws * decay;
          if (m !== x) m = (old * m + w * x) / (old + w);
          weight[s] = adjust ? old + w : 1;
        }
      }
      mean[s] = m;
      count[s] = c + 1;
      if (c + 1 >= minPeriods) {
        out[i] = m;
        outValidity[i >> 3] |= 1 << (i & 7);
      } else nulls++;
    } else {
      if (c > 0 && !ignoreNulls) weight[s] *= decay;
      nulls++;
    }
  }
  return nulls;
}

/**
 * {@link emaRows} for the common case, without its per-row checks: `adjust: false` with
 * {@link unitWeights}`(alpha)`, no null value in the batch, `minPeriods <= 1`, and
 * every key that has a value has weight 1 (no null decayed a weight: the caller tracks it).
 * Then each row's output is `m = x` for a key's first value, else
 * `(1 - alpha) * m + alpha * x` (`m` kept when `x === m`): bit for bit what `emaRows` gives,
 * and every output is valid. Keeps `weight`/`count` as `emaRows` would (a new key gets
 * weight 1), so the next batch may take either loop.
 *
 * @example
 * // alpha 0.5, one key: [2, 4] → [2, 3]
 * emaRowsPlain(Float64Array.of(2, 4), Int32Array.of(0, 0), 2, 0.5, mean, weight, count, out)
 */
export function emaRowsPlain(
  values: Float64Array,
  codes: Int32Array,
  n: number,
  alpha: number,
  mean: Float64Array,
  weight: Float64Array,
  count: Float64Array,
  out: Float64Array,
): void {
  const decay = 1 - alpha;
  for (let i = 0; i < n; i++) {
    const s = codes[i] + 1;
    const x = values[i];
    const c = count[s];
    let m = x;
    if (c === 0) weight[s] = 1;
    else {
      m = mean[s];
      if (m !== x) m = decay * m + alpha * x;
    }
    mean[s] = m;
    count[s] = c + 1;
    out[i] = m;
  }
}

/**
 * EMA over event time: like {@link emaRows} with the decay between a key's valid values
 * `0.5 ** (dt / halfLifeNs)`, `dt` the time between them in ns. `timeWords` is the time
 * column (epoch ns, `BigInt64Array`) viewed as little-endian `Int32Array` words (two per
 * row), read without allocating; `lastHi`/`lastLo` hold each key's last valid time as
 * words. Exact for gaps below 2^53 ns (104 days).
 */
export function emaTimes(
  values: Float64Array,
  validity: Uint8Array | null,
  vOff: number,
  codes: Int32Array,
  n: number,
  timeWords: Int32Array,
  halfLifeNs: number,
  adjust: boolean,
  minPeriods: number,
  mean: Float64Array,
  weight: Float64Array,
  count: Float64Array,
  lastHi: Int32Array,
  lastLo: Int32Array,
  out: Float64Array,
  outValidity: Uint8Array,
): number {
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const p = vOff + i;
    if (validity !== null && ((validity[p >> 3] >> (p & 7)) & 1) === 0) {
      nulls++;
      continue;
    }
    const s = codes[i] + 1;
    const c = count[s];
    const x = values[i];
    const lo = timeWords[2 * i];
    const hi = timeWords[2 * i + 1];
    let m: number;
    if (c === 0) {
      m = x;
      weight[s] = 1;
    } else {
      const dt = (hi - lastHi[s]) * 4294967296 + ((lo >>> 0) - (lastLo[s] >>> 0));
      const decay = Math.pow(0.5, dt / halfLifeNs);
      m = mean[s];
      if (adjust) {
        const old = weight[s] * decay;
        if (m !== x) m = (old * m + x) / (old + 1);
        weight[s] = old + 1;
      } else if (m !== x) {
        m = decay * m + (1 - decay) * x;
      }
    }
    mean[s] = m;
    count[s] = c + 1;
    lastHi[s] = hi;
    lastLo[s] = lo;
    if (c + 1 >= minPeriods) {
      out[i] = m;
      outValidity[i >> 3] |= 1 << (i & 7);
    } else nulls++;
  }
  return nulls;
}

/**
 * 64-bit integers (as little-endian `Int32Array` words, two per value) to doubles:
 * `out[i] = hi * 2^32 + lo` (`signed`: `hi` signed), rounded to the nearest double beyond
 * 2^53. No BigInt is created.
 */
export function int64ToFloat64(words: Int32Array, signed: boolean, n: number, out: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) {
    const hi = signed ? words[2 * i + 1] : words[2 * i + 1] >>> 0;
    out[i] = hi * 4294967296 + (words[2 * i] >>> 0);
  }
  return out;
}
