import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InvalidOptionError } from '../../src/errors';
import { filterRows, selectRows } from '../../src/batch/filter';
import { allTypesBatch, boolData, listTypesBatch, pick, plainColumns } from './fixtures';
import { soak } from '../helpers/soak';

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

  it('slices zero-copy when the kept rows are one run, keeping the schema object', () => {
    const mask = new Uint8Array(21);
    mask.fill(1, 4, 9);
    const out = filterRows(batch, mask);
    expect(plainColumns(out)).toEqual(pick(all, [4, 5, 6, 7, 8]));
    expect(out.data.children[1].values.buffer).toBe(batch.data.children[1].values.buffer);
    expect(out.schema).toBe(batch.schema);
    expect(filterRows(batch, new Uint8Array(21)).schema).toBe(batch.schema);
  });

  it('keeps the rows of nested columns (List, Map, FixedSizeList), sliced too', () => {
    const nested = listTypesBatch(30);
    const mask = Uint8Array.from({ length: 30 }, (_, i) => (i % 4 === 1 || i % 7 === 0 ? 1 : 0));
    expect(plainColumns(filterRows(nested, mask))).toEqual(pick(plainColumns(nested), keep(mask)));
    const s = nested.slice(5, 25);
    const m = mask.subarray(3, 23);
    expect(plainColumns(filterRows(s, m))).toEqual(pick(plainColumns(s), keep(m)));
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
      { numRuns: soak(50) },
    );
  });
});

describe('selectRows', () => {
  const batch = allTypesBatch(25);
  const all = plainColumns(batch);

  it('gathers the selected rows of every column type into new buffers', () => {
    const sel = Int32Array.of(0, 3, 4, 9, 24, 77); // only the first `count` are read
    const out = selectRows(batch, sel, 5);
    expect(plainColumns(out)).toEqual(pick(all, [0, 3, 4, 9, 24]));
    expect(out.schema).toBe(batch.schema);
    expect(out.data.children[1].values.buffer).not.toBe(batch.data.children[1].values.buffer);
  });

  it('is zero-copy for all rows, no rows, and one contiguous run (schema object kept)', () => {
    expect(selectRows(batch, Int32Array.from({ length: 25 }, (_, i) => i), 25)).toBe(batch);
    const none = selectRows(batch, new Int32Array(4), 0);
    expect(none.numRows).toBe(0);
    expect(none.schema).toBe(batch.schema);
    const run = selectRows(batch, Int32Array.of(6, 7, 8, 9, 0), 4);
    expect(plainColumns(run)).toEqual(pick(all, [6, 7, 8, 9]));
    expect(run.schema).toBe(batch.schema);
    expect(run.data.children[1].values.buffer).toBe(batch.data.children[1].values.buffer);
    const one = selectRows(batch, Int32Array.of(24), 1);
    expect(plainColumns(one)).toEqual(pick(all, [24]));
  });

  it('works on sliced batches (offset ≠ 0): runs and gathers', () => {
    const s = batch.slice(3, 20);
    const sp = plainColumns(s);
    expect(plainColumns(selectRows(s, Int32Array.of(2, 3, 4), 3))).toEqual(pick(sp, [2, 3, 4]));
    expect(plainColumns(selectRows(s, Int32Array.of(0, 5, 16), 3))).toEqual(pick(sp, [0, 5, 16]));
  });

  it('agrees with picking the selected rows for random increasing selections (property)', () => {
    fc.assert(
      fc.property(fc.nat(8), fc.array(fc.boolean(), { minLength: 17, maxLength: 17 }), (a, bits) => {
        const s = batch.slice(a, a + 17);
        const positions = bits.flatMap((b, i) => (b ? [i] : []));
        const sel = Int32Array.from([...positions, 99]);
        expect(plainColumns(selectRows(s, sel, positions.length))).toEqual(pick(plainColumns(s), positions));
      }),
      { numRuns: soak(50) },
    );
  });
});
