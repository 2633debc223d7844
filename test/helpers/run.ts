/**
 * Shared by the operator specs: run an operator synchronously over batches, and catch the
 * error a call throws.
 */
import { type OperatorFunction, of } from 'rxjs';
import type { RecordBatch } from 'apache-arrow';

/** The batches `op` emits for `input` delivered synchronously with `of`; rethrows the error it signals. */
export function runOperator(op: OperatorFunction<RecordBatch, RecordBatch>, input: RecordBatch | readonly RecordBatch[]): RecordBatch[] {
  const out: RecordBatch[] = [];
  let err: unknown;
  of(...[input].flat())
    .pipe(op)
    .subscribe({ next: (b) => out.push(b), error: (e) => (err = e) });
  if (err) throw err;
  return out;
}

/** The error `f` throws (fails when it throws none). */
export function errorOf(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}
