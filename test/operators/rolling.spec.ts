import { describe, expect, it, vi } from 'vitest';
import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { RecordBatch } from 'apache-arrow';
import fc from 'fast-check';
import { type RollingOptions, rolling } from '../../operators/rolling';
import { RowWindowState, TimeWindowState } from '../../operators/internal/window-state';
import { type AggOp, count, first, last, max, mean, min, std, sum, variance } from '../../src/aggs/agg';
import { batch, split } from '../../src/testing/builders';
import type { SchemaSpec } from '../../src/testing/schema';
import { toColumns } from '../../src/testing/read';
import { expectParity } from '../../src/testing/parity';
import { replay } from '../../src/time/replay';
import { ColumnTypeError, InvalidOptionError, MissingColumnError, NullTimeError, TimeOrderError } from '../../src/errors';
import { closeTo, reference, type RefRow } from '../aggs/reference';
import { lifetimes, manyKeysCase, watchStores, randomCase } from '../helpers/keyed';
import { errorOf, runOperator } from '../helpers/run';
import { withColumns } from '../../operators/withColumns';
import { col as ecol } from '../../src/expr';
import { soak, soakSeed, soakSeeds } from '../helpers/soak';

const S: SchemaSpec = { ts: 'timestamp[ms]', k: 'utf8', v: 'float64' };
const input = (ts: number[], k: (string | null)[], v: (number | null)[], schema = S) => batch({ ts, k, v }, schema);

const runSync = (b: RecordBatch | RecordBatch[], options: RollingOptions): RecordBatch[] => runOperator(rolling(options), b);
const col = (b: RecordBatch | RecordBatch[], options: RollingOptions, name: string) => toColumns([runSync(b, options)].flat())[name];
const OPS: readonly AggOp[] = ['sum', 'mean', 'min', 'max', 'count', 'std', 'var', 'first', 'last'];
const aggOf = (op: AggOp, c = 'v') => ({ op, column: c });

