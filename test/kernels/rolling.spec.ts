import { describe, expect, it } from 'vitest';
import { COUNT, MAX, MEAN, SUM, evictedHead, rollingDequeRows, rollingDequeTime, rollingSumRows, rollingSumTime } from '../../src/kernels/rolling';

const bits = (valid: Uint8Array, n: number) => Array.from({ length: n }, (_, i) => (valid[i >> 3] >> (i & 7)) & 1);

describe('rolling kernels', () => {
  it('evictions: a row at t removes the rows with time <= t - window, never itself; evictedHead gives the head after the batch', () => {
    const times = BigInt64Array.from([0n, 1n, 5n, 5n, 9n]);
    const out = new Float64Array(5);
    const valid = new Uint8Array(1);
    // count() of one key, window 4: row at 5: (1, 5] removes rows 0 and 1; row at 9: (5, 9] removes the rows at 5
    const nulls = rollingSumTime(COUNT, times, times, 4n, 0, 0, 5, new Int32Array(8).fill(1), new Float64Array(8), null, 7, new Float64Array(2), new Float64Array(2), new Float64Array(2), new Float64Array(8), 1, out, valid);
    expect(Array.from(out)).toEqual([1, 2, 1, 2, 1]);
    expect(nulls).toBe(0);
    expect(evictedHead(times, 7, 0, 4, 9n, 4n)).toBe(4);
    // from a later head, and never past the last row itself (a zero window would remove it)
    expect(evictedHead(times, 7, 2, 4, 9n, 100n)).toBe(2);
    expect(evictedHead(times, 7, 0, 4, 9n, 0n)).toBe(4);
  });

  it('rollingSumTime: Kahan-compensated sums stay exact when large values leave the window', () => {
    const vals = Float64Array.from([1e16, 1, 1, -1e16, 1, 1]);
    const n = vals.length;
    const slots = new Int32Array(8).fill(1);
    const ok = new Uint8Array(8).fill(1);
    // every row stays in the window: the large values cancel inside the compensated sum
    const out = new Float64Array(n);
    const valid = new Uint8Array(1);
    const s = new Float64Array(2);
    const c = new Float64Array(2);
    const nobs = new Float64Array(2);
    const nf = new Float64Array(8);
    const times = new BigInt64Array(8);
    rollingSumTime(SUM, times, times, 1n, 0, 0, n, slots, vals, ok, 7, s, c, nobs, nf, 1, out, valid);
    expect(Array.from(out)).toEqual([1e16, 1e16 + 1, 1e16 + 2, 2, 3, 4]);
    expect(bits(valid, n)).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('rollingSumTime with ringOk === null counts rows; mean is null over an empty window', () => {
    const slots = Int32Array.from([1, 1, 2, 1]);
    const vals = Float64Array.from([2, 4, 6, 8]);
    // window 9: the row at 10 removes the rows at 0 and 1
    const times = BigInt64Array.from([0n, 1n, 2n, 10n]);
    const run = (mode: number, ok: Uint8Array | null) => {
      const out = new Float64Array(4);
      const valid = new Uint8Array(1);
      const nulls = rollingSumTime(mode, times, times, 9n, 0, 0, 4, slots, vals, ok, 3, new Float64Array(3), new Float64Array(3), new Float64Array(3), new Float64Array(12), 1, out, valid);
      return { out: Array.from(out), valid: bits(valid, 4), nulls };
    };
    expect(run(COUNT, null)).toEqual({ out: [1, 2, 1, 1], valid: [1, 1, 1, 1], nulls: 0 });
    expect(run(MEAN, Uint8Array.from([1, 0, 1, 1]))).toEqual({ out: [2, 2, 6, 8], valid: [1, 1, 1, 1], nulls: 0 });
    expect(run(SUM, Uint8Array.from([0, 0, 1, 0])).valid).toEqual([0, 0, 1, 0]);
  });

  it('rollingDequeTime (max): the monotonic deque drops dominated rows and expired fronts', () => {
    const vals = Float64Array.from([5, 3, 4, 1, 2]);
    // window 5: the row at 5 removes the row at 0, the row at 8 those at 1 and 2
    const times = BigInt64Array.from([0n, 1n, 2n, 5n, 8n, 0n, 0n, 0n]);
    const out = new Float64Array(5);
    const valid = new Uint8Array(1);
    const f = () => new Float64Array(2);
    const front = Float64Array.from([-1, -1]);
    const back = Float64Array.from([-1, -1]);
    rollingDequeTime(MAX, times, times, 5n, 0, 0, 5, new Int32Array(8).fill(1), vals, new Uint8Array(8).fill(1), 7, f(), f(), front, back, new Float64Array(8), new Float64Array(8), 1, out, valid);
    expect(Array.from(out)).toEqual([5, 5, 5, 4, 2]);
  });

  it('row kernels: the key ring evicts its oldest row', () => {
    const codes = Int32Array.from([0, 0, 1, 0, 0]);
    const values = Float64Array.from([1, 2, 10, 3, 0.5]);
    const out = new Float64Array(5);
    const valid = new Uint8Array(1);
    const w = 2;
    rollingSumRows(SUM, codes, 5, values, null, 0, w, new Float64Array(3 * w), new Uint8Array(3 * w), new Int32Array(3), new Int32Array(3), new Float64Array(3), new Float64Array(3), new Float64Array(3), new Float64Array(12), 1, out, valid);
    expect(Array.from(out)).toEqual([1, 3, 10, 5, 3.5]);
    const mx = new Float64Array(5);
    rollingDequeRows(MAX, codes, 5, values, null, 0, w, new Float64Array(3 * w), new Uint8Array(3 * w), new Float64Array(3), new Float64Array(3), new Float64Array(3), new Float64Array(3 * w), new Int32Array(3), new Int32Array(3), new Float64Array(3).fill(-1), 1, mx, new Uint8Array(1));
    expect(Array.from(mx)).toEqual([1, 2, 10, 3, 3]);
  });
});
