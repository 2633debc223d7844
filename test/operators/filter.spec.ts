import {
  Binary,
  Decimal,
  Field,
  FixedSizeBinary,
  FixedSizeList,
  Int32,
  LargeUtf8,
  List,
  Map_,
  Null,
  RecordBatch,
  Struct,
  Type,
  Utf8,
  makeData,
  vectorFromArray,
} from 'apache-arrow';
import { mergeMap, of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { filter } from '../../operators/filter';
import { ColumnTypeError, ExpressionError, MissingColumnError } from '../../src/errors';
import { col, lit } from '../../src/expr';
import { batchOf, bitmapOf, bool, column, describeBatch, dict, f64, i32, i64, plain, rawBig, runOp, runSync, ts, utf8, TimeUnit } from '../expr/helpers';

const N = null;

describe('filter', () => {
  const trades = batchOf({
    t: ts(TimeUnit.NANOSECOND, [1n, 2n, 3n, 4n, 5n]),
    size: i32([50, 200, N, 300, 150]),
    px: f64([1, N, 3, 4, 5]),
    side: dict(['B', 'S', 'B', N, 'S']),
    venue: utf8(['X', 'Y', N, 'Z', 'W']),
    flag: bool([true, N, false, true, false]),
  });

  it('keeps the rows where the predicate is true; null and false are dropped', () => {
    const out = runSync(filter(col('size').gt(100)), trades);
    expect(out.schema).toBe(trades.schema);
    expect(plain(out)).toEqual({
      t: plain(trades).t.filter((_, i) => [1, 3, 4].includes(i)),
      size: [200, 300, 150],
      px: [N, 4, 5],
      side: ['S', N, 'S'],
      venue: ['Y', 'Z', 'W'],
      flag: [N, true, false],
    });
    expect(rawBig(out, 't')).toEqual([2n, 4n, 5n]);
  });

  it('the issue example: size > 100 and bid not null (Kleene and)', () => {
    const out = runSync(filter(col('size').gt(100).and(col('px').isNotNull())), trades);
    expect(column(out, 'size')).toEqual([300, 150]);
  });

  it('several predicates are combined with and; Bool columns are predicates', () => {
    expect(column(runSync(filter(col('flag'), col('px').gt(1)), trades), 'size')).toEqual([300]);
    expect(column(runSync(filter(col('side').eq('B').or(col('venue').eq('W'))), trades), 'size')).toEqual([50, N, 150]);
  });

  it('returns the batch itself when every row is kept, and a 0-row batch of the same schema when none is', () => {
    expect(runSync(filter(col('t').gte(0n)), trades)).toBe(trades);
    expect(runSync(filter(true), trades)).toBe(trades);
    const none = runSync(filter(col('size').gt(1000)), trades);
    expect(none.numRows).toBe(0);
    expect(none.schema).toBe(trades.schema);
    expect(plain(none)).toEqual({ t: [], size: [], px: [], side: [], venue: [], flag: [] });
    expect(runSync(filter(lit(null)), trades).numRows).toBe(0);
  });

  it('sliced batches (offset ≠ 0) and empty batches', async () => {
    const [a, b] = await runOp(filter(col('size').gte(150)), [trades.slice(1, 5), trades.slice(2, 2)]);
    expect(plain(a)).toMatchObject({ size: [200, 300, 150], flag: [N, true, false], venue: ['Y', 'Z', 'W'], side: ['S', N, 'S'] });
    expect(b.numRows).toBe(0);
  });

  it('gathers every column type: Int64, Binary, LargeUtf8, FixedSizeBinary, Decimal, List, FixedSizeList, Struct, Null', () => {
    const list = vectorFromArray([[1], N, [2, 3], [], [4]], new List(new Field('item', new Int32()))).data[0];
    const fsl = makeData({
      type: new FixedSizeList(2, new Field('item', new Int32())),
      length: 5,
      child: i32([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
    } as never);
    const struct = makeData({
      type: new Struct([new Field('a', new Int32()), new Field('s', new LargeUtf8())]),
      length: 5,
      nullCount: 1,
      nullBitmap: bitmapOf([1, 1, N, 1, 1]),
      children: [i32([1, 2, 3, 4, 5]), vectorFromArray(['a', 'b', 'c', 'd', 'e'], new LargeUtf8()).data[0]],
    });
    const bin = vectorFromArray([Uint8Array.of(1), Uint8Array.of(2, 2), N, Uint8Array.of(), Uint8Array.of(5)], new Binary()).data[0];
    const fsb = makeData({ type: new FixedSizeBinary(2), data: Uint8Array.of(1, 1, 2, 2, 3, 3, 4, 4, 5, 5), length: 5 });
    const dec = makeData({ type: new Decimal(0, 10, 128), data: Uint32Array.from({ length: 20 }, (_, k) => k), length: 5 });
    const b = batchOf({
      k: i32([0, 1, 2, 3, 4]),
      v: i64([10n, 2n ** 62n, N, -4n, 5n]),
      list,
      fsl: fsl as never,
      struct: struct as never,
      bin,
      fsb: fsb as never,
      dec: dec as never,
      nul: makeData({ type: new Null(), length: 5 }) as never,
    });
    for (const input of [b, b.slice(1, 5)]) {
      const out = runSync(filter(col('k').neq(2).and(col('k').neq(0))), input);
      expect(out.numRows).toBe(3);
      expect(column(out, 'k')).toEqual([1, 3, 4]);
      expect(column(out, 'v')).toEqual([2n ** 62n, -4n, 5n]);
      expect(column(out, 'list').map((x) => (x === null ? null : Array.from(x as Iterable<number>)))).toEqual([N, [], [4]]);
      expect(column(out, 'fsl').map((x) => Array.from(x as Iterable<number>))).toEqual([[3, 4], [7, 8], [9, 10]]);
      expect(column(out, 'struct').map((x) => (x === null ? null : (x as { toJSON(): unknown }).toJSON()))).toEqual([
        { a: 2, s: 'b' },
        { a: 4, s: 'd' },
        { a: 5, s: 'e' },
      ]);
      expect(column(out, 'bin').map((x) => Array.from(x as Uint8Array))).toEqual([[2, 2], [], [5]]);
      expect(Array.from(out.getChild('fsb')!.data[0].values as Uint8Array)).toEqual([2, 2, 4, 4, 5, 5]);
      expect(Array.from(out.getChild('dec')!.data[0].values as Uint32Array)).toEqual([4, 5, 6, 7, 12, 13, 14, 15, 16, 17, 18, 19]);
      expect(out.getChild('nul')!.length).toBe(3);
    }
  });

  it('a contiguous run of kept rows is a zero-copy slice with the same schema object', () => {
    const out = runSync(filter(col('t').gte(2n).and(col('t').lte(4n))), trades);
    expect(rawBig(out, 't')).toEqual([2n, 3n, 4n]);
    expect(out.schema).toBe(trades.schema);
    expect(out.data.children[0].values.buffer).toBe(trades.data.children[0].values.buffer);
    expect(column(out, 'venue')).toEqual(['Y', N, 'Z']);
    // Rows 1 and 3 are not a run: gathered into new buffers.
    const gathered = runSync(filter(col('t').eq(2n).or(col('t').eq(4n))), trades);
    expect(rawBig(gathered, 't')).toEqual([2n, 4n]);
    expect(gathered.data.children[0].values.buffer).not.toBe(trades.data.children[0].values.buffer);
  });

  it('Map columns keep their entries (sliced input too)', () => {
    const mapType = new Map_(
      new Field('entries', new Struct([new Field('key', new Utf8(), false), new Field('value', new Int32(), true)]), false) as never,
    );
    const maps = vectorFromArray(
      [new Map([['a', 1]]), null, new Map(), new Map([['b', 2], ['c', N]]), new Map([['d', 4]])] as never,
      mapType as never,
    ).data[0];
    const b = batchOf({ k: i32([0, 1, 2, 3, 4]), m: maps as never });
    for (const input of [b, b.slice(1, 5)]) {
      const out = runSync(filter(col('k').neq(2)), input);
      const m = column(out, 'm').map((x) => (x === null ? null : (x as { toJSON(): unknown }).toJSON()));
      expect(m).toEqual(input === b ? [{ a: 1 }, N, { b: 2, c: N }, { d: 4 }] : [N, { b: 2, c: N }, { d: 4 }]);
    }
  });

  it('dictionary columns keep their dictionary', () => {
    const out = runSync(filter(col('side').eq('S')), trades);
    expect(column(out, 'side')).toEqual(['S', 'S']);
    expect(out.data.children[3].dictionary).toBe(trades.data.children[3].dictionary);
    expect(out.schema.fields[3].type.typeId).toBe(Type.Dictionary);
  });

  it('errors: non-Bool predicate, unknown column, no predicate', () => {
    let err: unknown;
    try {
      runSync(filter(col('size')), trades);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ColumnTypeError);
    expect(err).toMatchObject({ column: 'size', expected: 'Bool' });
    expect((err as Error).message).toMatch(/^filter: /);
    expect(() => runSync(filter(col('size').add(1)), trades)).toThrow(ExpressionError);
    try {
      runSync(filter(col('qty').gt(1)), trades);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MissingColumnError);
    expect(err).toMatchObject({ column: 'qty' });
    expect(() => filter()).toThrow(ExpressionError);
    expect(() => filter('size' as never)).toThrow(ExpressionError);
  });

  it('marbles: one output batch per input batch, errors and unsubscription', () => {
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
    const sched = new TestScheduler((a, e) => expect(normalize(a)).toEqual(normalize(e)));
    const a = batchOf({ n: i32([1, 5, 9]) });
    const b = batchOf({ n: i32([2, N]) });
    const x = batchOf({ n: i32([5, 9]) });
    const y = batchOf({ n: i32([]) });
    sched.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const e1 = cold('-a-b-|', { a, b });
      expectObservable(e1.pipe(filter(col('n').gt(3)))).toBe('-x-y-|', { x, y });
      const e2 = cold('-a-c|', { a, c: batchOf({ m: i32([1]) }) });
      expectObservable(e2.pipe(filter(col('n').gt(3)))).toBe('-x-#', { x }, new MissingColumnError({ column: 'n' }));
      expectSubscriptions(e2.subscriptions).toBe('^--!');
      const h = hot('-a-a-a|', { a });
      const r = h.pipe(
        mergeMap((v) => of(v)),
        filter(col('n').gt(3)),
        mergeMap((v) => of(v)),
      );
      expectObservable(r, '----!').toBe('-x-x', { x });
      expectSubscriptions(h.subscriptions).toBe('^---!');
    });
  });
});
