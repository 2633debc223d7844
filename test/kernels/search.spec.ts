import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { firstUnsorted, gallopLowerBound, lowerBound, upperBound } from '../../src/kernels/search';
import { soak } from '../helpers/soak';

const T = (xs: number[]) => BigInt64Array.from(xs.map(BigInt));

describe('binary searches over sorted times', () => {
  it('lowerBound: first >= t; upperBound: first > t; both within [from, to)', () => {
    const t = T([1, 2, 2, 5]);
    expect([lowerBound(t, 2n), upperBound(t, 2n), lowerBound(t, 9n), upperBound(t, 0n)]).toEqual([1, 3, 4, 0]);
    expect([lowerBound(t, 2n, 2, 4), upperBound(t, 5n, 0, 3)]).toEqual([2, 3]);
  });

  it('gallopLowerBound finds what lowerBound finds, from any start (property)', () => {
    const sorted = fc.array(fc.integer({ min: -5, max: 40 }), { maxLength: 200 }).map((x) => x.sort((a, b) => a - b));
    fc.assert(
      fc.property(sorted, fc.integer({ min: -6, max: 41 }), fc.nat(), fc.nat(), (xs, q, a, b) => {
        const times = T(xs);
        const from = xs.length ? a % (xs.length + 1) : 0;
        const to = from + (xs.length - from ? b % (xs.length - from + 1) : 0);
        expect(gallopLowerBound(times, BigInt(q), from, to)).toBe(lowerBound(times, BigInt(q), from, to));
      }),
      { numRuns: soak(500) },
    );
  });

  it('firstUnsorted: the first row below the one before it (or below prev), -1 when sorted', () => {
    expect(firstUnsorted(T([1, 2, 2, 3]), 0n)).toBe(-1);
    expect(firstUnsorted(T([1, 2, 1]), 0n)).toBe(2);
    expect(firstUnsorted(T([1]), 2n)).toBe(0);
    // across the 32-bit halves: 2^32 - 1 then 2^32, and negative times
    expect(firstUnsorted(BigInt64Array.of(-(2n ** 40n), -1n, 0n, 2n ** 32n - 1n, 2n ** 32n), -(2n ** 41n))).toBe(-1);
    expect(firstUnsorted(BigInt64Array.of(2n ** 32n, 2n ** 32n - 1n), 0n)).toBe(1);
  });
});
