import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Data, Field, Float64, Int32, LargeList, Schema, SparseUnion, makeData, RecordBatch, Struct, Type, vectorFromArray } from 'apache-arrow';
import { ColumnTypeError, InvalidOptionError } from '../../src/errors';
import { recordBatch } from '../../src/batch/build';
import { takeData, takeRows } from '../../src/batch/take';
import { allTypesBatch, ipcRoundTrip, listTypesBatch, pick, plain, plainColumns } from './fixtures';
import { soak } from '../helpers/soak';

describe('takeRows', () => {
  const batch = allTypesBatch(37);
  const all = plainColumns(batch);

  it('gathers rows of every column type in index order, repeats allowed, nulls kept', () => {
    const idx = Int32Array.of(36, 0, 5, 5, 17, 2);
    const out = takeRows(batch, idx);
    expect(out.numRows).toBe(6);
    expect(plainColumns(out)).toEqual(pick(all, idx));
    expect(out.schema.fields.map((f) => f.name)).toEqual(batch.schema.fields.map((f) => f.name));
    // Types are the same objects: a Dictionary column keeps its dictionary and id.
    out.schema.fields.forEach((f, j) => expect(f.type).toBe(batch.schema.fields[j].type));
    const dictIndex = batch.schema.fields.findIndex((f) => f.name === 'dict');
    expect(out.data.children[dictIndex].dictionary).toBe(batch.data.children[dictIndex].dictionary);
  });

  it('accepts Uint32Array indices and a length shorter than the array', () => {
    const idx = Uint32Array.of(3, 1, 4, 1, 5);
    const out = takeRows(batch, idx, 3);
    expect(plainColumns(out)).toEqual(pick(all, [3, 1, 4]));
  });

  it('gives a row of nulls for a negative index', () => {
    const out = takeRows(batch, Int32Array.of(1, -1, 2));
    const cols = plainColumns(out);
    for (const [name, values] of Object.entries(cols)) {
      expect(values[1], name).toBeNull();
      expect([values[0], values[2]], name).toEqual([all[name][1], all[name][2]]);
    }
  });

  it('works on sliced batches, including non-byte-aligned offsets', () => {
    for (const [a, b] of [[3, 30], [8, 20], [13, 14], [1, 37]]) {
      const s = batch.slice(a, b);
      const idx = Int32Array.from({ length: b - a }, (_, i) => b - a - 1 - i);
      expect(plainColumns(takeRows(s, idx))).toEqual(pick(plainColumns(s), idx));
    }
  });

  it('works on IPC round-tripped batches', () => {
    const [back] = ipcRoundTrip([batch]);
    const idx = Int32Array.of(4, 9, 0);
    expect(plainColumns(takeRows(back, idx))).toEqual(pick(all, idx));
  });

  it('gives zero rows for no indices, and handles an empty batch', () => {
    const none = takeRows(batch, new Int32Array(0));
    expect(none.numRows).toBe(0);
    expect(none.schema.fields.length).toBe(batch.schema.fields.length);
    const empty = batch.slice(0, 0);
    expect(takeRows(empty, new Int32Array(0)).numRows).toBe(0);
    expect(takeRows(empty, Int32Array.of(-1, -1)).numRows).toBe(2);
  });

  it('throws InvalidOptionError for out-of-range indices or a bad length', () => {
    const err = (() => {
      try {
        takeRows(batch, Int32Array.of(0, 37));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InvalidOptionError);
    expect((err as InvalidOptionError).option).toBe('indices');
    expect((err as Error).message).toContain('position 1');
    expect(() => takeRows(batch, Int32Array.of(0), 2)).toThrow(InvalidOptionError);
  });

  it('throws ColumnTypeError naming an unsupported column (Union, LargeList)', () => {
    const child = vectorFromArray([1, 2], new Int32()).data[0];
    const union = makeData({
      type: new SparseUnion([0], [new Field('a', new Int32())]),
      length: 2,
      nullCount: 0,
      typeIds: Int8Array.of(0, 0),
      children: [child],
    } as never);
    const large = makeData({
      type: new LargeList(new Field('item', new Int32())),
      length: 2,
      nullCount: 0,
      valueOffsets: BigInt64Array.of(0n, 1n, 2n),
      child,
    } as never);
    for (const [name, data] of [['u', union], ['ll', large]] as const) {
      const fields = [new Field('k', new Int32(), true), new Field(name, data.type, true)];
      const b = new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: 2, children: [child, data] }));
      try {
        takeRows(b, Int32Array.of(0));
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(ColumnTypeError);
        expect((e as ColumnTypeError).column).toBe(name);
        expect((e as ColumnTypeError).expected).toContain('List, Map, FixedSizeList');
      }
    }
  });

  it('gathers batches of one schema whose column buffers change class (the per-schema plan falls back)', () => {
    const fields = [new Field('a', new Int32(), true), new Field('x', new Float64(), true)];
    const schema = new Schema(fields);
    const make = (a: Int32Array | Uint32Array, x: Float64Array) =>
      new RecordBatch(
        schema,
        makeData({
          type: new Struct(fields),
          length: a.length,
          children: [new Data(fields[0].type, 0, a.length, 0, [undefined, a, undefined] as never), new Data(fields[1].type, 0, x.length, 0, [undefined, x, undefined] as never)],
        }),
      );
    const first = make(Int32Array.of(1, 2, 3), Float64Array.of(0.5, 1.5, 2.5));
    // The same schema object (recordBatch keeps it), so the same gather plan.
    const odd = recordBatch(first.schema, make(Uint32Array.of(7, 8, 9), Float64Array.of(9, 8, 7)).data);
    expect(odd.schema).toBe(first.schema);
    const idx = Int32Array.of(2, 0);
    expect(Array.from(takeRows(first, idx).data.children[0].values)).toEqual([3, 1]);
    const out = takeRows(odd, idx);
    expect(out.data.children[0].values).toBeInstanceOf(Uint32Array);
    expect(Array.from(out.data.children[0].values)).toEqual([9, 7]);
    expect(Array.from(out.data.children[1].values)).toEqual([7, 9]);
  });

  it('takeData gathers one column', () => {
    const d = vectorFromArray(['a', 'b', 'c']).data[0];
    expect(plain(takeData(d, Int32Array.of(2, -1, 0)))).toEqual(['c', null, 'a']);
  });

  it('identity indices give the same rows, for any slice (property)', () => {
    fc.assert(
      fc.property(fc.nat(37), fc.nat(37), (x, y) => {
        const [a, b] = x <= y ? [x, y] : [y, x];
        const s = batch.slice(a, b);
        const idx = Int32Array.from({ length: b - a }, (_, i) => i);
        expect(plainColumns(takeRows(s, idx))).toEqual(plainColumns(s));
      }),
      { numRuns: soak(40) },
    );
  });

  it('agrees with picking plain rows for random indices (property)', () => {
    fc.assert(
      fc.property(fc.nat(10), fc.array(fc.integer({ min: -1, max: 26 }), { maxLength: 30 }), (a, raw) => {
        const s = batch.slice(a, a + 27);
        const idx = Int32Array.from(raw);
        expect(plainColumns(takeRows(s, idx))).toEqual(pick(plainColumns(s), idx));
      }),
      { numRuns: soak(40) },
    );
  });
});