describe('rolling', () => {
  it('time window closed on the right: (t - window, t], per key, appended as Float64 columns', () => {
    const b = input([0, 1000, 2000, 2500, 3000], ['x', 'x', 'y', 'x', 'x'], [1, 2, 10, 4, 8]);
    const out = runSync(b, { by: 'k', window: 2000, aggs: { s: sum('v'), n: count() } });
    expect(toColumns(out)).toEqual({
      ts: [0n, 1000n, 2000n, 2500n, 3000n],
      k: ['x', 'x', 'y', 'x', 'x'],
      v: [1, 2, 10, 4, 8],
      // at 2500: (500, 2500] drops the row at 0; at 3000: (1000, 3000] drops the row at 1000 (closed left end)
      s: [1, 3, 10, 6, 12],
      n: [1, 2, 1, 2, 2],
    });
    expect(out[0].schema.fields.slice(3).map((f) => [f.name, String(f.type), f.nullable])).toEqual([
      ['s', 'Float64', true],
      ['n', 'Float64', true],
    ]);
  });

  it('the window takes ms, bigint ns or a date-fns Duration', () => {
    const b = input([0, 1000, 61_000, 61_500], ['x', 'x', 'x', 'x'], [1, 2, 3, 4]);
    const expected = [1, 3, 3, 7]; // at 61 000: (1000, 61 000] excludes the row at 1000
    expect(col(b, { by: 'k', window: 60_000, aggs: { s: sum('v') } }, 's')).toEqual(expected);
    expect(col(b, { by: 'k', window: 60_000_000_000n, aggs: { s: sum('v') } }, 's')).toEqual(expected);
    expect(col(b, { by: 'k', window: { minutes: 1 }, aggs: { s: sum('v') } }, 's')).toEqual(expected);
  });

  it("pandas' documented examples (DataFrame.rolling)", () => {
    // df = pd.DataFrame({'B': [0, 1, 2, np.nan, 4]})
    const B = [0, 1, 2, null, 4];
    const idx = [0, 1, 2, 3, 4].map((i) => i * 1000);
    const b = input(idx, B.map(() => 'a'), B);
    // df.rolling(2).sum() → NaN, 1, 3, NaN, NaN
    expect(col(b, { window: { rows: 2 }, aggs: { s: sum('v') } }, 's')).toEqual([null, 1, 3, null, null]);
    // df.rolling(2, min_periods=1).sum() → 0, 1, 3, 2, 4
    expect(col(b, { window: { rows: 2 }, minPeriods: 1, aggs: { s: sum('v') } }, 's')).toEqual([0, 1, 3, 2, 4]);
    // df_time index 09:00:00, :02, :03, :05, :06; df_time.rolling('2s').sum() → 0, 1, 3, NaN, 4
    const t0 = Date.UTC(2013, 0, 1, 9);
    const bt = input([0, 2, 3, 5, 6].map((s) => t0 + s * 1000), B.map(() => 'a'), B);
    expect(col(bt, { window: { seconds: 2 }, aggs: { s: sum('v') } }, 's')).toEqual([0, 1, 3, null, 4]);
    // user guide, "Rolling window endpoints": x = 1 at :01, :02, :03, :04, :06; rolling('2s', closed='right').sum() → 1, 2, 2, 2, 1
    const be = input([1, 2, 3, 4, 6].map((s) => t0 + s * 1000), ['a', 'a', 'a', 'a', 'a'], [1, 1, 1, 1, 1]);
    expect(col(be, { window: 2000, aggs: { s: sum('v') } }, 's')).toEqual([1, 2, 2, 2, 1]);
  });

  it('equal timestamps: a row sees the earlier rows of its time and itself, never the later ones (pandas, not polars)', () => {
    const b = input([0, 5, 5, 5, 9], ['a', 'a', 'b', 'a', 'a'], [1, 2, 100, 3, 4]);
    const opts = (window: RollingOptions['window']): RollingOptions => ({ by: 'k', window, aggs: { s: sum('v'), hi: max('v'), l: last('v'), n: count() } });
    const out = toColumns(runSync(b, opts(5)));
    // rows at 5 (key a): (0, 5] → 2, then 2 + 3; the row at 9: (4, 9] → 2 + 3 + 4. polars would give 5 to both rows at 5.
    expect(out.s).toEqual([1, 2, 100, 5, 9]);
    expect(out.hi).toEqual([1, 2, 100, 3, 4]);
    expect(out.l).toEqual([1, 2, 100, 3, 4]);
    expect(out.n).toEqual([1, 1, 1, 2, 3]);
    // any split of the ties over batches gives the same rows
    for (const cuts of [[1], [2], [3], [1, 2, 3, 4]]) expect(toColumns(runSync(split(b, cuts), opts(5)))).toEqual(out);
    // a window of 1 ns holds the rows of one instant only
    expect(col(b, opts(1n), 's')).toEqual([1, 2, 100, 5, 4]);
  });

  it('row windows: the last n rows of the key; minPeriods defaults to n', () => {
    const b = input([0, 1, 2, 3, 4, 5], ['a', 'b', 'a', 'a', 'b', 'a'], [1, 10, 2, 3, 20, 4]);
    expect(col(b, { by: 'k', window: { rows: 2 }, aggs: { m: mean('v') } }, 'm')).toEqual([null, null, 1.5, 2.5, 15, 3.5]);
    expect(col(b, { by: 'k', window: { rows: 3 }, minPeriods: 1, aggs: { lo: min('v') } }, 'lo')).toEqual([1, 10, 1, 1, 10, 2]);
    expect(col(b, { by: 'k', window: { rows: 1 }, aggs: { f: first('v') } }, 'f')).toEqual([1, 10, 2, 3, 20, 4]);
  });

  it('nulls are skipped; minPeriods counts non-null values; a window of only nulls is null (sum 0 with minPeriods 0)', () => {
    const b = input([0, 1, 2, 3, 4], ['a', 'a', 'a', 'a', 'a'], [null, 2, null, null, null]);
    const aggs = { s: sum('v'), m: mean('v'), c: count('v'), n: count(), f: first('v'), l: last('v'), lo: min('v'), sd: std('v') };
    const out = toColumns(runSync(b, { window: 3, aggs }));
    expect(out.s).toEqual([null, 2, 2, 2, null]);
    expect(out.m).toEqual([null, 2, 2, 2, null]);
    expect(out.c).toEqual([null, 1, 1, 1, null]);
    expect(out.n).toEqual([1, 2, 3, 3, 3]);
    expect(out.f).toEqual([null, 2, 2, 2, null]);
    expect(out.l).toEqual([null, 2, 2, 2, null]);
    expect(out.lo).toEqual([null, 2, 2, 2, null]);
    expect(out.sd).toEqual([null, null, null, null, null]);
    const zero = toColumns(runSync(b, { window: 3, minPeriods: 0, aggs }));
    expect(zero.s).toEqual([0, 2, 2, 2, 0]);
    expect(zero.c).toEqual([0, 1, 1, 1, 0]);
    expect(zero.m).toEqual([null, 2, 2, 2, null]);
    const two = toColumns(runSync(input([0, 1, 2], ['a', 'a', 'a'], [1, null, 3]), { window: 10, minPeriods: 2, aggs: { s: sum('v') } }));
    expect(two.s).toEqual([null, null, 4]);
  });

  it('null keys form their own group', () => {
    const b = input([0, 1, 2, 3], [null, 'a', null, 'a'], [1, 2, 3, 4]);
    expect(col(b, { by: 'k', window: 100, aggs: { s: sum('v') } }, 's')).toEqual([1, 2, 4, 6]);
    expect(col(b, { by: 'k', window: { rows: 5 }, minPeriods: 1, aggs: { s: sum('v') } }, 's')).toEqual([1, 2, 4, 6]);
  });

  it('NaN is a value: the result is NaN while it is in the window, and recovers after it leaves', () => {
    const b = input([0, 1, 2, 3, 4], ['a', 'a', 'a', 'a', 'a'], [1, NaN, 2, Infinity, 3]);
    const aggs = { s: sum('v'), hi: max('v'), lo: min('v'), sd: std('v'), c: count('v'), f: first('v') };
    const out = toColumns(runSync(b, { window: 2, aggs }));
    expect(out.s).toEqual([1, NaN, NaN, Infinity, Infinity]);
    expect(out.hi).toEqual([1, NaN, NaN, Infinity, Infinity]);
    expect(out.lo).toEqual([1, NaN, NaN, 2, 3]);
    expect(out.sd).toEqual([null, NaN, NaN, NaN, NaN]);
    expect(out.c).toEqual([1, 2, 2, 2, 2]);
    expect(out.f).toEqual([1, 1, NaN, 2, Infinity]);
    const rows = toColumns(runSync(b, { window: { rows: 2 }, minPeriods: 1, aggs }));
    expect(rows.s).toEqual(out.s);
    expect(rows.lo).toEqual(out.lo);
    expect(rows.sd).toEqual(out.sd);
    // -Inf and +Inf together: NaN
    expect(col(input([0, 1, 2], ['a', 'a', 'a'], [-Infinity, Infinity, 1]), { window: 2, aggs: { s: sum('v') } }, 's')).toEqual([-Infinity, NaN, Infinity]);
  });

  it('std and var (ddof = 1) stay accurate far from zero (Welford add/remove)', () => {
    const n = 2000;
    const ts = Array.from({ length: n }, (_, i) => i);
    const v = ts.map((i) => 1e9 + ((i * 7919) % 13) * 0.01);
    const out = toColumns(runSync(input(ts, ts.map(() => 'a'), v), { window: 50, aggs: { sd: std('v'), vr: variance('v') } }));
    const sd = out.sd as number[];
    for (const i of [49, 500, 1999]) {
      const w = v.slice(i - 49, i + 1);
      const mu = w.reduce((a, b) => a + b, 0) / w.length;
      const two = w.reduce((a, b) => a + (b - mu) ** 2, 0) / (w.length - 1);
      expect(sd[i]).toBeCloseTo(Math.sqrt(two), 6);
      expect(out.vr[i]).toBeCloseTo(two, 6);
    }
  });

  it('matches a from-scratch reference on random data: every aggregation, time and row windows, ties, nulls, null keys', () => {
    const rowArb = fc.record({ dt: fc.constantFrom(0, 0, 1, 2, 3, 7), k: fc.constantFrom('a', 'b', 'c', null), v: fc.option(fc.integer({ min: -50, max: 50 }), { freq: 4 }) });
    fc.assert(
      fc.property(
        fc.array(rowArb, { minLength: 1, maxLength: 40 }),
        fc.constantFrom(1, 3, 8, 20),
        fc.constantFrom(1, 2, 5),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 39 }),
        (spec, win, rowsN, mp, cut) => {
          let t = 0;
          const rows: RefRow[] = spec.map((r) => ({ t: (t += r.dt), k: r.k, v: r.v === null ? null : r.v / 4 }));
          const b = input(rows.map((r) => r.t), rows.map((r) => r.k), rows.map((r) => r.v));
          const parts = split(b, [cut % rows.length].filter((c) => c > 0));
          const aggs = Object.fromEntries([...OPS.map((op) => [op, aggOf(op)]), ['rows', count()]]);
          const timeOut = toColumns(runSync(parts, { by: 'k', window: win, minPeriods: mp, aggs }));
          const m = Math.min(mp, rowsN);
          const rowOut = toColumns(runSync(parts, { by: 'k', window: { rows: rowsN }, minPeriods: m, aggs }));
          for (const op of OPS) {
            expect(closeTo(timeOut[op] as (number | null)[], reference(rows, op, { kind: 'time', window: win }, mp)), `time ${op}`).toBe(true);
            expect(closeTo(rowOut[op] as (number | null)[], reference(rows, op, { kind: 'rows', rows: rowsN }, m)), `rows ${op}`).toBe(true);
          }
          expect(timeOut.rows).toEqual(reference(rows, 'count', { kind: 'time', window: win }, mp, true));
          expect(rowOut.rows).toEqual(reference(rows, 'count', { kind: 'rows', rows: rowsN }, m, true));
        },
      ),
      { numRuns: soak(120) },
    );
  });

  it('the time ring grows and wraps around across batches (thousands of rows in the window)', () => {
    const n = 3000;
    const ts = Array.from({ length: n }, (_, i) => i * 2);
    const k = ts.map((_, i) => ['a', 'b', 'c'][(i * 7) % 3]);
    const v = ts.map((_, i) => (i % 11 === 0 ? null : ((i * 37) % 101) - 50));
    const b = input(ts, k, v);
    const rows: RefRow[] = ts.map((t, i) => ({ t, k: k[i], v: v[i] }));
    const opts: RollingOptions = { by: 'k', window: 2900, aggs: { s: sum('v'), hi: max('v'), f: first('v') } };
    const out = toColumns(runSync(split(b, [700, 1400, 1401, 2100]), opts));
    expect(out.s).toEqual(reference(rows, 'sum', { kind: 'time', window: 2900 }));
    expect(out.hi).toEqual(reference(rows, 'max', { kind: 'time', window: 2900 }));
    expect(out.f).toEqual(reference(rows, 'first', { kind: 'time', window: 2900 }));
  });

  it('wide row windows: the per-key pools grow by doubling as keys arrive', () => {
    const n = 1200;
    const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
    const ts = Array.from({ length: n }, (_, i) => i);
    const k = ts.map((i) => keys[(i * i) % 40]);
    const v = ts.map((i) => (i % 13 === 0 ? null : (i * 17) % 29));
    const rows: RefRow[] = ts.map((t, i) => ({ t, k: k[i], v: v[i] }));
    const out = toColumns(runSync(split(input(ts, k, v), [300, 600]), { by: 'k', window: { rows: 100 }, minPeriods: 3, aggs: { s: sum('v'), lo: min('v'), l: last('v') } }));
    expect(out.s).toEqual(reference(rows, 'sum', { kind: 'rows', rows: 100 }, 3));
    expect(out.lo).toEqual(reference(rows, 'min', { kind: 'rows', rows: 100 }, 3));
    expect(out.l).toEqual(reference(rows, 'last', { kind: 'rows', rows: 100 }, 3));
  });

  it('state across batches, sliced batches (offset ≠ 0), empty batches, dictionary and integer keys, integer values', () => {
    const D: SchemaSpec = { ts: 'timestamp[ms]', k: 'dictionary', v: 'int32' };
    const whole = input([0, 1, 2, 3, 4, 5, 6], ['a', 'b', null, 'a', 'b', 'a', 'b'], [1, 2, 3, null, 5, 6, 7], D);
    const sliced = whole.slice(1, 7);
    const empty = input([], [], [], D);
    const opts: RollingOptions = { by: 'k', window: 4, aggs: { s: sum('v'), lo: min('v') } };
    const once = toColumns(runSync(sliced, opts));
    expect(once.s).toEqual([2, 3, null, 7, 6, 12]);
    expect(once.lo).toEqual([2, 3, null, 2, 6, 5]);
    expect(toColumns(runSync([empty, ...split(sliced, [1, 3]), empty], opts))).toEqual(once);
    const I: SchemaSpec = { ts: 'timestamp[ms]', k: 'int64', v: 'uint8' };
    const ints = batch({ ts: [0, 1, 2], k: [7n, 8n, 7n], v: [1, 2, 3] }, I);
    expect(col(ints, { by: 'k', window: { rows: 2 }, minPeriods: 1, aggs: { s: sum('v') } }, 's')).toEqual([1, 2, 4]);
    // two key columns
    const two = batch({ ts: [0, 1, 2], a: ['x', 'x', 'x'], b: [1, 2, 1], v: [1, 2, 3] }, { ts: 'timestamp[ms]', a: 'utf8', b: 'int32', v: 'float64' });
    expect(col(two, { by: ['a', 'b'], window: 10, aggs: { s: sum('v') } }, 's')).toEqual([1, 2, 4]);
  });

  it('keeps one Schema object for every output batch, and the input columns zero-copy', () => {
    const b = input([0, 1, 2, 3], ['a', 'a', 'b', 'a'], [1, 2, 3, 4]);
    const out = runSync(split(b, [1, 2]), { by: 'k', window: 10, aggs: { s: sum('v') } });
    expect(new Set(out.map((x) => x.schema)).size).toBe(1);
    expect(out[2].data.children[2].values.buffer).toBe(b.data.children[2].values.buffer);
  });

  it('marbles: one output batch per input batch, errors and completion pass through, unsubscription chains hold', () => {
    const ts = new TestScheduler((a, e) => expect(a).toEqual(e));
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const src = cold('-a--b-|', { a: input([0, 1], ['x', 'x'], [1, 2]), b: input([5], ['x'], [4]) });
      const out = src.pipe(rolling({ by: 'k', window: 5, aggs: { s: sum('v') } }), map((x) => JSON.stringify(toColumns(x).s)));
      expectObservable(out).toBe('-a--b-|', { a: '[1,3]', b: '[6]' });
      expectSubscriptions(src.subscriptions).toBe('^-----!');
      expectObservable(cold<RecordBatch>('|').pipe(rolling({ window: 1, aggs: { s: sum('v') } }))).toBe('|');
      expectObservable(cold<RecordBatch>('-#').pipe(rolling({ window: 1, aggs: { s: sum('v') } }))).toBe('-#');
      const long = cold('-a---', { a: input([0], ['x'], [1]) });
      expectObservable(long.pipe(rolling({ window: 1, aggs: { s: sum('v') } }), map((x) => x.numRows)), '--!').toBe('-1', { 1: 1 });
      expectSubscriptions(long.subscriptions).toBe('^-!');
    });
  });

  it('identical output for any batch split, cycle, and live (expectParity)', async () => {
    const arb = fc.record({
      dt: fc.array(fc.constantFrom(0, 1, 200, 900, 1500), { minLength: 8, maxLength: 30 }),
      k: fc.array(fc.constantFrom('a', 'b', null), { minLength: 30, maxLength: 30 }),
      v: fc.array(fc.option(fc.integer({ min: -9, max: 9 }), { freq: 5 }), { minLength: 30, maxLength: 30 }),
      rowsWindow: fc.boolean(),
    });
    for (const c of fc.sample(arb, { numRuns: soak(6), seed: soakSeed(11) })) {
      let t = 0;
      const ts = c.dt.map((d) => (t += d));
      const b = input(ts, c.k.slice(0, ts.length), c.v.slice(0, ts.length), { ...S, k: 'dictionary' });
      const opts: RollingOptions = {
        by: 'k',
        window: c.rowsWindow ? { rows: 3 } : 2000,
        aggs: { s: sum('v'), m: mean('v'), hi: max('v'), f: first('v'), sd: std('v'), n: count(), sq: sum(ecol('v').mul(ecol('v'))) },
      };
      await expectParity(({ src }) => src.pipe(rolling(opts)), { src: b }, { runs: soak(8) });
    }
  });

  it("inside a replay, the time column defaults to the run's", async () => {
    const b = batch({ at: [0, 1000, 3000], v: [1, 2, 3] }, { at: 'timestamp[ms]', v: 'float64' });
    const out = await replay(({ b }) => b.pipe(rolling({ window: 2000, aggs: { s: sum('v') } })), { b }, { time: 'at' });
    expect(toColumns(out).s).toEqual([1, 3, 3]);
  });

  it('aggregations over expressions equal withColumns then the aggregation of that column (time and row windows, any split)', () => {
    const X: SchemaSpec = { ts: 'timestamp[ms]', k: 'utf8', p: 'float64', q: 'int32' };
    const rowArb = fc.record({
      dt: fc.constantFrom(0, 1, 400, 1500),
      k: fc.constantFrom('a', 'b', null),
      p: fc.option(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { freq: 6 }),
      q: fc.option(fc.integer({ min: -50, max: 50 }), { freq: 6 }),
    });
    const e = ecol('p').mul(ecol('q'));
    const over = (x: string | typeof e) => Object.fromEntries(OPS.map((op) => [op, { sum, mean, min, max, count, std, var: variance, first, last }[op](x as never)]));
    fc.assert(
      fc.property(fc.array(rowArb, { minLength: 1, maxLength: 40 }), fc.array(fc.integer({ min: 1, max: 39 }), { maxLength: 4 }), fc.boolean(), (rows, cuts, byRows) => {
        let t = 0;
        const b = batch({ ts: rows.map((r) => (t += r.dt)), k: rows.map((r) => r.k), p: rows.map((r) => r.p), q: rows.map((r) => r.q) }, X);
        const pieces = split(b, [...new Set(cuts.map((c) => c % rows.length))].filter((c) => c > 0).sort((x, y) => x - y));
        const window = byRows ? { rows: 3 } : 2000;
        const direct = toColumns(runSync(pieces, { by: 'k', window, aggs: over(e) }));
        const viaColumn = toColumns(runOperator((src) => src.pipe(withColumns({ e }), rolling({ by: 'k', window, aggs: over('e') })), pieces));
        for (const op of OPS) expect(direct[op], op).toEqual(viaColumn[op]);
      }),
      { numRuns: soak(100) },
    );
  });

  describe('errors', () => {
    it('bad options: window <= 0, bad rows, bad minPeriods, bad aggs, bad by', () => {
      const aggs = { s: sum('v') };
      for (const window of [0, -5, 0n, { minutes: 0 }, { months: 1 }]) {
        expect(errorOf(() => rolling({ window, aggs }))).toMatchObject({ option: 'window' });
      }
      for (const rows of [0, -1, 1.5, NaN]) expect(errorOf(() => rolling({ window: { rows }, aggs }))).toMatchObject({ option: 'window' });
      expect(errorOf(() => rolling({ window: undefined as never, aggs }))).toBeInstanceOf(InvalidOptionError);
      for (const minPeriods of [-1, 0.5, NaN]) expect(errorOf(() => rolling({ window: 5, minPeriods, aggs }))).toMatchObject({ option: 'minPeriods' });
      expect(errorOf(() => rolling({ window: { rows: 3 }, minPeriods: 4, aggs }))).toMatchObject({ option: 'minPeriods' });
      expect(errorOf(() => rolling({ window: 5, aggs: {} }))).toMatchObject({ option: 'aggs' });
      expect(errorOf(() => rolling({ window: 5, aggs: { s: 'sum' as never } }))).toMatchObject({ option: 'aggs' });
      expect(errorOf(() => rolling({ window: 5, aggs: { s: { op: 'median', column: 'v' } as never } }))).toMatchObject({ option: 'aggs' });
      expect(errorOf(() => rolling({ window: 5, by: 3 as never, aggs }))).toMatchObject({ option: 'by' });
      expect(errorOf(() => sum(''))).toMatchObject({ option: 'aggs' });
    });

    it('unknown and non-numeric columns, output names that clash, bad keys', () => {
      const b = input([0], ['a'], [1]);
      const e1 = errorOf(() => runSync(b, { window: 5, aggs: { s: sum('nope') } }));
      expect(e1).toBeInstanceOf(MissingColumnError);
      expect(e1).toMatchObject({ column: 'nope' });
      const e2 = errorOf(() => runSync(b, { window: 5, aggs: { s: mean('k') } }));
      expect(e2).toBeInstanceOf(ColumnTypeError);
      expect(e2).toMatchObject({ column: 'k', actual: 'Utf8' });
      expect(errorOf(() => runSync(b, { window: 5, aggs: { v: sum('v') } }))).toMatchObject({ option: 'aggs', column: 'v' });
      expect(errorOf(() => runSync(b, { window: 5, by: 'missing', aggs: { s: sum('v') } }))).toBeInstanceOf(MissingColumnError);
      expect(errorOf(() => runSync(b, { window: 5, by: 'v', aggs: { s: sum('v') } }))).toBeInstanceOf(ColumnTypeError);
      expect(errorOf(() => runSync(b, { window: 5, on: 'time', aggs: { s: sum('v') } }))).toMatchObject({ column: 'time' });
    });

    it('unsorted or null times name the column and row over the stream', () => {
      const e = errorOf(() => runSync([input([0, 5], ['a', 'a'], [1, 2]), input([4], ['a'], [3])], { window: 5, aggs: { s: sum('v') } }));
      expect(e).toBeInstanceOf(TimeOrderError);
      expect(e).toMatchObject({ column: 'ts', row: 2 });
      const n = errorOf(() => runSync(input([0, null as never], ['a', 'a'], [1, 2]), { window: 5, aggs: { s: sum('v') } }));
      expect(n).toBeInstanceOf(NullTimeError);
      expect(n).toMatchObject({ row: 1 });
    });
  });
});

