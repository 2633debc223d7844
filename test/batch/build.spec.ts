import { describe, expect, it } from 'vitest';
import { type Data, Float64, RecordBatch, Table, tableFromIPC, tableToIPC } from 'apache-arrow';
import fc from 'fast-check';
import { NO_DATA, NO_METADATA, fixedData, recordBatch, sliceBatch, sliceFlat, structData } from '../../src/batch/build';
import { batch } from '../../src/testing/builders';
import { toColumns } from '../../src/testing/read';
import { soak } from '../helpers/soak';

describe('recordBatch / structData / fixedData (the hot-path batch builders)', () => {
  const b = batch({ ts: [1, 2], x: [0.5, null] }, { ts: 'timestamp[ms]', x: 'float64' });

  it('batches without metadata share one read-only empty map; given metadata is kept', () => {
    const one = recordBatch(b.schema, structData(b.schema, [...b.data.children], 2));
    const two = recordBatch(b.schema, structData(b.schema, [...b.data.children], 2));
    expect(one).toBeInstanceOf(RecordBatch);
    expect(one.metadata).toBe(NO_METADATA);
    expect(two.metadata).toBe(NO_METADATA);
    expect(one.metadata.size).toBe(0);
    expect(() => one.metadata.set('k', 'v')).toThrow(/no metadata of its own/);
    expect(() => one.metadata.delete('k')).toThrow(TypeError);
    expect(() => one.metadata.clear()).toThrow(TypeError);
    expect(NO_METADATA.size).toBe(0);
    const own = new Map([['source', 'x']]);
    expect(recordBatch(b.schema, b.data, own).metadata).toBe(own);
  });

  it('leaf Data share one frozen empty list of children and variadic buffers, which apache-arrow reads, slices and writes', () => {
    const col = fixedData(new Float64(), Float64Array.of(1, 2, 3));
    expect(col.children).toBe(NO_DATA);
    expect(col.variadicBuffers).toBe(NO_DATA);
    expect(Object.isFrozen(NO_DATA)).toBe(true);
    expect(() => (NO_DATA as unknown as unknown[]).push(1)).toThrow(TypeError);
    const built = recordBatch(b.schema, structData(b.schema, [b.data.children[0], fixedData(new Float64(), Float64Array.of(7, 8))], 2));
    // an IPC round trip and a slice go through apache-arrow's own code paths
    const back = tableFromIPC(tableToIPC(new Table([built])));
    expect(toColumns(back)).toEqual({ ts: [1n, 2n], x: [7, 8] });
    expect(toColumns([built.slice(1)]).x).toEqual([8]);
  });
});

describe('sliceBatch', () => {
  /** Every own field of a `Data` (in order: the object's shape), children compared recursively. */
  function fields(d: Data): unknown[] {
    const r = d as unknown as Record<string, unknown>;
    return Object.keys(r).map((k) => {
      const v = r[k];
      if (k === 'children') return [k, (v as Data[]).map(fields)];
      if (ArrayBuffer.isView(v)) return [k, v.constructor.name, (v as Uint8Array).buffer, (v as Uint8Array).byteOffset, (v as Uint8Array).length];
      return [k, v];
    });
  }

  it('gives the same Data as apache-arrow’s slice, field for field, for any columns and any slice of a slice (property)', () => {
    const kinds = ['int32', 'float64', 'timestamp[ms]', 'dictionary', 'int64', 'uint8', 'utf8', 'bool'] as const;
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.constantFrom(...kinds), { minLength: 1, maxLength: 4 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 99 }), fc.boolean()), { minLength: 1, maxLength: 40 }),
        fc.nat(40),
        fc.nat(40),
        fc.nat(40),
        (cols, rows, a, b, c) => {
          const spec = Object.fromEntries(cols.map((k, j) => [`c${j}`, k]));
          const values = (k: string) =>
            rows.map(([v, isNull]) => (isNull ? null : k === 'utf8' || k === 'dictionary' ? `s${v % 7}` : k === 'bool' ? v % 2 === 0 : v));
          const whole = batch(Object.fromEntries(cols.map((k, j) => [`c${j}`, values(k)])), spec as never);
          const n = whole.numRows;
          const s1 = Math.min(a, n);
          const e1 = Math.min(n, s1 + b);
          const first = sliceBatch(whole, s1, e1);
          const reference = whole.data.slice(s1, e1 - s1);
          // the whole batch is returned as it is; any other range is a new Data
          if (s1 === 0 && e1 === n) expect(first).toBe(whole);
          else expect(fields(first.data)).toEqual(fields(reference));
          // a slice of the slice
          const s2 = Math.min(c, first.numRows);
          const second = sliceBatch(first, s2);
          if (s2 === 0) expect(second).toBe(first);
          else expect(fields(second.data)).toEqual(fields((first === whole ? whole.data : reference).slice(s2, first.numRows - s2)));
          expect(toColumns(second)).toEqual(toColumns(new RecordBatch(whole.schema, whole.data.slice(s1 + s2, e1 - s1 - s2))));
          expect(second.data.children.map((d) => d.nullCount)).toEqual(reference.slice(s2, reference.length - s2).children.map((d) => d.nullCount));
        },
      ),
      { numRuns: soak(300) },
    );
  });

  it('takes the flat path for batches of numbers, times and dictionary keys, not for strings or booleans', () => {
    const flat = batch({ ts: [1, 2, 3], k: ['a', 'b', 'a'], x: [1, null, 3] }, { ts: 'timestamp[ms]', k: 'dictionary', x: 'float64' });
    expect(sliceFlat(flat.data, 1, 2)).toBeDefined();
    expect(sliceFlat(batch({ s: ['a'] }, { s: 'utf8' }).data, 0, 1)).toBeUndefined();
    expect(sliceFlat(batch({ b: [true] }, { b: 'bool' }).data, 0, 1)).toBeUndefined();
    expect(sliceBatch(flat, 0)).toBe(flat);
  });
});
