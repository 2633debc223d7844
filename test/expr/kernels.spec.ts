import { describe, expect, it } from 'vitest';
import {
  CMP_EQ,
  CMP_GT,
  CMP_LT,
  compareBytes,
  concatUtf8,
  dictionaryCompareTable,
  equalsLiteral,
  gatherUtf8,
  indexOfString,
  validityTable,
} from '../../src/kernels/exprStrings';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Strings as offsets + bytes. */
function strings(xs: string[]): { offsets: Int32Array; bytes: Uint8Array; size: number } {
  const parts = xs.map((x) => enc.encode(x));
  const offsets = new Int32Array(xs.length + 1);
  parts.forEach((p, k) => (offsets[k + 1] = offsets[k] + p.length));
  const bytes = new Uint8Array(offsets[xs.length]);
  parts.forEach((p, k) => bytes.set(p, offsets[k]));
  return { offsets, bytes, size: xs.length };
}
const read = (o: Int32Array, b: Uint8Array, n: number) => Array.from({ length: n }, (_, k) => dec.decode(b.subarray(o[k], o[k + 1])));

describe('string kernels', () => {
  it('compare UTF-8 bytes (code point order)', () => {
    const s = strings(['a', 'ab', 'b', 'é', '']);
    const cmp = (i: number, j: number) => compareBytes(s.bytes, s.offsets[i], s.offsets[i + 1], s.bytes, s.offsets[j], s.offsets[j + 1]);
    expect(cmp(0, 1)).toBe(-1);
    expect(cmp(1, 2)).toBe(-1);
    expect(cmp(3, 2)).toBe(1);
    expect(cmp(4, 0)).toBe(-1);
    expect(cmp(2, 2)).toBe(0);
    expect(equalsLiteral(s.bytes, s.offsets[3], s.offsets[4], enc.encode('é'))).toBe(true);
  });

  it('per-dictionary tables and lookups', () => {
    const s = strings(['x', 'y', 'z']);
    expect(Array.from(dictionaryCompareTable(s.offsets, s.bytes, 3, enc.encode('y'), CMP_EQ))).toEqual([0, 1, 0]);
    expect(Array.from(dictionaryCompareTable(s.offsets, s.bytes, 3, enc.encode('y'), CMP_LT))).toEqual([1, 0, 0]);
    expect(Array.from(dictionaryCompareTable(s.offsets, s.bytes, 3, enc.encode('y'), CMP_GT))).toEqual([0, 0, 1]);
    expect(indexOfString(s.offsets, s.bytes, 3, enc.encode('z'))).toBe(2);
    expect(indexOfString(s.offsets, s.bytes, 3, enc.encode('w'))).toBe(-1);
    expect(Array.from(validityTable(Uint8Array.of(0b1011_0000), 4, 4))).toEqual([1, 1, 0, 1]);
  });

  it('concatenates and gathers strings by handle', () => {
    const a = strings(['ab', 'c']);
    const b = strings(['', 'def']);
    const j = concatUtf8([a, { offsets: b.offsets.subarray(1), bytes: b.bytes, size: 1 }]);
    expect(read(j.offsets, j.bytes, 3)).toEqual(['ab', 'c', 'def']);
    // handles: index * 2 + source; row 2 is null (validity 0) and gets ''.
    const g = gatherUtf8(Float64Array.of(1 * 2 + 1, 0 * 2 + 0, 0, 1 * 2 + 0), Uint8Array.of(0b1011), 4, 2, [a.offsets, b.offsets], [a.bytes, b.bytes]);
    expect(read(g.offsets, g.bytes, 4)).toEqual(['def', 'ab', '', 'c']);
  });
});
