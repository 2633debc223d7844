/**
 * The body shared by the single-input, batch-at-a-time operators (`select`, `withColumns`,
 * `filter`): check that each value is a `RecordBatch`, map it, route errors downstream.
 */
import type { OperatorFunction } from 'rxjs';
import { RecordBatch } from 'apache-arrow';
import { NotARecordBatchError } from '../../src/errors';
import { operate } from './operate';

export function mapBatches(apply: (batch: RecordBatch) => RecordBatch): OperatorFunction<RecordBatch, RecordBatch> {
  return operate<RecordBatch, RecordBatch>((source, subscriber) =>
    source.subscribe({
      next(batch) {
        let out: RecordBatch;
        try {
          if (!(batch instanceof RecordBatch)) throw new NotARecordBatchError({ actual: typeof batch });
          out = apply(batch);
        } catch (e) {
          subscriber.error(e);
          return;
        }
        subscriber.next(out);
      },
      error: (e) => subscriber.error(e),
      complete: () => subscriber.complete(),
    }),
  );
}
