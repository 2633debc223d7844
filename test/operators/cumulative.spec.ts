import { describe, expect, it } from 'vitest';
import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { RecordBatch } from 'apache-arrow';
import fc from 'fast-check';
import { type CumulativeOptions, cumulative } from '../../operators/cumulative';
import { CumulativeState } from '../../operators/internal/window-state';
import { type AggOp, count, first, last, max, mean, min, std, sum, variance } from '../../src/aggs/agg';
import { batch, split } from '../../src/testing/builders';
import type { SchemaSpec } from '../../src/testing/schema';
import { toColumns } from '../../src/testing/read';
import { expectParity } from '../../src/testing/parity';
import { ColumnTypeError, InvalidOptionError, MissingColumnError, TimeOrderError } from '../../src/errors';
import { fromPolars, pl, toPolars } from '../helpers/polars';
import { closeTo, reference, type RefRow } from '../aggs/reference';
import { lifetimes, manyKeysCase, watchStores, randomCase } from '../helpers/keyed';
import { errorOf, runOperator } from '../helpers/run';
import { withColumns } from '../../operators/withColumns';
import { col } from '../../src/expr';
import { soak, soakSeed, soakSeeds } from '../helpers/soak';

const S: SchemaSpec = { ts: 'timestamp[ms]', k: 'utf8', v: 'float64' };
const input = (ts: number[], k: (string | null)[], v: (number | null)[], schema = S) => batch({ ts, k, v }, schema);

const runSync = (b: RecordBatch | RecordBatch[], options: CumulativeOptions): RecordBatch[] => runOperator(cumulative(options), b);
const OPS: readonly AggOp[] = ['sum', 'mean', 'min', 'max', 'count', 'std', 'var', 'first', 'last'];

