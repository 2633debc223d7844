/**
 * asofJoin over an ffill of its right side (operators/internal/fusion.ts): when the join is
 * backward by ffill's keys and ffill has no limit and no key expiry, the join keeps each
 * key's last valid value itself and ffill never runs; otherwise ffill runs, inline or as
 * usual. Either way the output is the one of the chain without fusion.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Observable, map, of } from 'rxjs';
import { Field, Int32, List, type RecordBatch } from 'apache-arrow';
import fc from 'fast-check';
import { type AsofJoinOptions, asofJoin } from '../../operators/asofJoin';
import { FfillState, type FfillOptions, ffill } from '../../operators/ffill';
import { replay } from '../../src/time/replay';
import { batch, split } from '../../src/testing/builders';
import { toColumns } from '../../src/testing/read';
import { ColumnTypeError, MissingColumnError, TimeOrderError } from '../../src/errors';
import { fromPolars, pl, toPolars } from '../helpers/polars';
import { errorOf } from '../helpers/run';
import { soak } from '../helpers/soak';

const QUOTES = { ts: 'timestamp[ms]', k: 'utf8', n: 'int32', bid: 'float64', size: 'int32', venue: 'utf8', flag: 'dictionary' } as const;
const TRADES = { ts: 'timestamp[ms]', k: 'utf8', n: 'int32', q: 'int32' } as const;

const quotes = batch(
  {
    ts: [0, 1, 2, 3, 4, 5, 6],
    k: ['a', 'b', 'a', 'a', null, 'b', 'a'],
    n: [1, 1, 1, 2, 1, 1, 1],
    bid: [10, null, null, 12, 99, null, null],
    size: [null, 5, 6, null, null, null, 7],
    venue: ['x', null, null, 'y', null, null, null],
    flag: ['p', 'q', null, null, 'p', null, null],
  },
  QUOTES,
);
const trades = batch({ ts: [1, 2, 3, 5, 6, 7], k: ['a', 'a', 'b', 'b', 'a', null], n: [1, 1, 1, 1, 1, 1], q: [0, 1, 2, 3, 4, 5] }, TRADES);

type Chain = (fo: FfillOptions, jo?: AsofJoinOptions) => (l: Observable<RecordBatch>, r: Observable<RecordBatch>) => Observable<RecordBatch>;
/** The chain as written: fused where it can be. */
const fused: Chain = (fo, jo) => (l, r) => l.pipe(asofJoin(r.pipe(ffill(fo)), { by: 'k', ...jo }));
/** The same chain with an identity map between the two operators: never fused (the reference). */
const plain: Chain = (fo, jo) => (l, r) =>
  l.pipe(
    asofJoin(
      r.pipe(
        ffill(fo),
        map((b) => b),
      ),
      { by: 'k', ...jo },
    ),
  );

function sync(chain: (l: Observable<RecordBatch>, r: Observable<RecordBatch>) => Observable<RecordBatch>, l: RecordBatch[], r: RecordBatch[]): RecordBatch[] {
  const out: RecordBatch[] = [];
  let err: unknown;
  chain(of(...l), of(...r)).subscribe({ next: (b) => out.push(b), error: (e) => (err = e) });
  if (err) throw err;
  return out;
}

/** How many times ffill's own per-batch work ran (0: fused away). */
function countFfill() {
  const spy = vi.spyOn(FfillState.prototype, 'apply');
  return () => spy.mock.calls.length;
}

afterEach(() => vi.restoreAllMocks());

