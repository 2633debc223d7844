import { describe, expect, it } from 'vitest';
import { type RecordBatch } from 'apache-arrow';
import { bufferCount, catchError, filter, map, mergeMap, of, throwError } from 'rxjs';
import { ColumnTypeError } from '../../src/errors';
import {
  BatchAssertionError,
  assertFramesEqual,
  batch,
  createBatchTestScheduler,
  marbleTest,
  split,
  table,
  toColumns,
} from '../../src/testing';

const spec = { ts: 'timestamp[ms]', sym: 'dictionary', px: 'float64' } as const;
const a = batch({ ts: [1, 2], sym: ['x', 'y'], px: [1, 2] }, spec);
const b = batch({ ts: [3], sym: ['x'], px: [null] }, spec);
const c = batch({ ts: [4, 5, 6], sym: ['y', 'y', 'x'], px: [4, 5, 6] }, spec);

/** A small "operator" over batches: doubles px (nulls stay null). */
function doublePx(x: RecordBatch): RecordBatch {
  const cols = toColumns(x);
  return batch({ ...cols, px: cols.px.map((v) => (v === null ? null : (v as number) * 2)) }, spec);
}

function catchAssertion(f: () => void): BatchAssertionError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(BatchAssertionError);
    return e as BatchAssertionError;
  }
  throw new Error('expected the marble assertion to fail');
}

