/**
 * The examples of docs/testing.md, run as written (imports from the source instead of
 * 'weir/testing'). Keep the two in step.
 */
import { describe, expect, it } from 'vitest';
import { type RecordBatch } from 'apache-arrow';
import { bufferCount, map } from 'rxjs';
import '../../src/testing/vitest';
import {
  BatchAssertionError,
  batch,
  batches,
  expectBatchEqual,
  expectBatchesEqual,
  marbleTest,
  rows,
  split,
  table,
  toColumns,
  toRows,
} from '../../src/testing';

describe('docs/testing.md examples', () => {
  it('batch(columns, schema)', () => {
    const quotes = batch(
      { ts: [1, 2, 3], ticker: ['a', 'b', 'a'], px: [1.5, null, 2] },
      { ts: 'timestamp[ms]', ticker: 'dictionary', px: 'float64' },
    );
    expect(quotes.numRows).toBe(3);
    expect(toColumns(quotes)).toEqual({ ts: [1n, 2n, 3n], ticker: ['a', 'b', 'a'], px: [1.5, null, 2] });
  });

  it('time cells', () => {
    const t = batch(
      { ts: ['2024-01-02T09:30:00Z', new Date(Date.UTC(2024, 0, 2, 9, 30, 1)), 1704187802000n] },
      { ts: 'timestamp[ms]' },
    );
    expect(toColumns(t).ts).toEqual([1704187800000n, 1704187801000n, 1704187802000n]);
  });

  it('rows(list, schema)', () => {
    const r = rows([{ ts: 1, px: 2 }, { ts: 2 }], { ts: 'timestamp[s]' });
    expect(toRows(r)).toEqual([{ ts: 1n, px: 2 }, { ts: 2n, px: null }]);
  });

  it('table, split, batches', () => {
    const whole = batch({ x: [1, 2, 3, 4, 5] }, { x: 'int32' });
    expect(split(whole, [2, 2, 4]).map((b) => b.numRows)).toEqual([2, 0, 2, 1]);
    expect(batches({ x: [1, 2, 3] }, { x: 'int32' }, [1, 0, 2]).map((b) => b.numRows)).toEqual([1, 0, 2]);
    expect(table(split(whole, [2])).numRows).toBe(5);
  });

  it('the failure message', () => {
    const spec = { ts: 'timestamp[ms]', ticker: 'dictionary', px: 'float64' } as const;
    const expected = batch({ ts: ['2024-01-02T09:30:00Z', '2024-01-02T09:30:01Z'], ticker: ['AAPL', 'MSFT'], px: [185.5, 370.1] }, spec);
    const actual = batch({ ts: ['2024-01-02T09:30:00Z', '2024-01-02T09:30:01Z'], ticker: ['AAPL', 'MSFT'], px: [185.5, 370.2] }, spec);
    expect(() => expectBatchEqual(actual, expected)).toThrow(BatchAssertionError);
    expect(() => expectBatchEqual(actual, expected)).toThrow(
      [
        "Batches differ: 1 cell differs (first: column 'px', row 1: expected 370.1, got 370.2)",
        "  column 'px', row 1: expected 370.1, got 370.2",
        'expected: rows 0–1 of 2',
        '    row  ts                                         ticker  px',
        '    0    1704187800000n (2024-01-02T09:30:00.000Z)  "AAPL"  185.5',
        '  > 1    1704187801000n (2024-01-02T09:30:01.000Z)  "MSFT"  370.1',
        'actual: rows 0–1 of 2',
        '    row  ts                                         ticker  px',
        '    0    1704187800000n (2024-01-02T09:30:00.000Z)  "AAPL"  185.5',
        '  > 1    1704187801000n (2024-01-02T09:30:01.000Z)  "MSFT"  370.2',
      ].join('\n'),
    );
  });

  it('lists of batches with concat', () => {
    const input = batch({ ts: [1, 2, 3, 4], px: [1, 2, 3, 4] }, { ts: 'timestamp[ms]' });
    const double = (b: RecordBatch) => {
      const c = toColumns(b);
      return batch({ ts: c.ts, px: c.px.map((v) => (v as number) * 2) }, { ts: 'timestamp[ms]' });
    };
    const whole = [double(input)];
    const pieces = split(input, [1, 3]).map(double);
    expectBatchesEqual(pieces, whole, { concat: true });
    expect(() => expectBatchesEqual(pieces, whole)).toThrow(BatchAssertionError);
  });

  it('vitest matchers', () => {
    const expected = batch({ x: [1, 2] });
    const actual = table(split(batch({ x: [1, 2] }), [1]));
    expect(actual).toEqualBatch(expected);
    expect(actual).not.toEqualBatch(batch({ x: [2, 1] }));
    expect(actual.batches).toEqualBatches([expected], { concat: true });
  });

  it('marble tests', () => {
    const spec = { ts: 'timestamp[ms]', px: 'float64' } as const;
    const a = batch({ ts: [1, 2], px: [1, 2] }, spec);
    const b = batch({ ts: [3], px: [null] }, spec);
    const doublePx = map((x: RecordBatch) => {
      const c = toColumns(x);
      return batch({ ts: c.ts, px: c.px.map((v) => (v === null ? null : (v as number) * 2)) }, spec);
    });

    marbleTest(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('  -a-b|', { a, b });
      const e1subs = '   ^---!';
      const expected = ' -A-B|';
      expectObservable(e1.pipe(doublePx)).toBe(expected, {
        A: batch({ ts: [1, 2], px: [2, 4] }, spec),
        B: batch({ ts: [3], px: [null] }, spec),
      });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });

    marbleTest(({ cold, expectObservable }) => {
      // bufferCount emits arrays of batches; the last buffer on completion
      expectObservable(cold('-a-b-a|', { a, b }).pipe(bufferCount(2))).toBe('---X--(Y|)', {
        X: [a, b],
        Y: [a],
      });
      // errors: '#' with the error value as third argument
      expectObservable(cold('-a-#', { a }, new Error('feed lost')).pipe(doublePx)).toBe(
        '-A-#', { A: batch({ ts: [1, 2], px: [2, 4] }, spec) }, new Error('feed lost'),
      );
      // an empty source completes: '|'
      expectObservable(cold<RecordBatch>('|').pipe(doublePx)).toBe('|');
    });
  });
});

