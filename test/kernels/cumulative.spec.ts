import { describe, expect, it } from 'vitest';
import { cumCount, cumFirstLast, cumMinMax, cumSum, cumVar } from '../../src/kernels/cumulative';

const bits = (valid: Uint8Array, n: number) => Array.from({ length: n }, (_, i) => (valid[i >> 3] >> (i & 7)) & 1);

describe('cumulative kernels', () => {
  const codes = Int32Array.from([0, -1, 0, 1, 0]);
  const values = Float64Array.from([1, 2, 3, 4, 5]);
  // validity with an offset: bits 3.. of 0b11011000 → rows 0, 1 valid, row 2 null, rows 3, 4 valid
  const validity = Uint8Array.from([0b11011000]);

  it('cumSum: slot = code + 1 (null keys in slot 0); null rows are null and skipped', () => {
    const out = new Float64Array(5);
    const valid = new Uint8Array(1);
    const sum = new Float64Array(3);
    expect(cumSum(codes, 5, values, null, 0, sum, out, null)).toBe(0);
    expect(Array.from(out)).toEqual([1, 2, 4, 4, 9]);
    sum.fill(0);
    expect(cumSum(codes, 5, values, validity, 3, sum, out, valid)).toBe(1);
    expect(bits(valid, 5)).toEqual([1, 1, 0, 1, 1]);
    expect([out[0], out[1], out[3], out[4]]).toEqual([1, 2, 4, 6]);
  });

  it('cumCount, cumMinMax, cumVar, cumFirstLast', () => {
    const out = new Float64Array(5);
    cumCount(codes, 5, validity, 3, new Float64Array(3), out);
    expect(Array.from(out)).toEqual([1, 1, 1, 1, 2]);
    cumMinMax(codes, 5, Float64Array.from([3, 0, 1, 0, 2]), null, 0, false, new Float64Array(3).fill(Infinity), out, null);
    expect(Array.from(out)).toEqual([3, 0, 1, 0, 1]);
    const valid = new Uint8Array(1);
    const nulls = cumVar(codes, 5, values, null, 0, false, new Float64Array(3), new Float64Array(3), new Float64Array(3), out, valid);
    expect(nulls).toBe(3);
    expect(bits(valid, 5)).toEqual([0, 0, 1, 0, 1]);
    expect([out[2], out[4]]).toEqual([2, 4]);
    const fv = new Uint8Array(1);
    cumFirstLast(codes, 5, values, validity, 3, false, new Float64Array(3), new Float64Array(3), out, fv);
    expect(bits(fv, 5)).toEqual([1, 1, 1, 1, 1]);
    expect(Array.from(out)).toEqual([1, 2, 1, 4, 1]);
  });
});