describe('asofJoin of an ffill of its right side', () => {
  it('gives the last valid value of the key at or before each left row, without running ffill', () => {
    const calls = countFfill();
    const got = toColumns(sync(fused({ by: 'k', columns: ['bid', 'size'] }, { columns: ['bid', 'size'] }), [trades], [quotes]));
    expect(calls()).toBe(0);
    // a@1 → row 0 (bid 10, size null); a@2 → row 2 (bid filled 10, size 6); b@3 → row 1 (bid null: none yet, size 5);
    // b@5 → row 5 (bid null, size filled 5); a@6 → row 6 (bid filled 12, size 7); null key → no match
    expect(got.bid).toEqual([10, 10, null, null, 12, null]);
    expect(got.size).toEqual([null, 6, 5, 5, 7, null]);
    expect(got).toEqual(toColumns(sync(plain({ by: 'k', columns: ['bid', 'size'] }, { columns: ['bid', 'size'] }), [trades], [quotes])));
  });

  it('fuses whatever the order of the key columns, and with default fill columns when the selected ones are fixed-width', () => {
    const calls = countFfill();
    const fo: FfillOptions = { by: ['n', 'k'] };
    const jo: AsofJoinOptions = { by: ['k', 'n'], columns: ['bid', 'size'] };
    expect(toColumns(sync(fused(fo, jo), [trades], [quotes]))).toEqual(toColumns(sync(plain(fo, jo), [trades], [quotes])));
    expect(calls()).toBe(1); // the reference's ffill only
  });

  it('runs ffill when fusing cannot give its result, with the same output', () => {
    const cases: [FfillOptions, AsofJoinOptions, string][] = [
      [{ by: 'k', limit: 1 }, { columns: ['bid', 'size'] }, 'a limit'],
      [{ by: 'k', expireAfter: 3 }, { columns: ['bid'] }, 'key expiry'],
      [{ by: ['k', 'n'] }, { columns: ['bid'] }, 'other keys'],
      [{ by: 'k', on: 'ts' }, { columns: ['bid'], on: 'ts', direction: 'forward' }, 'forward'],
      [{ by: 'k', on: 'ts' }, { columns: ['bid'], direction: 'nearest' }, 'nearest'],
      [{ by: 'k' }, { columns: ['bid'], late: 'drop' }, "late: 'drop'"],
    ];
    for (const [fo, jo, what] of cases) {
      const calls = countFfill();
      expect(toColumns(sync(fused(fo, jo), [trades], [quotes])), what).toEqual(toColumns(sync(plain(fo, jo), [trades], [quotes])));
      expect(calls(), what).toBe(2);
      vi.restoreAllMocks();
    }
  });

  it('runs ffill inline when a selected column is not fixed-width or is a dictionary (and ffill fills a selected column)', () => {
    const cases: [FfillOptions, AsofJoinOptions][] = [
      [{ by: 'k', columns: ['bid'] }, { columns: ['bid', 'venue'] }],
      [{ by: 'k' }, {}], // default: venue (Utf8) and flag (dictionary) are filled and selected
      [{ by: 'k', columns: ['bid', 'venue'] }, { columns: ['bid', 'venue'] }],
      [{ by: 'k', columns: ['bid'] }, { columns: ['bid', 'flag'] }],
      [{ by: 'k', columns: ['flag'] }, { columns: ['flag'] }],
    ];
    for (const [fo, jo] of cases) {
      const calls = countFfill();
      const got = toColumns(sync(fused(fo, jo), [trades], [quotes]));
      expect(calls(), JSON.stringify(fo)).toBe(1); // inline
      expect(got).toEqual(toColumns(sync(plain(fo, jo), [trades], [quotes])));
      vi.restoreAllMocks();
    }
    const got = toColumns(sync(fused({ by: 'k', columns: ['bid'] }, { columns: ['bid', 'venue'] }), [trades], [quotes]));
    expect(got.venue).toEqual(['x', null, null, null, null, null]); // not filled: carried as it is
    expect(toColumns(sync(fused({ by: 'k' }, {}), [trades], [quotes])).venue).toEqual(['x', 'x', null, null, 'y', null]);
  });

  it("fuses when ffill fills none of the selected columns (ffill's work is not needed at all)", () => {
    const calls = countFfill();
    const fo: FfillOptions = { by: 'k', columns: ['venue', 'flag'] };
    const jo: AsofJoinOptions = { columns: ['bid', 'size'] };
    expect(toColumns(sync(fused(fo, jo), [trades], [quotes]))).toEqual(toColumns(sync(plain(fo, jo), [trades], [quotes])));
    expect(calls()).toBe(1);
  });

  it("reports ffill's errors as without fusion (unknown or unfillable columns), and the right side's time order as the join's", () => {
    const e1 = errorOf(() => sync(fused({ by: 'k', columns: ['nope'] }), [trades], [quotes]));
    expect(e1).toBeInstanceOf(MissingColumnError);
    expect(e1).toMatchObject({ input: 'source', column: 'nope' });
    const listy = batch({ ts: [0], k: ['a'], n: [1], l: [[1]] }, { ts: 'timestamp[ms]', k: 'utf8', n: 'int32', l: new List(new Field('item', new Int32())) });
    const e2 = errorOf(() => sync(fused({ by: 'k', columns: ['l'] }), [trades], [listy]));
    expect(e2).toBeInstanceOf(ColumnTypeError);
    expect(e2).toMatchObject({ input: 'source', column: 'l' });
    const unsorted = batch({ ts: [2, 1], k: ['a', 'a'], n: [1, 1], bid: [1, null] }, { ts: 'timestamp[ms]', k: 'utf8', n: 'int32', bid: 'float64' });
    const e3 = errorOf(() => sync(fused({ by: 'k' }, { columns: ['bid'] }), [trades], [unsorted]));
    expect(e3).toBeInstanceOf(TimeOrderError);
    expect(e3).toMatchObject({ input: 'right', column: 'ts', row: 1 });
  });

  it('a shared or mapped ffill output is not fused (another Observable): each subscriber gets what ffill emits', async () => {
    const calls = countFfill();
    const got = await replay(
      ({ l, r }) => {
        const filled = r.pipe(ffill({ by: 'k', columns: ['bid'] }));
        return l.pipe(asofJoin(filled.pipe(map((b) => b)), { by: 'k', columns: ['bid'] }));
      },
      { l: trades, r: quotes },
    );
    expect(calls()).toBeGreaterThan(0);
    expect(toColumns(got).bid).toEqual([10, 10, null, null, 12, null]);
  });
});

