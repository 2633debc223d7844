import { describe, expect, it } from 'vitest';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Observable, bufferTime, debounceTime, map, merge, mergeMap, of, tap, filter as rxFilter } from 'rxjs';
import { RecordBatch, Table, tableToIPC } from 'apache-arrow';
import fc from 'fast-check';
import { replay } from '../../src/time/replay';
import { batch, split } from '../../src/testing/builders';
import { toColumns } from '../../src/testing/read';
import { timeValuesNs, resolveTimeColumn } from '../../src/batch/time';
import {
  ColumnTypeError,
  InvalidOptionError,
  MissingColumnError,
  NotARecordBatchError,
  NullTimeError,
  RunError,
  SchemaChangeError,
  TimeOrderError,
  UnknownInputError,
} from '../../src/errors';
import { soak } from '../helpers/soak';

const T0 = Date.UTC(2024, 0, 2, 9, 30);
const ms = (n: number) => T0 + n;

function trades(times: number[], extra: Partial<Record<string, unknown[]>> = {}) {
  return batch(
    { ts: times.map(ms), px: times.map((t, i) => (extra.px ? (extra.px[i] as number) : t / 10)) },
    { ts: 'timestamp[ms]', px: 'float64' },
  );
}

function timesOf(b: RecordBatch, name = 'ts'): bigint[] {
  return Array.from(timeValuesNs(b.data.children[resolveTimeColumn(b.schema, name).index], resolveTimeColumn(b.schema, name).encoding));
}

