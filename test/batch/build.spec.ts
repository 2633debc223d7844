import { describe, expect, it } from 'vitest';
import { Float64, RecordBatch, Table, tableFromIPC, tableToIPC } from 'apache-arrow';
import { NO_DATA, NO_METADATA, fixedData, recordBatch, structData } from '../../src/batch/build';
import { batch } from '../../src/testing/builders';
import { toColumns } from '../../src/testing/read';

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
