/**
 * The change filter behind the `cutoff` operator. Pure typed-array code: no RxJS, no Arrow
 * objects.
 *
 * Per key (slot `code + 1`, slot 0 = the null-key group) and column, the state is the value
 * of the key's last *emitted* row (`last[c][slot]`, `lastValid[c][slot]`), and
 * `seen[slot]` whether the key emitted a row yet.
 */

/**
 * Writes to `selection[0..count)` the positions of the rows of `codes[0..n)` that pass, in
 * increasing order (a selection vector for `selectRows`; room for `n` entries), and returns
 * their number `count`. A row passes when its key has not emitted a row yet, or when, for
 * some column `c`, its value differs from the key's last emitted one by more than
 * `tolerance[c]` (`|x - last| > tolerance`). A null differs from any value and equals a
 * null; NaN differs from any number and equals NaN. A passing row becomes its key's last
 * emitted row (every column, nulls included).
 *
 * `values[c]` are the columns as doubles, `validity[c]` their bitmaps (null: no nulls)
 * read at bit `offsets[c] + i`.
 *
 * @example
 * // one key, tolerance 0.5: [1, 1.2, 1.6, 1.7] → rows 0 and 2 pass
 * cutoffRows([Float64Array.of(1, 1.2, 1.6, 1.7)], [null], [0], Float64Array.of(0.5), codes, 4, seen, [last], [lastValid], selection) // 2: selection = [0, 2]
 */
export function cutoffRows(
  values: readonly Float64Array[],
  validity: readonly (Uint8Array | null)[],
  offsets: readonly number[],
  tolerance: Float64Array,
  codes: Int32Array,
  n: number,
  seen: Uint8Array,
  last: readonly Float64Array[],
  lastValid: readonly Uint8Array[],
  selection: Int32Array,
): number {
  const k = values.length;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const s = codes[i] + 1;
    let pass = seen[s] === 0;
    for (let c = 0; c < k && !pass; c++) {
      const bits = validity[c];
      const p = offsets[c] + i;
      const valid = bits === null || ((bits[p >> 3] >> (p & 7)) & 1) !== 0;
      if (valid !== (lastValid[c][s] === 1)) pass = true;
      else if (valid) {
        const x = values[c][i];
        const y = last[c][s];
        if (x !== x || y !== y) pass = (x !== x) !== (y !== y);
        else pass = Math.abs(x - y) > tolerance[c];
      }
    }
    if (!pass) continue;
    seen[s] = 1;
    for (let c = 0; c < k; c++) {
      const bits = validity[c];
      const p = offsets[c] + i;
      const valid = bits === null || ((bits[p >> 3] >> (p & 7)) & 1) !== 0;
      lastValid[c][s] = valid ? 1 : 0;
      if (valid) last[c][s] = values[c][i];
    }
    selection[count++] = i;
  }
  return count;
}
