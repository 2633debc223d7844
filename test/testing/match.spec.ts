import { describe, expect, it } from 'vitest';
import { Dictionary, Field, Float64, Int32, Schema, Utf8 } from 'apache-arrow';
import { WeirError } from '../../src/errors';
import {
  BatchAssertionError,
  batch,
  batches,
  diffBatch,
  diffBatches,
  diffValues,
  expectBatchEqual,
  expectBatchesEqual,
  split,
  table,
} from '../../src/testing';

const spec = { ts: 'timestamp[ms]', ticker: 'dictionary', px: 'float64' } as const;
const expected = batch({ ts: [1, 2, 3], ticker: ['a', 'b', 'a'], px: [1.5, null, 2] }, spec);

function failure(f: () => void): BatchAssertionError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(BatchAssertionError);
    expect(e).toBeInstanceOf(WeirError);
    return e as BatchAssertionError;
  }
  throw new Error('expected the assertion to fail');
}

describe('expectBatchEqual: equal batches', () => {
  it('passes on the same content built separately', () => {
    expectBatchEqual(batch({ ts: [1, 2, 3], ticker: ['a', 'b', 'a'], px: [1.5, null, 2] }, spec), expected);
    expect(diffBatch(expected, expected)).toBeNull();
  });

  it('ignores dictionary ids, dictionary order and unused dictionary entries', () => {
    const own = new Dictionary(new Utf8(), new Int32());
    const other = batch({ ts: [1, 2, 3], ticker: ['a', 'b', 'a'], px: [1.5, null, 2] }, { ...spec, ticker: own });
    expect(own.id).not.toBe((expected.schema.fields[1].type as Dictionary).id);
    expectBatchEqual(other, expected);
    // a slice keeps the whole dictionary: ['a', 'b'] for rows that only use 'a'
    expectBatchEqual(expected.slice(2), batch({ ts: [3], ticker: ['a'], px: [2] }, spec));
    // dictionary in another order: ['b', 'a']
    expectBatchEqual(
      batch({ ts: [2, 3], ticker: ['b', 'a'], px: [null, 2] }, spec),
      expected.slice(1),
    );
  });

  it('compares a table with a batch by rows, whatever the batch boundaries', () => {
    expectBatchEqual(table(split(expected, [1, 1, 2])), expected);
    expectBatchEqual(expected, table(split(expected, [2])));
  });

  it('treats NaN as equal to NaN and 0 as equal to -0', () => {
    expectBatchEqual(batch({ x: [NaN, 0] }), batch({ x: [NaN, -0] }));
    const one = failure(() => expectBatchEqual(batch({ x: [NaN, 1] }), batch({ x: [NaN, -0] })));
    expect(one.message).toContain('1 cell differs (first:');
  });

  it('allows numbers to differ by the tolerance', () => {
    expectBatchEqual(batch({ x: [0.1 + 0.2] }), batch({ x: [0.3] }), { tolerance: 1e-12 });
    expect(() => expectBatchEqual(batch({ x: [0.1 + 0.2] }), batch({ x: [0.3] }))).toThrow(BatchAssertionError);
  });

  it('ignores nullability unless asked', () => {
    const nonNull = batch({ x: [1] }, new Schema([new Field('x', new Float64(), false)]));
    const nullable = batch({ x: [1] });
    expectBatchEqual(nonNull, nullable);
    const e = failure(() => expectBatchEqual(nonNull, nullable, { checkNullability: true }));
    expect(e.message).toContain("column 'x' is non-nullable, expected nullable");
    expect(e.message).toContain('expected schema: x: Float64?');
    expect(e.message).toContain('actual schema:   x: Float64!');
    expect(e).toMatchObject({ column: 'x', expected: 'nullable', actual: 'non-nullable' });
  });
});

