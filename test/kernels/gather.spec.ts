import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  bitsToIndices,
  contiguousRun,
  countMask,
  firstOutOfRange,
  gatherBits,
  gatherFixed,
  gatherLargeVarBinary,
  gatherVarBinary,
  hasNegative,
  maskToIndices,
  rebaseLargeOffsets,
  rebaseOffsets,
  translateKeys,
  validityOfIndices,
} from '../../src/kernels/gather';

const bits = (b: Uint8Array, n: number): number[] => Array.from({ length: n }, (_, i) => (b[i >> 3] >> (i & 7)) & 1);
const dec = new TextDecoder();

describe('gather kernels', () => {
  it('gathers fixed-width values, strided values, and leaves negative rows zero', () => {
    expect(Array.from(gatherFixed(Int32Array.of(10, 20, 30), 1, Int32Array.of(2, 0, 2), 3, new Int32Array(3), false))).toEqual([30, 10, 30]);
    expect(Array.from(gatherFixed(BigInt64Array.of(1n, 2n), 1, Int32Array.of(1, -1), 2, new BigInt64Array(2), true))).toEqual([2n, 0n]);
    expect(Array.from(gatherFixed(Uint8Array.of(1, 2, 3, 4, 5, 6), 3, Uint32Array.of(1, 0), 2, new Uint8Array(6), false))).toEqual([4, 5, 6, 1, 2, 3]);
    expect(Array.from(gatherFixed(Int32Array.of(1, 2, 3, 4), 2, Int32Array.of(-1, 1), 2, new Int32Array(4), true))).toEqual([0, 0, 3, 4]);
  });

  it('gathers bits at a bit offset and counts the set ones', () => {
    const src = Uint8Array.of(0b10110000, 0b1); // from offset 4: 1,1,0,1,1
    const out = new Uint8Array(1);
    expect(gatherBits(src, 4, Int32Array.of(4, 2, 0, -1), 4, out, true)).toBe(2);
    expect(bits(out, 4)).toEqual([1, 0, 1, 0]);
  });

  it('derives validity from negative indices', () => {
    const { bitmap, nulls } = validityOfIndices(Int32Array.of(0, -1, 3), 3);
    expect(nulls).toBe(1);
    expect(bits(bitmap, 3)).toEqual([1, 0, 1]);
    expect(hasNegative(Int32Array.of(0, -1), 1)).toBe(false);
    expect(hasNegative(Int32Array.of(0, -1), 2)).toBe(true);
    expect(hasNegative(Uint32Array.of(0xffffffff), 1)).toBe(false);
    expect(firstOutOfRange(Uint32Array.of(0, 4, 9), 3, 5)).toBe(2);
    expect(firstOutOfRange(Int32Array.of(-1, 4), 2, 5)).toBe(-1);
  });

  it('gathers variable-width values (32- and 64-bit offsets, re-based input)', () => {
    const bytes = new TextEncoder().encode('..abcdef');
    const offsets = Int32Array.of(2, 3, 3, 8); // 'a', '', 'bcdef' (not starting at 0)
    const g = gatherVarBinary(offsets, bytes, Int32Array.of(2, -1, 0, 1), 4);
    expect(Array.from(g.offsets)).toEqual([0, 5, 5, 6, 6]);
    expect(dec.decode(g.bytes)).toBe('bcdefa');
    const lg = gatherLargeVarBinary(BigInt64Array.of(2n, 3n, 3n, 8n), bytes, Uint32Array.of(0, 2), 2);
    expect(Array.from(lg.offsets)).toEqual([0n, 1n, 6n]);
    expect(dec.decode(lg.bytes)).toBe('abcdef');
    const long = new Uint8Array(100).fill(7);
    const gl = gatherVarBinary(Int32Array.of(0, 100), long, Int32Array.of(0, 0), 2);
    expect(gl.bytes.length).toBe(200);
    expect(gl.bytes.every((x) => x === 7)).toBe(true);
  });

  it('re-bases offsets', () => {
    const dst = new Int32Array(5);
    expect(rebaseOffsets(Int32Array.of(10, 12, 15), 2, dst, 2, 7)).toBe(12);
    expect(Array.from(dst)).toEqual([0, 0, 7, 9, 12]);
    const ldst = new BigInt64Array(3);
    expect(rebaseLargeOffsets(BigInt64Array.of(5n, 9n), 1, ldst, 1, 1n)).toBe(5n);
    expect(Array.from(ldst)).toEqual([0n, 1n, 5n]);
  });

  it('translates keys, leaving rows under a null at 0', () => {
    const out = translateKeys(Int32Array.of(0, 99, 1), Int32Array.of(5, 6), 3, new Int8Array(3), Uint8Array.of(0b101), 0);
    expect(Array.from(out)).toEqual([5, 0, 6]);
    expect(Array.from(translateKeys(Uint8Array.of(1, 0), Int32Array.of(5, 6), 2, new Int32Array(2), null, 0))).toEqual([6, 5]);
  });

  it('turns masks into indices, and finds contiguous runs', () => {
    const mask = Uint8Array.of(0, 1, 2, 0, 1);
    expect(countMask(mask, 5)).toBe(3);
    expect(Array.from(maskToIndices(mask, 5))).toEqual([1, 2, 4]);
    // bits from offset 3: 1,0,1,1 ; validity from offset 3: 1,1,0,1
    expect(Array.from(bitsToIndices(Uint8Array.of(0b1101000), 3, 4, Uint8Array.of(0b1011000), 3))).toEqual([0, 3]);
    expect(Array.from(bitsToIndices(Uint8Array.of(0b1101000), 3, 4, null, 0))).toEqual([0, 2, 3]);
    expect(contiguousRun(Int32Array.of(3, 4, 5), 3)).toEqual([3, 6]);
    expect(contiguousRun(Int32Array.of(3, 5), 2)).toBeNull();
    expect(contiguousRun(new Int32Array(0), 0)).toEqual([0, 0]);
  });

  it('maskToIndices agrees with a filter over positions', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (m) => {
        const expected = Array.from(m.keys()).filter((i) => m[i] !== 0);
        expect(Array.from(maskToIndices(m, m.length))).toEqual(expected);
      }),
    );
  });
});
