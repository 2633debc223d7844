import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  bitsToIndices,
  contiguousRun,
  countMask,
  firstOutOfRange,
  fixedListChildIndices,
  gatherBits,
  gatherFixed,
  gatherLargeVarBinary,
  gatherListRanges,
  gatherVarBinary,
  MULTI_GATHER_MAX,
  allocArray,
  makeMultiGather,
  multiGatherFor,
  hasNegative,
  maskToIndices,
  rebaseLargeOffsets,
  rebaseOffsets,
  translateKeys,
  validityOfIndices,
} from '../../src/kernels/gather';
import { soak } from '../helpers/soak';

const bits = (b: Uint8Array, n: number): number[] => Array.from({ length: n }, (_, i) => (b[i >> 3] >> (i & 7)) & 1);
const dec = new TextDecoder();

describe('gather kernels', () => {
  it('gathers fixed-width values, strided values, and leaves negative rows zero', () => {
    expect(Array.from(gatherFixed(Int32Array.of(10, 20, 30), 1, Int32Array.of(2, 0, 2), 3, new Int32Array(3), false))).toEqual([30, 10, 30]);
    expect(Array.from(gatherFixed(BigInt64Array.of(1n, 2n), 1, Int32Array.of(1, -1), 2, new BigInt64Array(2), true))).toEqual([2n, 0n]);
    expect(Array.from(gatherFixed(Uint8Array.of(1, 2, 3, 4, 5, 6), 3, Uint32Array.of(1, 0), 2, new Uint8Array(6), false))).toEqual([4, 5, 6, 1, 2, 3]);
    expect(Array.from(gatherFixed(Int32Array.of(1, 2, 3, 4), 2, Int32Array.of(-1, 1), 2, new Int32Array(4), true))).toEqual([0, 0, 3, 4]);
  });

  const CLASSES = [
    Int8Array,
    Int16Array,
    Int32Array,
    Uint8Array,
    Uint16Array,
    Uint32Array,
    Float32Array,
    Float64Array,
    BigInt64Array,
    BigUint64Array,
  ] as const;

  it('gathers every typed-array class through its own specialised loop, with Int32 and Uint32 indices and holes', () => {
    for (const Arr of CLASSES) {
      const big = Arr === BigInt64Array || Arr === BigUint64Array;
      const v = (x: number): number | bigint => (big ? BigInt(x) : x);
      const values = new (Arr as unknown as new (xs: unknown[]) => ArrayLike<unknown>)([1, 2, 3, 4, 5].map(v));
      const out = () => new (Arr as unknown as new (n: number) => ArrayLike<unknown>)(4);
      const name = Arr.name;
      // Twice each, so a second call reuses the cached loop.
      for (let rep = 0; rep < 2; rep++) {
        expect(Array.from(gatherFixed(values as never, 1, Int32Array.of(4, 0, 0, 2), 4, out() as never, false)), name).toEqual([5, 1, 1, 3].map(v));
        expect(Array.from(gatherFixed(values as never, 1, Uint32Array.of(1, 3, 3, 0), 4, out() as never, false)), name).toEqual([2, 4, 4, 1].map(v));
        expect(Array.from(gatherFixed(values as never, 1, Int32Array.of(-1, 3, -1, 0), 4, out() as never, true)), name).toEqual([0, 4, 0, 1].map(v));
      }
    }
  });

  it('gathers from a subarray (re-based values of a sliced column) and keeps NaN, -0 and extreme values', () => {
    const base = Float64Array.of(9, NaN, -0, Infinity, -1e308);
    const sub = base.subarray(1);
    const out = gatherFixed(sub, 1, Int32Array.of(3, 2, 1, 0), 4, new Float64Array(4), false);
    expect(Array.from(out)).toEqual([-1e308, Infinity, -0, NaN]);
    expect(Object.is(out[2], -0)).toBe(true);
    const big = gatherFixed(BigInt64Array.of(-(2n ** 63n), 2n ** 63n - 1n), 1, Int32Array.of(1, 0), 2, new BigInt64Array(2), false);
    expect(Array.from(big)).toEqual([2n ** 63n - 1n, -(2n ** 63n)]);
  });

  it('gather agrees with a plain index loop for every class (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CLASSES),
        fc.array(fc.integer({ min: -128, max: 127 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 60 }),
        fc.boolean(),
        (Arr, raw, picks, holes) => {
          const big = Arr === BigInt64Array || Arr === BigUint64Array;
          const values = (Arr as unknown as { from(xs: unknown[]): ArrayLike<unknown> }).from(raw.map((x) => (big ? BigInt(x & 127) : x & 127)));
          const idx = Int32Array.from(picks, (p, i) => (holes && i % 3 === 0 ? -1 : p % raw.length));
          const out = new (Arr as unknown as new (n: number) => ArrayLike<unknown>)(idx.length);
          gatherFixed(values as never, 1, idx, idx.length, out as never, holes);
          const zero = big ? 0n : 0;
          expect(Array.from(out)).toEqual(Array.from(idx, (j) => (j < 0 ? zero : values[j])));
        },
      ),
      { numRuns: soak(60) },
    );
  });

  it('shares one multi-column loop per list of column classes', () => {
    const a = multiGatherFor([Float64Array, Int32Array]);
    expect(multiGatherFor([Float64Array, Int32Array])).toBe(a);
    expect(multiGatherFor([Int32Array, Float64Array])).not.toBe(a);
    expect(multiGatherFor([Float64Array, Int32Array, Int32Array])).not.toBe(a);
    const out = [new Float64Array(2), new Int32Array(2)];
    a([Float64Array.of(1.5, 2.5), Int32Array.of(7, 8)], Int32Array.of(1, 0), 2, out);
    expect(out.map((o) => Array.from(o))).toEqual([[2.5, 1.5], [8, 7]]);
  });

  it('gathers several columns of different classes in one loop', () => {
    const g = makeMultiGather(3);
    const values = [Float64Array.of(0.5, 1.5, 2.5), BigInt64Array.of(10n, 20n, 30n), Int8Array.of(-1, -2, -3)];
    const out = [new Float64Array(4), new BigInt64Array(4), new Int8Array(4)];
    for (const idx of [Int32Array.of(2, 0, 0, 1), Uint32Array.of(2, 0, 0, 1)]) {
      g(values, idx, 4, out);
      expect(out.map((o) => Array.from(o as ArrayLike<unknown>))).toEqual([[2.5, 0.5, 0.5, 1.5], [30n, 10n, 10n, 20n], [-3, -1, -1, -2]]);
    }
    expect(() => makeMultiGather(0)).toThrow(RangeError);
    expect(() => makeMultiGather(MULTI_GATHER_MAX + 1)).toThrow(RangeError);
    const wide = makeMultiGather(MULTI_GATHER_MAX);
    const cols = Array.from({ length: MULTI_GATHER_MAX }, (_, c) => Int32Array.of(c, c + 10));
    const outs = cols.map(() => new Int32Array(2));
    wide(cols, Int32Array.of(1, 0), 2, outs);
    expect(outs.map((o) => Array.from(o))).toEqual(cols.map((c) => [c[1], c[0]]));
  });

  it('allocArray gives zeroed, aligned, non-overlapping arrays of every class and size', () => {
    const made: ArrayLike<unknown>[] = [];
    for (const Arr of CLASSES) {
      for (const n of [0, 1, 7, 8, 9, 100, 1000, 3000, 100_000]) {
        const a = allocArray(Arr as never, n) as unknown as ArrayLike<unknown> & { byteOffset: number; buffer: ArrayBuffer; BYTES_PER_ELEMENT: number };
        expect(a, `${Arr.name}(${n})`).toBeInstanceOf(Arr);
        expect(a.length).toBe(n);
        expect(a.byteOffset % 8).toBe(0);
        const zero = Arr === BigInt64Array || Arr === BigUint64Array ? 0n : 0;
        expect(Array.from(a).every((x) => x === zero)).toBe(true);
        made.push(a);
      }
    }
    // Writing every array through a byte view never touches another one.
    const bytes = made.map((a) => {
      const v = a as unknown as { buffer: ArrayBuffer; byteOffset: number; byteLength: number };
      return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    });
    bytes.forEach((b, k) => b.fill((k % 250) + 1));
    bytes.forEach((b, k) => expect(b.every((x) => x === (k % 250) + 1), `array ${k}`).toBe(true));
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

  it('gathers list ranges (32-bit offsets, re-based input) and fixed-size list child rows', () => {
    // rows: [0], [], [1, 2], [3]; offsets of a slice need not start at 0
    const offsets = Int32Array.of(5, 6, 6, 8, 9);
    const r = gatherListRanges(offsets, Int32Array.of(0, 2, 3), 3);
    expect(Array.from(r.offsets)).toEqual([0, 1, 3, 4]);
    expect(Array.from(r.childIndices)).toEqual([5, 6, 7, 8]);
    const holes = gatherListRanges(offsets, Int32Array.of(2, -1, 1, 2), 4);
    expect(Array.from(holes.offsets)).toEqual([0, 2, 2, 2, 4]);
    expect(Array.from(holes.childIndices)).toEqual([6, 7, 6, 7]);
    expect(Array.from(gatherListRanges(offsets, Uint32Array.of(), 0).offsets)).toEqual([0]);
    expect(Array.from(fixedListChildIndices(2, Int32Array.of(1, 3), 2))).toEqual([2, 3, 6, 7]);
    expect(Array.from(fixedListChildIndices(3, Int32Array.of(0, -1), 2))).toEqual([0, 1, 2, -1, -1, -1]);
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
