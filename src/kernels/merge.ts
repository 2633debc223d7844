/**
 * Merging sorted time arrays. Pure typed-array code.
 */

/**
 * Writes into `out` (length `a.length + b.length`) the merge order of two sorted time
 * arrays as indices into their concatenation `[a..., b...]`. Equal times: rows of `a`
 * first, then rows of `b`; each side keeps its own order (a stable merge).
 */
export function mergeOrder(a: BigInt64Array, b: BigInt64Array, out: Int32Array): void {
  const na = a.length;
  const nb = b.length;
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < na && j < nb) {
    if (b[j] < a[i]) out[k++] = na + j++;
    else out[k++] = i++;
  }
  while (i < na) out[k++] = i++;
  while (j < nb) out[k++] = na + j++;
}
