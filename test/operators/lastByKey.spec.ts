import { describe, expect, it } from 'vitest';
import { Subject, map, of, tap } from 'rxjs';
import type { RecordBatch } from 'apache-arrow';
import fc from 'fast-check';
import { type KeyedState, type LastByKeyOptions, keyedState, lastByKey } from '../../operators/lastByKey';
import { asofJoin, type AsofJoinOptions } from '../../operators/asofJoin';
import { keyedRight } from '../../operators/internal/keyed-store';
import { replay } from '../../src/time/replay';
import { batch, split } from '../../src/testing/builders';
import type { SchemaSpec } from '../../src/testing/schema';
import { toColumns, toRows } from '../../src/testing/read';
import { expectParity } from '../../src/testing/parity';
import { marbleTest } from '../../src/testing/marbles';
import { expectBatchesEqual } from '../../src/testing/match';
import { ColumnTypeError, InvalidOptionError, MissingColumnError, NullTimeError, TimeOrderError } from '../../src/errors';
import { fromPolars, toPolars } from '../helpers/polars';
import { errorOf, runOperator } from '../helpers/run';
import { soak, soakSeed } from '../helpers/soak';

const Q: SchemaSpec = { ts: 'timestamp[ms]', k: 'utf8', px: 'float64' };
const quotes = (ts: number[], k: (string | null)[], px: (number | null)[], schema = Q) => batch({ ts, k, px }, schema);

const runSync = (input: RecordBatch | RecordBatch[], options: LastByKeyOptions): RecordBatch[] => runOperator(lastByKey(options), input);

