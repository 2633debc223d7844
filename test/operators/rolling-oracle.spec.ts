import { describe, expect, it } from 'vitest';
import { of } from 'rxjs';
import type { RecordBatch } from 'apache-arrow';
import fc from 'fast-check';
import { type RollingOptions, rolling } from '../../operators/rolling';
import { count, first, last, max, mean, min, std, sum, variance } from '../../src/aggs/agg';
import { batch, split } from '../../src/testing/builders';
import { toColumns } from '../../src/testing/read';
import { fromPolars, pl, toPolars } from '../helpers/polars';
import { closeTo } from '../aggs/reference';
import { soak } from '../helpers/soak';

function runSync(b: RecordBatch[], options: RollingOptions): Record<string, unknown[]> {
  const out: RecordBatch[] = [];
  let err: unknown;
  of(...b)
    .pipe(rolling(options))
    .subscribe({ next: (x) => out.push(x), error: (e) => (err = e) });
  if (err) throw err;
  return toColumns(out);
}

const rowArb = fc.record({
  dt: fc.integer({ min: 1, max: 4 }), // strictly increasing times: polars and pandas agree without ties
  k: fc.constantFrom('a', 'b', 'c', null),
  v: fc.option(fc.integer({ min: -100, max: 100 }), { freq: 4 }),
});
const numbers = (xs: unknown[]) => xs.map((x) => (x === null ? null : Number(x)));

describe('rolling against nodejs-polars (oracle)', () => {
  it("time windows: group_by_rolling(index_column, period, by, closed='right') on data without equal timestamps", () => {
    fc.assert(
      fc.property(fc.array(rowArb, { minLength: 1, maxLength: 50 }), fc.constantFrom(1, 3, 6, 15), fc.integer({ min: 1, max: 49 }), (spec, period, cut) => {
        let t = 0;
        const ts = spec.map((r) => (t += r.dt) * 1000);
        const b = batch(
          { ts, k: spec.map((r) => r.k), v: spec.map((r) => (r.v === null ? null : r.v / 4)) },
          { ts: 'timestamp[ms]', k: 'utf8', v: 'float64' },
        );
        // polars gives 0 for the sum and count of a window without values: minPeriods 0 does the same
        const got = runSync(split(b, [cut % spec.length].filter((c) => c > 0)), {
          by: 'k',
          window: period * 1000,
          minPeriods: 0,
          aggs: { s: sum('v'), m: mean('v'), lo: min('v'), hi: max('v'), c: count('v'), sd: std('v'), vr: variance('v'), f: first('v'), l: last('v') },
        });
        const v = pl.col('v');
        const df = toPolars(b)
          .groupByRolling({ indexColumn: 'ts', period: `${period}s`, by: 'k', closed: 'right' })
          .agg(
            v.sum().alias('s'),
            v.mean().alias('m'),
            v.min().alias('lo'),
            v.max().alias('hi'),
            v.count().alias('c'),
            v.std().alias('sd'),
            v.var().alias('vr'),
            v.dropNulls().first().alias('f'),
            v.dropNulls().last().alias('l'),
          )
          .sort('ts');
        const want = toColumns(fromPolars(df));
        expect(want.ts).toEqual(got.ts);
        for (const c of ['s', 'm', 'lo', 'hi', 'c', 'sd', 'vr', 'f', 'l']) {
          expect(closeTo(got[c] as (number | null)[], numbers(want[c]), 1e-9), `${c}: ${JSON.stringify(got[c])} vs ${JSON.stringify(want[c])}`).toBe(true);
        }
      }),
      { numRuns: soak(60) },
    );
  });

  it('row windows: rolling_sum/mean/min/max/std/var(window_size, min_periods).over(key)', () => {
    fc.assert(
      fc.property(fc.array(rowArb, { minLength: 1, maxLength: 50 }), fc.constantFrom(1, 2, 3, 5), fc.integer({ min: 0, max: 5 }), (spec, n, mp0) => {
        const minPeriods = Math.min(Math.max(mp0, 1), n);
        let t = 0;
        const b = batch(
          { ts: spec.map((r) => (t += r.dt)), k: spec.map((r) => r.k), v: spec.map((r) => (r.v === null ? null : r.v / 4)) },
          { ts: 'timestamp[ms]', k: 'dictionary', v: 'float64' },
        );
        const got = runSync([b], { by: 'k', window: { rows: n }, minPeriods, aggs: { s: sum('v'), m: mean('v'), lo: min('v'), hi: max('v'), sd: std('v'), vr: variance('v') } });
        const o = { windowSize: n, minPeriods };
        const v = pl.col('v');
        const df = toPolars(b).withColumns(
          v.rollingSum(o).over('k').alias('s'),
          v.rollingMean(o).over('k').alias('m'),
          v.rollingMin(o).over('k').alias('lo'),
          v.rollingMax(o).over('k').alias('hi'),
          v.rollingStd(o).over('k').alias('sd'),
          v.rollingVar(o).over('k').alias('vr'),
        );
        const want = toColumns(fromPolars(df));
        for (const c of ['s', 'm', 'lo', 'hi', 'sd', 'vr']) {
          expect(closeTo(got[c] as (number | null)[], numbers(want[c]), 1e-9), `${c} n=${n} mp=${minPeriods}: ${JSON.stringify(got[c])} vs ${JSON.stringify(want[c])}`).toBe(true);
        }
      }),
      { numRuns: soak(60) },
    );
  });
});
