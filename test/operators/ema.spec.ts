import { describe, expect, it } from 'vitest';
import { map, of } from 'rxjs';
import type { RecordBatch } from 'apache-arrow';
import fc from 'fast-check';
import { ema, EmaState, type EmaOptions } from '../../operators/ema';
import { ffill } from '../../operators/ffill';
import { batch, split } from '../../src/testing/builders';
import type { SchemaSpec } from '../../src/testing/schema';
import { toColumns } from '../../src/testing/read';
import { expectParity } from '../../src/testing/parity';
import { marbleTest } from '../../src/testing/marbles';
import { ColumnTypeError, InvalidOptionError, MissingColumnError, TimeOrderError } from '../../src/errors';
import { fromPolars, pl, toPolars } from '../helpers/polars';
import { lifetimes, manyKeysCase, watchStores, randomCase } from '../helpers/keyed';
import { errorOf, runOperator } from '../helpers/run';
import { soak, soakSeeds } from '../helpers/soak';

const run = (input: RecordBatch | RecordBatch[], options: EmaOptions): RecordBatch[] => runOperator(ema(options), input);
const close = (got: (unknown)[], want: (number | null)[], digits = 6) => {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    if (want[i] === null) expect(g).toBeNull();
    else expect(g as number).toBeCloseTo(want[i]!, digits);
  });
};

const S: SchemaSpec = { ts: 'timestamp[ms]', k: 'utf8', px: 'float64' };
// pandas' documentation frame: B = [0, 1, 2, NaN, 4]
const B = batch({ ts: [0, 1, 2, 3, 4], k: ['a', 'a', 'a', 'a', 'a'], px: [0, 1, 2, null, 4] }, S);
const ema1 = (opts: Omit<EmaOptions, 'columns'>, input: RecordBatch | RecordBatch[] = B) => toColumns(run(input, { columns: { e: 'px' }, ...opts })).e;