describe('window state remap (key expiry)', () => {
  const codes = (xs: number[]) => Int32Array.from(xs);
  const column = (xs: number[]) => ({ values: Float64Array.from(xs), validity: null, offset: 0 });
  const values = (d: { values: Float64Array; length: number }) => Array.from(d.values.subarray(0, d.length));

  it('time windows: rows of expired keys leave the ring; the kept keys carry on under their new slots', () => {
    const ops: AggOp[] = ['sum', 'max', 'first', 'last', 'std'];
    const make = () => new TimeWindowState(ops, [0, 0, 0, 0, 0], 1, 10n, 1);
    const a = make();
    const b = make();
    // a: keys 0, 1, 2 (slots 1..3); key 1 expires; key 2 becomes code 1 (slot 2)
    a.grow(4);
    a.run(codes([0, 1, 2, 1, 0, 2]), BigInt64Array.from([0n, 1n, 2n, 3n, 4n, 5n]), 6, [column([1, 100, 5, 200, 2, 7])]);
    a.remap(Int32Array.from([0, 1, -1, 2]), 3);
    expect(a.size).toBe(4);
    // b: the same history without key 1
    b.grow(3);
    b.run(codes([0, 1, 0, 1]), BigInt64Array.from([0n, 2n, 4n, 5n]), 4, [column([1, 5, 2, 7])]);
    const next = (s: TimeWindowState) => s.run(codes([1, 0, 1, 0]), BigInt64Array.from([6n, 11n, 13n, 20n]), 4, [column([3, 4, 6, 1])]).map(values);
    expect(next(a)).toEqual(next(b));
  });

  it('row windows: per-key rings move with their slot', () => {
    const ops: AggOp[] = ['sum', 'min', 'last', 'var'];
    const a = new RowWindowState(ops, 2, 1);
    const b = new RowWindowState(ops, 2, 1);
    a.grow(4);
    const outA: number[][] = [];
    const outB: number[][] = [];
    for (let j = 0; j < ops.length; j++) a.run(j, codes([0, 1, 2, 2, 0]), 5, column([1, 100, 5, 6, 3]));
    a.remap(Int32Array.from([0, 1, -1, 2]), 3);
    b.grow(3);
    for (let j = 0; j < ops.length; j++) b.run(j, codes([0, 1, 1, 0]), 4, column([1, 5, 6, 3]));
    a.grow(4);
    b.grow(4);
    for (let j = 0; j < ops.length; j++) {
      outA.push(values(a.run(j, codes([1, 0, 1, 2]), 4, column([4, 9, 8, 2]))));
      outB.push(values(b.run(j, codes([1, 0, 1, 2]), 4, column([4, 9, 8, 2]))));
    }
    expect(outA).toEqual(outB);
  });
});

