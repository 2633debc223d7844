import { describe, expect, it } from 'vitest';
import { asyncScheduler, bufferTime, debounceTime, delay, interval, of, take, throttleTime, timeout, timer, sampleTime, Subject, firstValueFrom, toArray } from 'rxjs';
import { format } from 'date-fns';
import { ReplayScheduler } from '../../src/time/replay-scheduler';
import { TimerHeap } from '../../src/time/timer-heap';
import { routeDefaultScheduler } from '../../src/time/rx-adapter';
import { RunError } from '../../src/errors';
import fc from 'fast-check';

const T0 = Date.UTC(2024, 0, 2, 9, 30);

describe('TimerHeap', () => {
  it('pops in due order, FIFO for equal due times, skipping cancelled timers', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.boolean()), { maxLength: 200 }), (specs) => {
        const h = new TimerHeap();
        const timers = specs.map(([due, cancel], i) => ({ t: h.push(BigInt(due), () => i), due, cancel, i }));
        for (const x of timers) if (x.cancel) h.cancel(x.t);
        const expected = timers
          .filter((x) => !x.cancel)
          .sort((a, b) => a.due - b.due || a.i - b.i)
          .map((x) => x.i);
        expect(h.size).toBe(expected.length);
        const got: number[] = [];
        for (let t = h.pop(); t; t = h.pop()) got.push(t.task() as unknown as number);
        expect(got).toEqual(expected);
        expect(h.size).toBe(0);
      }),
    );
  });
});

describe('ReplayScheduler', () => {
  it('now() is the replay event time, readable with date-fns', () => {
    const s = new ReplayScheduler(T0);
    expect(format(s.now(), "yyyy-MM-dd")).toBe('2024-01-02');
    expect(s.nowNs()).toBe(BigInt(T0) * 1_000_000n);
    s.advanceTo(BigInt(T0) * 1_000_000n + 1_500n);
    expect(s.now()).toBeCloseTo(T0 + 0.0015, 6);
  });

  it('runs RxJS time operators in virtual time: timer, interval, delay', () => {
    const s = new ReplayScheduler(T0);
    const seen: [string, number][] = [];
    timer(1000, s).subscribe(() => seen.push(['timer', s.now() - T0]));
    interval(300, s).pipe(take(3)).subscribe((i) => seen.push([`interval${i}`, s.now() - T0]));
    of(1).pipe(delay(50, s)).subscribe(() => seen.push(['delay', s.now() - T0]));
    expect(seen).toEqual([]);
    s.flush();
    expect(seen).toEqual([
      ['delay', 50],
      ['interval0', 300],
      ['interval1', 600],
      ['interval2', 900],
      ['timer', 1000],
    ]);
    expect(s.pending).toBe(0);
  });

  it('runs bufferTime, debounceTime, throttleTime, sampleTime and timeout on its clock', () => {
    const s = new ReplayScheduler(0);
    const src = new Subject<number>();
    const out: Record<string, [number, unknown][]> = { buf: [], deb: [], thr: [], smp: [] };
    src.pipe(bufferTime(100, s)).subscribe((v) => out.buf.push([s.now(), v]));
    src.pipe(debounceTime(30, s)).subscribe((v) => out.deb.push([s.now(), v]));
    src.pipe(throttleTime(50, s)).subscribe((v) => out.thr.push([s.now(), v]));
    src.pipe(sampleTime(100, s)).subscribe((v) => out.smp.push([s.now(), v]));
    const at = (t: number, v: number) => {
      s.advanceTo(t);
      src.next(v);
    };
    at(10, 1);
    at(20, 2);
    at(70, 3);
    at(150, 4);
    s.advanceTo(250);
    src.complete();
    expect(out.deb).toEqual([[50, 2], [100, 3], [180, 4]]);
    expect(out.thr).toEqual([[10, 1], [70, 3], [150, 4]]);
    expect(out.smp).toEqual([[100, 3], [200, 4]]);
    expect(out.buf).toEqual([[100, [1, 2, 3]], [200, [4]], [250, []]]);
    let timedOut: unknown;
    new Subject<number>().pipe(timeout({ first: 40, scheduler: s })).subscribe({ error: (e) => (timedOut = [s.now(), e.name]) });
    s.flush();
    expect(timedOut).toEqual([290, 'TimeoutError']);
  });

  it('never runs a timer in the past, and advanceTo(t, false) stops before t', () => {
    const s = new ReplayScheduler(100);
    const log: number[] = [];
    s.scheduleAt(50_000_000n, () => log.push(s.now()));
    s.schedule(() => log.push(s.now()), 20);
    s.advanceTo(120, false);
    expect(log).toEqual([100]);
    s.advanceTo(120, true);
    expect(log).toEqual([100, 120]);
  });

  it('cancels actions on unsubscribe', () => {
    const s = new ReplayScheduler(0);
    let ran = false;
    const sub = s.schedule(() => (ran = true), 10);
    sub.unsubscribe();
    s.flush();
    expect(ran).toBe(false);
    expect(s.pending).toBe(0);
  });
});

describe('routeDefaultScheduler', () => {
  it('runs an unmodified chain (no scheduler argument) on the replay clock and restores asyncScheduler', async () => {
    const s = new ReplayScheduler(T0);
    const realNow = asyncScheduler.now();
    const restore = routeDefaultScheduler(s);
    const seen: number[] = [];
    try {
      of(1, 2).pipe(delay(1000)).subscribe((v) => seen.push(v));
      timer(500).subscribe(() => seen.push(s.now() - T0));
      expect(asyncScheduler.now()).toBe(T0);
      s.flush();
    } finally {
      restore();
    }
    expect(seen).toEqual([500, 1, 2]);
    expect(Math.abs(asyncScheduler.now() - realNow)).toBeLessThan(60_000);
    // after restore, the real scheduler runs again
    expect(await firstValueFrom(of(7).pipe(delay(1), toArray()))).toEqual([7]);
  });

  it('refuses a second concurrent routing with a clear error', () => {
    const restore = routeDefaultScheduler(new ReplayScheduler(0));
    try {
      expect(() => routeDefaultScheduler(new ReplayScheduler(0))).toThrow(RunError);
      expect(() => routeDefaultScheduler(new ReplayScheduler(0))).toThrow(/another replay/);
    } finally {
      restore();
    }
    routeDefaultScheduler(new ReplayScheduler(0))();
  });
});