describe('ema', () => {
  it('the doc example: per key, across batches, null in → null out', () => {
    const a = batch({ ts: [1, 2], k: ['x', 'x'], px: [1, 2] }, S);
    const b = batch({ ts: [3, 4], k: ['y', 'x'], px: [5, null] }, S);
    const out = run([a, b], { by: 'k', columns: { e: 'px' }, alpha: 0.5 });
    expect(toColumns(out)).toEqual({ ts: [1n, 2n, 3n, 4n], k: ['x', 'x', 'y', 'x'], px: [1, 2, 5, null], e: [1, 2.5 / 1.5, 5, null] });
    expect(out[0].schema.fields.map((f) => `${f.name}:${String(f.type)}:${f.nullable}`)).toEqual(['ts:Timestamp<MILLISECOND>:true', 'k:Utf8:true', 'px:Float64:true', 'e:Float64:true']);
    expect(out[1].schema).toBe(out[0].schema);
  });

  describe("pandas' documented examples (B = [0, 1, 2, NaN, 4]; pandas repeats the mean at NaN rows, weir gives null: ffill gives pandas' values)", () => {
    it('com=0.5 (= alpha 2/3 = span 2), adjust', () => {
      const want = [0, 0.75, 1.615385, null, 3.670213];
      close(ema1({ com: 0.5 }), want);
      close(ema1({ alpha: 2 / 3 }), want);
      close(ema1({ span: 2 }), want);
    });
    it('adjust=False', () => close(ema1({ com: 0.5, adjust: false }), [0, 0.666667, 1.555556, null, 3.650794]));
    it('ignore_na=True', () => close(ema1({ com: 0.5, ignoreNulls: true }), [0, 0.75, 1.615385, null, 3.225]));
    it("halflife='4 days' with times (and ffill gives pandas' row at the NaN)", () => {
      const days = ['2020-01-01', '2020-01-03', '2020-01-10', '2020-01-15', '2020-01-17'];
      const t = batch({ ts: days, k: ['a', 'a', 'a', 'a', 'a'], px: [0, 1, 2, null, 4] }, { ts: 'timestamp[ns]', k: 'utf8', px: 'float64' });
      close(ema1({ halfLife: { days: 4 }, times: true }, t), [0, 0.585786, 1.523889, null, 3.233686]);
      const filled: RecordBatch[] = [];
      of(t)
        .pipe(ema({ columns: { e: 'px' }, halfLife: 4 * 86_400_000, times: true }), ffill({ columns: 'e' }))
        .subscribe((b) => filled.push(b));
      close(toColumns(filled).e, [0, 0.585786, 1.523889, 1.523889, 3.233686]);
    });
    it('halflife in rows: alpha = 1 - exp(-ln 2 / halflife)', () => {
      close(ema1({ halfLife: 1 }), ema1({ alpha: 0.5 }) as number[], 12);
    });
  });

  it('over event time without adjust: mean += (1 - 0.5^(dt / halfLife)) (x - mean); equal times do not decay', () => {
    const t = batch({ ts: [0, 1000, 1000, 3000], k: ['a', 'a', 'a', 'a'], px: [0, 8, 4, 0] }, S);
    const h = 1000;
    const m1 = 0 + 0.5 * 8;
    const m2 = m1; // dt = 0: decay 1, the new value has no weight
    const m3 = 0.25 * m2 + 0.75 * 0;
    close(ema1({ halfLife: h, times: true, adjust: false }, t), [0, m1, m2, m3], 12);
    // with adjust, both values at one time count fully: (1 * 4 + 8) / 2... after the first decay
    const w1 = 0.5;
    const a1 = (w1 * 0 + 8) / (w1 + 1);
    const a2 = ((w1 + 1) * a1 + 4) / (w1 + 2);
    const wt = (w1 + 2) * 0.25;
    const a3 = (wt * a2 + 0) / (wt + 1);
    close(ema1({ halfLife: h, times: true }, t), [0, a1, a2, a3], 12);
  });

  it('minPeriods, integer inputs, several columns, names and in-place replacement', () => {
    const spec: SchemaSpec = { ts: 'timestamp[ms]', k: 'utf8', a: 'int32', b: 'int64', c: 'uint8' };
    const x = batch({ ts: [1, 2, 3, 4], k: ['p', 'p', 'q', 'p'], a: [1, null, 3, 5], b: [10n, 20n, 30n, 40n], c: [1, 2, 3, 4] }, spec);
    const out = toColumns(run(x, { by: 'k', columns: ['a', 'b'], alpha: 0.5, adjust: false, minPeriods: 2 }));
    // p: 1, null (decays the weight: 0.5), 5 → (0.25 * 1 + 0.5 * 5) / 0.75 once two values were seen
    expect(out.a_ema).toEqual([null, null, null, 2.75 / 0.75]);
    expect(out.b_ema).toEqual([null, 15, null, 27.5]);
    const replaced = toColumns(run(x, { by: 'k', columns: { c: 'c' }, alpha: 1 }));
    expect(replaced.c).toEqual([1, 2, 3, 4]);
    expect(Object.keys(replaced)).toEqual(['ts', 'k', 'a', 'b', 'c']);
  });

  it('sliced batches, empty batches and null keys (their own group)', () => {
    const x = batch({ ts: [0, 1, 2, 3, 4, 5], k: [null, 'a', null, 'a', null, null], px: [1, 2, 3, 4, null, 5] }, S);
    const whole = ema1({ by: 'k', alpha: 0.5 }, x);
    expect(ema1({ by: 'k', alpha: 0.5 }, [batch({ ts: [], k: [], px: [] }, S), ...split(x, [1, 4]), batch({ ts: [], k: [], px: [] }, S)])).toEqual(whole);
    close(whole, [1, 2, (0.5 * 1 + 3) / 1.5, (0.5 * 2 + 4) / 1.5, null, (1.5 * 0.25 * ((0.5 * 1 + 3) / 1.5) + 5) / (1.5 * 0.25 + 1)], 12);
  });

  it('marbles and unsubscription', () => {
    marbleTest(({ cold, expectObservable, expectSubscriptions }) => {
      const a = batch({ ts: [1], k: ['x'], px: [2] }, S);
      const b = batch({ ts: [2], k: ['x'], px: [4] }, S);
      const src = cold('-a-b-|', { a, b });
      expectObservable(src.pipe(ema({ columns: 'px', alpha: 0.5, adjust: false }), map((x) => toColumns(x).px_ema[0]))).toBe('-x-y-|', { x: 2, y: 3 });
      expectSubscriptions(src.subscriptions).toBe('^----!');
      const bad = cold('-a-#', { a });
      expectObservable(bad.pipe(ema({ columns: 'px', alpha: 0.5 }), map((x) => x.numRows))).toBe('-n-#', { n: 1 });
      const long = cold('-a-b-', { a, b });
      expectObservable(long.pipe(ema({ columns: 'px', alpha: 0.5 }), map((x) => x.numRows)), '--!').toBe('-n', { n: 1 });
      expectSubscriptions(long.subscriptions).toBe('^-!');
    });
  });

  it('identical output for any batch split, cycle and live (expectParity)', async () => {
    const n = 40;
    const ts = Array.from({ length: n }, (_, i) => Math.floor(i * 41.7));
    const k = Array.from({ length: n }, (_, i) => ['a', 'b', null][(i * 7) % 3]);
    const px = Array.from({ length: n }, (_, i) => (i % 5 === 3 ? null : Math.sin(i) * 10));
    const q = batch({ ts, k, px }, { ts: 'timestamp[ms]', k: 'dictionary', px: 'float64' });
    await expectParity(({ q }) => q.pipe(ema({ by: 'k', columns: { e: 'px' }, alpha: 0.3 })), { q }, { runs: soak(6) });
    await expectParity(({ q }) => q.pipe(ema({ by: 'k', columns: { e: 'px' }, halfLife: 100, times: true, minPeriods: 2 })), { q }, { runs: soak(6) });
  });

  it('EmaState.remap moves kept keys and drops expired ones', () => {
    const x = batch({ ts: [1, 2, 3], k: ['a', 'b', 'c'], px: [1, 2, 3] }, S);
    const state = new EmaState(
      { schema: x.schema, time: { name: 'ts', index: 0, field: x.schema.fields[0], encoding: { kind: 'int64', nsPerUnit: 1_000_000n } }, keyIndices: [1] },
      { by: ['k'], pairs: [['e', 'px']], alpha: 1, halfLifeNs: 0, adjust: false, ignoreNulls: false, minPeriods: 1 },
    );
    state.apply({ batch: x, times: BigInt64Array.of(1n, 2n, 3n), codes: Int32Array.of(0, 1, 2), slots: 4, rowBase: 0 });
    state.remap(Int32Array.of(0, 1, -1, 2), 3); // expire 'b'
    const y = batch({ ts: [4, 5, 6], k: ['a', 'c', 'b'], px: [null, null, 7] }, S);
    // minPeriods 1 with a null input is null; count the rows through a second value with alpha 1: the output is the value
    const out = state.apply({ batch: y, times: BigInt64Array.of(4n, 5n, 6n), codes: Int32Array.of(0, 1, 2), slots: 4, rowBase: 3 });
    expect(toColumns(out).e).toEqual([null, null, 7]);
    const z = batch({ ts: [7, 8], k: ['a', 'c'], px: [10, 20] }, S);
    // with alpha 1 the weights of old values are 0: outputs are the values, but the counts survived the remap
    const out2 = state.apply({ batch: z, times: BigInt64Array.of(7n, 8n), codes: Int32Array.of(0, 1), slots: 4, rowBase: 6 });
    expect(toColumns(out2).e).toEqual([10, 20]);
  });

  describe('errors', () => {
    it('bad smoothing options', () => {
      const bad: Omit<EmaOptions, 'columns'>[] = [
        {},
        { alpha: 0.5, span: 3 },
        { alpha: 0 },
        { alpha: 1.5 },
        { alpha: NaN },
        { span: 0.5 },
        { com: -1 },
        { halfLife: 0 },
        { halfLife: { seconds: 1 } },
        { alpha: 0.5, times: true },
        { halfLife: -5, times: true },
        { alpha: 0.5, minPeriods: -1 },
        { alpha: 0.5, minPeriods: 1.5 },
      ];
      for (const o of bad) expect(errorOf(() => ema({ columns: 'px', ...o }))).toBeInstanceOf(InvalidOptionError);
      expect(errorOf(() => ema({ columns: {}, alpha: 0.5 }))).toMatchObject({ option: 'columns' });
    });

    it('unknown and non-numeric columns, clashing outputs, unsorted time', () => {
      const x = batch({ ts: [1], k: ['a'], px: [1] }, S);
      const e1 = errorOf(() => run(x, { columns: 'bid', alpha: 0.5 }));
      expect(e1).toBeInstanceOf(MissingColumnError);
      expect(e1).toMatchObject({ input: 'source', column: 'bid' });
      const e2 = errorOf(() => run(x, { columns: 'k', alpha: 0.5 }));
      expect(e2).toBeInstanceOf(ColumnTypeError);
      expect(e2).toMatchObject({ column: 'k' });
      expect(errorOf(() => run(x, { columns: { ts: 'px' }, alpha: 0.5 }))).toBeInstanceOf(InvalidOptionError);
      const e3 = errorOf(() => run([x, batch({ ts: [0], k: ['a'], px: [1] }, S)], { columns: 'px', alpha: 0.5 }));
      expect(e3).toBeInstanceOf(TimeOrderError);
      expect(e3).toMatchObject({ input: 'source', row: 1 });
    });
  });
});

