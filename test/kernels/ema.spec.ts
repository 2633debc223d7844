import { describe, expect, it } from 'vitest';
import { emaRows, emaTimes, int64ToFloat64 } from '../../src/kernels/ema';
import { cutoffRows } from '../../src/kernels/cutoff';

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