describe('cumulative', () => {
  it('running aggregates per key, one output row per input row, appended as Float64 columns', () => {
    const b = input([1, 2, 3, 4, 5], ['x', 'y', 'x', 'x', 'y'], [1, 2, 5, 3, 4]);
    const aggs = { s: sum('v'), m: mean('v'), lo: min('v'), hi: max('v'), n: count(), sd: std('v'), vr: variance('v'), f: first('v'), l: last('v') };
    const out = runSync(b, { by: 'k', aggs });
    expect(toColumns(out)).toEqual({
      ts: [1n, 2n, 3n, 4n, 5n],
      k: ['x', 'y', 'x', 'x', 'y'],
      v: [1, 2, 5, 3, 4],
      s: [1, 2, 6, 9, 6],
      m: [1, 2, 3, 3, 3],
      lo: [1, 2, 1, 1, 2],
      hi: [1, 2, 5, 5, 4],
      n: [1, 1, 2, 3, 2],
      sd: [null, null, Math.SQRT2 * 2, 2, Math.SQRT2],
      vr: [null, null, 8, 4, 2],
      f: [1, 2, 1, 1, 2],
      l: [1, 2, 5, 3, 4],
    });
    expect(out[0].schema.fields.slice(3).every((f) => String(f.type) === 'Float64' && f.nullable)).toBe(true);
  });

  it('without by, the whole stream is one group', () => {
    const b = input([1, 2, 3], ['x', 'y', null], [1, 2, 3]);
    expect(toColumns(runSync(b, { aggs: { s: sum('v') } })).s).toEqual([1, 3, 6]);
  });

  it('nulls: null at null rows for the arithmetic aggregations (pandas cumsum, polars cum_sum); count and first/last at every row', () => {
    const b = input([1, 2, 3, 4], ['x', 'x', 'x', 'x'], [null, 2, null, 4]);
    const out = toColumns(runSync(b, { by: 'k', aggs: { s: sum('v'), m: mean('v'), hi: max('v'), c: count('v'), n: count(), f: first('v'), l: last('v'), sd: std('v') } }));
    expect(out.s).toEqual([null, 2, null, 6]);
    expect(out.m).toEqual([null, 2, null, 3]);
    expect(out.hi).toEqual([null, 2, null, 4]);
    expect(out.c).toEqual([0, 1, 1, 2]);
    expect(out.n).toEqual([1, 2, 3, 4]);
    expect(out.f).toEqual([null, 2, 2, 2]);
    expect(out.l).toEqual([null, 2, 2, 4]);
    expect(out.sd).toEqual([null, null, null, Math.SQRT2]);
  });

  it('null keys form their own group; NaN propagates', () => {
    const b = input([1, 2, 3, 4], [null, 'a', null, 'a'], [1, 2, NaN, 4]);
    const out = toColumns(runSync(b, { by: 'k', aggs: { s: sum('v'), lo: min('v'), c: count('v') } }));
    expect(out.s).toEqual([1, 2, NaN, 6]);
    expect(out.lo).toEqual([1, 2, NaN, 2]);
    expect(out.c).toEqual([1, 1, 2, 2]);
  });

  it('state across batches, sliced batches, empty batches, dictionary keys, integer columns', () => {
    const D: SchemaSpec = { ts: 'timestamp[ms]', k: 'dictionary', v: 'int64' };
    const whole = batch({ ts: [0, 1, 2, 3, 4, 5], k: ['z', 'a', 'b', 'a', null, 'b'], v: [100n, 1n, 2n, null, 4n, 5n] }, D);
    const sliced = whole.slice(1, 6);
    const empty = batch({ ts: [], k: [], v: [] }, D);
    const opts: CumulativeOptions = { by: 'k', aggs: { s: sum('v'), c: count('v') } };
    const once = toColumns(runSync(sliced, opts));
    expect(once.s).toEqual([1, 2, null, 4, 7]);
    expect(once.c).toEqual([1, 1, 1, 1, 2]);
    expect(toColumns(runSync([empty, ...split(sliced, [1, 2, 4]), empty], opts))).toEqual(once);
  });

  it('matches a from-scratch reference on random data (every aggregation)', () => {
    const rowArb = fc.record({ dt: fc.constantFrom(0, 1, 2), k: fc.constantFrom('a', 'b', null), v: fc.option(fc.integer({ min: -50, max: 50 }), { freq: 4 }) });
    fc.assert(
      fc.property(fc.array(rowArb, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 39 }), (spec, cut) => {
        let t = 0;
        const rows: RefRow[] = spec.map((r) => ({ t: (t += r.dt), k: r.k, v: r.v === null ? null : r.v / 8 }));
        const b = input(rows.map((r) => r.t), rows.map((r) => r.k), rows.map((r) => r.v));
        const aggs = Object.fromEntries([...OPS.map((op) => [op, { op, column: 'v' }]), ['rows', count()]]);
        const out = toColumns(runSync(split(b, [cut % rows.length].filter((c) => c > 0)), { by: 'k', aggs }));
        for (const op of OPS) expect(closeTo(out[op] as (number | null)[], reference(rows, op, { kind: 'cumulative' })), op).toBe(true);
        expect(out.rows).toEqual(reference(rows, 'count', { kind: 'cumulative' }, 1, true));
      }),
      { numRuns: soak(100) },
    );
  });

  it('sums, counts and means of batches without nulls (one generated loop) equal the per-aggregation kernels exactly (property)', () => {
    // each piece built on its own: a piece without nulls has no bitmap and takes the one-loop
    // path; adding a max() to the aggregations sends every batch through the per-aggregation
    // kernels: the shared columns must agree bit for bit
    const spec: SchemaSpec = { ts: 'timestamp[ms]', k: 'utf8', v: 'float64', i: 'int32', l: 'int64' };
    const rowArb = fc.record({
      k: fc.constantFrom('a', 'b', null),
      v: fc.option(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { freq: 8 }),
      i: fc.integer({ min: -1000, max: 1000 }),
      l: fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }), // past 2^53: both paths round to the nearest double
    });
    fc.assert(
      fc.property(fc.array(rowArb, { minLength: 1, maxLength: 40 }), fc.array(fc.integer({ min: 1, max: 39 }), { maxLength: 5 }), (rows, cuts) => {
        const at = [0, ...[...new Set(cuts.map((c) => c % rows.length))].filter((c) => c > 0).sort((x, y) => x - y), rows.length];
        const pieces = at.slice(1).map((end, p) => {
          const part = rows.slice(at[p], end);
          return batch({ ts: part.map((_, j) => at[p] + j), k: part.map((r) => r.k), v: part.map((r) => r.v), i: part.map((r) => r.i), l: part.map((r) => r.l) }, spec);
        });
        const aggs = { s: sum('v'), m: mean('v'), c: count('v'), n: count(), si: sum('i'), mi: mean('i'), sl: sum('l') };
        const fast = toColumns(runSync(pieces, { by: 'k', aggs }));
        const general = toColumns(runSync(pieces, { by: 'k', aggs: { ...aggs, hi: max('v') } }));
        for (const name of Object.keys(aggs)) expect(fast[name], name).toEqual(general[name]);
      }),
      { numRuns: soak(200) },
    );
  });

  it('keeps one Schema object for every output batch; marbles; unsubscription chains hold', () => {
    const ts = new TestScheduler((a, e) => expect(a).toEqual(e));
    const schemas = new Set<unknown>();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const src = cold('-a--b-|', { a: input([0, 1], ['x', 'y'], [1, 2]), b: input([5], ['x'], [4]) });
      const out = src.pipe(
        cumulative({ by: 'k', aggs: { s: sum('v') } }),
        map((x) => {
          schemas.add(x.schema);
          return JSON.stringify(toColumns(x).s);
        }),
      );
      expectObservable(out).toBe('-a--b-|', { a: '[1,2]', b: '[5]' });
      expectSubscriptions(src.subscriptions).toBe('^-----!');
      expectObservable(cold<RecordBatch>('-#').pipe(cumulative({ aggs: { s: sum('v') } }))).toBe('-#');
      const long = cold('-a---', { a: input([0], ['x'], [1]) });
      expectObservable(long.pipe(cumulative({ aggs: { s: sum('v') } }), map((x) => x.numRows)), '--!').toBe('-1', { 1: 1 });
      expectSubscriptions(long.subscriptions).toBe('^-!');
    });
    expect(schemas.size).toBe(1);
  });

  it('identical output for any batch split, cycle, and live (expectParity)', async () => {
    const arb = fc.record({
      dt: fc.array(fc.constantFrom(0, 1, 700, 1500), { minLength: 8, maxLength: 30 }),
      k: fc.array(fc.constantFrom('a', 'b', null), { minLength: 30, maxLength: 30 }),
      v: fc.array(fc.option(fc.integer({ min: -9, max: 9 }), { freq: 5 }), { minLength: 30, maxLength: 30 }),
    });
    for (const c of fc.sample(arb, { numRuns: soak(4), seed: soakSeed(5) })) {
      let t = 0;
      const ts = c.dt.map((d) => (t += d));
      const b = input(ts, c.k.slice(0, ts.length), c.v.slice(0, ts.length), { ...S, k: 'dictionary' });
      const opts: CumulativeOptions = { by: 'k', aggs: { s: sum('v'), m: mean('v'), lo: min('v'), l: last('v'), sd: std('v'), n: count() } };
      await expectParity(({ src }) => src.pipe(cumulative(opts)), { src: b }, { runs: soak(8) });
    }
  });

  it('remap (key expiry) moves each kept key to its new slot and resets the freed ones', () => {
    const ops: AggOp[] = ['sum', 'min', 'max', 'std', 'first', 'count'];
    const column = (xs: number[]) => ({ values: Float64Array.from(xs), validity: null, offset: 0 });
    const a = new CumulativeState(ops);
    const b = new CumulativeState(ops);
    a.grow(4);
    for (let j = 0; j < ops.length; j++) a.run(j, Int32Array.from([0, 1, 2, 2]), 4, column([1, 100, 5, 7]));
    a.remap(Int32Array.from([0, 1, -1, 2]), 3);
    b.grow(3);
    for (let j = 0; j < ops.length; j++) b.run(j, Int32Array.from([0, 1, 1]), 3, column([1, 5, 7]));
    a.grow(4);
    b.grow(4);
    for (let j = 0; j < ops.length; j++) {
      const x = a.run(j, Int32Array.from([1, 0, 2]), 3, column([3, 4, 6]));
      const y = b.run(j, Int32Array.from([1, 0, 2]), 3, column([3, 4, 6]));
      expect(Array.from(x.values), ops[j]).toEqual(Array.from(y.values));
    }
  });

  describe('aggregations over expressions', () => {
    const X: SchemaSpec = { ts: 'timestamp[ms]', k: 'dictionary', p: 'float64', q: 'int32' };
    const xin = (rows: { k: string | null; p: number | null; q: number | null }[], t0 = 0) =>
      batch({ ts: rows.map((_, i) => t0 + i), k: rows.map((r) => r.k), p: rows.map((r) => r.p), q: rows.map((r) => r.q) }, X);

    it('sum(col(p).mul(col(q))) is the running sum of the product, computed without an output column for it', () => {
      const b = xin([
        { k: 'a', p: 2, q: 10 },
        { k: 'b', p: 3, q: 1 },
        { k: 'a', p: 4, q: null },
        { k: 'a', p: 1.5, q: 2 },
      ]);
      const out = runSync(b, { by: 'k', aggs: { pv: sum(col('p').mul(col('q'))), vol: sum('q'), n: count(col('p').mul(col('q'))) } });
      expect(out[0].schema.fields.map((f) => f.name)).toEqual(['ts', 'k', 'p', 'q', 'pv', 'vol', 'n']);
      const c = toColumns(out);
      expect(c.pv).toEqual([20, 3, null, 23]);
      expect(c.vol).toEqual([10, 1, null, 12]);
      expect(c.n).toEqual([1, 1, 1, 2]);
    });

    it('equal to withColumns then the aggregation of that column, for every aggregation, any split (property)', () => {
      const rowArb = fc.record({
        k: fc.constantFrom('a', 'b', null),
        p: fc.option(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { freq: 6 }),
        q: fc.option(fc.integer({ min: -50, max: 50 }), { freq: 6 }),
      });
      const e = col('p').mul(col('q')).add(col('p').div(4));
      fc.assert(
        fc.property(fc.array(rowArb, { minLength: 1, maxLength: 40 }), fc.array(fc.integer({ min: 1, max: 39 }), { maxLength: 4 }), (rows, cuts) => {
          const pieces = split(xin(rows), [...new Set(cuts.map((c) => c % rows.length))].filter((c) => c > 0).sort((x, y) => x - y));
          const over = (x: string | ReturnType<typeof col>) =>
            Object.fromEntries(OPS.map((op) => [op, { sum, mean, min, max, count, std, var: variance, first, last }[op](x as never)]));
          const direct = toColumns(runSync(pieces, { by: 'k', aggs: over(e) }));
          const viaColumn = toColumns(
            runOperator((src) => src.pipe(withColumns({ e }), cumulative({ by: 'k', aggs: over('e') })), pieces),
          );
          for (const op of OPS) expect(direct[op], op).toEqual(viaColumn[op]);
        }),
        { numRuns: soak(150) },
      );
    });

    it('identical output for any batch split, cycle, and live (expectParity)', async () => {
      const arb = fc.array(fc.record({ k: fc.constantFrom('a', 'b', null), p: fc.option(fc.integer({ min: 1, max: 9 }), { freq: 5 }), q: fc.integer({ min: 1, max: 5 }) }), {
        minLength: 10,
        maxLength: 30,
      });
      for (const rows of fc.sample(arb, { numRuns: soak(3), seed: soakSeed(11) })) {
        const b = xin(rows);
        const opts: CumulativeOptions = { by: 'k', aggs: { pv: sum(col('p').mul(col('q'))), v: sum('q'), m: mean(col('p').mul(col('q'))) } };
        await expectParity(({ src }) => src.pipe(cumulative(opts)), { src: b }, { runs: soak(6) });
      }
    });

    it('errors: an unknown column inside the expression, a non-numeric expression (naming it)', () => {
      const b = xin([{ k: 'a', p: 1, q: 1 }]);
      const missing = errorOf(() => runSync(b, { aggs: { s: sum(col('nope').mul(2)) } }));
      expect(missing).toBeInstanceOf(MissingColumnError);
      expect(missing).toMatchObject({ column: 'nope' });
      expect(errorOf(() => runSync(b, { aggs: { s: sum(col('p').gt(1)) } }))).toMatchObject({ input: 'source', column: '(col("p") > 1)', actual: 'Bool' });
      expect(errorOf(() => runSync(b, { aggs: { s: max(col('k').eq('a')) } }))).toBeInstanceOf(ColumnTypeError);
    });
  });

  describe('errors', () => {
    it('bad options, unknown and non-numeric columns, clashing names, unsorted time', () => {
      expect(errorOf(() => cumulative({ aggs: {} }))).toBeInstanceOf(InvalidOptionError);
      expect(errorOf(() => cumulative(undefined as never))).toMatchObject({ option: 'aggs' });
      expect(errorOf(() => cumulative({ aggs: { s: sum('v') }, on: 5 as never }))).toMatchObject({ option: 'on' });
      const b = input([0], ['a'], [1]);
      expect(errorOf(() => runSync(b, { aggs: { s: sum('x') } }))).toBeInstanceOf(MissingColumnError);
      expect(errorOf(() => runSync(b, { aggs: { s: sum('ts') } }))).toBeInstanceOf(ColumnTypeError);
      expect(errorOf(() => runSync(b, { aggs: { k: sum('v') } }))).toMatchObject({ option: 'aggs', column: 'k' });
      const e = errorOf(() => runSync(input([2, 1], ['a', 'a'], [1, 2]), { aggs: { s: sum('v') } }));
      expect(e).toBeInstanceOf(TimeOrderError);
      expect(e).toMatchObject({ column: 'ts', row: 1 });
    });
  });
});