describe('lastByKey', () => {
  it('emits the last row of each key at each time (the doc example)', () => {
    const a = quotes([1, 1, 2], ['x', 'x', 'y'], [10, 11, 20]);
    const b = quotes([3, 3], ['x', 'y'], [12, 21]);
    const out = runSync([a, b], { by: 'k' });
    expect(out.map((x) => toColumns(x))).toEqual([
      { ts: [1n], k: ['x'], px: [11] },
      { ts: [2n], k: ['y'], px: [20] },
      { ts: [3n, 3n], k: ['x', 'y'], px: [12, 21] },
    ]);
    expect(new Set(out.map((x) => x.schema)).size).toBe(1);
    expect(out[0].schema).toBe(a.schema);
  });

  it("emit: 'batch' keeps each key's last row of the release; 'time' one per key and time", () => {
    const a = quotes([1, 1, 2, 2, 3], ['x', 'y', 'x', 'x', 'z'], [1, 2, 3, 4, 5]);
    expect(toColumns(runSync(a, { by: 'k', emit: 'batch' }))).toEqual({ ts: [1n, 2n, 3n], k: ['y', 'x', 'z'], px: [2, 4, 5] });
    expect(toColumns(runSync(a, { by: 'k' }))).toEqual({ ts: [1n, 1n, 2n, 3n], k: ['x', 'y', 'x', 'z'], px: [1, 2, 4, 5] });
  });

  it('null keys are a group of their own; null values are kept', () => {
    const a = quotes([1, 2, 3, 4], [null, 'x', null, 'x'], [1, 2, null, null]);
    // outside a run: rows before the last time (4) are released first, then the rest at completion
    expect(toColumns(runSync(a, { by: 'k', emit: 'batch' }))).toEqual({ ts: [2n, 3n, 4n], k: ['x', null, 'x'], px: [2, null, null] });
    const st = keyedState(of(a), { by: 'k' });
    st.connect();
    expect(toColumns(st.snapshot())).toEqual({ ts: [3n, 4n], k: [null, 'x'], px: [null, null] });
  });

  it('empty and sliced batches, dictionary keys with a new dictionary per batch, two key columns', () => {
    const D: SchemaSpec = { ...Q, k: 'dictionary' };
    const whole = quotes([0, 1, 2, 3, 4, 5], ['a', 'b', 'a', 'c', 'b', 'a'], [0, 1, 2, 3, 4, 5], D);
    const parts = [quotes([], [], [], D), whole.slice(1, 3), whole.slice(3, 6), quotes([], [], [], D)];
    expect(toColumns(runSync(parts, { by: 'k' }))).toEqual({ ts: [1n, 2n, 3n, 4n, 5n], k: ['b', 'a', 'c', 'b', 'a'], px: [1, 2, 3, 4, 5] });
    const two = batch(
      { ts: [1, 1, 1, 2], a: ['x', 'x', 'y', 'x'], n: [1, 2, 1, 1], v: [1, 2, 3, 4] },
      { ts: 'timestamp[ms]', a: 'utf8', n: 'int64', v: 'int32' },
    );
    const st = keyedState(of(two), { by: ['a', 'n'] });
    st.connect();
    expect(toColumns(st.snapshot())).toEqual({ ts: [2n, 1n, 1n], a: ['x', 'x', 'y'], n: [1n, 2n, 1n], v: [4, 2, 3] });
  });

  it('marbles: releases rows once their time is final; errors and unsubscription propagate', () => {
    marbleTest(({ cold, expectObservable, expectSubscriptions }) => {
      const a = quotes([1, 2], ['x', 'y'], [1, 2]);
      const b = quotes([2, 5], ['y', 'x'], [3, 4]);
      const src = cold('-a--b--|', { a, b });
      // frame 1: rows at 1 are final (a later row at 2 was seen); frame 4: the rows at 2; completion: 5
      expectObservable(src.pipe(lastByKey({ by: 'k' }), map((x) => toRows(x).map((r) => `${r.k}${r.px}`).join(',')))).toBe('-a--b--(c|)', {
        a: 'x1',
        b: 'y3',
        c: 'x4',
      });
      expectSubscriptions(src.subscriptions).toBe('^------!');
      const bad = cold<RecordBatch>('-a-#', { a });
      expectObservable(bad.pipe(lastByKey({ by: 'k' }), map((x) => x.numRows))).toBe('-a-#', { a: 1 });
      const never = cold<RecordBatch>('-a-----', { a });
      expectObservable(never.pipe(lastByKey({ by: 'k' }), map((x) => x.numRows)), '---!').toBe('-a--', { a: 1 });
      expectSubscriptions(never.subscriptions).toBe('^--!');
      expectObservable(cold<RecordBatch>('|').pipe(lastByKey({ by: 'k' }))).toBe('|');
    });
  });

  it('inside a replay: one release per instant, identical whatever the cycle', async () => {
    const q = quotes([0, 0, 500, 1500, 1500, 2600], ['a', 'a', 'b', 'a', 'b', 'a'], [1, 2, 3, 4, 5, 6]);
    for (const cycle of [0, 1000, 60000]) {
      const out = await replay(({ q }) => q.pipe(lastByKey({ by: 'k' })), { q }, { cycle });
      expect(toColumns(out)).toEqual({ ts: [0n, 500n, 1500n, 1500n, 2600n], k: ['a', 'b', 'a', 'b', 'a'], px: [2, 3, 4, 5, 6] });
    }
    const perInstant = await replay(({ q }) => q.pipe(lastByKey({ by: 'k', emit: 'batch' })), { q }, { cycle: 60000 });
    // one instant holds every row: each key's last row, in input order
    expect(toColumns(perInstant)).toEqual({ ts: [1500n, 2600n], k: ['b', 'a'], px: [5, 6] });
  });

  it('identical output for any batch split, cycle, delivery order and live (expectParity), with and without expiry', async () => {
    const arb = fc.record({
      dts: fc.array(fc.integer({ min: 0, max: 900 }), { minLength: 5, maxLength: 40 }),
      ks: fc.array(fc.option(fc.constantFrom('a', 'b', 'c', 'd'), { freq: 6 }), { minLength: 40, maxLength: 40 }),
      expireAfter: fc.constantFrom(undefined, 0, 700),
    });
    for (const c of fc.sample(arb, { numRuns: soak(8), seed: soakSeed(11) })) {
      let t = 0;
      const ts = c.dts.map((d) => (t += d % 3 === 0 ? 0 : d));
      const q = quotes(ts, c.ks.slice(0, ts.length), ts.map((_, i) => (i % 7 === 6 ? null : i)), { ...Q, k: 'dictionary' });
      const opts: LastByKeyOptions = { by: 'k', ...(c.expireAfter !== undefined ? { expireAfter: c.expireAfter } : {}) };
      await expectParity(({ q }) => q.pipe(lastByKey(opts)), { q }, { runs: soak(10) });
    }
  });

  describe('errors', () => {
    it('options', () => {
      expect(errorOf(() => lastByKey(undefined as never))).toBeInstanceOf(InvalidOptionError);
      expect(errorOf(() => lastByKey({ by: [] }))).toMatchObject({ option: 'by' });
      expect(errorOf(() => lastByKey({ by: 'k', emit: 'all' as 'time' }))).toMatchObject({ option: 'emit' });
      expect(errorOf(() => lastByKey({ by: 'k', late: 'accept' as 'error' }))).toMatchObject({ option: 'late' });
      expect(errorOf(() => lastByKey({ by: 'k', expireAfter: -5 }))).toMatchObject({ option: 'expireAfter' });
    });

    it('bad input names the input, column and row', () => {
      expect(errorOf(() => runSync(quotes([1], ['a'], [1]), { by: 'nope' }))).toBeInstanceOf(MissingColumnError);
      const e1 = errorOf(() => runSync(quotes([1], ['a'], [1]), { by: 'px' }));
      expect(e1).toBeInstanceOf(ColumnTypeError);
      expect(e1).toMatchObject({ column: 'px', input: 'source' });
      const e2 = errorOf(() => runSync([quotes([1, 2], ['a', 'a'], [1, 2]), quotes([0], ['a'], [3])], { by: 'k' }));
      expect(e2).toBeInstanceOf(TimeOrderError);
      expect(e2).toMatchObject({ input: 'source', column: 'ts', row: 2 });
      const e3 = errorOf(() => runSync(batch({ ts: [1, null], k: ['a', 'b'], px: [1, 2] }, Q), { by: 'k' }));
      expect(e3).toBeInstanceOf(NullTimeError);
      expect(e3).toMatchObject({ row: 1 });
      expect(errorOf(() => runSync(quotes([1], ['a'], [1]), { by: 'k', on: 'time' }))).toBeInstanceOf(MissingColumnError);
    });
  });
});