describe('expectBatchEqual: failures name column, row, expected and actual', () => {
  it('reports differing cells with a row window', () => {
    const actual = batch({ ts: [1, 2, 3], ticker: ['a', 'c', 'a'], px: [1.5, 2, 2] }, spec);
    const e = failure(() => expectBatchEqual(actual, expected));
    expect(e.message).toContain(`Batches differ: 2 cells differ (first: column 'ticker', row 1: expected "b", got "c")`);
    expect(e.message).toContain("column 'px', row 1: expected null, got 2");
    expect(e.message).toContain('expected: rows 0–2 of 3');
    expect(e.message).toMatch(/> 1 +2n \(1970-01-01T00:00:00\.002Z\) +"c" +2/);
    expect(e).toMatchObject({ column: 'ticker', row: 1, expected: '"b"', actual: '"c"' });
  });

  it('shows timestamps with their ISO instant', () => {
    const e = failure(() => expectBatchEqual(batch({ ts: [2] }, { ts: 'timestamp[s]' }), batch({ ts: [1] }, { ts: 'timestamp[s]' })));
    expect(e).toMatchObject({ column: 'ts', row: 0, expected: '1n (1970-01-01T00:00:01.000Z)', actual: '2n (1970-01-01T00:00:02.000Z)' });
  });

  it('reports a null against a value', () => {
    const e = failure(() => expectBatchEqual(batch({ x: [null, 1] }, { x: 'int32' }), batch({ x: [0, 1] }, { x: 'int32' })));
    expect(e).toMatchObject({ column: 'x', row: 0, expected: '0', actual: 'null' });
  });

  it('reports a row count difference', () => {
    const e = failure(() => expectBatchEqual(expected.slice(0, 2), expected));
    expect(e.message).toContain('Batches differ: expected 3 rows, got 2 (the first 2 rows are equal)');
    expect(e.message).toContain('actual: rows 0–1 of 2');
    expect(e).toMatchObject({ row: 2, expected: '3 rows', actual: '2 rows' });
  });

  it('reports an empty batch', () => {
    const e = failure(() => expectBatchEqual(expected.slice(0, 0), expected));
    expect(e.message).toContain('expected 3 rows, got 0');
    expect(e.message).toContain('actual: 0 rows');
  });

  it('lists at most 10 differing cells', () => {
    const n = 30;
    const e = failure(() =>
      expectBatchEqual(batch({ x: Array.from({ length: n }, (_, i) => i) }), batch({ x: Array.from({ length: n }, (_, i) => -i - 1) })),
    );
    expect(e.message).toContain('30 cells differ');
    expect(e.message).toContain('… and 20 more');
    expect(e.message).toContain('… 18 more rows');
  });

  it('reports missing, unexpected and reordered columns', () => {
    const e = failure(() => expectBatchEqual(batch({ ts: [1], price: [1] }), batch({ ts: [1], px: [1] })));
    expect(e.message).toContain("Schemas differ in column names (missing 'px'; unexpected 'price')");
    expect(e).toMatchObject({ expected: '[ts, px]', actual: '[ts, price]' });
    const r = failure(() => expectBatchEqual(batch({ b: [1], a: [1] }), batch({ a: [1], b: [1] })));
    expect(r.message).toContain('same columns in a different order');
  });

  it('reports a timestamp unit or zone difference', () => {
    const e = failure(() => expectBatchEqual(batch({ ts: [1] }, { ts: 'timestamp[ns]' }), batch({ ts: [1] }, { ts: 'timestamp[ms]' })));
    expect(e.message).toContain("Schemas differ: column 'ts' has type Timestamp<ns>, expected Timestamp<ms>");
    expect(e).toMatchObject({ column: 'ts', expected: 'Timestamp<ms>', actual: 'Timestamp<ns>' });
    const z = failure(() =>
      expectBatchEqual(batch({ ts: [1] }, { ts: 'timestamp[ms, UTC]' }), batch({ ts: [1] }, { ts: 'timestamp[ms, Europe/Paris]' })),
    );
    expect(z).toMatchObject({ column: 'ts', expected: 'Timestamp<ms, Europe/Paris>', actual: 'Timestamp<ms, UTC>' });
  });

  it('reports a dictionary index or value type difference', () => {
    const e = failure(() => expectBatchEqual(batch({ d: ['a'] }, { d: 'dictionary[int16]' }), batch({ d: ['a'] }, { d: 'dictionary' })));
    expect(e).toMatchObject({ column: 'd', expected: 'Dictionary<Int32, Utf8>', actual: 'Dictionary<Int16, Utf8>' });
    const u = failure(() => expectBatchEqual(batch({ d: ['a'] }, { d: 'utf8' }), batch({ d: ['a'] }, { d: 'dictionary' })));
    expect(u).toMatchObject({ column: 'd', expected: 'Dictionary<Int32, Utf8>', actual: 'Utf8' });
  });

  it('reports an int width difference', () => {
    const e = failure(() => expectBatchEqual(batch({ x: [1] }, { x: 'int32' }), batch({ x: [1] }, { x: 'int64' })));
    expect(e).toMatchObject({ column: 'x', expected: 'Int64', actual: 'Int32' });
  });

  it('reports an actual value that is not a batch', () => {
    const e = failure(() => expectBatchEqual([expected], expected));
    expect(e.message).toMatch(/^Expected a RecordBatch or Table, got an array of 1/);
    expect(failure(() => expectBatchEqual(undefined, expected)).message).toBe('Expected a RecordBatch or Table, got undefined');
  });
});

