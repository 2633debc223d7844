import { describe, expect, it } from 'vitest';
import { bufferTime, debounceTime, delay, map, throttleTime } from 'rxjs';
import { replayMarbles } from '../../src/testing/replay-marbles';
import { batch } from '../../src/testing/builders';

const b = (v: number) => batch({ v: [v] }, { v: 'float64' });

describe('replayMarbles', () => {
  it('runs RxJS time operators on the ReplayScheduler with marble syntax and batch values', () => {
    replayMarbles(({ cold, expectObservable, scheduler }) => {
      const src = cold('a-b 50ms c|', { a: b(1), b: b(2), c: b(3) });
      expectObservable(src.pipe(debounceTime(20, scheduler))).toBe('-- 20ms b 31ms (c|)', { b: b(2), c: b(3) });
      expectObservable(src.pipe(throttleTime(10, scheduler))).toBe('a 52ms c|', { a: b(1), c: b(3) });
      expectObservable(src.pipe(delay(5, scheduler))).toBe('----- a-b 50ms (c|)', { a: b(1), b: b(2), c: b(3) });
    });
  });

  it('maps frames to replay time from a start date', () => {
    const start = Date.UTC(2024, 0, 2, 9, 30);
    const seen: number[] = [];
    replayMarbles(
      ({ hot, expectObservable, scheduler }) => {
        const src = hot('^-a--b|', { a: 1, b: 2 });
        expectObservable(src.pipe(map((x) => (seen.push(scheduler.now()), x)), bufferTime(3000, scheduler))).toBe('---x--(y|)', { x: [1], y: [2] });
      },
      { start, frame: 1000 },
    );
    expect(seen).toEqual([start + 2000, start + 5000]);
  });

  it('reports a mismatch with the batch matcher', () => {
    expect(() =>
      replayMarbles(({ cold, expectObservable }) => {
        expectObservable(cold('a|', { a: b(1) })).toBe('a|', { a: b(2) });
      }),
    ).toThrow(/v/);
  });

  it('honours subscription and unsubscription marbles', () => {
    replayMarbles(({ hot, expectObservable }) => {
      const src = hot('a-b-c-d|');
      expectObservable(src, '--^--!').toBe('--b-c');
    });
  });
});