describe('rolling key expiry (expireAfter)', () => {
  it('many keys, compacted many times: the same as the rename reference (time and row windows)', () => {
    const { compactions, restore } = watchStores();
    try {
      const c = manyKeysCase(5);
      const aggs = { s: sum('v'), hi: max('v'), f: first('v'), l: last('v'), sd: std('v'), n: count() };
      for (const window of [10, 2, { rows: 3 }]) {
        const o: RollingOptions = { by: 'k', window, aggs, minPeriods: 1 };
        let expired = 0;
        const got = toColumns(runSync(split(input(c.ts, c.k, c.v), c.cuts), { ...o, expireAfter: c.d, onExpire: (x) => (expired += x) }));
        const ref = lifetimes(c.ts, c.k, c.d);
        const want = toColumns(runSync(input(c.ts, ref.renamed, c.v), o));
        for (const name of Object.keys(aggs)) expect(got[name]).toEqual(want[name]);
        expect(expired).toBe(ref.expired);
      }
      expect(compactions()).toBeGreaterThan(5);
    } finally {
      restore();
    }
  });

  it('a key not seen for more than expireAfter starts with an empty window; expiries are counted', () => {
    const counts: number[] = [];
    const b = input([0, 5, 10, 21, 22], ['x', 'y', 'x', 'x', 'y'], [1, 2, 3, 4, 5]);
    // a 100 ms window would still hold x's rows at 0 and 10 at time 21: expiry empties it
    const out = toColumns(runSync(split(b, [2, 4]), { by: 'k', window: 100, aggs: { s: sum('v'), n: count() }, expireAfter: 10, onExpire: (n) => counts.push(n) }));
    expect(out.s).toEqual([1, 2, 4, 4, 5]);
    expect(out.n).toEqual([1, 1, 2, 1, 1]);
    expect(counts).toEqual([2]);
    expect(col(b, { by: 'k', window: 100, aggs: { s: sum('v') } }, 's')).toEqual([1, 2, 4, 8, 7]);
    // row windows too
    expect(col(split(b, [3]), { by: 'k', window: { rows: 3 }, minPeriods: 1, aggs: { s: sum('v') }, expireAfter: 10 }, 's')).toEqual([1, 2, 4, 4, 5]);
    expect(errorOf(() => rolling({ window: 100, aggs: { s: sum('v') }, expireAfter: 10 }))).toMatchObject({ option: 'expireAfter' });
  });

  it('random data, any split: the same as renaming each key at every gap > expireAfter (no expiry); counts agree', () => {
    const aggs = { s: sum('v'), m: mean('v'), hi: max('v'), f: first('v'), l: last('v'), sd: std('v'), n: count() };
    for (const seed of soakSeeds(40)) {
      const c = randomCase(seed);
      const spec = { ...S, k: seed % 2 ? 'dictionary' : 'utf8' } as Record<string, string> as typeof S;
      const window = seed % 3 === 0 ? { rows: 3 } : [4, 30][seed % 2];
      const o: RollingOptions = { by: 'k', window, aggs, minPeriods: 1 };
      let expired = 0;
      const got = toColumns(runSync(split(input(c.ts, c.k, c.v, spec), c.cuts), { ...o, expireAfter: c.d, onExpire: (x) => (expired += x) }));
      const ref = lifetimes(c.ts, c.k, c.d);
      const want = toColumns(runSync(input(c.ts, ref.renamed, c.v, spec), o));
      for (const name of Object.keys(aggs)) expect(got[name]).toEqual(want[name]);
      expect(expired).toBe(ref.expired);
    }
  });

  it('identical output for any batch split, cycle and live with expireAfter (expectParity)', async () => {
    for (const window of [2000, { rows: 3 }]) {
      const c = randomCase(11);
      const b = input(c.ts.map((t) => t * 100), c.k, c.v, { ...S, k: 'dictionary' });
      const opts: RollingOptions = { by: 'k', window, minPeriods: 1, aggs: { s: sum('v'), hi: max('v'), n: count() }, expireAfter: 250 };
      await expectParity(({ src }) => src.pipe(rolling(opts)), { src: b }, { runs: soak(6) });
    }
  });

  it('100 000 keys each seen once: the key dictionary, the state and the window ring stay bounded', () => {
    const { max: largest, restore } = watchStores();
    const run = TimeWindowState.prototype.run;
    let ring = 0;
    const spy = vi.spyOn(TimeWindowState.prototype, 'run').mockImplementation(function (this: TimeWindowState, ...args: Parameters<TimeWindowState['run']>) {
      ring = Math.max(ring, this.size);
      return run.apply(this, args);
    });
    try {
      let expired = 0;
      const batches: RecordBatch[] = [];
      for (let j = 0; j < 500; j++) {
        const ks = Array.from({ length: 200 }, (_, i) => `k${j * 200 + i}`);
        batches.push(input(ks.map(() => j), ks, ks.map((_, i) => i)));
      }
      // a window far longer than expireAfter: the expired keys' rows leave the ring when the store compacts
      const out = runSync(batches, { by: 'k', window: 1_000_000, aggs: { s: sum('v'), hi: max('v') }, expireAfter: 2, onExpire: (c) => (expired += c) });
      expect(out.reduce((m, b) => m + b.numRows, 0)).toBe(100_000);
      expect(expired).toBe(100_000 - 3 * 200);
      expect(largest()).toBeLessThan(2_000);
      expect(ring).toBeLessThan(2_000);
    } finally {
      restore();
      spy.mockRestore();
    }
  });
});