describe('cumulative against nodejs-polars cum_*().over (oracle)', () => {
  it('cumSum, cumCount, cumMin, cumMax over a key on random data with nulls and null keys', () => {
    const rowArb = fc.record({ k: fc.constantFrom('a', 'b', 'c', null), v: fc.option(fc.integer({ min: -1000, max: 1000 }), { freq: 5 }) });
    fc.assert(
      fc.property(fc.array(rowArb, { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 59 }), (rows, cut) => {
        const b = batch(
          { ts: rows.map((_, i) => i), k: rows.map((r) => r.k), v: rows.map((r) => (r.v === null ? null : r.v / 4)) },
          { ts: 'timestamp[ms]', k: 'dictionary', v: 'float64' },
        );
        const got = toColumns(runSync(split(b, [cut % rows.length].filter((c) => c > 0)), { by: 'k', aggs: { s: sum('v'), c: count('v'), lo: min('v'), hi: max('v') } }));
        const df = toPolars(b).withColumns(
          pl.col('v').cumSum().over('k').alias('s'),
          pl.col('v').cumCount().over('k').alias('c'),
          pl.col('v').cumMin().over('k').alias('lo'),
          pl.col('v').cumMax().over('k').alias('hi'),
        );
        const want = toColumns(fromPolars(df));
        expect(got.s).toEqual(want.s);
        expect(got.lo).toEqual(want.lo);
        expect(got.hi).toEqual(want.hi);
        expect(got.c).toEqual((want.c as (number | null)[]).map((x) => (x === null ? null : Number(x))));
      }),
      { numRuns: soak(60) },
    );
  });

  it('the running sum of an expression: (price * size).cumSum().over(k)', () => {
    const rowArb = fc.record({
      k: fc.constantFrom('a', 'b', 'c', null),
      p: fc.option(fc.integer({ min: 1, max: 4000 }), { freq: 6 }),
      q: fc.option(fc.integer({ min: 1, max: 500 }), { freq: 6 }),
    });
    fc.assert(
      fc.property(fc.array(rowArb, { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 59 }), (rows, cut) => {
        const b = batch(
          { ts: rows.map((_, i) => i), k: rows.map((r) => r.k), p: rows.map((r) => (r.p === null ? null : r.p / 8)), q: rows.map((r) => r.q) },
          { ts: 'timestamp[ms]', k: 'dictionary', p: 'float64', q: 'int32' },
        );
        const got = toColumns(runSync(split(b, [cut % rows.length].filter((c) => c > 0)), { by: 'k', aggs: { pv: sum(col('p').mul(col('q'))) } }));
        const df = toPolars(b).withColumns(pl.col('p').mul(pl.col('q').cast(pl.Float64)).cumSum().over('k').alias('pv'));
        expect(got.pv).toEqual(toColumns(fromPolars(df)).pv);
      }),
      { numRuns: soak(60) },
    );
  });
});

