import { Field, Float64, Int32, RecordBatch, Schema, Struct, makeData } from 'apache-arrow';
import { mergeMap, of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { withColumns } from '../../operators/withColumns';
import { ColumnTypeError, ExpressionError, MissingColumnError, NotARecordBatchError } from '../../src/errors';
import { col, lit, when } from '../../src/expr';
import { batchOf, column, describeBatch, dict, f64, i32, plain, runOp, runSync, utf8 } from '../expr/helpers';

const N = null;

/** Replaces batches and errors by plain data so that marble frames compare by content. */
function normalize(x: unknown): unknown {
  if (x instanceof RecordBatch) return describeBatch(x);
  if (x instanceof Error) return { name: x.name, message: x.message, column: (x as { column?: string }).column };
  if (Array.isArray(x)) return x.map(normalize);
  if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, normalize(v)]));
  return x;
}

const scheduler = () => new TestScheduler((actual, expected) => expect(normalize(actual)).toEqual(normalize(expected)));

describe('withColumns', () => {
  const quotes = batchOf({ bid: f64([10, 11, N]), ask: f64([12, N, 14]), size: i32([50, 200, 300]) });

  it('adds a computed column (the issue example)', () => {
    const out = runSync(withColumns({ mid: col('bid').add(col('ask')).div(2) }), quotes);
    expect(out.schema.fields.map((f) => f.name)).toEqual(['bid', 'ask', 'size', 'mid']);
    expect(plain(out)).toEqual({ bid: [10, 11, N], ask: [12, N, 14], size: [50, 200, 300], mid: [11, N, N] });
    expect(out.data.children[0]).toBe(quotes.data.children[0]);
  });

  it('replaces a column in place; all expressions see the input', () => {
    const b = batchOf({ a: i32([1, 2]), b: i32([10, 20]), c: i32([7, 7]) });
    const out = runSync(withColumns({ b: col('a'), a: col('b'), d: col('a').add(col('b')) }), b);
    expect(out.schema.fields.map((f) => f.name)).toEqual(['a', 'b', 'c', 'd']);
    expect(plain(out)).toEqual({ a: [10, 20], b: [1, 2], c: [7, 7], d: [11, 22] });
  });

  it('takes expressions named by alias or by their left-most column, and arrays', () => {
    const out = runSync(withColumns(col('size').mul(2), [col('bid').alias('b2')], { one: lit(1) }), quotes);
    expect(out.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual([
      'bid:Float64',
      'ask:Float64',
      'size:Int32',
      'b2:Float64',
      'one:Int32',
    ]);
    expect(column(out, 'size')).toEqual([100, 400, 600]);
  });

  it('computed fields are nullable; replaced pass-through fields keep their nullability', () => {
    const b = batchOf({ a: i32([1]), b: i32([2]) }, false);
    const out = runSync(withColumns({ x: col('a').add(1), b: col('a') }), b);
    expect(out.schema.fields.map((f) => f.nullable)).toEqual([false, false, true]);
  });

  it('builds the output schema once per input schema (same object for every batch)', async () => {
    const b1 = batchOf({ a: i32([1]), s: utf8(['x']) });
    const b2 = batchOf({ a: i32([2, 3]), s: utf8(['y', N]) }); // equal schema, another object
    const b3 = batchOf({ a: f64([2.5]), s: utf8(['y']) }); // another schema
    const out = await runOp(withColumns({ r: col('a').mul(2) }), [b1, b2, b1.slice(0, 1), b3]);
    expect(out[1].schema).toBe(out[0].schema);
    expect(out[2].schema).toBe(out[0].schema);
    expect(out[3].schema).not.toBe(out[0].schema);
    expect(String(out[3].schema.fields[2].type)).toBe('Float64');
    expect(out.map((o) => column(o, 'r'))).toEqual([[2], [4, 6], [2], [5]]);
  });

  it('sliced batches (offset ≠ 0) and empty batches', async () => {
    const b = batchOf({ a: i32([1, N, 3, 4, 5, N, 7, 8, 9]), d: dict(['x', 'y', N, 'x', 'y', 'x', 'z', N, 'y']) });
    const op = withColumns({ r: col('a').fillNull(0).mul(10), e: col('d').eq('y'), f: col('d').fillNull('?') });
    const [s, e] = await runOp(op, [b.slice(4, 9), b.slice(2, 2)]);
    expect(plain(s)).toEqual({
      a: [5, N, 7, 8, 9],
      d: ['y', 'x', 'z', N, 'y'],
      r: [50, 0, 70, 80, 90],
      e: [true, false, false, N, true],
      f: ['y', 'x', 'z', '?', 'y'],
    });
    expect(e.numRows).toBe(0);
    expect(e.schema).toBe(s.schema);
  });

  it('dictionary columns: comparisons by key, string results stay dictionaries', () => {
    const b = batchOf({ ticker: dict(['AAPL', 'MSFT', 'AAPL', N]), px: f64([1, 2, 3, 4]) });
    const out = runSync(
      withColumns({
        isApple: col('ticker').eq('AAPL'),
        label: when(col('px').gt(2)).then(col('ticker')).otherwise('cheap'),
      }),
      b,
    );
    expect(column(out, 'isApple')).toEqual([true, false, true, N]);
    expect(column(out, 'label')).toEqual(['cheap', 'cheap', 'AAPL', N]);
    expect(String(out.schema.fields[3].type)).toBe('Dictionary<Int32, Utf8>');
  });

  it('errors: unknown column, wrong type, names and non-batches', () => {
    let err: unknown;
    try {
      runSync(withColumns({ x: col('nope') }), quotes);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MissingColumnError);
    expect((err as MissingColumnError).column).toBe('nope');
    expect((err as MissingColumnError).message).toMatch(/^withColumns: Unknown column/);
    expect((err as MissingColumnError).expected).toBe("one of 'bid', 'ask', 'size'");

    const s = batchOf({ s: utf8(['a']) });
    try {
      runSync(withColumns({ x: col('s').mul(2) }), s);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ColumnTypeError);
    expect((err as ColumnTypeError).column).toBe('s');
    expect((err as ColumnTypeError).message).toMatch(/^withColumns: 'mul' needs numeric operands/);

    expect(() => withColumns('a' as never)).toThrow(ExpressionError);
    expect(() => withColumns({ a: col('x') }, col('y').alias('a'))).toThrow(ExpressionError);
    expect(() => runSync(withColumns({ a: lit(1) }), 42 as never)).toThrow(NotARecordBatchError);
  });

  it('passes through columns of any type untouched', () => {
    const struct = makeData({
      type: new Struct([new Field('x', new Int32())]),
      length: 2,
      children: [i32([1, 2])],
    });
    const b = batchOf({ s: struct as never, a: i32([3, 4]) });
    const out = runSync(withColumns({ a2: col('a').add(col('a')), n: col('s').isNull() }), b);
    expect(out.data.children[0]).toBe(b.data.children[0]);
    expect(column(out, 'a2')).toEqual([6, 8]);
    expect(column(out, 'n')).toEqual([false, false]);
  });

  describe('marbles', () => {
    const b1 = batchOf({ px: f64([1, 2]) });
    const b2 = batchOf({ px: f64([3, N]) });
    const r1 = batchOf({ px: f64([1, 2]), dbl: f64([2, 4]) });
    const r2 = batchOf({ px: f64([3, N]), dbl: f64([6, N]) });
    const op = () => withColumns({ dbl: col('px').mul(2) });

    it('maps each batch as it arrives', () => {
      scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const e1 = cold(' -a--b-|', { a: b1, b: b2 });
        const sub = '     ^-----!';
        const expected = '-x--y-|';
        expectObservable(e1.pipe(op())).toBe(expected, { x: r1, y: r2 });
        expectSubscriptions(e1.subscriptions).toBe(sub);
      });
    });

    it('completes on an empty source and forwards source errors', () => {
      scheduler().run(({ cold, expectObservable }) => {
        expectObservable(cold<RecordBatch>('|').pipe(op())).toBe('|');
        expectObservable(cold('-a-#', { a: b1 }, new Error('boom')).pipe(op())).toBe('-x-#', { x: r1 }, new Error('boom'));
      });
    });

    it('errors (#) on a batch whose schema lacks a column, and unsubscribes upstream', () => {
      const bad = batchOf({ qty: i32([1]) });
      scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const e1 = cold(' -a-b-a-|', { a: b1, b: bad });
        const expectedError = new MissingColumnError({ column: 'px' }, ['qty']);
        (expectedError as { message: string }).message = `withColumns: ${expectedError.message}`;
        expectObservable(e1.pipe(op())).toBe('-x-#', { x: r1 }, expectedError);
        expectSubscriptions(e1.subscriptions).toBe('^--!');
      });
    });

    it('should not break unsubscription chains', () => {
      scheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
        const e1 = hot(' --a--b--a--|', { a: b1, b: b2 });
        const unsub = '  ------!';
        const sub = '    ^-----!';
        const result = e1.pipe(
          mergeMap((x) => of(x)),
          op(),
          mergeMap((x) => of(x)),
        );
        expectObservable(result, unsub).toBe('--x--y-', { x: r1, y: r2 });
        expectSubscriptions(e1.subscriptions).toBe(sub);
      });
    });
  });

  it('keeps the schema metadata', () => {
    const b = batchOf({ a: i32([1]) });
    const withMeta = new RecordBatch(new Schema(b.schema.fields, new Map([['k', 'v']])), b.data);
    const out = runSync(withColumns({ x: col('a').cast(new Float64()) }), withMeta);
    expect(out.schema.metadata.get('k')).toBe('v');
  });
});