describe('docs/testing.md examples (replay clock and parity)', () => {
  it('replayMarbles', async () => {
    const { debounceTime } = await import('rxjs');
    const { replayMarbles } = await import('../../src/testing');
    const b = (v: number) => batch({ v: [v] }, { v: 'float64' });
    replayMarbles(({ cold, expectObservable, scheduler }) => {
      const src = cold('a-b 50ms c|', { a: b(1), b: b(2), c: b(3) });
      expectObservable(src.pipe(debounceTime(20, scheduler))).toBe('-- 20ms b 31ms (c|)', { b: b(2), c: b(3) });
    });
  });

  it('expectParity', async () => {
    const { expectParity } = await import('../../src/testing');
    const { mergeSorted } = await import('../../operators/mergeSorted');
    const { filter } = await import('../../operators/filter');
    const { col } = await import('../../src/expr');
    const spec = { ts: 'timestamp[ms]', px: 'float64' } as const;
    const bidsTable = table(batch({ ts: [1, 2, 2, 5], px: [1, -1, 2, 3] }, spec));
    const asksTable = table(batch({ ts: [2, 3, 9], px: [4, 5, 6] }, spec));
    await expectParity(
      ({ bids, asks }) => bids.pipe(filter(col('px').gt(0)), mergeSorted(asks)),
      { bids: bidsTable, asks: asksTable },
      { runs: 30 },
    );
  });
});
