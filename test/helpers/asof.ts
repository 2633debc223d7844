/**
 * Shared by the asofJoin specs: the small left/right batches of the examples, a
 * synchronous join, and the random cases of the oracle tests against nodejs-polars'
 * `joinAsof` (with the polars call that computes the same join).
 */
import { of } from 'rxjs';
import type { RecordBatch, Table } from 'apache-arrow';
import fc from 'fast-check';
import { type AsofJoinOptions, asofJoin } from '../../operators/asofJoin';
import { batch } from '../../src/testing/builders';
import type { SchemaSpec } from '../../src/testing/schema';
import { toColumns } from '../../src/testing/read';
import { fromPolars, pl, toPolars } from './polars';

export const L = { ts: 'timestamp[ms]', k: 'utf8', q: 'int32' } as const satisfies SchemaSpec;
export const R = { ts: 'timestamp[ms]', k: 'utf8', px: 'float64' } as const satisfies SchemaSpec;
export const left = (ts: number[], k: (string | null)[], q = ts.map((_, i) => i), schema: SchemaSpec = L) => batch({ ts, k, q }, schema);
export const right = (ts: number[], k: (string | null)[], px: (number | null)[], schema: SchemaSpec = R) => batch({ ts, k, px }, schema);

/** Runs the join synchronously over `of(...)` inputs (outside a run) and returns the output batches. */
export function joinSync(l: RecordBatch | RecordBatch[], r: RecordBatch | RecordBatch[], options: AsofJoinOptions = {}): RecordBatch[] {
  const out: RecordBatch[] = [];
  let err: unknown;
  of(...[l].flat())
    .pipe(asofJoin(of(...[r].flat()), options))
    .subscribe({ next: (b) => out.push(b), error: (e) => (err = e) });
  if (err) throw err;
  return out;
}

export const cols = (bs: RecordBatch[] | Table) => toColumns(bs);

const keyArb = fc.constantFrom('a', 'b', 'c', null);
const intKeyArb = fc.constantFrom(1, 2, null);
const timesArb = fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 25 }).map((x) => x.sort((p, q) => p - q));

/**
 * A random oracle case: sorted left/right times with ties, one or two key columns with
 * nulls (left Utf8 + Int32, right Dictionary + Int64: weir matches keys by value), right
 * values with nulls, a tolerance, exactness, a time unit and a batch cut.
 */
export const asofCaseArb = fc.record({
  lt: timesArb,
  rt: timesArb,
  lk: fc.array(fc.tuple(keyArb, intKeyArb), { minLength: 25, maxLength: 25 }),
  rk: fc.array(fc.tuple(keyArb, intKeyArb, fc.option(fc.integer({ min: -5, max: 5 }), { freq: 5 })), { minLength: 25, maxLength: 25 }),
  tol: fc.constantFrom(undefined, 0, 3, 10),
  exact: fc.boolean(),
  twoKeys: fc.boolean(),
  unit: fc.constantFrom('ms' as const, 'us' as const, 'ns' as const),
  cut: fc.integer({ min: 1, max: 25 }),
});

export type AsofCase = typeof asofCaseArb extends fc.Arbitrary<infer T> ? T : never;

/**
 * The batches of a case: left `(ts, k, n)`, right `(ts, k, n, v, j)` (`j`: the right row's
 * index), times stepped by 1000 units so that polars' and weir's units agree; the `by`
 * columns, the tolerance in ns, and the cuts that split a side of `n` rows.
 */
export function asofCase(c: AsofCase) {
  const scale = 1000n;
  const spec = (extra: SchemaSpec) => ({ ts: `timestamp[${c.unit}]`, ...extra }) as SchemaSpec;
  const l = batch({ ts: c.lt.map((t) => BigInt(t) * scale), k: c.lt.map((_, i) => c.lk[i][0]), n: c.lt.map((_, i) => c.lk[i][1]) }, spec({ k: 'utf8', n: 'int32' }));
  const r = batch(
    {
      ts: c.rt.map((t) => BigInt(t) * scale),
      k: c.rt.map((_, i) => c.rk[i][0]),
      n: c.rt.map((_, i) => c.rk[i][1]),
      v: c.rt.map((_, i) => c.rk[i][2] ?? null),
      j: c.rt.map((_, i) => i),
    },
    spec({ k: 'dictionary', n: 'int64', v: 'int32', j: 'int32' }),
  );
  const unitNs = c.unit === 'ms' ? 1_000_000n : c.unit === 'us' ? 1000n : 1n;
  const tolNs = c.tol === undefined ? undefined : BigInt(c.tol) * scale * unitNs;
  return {
    l,
    r,
    by: c.twoKeys ? ['k', 'n'] : ['k'],
    tolNs,
    cuts: (n: number) => [c.cut % Math.max(1, n)].filter((x) => x > 0),
  };
}

/** nodejs-polars' `joinAsof` of a case's batches, as columns. */
export function polarsAsof(l: RecordBatch, r: RecordBatch, by: string[], strategy: 'backward' | 'forward', exact: boolean, tolNs: bigint | undefined) {
  return toColumns(
    fromPolars(
      // polars requires equal 'by' dtypes (Categorical vs String, Int64 vs Int32 are errors there); weir matches by value
      toPolars(l).joinAsof(toPolars(r).withColumns(pl.col('k').cast(pl.Utf8), pl.col('n').cast(pl.Int32)), {
        on: 'ts',
        by,
        strategy,
        allowExactMatches: exact,
        checkSortedness: false,
        ...(tolNs !== undefined ? { tolerance: `${tolNs}ns` } : {}),
      }),
    ),
  );
}

/**
 * The fields of a random parity case (times unsorted: `parityCase` sorts them; keys with
 * nulls; tolerance; exactness; inner or left), for `fc.record` (a spec adds its own).
 */
export const parityFields = {
  lt: fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 8, maxLength: 30 }),
  rt: fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 8, maxLength: 30 }),
  lk: fc.array(fc.constantFrom('a', 'b', 'c', null), { minLength: 30, maxLength: 30 }),
  rk: fc.array(fc.constantFrom('a', 'b', 'c', null), { minLength: 30, maxLength: 30 }),
  tol: fc.constantFrom(undefined, 0, 100),
  exact: fc.boolean(),
  inner: fc.boolean(),
};

type ParityCase = { [K in keyof typeof parityFields]: (typeof parityFields)[K] extends fc.Arbitrary<infer T> ? T : never };

/**
 * A parity case's sorted times, its left batch (dictionary keys), its keys cut to the
 * rows, its right batch of `px` values (every fifth null) and the options it implies.
 */
export function parityCase(c: ParityCase) {
  const lt = [...c.lt].sort((x, y) => x - y);
  const rt = [...c.rt].sort((x, y) => x - y);
  const lk = c.lk.slice(0, lt.length);
  const rk = c.rk.slice(0, rt.length);
  const options: AsofJoinOptions = {
    by: 'k',
    allowExactMatches: c.exact,
    how: c.inner ? 'inner' : 'left',
    ...(c.tol !== undefined ? { tolerance: c.tol } : {}),
  };
  return {
    lt,
    rt,
    lk,
    rk,
    l: left(lt, lk, undefined, { ...L, k: 'dictionary' }),
    r: right(rt, rk, rt.map((_, i) => (i % 5 === 4 ? null : i))),
    options,
  };
}
