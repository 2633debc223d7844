import { describe, expect, it } from 'vitest';
import '../../src/testing/vitest';
import { batch, split, table } from '../../src/testing';

const spec = { ts: 'timestamp[ns]', sym: 'dictionary' } as const;
const b = batch({ ts: [1n, 2n, 3n], sym: ['a', 'b', null] }, spec);

describe('toEqualBatch', () => {
  it('passes on equal content', () => {
    expect(batch({ ts: [1n, 2n, 3n], sym: ['a', 'b', null] }, spec)).toEqualBatch(b);
    expect(table(split(b, [1]))).toEqualBatch(b);
  });

  it('fails with the diff as message', () => {
    const other = batch({ ts: [1n, 2n, 3n], sym: ['a', 'c', null] }, spec);
    expect(() => expect(other).toEqualBatch(b)).toThrow(`1 cell differs (first: column 'sym', row 1: expected "b", got "c")`);
  });

  it('supports .not and options', () => {
    expect(b.slice(1)).not.toEqualBatch(b);
    expect(() => expect(b).not.toEqualBatch(b)).toThrow(/Expected the batches to differ, but they are equal: RecordBatch\(3 rows/);
    expect(batch({ x: [1.0000001] })).toEqualBatch(batch({ x: [1] }), { tolerance: 1e-6 });
  });

  it('fails on a value that is not a batch', () => {
    expect(() => expect('nope').toEqualBatch(b)).toThrow('Expected a RecordBatch or Table, got string "nope"');
  });
});

describe('toEqualBatches', () => {
  it('compares lists pairwise, or concatenated', () => {
    expect(split(b, [1])).toEqualBatches(split(b, [1]));
    expect(split(b, [1])).toEqualBatches([b], { concat: true });
    expect(split(b, [1])).not.toEqualBatches([b]);
    expect(() => expect(split(b, [2])).toEqualBatches(split(b, [1]))).toThrow(/^Batch 0 of 2 differs: expected 1 row, got 2/);
  });
});