describe('cumulative key expiry (expireAfter)', () => {
  it('many keys, compacted many times: the same as the rename reference', () => {
    const { compactions, restore } = watchStores();
    try {
      const c = manyKeysCase(4);
      const aggs = { s: sum('v'), lo: min('v'), f: first('v'), sd: std('v'), n: count() };
      let expired = 0;
      const got = toColumns(runSync(split(input(c.ts, c.k, c.v), c.cuts), { by: 'k', aggs, expireAfter: c.d, onExpire: (x) => (expired += x) }));
      const ref = lifetimes(c.ts, c.k, c.d);
      const want = toColumns(runSync(input(c.ts, ref.renamed, c.v), { by: 'k', aggs }));
      for (const name of Object.keys(aggs)) expect(got[name]).toEqual(want[name]);
      expect(expired).toBe(ref.expired);
      expect(compactions()).toBeGreaterThan(5);
    } finally {
      restore();
    }
  });

  it('a key not seen for more than expireAfter restarts its running aggregates; expiries are counted', () => {
    const counts: number[] = [];
    const b = input([0, 5, 10, 21, 22], ['x', 'y', 'x', 'x', 'y'], [1, 2, 3, 4, 5]);
    const out = toColumns(runSync(split(b, [2, 4]), { by: 'k', aggs: { s: sum('v'), n: count() }, expireAfter: 10, onExpire: (n) => counts.push(n) }));
    expect(out.s).toEqual([1, 2, 4, 4, 5]);
    expect(out.n).toEqual([1, 1, 2, 1, 1]);
    expect(counts).toEqual([2]);
    expect(errorOf(() => cumulative({ aggs: { s: sum('v') }, expireAfter: 10 }))).toMatchObject({ option: 'expireAfter' });
    expect(errorOf(() => cumulative({ by: 'k', aggs: { s: sum('v') }, expireAfter: -1 }))).toBeInstanceOf(InvalidOptionError);
  });

  it('random data, any split: the same as renaming each key at every gap > expireAfter (no expiry); counts agree', () => {
    const aggs = { s: sum('v'), m: mean('v'), lo: min('v'), f: first('v'), l: last('v'), sd: std('v'), n: count() };
    for (const seed of soakSeeds(30)) {
      const c = randomCase(seed);
      const spec = { ...S, k: seed % 2 ? 'dictionary' : 'utf8' } as Record<string, string> as typeof S;
      let expired = 0;
      const got = toColumns(runSync(split(input(c.ts, c.k, c.v, spec), c.cuts), { by: 'k', aggs, expireAfter: c.d, onExpire: (x) => (expired += x) }));
      const ref = lifetimes(c.ts, c.k, c.d);
      const want = toColumns(runSync(input(c.ts, ref.renamed, c.v, spec), { by: 'k', aggs }));
      for (const name of Object.keys(aggs)) expect(got[name]).toEqual(want[name]);
      expect(expired).toBe(ref.expired);
    }
  });

  it('identical output for any batch split, cycle and live with expireAfter (expectParity)', async () => {
    const c = randomCase(5);
    const b = input(c.ts.map((t) => t * 100), c.k, c.v, { ...S, k: 'dictionary' });
    const opts: CumulativeOptions = { by: 'k', aggs: { s: sum('v'), hi: max('v'), n: count() }, expireAfter: 250 };
    await expectParity(({ src }) => src.pipe(cumulative(opts)), { src: b }, { runs: soak(8) });
  });

  it('100 000 keys each seen once: the key dictionary and the state stay bounded', () => {
    const { max: largest, restore } = watchStores();
    try {
      let expired = 0;
      const batches: RecordBatch[] = [];
      for (let j = 0; j < 500; j++) {
        const ks = Array.from({ length: 200 }, (_, i) => `k${j * 200 + i}`);
        batches.push(input(ks.map(() => j), ks, ks.map((_, i) => i)));
      }
      const out = runSync(batches, { by: 'k', aggs: { s: sum('v') }, expireAfter: 2, onExpire: (c) => (expired += c) });
      expect(out.reduce((m, b) => m + b.numRows, 0)).toBe(100_000);
      expect(expired).toBe(100_000 - 3 * 200);
      expect(largest()).toBeLessThan(2_000);
    } finally {
      restore();
    }
  });
});