// random right rows: two keys (with nulls), two fixed-width columns and a Utf8 one with nulls
const caseArb = fc.record({
  lt: fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 30 }),
  rt: fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 40 }),
  lk: fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', null), fc.constantFrom(1, 2)), { minLength: 30, maxLength: 30 }),
  rk: fc.array(
    fc.tuple(
      fc.constantFrom('a', 'b', 'c', null),
      fc.constantFrom(1, 2),
      fc.option(fc.integer({ min: -9, max: 9 }), { freq: 2 }),
      fc.option(fc.integer({ min: 0, max: 99 }), { freq: 3 }),
      fc.option(fc.constantFrom('x', 'y'), { freq: 2 }),
    ),
    { minLength: 40, maxLength: 40 },
  ),
  twoKeys: fc.boolean(),
  fill: fc.constantFrom<(string[] | undefined)[]>(undefined, ['px'], ['px', 'sz'], ['sz', 's']),
  take: fc.constantFrom<(string[] | undefined)[]>(undefined, ['px'], ['px', 'sz'], ['sz', 'px', 's']),
  tol: fc.constantFrom(undefined, 0, 5),
  exact: fc.boolean(),
  inner: fc.boolean(),
});

function fusionCase(c: typeof caseArb extends fc.Arbitrary<infer T> ? T : never) {
  const lt = [...c.lt].sort((x, y) => x - y);
  const rt = [...c.rt].sort((x, y) => x - y);
  const l = batch({ ts: lt, k: lt.map((_, i) => c.lk[i][0]), n: lt.map((_, i) => c.lk[i][1]) }, { ts: 'timestamp[ms]', k: 'utf8', n: 'int32' });
  const r = batch(
    {
      ts: rt,
      k: rt.map((_, i) => c.rk[i][0]),
      n: rt.map((_, i) => c.rk[i][1]),
      px: rt.map((_, i) => (c.rk[i][2] === null ? null : c.rk[i][2]! / 4)),
      sz: rt.map((_, i) => c.rk[i][3]),
      s: rt.map((_, i) => c.rk[i][4]),
    },
    { ts: 'timestamp[ms]', k: 'dictionary', n: 'int32', px: 'float64', sz: 'int32', s: 'utf8' },
  );
  const by = c.twoKeys ? ['k', 'n'] : ['k'];
  const fo: FfillOptions = { by: c.twoKeys ? ['n', 'k'] : 'k', ...(c.fill ? { columns: c.fill } : {}) };
  const jo: AsofJoinOptions = {
    by,
    allowExactMatches: c.exact,
    how: c.inner ? 'inner' : 'left',
    ...(c.take ? { columns: c.take } : {}),
    ...(c.tol !== undefined ? { tolerance: c.tol } : {}),
  };
  return { l, r, fo, jo, by };
}

describe('asofJoin of an ffill: property', () => {
  it('the fused chain equals the chain without fusion, for any split into batches and cycles, inside and outside a run', async () => {
    await fc.assert(
      fc.asyncProperty(
        caseArb,
        fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 4 }),
        fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 4 }),
        fc.constantFrom(0, 1, 3, 10, 1000, undefined),
        fc.boolean(),
        async (c, rc, lc, cycle, coalesce) => {
          const { l, r, fo, jo } = fusionCase(c);
          const cuts = (n: number, xs: number[]) => [...new Set(xs.map((x) => x % (n + 1)))].sort((x, y) => x - y);
          const reference = toColumns(sync(plain(fo, jo), [l], [r]));
          expect(toColumns(sync(fused(fo, jo), split(l, cuts(l.numRows, lc)), split(r, cuts(r.numRows, rc))))).toEqual(reference);
          const inRun = await replay(({ l, r }) => fused(fo, jo)(l, r), { l: split(l, cuts(l.numRows, lc)), r: split(r, cuts(r.numRows, rc)) }, { cycle, coalesce });
          const want = await replay(({ l, r }) => plain(fo, jo)(l, r), { l, r });
          expect(toColumns(inRun)).toEqual(toColumns(want));
        },
      ),
      { numRuns: soak(120) },
    );
  });

  it('against nodejs-polars: forward_fill over the keys, then join_asof backward (oracle)', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { l, r, by } = fusionCase({ ...c, fill: ['px', 'sz'], take: ['px', 'sz'], inner: false });
        const tolerance = c.tol === undefined ? {} : { tolerance: `${c.tol}ms` };
        const got = toColumns(sync(fused({ by, columns: ['px', 'sz'] }, { by, allowExactMatches: c.exact, columns: ['px', 'sz'], ...(c.tol !== undefined ? { tolerance: c.tol } : {}) }), [l], [r]));
        const filled = toPolars(r)
          .withColumns(pl.col('k').cast(pl.Utf8))
          .withColumns(pl.col('px').forwardFill().over(by[0], ...by.slice(1)), pl.col('sz').forwardFill().over(by[0], ...by.slice(1)));
        const expected = toColumns(
          fromPolars(toPolars(l).joinAsof(filled.select('ts', ...by, 'px', 'sz'), { on: 'ts', by, strategy: 'backward', allowExactMatches: c.exact, checkSortedness: false, ...tolerance })),
        );
        expect({ px: got.px, sz: got.sz }).toEqual({ px: expected.px, sz: expected.sz });
      }),
      { numRuns: soak(80) },
    );
  });
});
