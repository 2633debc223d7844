import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ByteKeyTable,
  IntKeyTable,
  NULL_CODE,
  TupleKeyTable,
  UNRESOLVED,
  encodeBits,
  encodeBytes,
  encodeInt32,
  encodeInt64,
  encodePairs,
  encodeTranslated,
  encodeTuples,
  newTranslation,
} from '../../src/kernels/keys';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Utf8-shaped buffers from strings. */
function utf8(values: string[]): { offsets: Int32Array; bytes: Uint8Array } {
  const parts = values.map((v) => enc.encode(v));
  const offsets = new Int32Array(values.length + 1);
  parts.forEach((p, i) => (offsets[i + 1] = offsets[i] + p.length));
  const bytes = new Uint8Array(offsets[values.length]);
  parts.forEach((p, i) => bytes.set(p, offsets[i]));
  return { offsets, bytes };
}

/** Reference: codes in order of first appearance. */
function reference<T>(values: T[]): number[] {
  const m = new Map<T, number>();
  return values.map((v) => {
    if (!m.has(v)) m.set(v, m.size);
    return m.get(v)!;
  });
}

describe('ByteKeyTable', () => {
  it('hands out codes in order of first insertion and grows past its capacity', () => {
    const t = new ByteKeyTable(2);
    const words = Array.from({ length: 1000 }, (_, i) => `k${i % 300}`);
    const { offsets, bytes } = utf8(words);
    const codes = words.map((_, i) => t.findOrAdd(bytes, offsets[i], offsets[i + 1]));
    expect(codes).toEqual(reference(words));
    expect(t.size).toBe(300);
    const [a, b] = t.range(17);
    expect(dec.decode(t.arena.subarray(a, b))).toBe('k17');
    const probe = utf8(['k5', 'nope', '']);
    expect(t.find(probe.bytes, probe.offsets[0], probe.offsets[1])).toBe(5);
    expect(t.find(probe.bytes, probe.offsets[1], probe.offsets[2])).toBe(-1);
    expect(t.findOrAdd(probe.bytes, probe.offsets[2], probe.offsets[3])).toBe(300); // the empty string is a key
  });

  it('agrees with a Map over random strings (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 6 }), { maxLength: 200 }), (words) => {
        const t = new ByteKeyTable(1);
        const { offsets, bytes } = utf8(words);
        const out = new Int32Array(words.length);
        encodeBytes(offsets, 1, bytes, null, 0, words.length, t, out);
        expect(Array.from(out)).toEqual(reference(words));
      }),
    );
  });
});

describe('IntKeyTable', () => {
  it('keys 64-bit integers by value and decodes them', () => {
    const t = new IntKeyTable(1);
    expect(t.findOrAdd(5, 0)).toBe(0);
    expect(t.findOrAdd(-1, -1)).toBe(1); // -1
    expect(t.findOrAdd(-1, 0)).toBe(2); // 2^32 - 1
    expect(t.findOrAdd(5, 0)).toBe(0);
    expect(t.find(-1, -1)).toBe(1);
    expect(t.find(7, 0)).toBe(-1);
    expect(t.numberOf(1)).toBe(-1);
    expect(t.numberOf(2)).toBe(4294967295);
    expect(t.bigintOf(1)).toBe(-1n);
    for (let i = 0; i < 5000; i++) t.findOrAdd(i * 7919, i & 3);
    expect(t.size).toBe(5000 + 3);
    expect(t.find(7919 * 10, 10 & 3)).toBeGreaterThan(2);
  });

  it('encodes 32-bit signed / unsigned and 64-bit values consistently', () => {
    const t = new IntKeyTable();
    const out = new Int32Array(4);
    encodeInt32(Int32Array.of(1, -1, 1, 7), false, null, 0, 4, t, out);
    expect(Array.from(out)).toEqual([0, 1, 0, 2]);
    encodeInt32(Uint32Array.of(7, 0xffffffff, 1, 0), true, Uint8Array.of(0b1011), 0, 4, t, out);
    expect(Array.from(out)).toEqual([2, 3, NULL_CODE, 4]); // 2^32-1 is not -1
    const big = BigInt64Array.of(-1n, 7n, 1n << 40n);
    encodeInt64(new Int32Array(big.buffer), null, 0, 3, t, out);
    expect(Array.from(out.subarray(0, 3))).toEqual([1, 2, 5]);
    expect(t.bigintOf(5)).toBe(1n << 40n);
  });
});