describe('takeRows on nested columns (List, Map, FixedSizeList)', () => {
  const batch = listTypesBatch(41);
  const all = plainColumns(batch);

  it('gathers lists with their child rows, nulls and empty lists kept, repeats allowed', () => {
    const idx = Int32Array.of(40, 0, 3, 3, 17, 4, 2);
    const out = takeRows(batch, idx);
    expect(plainColumns(out)).toEqual(pick(all, idx));
    out.schema.fields.forEach((f, j) => expect(f.type).toBe(batch.schema.fields[j].type));
    // The gathered children are contiguous: offsets start at 0, children hold only the kept items.
    const list = out.data.children[1];
    expect(list.valueOffsets[0]).toBe(0);
    expect(list.children[0].length).toBe(list.valueOffsets[out.numRows]);
  });

  it('gives a null row for a negative index (an empty list for List and Map, null items for FixedSizeList)', () => {
    const out = takeRows(batch, Int32Array.of(1, -1, 2));
    const cols = plainColumns(out);
    for (const [name, values] of Object.entries(cols)) {
      expect(values[1], name).toBeNull();
      expect([values[0], values[2]], name).toEqual([all[name][1], all[name][2]]);
    }
    expect(out.data.children[1].valueOffsets[2] - out.data.children[1].valueOffsets[1]).toBe(0);
    expect(out.data.children.find((c) => c.type.typeId === Type.FixedSizeList)!.children[0].length).toBe(6);
  });

  it('works on sliced batches (offset ≠ 0, offsets not starting at 0, sliced FixedSizeList children)', () => {
    for (const [a, b] of [[3, 30], [8, 20], [13, 14], [1, 41]]) {
      const s = batch.slice(a, b);
      const idx = Int32Array.from({ length: b - a }, (_, i) => (i * 7) % (b - a));
      expect(plainColumns(takeRows(s, idx))).toEqual(pick(plainColumns(s), idx));
    }
  });

  it('works on IPC round-tripped batches', () => {
    const [back] = ipcRoundTrip([batch]);
    const idx = Int32Array.of(4, 9, 0, 33);
    expect(plainColumns(takeRows(back, idx))).toEqual(pick(all, idx));
  });

  it('gives zero rows for no indices', () => {
    const none = takeRows(batch, new Int32Array(0));
    expect(none.numRows).toBe(0);
    expect(plainColumns(none)).toEqual(pick(all, []));
  });

  it('agrees with picking plain rows for random indices over slices (property)', () => {
    fc.assert(
      fc.property(fc.nat(14), fc.array(fc.integer({ min: -1, max: 26 }), { maxLength: 30 }), (a, raw) => {
        const s = batch.slice(a, a + 27);
        const idx = Int32Array.from(raw);
        expect(plainColumns(takeRows(s, idx))).toEqual(pick(plainColumns(s), idx));
      }),
      { numRuns: soak(40) },
    );
  });
});