describe('keyedState', () => {
  it('snapshot at any moment; the same Table until the state changes; size', () => {
    const src = new Subject<RecordBatch>();
    const st = keyedState(src, { by: 'k' });
    expect(st.snapshot().numRows).toBe(0);
    const sub = st.connect();
    src.next(quotes([1, 2, 2], ['a', 'b', 'a'], [1, 2, 3]));
    // outside a run the rows at the last time (2) wait for a later time
    expect(toColumns(st.snapshot())).toEqual({ ts: [1n], k: ['a'], px: [1] });
    src.next(quotes([3], ['c'], [4]));
    const s1 = st.snapshot();
    expect(toColumns(s1)).toEqual({ ts: [2n, 2n], k: ['a', 'b'], px: [3, 2] });
    expect(st.snapshot()).toBe(s1);
    expect(st.size).toBe(2);
    src.next(quotes([], [], []));
    expect(st.snapshot()).toBe(s1); // nothing released: no change
    src.complete();
    const s2 = st.snapshot();
    expect(s2).not.toBe(s1);
    expect(toColumns(s2)).toEqual({ ts: [2n, 2n, 3n], k: ['a', 'b', 'c'], px: [3, 2, 4] });
    expect(s1.numRows).toBe(2); // an earlier snapshot is never changed
    sub.unsubscribe();
    expect(st.snapshot()).toBe(s2); // final
  });

  it('the state update is O(changed keys): untouched keys keep their rows, old snapshots stay valid', () => {
    const src = new Subject<RecordBatch>();
    const st = keyedState(src, { by: 'k' });
    st.connect();
    const keys = Array.from({ length: 3000 }, (_, i) => `k${i}`);
    src.next(quotes(keys.map(() => 1), keys, keys.map((_, i) => i)));
    src.next(quotes([2], ['k5'], [-1]));
    const before = st.snapshot();
    let t = 3;
    for (let j = 0; j < 200; j++) src.next(quotes([t, t++], [`k${j}`, 'new'], [j + 0.5, j]));
    const after = st.snapshot();
    expect(after.numRows).toBe(3001);
    const c = toColumns(after);
    expect(c.px.slice(0, 3)).toEqual([0.5, 1.5, 2.5]);
    expect(c.px[5]).toBe(5.5);
    expect(c.px[2999]).toBe(2999);
    // `before` was taken when the row at 2 was not released yet (a later time had not been seen)
    expect(toColumns(before).px[5]).toBe(5);
    expect(toColumns(after).k[3000]).toBe('new');
  });

  it('changes: per release, the keys that changed; hot; rows() starts with the state sorted by time', () => {
    const src = new Subject<RecordBatch>();
    const st = keyedState(src, { by: 'k' });
    const seen: unknown[] = [];
    st.changes.subscribe((b) => seen.push(toColumns(b)));
    src.next(quotes([5, 6, 6], ['a', 'b', 'a'], [1, 2, 3]));
    src.next(quotes([7], ['c'], [4]));
    expect(seen).toEqual([{ ts: [5n], k: ['a'], px: [1] }, { ts: [6n, 6n], k: ['b', 'a'], px: [2, 3] }]);
    const late: unknown[] = [];
    st.rows().subscribe((b) => late.push(toColumns(b)));
    // a (6) and b (6) in the state, sorted by time then key order
    expect(late).toEqual([{ ts: [6n, 6n], k: ['a', 'b'], px: [3, 2] }]);
    src.complete();
    expect(late[1]).toEqual({ ts: [7n], k: ['c'], px: [4] });
    let completed = false;
    st.changes.subscribe({ complete: () => (completed = true) });
    expect(completed).toBe(true);
  });

  it('inside a replay: changes once per instant (emit: batch), the final snapshot after the run', async () => {
    let st: KeyedState | undefined;
    const q = quotes([0, 0, 500, 1500, 1500, 2600], ['a', 'a', 'b', 'a', 'b', 'a'], [1, 2, 3, 4, 5, 6]);
    const sizes: number[] = [];
    const out = await replay(
      ({ q }) => {
        st = keyedState(q, { by: 'k' });
        return st.changes.pipe(tap(() => sizes.push(st!.snapshot().numRows)));
      },
      { q },
      { cycle: 1000 },
    );
    // instants [0, 1000), [1000, 2000), [2000, 3000): each key's last row of the instant
    expect(toColumns(out)).toEqual({ ts: [0n, 500n, 1500n, 1500n, 2600n], k: ['a', 'b', 'a', 'b', 'a'], px: [2, 3, 4, 5, 6] });
    expect(sizes).toEqual([2, 2, 2]);
    expect(toColumns(st!.snapshot())).toEqual({ ts: [2600n, 1500n], k: ['a', 'b'], px: [6, 5] });
  });

  it('lifecycle: disconnects when every consumer left, and starts again from an empty state', () => {
    let subscriptions = 0;
    const src = new Subject<RecordBatch>();
    const counted = new Subject<RecordBatch>();
    src.pipe(tap({ subscribe: () => subscriptions++ })).subscribe(counted);
    const st = keyedState(counted.pipe(tap({ subscribe: () => subscriptions++ })), { by: 'k' });
    const a = st.changes.subscribe();
    const b = st.changes.subscribe();
    src.next(quotes([1, 2], ['a', 'b'], [1, 2]));
    expect(subscriptions).toBe(2); // one connection for both
    a.unsubscribe();
    b.unsubscribe();
    expect(st.snapshot().numRows).toBe(1); // kept while disconnected
    const c = st.connect();
    expect(subscriptions).toBe(3);
    expect(st.snapshot().numRows).toBe(0);
    src.next(quotes([3, 4], ['c', 'c'], [1, 2]));
    expect(toColumns(st.snapshot()).k).toEqual(['c']);
    c.unsubscribe();
  });

  it('errors reach every consumer; a failed state keeps failing new consumers', () => {
    const src = new Subject<RecordBatch>();
    const st = keyedState(src, { by: 'k' });
    const errs: unknown[] = [];
    st.changes.subscribe({ error: (e) => errs.push(e) });
    st.rows().subscribe({ error: (e) => errs.push(e) });
    src.next(quotes([5], ['a'], [1]));
    src.next(quotes([4], ['a'], [1]));
    expect(errs.length).toBe(2);
    expect(errs[0]).toBeInstanceOf(TimeOrderError);
    st.changes.subscribe({ error: (e) => errs.push(e) });
    expect(errs.length).toBe(3);
  });

  it('expiry: expired keys leave the snapshot, are counted, and start fresh', () => {
    const src = new Subject<RecordBatch>();
    const counts: number[] = [];
    const st = keyedState(src, { by: 'k', expireAfter: 10, onExpire: (n) => counts.push(n) });
    st.connect();
    src.next(quotes([0, 5], ['a', 'b'], [1, 2]));
    src.next(quotes([12], ['c'], [3])); // releases 0 and 5
    expect(st.expired).toBe(0);
    src.next(quotes([13], ['b'], [4])); // releases 12: a (0) is more than 10 behind
    expect(st.expired).toBe(1);
    expect(toColumns(st.snapshot()).k).toEqual(['b', 'c']);
    src.next(quotes([30], ['a'], [5]));
    src.complete();
    expect(toColumns(st.snapshot())).toEqual({ ts: [30n], k: ['a'], px: [5] });
    expect(st.expired).toBe(3);
    expect(counts).toEqual([1, 2]);
    expect(st.size).toBe(1);
  });

  it('a long stream of distinct keys with expiry keeps the state bounded', () => {
    const src = new Subject<RecordBatch>();
    const st = keyedState(src, { by: 'k', expireAfter: 50 });
    st.connect();
    let maxSize = 0;
    for (let j = 0; j < 300; j++) {
      const ks = Array.from({ length: 40 }, (_, i) => `k${j * 40 + i}`);
      src.next(quotes(ks.map(() => j * 10), ks, ks.map(() => j)));
      maxSize = Math.max(maxSize, st.size, st.snapshot().numRows);
    }
    src.complete();
    expect(maxSize).toBeLessThanOrEqual(6 * 40 + 40);
    expect(st.expired).toBe(300 * 40 - 6 * 40);
  });

  it('as the right side of asofJoin: the same output as joining the raw stream (any tolerance, exact rule, coarser key)', async () => {
    const arb = fc.record({
      lt: fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 5, maxLength: 25 }),
      rt: fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 5, maxLength: 40 }),
      lk: fc.array(fc.constantFrom('a', 'b', 'c', null), { minLength: 25, maxLength: 25 }),
      rk: fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', null), fc.constantFrom('N', 'Q')), { minLength: 40, maxLength: 40 }),
      tol: fc.constantFrom(undefined, 0, 300),
      exact: fc.boolean(),
      coarse: fc.boolean(),
    });
    for (const c of fc.sample(arb, { numRuns: soak(10), seed: soakSeed(5) })) {
      const lt = [...c.lt].sort((x, y) => x - y);
      const rt = [...c.rt].sort((x, y) => x - y).map((t, i) => (i % 3 === 1 ? rt0(c.rt, i) : t));
      const l = batch({ ts: lt, k: c.lk.slice(0, lt.length), q: lt.map((_, i) => i) }, { ts: 'timestamp[ms]', k: 'utf8', q: 'int32' });
      const r = batch(
        { ts: rt, k: c.rk.slice(0, rt.length).map((x) => x[0]), venue: c.rk.slice(0, rt.length).map((x) => x[1]), px: rt.map((_, i) => i) },
        { ts: 'timestamp[ms]', k: 'utf8', venue: 'utf8', px: 'float64' },
      );
      const opts: AsofJoinOptions = { by: 'k', allowExactMatches: c.exact, ...(c.tol !== undefined ? { tolerance: c.tol } : {}) };
      const stateBy = c.coarse ? ['k', 'venue'] : ['k'];
      const expected = await replay(({ l, r }) => l.pipe(asofJoin(r, opts)), { l, r });
      await expectParity(
        ({ l, r }) => {
          const book = keyedState(r, { by: stateBy });
          return l.pipe(asofJoin(book, opts));
        },
        { l, r },
        { runs: soak(8) },
      );
      const got = await replay(
        ({ l, r }) => l.pipe(asofJoin(keyedState(r, { by: stateBy }), opts)),
        { l, r },
      );
      expectBatchesEqual(got.batches, expected.batches, { concat: true });
    }
  });

  it('keyedRight: keys default to the state’s, must be among them; rightOn follows the state’s on', () => {
    const st = keyedState(of(), { by: ['k', 'venue'], on: 'time' });
    const [, o1] = keyedRight(st, {});
    expect(o1).toEqual({ by: ['k', 'venue'], rightOn: 'time' });
    expect(keyedRight(st, { by: [] })[1]).toEqual({ by: [], rightOn: 'time' });
    expect(keyedRight(st, { leftBy: 'sym', rightBy: 'k', leftOn: 'ts' })[1]).toEqual({ leftBy: 'sym', rightBy: 'k', leftOn: 'ts', rightOn: 'time' });
    expect(errorOf(() => keyedRight(st, { by: 'px' }))).toMatchObject({ option: 'by' });
    expect(errorOf(() => keyedRight(st, { on: 'ts' }))).toMatchObject({ option: 'on' });
    expect(keyedRight(st, { direction: 'backward' })[1]).toMatchObject({ direction: 'backward' });
    expect(errorOf(() => keyedRight(st, { direction: 'forward' }))).toMatchObject({ option: 'direction' });
    expect(errorOf(() => keyedRight(st, { direction: 'nearest' }))).toMatchObject({ option: 'direction' });
    const plain = of<RecordBatch>();
    expect(keyedRight(plain, { by: 'x' })[0]).toBe(plain);
  });
});