describe('TupleKeyTable', () => {
  it('pairs and wider tuples get codes in first-appearance order; a negative component is null', () => {
    const pairs = new TupleKeyTable(2, 1);
    const a = Int32Array.from({ length: 500 }, (_, i) => i % 17);
    const b = Int32Array.from({ length: 500 }, (_, i) => i % 13);
    b[3] = -1;
    const out = new Int32Array(500);
    encodePairs(a, b, 500, pairs, out);
    const ref = reference(Array.from(a, (x, i) => `${x},${b[i]}`).filter((_, i) => i !== 3));
    const got = Array.from(out).filter((_, i) => i !== 3);
    expect(got).toEqual(ref);
    expect(out[3]).toBe(NULL_CODE);
    expect(pairs.findOrAdd(Int32Array.of(a[0], b[0]))).toBe(0);

    const triples = new TupleKeyTable(3, 1);
    const c = Int32Array.from({ length: 500 }, (_, i) => i % 5);
    const out3 = new Int32Array(500);
    encodeTuples([a, b, c], 500, triples, out3);
    const ref3 = reference(Array.from(a, (x, i) => `${x},${b[i]},${c[i]}`).filter((_, i) => i !== 3));
    expect(Array.from(out3).filter((_, i) => i !== 3)).toEqual(ref3);
    expect(out3[3]).toBe(NULL_CODE);
  });
});

describe('translation-table encoders', () => {
  it('resolve each entry once, on first use, so codes follow row order', () => {
    const table = newTranslation(4);
    const calls: number[] = [];
    let next = 0;
    const resolve = (k: number): number => {
      calls.push(k);
      return k === 2 ? NULL_CODE : next++;
    };
    const out = new Int32Array(6);
    encodeTranslated(Int8Array.of(3, 1, 3, 2, 0, 1), 0, table, resolve, Uint8Array.of(0b101111), 0, 6, out);
    expect(Array.from(out)).toEqual([0, 1, 0, NULL_CODE, NULL_CODE, 1]);
    expect(calls).toEqual([3, 1, 2]);
    expect(table.unresolved).toBe(1);
    expect(table.table[0]).toBe(UNRESOLVED);
    // Without nulls; once all entries are resolved the plain loop takes over.
    encodeTranslated(Int8Array.of(0, 1, 0, 3), 0, table, resolve, null, 0, 4, out);
    expect(Array.from(out.subarray(0, 4))).toEqual([2, 1, 2, 0]);
    expect(table.unresolved).toBe(0);
    expect(calls).toEqual([3, 1, 2, 0]);
    // A bias maps signed small integers into the table.
    const small = newTranslation(256);
    encodeTranslated(Int8Array.of(-128, 127, -128), 128, small, (k) => k, null, 0, 3, out);
    expect(Array.from(out.subarray(0, 3))).toEqual([0, 255, 0]);
  });

  it('encodes bit-packed booleans at a bit offset', () => {
    const table = new Int32Array(2).fill(UNRESOLVED);
    let next = 0;
    const out = new Int32Array(4);
    // bits from offset 2: 1, 0, 1, 1; validity from offset 2: 1, 1, 0, 1
    encodeBits(Uint8Array.of(0b110100), 2, table, () => next++, Uint8Array.of(0b101100), 4, out);
    expect(Array.from(out)).toEqual([0, 1, NULL_CODE, 0]);
  });
});
