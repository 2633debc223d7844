import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InvalidOptionError } from '../../src/errors';
import { sliceByTime, timeRange } from '../../src/batch/slice';
import { allTypesBatch, plainColumns } from './fixtures';

describe('timeRange', () => {
  const t = BigInt64Array.of(1n, 2n, 2n, 5n, 7n);

  it('finds [from, to) by default, and the other closed sides', () => {
    expect(timeRange(t, 2n, 5n)).toEqual([1, 3]);
    expect(timeRange(t, 2n, 5n, 'right')).toEqual([3, 4]);
    expect(timeRange(t, 2n, 5n, 'both')).toEqual([1, 4]);
    expect(timeRange(t, 2n, 5n, 'neither')).toEqual([3, 3]);
    expect(timeRange(t, 0n, 100n)).toEqual([0, 5]);
    expect(timeRange(t, 8n, 100n)).toEqual([5, 5]);
  });

  it('is empty when to <= from', () => {
    const [a, b] = timeRange(t, 5n, 2n);
    expect(a).toBe(b);
    expect(timeRange(new BigInt64Array(0), 0n, 1n)).toEqual([0, 0]);
  });

  it('keeps exactly the times in range (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt(-20n, 20n)), fc.bigInt(-25n, 25n), fc.bigInt(-25n, 25n), (xs, from, to) => {
        const times = BigInt64Array.from(xs.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
        const [a, b] = timeRange(times, from, to);
        expect(Array.from(times.subarray(a, b))).toEqual(Array.from(times).filter((x) => from <= x && x < to));
      }),
    );
  });
});

describe('sliceByTime', () => {
  const batch = allTypesBatch(10);
  const times = BigInt64Array.from({ length: 10 }, (_, i) => BigInt(Math.floor(i / 2) * 10)); // 0 0 10 10 20 20 ...

  it('slices the rows with from <= t < to, zero-copy', () => {
    const out = sliceByTime(batch, times, 10n, 30n);
    expect(out.numRows).toBe(4);
    expect(plainColumns(out)).toEqual(plainColumns(batch.slice(2, 6)));
    expect(out.data.children[0].values.buffer).toBe(batch.data.children[0].values.buffer);
  });

  it('returns the batch itself when every row is in range, and zero rows when none is', () => {
    expect(sliceByTime(batch, times, 0n, 1000n)).toBe(batch);
    expect(sliceByTime(batch, times, 100n, 200n).numRows).toBe(0);
  });

  it('supports closed sides', () => {
    expect(sliceByTime(batch, times, 10n, 30n, { closed: 'both' }).numRows).toBe(6);
    expect(sliceByTime(batch, times, 10n, 30n, { closed: 'right' }).numRows).toBe(4);
  });

  it('works on a sliced batch with its own times', () => {
    const s = batch.slice(3, 9);
    const out = sliceByTime(s, times.subarray(3, 9), 20n, 40n);
    expect(plainColumns(out)).toEqual(plainColumns(batch.slice(4, 8)));
  });

  it('throws InvalidOptionError when times and rows differ, or for a bad closed option', () => {
    try {
      sliceByTime(batch, times.subarray(1), 0n, 1n);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidOptionError);
      expect((e as InvalidOptionError).option).toBe('times');
    }
    expect(() => sliceByTime(batch, times, 0n, 1n, { closed: 'open' as never })).toThrow(InvalidOptionError);
  });
});
