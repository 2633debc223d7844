import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  allValidBitmap,
  andBitmaps,
  bitmapBytes,
  copyBitmap,
  countNullBits,
  countValid,
  isValid,
  packMask,
  popcount,
  setBit,
  setBits,
} from '../../src/kernels/bitmap';

const bit = (b: Uint8Array, p: number): number => (b[p >> 3] >> (p & 7)) & 1;
const bitsOf = (b: Uint8Array, offset: number, n: number): number[] => Array.from({ length: n }, (_, i) => bit(b, offset + i));

const bytesArb = fc.uint8Array({ minLength: 0, maxLength: 40 });

describe('bitmap kernels', () => {
  it('reads and sets single bits, LSB first', () => {
    const b = new Uint8Array(2);
    setBit(b, 0, true);
    setBit(b, 9, true);
    expect(Array.from(b)).toEqual([1, 2]);
    expect(isValid(b, 0, 0)).toBe(true);
    expect(isValid(b, 8, 1)).toBe(true);
    expect(isValid(b, 3, 5)).toBe(false);
    setBit(b, 0, false);
    expect(b[0]).toBe(0);
    expect(isValid(new Uint8Array(0), 0, 3)).toBe(false);
  });

  it('allValidBitmap sets exactly `length` bits', () => {
    expect(Array.from(allValidBitmap(0))).toEqual([]);
    expect(Array.from(allValidBitmap(8))).toEqual([255]);
    expect(Array.from(allValidBitmap(11))).toEqual([255, 7]);
    expect(bitmapBytes(11)).toBe(2);
  });

  it('popcount counts the bits of a 32-bit word', () => {
    expect(popcount(0)).toBe(0);
    expect(popcount(0xffffffff)).toBe(32);
    expect(popcount(0x80000001)).toBe(2);
    expect(popcount(0b1011)).toBe(3);
  });

  it('packMask packs one byte per row', () => {
    expect(Array.from(packMask(Uint8Array.of(1, 0, 0, 2, 0, 0, 0, 0, 1)))).toEqual([0b1001, 1]);
  });

  it('copyBitmap matches a bit-by-bit copy for any offsets (aligned and not)', () => {
    fc.assert(
      fc.property(bytesArb, bytesArb, fc.nat(64), fc.nat(64), fc.nat(200), (src, dst0, so, dOff, len) => {
        const srcBits = src.length * 8;
        const srcOffset = Math.min(so, srcBits);
        const length = Math.min(len, srcBits - srcOffset);
        const dst = new Uint8Array(bitmapBytes(dOff + length) + dst0.length);
        dst.set(dst0.subarray(0, dst.length));
        const expected = dst.slice();
        for (let i = 0; i < length; i++) setBit(expected, dOff + i, bit(src, srcOffset + i) === 1);
        copyBitmap(src, srcOffset, dst, dOff, length);
        expect(Array.from(dst)).toEqual(Array.from(expected));
      }),
    );
  });

  it('setBits fills a range without touching its neighbours', () => {
    fc.assert(
      fc.property(bytesArb, fc.nat(100), fc.nat(100), fc.boolean(), (b0, off, len, value) => {
        const b = new Uint8Array(bitmapBytes(off + len) + 1);
        b.set(b0.subarray(0, b.length));
        const expected = b.slice();
        for (let i = 0; i < len; i++) setBit(expected, off + i, value);
        setBits(b, off, len, value);
        expect(Array.from(b)).toEqual(Array.from(expected));
      }),
    );
  });

  it('countValid / countNullBits match a bit-by-bit count', () => {
    fc.assert(
      fc.property(bytesArb, fc.nat(80), fc.nat(300), (b, so, len) => {
        const offset = Math.min(so, b.length * 8);
        const length = Math.min(len, b.length * 8 - offset);
        const ones = bitsOf(b, offset, length).reduce((s, x) => s + x, 0);
        expect(countValid(b, offset, length)).toBe(ones);
        expect(countNullBits(b, offset, length)).toBe(length - ones);
      }),
    );
  });

  it('andBitmaps is the bitwise AND of two ranges, null meaning all set', () => {
    fc.assert(
      fc.property(bytesArb, bytesArb, fc.nat(20), fc.nat(20), fc.nat(120), (a, b, ao, bo, len) => {
        const length = Math.max(0, Math.min(len, a.length * 8 - ao, b.length * 8 - bo));
        const out = andBitmaps(a, ao, b, bo, length);
        expect(bitsOf(out, 0, length)).toEqual(bitsOf(a, ao, length).map((x, i) => x & bit(b, bo + i)));
        expect(bitsOf(andBitmaps(null, 0, b, bo, length), 0, length)).toEqual(bitsOf(b, bo, length));
        expect(bitsOf(andBitmaps(a, ao, null, 0, length), 0, length)).toEqual(bitsOf(a, ao, length));
        expect(countValid(andBitmaps(null, 0, null, 0, length), 0, length)).toBe(length);
        // Padding bits past `length` are clear.
        expect(countValid(out, 0, out.length * 8)).toBe(countValid(out, 0, length));
      }),
    );
  });
});
