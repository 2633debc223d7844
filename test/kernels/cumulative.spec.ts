import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type RunningOp, cumCount, cumFirstLast, cumMean, cumMinMax, cumSum, cumVar, cumulativeLoop } from '../../src/kernels/cumulative';
import { soak } from '../helpers/soak';

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

describe('cumulativeLoop', () => {
  it('gives what cumSum / cumCount / cumMean give over the columns read as Float64, state included, over two calls (property)', () => {
    const CLASSES = [Float64Array, Float32Array, Int32Array, Uint8Array, Int16Array, BigInt64Array] as const;
    const opArb = fc.record({ op: fc.constantFrom<RunningOp>('sum', 'count', 'mean'), cls: fc.nat(CLASSES.length - 1) });
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 4 }), fc.array(fc.tuple(fc.integer({ min: -1, max: 2 }), fc.integer({ min: 0, max: 200 })), { maxLength: 40 }), fc.nat(40), (ops, rows, cut) => {
        const n = rows.length;
        const codes = Int32Array.from(rows, (r) => r[0]);
        const columns = ops.map(({ cls }, j) => {
          const C = CLASSES[cls];
          const xs = rows.map((r) => r[1] * (j + 1) + (C === Float64Array ? 0.25 : 0));
          return C === BigInt64Array ? BigInt64Array.from(xs, (x) => BigInt(x)) : (C as unknown as { from(x: number[]): ArrayLike<number> }).from(xs);
        });
        const asFloat = columns.map((c) => Float64Array.from(c as ArrayLike<number | bigint>, (x) => Number(x)));
        // expected: the per-aggregation kernels
        const want = ops.map(({ op }, j) => {
          const a = new Float64Array(4);
          const b = new Float64Array(4);
          const out = new Float64Array(n);
          if (op === 'sum') cumSum(codes, n, asFloat[j], null, 0, a, out, null);
          else if (op === 'count') cumCount(codes, n, null, 0, a, out);
          else cumMean(codes, n, asFloat[j], null, 0, a, b, out, null);
          return { out, a, b };
        });
        // the loop, in two calls at `cut`
        const k = Math.min(cut, n);
        const loop = cumulativeLoop(ops.map((o) => o.op), ops.map(({ op, cls }) => (op === 'count' ? null : CLASSES[cls])));
        const sums = ops.map(() => new Float64Array(4));
        const counts = ops.map(({ op }) => (op === 'mean' ? new Float64Array(4) : null));
        const outs = ops.map(() => new Float64Array(n));
        const part = (from: number, to: number) =>
          loop(codes.subarray(from, to), to - from, columns.map((c) => (c as Int32Array).subarray(from, to)), sums, counts, outs.map((o) => o.subarray(from, to)));
        part(0, k);
        part(k, n);
        ops.forEach((_, j) => {
          expect([...outs[j]]).toEqual([...want[j].out]);
          expect([...sums[j]]).toEqual([...want[j].a]);
          if (counts[j]) expect([...counts[j]!]).toEqual([...want[j].b]);
        });
      }),
      { numRuns: soak(300) },
    );
  });
});