describe('expectBatchesEqual', () => {
  const parts = split(expected, [1]);

  it('compares pairwise by default', () => {
    expectBatchesEqual(parts, split(expected, [1]));
    const e = failure(() => expectBatchesEqual(parts, [expected]));
    expect(e.message).toBe(
      'Expected 1 batch, got 2 (row counts: expected [3], actual [1, 2]); use { concat: true } to compare rows whatever the batch boundaries',
    );
    const d = failure(() => expectBatchesEqual(split(expected, [2]), parts));
    expect(d.message).toMatch(/^Batch 0 of 2 differs: expected 1 row, got 2/);
  });

  it('compares concatenated rows with { concat: true }, whatever the split', () => {
    expectBatchesEqual(parts, [expected], { concat: true });
    expectBatchesEqual(batches({ ts: [1, 2, 3], ticker: ['a', 'b', 'a'], px: [1.5, null, 2] }, spec, [0, 3, 0]), split(expected, [2]), {
      concat: true,
    });
    expectBatchesEqual([table(expected)], parts, { concat: true });
    expectBatchesEqual([], [], { concat: true });
    expectBatchesEqual([expected.slice(0, 0)], [], { concat: true });
  });

  it('reports concatenated differences with global row numbers and batch sizes', () => {
    const actual = split(batch({ ts: [1, 2, 3], ticker: ['a', 'b', 'z'], px: [1.5, null, 2] }, spec), [2]);
    const e = failure(() => expectBatchesEqual(actual, parts, { concat: true }));
    expect(e.message).toContain('Concatenated batches differ (actual batch sizes [2, 1], expected [1, 2])');
    expect(e).toMatchObject({ column: 'ticker', row: 2, expected: '"a"', actual: '"z"' });
    const missing = failure(() => expectBatchesEqual([], parts, { concat: true }));
    expect(missing.message).toContain('expected 3 rows, got 0');
  });

  it('checks the schema of every actual batch in concat mode', () => {
    const e = failure(() => expectBatchesEqual([expected, batch({ ts: [4] }, { ts: 'timestamp[ms]' })], [expected], { concat: true }));
    expect(e.message).toMatch(/^Batch 1 of 2: Schemas differ in column names \(missing 'ticker', 'px'\)/);
  });

  it('reports a non-list actual value', () => {
    expect(failure(() => expectBatchesEqual(42, [expected])).message).toBe('Expected a list of RecordBatches (or Tables), got number 42');
    expect(diffBatches([expected, 'x'], [expected])).toMatchObject({ expected: 'a list of RecordBatches' });
  });
});

describe('diffValues', () => {
  it('compares nested structures holding batches', () => {
    expect(diffValues({ out: [expected, 1] }, { out: [table(expected), 1] })).toBeNull();
    expect(diffValues({ out: [expected] }, { out: [expected.slice(1)] })).toMatch(/^value\.out\[0\]: Batches differ: expected 2 rows, got 3/);
    expect(diffValues([1, 2], [1, 2, 3])).toMatch(/^value: expected 3 items, got 2/);
    expect(diffValues(new Error('a'), new Error('b'))).toBe('value: expected Error: b, got Error: a');
    expect(diffValues({ a: undefined, b: 1 }, { b: 1 })).toBeNull();
    expect(diffValues(expected, 'x')).toMatch(/^value: expected "x", got RecordBatch\(3 rows; ts: \[1n, 2n, 3n\]/);
  });
});
