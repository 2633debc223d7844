import { describe, expect, it } from 'vitest';
import { Subject, from, map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { RecordBatch } from 'apache-arrow';
import { rowsToBatches } from '../../src/sources/rows';
import { toRows } from '../../src/testing/read';
import { ColumnTypeError, InvalidOptionError } from '../../src/errors';
import type { Row } from '../../src/testing/builders';

const schema = { ts: 'timestamp[ms]', px: 'float64' } as const;

describe('rowsToBatches', () => {
  it('emits a batch every maxRows rows and the rest on completion', () => {
    const out: RecordBatch[] = [];
    from([1, 2, 3, 4, 5].map((t) => ({ ts: t, px: t / 2 })))
      .pipe(rowsToBatches(schema, { maxRows: 2 }))
      .subscribe((b) => out.push(b));
    expect(out.map((b) => b.numRows)).toEqual([2, 2, 1]);
    expect(toRows(out)).toEqual([1, 2, 3, 4, 5].map((t) => ({ ts: BigInt(t), px: t / 2 })));
  });

  it('coalesces rows of one tick with a microtask (maxLatency 0)', async () => {
    const s = new Subject<Row>();
    const out: number[] = [];
    s.pipe(rowsToBatches(schema)).subscribe((b) => out.push(b.numRows));
    s.next({ ts: 1, px: 1 });
    s.next({ ts: 2, px: null });
    expect(out).toEqual([]);
    await Promise.resolve();
    expect(out).toEqual([2]);
  });

  it('flushes maxLatency ms after the first buffered row (marbles)', () => {
    new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, expectObservable }) => {
      const src = cold<Row>('a-b 10ms c|', { a: { ts: 1, px: 1 }, b: { ts: 2, px: 2 }, c: { ts: 3, px: 3 } });
      expectObservable(src.pipe(rowsToBatches(schema, { maxLatency: 5 }), map((b) => b.numRows))).toBe('-----x 8ms (y|)', { x: 2, y: 1 });
    });
  });

  it('names the column and the stream row of a bad value', () => {
    let err: unknown;
    from([{ ts: 1, px: 1 }, { ts: 2, px: 2 }, { ts: 3, px: 'x' }])
      .pipe(rowsToBatches(schema, { maxRows: 2 }))
      .subscribe({ error: (e) => (err = e) });
    expect(err).toBeInstanceOf(ColumnTypeError);
    expect(err).toMatchObject({ column: 'px', row: 2 });
    expect(() => rowsToBatches(schema, { maxRows: 0 })).toThrow(InvalidOptionError);
  });
});
