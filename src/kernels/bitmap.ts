/**
 * Bit-packed bitmaps (Arrow validity bitmaps and Bool values): LSB-first, bit `p` is
 * `(bitmap[p >> 3] >> (p & 7)) & 1`. Every function takes an explicit bit offset, because
 * `Data.slice` re-bases value buffers but never bitmaps. Pure typed-array code: no RxJS,
 * no Arrow objects.
 */

/** The number of bytes that hold `length` bits. */
export function bitmapBytes(length: number): number {
  return (length + 7) >> 3;
}

/**
 * Whether bit `offset + i` is set. An empty bitmap (Arrow's "no nulls") reads as unset:
 * check `nullCount === 0` before calling this.
 */
export function isValid(bitmap: Uint8Array, offset: number, i: number): boolean {
  const p = offset + i;
  return (bitmap[p >> 3] & (1 << (p & 7))) !== 0;
}

/** Sets bit `p` of `bitmap` to `value`. */
export function setBit(bitmap: Uint8Array, p: number, value: boolean): void {
  if (value) bitmap[p >> 3] |= 1 << (p & 7);
  else bitmap[p >> 3] &= ~(1 << (p & 7));
}

/** Sets (or clears) bits `[offset, offset + length)` of `bitmap`. */
export function setBits(bitmap: Uint8Array, offset: number, length: number, value: boolean): void {
  let p = offset;
  const end = offset + length;
  while (p < end && (p & 7) !== 0) setBit(bitmap, p++, value);
  const fullEnd = end & ~7;
  if (p < fullEnd) {
    bitmap.fill(value ? 0xff : 0, p >> 3, fullEnd >> 3);
    p = fullEnd;
  }
  while (p < end) setBit(bitmap, p++, value);
}

/**
 * Copies bits `[srcOffset, srcOffset + length)` of `src` to bits
 * `[dstOffset, dstOffset + length)` of `dst`, leaving the other bits of `dst` alone.
 * Byte-aligned runs are copied with `Uint8Array.set`; otherwise a byte at a time with a
 * shift.
 */
export function copyBitmap(src: Uint8Array, srcOffset: number, dst: Uint8Array, dstOffset: number, length: number): void {
  let s = srcOffset;
  let d = dstOffset;
  let n = length;
  // Head: bit by bit until the destination is byte-aligned.
  while (n > 0 && (d & 7) !== 0) {
    setBit(dst, d, (src[s >> 3] & (1 << (s & 7))) !== 0);
    s++;
    d++;
    n--;
  }
  const bytes = n >> 3;
  if (bytes > 0) {
    const sh = s & 7;
    let si = s >> 3;
    let di = d >> 3;
    if (sh === 0) {
      dst.set(src.subarray(si, si + bytes), di);
    } else {
      const back = 8 - sh;
      // Hand-written hot loop: every source byte contributes to two destination bytes.
      for (let k = 0; k < bytes; k++, si++) dst[di++] = ((src[si] >>> sh) | (src[si + 1] << back)) & 0xff;
    }
    s += bytes << 3;
    d += bytes << 3;
    n -= bytes << 3;
  }
  // Tail.
  while (n > 0) {
    setBit(dst, d, (src[s >> 3] & (1 << (s & 7))) !== 0);
    s++;
    d++;
    n--;
  }
}

/** A bitmap of `length` set bits (the bits past `length` in the last byte are clear). */
export function allValidBitmap(length: number): Uint8Array {
  const out = new Uint8Array(bitmapBytes(length));
  out.fill(0xff, 0, length >> 3);
  if (length & 7) out[length >> 3] = (1 << (length & 7)) - 1;
  return out;
}

/**
 * The bitwise AND of two bitmap ranges, as a new bitmap starting at bit 0. Either input
 * may be `null`, meaning all bits set.
 */
export function andBitmaps(
  a: Uint8Array | null,
  aOffset: number,
  b: Uint8Array | null,
  bOffset: number,
  length: number,
): Uint8Array {
  const out = new Uint8Array(bitmapBytes(length));
  if (a === null && b === null) return allValidBitmap(length);
  if (a === null || b === null) {
    const only = (a ?? b)!;
    copyBitmap(only, a ? aOffset : bOffset, out, 0, length);
    return out;
  }
  copyBitmap(a, aOffset, out, 0, length);
  if ((bOffset & 7) === 0) {
    const bi = bOffset >> 3;
    for (let k = 0; k < out.length; k++) out[k] &= b[bi + k];
  } else {
    const tmp = new Uint8Array(out.length);
    copyBitmap(b, bOffset, tmp, 0, length);
    for (let k = 0; k < out.length; k++) out[k] &= tmp[k];
  }
  // Clear the padding bits past `length` (the aligned AND may have read past the range).
  if (length & 7) out[length >> 3] &= (1 << (length & 7)) - 1;
  return out;
}

/** The number of set bits in a 32-bit integer. */
export function popcount(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** The number of set bits of `bitmap` in `[offset, offset + length)`. */
export function countValid(bitmap: Uint8Array, offset: number, length: number): number {
  let p = offset;
  const end = offset + length;
  let count = 0;
  while (p < end && (p & 7) !== 0) {
    count += (bitmap[p >> 3] >> (p & 7)) & 1;
    p++;
  }
  let bi = p >> 3;
  const fullEnd = end >> 3;
  // Four bytes at a time, then byte by byte.
  for (; bi + 4 <= fullEnd; bi += 4) {
    count += popcount(bitmap[bi] | (bitmap[bi + 1] << 8) | (bitmap[bi + 2] << 16) | (bitmap[bi + 3] << 24));
  }
  for (; bi < fullEnd; bi++) count += popcount(bitmap[bi]);
  p = Math.max(p, fullEnd << 3);
  while (p < end) {
    count += (bitmap[p >> 3] >> (p & 7)) & 1;
    p++;
  }
  return count;
}

/** The number of unset bits (nulls) of `bitmap` in `[offset, offset + length)`. */
export function countNullBits(bitmap: Uint8Array, offset: number, length: number): number {
  return length - countValid(bitmap, offset, length);
}

/**
 * Packs a byte-per-row mask (non-zero = set) into a new bitmap starting at bit 0.
 */
export function packMask(mask: Uint8Array, length: number = mask.length): Uint8Array {
  const out = new Uint8Array(bitmapBytes(length));
  for (let i = 0; i < length; i++) if (mask[i] !== 0) out[i >> 3] |= 1 << (i & 7);
  return out;
}