/** A time equal to its predecessor's (ties on the right side). */
function rt0(times: number[], i: number): number {
  const s = [...times].sort((x, y) => x - y);
  return s[i - 1];
}

describe('lastByKey snapshot against nodejs-polars (oracle)', () => {
  it('the snapshot equals unique(subset: key, keep: last) on random data', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.integer({ min: 0, max: 5 }), fc.option(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { freq: 6 }), fc.option(fc.integer({ min: -50, max: 50 }), { freq: 5 })),
          { minLength: 1, maxLength: 60 },
        ),
        fc.array(fc.integer({ min: 1, max: 60 }), { maxLength: 4 }),
        (rows, cuts) => {
          let t = 0;
          const ts = rows.map(([d]) => (t += d));
          const b = batch({ ts, k: rows.map((r) => r[1]), v: rows.map((r) => r[2]) }, { ts: 'timestamp[ms]', k: 'utf8', v: 'int32' });
          const st = keyedState(of(...split(b, cuts.map((c) => c % ts.length).filter((c) => c > 0).sort((x, y) => x - y))), { by: 'k' });
          st.connect();
          const got = sortByKey(toRows(st.snapshot()));
          const want = sortByKey(toRows(fromPolars(toPolars(b).unique({ subset: ['k'], keep: 'last', maintainOrder: true }))));
          expect(got).toEqual(want);
        },
      ),
      { numRuns: soak(60) },
    );
  });
});

function sortByKey(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  return [...rows].sort((x, y) => String(x.k ?? '').localeCompare(String(y.k ?? '')) || (x.k === null ? -1 : 1));
}



describe('asofJoin against a keyed state', () => {
  it('takes the state as its right side (keys default to the state’s) and refuses forward joins', async () => {
    const l = batch({ ts: [2, 5, 6], k: ['a', 'b', 'a'] }, { ts: 'timestamp[ms]', k: 'utf8' });
    const r = batch({ ts: [1, 1, 4, 6], k: ['a', 'b', 'a', 'b'], px: [10, 20, 11, 21] }, { ts: 'timestamp[ms]', k: 'utf8', px: 'float64' });
    const out = await replay(({ l, r }) => l.pipe(asofJoin(keyedState(r, { by: 'k' }))), { l, r });
    expect(toColumns(out)).toEqual({ ts: [2n, 5n, 6n], k: ['a', 'b', 'a'], px: [10, 20, 11] });
    expect(() => asofJoin(keyedState(of(r), { by: 'k' }), { direction: 'forward' })).toThrow(/only 'backward' joins against it are exact/);
  });
});