describe('ema: batches without nulls take a loop of their own (adjust false)', () => {
  it('gives what the general loop gives, whatever batches with nulls come between (property)', () => {
    // EmaState picks the loop per batch (a batch with a null, or any batch after one, takes
    // the general loop): against a row-at-a-time recursion, with nulls in some pieces only
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.option(fc.integer({ min: -50, max: 50 }), { freq: 6 })), { minLength: 1, maxLength: 50 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 8 }),
        fc.constantFrom(0.1, 0.5, 2 / 3, 0.3),
        fc.boolean(),
        (rows, cuts, alpha, ignoreNulls) => {
          // each piece built on its own, so that one without nulls has no validity bitmap (a slice of a batch with nulls keeps it)
          const at = [0, ...[...new Set(cuts.map((c) => c % rows.length))].filter((c) => c > 0).sort((x, y) => x - y), rows.length];
          const pieces = at.slice(1).map((end, p) => {
            const part = rows.slice(at[p], end);
            return batch({ ts: part.map((_, i) => at[p] + i + 1), k: part.map((r) => r[0]), px: part.map((r) => r[1]) }, S);
          });
          const opts: EmaOptions = { by: 'k', columns: { e: 'px' }, alpha, adjust: false, ignoreNulls };
          const got = toColumns(run(pieces, opts)).e;
          // the reference: one row-at-a-time pandas-style recursion (adjust false)
          const mean = new Map<string, number>();
          const weight = new Map<string, number>();
          const want = rows.map(([k, x]) => {
            if (x === null) {
              if (!ignoreNulls && mean.has(k)) weight.set(k, weight.get(k)! * (1 - alpha));
              return null;
            }
            if (!mean.has(k)) {
              mean.set(k, x);
              weight.set(k, 1);
              return x;
            }
            const old = weight.get(k)! * (1 - alpha);
            const m = mean.get(k)!;
            const next = m === x ? m : old === 1 - alpha ? (1 - alpha) * m + alpha * x : (old * m + alpha * x) / (old + alpha);
            mean.set(k, next);
            weight.set(k, 1);
            return next;
          });
          expect(got).toEqual(want);
        },
      ),
      { numRuns: soak(200) },
    );
  });
});

