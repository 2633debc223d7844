import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { emaRows, emaRowsPlain, emaTimes, int64ToFloat64 } from '../../src/kernels/ema';
import { cutoffRows } from '../../src/kernels/cutoff';
import { soak } from '../helpers/soak';

describe('ema kernels', () => {
  it('emaRows: the doc example, per key, nulls decay the weight unless ignored', () => {
    const mean = new Float64Array(3);
    const weight = new Float64Array(3);
    const count = new Float64Array(3);
    const out = new Float64Array(4);
    const v = new Uint8Array(1);
    // key 0: 1, 2; key 1: 7; null-key row (code -1) with a null value
    const validity = Uint8Array.of(0b0111);
    expect(emaRows(Float64Array.of(1, 2, 7, 0), validity, 0, Int32Array.of(0, 0, 1, -1), 4, 0.5, true, false, 1, mean, weight, count, out, v)).toBe(1);
    expect([...out.subarray(0, 3)]).toEqual([1, 2.5 / 1.5, 7]);
    expect(v[0]).toBe(0b0111);
    expect([...count]).toEqual([0, 2, 1]);
    expect(weight[1]).toBe(1.5);
  });

  it('emaRowsPlain: the doc example', () => {
    const [mean, weight, count, out] = [new Float64Array(1), new Float64Array(1), new Float64Array(1), new Float64Array(2)];
    emaRowsPlain(Float64Array.of(2, 4), Int32Array.of(-1, -1), 2, 0.5, mean, weight, count, out);
    expect([...out]).toEqual([2, 3]);
    expect([weight[0], count[0]]).toEqual([1, 2]);
  });

  it('emaRowsPlain gives bit for bit what emaRows gives (adjust false, no nulls), its state included (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: -1, max: 3 }), fc.double({ min: -1e6, max: 1e6, noNaN: true })), { maxLength: 60 }),
        fc.constantFrom(0.1, 0.3, 0.5, 0.25, 2 / 3, 0.9, 1),
        fc.nat(60),
        (rows, alpha, cut) => {
          const n = rows.length;
          const codes = Int32Array.from(rows, (r) => r[0]);
          // repeated values (x === m) take their own branch: make some
          const values = Float64Array.from(rows, (r, i) => (i % 5 === 4 && i > 0 ? rows[i - 1][1] : r[1]));
          const state = () => [new Float64Array(5), new Float64Array(5), new Float64Array(5)] as const;
          const [m1, w1, c1] = state();
          const [m2, w2, c2] = state();
          const o1 = new Float64Array(n);
          const o2 = new Float64Array(n);
          const v = new Uint8Array(Math.ceil(n / 8) + 1);
          // general loop over all rows; plain loop in two calls (state carried)
          expect(emaRows(values, null, 0, codes, n, alpha, false, false, 1, m1, w1, c1, o1, v)).toBe(0);
          const k = Math.min(cut, n);
          emaRowsPlain(values.subarray(0, k), codes.subarray(0, k), k, alpha, m2, w2, c2, o2.subarray(0, k));
          emaRowsPlain(values.subarray(k), codes.subarray(k), n - k, alpha, m2, w2, c2, o2.subarray(k));
          expect([...o2]).toEqual([...o1]);
          expect([...m2, ...w2, ...c2]).toEqual([...m1, ...w1, ...c1]);
        },
      ),
      { numRuns: soak(300) },
    );
  });

  it('emaTimes decays by 0.5^(dt / halfLife) between valid values, reading times as words', () => {
    const times = BigInt64Array.of(0n, 2n ** 40n, 2n ** 40n + 5n);
    const words = new Int32Array(times.buffer);
    const out = new Float64Array(3);
    const v = new Uint8Array(1);
    const st = () => [new Float64Array(2), new Float64Array(2), new Float64Array(2), new Int32Array(2), new Int32Array(2)] as const;
    const [m, w, c, hi, lo] = st();
    emaTimes(Float64Array.of(0, 4, 4), null, 0, Int32Array.of(0, 0, 0), 3, words, 2 ** 40, false, 1, m, w, c, hi, lo, out, v);
    // one half-life: halfway; then 5 ns later, exactly the words' difference
    const d = Math.pow(0.5, 5 / 2 ** 40);
    expect([...out]).toEqual([0, 2, d * 2 + (1 - d) * 4]);
  });

  it('int64ToFloat64 reads signed and unsigned words without BigInts', () => {
    const a = BigInt64Array.of(-1n, 2n ** 40n + 3n, -(2n ** 33n));
    expect([...int64ToFloat64(new Int32Array(a.buffer), true, 3, new Float64Array(3))]).toEqual([-1, 2 ** 40 + 3, -(2 ** 33)]);
    const u = BigUint64Array.of(2n ** 63n, 5n);
    expect([...int64ToFloat64(new Int32Array(u.buffer), false, 2, new Float64Array(2))]).toEqual([2 ** 63, 5]);
  });

  it('cutoffRows: the doc example', () => {
    const selection = new Int32Array(4);
    const n = cutoffRows([Float64Array.of(1, 1.2, 1.6, 1.7)], [null], [0], Float64Array.of(0.5), new Int32Array(4), 4, new Uint8Array(2), [new Float64Array(2)], [new Uint8Array(2)], selection);
    expect(n).toBe(2);
    expect([...selection.subarray(0, n)]).toEqual([0, 2]);
  });
});
