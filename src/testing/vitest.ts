/**
 * vitest matchers for batches: `expect(actual).toEqualBatch(expected, opts?)` and
 * `expect(actualList).toEqualBatches(expectedList, opts?)`, registered with
 * `expect.extend` when this module is imported (once, for instance from a vitest
 * `setupFiles` entry). Kept apart from the rest of `weir/testing`, which does not import
 * vitest.
 *
 * Equality is the one of `expectBatchEqual` / `expectBatchesEqual` (schema without
 * dictionary ids, nullability only with `checkNullability`, cells by decoded value).
 *
 * @example
 * import '../src/testing/vitest';
 * expect(out).toEqualBatch(batch({ x: [1, 2] }));
 * expect(outputs).toEqualBatches([batch({ x: [1, 2] })], { concat: true });
 */
import { expect } from 'vitest';
import type { RecordBatch, Table } from 'apache-arrow';
import { type BatchEqualOptions, type BatchDiff, diffBatch, diffBatches, summarize } from './match';
import type { BatchSource } from './read';

function result(d: BatchDiff | null, actual: unknown, what: string): { pass: boolean; message: () => string } {
  return {
    pass: d === null,
    message: () => (d ? d.message : `Expected ${what} to differ, but they are equal: ${summarize(actual)}`),
  };
}

expect.extend({
  toEqualBatch(received: unknown, expected: RecordBatch | Table, opts?: BatchEqualOptions) {
    return result(diffBatch(received, expected, opts ?? {}), received, 'the batches');
  },
  toEqualBatches(received: unknown, expected: BatchSource, opts?: BatchEqualOptions) {
    return result(diffBatches(received, expected, opts ?? {}), received, 'the batch lists');
  },
});

declare module 'vitest' {
  interface Matchers<T = any> {
    /** Equal to `expected` by schema (no dictionary ids) and content; see `expectBatchEqual`. */
    toEqualBatch(expected: RecordBatch | Table, opts?: BatchEqualOptions): T;
    /** Lists of batches equal pairwise, or by concatenated rows with `{ concat: true }`; see `expectBatchesEqual`. */
    toEqualBatches(expected: BatchSource, opts?: BatchEqualOptions): T;
  }
}
