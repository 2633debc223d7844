import { Field, Int32, List, RecordBatch, vectorFromArray } from 'apache-arrow';
import { mergeMap, of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { select } from '../../operators/select';
import { ColumnTypeError, ExpressionError, MissingColumnError } from '../../src/errors';
import { col, lit, when } from '../../src/expr';
import { batchOf, column, describeBatch, dict, f64, i32, i64, plain, runOp, runSync, ts, utf8, TimeUnit } from '../expr/helpers';

const N = null;

const quotes = batchOf({
  ts: ts(TimeUnit.MILLISECOND, [1n, 2n, 3n]),
  ticker: dict(['AAPL', 'MSFT', N]),
  bid: f64([10, 20, N]),
  ask: f64([12, 22, 31]),
  venue: utf8(['X', 'Y', 'Z']),
});

describe('select', () => {
  it('picks columns by name, in the order given, zero-copy', () => {
    const out = runSync(select('venue', 'ts'), quotes);
    expect(out.schema.fields.map((f) => f.name)).toEqual(['venue', 'ts']);
    expect(out.data.children[0]).toBe(quotes.data.children[4]);
    expect(out.schema.fields[1]).toBe(quotes.schema.fields[0]);
  });

  it('accepts arrays, expressions (named by alias or left-most column) and { name: expr }', () => {
    const out = runSync(
      select(['ts', 'ticker'], col('bid').alias('b'), col('ask').mul(2), { mid: col('bid').add(col('ask')).div(2), one: 1 }),
      quotes,
    );
    expect(out.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual([
      'ts:Timestamp<MILLISECOND>',
      'ticker:Dictionary<Int32, Utf8>',
      'b:Float64',
      'ask:Float64',
      'mid:Float64',
      'one:Int32',
    ]);
    expect(plain(out)).toMatchObject({ b: [10, 20, N], ask: [24, 44, 62], mid: [11, 21, N], one: [1, 1, 1] });
    expect(column(out, 'ticker')).toEqual(['AAPL', 'MSFT', N]);
  });

  it('passes through any column type (List) and computes over dictionaries and time', () => {
    const list = vectorFromArray([[1], [2, 3], N], new List(new Field('item', new Int32()))).data[0];
    const b = batchOf({ l: list, d: dict(['a', 'b', 'a']), t: ts(TimeUnit.SECOND, [1n, 2n, 3n]) });
    const out = runSync(select('l', { isA: col('d').eq('a'), late: col('t').gte(new Date(2000)) }), b);
    expect(out.data.children[0]).toBe(list);
    expect(plain(out)).toMatchObject({ isA: [true, false, true], late: [false, true, true] });
  });

  it('the same output schema object for every batch of one input schema', async () => {
    const out = await runOp(select('bid', { s: col('bid').add(1) }), [quotes, quotes.slice(1, 3), batchOf(Object.fromEntries(quotes.schema.fields.map((f, j) => [f.name, quotes.data.children[j]])))]);
    expect(out[1].schema).toBe(out[0].schema);
    expect(out[2].schema).toBe(out[0].schema);
    expect(column(out[1], 's')).toEqual([21, N]);
  });

  it('sliced, empty and Int64 batches', () => {
    const b = batchOf({ v: i64([1n, 2n ** 60n, N, 4n]), a: i32([1, 2, 3, 4]) });
    const out = runSync(select({ w: col('v').add(col('a')) }), b.slice(1, 4));
    expect(column(out, 'w')).toEqual([2n ** 60n + 2n, N, 8n]);
    const empty = runSync(select({ w: col('v').add(col('a')), s: when(col('a').gt(1)).then('x') }), b.slice(4, 4));
    expect(empty.numRows).toBe(0);
    expect(empty.schema.fields.map((f) => String(f.type))).toEqual(['Int64', 'Utf8']);
  });

  it('a literal alone broadcasts to the batch length', () => {
    expect(column(runSync(select({ k: lit('x') }), quotes), 'k')).toEqual(['x', 'x', 'x']);
  });

  it('errors: unknown column (listing the available ones), type mismatch, duplicates', () => {
    let err: unknown;
    try {
      runSync(select('ts', 'nope'), quotes);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MissingColumnError);
    expect(err).toMatchObject({ column: 'nope', expected: "one of 'ts', 'ticker', 'bid', 'ask', 'venue'" });
    expect((err as Error).message).toMatch(/^select: /);
    expect(() => runSync(select({ x: col('venue').and(true) }), quotes)).toThrow(ColumnTypeError);
    expect(() => select('a', 'a')).toThrow(ExpressionError);
    expect(() => select(3 as never)).toThrow(ExpressionError);
  });

  it('marbles: maps batches, errors on a bad schema, keeps unsubscription chains', () => {
    const normalize = (x: unknown): unknown =>
      x instanceof RecordBatch
        ? describeBatch(x)
        : x instanceof Error
          ? { name: x.name, column: (x as { column?: string }).column }
          : Array.isArray(x)
            ? x.map(normalize)
            : x && typeof x === 'object'
              ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k, normalize(v)]))
              : x;
    const ts = new TestScheduler((a, e) => expect(normalize(a)).toEqual(normalize(e)));
    const a = batchOf({ p: i32([1, 2]), q: i32([3, 4]) });
    const x = batchOf({ q: i32([3, 4]), s: i32([4, 6]) });
    ts.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const e1 = cold('-a-b-a|', { a, b: batchOf({ q: i32([1]) }) });
      expectObservable(e1.pipe(select('q', { s: col('p').add(col('q')) }))).toBe('-x-#', { x }, new MissingColumnError({ column: 'p' }));
      expectSubscriptions(e1.subscriptions).toBe('^--!');
      const h = hot('-a-a-a-|', { a });
      const r = h.pipe(
        mergeMap((v) => of(v)),
        select('q', { s: col('p').add(col('q')) }),
        mergeMap((v) => of(v)),
      );
      expectObservable(r, '----!').toBe('-x-x-', { x });
      expectSubscriptions(h.subscriptions).toBe('^---!');
    });
  });
});
