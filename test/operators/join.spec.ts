import { describe, expect, it } from 'vitest';
import { map, of } from 'rxjs';
import { Field, List, type RecordBatch, Table, Utf8, tableFromArrays, vectorFromArray } from 'apache-arrow';
import fc from 'fast-check';
import { KeySpaceBound, join } from '../../operators/join';
import { KeyDictionary, KeyEncoder } from '../../src/batch/keys';
import { asofJoin } from '../../operators/asofJoin';
import { keyedState } from '../../operators/lastByKey';
import { replay } from '../../src/time/replay';
import { batch, split } from '../../src/testing/builders';
import { toColumns, toRows } from '../../src/testing/read';
import { expectParity } from '../../src/testing/parity';
import { marbleTest } from '../../src/testing/marbles';
import { expectBatchesEqual } from '../../src/testing/match';
import { ColumnTypeError, InvalidOptionError, MissingColumnError } from '../../src/errors';
import { fromPolars, toPolars } from '../helpers/polars';
import { errorOf, runOperator } from '../helpers/run';
import { soak, soakSeed } from '../helpers/soak';

const sectors = () => batch({ ticker: ['AAA', 'BBB', 'DDD'], sector: ['tech', 'energy', null], weight: [0.5, 0.3, 0.2] }, { ticker: 'utf8', sector: 'utf8', weight: 'float64' });
const trades = (ts: number[], ticker: (string | null)[], px: number[]) => batch({ ts, ticker, px }, { ts: 'timestamp[ms]', ticker: 'dictionary', px: 'float64' });