describe('ema against nodejs-polars ewmMean over a key (oracle)', () => {
  it('random keys, values, nulls, alpha, adjust, ignoreNulls, minPeriods and splits', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', null), fc.option(fc.integer({ min: -100, max: 100 }), { freq: 3 })), { maxLength: 40 }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 0, max: 3 }),
        fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 3 }),
        (rows, alpha, adjust, ignoreNulls, minPeriods, cuts) => {
          const n = rows.length;
          if (n === 0) return;
          const b = batch({ ts: rows.map((_, i) => i), k: rows.map((r) => r[0]), px: rows.map((r) => r[1]) }, { ts: 'timestamp[ms]', k: 'utf8', px: 'int32' });
          const pieces = split(b, [...new Set(cuts.map((c) => c % (n + 1)))].sort((x, y) => x - y));
          const got = toColumns(run(pieces, { by: 'k', columns: { e: 'px' }, alpha, adjust, ignoreNulls, minPeriods }));
          const expected = toColumns(fromPolars(toPolars(b).withColumns(pl.col('px').ewmMean({ alpha, adjust, ignoreNulls, minPeriods }).over('k').alias('e'))));
          close(got.e, expected.e as (number | null)[], 9);
        },
      ),
      { numRuns: soak(60) },
    );
  });
});