describe('marble tests with batch values (RxJS TestScheduler)', () => {
  it('map over batches', () => {
    marbleTest(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('  -a-b-c|', { a, b, c });
      const e1subs = '   ^-----!';
      const expected = ' -A-B-C|';
      expectObservable(e1.pipe(map(doublePx))).toBe(expected, {
        A: batch({ ts: [1, 2], sym: ['x', 'y'], px: [2, 4] }, spec),
        B: batch({ ts: [3], sym: ['x'], px: [null] }, spec),
        C: batch({ ts: [4, 5, 6], sym: ['y', 'y', 'x'], px: [8, 10, 12] }, spec),
      });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('bufferCount over batches emits arrays of batches, the rest on completion', () => {
    marbleTest(({ cold, expectObservable }) => {
      const e1 = cold('  -a-b-c|', { a, b, c });
      const expected = ' ---X--(Y|)';
      expectObservable(e1.pipe(bufferCount(2))).toBe(expected, {
        X: [batch({ ts: [1, 2], sym: ['x', 'y'], px: [1, 2] }, spec), batch({ ts: [3], sym: ['x'], px: [null] }, spec)],
        Y: [c],
      });
    });
  });

  it('bufferCount then concatenating the buffered batches into a table', () => {
    marbleTest(({ cold, expectObservable }) => {
      const e1 = cold('  -a-b-c|', { a, b, c });
      const expected = ' ---T--(U|)';
      expectObservable(e1.pipe(bufferCount(2), map((list) => table(list)))).toBe(expected, {
        // a table compares by rows, so the expected side may be one batch
        T: batch({ ts: [1, 2, 3], sym: ['x', 'y', 'x'], px: [1, 2, null] }, spec),
        U: c,
      });
    });
  });

  it('filter drops empty batches (an empty batch is a value like any other)', () => {
    marbleTest(({ cold, expectObservable }) => {
      const empty = a.slice(0, 0);
      const e1 = cold('  -a-e-b|', { a, e: empty, b });
      const expected = ' -a---b|';
      expectObservable(e1.pipe(filter((x) => x.numRows > 0))).toBe(expected, { a, b });
      expectObservable(e1).toBe('-a-e-b|', { a, e: batch({ ts: [], sym: [], px: [] }, spec), b });
    });
  });

  it('an error from the source: #', () => {
    marbleTest(({ cold, expectObservable }) => {
      const e1 = cold('  -a-#', { a }, new Error('feed lost'));
      const expected = ' -A-#';
      expectObservable(e1.pipe(map(doublePx))).toBe(expected, { A: doublePx(a) }, new Error('feed lost'));
    });
  });

  it('an error thrown by an operator on a batch: #, with the weir error class and message', () => {
    marbleTest(({ cold, expectObservable }) => {
      const big = batch({ ts: [7], sym: ['x'], px: [300] }, spec);
      const toInt8 = map((x: RecordBatch) => batch({ px: toColumns(x).px }, { px: 'int8' }));
      const e1 = cold('  -a-b-z-c|', { a, b, z: big, c });
      const expected = ' -A-B-#';
      const err = new ColumnTypeError('Value does not fit the column type', {
        column: 'px',
        row: 0,
        expected: 'an integer in [-128, 127] (int8)',
        actual: '300 (number)',
      });
      expectObservable(e1.pipe(toInt8)).toBe(expected, { A: batch({ px: [1, 2] }, { px: 'int8' }), B: batch({ px: [null] }, { px: 'int8' }) }, err);
    });
  });

  it('an empty source completes: |', () => {
    marbleTest(({ cold, expectObservable }) => {
      expectObservable(cold<RecordBatch>('|').pipe(map(doublePx))).toBe('|');
      expectObservable(cold('---|').pipe(bufferCount(2))).toBe('---|');
    });
  });

  it('unsubscription: !', () => {
    marbleTest(({ hot, expectObservable, expectSubscriptions }) => {
      const e1 = hot('   -a-b-c-|', { a, b, c });
      const unsub = '    ^--!';
      const e1subs = '   ^--!';
      expectObservable(e1.pipe(map(doublePx)), unsub).toBe('-A-', { A: doublePx(a) });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('splitting a batch and catching errors keep the rows', () => {
    marbleTest(({ cold, expectObservable }) => {
      const e1 = cold('  -c-----|', { c });
      const expected = ' -(xyz)-|';
      const parts = split(c, [1, 2]);
      expectObservable(e1.pipe(mergeMap((x) => of(...split(x, [1, 2]))))).toBe(expected, { x: parts[0], y: parts[1], z: parts[2] });
      const failing = cold('-#').pipe(catchError(() => of(a)));
      expectObservable(failing).toBe('-(a|)', { a });
    });
  });

  it('works with a scheduler from createBatchTestScheduler and its options', () => {
    const scheduler = createBatchTestScheduler({ tolerance: 1e-9 });
    scheduler.run(({ cold, expectObservable }) => {
      const x = batch({ v: [0.1 + 0.2] });
      expectObservable(cold('-x|', { x })).toBe('-y|', { y: batch({ v: [0.3] }) });
    });
  });
});

describe('marble failures are readable', () => {
  it('a differing batch names the frame, column and row and lists both sequences', () => {
    const e = catchAssertion(() =>
      marbleTest(({ cold, expectObservable }) => {
        expectObservable(cold('-a-b|', { a, b }).pipe(map(doublePx))).toBe('-A-B|', { A: doublePx(a), B: a });
      }),
    );
    expect(e.message).toMatch(/^Marble frames differ at notification 1 \(next at frame 3\):/);
    expect(e.message).toContain('value at frame 3: Batches differ: expected 2 rows, got 1');
    expect(e.message).toContain("column 'ts', row 0: expected 1n (1970-01-01T00:00:00.001Z), got 3n (1970-01-01T00:00:00.003Z)");
    expect(e.message).toContain('  expected:\n    frame 1: next RecordBatch(2 rows; ts: [1n, 2n], sym: ["x", "y"], px: [2, 4])');
    expect(e.message).toContain('  actual:\n    frame 1: next RecordBatch(2 rows; ts: [1n, 2n], sym: ["x", "y"], px: [2, 4])\n    frame 3: next RecordBatch(1 row; ts: [3n], sym: ["x"], px: [null])\n    frame 4: complete');
  });

  it('a timing difference names the notification and both frames', () => {
    const e = catchAssertion(() =>
      marbleTest(({ cold, expectObservable }) => {
        expectObservable(cold('-a-b|', { a, b })).toBe('-a--b|', { a, b });
      }),
    );
    expect(e.message).toMatch(/^Marble frames differ at notification 1: expected next at frame 4, got next at frame 3/);
  });

  it('a missing completion or an unexpected error is named', () => {
    const e = catchAssertion(() =>
      marbleTest(({ cold, expectObservable }) => {
        expectObservable(cold('-a-#', { a })).toBe('-a-|', { a });
      }),
    );
    expect(e.message).toMatch(/^Marble frames differ at notification 1: expected complete at frame 3, got error at frame 3/);
    expect(e.message).toContain('frame 3: error "error"');
    const m = catchAssertion(() =>
      marbleTest(({ cold, expectObservable }) => {
        expectObservable(cold('-a', { a })).toBe('-a|', { a });
      }),
    );
    expect(m.message).toContain('expected complete at frame 2, got nothing');
  });

  it('a differing error names class and message', () => {
    const e = catchAssertion(() =>
      marbleTest(({ expectObservable }) => {
        expectObservable(throwError(() => new RangeError('x'))).toBe('#', undefined, new RangeError('y'));
      }),
    );
    expect(e.message).toContain('error at frame 0: expected RangeError: y, got RangeError: x');
  });

  it('differing subscription logs are reported', () => {
    const e = catchAssertion(() =>
      marbleTest(({ cold, expectObservable, expectSubscriptions }) => {
        const e1 = cold('-a|', { a });
        expectObservable(e1).toBe('-a|', { a });
        expectSubscriptions(e1.subscriptions).toBe('^--!');
      }),
    );
    expect(e.message).toBe('Values differ: value[0].unsubscribedFrame: expected 3, got 2');
  });

  it('assertFramesEqual compares non-frame values too', () => {
    expect(() => assertFramesEqual([a], [table(a)])).not.toThrow();
    expect(() => assertFramesEqual({ x: 1 }, { x: 2 })).toThrow('Values differ: value.x: expected 2, got 1');
  });
});
