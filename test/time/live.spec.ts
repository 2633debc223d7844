import { describe, expect, it } from 'vitest';
import { Subject, tap, bufferTime, debounceTime, map, filter as rxFilter } from 'rxjs';
import type { RecordBatch } from 'apache-arrow';
import { live } from '../../src/time/live';
import { replay } from '../../src/time/replay';
import { batch } from '../../src/testing/builders';
import { toColumns } from '../../src/testing/read';
import { LateDataError, TimeOrderError, UnknownInputError, NotARecordBatchError } from '../../src/errors';

const T0 = Date.UTC(2024, 0, 2);
const mk = (times: number[]) => batch({ ts: times.map((t) => T0 + t), v: times.map((t) => t * 2) }, { ts: 'timestamp[ms]', v: 'float64' });
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('live', () => {
  it('coalesces batches that arrive in the same tick into one instant, with a microtask (no timer)', async () => {
    const s = new Subject<RecordBatch>();
    const seen: number[] = [];
    const run = live(({ x }) => x.pipe(tap((b) => seen.push(b.numRows))), { x: s });
    s.next(mk([0]));
    s.next(mk([1, 2]));
    expect(seen).toEqual([]);
    await Promise.resolve();
    expect(seen).toEqual([3]);
    s.next(mk([3]));
    await tick();
    s.next(mk([4]));
    s.complete();
    const out = await run;
    expect(seen).toEqual([3, 1, 1]);
    expect(toColumns(out)).toEqual(toColumns(mk([0, 1, 2, 3, 4])));
  });

  it('its clock is the wall clock', async () => {
    const s = new Subject<RecordBatch>();
    let now = 0;
    const run = live((inputs, { scheduler }) => inputs.x.pipe(tap(() => (now = scheduler.now()))), { x: s });
    s.next(mk([0]));
    s.complete();
    await run;
    expect(Math.abs(now - Date.now())).toBeLessThan(1000);
  });

  it('time going backwards within a source is an error naming input, column and row; drop skips those rows', async () => {
    const s = new Subject<RecordBatch>();
    const run = live(({ x }) => x, { x: s });
    s.next(mk([0, 5]));
    s.next(mk([6, 4]));
    const err = await run.catch((e) => e);
    expect(err).toBeInstanceOf(TimeOrderError);
    expect(err).toMatchObject({ input: 'x', column: 'ts', row: 3 });

    const s2 = new Subject<RecordBatch>();
    const late: number[] = [];
    const run2 = live(({ x }) => x, { x: s2 }, { late: 'drop', onLate: (i) => late.push(i.rows) });
    s2.next(mk([0, 5]));
    s2.next(mk([6, 4, 7]));
    s2.complete();
    const out = await run2;
    expect(toColumns(out).v).toEqual([0, 10, 12, 14]);
    expect(late).toEqual([1]);
  });

  it('with maxLateness, an idle source stops holding the watermark, and its rows behind it are late', async () => {
    const a = new Subject<RecordBatch>();
    const b = new Subject<RecordBatch>();
    const now = Date.now();
    const mkAt = (t: number) => batch({ ts: [t], v: [1] }, { ts: 'timestamp[ms]', v: 'float64' });
    const run = live(({ a }) => a, { a, b }, { maxLateness: 20, watermarkInterval: 5 });
    a.next(mkAt(now));
    await new Promise((r) => setTimeout(r, 60));
    // b was idle: the watermark moved to about now - 20 ms; a row from well before is late
    b.next(mkAt(now - 10_000));
    const err = await run.catch((e) => e);
    expect(err).toBeInstanceOf(LateDataError);
    expect(err).toMatchObject({ input: 'b', column: 'ts', row: 0 });
  });

  it('late: drop counts late rows; accept delivers them', async () => {
    for (const policy of ['drop', 'accept'] as const) {
      const a = new Subject<RecordBatch>();
      const b = new Subject<RecordBatch>();
      const now = Date.now();
      const mkAt = (t: number) => batch({ ts: [t], v: [1] }, { ts: 'timestamp[ms]', v: 'float64' });
      const late: number[] = [];
      const run = live(({ b }) => b, { a, b }, { maxLateness: 10, watermarkInterval: 5, late: policy, onLate: (i) => late.push(i.rows) });
      a.next(mkAt(now));
      await new Promise((r) => setTimeout(r, 40));
      b.next(mkAt(now - 10_000));
      a.complete();
      b.complete();
      const out = await run;
      expect(late).toEqual([1]);
      expect(out.numRows).toBe(policy === 'drop' ? 0 : 1);
    }
  });

  it('gives the same bufferTime/debounceTime results whatever the pipeline clock, given the same delivery instants', async () => {
    // live and replay share the pipeline; RxJS time operators see delivery instants.
    const pipeline = ({ x }: { x: import('rxjs').Observable<RecordBatch> }, { scheduler }: { scheduler: import('rxjs').SchedulerLike }) =>
      x.pipe(bufferTime(1000, scheduler), rxFilter((bs) => bs.length > 0), debounceTime(10, scheduler), map((bs) => bs[0]));
    const s = new Subject<RecordBatch>();
    const run = live(pipeline, { x: s });
    s.next(mk([0]));
    s.complete();
    const out = await run;
    const rep = await replay(pipeline, { x: mk([0]) });
    expect(toColumns(out)).toEqual(toColumns(rep));
  });

  it('bad input: unknown input names and non-batches', async () => {
    await expect(live((i) => (i as unknown as Record<string, never>).nope, { x: new Subject<RecordBatch>() })).rejects.toThrow(UnknownInputError);
    const s = new Subject<RecordBatch>();
    const run = live(({ x }) => x, { x: s });
    s.next('hello' as unknown as RecordBatch);
    await expect(run).rejects.toThrow(NotARecordBatchError);
  });

  it('stops on an abort signal and resolves with what was collected', async () => {
    const s = new Subject<RecordBatch>();
    const ac = new AbortController();
    const run = live(({ x }) => x, { x: s }, { signal: ac.signal });
    s.next(mk([0, 1]));
    await tick();
    ac.abort();
    const out = await run;
    expect(out.numRows).toBe(2);
    expect(s.observed).toBe(false);
  });
});
