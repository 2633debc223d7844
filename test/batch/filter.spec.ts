import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InvalidOptionError } from '../../src/errors';
import { filterRows } from '../../src/batch/filter';
import { allTypesBatch, boolData, pick, plainColumns } from './fixtures';

describe('filterRows', () => {
  const batch = allTypesBatch(21);
  const all = plainColumns(batch);
  const keep = (mask: ArrayLike<number | boolean | null>): number[] =>
    Array.from({ length: mask.length }, (_, i) => i).filter((i) => mask[i]);

  it('keeps the rows of a byte mask, every column type', () => {
    const mask = Uint8Array.from({ length: 21 }, (_, i) => (i % 3 === 1 ? 1 : 0));
    const out = filterRows(batch, mask);
    expect(plainColumns(out)).toEqual(pick(all, keep(mask)));
  });

  it('keeps the rows of a Bool Data mask; a null in the mask drops the row', () => {
    const values = Array.from({ length: 21 }, (_, i) => (i % 4 === 0 ? null : i % 2 === 0));
    const out = filterRows(batch, boolData(values));
    expect(plainColumns(out)).toEqual(pick(all, keep(values)));
  });

  it('honours the offset of a sliced Bool mask', () => {
    const values = Array.from({ length: 30 }, (_, i) => i % 3 === 0 || i % 5 === 0);
    const mask = boolData(values).slice(5, 16); // Data.slice(offset, length)
    const out = filterRows(batch.slice(2, 18), mask);
    const s = plainColumns(batch.slice(2, 18));
    expect(plainColumns(out)).toEqual(pick(s, keep(values.slice(5, 21))));
  });

  it('returns the batch itself when every row is kept', () => {
    expect(filterRows(batch, new Uint8Array(21).fill(1))).toBe(batch);
    expect(filterRows(batch, boolData(new Array(21).fill(true)))).toBe(batch);
  });

  it('returns a zero-row batch with the same schema when no row is kept', () => {
    for (const out of [filterRows(batch, new Uint8Array(21)), filterRows(batch, boolData(new Array(21).fill(false)))]) {
      expect(out.numRows).toBe(0);
      expect(out.schema.fields.map((f) => [f.name, f.type])).toEqual(batch.schema.fields.map((f) => [f.name, f.type]));
    }
  });

  it('slices zero-copy when the kept rows are one run', () => {
    const mask = new Uint8Array(21);
    mask.fill(1, 4, 9);
    const out = filterRows(batch, mask);
    expect(plainColumns(out)).toEqual(pick(all, [4, 5, 6, 7, 8]));
    expect(out.data.children[1].values.buffer).toBe(batch.data.children[1].values.buffer);
  });

  it('handles an empty batch', () => {
    const empty = batch.slice(0, 0);
    expect(filterRows(empty, new Uint8Array(0))).toBe(empty);
  });

  it('throws InvalidOptionError when the mask length differs from the row count', () => {
    try {
      filterRows(batch, new Uint8Array(3));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidOptionError);
      expect((e as InvalidOptionError).option).toBe('mask');
    }
  });

  it('agrees with picking the kept rows for random masks over slices (property)', () => {
    fc.assert(
      fc.property(fc.nat(9), fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }), (a, bits) => {
        const s = batch.slice(a, a + 12);
        const mask = Uint8Array.from(bits, Number);
        expect(plainColumns(filterRows(s, mask))).toEqual(pick(plainColumns(s), keep(bits)));
      }),
      { numRuns: 50 },
    );
  });
});