describe('replay', () => {
  it('replays a table through an identity pipeline, unchanged', async () => {
    const t = trades([0, 5, 5, 1000, 1500, 4000]);
    const out = await replay(({ trades }) => trades, { trades: new Table([t]) });
    expect(toColumns(out)).toEqual(toColumns(t));
  });

  it('never delivers a row before its time (no look-ahead), for every cycle length', async () => {
    const t = trades([0, 5, 5, 999, 1000, 1500, 4000, 4001, 60_000]);
    for (const cycle of [0, 1, 7, 1000, 60_000, undefined]) {
      const seen: [bigint, bigint[]][] = [];
      await replay(
        ({ trades }, { scheduler }) => trades.pipe(tap((b) => seen.push([scheduler.nowNs(), timesOf(b)]))),
        { trades: t },
        { cycle },
      );
      expect(seen.flatMap(([, ts]) => ts)).toEqual(timesOf(t));
      for (const [now, ts] of seen) {
        for (const x of ts) expect(now >= x).toBe(true);
      }
    }
  });

  it('cycle: 0 delivers one instant per distinct timestamp, at that timestamp', async () => {
    const t = trades([0, 5, 5, 7]);
    const seen: [number, number][] = [];
    await replay(({ trades }, { scheduler }) => trades.pipe(tap((b) => seen.push([scheduler.now() - T0, b.numRows]))), { trades: t }, { cycle: 0 });
    expect(seen).toEqual([[0, 1], [5, 2], [7, 1]]);
  });

  it('a cycle delivers every input in one instant, at the latest row time of the cycle', async () => {
    // T0 is a whole minute: cycles of 10 ms start at T0
    const a = trades([0, 3, 12, 25]);
    const b = trades([4, 9, 10, 31]);
    const seen: string[] = [];
    await replay(
      ({ a: sa, b: sb }, { scheduler }) =>
        merge(sa.pipe(map((x) => ['a', x] as const)), sb.pipe(map((x) => ['b', x] as const))).pipe(
          tap(([k, x]) => seen.push(`${scheduler.now() - T0}:${k}${x.numRows}`)),
          map(([, x]) => x),
        ),
      { a, b },
      { cycle: 10 },
    );
    expect(seen).toEqual(['9:a2', '9:b2', '12:a1', '12:b1', '25:a1', '31:b1']);
  });

  it('skips empty cycles: the clock jumps to the next row', async () => {
    const t = trades([0, 86_400_000]);
    let instants = 0;
    await replay(({ trades }) => trades, { trades: t }, { cycle: 1, onProgress: (p) => (instants = p.instants) });
    expect(instants).toBe(2);
  });

  it('concatenates a window that spans source batches into one batch per input per instant', async () => {
    const t = trades([0, 1, 2, 3, 4, 5, 6]);
    const parts = split(t, [2, 3, 5]);
    const sizes: number[] = [];
    await replay(({ trades }) => trades.pipe(tap((b) => sizes.push(b.numRows))), { trades: parts }, { cycle: 4 });
    expect(sizes).toEqual([4, 3]);
  });

  it('with coalesce: false delivers the source pieces of a window one after the other in the same instant', async () => {
    const t = trades([0, 1, 2, 3, 4, 5, 6]);
    const parts = split(t, [2, 3, 5]);
    const seen: string[] = [];
    const out = await replay(
      ({ trades }, { scheduler }) => trades.pipe(tap((b) => seen.push(`${b.numRows}@${scheduler.now() - T0}`))),
      { trades: parts },
      { cycle: 4, coalesce: false },
    );
    // source batches [0, 1] [2] [3, 4] [5, 6]; window [0, 4) → 2, 1, 1 rows at 3; [4, 8) → 1, 2 rows at 6
    expect(seen).toEqual(['2@3', '1@3', '1@3', '1@6', '2@6']);
    expect(toColumns(out)).toEqual(toColumns(t));
  });

  it('start (inclusive) and end (exclusive) bound the rows', async () => {
    const t = trades([0, 5, 10, 15, 20]);
    const out = await replay(({ trades }) => trades, { trades: t }, { start: ms(5), end: ms(15), cycle: 0 });
    expect(timesOf(out.batches[0]).length + (out.batches[1] ? timesOf(out.batches[1]).length : 0)).toBe(2);
    expect(toColumns(out).ts).toEqual(toColumns(trades([5, 10])).ts);
  });

  it('runs timers due before an instant first, and timers due at the instant after its data', async () => {
    const log: string[] = [];
    await replay(
      ({ trades }, { scheduler }) => {
        scheduler.schedule(() => log.push(`timer@${scheduler.now() - T0}`), 5);
        scheduler.schedule(() => log.push(`timer@${scheduler.now() - T0}`), 10);
        return trades.pipe(tap((b) => log.push(`data@${scheduler.now() - T0}:${b.numRows}`)));
      },
      { trades: trades([0, 10]) },
      { cycle: 0 },
    );
    expect(log).toEqual(['data@0:1', 'timer@5', 'data@10:1', 'timer@10']);
  });

  it('reads async iterables lazily, one batch ahead at most', async () => {
    let pulled = 0;
    const delivered: number[] = [];
    async function* gen() {
      for (let i = 0; i < 20; i++) {
        pulled++;
        yield trades([i * 100, i * 100 + 50]);
      }
    }
    await replay(
      ({ trades }) => trades.pipe(tap(() => delivered.push(pulled))),
      { trades: gen() },
      { cycle: 100 },
    );
    expect(delivered.length).toBe(20);
    delivered.forEach((p, i) => expect(p).toBeLessThanOrEqual(i + 2));
  });

  it('reads Arrow IPC files and streams from paths', async () => {
    const dir = join(tmpdir(), `weir-replay-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    const t = new Table(split(trades([0, 1, 2, 3, 4, 5]), [2, 4]));
    writeFileSync(join(dir, 'a.arrow'), tableToIPC(t, 'file'));
    writeFileSync(join(dir, 'a.arrows'), tableToIPC(t, 'stream'));
    for (const f of ['a.arrow', 'a.arrows']) {
      const out = await replay(({ x }) => x, { x: join(dir, f) }, { cycle: 0 });
      expect(toColumns(out)).toEqual(toColumns(t));
    }
  });

  it('returns a record of tables for a record of outputs, and streams to a sink without collecting', async () => {
    const t = trades([0, 1, 2]);
    const out = await replay(({ trades }) => ({ all: trades, big: trades.pipe(map((b) => b.slice(1))) }), { trades: t }, { cycle: 0 });
    expect(out.all.numRows).toBe(3);
    expect(out.big.numRows).toBe(0);
    const got: string[] = [];
    const res = await replay(({ trades }) => ({ x: trades }), { trades: t }, { sink: (b, name) => got.push(`${name}:${b.numRows}`) });
    expect(got).toEqual(['x:3']);
    expect(res.x.numRows).toBe(0);
  });

  it('gives identical bufferTime/debounceTime output as fast as possible and at speed 1', async () => {
    const t = trades([0, 10, 20, 60, 70, 150, 160, 300]);
    const pipeline = ({ trades }: { trades: Observable<RecordBatch> }, { scheduler }: { scheduler: import('rxjs').SchedulerLike }) =>
      trades.pipe(
        bufferTime(50, scheduler),
        rxFilter((bs) => bs.length > 0),
        debounceTime(30, scheduler),
        map((bs) => batch({ ts: [scheduler.now()], n: [bs.reduce((s, b) => s + b.numRows, 0)] }, { ts: 'timestamp[ms]', n: 'float64' })),
      );
    const fast = await replay(pipeline, { trades: t }, { cycle: 0 });
    const wall = performance.now();
    const paced = await replay(pipeline, { trades: t }, { cycle: 0, speed: 1 });
    expect(performance.now() - wall).toBeGreaterThanOrEqual(250);
    expect(toColumns(paced)).toEqual(toColumns(fast));
    expect(fast.numRows).toBeGreaterThan(0);
  });

  it('virtualDefaultScheduler runs an unmodified chain in virtual time, like passing the scheduler', async () => {
    const t = trades([0, 10, 20, 60, 70, 150, 160, 300]);
    const stamp = (now: () => number) => map((b: RecordBatch) => batch({ ts: [now()], n: [b.numRows] }, { ts: 'timestamp[ms]', n: 'float64' }));
    const explicit = await replay(({ trades }, { scheduler }) => trades.pipe(debounceTime(25, scheduler), stamp(() => scheduler.now())), { trades: t }, { cycle: 0 });
    const implicit = await replay(({ trades }, { scheduler }) => trades.pipe(debounceTime(25), stamp(() => scheduler.now())), { trades: t }, { cycle: 0, virtualDefaultScheduler: true });
    expect(toColumns(implicit)).toEqual(toColumns(explicit));
    expect(explicit.numRows).toBe(4);
  });

  it('refuses two overlapping replays that both route the default scheduler', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    async function* slow() {
      yield trades([0]);
      await gate;
      yield trades([10]);
    }
    const first = replay(({ x }) => x, { x: slow() }, { virtualDefaultScheduler: true });
    await new Promise((r) => setTimeout(r, 10));
    await expect(replay(({ x }) => x, { x: trades([0]) }, { virtualDefaultScheduler: true })).rejects.toThrow(RunError);
    release();
    await first;
    await expect(replay(({ x }) => x, { x: trades([0]) }, { virtualDefaultScheduler: true })).resolves.toBeInstanceOf(Table);
  });

  it('identical output for any batch split and cycle length (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 60 }),
        fc.array(fc.integer({ min: 1, max: 59 }), { maxLength: 5 }),
        fc.constantFrom(0, 1, 7, 1000, 60_000, undefined),
        async (raw, cuts, cycle) => {
          const times = raw.sort((x, y) => x - y);
          const whole = trades(times);
          const parts = split(whole, [...new Set(cuts.filter((c) => c < times.length))].sort((x, y) => x - y));
          const out = await replay(({ t }) => t.pipe(map((b) => b)), { t: parts }, { cycle });
          expect(toColumns(out)).toEqual(toColumns(whole));
        },
      ),
      { numRuns: soak(60) },
    );
  });

  describe('bad input', () => {
    it('missing time column', async () => {
      const b = batch({ time: [ms(0)] }, { time: 'timestamp[ms]' });
      const err = await replay(({ x }) => x, { x: b }).catch((e) => e);
      expect(err).toBeInstanceOf(MissingColumnError);
      expect(err).toMatchObject({ input: 'x', column: 'ts' });
      expect(err.message).toMatch(/'time'/);
    });

    it('wrong-typed time column', async () => {
      const err = await replay(({ x }) => x, { x: batch({ ts: ['a'] }) }).catch((e) => e);
      expect(err).toBeInstanceOf(ColumnTypeError);
      expect(err).toMatchObject({ input: 'x', column: 'ts' });
      expect(err.message).toMatch(/Timestamp/);
    });

    it('time going backwards, with the row counted over the stream', async () => {
      const err = await replay(({ x }) => x, { x: [trades([0, 1]), trades([2, 1])] }).catch((e) => e);
      expect(err).toBeInstanceOf(TimeOrderError);
      expect(err).toMatchObject({ input: 'x', column: 'ts', row: 3 });
    });

    it('null time', async () => {
      const err = await replay(({ x }) => x, { x: batch({ ts: [ms(0), null] }, { ts: 'timestamp[ms]' }) }).catch((e) => e);
      expect(err).toBeInstanceOf(NullTimeError);
      expect(err).toMatchObject({ input: 'x', column: 'ts', row: 1 });
    });

    it('schema changing mid-stream', async () => {
      const other = batch({ ts: [ms(5)], px: [1] }, { ts: 'timestamp[ms]', px: 'int32' });
      const err = await replay(({ x }) => x, { x: [trades([0]), other] }).catch((e) => e);
      expect(err).toBeInstanceOf(SchemaChangeError);
      expect(err).toMatchObject({ input: 'x', column: 'px', row: 1 });
    });

    it('a non-RecordBatch value in a stream or an output', async () => {
      const err = await replay(({ x }) => x, { x: [trades([0]), { rows: 1 } as unknown as RecordBatch] }).catch((e) => e);
      expect(err).toBeInstanceOf(NotARecordBatchError);
      expect(err).toMatchObject({ input: 'x', row: 1 });
      const err2 = await replay(({ x }) => x.pipe(mergeMap(() => of(42 as unknown as RecordBatch))), { x: trades([0]) }).catch((e) => e);
      expect(err2).toBeInstanceOf(NotARecordBatchError);
      expect(err2.message).toMatch(/output 'result'/);
    });

    it('an unknown input name', async () => {
      const err = await replay((inputs) => (inputs as Record<string, Observable<RecordBatch>>).quotes, { trades: trades([0]) }).catch((e) => e);
      expect(err).toBeInstanceOf(UnknownInputError);
      expect(err.message).toMatch(/'quotes'.*'trades'/);
      await expect(replay(({ trades }) => trades, { trades: trades([0]) }, { time: { quotes: 'ts' } })).rejects.toThrow(UnknownInputError);
    });

    it('start after end, bad cycle and speed', async () => {
      await expect(replay(({ x }) => x, { x: trades([0]) }, { start: ms(10), end: ms(5) })).rejects.toThrow(InvalidOptionError);
      await expect(replay(({ x }) => x, { x: trades([0]) }, { cycle: -1 })).rejects.toThrow(/cycle/);
      await expect(replay(({ x }) => x, { x: trades([0]) }, { cycle: { months: 1 } })).rejects.toThrow(/months/);
      await expect(replay(({ x }) => x, { x: trades([0]) }, { speed: 0 })).rejects.toThrow(/speed/);
    });

    it('an error inside the pipeline rejects the replay', async () => {
      await expect(
        replay(({ x }) => x.pipe(map(() => { throw new Error('boom'); })), { x: trades([0]) }),
      ).rejects.toThrow('boom');
    });
  });
});

describe('replay progress and cycle options', () => {
  it('accepts a date-fns Duration as the cycle', async () => {
    const t = trades([0, 500, 1000, 1999, 2000]);
    const sizes: number[] = [];
    await replay(({ trades }) => trades.pipe(tap((b) => sizes.push(b.numRows))), { trades: t }, { cycle: { seconds: 1 } });
    expect(sizes).toEqual([2, 2, 1]);
  });

  it('reports progress: rows, event time reached, and a final call', async () => {
    const t = trades([0, 1000, 2000]);
    const calls: { rows: number; time: number; done: boolean }[] = [];
    await replay(({ trades }) => trades, { trades: t }, { cycle: 0, progressInterval: 0, onProgress: (p) => calls.push({ rows: p.rows, time: p.time, done: p.done }) });
    expect(calls.at(-1)).toEqual({ rows: 3, time: ms(2000), done: true });
    expect(calls.filter((c) => !c.done).map((c) => c.rows)).toEqual([1, 2, 3]);
  });

  it('printProgress writes one final line off a terminal, rewritten lines on one', async () => {
    const { printProgress } = await import('../../src/time/progress-printer');
    const log: string[] = [];
    await replay(({ trades }) => trades, { trades: trades([0, 1000]) }, { cycle: 0, progressInterval: 0, onProgress: printProgress({ write: (s: string) => log.push(s) }) });
    expect(log).toHaveLength(1);
    expect(log[0]).toMatch(/^replay: 2024-01-02T09:30:01.000Z {2}2 rows .* M rows\/s/);
    const tty: string[] = [];
    await replay(({ trades }) => trades, { trades: trades([0, 1000]) }, { cycle: 0, progressInterval: 0, onProgress: printProgress({ write: (s: string) => tty.push(s), isTTY: true }) });
    expect(tty.length).toBe(3);
    expect(tty.every((s) => s.startsWith('\r'))).toBe(true);
    expect(tty.at(-1)!.endsWith('\n')).toBe(true);
  });
});
