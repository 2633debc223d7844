/**
 * Marble tests with RxJS's `TestScheduler` where the values are record batches.
 *
 * Batches are not deep-equal friendly (lazily built caches, fresh schema objects, buffers
 * that may be views of larger ones), so the scheduler's assertion compares frames itself:
 * the same frame times and notification kinds, and values compared with
 * {@link diffValues} — batches and tables by schema and content (the batch matcher),
 * arrays and objects holding batches element by element, errors by class and message,
 * everything else structurally. Subscription logs (`expectSubscriptions`) compare the
 * same way. A failure throws `BatchAssertionError` listing both frame sequences.
 */
import { type RunHelpers, TestScheduler } from 'rxjs/testing';
import { type BatchEqualOptions, BatchAssertionError, diffValues, summarize } from './match';

/** One recorded notification of a marble test (RxJS's `TestMessage`). */
interface Frame {
  frame: number;
  notification: { kind: 'N' | 'E' | 'C'; value?: unknown; error?: unknown };
}

/**
 * A `TestScheduler` whose assertions compare batch values with the batch matcher.
 * `opts` are the matcher's options (`checkNullability`, `tolerance`).
 *
 * @example
 * const scheduler = createBatchTestScheduler();
 * scheduler.run(({ cold, expectObservable }) => {
 *   const a = batch({ x: [1, 2] });
 *   expectObservable(cold('-a|', { a }).pipe(map((b) => b.slice(1)))).toBe('-b|', { b: batch({ x: [2] }) });
 * });
 */
export function createBatchTestScheduler(opts: BatchEqualOptions = {}): TestScheduler {
  return new TestScheduler((actual, expected) => assertFramesEqual(actual, expected, opts));
}

/**
 * Runs `run` in a fresh batch-aware `TestScheduler` (run mode: one frame per character,
 * virtual time) and returns its result. Assertions are checked when `run` returns.
 *
 * @example
 * marbleTest(({ cold, expectObservable }) => {
 *   const a = batch({ x: [1] });
 *   expectObservable(cold('-a-#', { a })).toBe('-a-#', { a: batch({ x: [1] }) });
 * });
 */
export function marbleTest<T>(run: (helpers: RunHelpers) => T, opts: BatchEqualOptions = {}): T {
  return createBatchTestScheduler(opts).run(run);
}

/**
 * The assertion behind {@link createBatchTestScheduler}: throws `BatchAssertionError`
 * unless the recorded frames (or subscription logs) are equal, batches compared by content.
 */
export function assertFramesEqual(actual: unknown, expected: unknown, opts: BatchEqualOptions = {}): void {
  if (isFrames(actual) && isFrames(expected)) {
    const d = diffFrames(actual, expected, opts);
    if (d) throw new BatchAssertionError(d);
    return;
  }
  const d = diffValues(actual, expected, opts, 'value');
  if (d) throw new BatchAssertionError(`Values differ: ${d}`);
}

function isFrames(x: unknown): x is Frame[] {
  return (
    Array.isArray(x) &&
    x.every((m) => m !== null && typeof m === 'object' && typeof (m as Frame).frame === 'number' && typeof (m as Frame).notification === 'object')
  );
}

const KIND: Record<string, string> = { N: 'next', E: 'error', C: 'complete' };

function describeFrame(m: Frame | undefined): string {
  if (!m) return 'nothing';
  const n = m.notification;
  if (n.kind === 'N') return `next at frame ${m.frame}`;
  return `${KIND[n.kind]} at frame ${m.frame}`;
}

function listFrames(frames: readonly Frame[]): string {
  if (!frames.length) return '    (no notifications)';
  return frames
    .map((m) => {
      const n = m.notification;
      const body = n.kind === 'N' ? `next ${summarize(n.value)}` : n.kind === 'E' ? `error ${summarize(n.error)}` : 'complete';
      return `    frame ${m.frame}: ${body}`;
    })
    .join('\n');
}

function diffFrames(actual: Frame[], expected: Frame[], opts: BatchEqualOptions): string | null {
  let head: string | null = null;
  for (let i = 0; i < Math.max(actual.length, expected.length) && !head; i++) {
    const a = actual[i];
    const e = expected[i];
    if (!a || !e || a.frame !== e.frame || a.notification.kind !== e.notification.kind) {
      head = `Marble frames differ at notification ${i}: expected ${describeFrame(e)}, got ${describeFrame(a)}`;
      break;
    }
    if (a.notification.kind === 'N') {
      const d = diffValues(a.notification.value, e.notification.value, opts, `value at frame ${a.frame}`);
      if (d) head = `Marble frames differ at notification ${i} (next at frame ${a.frame}):\n${indent(d)}`;
    } else if (a.notification.kind === 'E') {
      const d = diffValues(a.notification.error, e.notification.error, opts, `error at frame ${a.frame}`);
      if (d) head = `Marble frames differ at notification ${i} (error at frame ${a.frame}):\n${indent(d)}`;
    }
  }
  if (!head) return null;
  return `${head}\n  expected:\n${listFrames(expected)}\n  actual:\n${listFrames(actual)}`;
}

function indent(s: string): string {
  return s
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
