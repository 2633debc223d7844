import { describe, expect, it } from 'vitest';
import { map } from 'rxjs';
import type { RecordBatch } from 'apache-arrow';
import fc from 'fast-check';
import { type ScanByKeyOptions, isValid, scanByKey } from '../../operators/scanByKey';
import { batch, split } from '../../src/testing/builders';
import type { SchemaSpec } from '../../src/testing/schema';
import { toColumns } from '../../src/testing/read';
import { expectParity } from '../../src/testing/parity';
import { marbleTest } from '../../src/testing/marbles';
import { ExpressionError, InvalidOptionError, MissingColumnError, TimeOrderError } from '../../src/errors';
import { fromPolars, pl, toPolars } from '../helpers/polars';
import { errorOf, runOperator } from '../helpers/run';
import { soak, soakSeed } from '../helpers/soak';

const T: SchemaSpec = { ts: 'timestamp[ms]', k: 'utf8', px: 'float64' };
const trades = (ts: number[], k: (string | null)[], px: (number | null)[], schema = T) => batch({ ts, k, px }, schema);

type DD = ScanByKeyOptions<{ peak: 'float64' }, { dd: 'float64' }>;
/** The doc example: drawdown from the running peak per key; a null price gives a null drawdown. */
const drawdown = (extra: Partial<DD> = {}): DD => ({
  by: 'k',
  state: { peak: 'float64' },
  init: { peak: -Infinity },
  columns: { dd: 'float64' },
  reduce({ n, slots, columns, state: { peak }, out: { dd }, valid }) {
    const px = columns.px;
    const v = px.values as Float64Array;
    for (let i = 0; i < n; i++) {
      if (!isValid(px, i)) {
        valid.dd[i] = 0;
        continue;
      }
      const s = slots[i];
      if (v[i] > peak[s]) peak[s] = v[i];
      dd[i] = v[i] / peak[s] - 1;
    }
  },
  ...extra,
});

/** A per-key row counter (int32 state and output). */
const counter = (extra: Partial<ScanByKeyOptions<{ c: 'int32' }, { n: 'int32' }>> = {}): ScanByKeyOptions<{ c: 'int32' }, { n: 'int32' }> => ({
  by: 'k',
  state: { c: 'int32' },
  columns: { n: 'int32' },
  reduce({ n, slots, state: { c }, out }) {
    for (let i = 0; i < n; i++) out.n[i] = ++c[slots[i]];
  },
  ...extra,
});

const runSync = (input: RecordBatch | RecordBatch[], op: ReturnType<typeof scanByKey>): RecordBatch[] => runOperator(op, input);