describe('ema key expiry (expireAfter)', () => {
  it('many keys, compacted many times: the same as the rename reference', () => {
    const { compactions, restore } = watchStores();
    try {
      const c = manyKeysCase(2);
      for (const o of [{ columns: { e: 'px' }, alpha: 0.3 }, { columns: { e: 'px' }, halfLife: 2, times: true }] as Omit<EmaOptions, 'by'>[]) {
        let expired = 0;
        const got = toColumns(run(split(batch({ ts: c.ts, k: c.k, px: c.v }, S), c.cuts), { ...o, by: 'k', expireAfter: c.d, onExpire: (x) => (expired += x) }));
        const ref = lifetimes(c.ts, c.k, c.d);
        expect(got.e).toEqual(toColumns(run(batch({ ts: c.ts, k: ref.renamed, px: c.v }, S), { ...o, by: 'k' })).e);
        expect(expired).toBe(ref.expired);
      }
      expect(compactions()).toBeGreaterThan(5);
    } finally {
      restore();
    }
  });

  it('a key not seen for more than expireAfter restarts its average; expiries are counted', () => {
    const counts: number[] = [];
    const a = batch({ ts: [0, 5, 10, 21, 22], k: ['x', 'y', 'x', 'x', 'y'], px: [10, 1, 20, 30, 3] }, S);
    const e = toColumns(run(split(a, [2, 4]), { by: 'k', columns: { e: 'px' }, alpha: 0.5, adjust: false, expireAfter: 10, onExpire: (n) => counts.push(n) })).e;
    // x: 10, then 15 (gap 10: kept), then 30 starts again (gap 11); y: 1, then 3 starts again (gap 17)
    expect(e).toEqual([10, 1, 15, 30, 3]);
    expect(counts).toEqual([2]);
    expect(errorOf(() => ema({ columns: 'px', alpha: 0.5, expireAfter: 10 }))).toMatchObject({ option: 'expireAfter' });
    expect(errorOf(() => ema({ by: 'k', columns: 'px', alpha: 0.5, expireAfter: -5 }))).toBeInstanceOf(InvalidOptionError);
  });

  it('random data, any split: the same as renaming each key at every gap > expireAfter (no expiry); counts agree', () => {
    const spec: SchemaSpec = { ts: 'timestamp[ms]', k: 'dictionary', px: 'float64' };
    for (const seed of soakSeeds(30)) {
      const c = randomCase(seed);
      const o: Omit<EmaOptions, 'by'> = seed % 2 ? { columns: { e: 'px' }, alpha: 0.3, minPeriods: 2 } : { columns: { e: 'px' }, halfLife: 4, times: true };
      let expired = 0;
      const got = toColumns(run(split(batch({ ts: c.ts, k: c.k, px: c.v }, spec), c.cuts), { ...o, by: 'k', expireAfter: c.d, onExpire: (x) => (expired += x) }));
      const ref = lifetimes(c.ts, c.k, c.d);
      const want = toColumns(run(batch({ ts: c.ts, k: ref.renamed, px: c.v }, spec), { ...o, by: 'k' }));
      expect(got.e).toEqual(want.e);
      expect(expired).toBe(ref.expired);
    }
  });

  it('identical output for any batch split, cycle and live with expireAfter (expectParity)', async () => {
    const c = randomCase(7);
    const q = batch({ ts: c.ts.map((t) => t * 100), k: c.k, px: c.v }, { ts: 'timestamp[ms]', k: 'dictionary', px: 'float64' });
    await expectParity(({ q }) => q.pipe(ema({ by: 'k', columns: { e: 'px' }, alpha: 0.3, expireAfter: 250 })), { q }, { runs: soak(8) });
  });

  it('100 000 keys each seen once: the key dictionary and the state stay bounded', () => {
    const { max, restore } = watchStores();
    try {
      let expired = 0;
      const batches: RecordBatch[] = [];
      for (let j = 0; j < 500; j++) {
        const ks = Array.from({ length: 200 }, (_, i) => `k${j * 200 + i}`);
        batches.push(batch({ ts: ks.map(() => j), k: ks, px: ks.map((_, i) => i) }, S));
      }
      const out = run(batches, { by: 'k', columns: { e: 'px' }, alpha: 0.5, expireAfter: 2, onExpire: (c) => (expired += c) });
      expect(out.reduce((m, b) => m + b.numRows, 0)).toBe(100_000);
      expect(expired).toBe(100_000 - 3 * 200);
      expect(max()).toBeLessThan(2_000);
    } finally {
      restore();
    }
  });
});

