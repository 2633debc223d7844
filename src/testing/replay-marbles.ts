/**
 * Marble tests on weir's `ReplayScheduler`: the same marble syntax as RxJS's
 * `TestScheduler.run` (one character = one frame, `10ms` time progressions, `^` and `!`,
 * `#` and `|`), with frames mapped to milliseconds of replay time, so a pipeline's time
 * operators run on the clock they get under `replay` (`context.scheduler`).
 */
import { Observable, Subject, type Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ReplayScheduler } from '../time/replay-scheduler';
import type { BatchEqualOptions } from './match';
import { assertFramesEqual } from './marbles';

interface Message {
  frame: number;
  notification: { kind: 'N' | 'E' | 'C'; value?: unknown; error?: unknown };
}

export interface ReplayMarbleOptions extends BatchEqualOptions {
  /** Replay time of frame 0: epoch ms, or a `Date`. Default 0. */
  start?: number | Date;
  /** Milliseconds per frame. Default 1 (as in `TestScheduler.run`). */
  frame?: number;
}

export interface ReplayMarbleHelpers {
  /** The replay clock; hand it to time operators, as `context.scheduler` under `replay`. */
  scheduler: ReplayScheduler;
  /** An Observable that emits the marbles relative to when it is subscribed. */
  cold<T = string>(marbles: string, values?: Record<string, T>, error?: unknown): Observable<T>;
  /** An Observable that emits the marbles relative to frame 0 (`^` marks frame 0). */
  hot<T = string>(marbles: string, values?: Record<string, T>, error?: unknown): Observable<T>;
  /** Records `source` from frame 0 (or the `^` of `subscription`) and checks it at the end of the test. */
  expectObservable<T>(source: Observable<T>, subscription?: string): { toBe(marbles: string, values?: Record<string, unknown>, error?: unknown): void };
  /** The frame count of a marble string's time (`time('---|')` is 3). */
  time(marbles: string): number;
}

function parse(marbles: string, values?: Record<string, unknown>, error?: unknown): Message[] {
  const saved = TestScheduler.frameTimeFactor;
  TestScheduler.frameTimeFactor = 1;
  try {
    return TestScheduler.parseMarbles(marbles, values, error, true, true) as unknown as Message[];
  } finally {
    TestScheduler.frameTimeFactor = saved;
  }
}

function parseSubscription(marbles: string): { subscribedFrame: number; unsubscribedFrame: number } {
  const saved = TestScheduler.frameTimeFactor;
  TestScheduler.frameTimeFactor = 1;
  try {
    return TestScheduler.parseMarblesAsSubscriptions(marbles, true);
  } finally {
    TestScheduler.frameTimeFactor = saved;
  }
}

/**
 * Runs a marble test on a fresh `ReplayScheduler`; batch values are compared with the
 * batch matcher.
 *
 * @example
 * replayMarbles(({ cold, expectObservable, scheduler }) => {
 *   const src = cold('a-b 50ms c|', { a: batchA, b: batchB, c: batchC });
 *   expectObservable(src.pipe(debounceTime(20, scheduler))).toBe('--- 19ms b 30ms (c|)', { b: batchB, c: batchC });
 * });
 */
export function replayMarbles(run: (helpers: ReplayMarbleHelpers) => void, options: ReplayMarbleOptions = {}): void {
  const frameMs = options.frame ?? 1;
  const start = options.start instanceof Date ? options.start.getTime() : (options.start ?? 0);
  const scheduler = new ReplayScheduler(start);
  const checks: (() => void)[] = [];
  const setups: (() => void)[] = [];
  const at = (frame: number) => frame * frameMs;

  const deliver = <T>(s: { next(v: T): void; error(e: unknown): void; complete(): void }, m: Message) => {
    if (m.notification.kind === 'N') s.next(m.notification.value as T);
    else if (m.notification.kind === 'E') s.error(m.notification.error);
    else s.complete();
  };

  const cold = <T>(marbles: string, values?: Record<string, T>, error?: unknown): Observable<T> => {
    if (marbles.includes('^')) throw new Error('cold observable cannot have subscription offset "^"');
    const messages = parse(marbles, values, error);
    return new Observable<T>((subscriber) => {
      const subs: Subscription[] = messages.map((m) => scheduler.schedule(() => deliver(subscriber, m), at(m.frame)));
      return () => subs.forEach((s) => s.unsubscribe());
    });
  };

  const hot = <T>(marbles: string, values?: Record<string, T>, error?: unknown): Observable<T> => {
    const subject = new Subject<T>();
    const messages = parse(marbles, values, error);
    // scheduled when the test body has run, as TestScheduler does, so that subscriptions
    // scheduled by expectObservable for the same frame come first
    setups.push(() => {
      for (const m of messages) if (m.frame >= 0) scheduler.schedule(() => deliver(subject, m), at(m.frame));
    });
    return subject.asObservable();
  };

  const expectObservable = <T>(source: Observable<T>, subscription = '^') => {
    const { subscribedFrame, unsubscribedFrame } = parseSubscription(subscription);
    const actual: Message[] = [];
    let sub: Subscription | undefined;
    const record = (notification: Message['notification']) =>
      actual.push({ frame: (scheduler.now() - start) / frameMs, notification });
    scheduler.schedule(() => {
      sub = source.subscribe({
        next: (value) => record({ kind: 'N', value }),
        error: (error) => record({ kind: 'E', error }),
        complete: () => record({ kind: 'C' }),
      });
    }, at(subscribedFrame === Infinity ? 0 : subscribedFrame));
    if (unsubscribedFrame !== Infinity) scheduler.schedule(() => sub?.unsubscribe(), at(unsubscribedFrame));
    return {
      toBe(marbles: string, values?: Record<string, unknown>, error?: unknown) {
        checks.push(() => assertFramesEqual(actual, parse(marbles, values, error), options));
      },
    };
  };

  const time = (marbles: string) => {
    const i = marbles.indexOf('|');
    const parsed = parse(i >= 0 ? marbles.slice(0, i + 1) : `${marbles}|`);
    return parsed[parsed.length - 1].frame;
  };

  run({ scheduler, cold, hot, expectObservable, time });
  for (const setup of setups) setup();
  scheduler.flush();
  for (const check of checks) check();
}