describe('scanByKey', () => {
  it('the doc example: per-key drawdown from the running peak, state across batches', () => {
    const a = trades([1, 2, 3], ['x', 'y', 'x'], [10, 5, 8]);
    const b = trades([4], ['x'], [12]);
    const out = runSync([a, b], scanByKey(drawdown()));
    expect(out.map((x) => toColumns(x))).toEqual([
      { ts: [1n, 2n, 3n], k: ['x', 'y', 'x'], px: [10, 5, 8], dd: [0, 0, 8 / 10 - 1] },
      { ts: [4n], k: ['x'], px: [12], dd: [0] },
    ]);
    expect(out[0].schema).toBe(out[1].schema);
    expect(out[0].schema.fields.map((f) => [f.name, String(f.type), f.nullable])).toEqual([
      ['ts', 'Timestamp<MILLISECOND>', true],
      ['k', 'Utf8', true],
      ['px', 'Float64', true],
      ['dd', 'Float64', true],
    ]);
    // input columns pass through zero-copy
    expect(out[0].data.children[2]).toBe(a.data.children[2]);
  });

  it('a per-key counter; null keys are one group; null values are the reducer’s business', () => {
    const a = trades([1, 2, 3, 4, 5], ['x', null, 'x', null, 'y'], [1, null, 3, 4, null]);
    expect(toColumns(runSync(a, scanByKey(counter())))).toMatchObject({ n: [1, 1, 2, 2, 1] });
    expect(toColumns(runSync(a, scanByKey(drawdown()))).dd).toEqual([0, null, 0, 0, null]);
  });

  it('reducer context: time, columns (slices re-based, Bool bits with offset), every state and output type', () => {
    const S: SchemaSpec = { ts: 'timestamp[ms]', k: 'dictionary', q: 'int64', f: 'bool', s: 'utf8' };
    const whole = batch({ ts: [1, 2, 3, 4, 5], k: ['a', 'b', 'a', 'b', 'a'], q: [1n, 2n, 3n, 4n, 5n], f: [true, false, true, null, true], s: ['u', 'v', 'w', 'x', 'y'] }, S);
    const seen: string[] = [];
    const op = scanByKey({
      by: 'k',
      state: { sum: 'int64', flips: 'uint8' },
      init: { sum: 100n },
      columns: { sum: 'int64', on: 'bool', q: 'float32' },
      reduce(ctx) {
        const { n, slots, time, columns, state, out, valid } = ctx;
        seen.push(Object.keys(columns).sort().join(','));
        const q = columns.q.values as BigInt64Array;
        const f = columns.f;
        for (let i = 0; i < n; i++) {
          const s = slots[i];
          state.sum[s] += q[i];
          out.sum[i] = state.sum[s];
          const p = f.offset + i;
          if (!isValid(f, i)) valid.on[i] = 0;
          else out.on[i] = ((f.values as Uint8Array)[p >> 3] >> (p & 7)) & 1;
          out.q[i] = Number(time[i]) / 1e6;
        }
      },
    });
    const out = runSync([whole.slice(0, 2), whole.slice(2, 5), whole.slice(5, 5)], op);
    expect(seen[0]).toBe('f,k,q,ts');
    expect(toColumns(out)).toEqual({
      ts: [1n, 2n, 3n, 4n, 5n],
      k: ['a', 'b', 'a', 'b', 'a'],
      q: [1, 2, 3, 4, 5], // replaced in place by the float32 output
      f: [true, false, true, null, true],
      s: ['u', 'v', 'w', 'x', 'y'],
      sum: [101n, 102n, 104n, 106n, 109n],
      on: [true, false, true, null, true],
    });
    expect(out[2].numRows).toBe(0);
  });

  it('expiry: a key not seen for more than expireAfter starts again from init; counted', () => {
    const counts: number[] = [];
    const a = trades([0, 5, 10, 21, 22], ['x', 'y', 'x', 'x', 'y'], [1, 1, 1, 1, 1]);
    const out = runSync(split(a, [2, 4]), scanByKey(counter({ expireAfter: 10, onExpire: (n) => counts.push(n) })));
    expect(toColumns(out).n).toEqual([1, 1, 2, 1, 1]);
    // after the batch [10, 21]: x expired at 21 (its gap 11), y is 16 behind 21 → both in that batch
    expect(counts).toEqual([2]);
  });

  it('expiry keeps memory bounded over many distinct keys, and a returning key starts fresh', () => {
    const batches: RecordBatch[] = [];
    for (let j = 0; j < 200; j++) {
      const ks = Array.from({ length: 50 }, (_, i) => `k${j * 50 + i}`);
      batches.push(trades([...ks.map(() => j * 10), j * 10], [...ks, 'hot'], [...ks.map(() => 1), 1]));
    }
    batches.push(trades([5000, 5000], ['k0', 'hot'], [1, 1]));
    let maxState = 0;
    let expired = 0;
    const out = runSync(
      batches,
      scanByKey({
        ...counter({ expireAfter: 30, onExpire: (n) => (expired += n) }),
        reduce({ n, slots, state: { c }, out }) {
          maxState = Math.max(maxState, c.length);
          for (let i = 0; i < n; i++) out.n[i] = ++c[slots[i]];
        },
      }),
    );
    const last = toColumns(out[out.length - 1]).n;
    expect(last).toEqual([1, 1]); // k0 came back after 5 s; hot last seen at 1990
    expect(toColumns(out[out.length - 2]).n.slice(-1)).toEqual([200]);
    expect(maxState).toBeLessThan(1024);
    expect(expired).toBe(200 * 50 + 1);
  });

  it('marbles: one output per input batch; errors (reducer throws too) and unsubscription propagate', () => {
    marbleTest(({ cold, expectObservable, expectSubscriptions }) => {
      const a = trades([1, 2], ['x', 'x'], [1, 2]);
      const b = trades([3], ['x'], [3]);
      const src = cold('-a--b-|', { a, b });
      expectObservable(src.pipe(scanByKey(counter()), map((x) => toColumns(x).n.join(',')))).toBe('-a--b-|', { a: '1,2', b: '3' });
      expectSubscriptions(src.subscriptions).toBe('^-----!');
      const boom = scanByKey({
        ...counter(),
        reduce() {
          throw new ExpressionError('boom');
        },
      });
      expectObservable(cold('-a-', { a }).pipe(boom)).toBe('-#', undefined, new ExpressionError('boom'));
      const never = cold('-a-b-', { a, b });
      expectObservable(never.pipe(scanByKey(counter()), map((x) => x.numRows)), '--!').toBe('-a', { a: 2 });
      expectSubscriptions(never.subscriptions).toBe('^-!');
      expectObservable(cold<RecordBatch>('|').pipe(scanByKey(counter()))).toBe('|');
    });
  });

  it('identical output for any batch split, cycle, delivery order and live (expectParity), with and without expiry', async () => {
    const arb = fc.record({
      dts: fc.array(fc.integer({ min: 0, max: 900 }), { minLength: 5, maxLength: 40 }),
      ks: fc.array(fc.option(fc.constantFrom('a', 'b', 'c'), { freq: 6 }), { minLength: 40, maxLength: 40 }),
      px: fc.array(fc.option(fc.double({ min: 1, max: 100, noNaN: true }), { freq: 6 }), { minLength: 40, maxLength: 40 }),
      expireAfter: fc.constantFrom(undefined, 0, 1000),
    });
    for (const c of fc.sample(arb, { numRuns: soak(8), seed: soakSeed(3) })) {
      let t = 0;
      const ts = c.dts.map((d) => (t += d % 3 === 0 ? 0 : d));
      const q = trades(ts, c.ks.slice(0, ts.length), c.px.slice(0, ts.length), { ...T, k: 'dictionary' });
      const extra = c.expireAfter !== undefined ? { expireAfter: c.expireAfter } : {};
      await expectParity(({ q }) => q.pipe(scanByKey(drawdown(extra)), scanByKey(counter(extra))), { q }, { runs: soak(10) });
    }
  });

  it('errors: options, unknown or bad columns, unsorted time', () => {
    expect(errorOf(() => scanByKey(undefined as never))).toBeInstanceOf(InvalidOptionError);
    expect(errorOf(() => scanByKey({ ...counter(), by: [] }))).toMatchObject({ option: 'by' });
    expect(errorOf(() => scanByKey({ ...counter(), reduce: 1 as never }))).toMatchObject({ option: 'reduce' });
    expect(errorOf(() => scanByKey({ ...counter(), state: { c: 'int31' as 'int32' } }))).toMatchObject({ option: 'state' });
    expect(errorOf(() => scanByKey({ ...counter(), columns: {} as { n: 'int32' } }))).toMatchObject({ option: 'columns' });
    expect(errorOf(() => scanByKey({ ...counter(), init: { d: 1 } as never }))).toMatchObject({ option: 'init' });
    expect(errorOf(() => scanByKey({ ...counter(), init: { c: 1n } as never }))).toMatchObject({ option: 'init' });
    expect(errorOf(() => scanByKey({ ...counter(), expireAfter: -1 }))).toMatchObject({ option: 'expireAfter' });
    const e = errorOf(() => runSync(trades([1], ['a'], [1]), scanByKey({ ...counter(), by: 'sym' })));
    expect(e).toBeInstanceOf(MissingColumnError);
    expect(e).toMatchObject({ input: 'source', column: 'sym' });
    const e2 = errorOf(() => runSync([trades([2], ['a'], [1]), trades([1], ['a'], [1])], scanByKey(counter())));
    expect(e2).toBeInstanceOf(TimeOrderError);
    expect(e2).toMatchObject({ row: 1, column: 'ts' });
  });
});

describe('scanByKey against nodejs-polars (oracle)', () => {
  it('drawdown = px / cum_max(px).over(k) - 1 on random data with nulls and any split', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.integer({ min: 0, max: 3 }), fc.option(fc.constantFrom('a', 'b', 'c'), { freq: 5 }), fc.option(fc.integer({ min: 1, max: 1000 }), { freq: 6 })),
          { minLength: 1, maxLength: 60 },
        ),
        fc.array(fc.integer({ min: 1, max: 60 }), { maxLength: 4 }),
        (rows, cuts) => {
          let t = 0;
          const b = trades(
            rows.map(([d]) => (t += d)),
            rows.map((r) => r[1]),
            rows.map((r) => (r[2] === null ? null : r[2] / 8)),
          );
          const got = toColumns(runSync(split(b, cuts.map((c) => c % rows.length).filter((c) => c > 0).sort((x, y) => x - y)), scanByKey(drawdown())));
          const want = toColumns(fromPolars(toPolars(b).withColumns(pl.col('px').div(pl.col('px').cumMax().over('k')).minus(1).alias('dd'))));
          expect(got.dd).toEqual(want.dd);
        },
      ),
      { numRuns: soak(60) },
    );
  });
});