describe('join with a Table (static lookup)', () => {
  it('gives each left row the columns of its key’s row, nulls without one (the doc example)', () => {
    const a = trades([1, 2], ['AAA', 'CCC'], [10, 11]);
    const b = trades([3, 4], ['BBB', 'DDD'], [12, 13]);
    const out = runOperator(join(new Table(sectors()), { by: 'ticker' }), [a, b]);
    expect(out.map((x) => toColumns(x))).toEqual([
      { ts: [1n, 2n], ticker: ['AAA', 'CCC'], px: [10, 11], sector: ['tech', null], weight: [0.5, null] },
      { ts: [3n, 4n], ticker: ['BBB', 'DDD'], px: [12, 13], sector: ['energy', null], weight: [0.3, 0.2] },
    ]);
    // left columns zero-copy, one output schema, right fields nullable
    expect(out[0].data.children[2]).toBe(a.data.children[2]);
    expect(out[1].schema).toBe(out[0].schema);
    expect(out[0].schema.fields.map((f) => [f.name, f.nullable])).toEqual([
      ['ts', true],
      ['ticker', true],
      ['px', true],
      ['sector', true],
      ['weight', true],
    ]);
  });

  it("how: 'inner' drops unmatched rows; columns picks and orders; suffix renames clashes", () => {
    const t = trades([1, 2, 3], ['AAA', 'CCC', 'BBB'], [10, 11, 12]);
    const ref = batch({ ticker: ['AAA', 'BBB'], px: [1, 2], sector: ['tech', 'energy'] }, { ticker: 'utf8', px: 'float64', sector: 'utf8' });
    expect(toColumns(runOperator(join(ref, { by: 'ticker', how: 'inner' }), t))).toEqual({
      ts: [1n, 3n],
      ticker: ['AAA', 'BBB'],
      px: [10, 12],
      px_right: [1, 2],
      sector: ['tech', 'energy'],
    });
    expect(toColumns(runOperator(join(ref, { by: 'ticker', columns: ['sector', 'px'], suffix: '_ref' }), t))).toEqual({
      ts: [1n, 2n, 3n],
      ticker: ['AAA', 'CCC', 'BBB'],
      px: [10, 11, 12],
      sector: ['tech', null, 'energy'],
      px_ref: [1, null, 2],
    });
    // every row matched or none: inner returns the batch as it is, or an empty one
    expect(runOperator(join(ref, { by: 'ticker', how: 'inner' }), trades([1], ['CCC'], [1]))[0].numRows).toBe(0);
  });

  it('null keys match nothing, on either side; several key columns; leftBy/rightBy; integer keys of any width', () => {
    const ref = batch({ k: ['a', null, 'b'], v: [1, 2, 3] }, { k: 'utf8', v: 'int32' });
    const l = batch({ ts: [1, 2, 3], sym: [null, 'b', 'a'] }, { ts: 'timestamp[ms]', sym: 'utf8' });
    expect(toColumns(runOperator(join(ref, { leftBy: 'sym', rightBy: 'k' }), l)).v).toEqual([null, 3, 1]);
    const ref2 = batch({ a: ['x', 'x', 'y'], b: [1, 2, 1], v: [10, 20, 30] }, { a: 'utf8', b: 'int64', v: 'float64' });
    const l2 = batch({ ts: [1, 2, 3, 4], a: ['x', 'y', 'x', 'y'], b: [2, 1, 1, 2] }, { ts: 'timestamp[ms]', a: 'dictionary', b: 'int8' });
    expect(toColumns(runOperator(join(ref2, { by: ['a', 'b'] }), l2)).v).toEqual([20, 30, 10, null]);
  });

  it('a table of several batches, a RecordBatch, an empty table; left batches of another schema get their own output schema', () => {
    const [p, q] = split(sectors(), [1]);
    const t = trades([1, 2], ['BBB', 'AAA'], [1, 2]);
    expect(toColumns(runOperator(join(new Table([p, q]), { by: 'ticker' }), t)).sector).toEqual(['energy', 'tech']);
    expect(toColumns(runOperator(join(sectors(), { by: 'ticker' }), t)).sector).toEqual(['energy', 'tech']);
    const empty = batch({ ticker: [], sector: [] }, { ticker: 'utf8', sector: 'utf8' });
    expect(toColumns(runOperator(join(empty, { by: 'ticker' }), t)).sector).toEqual([null, null]);
    const other = batch({ ticker: ['AAA'], qty: [5] }, { ticker: 'utf8', qty: 'int32' });
    const out = runOperator(join(sectors(), { by: 'ticker' }), [t, other]);
    expect(toColumns(out[1])).toEqual({ ticker: ['AAA'], qty: [5], sector: ['tech'], weight: [0.5] });
    expect(out[1].schema).not.toBe(out[0].schema);
  });

  it('right columns of any gatherable type: strings, dictionaries, lists (a list column is gathered with the misses as nulls)', () => {
    const tags = vectorFromArray([['a', 'b'], [], null], new List(new Field('item', new Utf8(), true)));
    const ref = new Table({ ticker: vectorFromArray(['AAA', 'BBB', 'CCC'], new Utf8()), tags, sector: vectorFromArray(['x', null, 'z']) });
    const l = trades([1, 2, 3, 4], ['CCC', 'ZZZ', 'AAA', 'BBB'], [1, 2, 3, 4]);
    const out = toColumns(runOperator(join(ref, { by: 'ticker' }), l));
    expect(out.tags).toEqual([null, null, ['a', 'b'], []]);
    expect(out.sector).toEqual(['z', null, 'x', null]);
  });

  it('keeps its key space bounded on a stream of ever new keys, and still matches the table’s keys', () => {
    // 200 batches of 100 new keys each (20,000 keys the table does not have), one table key per batch
    const ref = batch({ id: ['k1', 'k2', 'k3'], v: [1, 2, 3] }, { id: 'utf8', v: 'int32' });
    const batches = Array.from({ length: 200 }, (_, b) =>
      batch({ id: [...Array.from({ length: 99 }, (_, i) => `x${b}-${i}`), `k${(b % 3) + 1}`] }, { id: b % 2 ? 'utf8' : 'dictionary' }),
    );
    const out = runOperator(join(ref, { by: 'id' }), batches);
    out.forEach((o, b) => {
      const v = toColumns(o).v as (number | null)[];
      expect(v.slice(0, 99).every((x) => x === null)).toBe(true);
      expect(v[99]).toBe((b % 3) + 1);
    });
    // the bound itself: the key space never holds more than the table's keys + the limit + one batch
    const keys = new KeyDictionary();
    const right = new KeyEncoder(ref.schema, 'id', { keyDictionary: keys });
    right.encode(ref);
    const bound = new KeySpaceBound(keys, 3);
    const left = new KeyEncoder(batches[1].schema, 'id', { keyDictionary: keys });
    let most = 0;
    let next = 0;
    for (let r = 0; r < 300; r++) {
      const fresh = batch({ id: Array.from({ length: 100 }, () => `y${next++}`) }, { id: 'utf8' });
      bound.check(left, fresh);
      left.encode(fresh);
      most = Math.max(most, bound.size);
    }
    expect(most).toBeLessThanOrEqual(3 + 4096 + 100);
    expect(right.encode(ref)).toEqual(Int32Array.of(0, 1, 2)); // the table's keys kept their codes
  });

  it('bad input: clear errors naming the option, the side, the column and the rows', () => {
    const dup = batch({ ticker: ['AAA', 'BBB', 'AAA'], v: [1, 2, 3] }, { ticker: 'utf8', v: 'int32' });
    const e = errorOf(() => join(dup, { by: 'ticker' })) as InvalidOptionError;
    expect(e).toBeInstanceOf(InvalidOptionError);
    expect(e).toMatchObject({ option: 'right', input: 'right', column: 'ticker', row: 2 });
    expect(e.message).toMatch(/key 'AAA' again \(first at row 0\)/);
    expect(errorOf(() => join(sectors(), {}))).toMatchObject({ option: 'by' });
    expect(errorOf(() => join(sectors(), { by: 'sym' }))).toBeInstanceOf(MissingColumnError);
    expect(errorOf(() => join(sectors(), { by: 'ticker', columns: ['nope'] }))).toMatchObject({ input: 'right', column: 'nope' });
    expect(errorOf(() => join(sectors(), { by: 'ticker', on: 'ts' }))).toMatchObject({ option: 'on' });
    expect(errorOf(() => join(sectors(), { by: 'ticker', tolerance: 5 } as never))).toMatchObject({ option: 'tolerance' });
    expect(errorOf(() => join(sectors(), { by: 'ticker', direction: 'forward' } as never))).toMatchObject({ option: 'direction' });
    expect(errorOf(() => join(of(sectors()) as never, { by: 'ticker' }))).toMatchObject({ option: 'right' });
    expect((errorOf(() => join(of(sectors()) as never)) as Error).message).toMatch(/use asofJoin/);
    expect(errorOf(() => join(sectors(), { by: 'ticker', how: 'outer' as never }))).toMatchObject({ option: 'how' });
    // left side: a missing key column, a key of another kind (both columns named)
    expect(() => runOperator(join(sectors(), { by: 'ticker' }), batch({ ts: [1] }, { ts: 'timestamp[ms]' }))).toThrow(MissingColumnError);
    const intKeys = batch({ ts: [1], ticker: [5] }, { ts: 'timestamp[ms]', ticker: 'int32' });
    const err = errorOf(() => runOperator(join(sectors(), { by: 'ticker' }), intKeys)) as ColumnTypeError;
    expect(err).toBeInstanceOf(ColumnTypeError);
    expect(err.message).toMatch(/ticker/);
    // a clash that the suffix does not resolve
    const clash = batch({ ticker: ['AAA'], v: [1] }, { ticker: 'utf8', v: 'int32' });
    const left = batch({ ts: [1], ticker: ['AAA'], v: [0], v_right: [0] }, { ts: 'timestamp[ms]', ticker: 'utf8', v: 'int32', v_right: 'int32' });
    expect(errorOf(() => runOperator(join(clash, { by: 'ticker' }), left))).toMatchObject({ option: 'suffix', column: 'v' });
  });

  it('marbles: one output per input batch, at once; errors and unsubscription propagate', () => {
    marbleTest(({ cold, expectObservable, expectSubscriptions }) => {
      const a = trades([1], ['AAA'], [1]);
      const b = trades([2], ['BBB'], [2]);
      const src = cold('-a--b-|', { a, b });
      expectObservable(src.pipe(join(sectors(), { by: 'ticker' }), map((x) => toColumns(x).sector[0]))).toBe('-x--y-|', { x: 'tech', y: 'energy' });
      expectSubscriptions(src.subscriptions).toBe('^-----!');
      const bad = cold('-a-#', { a });
      expectObservable(bad.pipe(join(sectors(), { by: 'ticker' }), map((x) => x.numRows))).toBe('-n-#', { n: 1 });
      const long = cold('-a-b-', { a, b });
      expectObservable(long.pipe(join(sectors(), { by: 'ticker' }), map((x) => x.numRows)), '--!').toBe('-n', { n: 1 });
      expectSubscriptions(long.subscriptions).toBe('^-!');
    });
  });

  it('identical output for any batch split, cycle and live (expectParity)', async () => {
    const n = 50;
    const l = batch(
      {
        ts: Array.from({ length: n }, (_, i) => Math.floor(i * 37.3)),
        ticker: Array.from({ length: n }, (_, i) => ['AAA', 'BBB', 'CCC', 'DDD', null][(i * 7) % 5]),
        px: Array.from({ length: n }, (_, i) => i),
      },
      { ts: 'timestamp[ms]', ticker: 'dictionary', px: 'float64' },
    );
    const ref = new Table(sectors());
    await expectParity(({ l }) => l.pipe(join(ref, { by: 'ticker' })), { l }, { runs: soak(10) });
    await expectParity(({ l }) => l.pipe(join(ref, { by: 'ticker', how: 'inner' })), { l }, { runs: soak(10) });
  });

  it('equals nodejs-polars’ left and inner joins on random data with unique right keys (oracle)', () => {
    const key = fc.option(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), { freq: 6 });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(key, fc.integer({ min: -100, max: 100 })), { minLength: 1, maxLength: 40 }),
        fc.uniqueArray(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'g'), fc.option(fc.double({ min: -10, max: 10, noNaN: true }), { freq: 4 })), {
          selector: (x) => x[0],
          maxLength: 6,
        }),
        fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 3 }),
        fc.constantFrom<'left' | 'inner'>('left', 'inner'),
        (leftRows, rightRows, cuts, how) => {
          const l = batch({ i: leftRows.map((_, i) => i), k: leftRows.map((r) => r[0]), x: leftRows.map((r) => r[1]) }, { i: 'int32', k: 'utf8', x: 'int32' });
          // y has nulls (gathered with its own validity), z has none (gathered with the rows that matched as validity)
          const r = batch({ k: rightRows.map((x) => x[0]), y: rightRows.map((x) => x[1]), z: rightRows.map((_, i) => i * 10) }, { k: 'utf8', y: 'float64', z: 'int32' });
          const parts = split(l, [...new Set(cuts.map((c) => c % leftRows.length))].filter((c) => c > 0).sort((a, b) => a - b));
          const got = toRows(new Table(runOperator(join(r, { by: 'k', how }), parts)));
          const want = toRows(fromPolars(toPolars(l).join(toPolars(r), { on: 'k', how }).sort('i')));
          expect(got).toEqual(want);
        },
      ),
      { numRuns: soak(80) },
    );
  });
});

