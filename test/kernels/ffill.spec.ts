import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { NO_LIMIT, NO_VALUE, ffillFixed, ffillIndices, lastRows, resetRows, updateFixed } from '../../src/kernels/ffill';
import { soak } from '../helpers/soak';

const bits = (...valid: number[]) => {
  const b = new Uint8Array((valid.length + 7) >> 3);
  valid.forEach((v, i) => v && (b[i >> 3] |= 1 << (i & 7)));
  return b;
};

describe('ffill kernels', () => {
  it('ffillFixed patches null rows from the key state, stride 1, honouring the bit offset and limit', () => {
    // bitmap read from bit 3: rows valid, null, null, valid, null
    const validity = Uint8Array.of((1 << 3) | (1 << 6));
    const values = Float64Array.of(1, 0, 0, 4, 0);
    const codes = Int32Array.of(0, 0, 1, 1, 1);
    const last = new Float64Array(3);
    const run = new Int32Array(3).fill(NO_VALUE);
    last[2] = 9;
    run[2] = 0; // key 1 had 9 before this batch
    const out = values.slice();
    const outValidity = bits(1, 0, 0, 1, 0);
    const left = new Int32Array(1);
    expect(ffillFixed(values, 1, validity, 3, codes, 5, last, run, NO_LIMIT, out, outValidity, left)).toBe(3);
    expect([...out]).toEqual([1, 1, 9, 4, 4]);
    expect(outValidity[0]).toBe(0b11111);
    expect(left[0]).toBe(0);
    expect([...last]).toEqual([0, 1, 4]);
    // limit 1: the second null in a row stays null (and is counted as left)
    const run2 = new Int32Array(3).fill(NO_VALUE);
    const out2 = Float64Array.of(1, 0, 0);
    const v2 = bits(1, 0, 0);
    expect(ffillFixed(out2.slice(), 1, bits(1, 0, 0), 0, Int32Array.of(0, 0, 0), 3, new Float64Array(3), run2, 1, out2, v2, left)).toBe(1);
    expect(v2[0]).toBe(0b011);
    expect(left[0]).toBe(1);
    expect(run2[1]).toBe(1);
  });

  it('ffillFixed agrees with the row-by-row definition over calls of any size, offset and limit (property)', () => {
    const row = fc.record({ code: fc.integer({ min: -1, max: 3 }), value: fc.option(fc.integer({ min: 1, max: 99 }), { freq: 3 }) });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 80 }), fc.array(fc.nat(40), { maxLength: 4 }), fc.nat(9), fc.option(fc.integer({ min: 0, max: 3 })), (rows, sizes, offset, lim) => {
        const limit = lim ?? NO_LIMIT;
        // reference: per key, the last valid value and the nulls filled since
        const lastRef = new Map<number, number>();
        const runRef = new Map<number, number>();
        const expected = rows.map(({ code, value }) => {
          if (value !== null) {
            lastRef.set(code, value);
            runRef.set(code, 0);
            return value;
          }
          const r = runRef.get(code);
          if (r === undefined || r >= limit) return null;
          runRef.set(code, r + 1);
          return lastRef.get(code)!;
        });
        const last = new Float64Array(5);
        const run = new Int32Array(5).fill(NO_VALUE);
        const got: (number | null)[] = [];
        let at = 0;
        for (const size of [...sizes, rows.length]) {
          const n = Math.min(size, rows.length - at);
          const part = rows.slice(at, at + n);
          at += n;
          const validity = new Uint8Array(((offset + n + 7) >> 3) + 1);
          const values = new Float64Array(n);
          part.forEach((r, i) => {
            if (r.value !== null) {
              values[i] = r.value;
              validity[(offset + i) >> 3] |= 1 << ((offset + i) & 7);
            }
          });
          const out = new Float64Array(n);
          const outValidity = bits(...part.map((r) => (r.value !== null ? 1 : 0)));
          const left = new Int32Array(1);
          const filled = ffillFixed(values, 1, validity, offset, Int32Array.from(part, (r) => r.code), n, last, run, limit, out, outValidity, left);
          const rowsOut = part.map((_, i) => (((outValidity[i >> 3] >> (i & 7)) & 1) !== 0 ? out[i] : null));
          expect(filled).toBe(part.filter((r, i) => r.value === null && rowsOut[i] !== null).length);
          expect(left[0]).toBe(rowsOut.filter((v) => v === null).length);
          got.push(...rowsOut);
          if (at >= rows.length) break;
        }
        expect(got).toEqual(expected);
      }),
      { numRuns: soak(300) },
    );
  });

  it('ffillFixed copies the column into out itself (short columns element by element, long ones with set)', () => {
    for (const n of [5, 128, 129, 1000]) {
      const values = Float64Array.from({ length: n }, (_, i) => i + 1);
      const valid = Array.from({ length: n }, (_, i) => (i % 7 === 3 ? 0 : 1));
      const validity = bits(...valid);
      const out = new Float64Array(n);
      const outValidity = validity.slice();
      const left = new Int32Array(1);
      const filled = ffillFixed(values, 1, validity, 0, new Int32Array(n), n, new Float64Array(2), new Int32Array(2).fill(NO_VALUE), NO_LIMIT, out, outValidity, left);
      expect(filled).toBe(valid.filter((v) => v === 0).length);
      expect([...out]).toEqual(valid.map((v, i) => (v ? i + 1 : i)));
      expect(left[0]).toBe(0);
    }
  });

  it('ffillFixed with stride 2 (decimals, intervals) copies whole values', () => {
    const values = Int32Array.of(1, 2, 0, 0, 5, 6, 0, 0);
    const codes = Int32Array.of(-1, -1, 0, 0);
    const last = new Int32Array(4);
    const run = new Int32Array(2).fill(NO_VALUE);
    const out = new Int32Array(8);
    const v = bits(1, 0, 1, 0);
    expect(ffillFixed(values, 2, bits(1, 0, 1, 0), 0, codes, 4, last, run, NO_LIMIT, out, v, new Int32Array(1))).toBe(2);
    expect(v[0]).toBe(0b1111);
    expect([...out]).toEqual([1, 2, 1, 2, 5, 6, 5, 6]);
    expect([...last]).toEqual([1, 2, 5, 6]);
  });

  it('lastRows lists touched slots once; updateFixed takes their last rows; resetRows clears', () => {
    const lastRow = new Int32Array(4).fill(-1);
    const touched = new Int32Array(4);
    const codes = Int32Array.of(2, -1, 2, 0);
    expect(lastRows(codes, 4, lastRow, touched)).toBe(3);
    expect([...touched.subarray(0, 3)]).toEqual([3, 0, 1]);
    expect([...lastRow]).toEqual([1, 3, -1, 2]);
    const last = new Float64Array(4);
    const run = new Int32Array(4).fill(NO_VALUE);
    updateFixed(Float64Array.of(10, 11, 12, 13), 1, lastRow, touched, 3, last, run);
    expect([...last]).toEqual([11, 13, 0, 12]);
    expect([...run]).toEqual([0, 0, NO_VALUE, 0]);
    resetRows(lastRow, touched, 3);
    expect([...lastRow]).toEqual([-1, -1, -1, -1]);
  });

  it('ffillIndices points null rows at the batch row or the state row n + slot', () => {
    const run = Int32Array.of(NO_VALUE, 0, NO_VALUE);
    const local = new Int32Array(3).fill(-1);
    const touched = new Int32Array(3);
    const src = new Int32Array(5);
    // codes: key 0 (slot 1, has state), key 1 (slot 2, none yet)
    const t = ffillIndices(bits(0, 0, 1, 0, 0), 0, Int32Array.of(0, 1, 1, 1, 0), 5, run, NO_LIMIT, local, touched, src);
    expect([...src]).toEqual([5 + 1, -1, 2, 2, 5 + 1]);
    expect(t).toBe(1);
    expect(touched[0]).toBe(2);
    expect(ffillIndices(null, 0, Int32Array.of(0), 1, run, NO_LIMIT, new Int32Array(3).fill(-1), touched, src)).toBe(1);
  });
});
