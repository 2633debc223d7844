import { describe, expect, it } from 'vitest';
import { Subject, map, of, delay, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { RecordBatch } from 'apache-arrow';
import fc from 'fast-check';
import { mergeSorted } from '../../operators/mergeSorted';
import { replay } from '../../src/time/replay';
import { live } from '../../src/time/live';
import { batch, split } from '../../src/testing/builders';
import type { SchemaSpec } from '../../src/testing/schema';
import { toColumns, toRows } from '../../src/testing/read';
import { LateDataError, SchemaChangeError, TimeOrderError } from '../../src/errors';
import { soak } from '../helpers/soak';

const T0 = Date.UTC(2024, 0, 2);
const mk = (times: number[], side: string, schema: SchemaSpec = { ts: 'timestamp[ms]', side: 'utf8', i: 'int32' }) =>
  batch({ ts: times.map((t) => T0 + t), side: times.map(() => side), i: times.map((_, k) => k) }, schema);

/** The reference: a stable sort by time, source rows before other rows at equal times. */
function reference(a: number[], b: number[]) {
  const rows = [
    ...a.map((t, i) => ({ t, side: 'a', i, k: 0 })),
    ...b.map((t, i) => ({ t, side: 'b', i, k: 1 })),
  ].sort((x, y) => x.t - y.t || x.k - y.k || x.i - y.i);
  return rows.map((r) => `${r.t}${r.side}${r.i}`);
}
const describeRows = (t: { numRows: number } & Parameters<typeof toRows>[0]) =>
  toRows(t).map((r) => `${Number(r.ts as bigint) - T0}${r.side}${r.i}`);

describe('mergeSorted', () => {
  it('merges two sorted streams by time; source rows first at equal times', async () => {
    const out = await replay(({ a, b }) => a.pipe(mergeSorted(b)), { a: mk([1, 3, 5], 'a'), b: mk([3, 4], 'b') }, { cycle: 0 });
    expect(describeRows(out)).toEqual(['1a0', '3a1', '3b0', '4b1', '5a2']);
  });

  it('releases rows once both inputs passed their time (marbles, outside a run)', () => {
    const ts = new TestScheduler((a, e) => expect(a).toEqual(e));
    ts.run(({ cold, expectObservable }) => {
      const a = cold('a---c--|', { a: mk([1, 3], 'a'), c: mk([9], 'a') });
      const b = cold('--b-----|', { b: mk([3, 4], 'b') });
      const out = a.pipe(mergeSorted(b), map((x) => describeRows(x as never).join(',')));
      // frame 2: b shows a row at 3, so everything before 3 is final (1a0); frame 4: the source shows 9
      // and b is complete through 3 (its last row is 4, more rows at 4 may follow): 3a1,3b0; frame 8: both complete
      expectObservable(out).toBe('--x-y---(z|)', { x: '1a0', y: '3a1,3b0', z: '4b1,9a0' });
    });
  });

  it('empty source, empty other, and errors propagate', () => {
    const ts = new TestScheduler((a, e) => expect(a).toEqual(e));
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const a = cold<RecordBatch>('|');
      const b = cold('-b|', { b: mk([3], 'b') });
      expectObservable(a.pipe(mergeSorted(b), map((x) => x.numRows))).toBe('--(x|)', { x: 1 });
      const e1 = cold<RecordBatch>('-#');
      const e2 = cold('---b|', { b: mk([3], 'b') });
      expectObservable(e1.pipe(mergeSorted(e2))).toBe('-#');
      expectSubscriptions(e2.subscriptions).toBe('^!');
    });
  });

  it('does not break unsubscription chains', () => {
    const ts = new TestScheduler((a, e) => expect(a).toEqual(e));
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const a = cold('--a--', { a: mk([1], 'a') });
      const b = cold('--b--', { b: mk([2], 'b') });
      // both sides showed rows, but neither is complete through the other's time: nothing is final yet
      expectObservable(a.pipe(mergeSorted(b), map((x) => x.numRows)), '----!').toBe('-----');
      expectSubscriptions(a.subscriptions).toBe('^---!');
      expectSubscriptions(b.subscriptions).toBe('^---!');
    });
  });

  it('identical output for any batch split, cycle length and delivery order (property)', async () => {
    const sortedTimes = fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 40 }).map((x) => x.sort((p, q) => p - q));
    const cuts = fc.array(fc.integer({ min: 1, max: 39 }), { maxLength: 4 });
    await fc.assert(
      fc.asyncProperty(sortedTimes, sortedTimes, cuts, cuts, fc.constantFrom(0, 1, 7, 1000, 60_000, undefined), fc.boolean(), async (ta, tb, ca, cb, cycle, swap) => {
        const cutsOf = (c: number[], n: number) => [...new Set(c.filter((x) => x < n))].sort((x, y) => x - y);
        const a = split(mk(ta, 'a'), cutsOf(ca, ta.length));
        const b = split(mk(tb, 'b'), cutsOf(cb, tb.length));
        const out = await replay(({ a, b }) => a.pipe(mergeSorted(b)), { a, b }, { cycle, order: swap ? ['b', 'a'] : ['a', 'b'] });
        expect(out.numRows === 0 ? [] : describeRows(out)).toEqual(reference(ta, tb));
      }),
      { numRuns: soak(80) },
    );
  });

  it('gives identical tables in replay and live (events pushed in time order)', async () => {
    const ta = [0, 2, 2, 5, 9, 9, 12];
    const tb = [1, 2, 5, 5, 13];
    const replayed = await replay(({ a, b }) => a.pipe(mergeSorted(b)), { a: mk(ta, 'a'), b: mk(tb, 'b') }, { cycle: 3 });
    const sa = new Subject<RecordBatch>();
    const sb = new Subject<RecordBatch>();
    const running = live(({ a, b }) => a.pipe(mergeSorted(b)), { a: sa, b: sb });
    // push one row at a time, interleaved by time, with ticks in between
    const events = [...ta.map((t, i) => ({ t, s: sa, b: mk([t], 'a'), i })), ...tb.map((t, i) => ({ t, s: sb, b: mk([t], 'b'), i }))].sort((x, y) => x.t - y.t);
    const ia = { n: 0 };
    const ib = { n: 0 };
    for (const e of events) {
      const idx = e.s === sa ? ia.n++ : ib.n++;
      e.s.next(mk([e.t], e.s === sa ? 'a' : 'b').slice(0, 1));
      void idx;
      await new Promise((r) => setTimeout(r, 0));
    }
    sa.complete();
    sb.complete();
    const lived = await running;
    // row indexes restart per pushed batch in live: compare time and side order
    const strip = (rows: string[]) => rows.map((r) => r.slice(0, -1));
    expect(strip(describeRows(lived))).toEqual(strip(describeRows(replayed)));
    expect(lived.numRows).toBe(ta.length + tb.length);
  });

  it('different schemas are an error naming the side and column', async () => {
    const b = mk([1], 'b', { ts: 'timestamp[ms]', side: 'utf8', i: 'float64' });
    const err = await replay(({ a, b }) => a.pipe(mergeSorted(b)), { a: mk([0], 'a'), b }).catch((e) => e);
    expect(err).toBeInstanceOf(SchemaChangeError);
    expect(err).toMatchObject({ column: 'i' });
  });

  it('unsorted input is an error naming the side, column and row', () => {
    let err: unknown;
    of(mk([1], 'a'))
      .pipe(mergeSorted(of(mk([5, 3], 'b'))))
      .subscribe({ error: (e) => (err = e) });
    expect(err).toBeInstanceOf(TimeOrderError);
    expect(err).toMatchObject({ input: 'other', column: 'ts', row: 1 });
  });

  it('a row delayed behind the watermark by an RxJS time operator is late: error by default, or dropped and counted', async () => {
    const a = mk([0, 10, 20], 'a');
    const b = mk([5, 15], 'b');
    const run = (late?: 'drop' | 'accept') =>
      replay(({ a, b }, { scheduler }) => a.pipe(mergeSorted(b.pipe(delay(1, scheduler)) as Observable<RecordBatch>, late ? { late } : {})), { a, b }, { cycle: 0 });
    const err = await run().catch((e) => e);
    expect(err).toBeInstanceOf(LateDataError);
    expect(err).toMatchObject({ input: 'other', column: 'ts', row: 0 });
    const dropped = await run('drop');
    expect(toColumns(dropped).side).toEqual(['a', 'a', 'a']);
    const accepted = await run('accept');
    expect(accepted.numRows).toBe(5);
  });
});