describe('join with a keyed state', () => {
  const Q = { ts: 'timestamp[ms]', k: 'utf8', px: 'float64' } as const;

  it('gives each left row its key’s row of the state as of its time (rows at its own time included)', async () => {
    const l = batch({ ts: [2, 5, 6, 6], k: ['a', 'b', 'a', 'c'] }, { ts: 'timestamp[ms]', k: 'utf8' });
    const r = batch({ ts: [1, 1, 4, 6, 7], k: ['a', 'b', 'a', 'a', 'b'], px: [10, 20, 11, 12, 21] }, Q);
    const out = await replay(({ l, r }) => l.pipe(join(keyedState(r, { by: 'k' }))), { l, r });
    expect(toColumns(out)).toEqual({ ts: [2n, 5n, 6n, 6n], k: ['a', 'b', 'a', 'c'], px: [10, 20, 12, null] });
    const inner = await replay(({ l, r }) => l.pipe(join(keyedState(r, { by: 'k' }), { how: 'inner', columns: ['px'] })), { l, r });
    expect(toColumns(inner)).toEqual({ ts: [2n, 5n, 6n], k: ['a', 'b', 'a'], px: [10, 20, 12] });
  });

  it('a key the state expired does not match: its last row more than expireAfter before the left row', async () => {
    const r = batch({ ts: [0, 50, 100], k: ['a', 'b', 'b'], px: [1, 2, 3] }, Q);
    const l = batch({ ts: [60, 100, 101, 250], k: ['a', 'a', 'a', 'b'] }, { ts: 'timestamp[ms]', k: 'utf8' });
    const out = await replay(({ l, r }) => l.pipe(join(keyedState(r, { by: 'k', expireAfter: 100 }))), { l, r });
    // a: last row at 0 → alive through 100; b: last row at 100 → gone at 250
    expect(toColumns(out).px).toEqual([1, 1, null, null]);
  });

  it('equals asofJoin of the raw stream (backward, exact; with expiry: tolerance = expireAfter), for any split, cycle and live', async () => {
    const arb = fc.record({
      lt: fc.array(fc.integer({ min: 0, max: 2000 }), { minLength: 3, maxLength: 20 }),
      rt: fc.array(fc.integer({ min: 0, max: 2000 }), { minLength: 3, maxLength: 30 }),
      lk: fc.array(fc.constantFrom('a', 'b', 'c', null), { minLength: 20, maxLength: 20 }),
      rk: fc.array(fc.constantFrom('a', 'b', 'c', null), { minLength: 30, maxLength: 30 }),
      expire: fc.constantFrom(undefined, 0, 150),
    });
    for (const c of fc.sample(arb, { numRuns: soak(8), seed: soakSeed(11) })) {
      const lt = [...c.lt].sort((x, y) => x - y);
      const rt = [...c.rt].sort((x, y) => x - y);
      const l = batch({ ts: lt, k: c.lk.slice(0, lt.length), q: lt.map((_, i) => i) }, { ts: 'timestamp[ms]', k: 'utf8', q: 'int32' });
      const r = batch({ ts: rt, k: c.rk.slice(0, rt.length), px: rt.map((_, i) => i) }, Q);
      const stateOptions = { by: 'k', ...(c.expire !== undefined ? { expireAfter: c.expire } : {}) };
      const expected = await replay(({ l, r }) => l.pipe(asofJoin(r, { by: 'k', ...(c.expire !== undefined ? { tolerance: c.expire } : {}) })), { l, r });
      const got = await replay(({ l, r }) => l.pipe(join(keyedState(r, stateOptions))), { l, r });
      expectBatchesEqual(got.batches, expected.batches, { concat: true });
      await expectParity(({ l, r }) => l.pipe(join(keyedState(r, stateOptions))), { l, r }, { runs: soak(5) });
    }
  });

  it('options: keys among the state’s, no asofJoin-only options', () => {
    const st = keyedState(of<RecordBatch>(), { by: ['k', 'venue'] });
    expect(errorOf(() => join(st, { by: 'px' }))).toMatchObject({ option: 'by' });
    expect(errorOf(() => join(st, { tolerance: 5 } as never))).toMatchObject({ option: 'tolerance' });
    expect(errorOf(() => join(st, { allowExactMatches: false } as never))).toMatchObject({ option: 'allowExactMatches' });
    expect(errorOf(() => join(st, { rightOn: 'ts' } as never))).toMatchObject({ option: 'rightOn' });
  });
});

describe('join against a Table built with tableFromArrays', () => {
  it('works with apache-arrow’s own tables (Dictionary keys on the right)', () => {
    const ref = tableFromArrays({ ticker: ['AAA', 'BBB'], sector: ['tech', 'energy'] });
    const t = trades([1, 2, 3], ['BBB', 'AAA', null], [1, 2, 3]);
    expect(toColumns(runOperator(join(ref, { by: 'ticker' }), t)).sector).toEqual(['energy', 'tech', null]);
  });
});
