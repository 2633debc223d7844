/**
 * Turning arriving rows (plain objects) into record batches, for live sources.
 */
import { type OperatorFunction, type SchedulerLike, type Subscription, Observable, asyncScheduler } from 'rxjs';
import type { RecordBatch } from 'apache-arrow';
import { InvalidOptionError } from '../errors';
import { type Row, rows as batchFromRows } from '../batch/from-js';
import type { SchemaSpec } from '../batch/schema-spec';

export interface RowsToBatchesOptions {
  /** Emit as soon as this many rows are buffered. Default 65,536. */
  maxRows?: number;
  /**
   * Emit buffered rows at most this many milliseconds after the first of them arrived.
   * `0` (default): at the end of the current tick (rows that arrive together become one
   * batch; a microtask, no timer).
   */
  maxLatency?: number;
  /** The clock for `maxLatency` timers. Default RxJS's `asyncScheduler`. */
  scheduler?: SchedulerLike;
}

/**
 * Buffers rows (objects with a value per column) into record batches of `schema`, emitted
 * when `maxRows` rows are buffered, `maxLatency` ms after the first buffered row, or when
 * the source completes. Values are checked against the schema (a value that does not fit
 * its column is an error naming the column and row).
 *
 * ```text
 * rows:    -a-b-c---d-|       (objects)
 * result:  -----x-----(y|)    x = batch of [a, b, c] (maxRows: 3), y = batch of [d]
 * ```
 *
 * @example
 * const trades$ = fromWebSocketRows(url).pipe(
 *   rowsToBatches({ ts: 'timestamp[ms]', ticker: 'dictionary', price: 'float64', size: 'int32' }, { maxRows: 1000, maxLatency: 5 }),
 * );
 */
export function rowsToBatches(schema: SchemaSpec, options: RowsToBatchesOptions = {}): OperatorFunction<Row, RecordBatch> {
  const maxRows = options.maxRows ?? 65_536;
  const maxLatency = options.maxLatency ?? 0;
  if (!(maxRows >= 1) || !Number.isInteger(maxRows)) throw new InvalidOptionError('maxRows', `expected a positive integer, got ${maxRows}`);
  if (!(maxLatency >= 0)) throw new InvalidOptionError('maxLatency', `expected milliseconds >= 0, got ${maxLatency}`);
  const scheduler = options.scheduler ?? asyncScheduler;
  return (source) =>
    new Observable<RecordBatch>((subscriber) => {
      let buffer: Row[] = [];
      let timer: Subscription | undefined;
      let microtask = false;
      let rowBase = 0;
      const flush = () => {
        timer?.unsubscribe();
        timer = undefined;
        if (buffer.length === 0) return;
        const list = buffer;
        buffer = [];
        try {
          subscriber.next(batchFromRows(list, schema));
        } catch (e) {
          if (e && typeof e === 'object' && typeof (e as { row?: number }).row === 'number') {
            (e as { row: number }).row += rowBase;
            (e as Error).message = (e as Error).message.replace(/row (\d+)/, (_, r) => `row ${Number(r) + rowBase}`);
          }
          subscriber.error(e);
        }
        rowBase += list.length;
      };
      const sub = source.subscribe({
        next: (row) => {
          buffer.push(row);
          if (buffer.length >= maxRows) flush();
          else if (buffer.length === 1) {
            if (maxLatency === 0) {
              if (!microtask) {
                microtask = true;
                queueMicrotask(() => {
                  microtask = false;
                  if (!subscriber.closed) flush();
                });
              }
            } else {
              timer = scheduler.schedule(flush, maxLatency);
            }
          }
        },
        error: (e) => subscriber.error(e),
        complete: () => {
          flush();
          subscriber.complete();
        },
      });
      return () => {
        sub.unsubscribe();
        timer?.unsubscribe();
        buffer = [];
      };
    });
}
