import type { Observable, OperatorFunction } from 'rxjs';
import type { RecordBatch } from 'apache-arrow';
import { SchemaChangeError } from '../src/errors';
import { StreamValidator, sameSchema, schemaDifference } from '../src/batch/validate';
import { concatBatches } from '../src/batch/concat';
import { takeRows } from '../src/batch/take';
import { mergeOrder } from '../src/kernels/merge';
import { type LatePolicy, ProgressGate } from '../src/time/gate';
import { currentRun } from '../src/time/run';
import { operate } from './internal/operate';
import { subscribeSides } from './internal/two-inputs';
import { type TimedRows, TimeBuffer } from './internal/time-buffer';

export interface MergeSortedOptions {
  /** The time column of both streams. Default: the run's time column (`'ts'` outside a run). */
  on?: string;
  /** What to do with a row at or behind the time already released. Default `'error'`. See `ProgressGate`. */
  late?: LatePolicy;
}

/**
 * Merges two streams sorted by time into one stream sorted by time, as polars'
 * `DataFrame.merge_sorted` does for two frames: the result for a given history is the
 * same whatever the batch split, the replay cycle, or the order in which the two inputs'
 * batches of one instant arrive.
 *
 * ```text
 * source: --a------c---|        a = {ts: [1, 3]}   c = {ts: [5]}
 * other:  ----b--------|        b = {ts: [3, 4]}
 * result: ----x----y---(z|)     x = {ts: [1, 3(source), 3(other)]} once other passed 3, …
 * ```
 * (Outside a run, rows are released as soon as both inputs have shown a later row or
 * completed; inside `replay`/`live`, at the end of each instant, once per instant.)
 *
 * @example
 * const all$ = bids$.pipe(mergeSorted(asks$, { on: 'ts' }));
 *
 * **Input schema**: both streams have the same schema (names, types, nullability), with a
 * time column `on`, sorted (ties allowed).
 *
 * **Output schema**: the same schema.
 *
 * **Nulls**: passed through; a null time is an error naming the side, column and row.
 *
 * **Equal timestamps**: rows of the source come before rows of `other` at the same time;
 * each side keeps its own order.
 *
 * **State and memory growth**: only rows above the progress frontier (not yet final) are
 * buffered; nothing is kept once released.
 *
 * **Cost per batch**: O(rows) for the merge order, plus one gather of the released rows
 * (zero-copy when only one side has rows to release).
 */
export function mergeSorted(other: Observable<RecordBatch>, options: MergeSortedOptions = {}): OperatorFunction<RecordBatch, RecordBatch> {
  return operate<RecordBatch, RecordBatch>((source, subscriber) => {
    const run = currentRun();
    const on = options.on ?? run?.time ?? 'ts';
    const names = ['source', 'other'] as const;
    const validators = [new StreamValidator(names[0], on), new StreamValidator(names[1], on)];
    const buffers = [new TimeBuffer(validators[0]), new TimeBuffer(validators[1])];
    let schema: RecordBatch['schema'] | undefined;
    const gate = new ProgressGate({ operator: 'mergeSorted', inputs: names, ...(options.late ? { late: options.late } : {}), run: run ?? null }, (upTo) => {
      release(upTo);
    });

    const release = (upTo: bigint) => {
      const a = buffers[0].takeThrough(upTo);
      const b = buffers[1].takeThrough(upTo);
      const out = merge(a, b);
      if (out) subscriber.next(out);
    };

    const onBatch = (side: 0 | 1, batch: RecordBatch) => {
      try {
        const v = validators[side];
        const rowBase = v.rows;
        let times = v.check(batch);
        if (schema === undefined) schema = batch.schema;
        else if (batch.schema !== schema && !sameSchema(schema, batch.schema)) {
          throw new SchemaChangeError({ input: names[side], row: rowBase, ...schemaDifference(schema, batch.schema) });
        }
        if (times.length === 0) return;
        const late = gate.late(side, times, on, rowBase);
        if (late > 0) {
          if (gate.latePolicy === 'accept') subscriber.next(late === times.length ? batch : batch.slice(0, late));
          if (late === times.length) return;
          batch = batch.slice(late);
          times = times.subarray(late);
        }
        buffers[side].push(batch, times);
        gate.rows(side, times[times.length - 1]);
      } catch (e) {
        subscriber.error(e);
      }
    };
    const onComplete = (side: 0 | 1) => {
      gate.complete(side); // releases everything once both sides completed
      if (gate.allComplete) subscriber.complete();
    };

    const teardown = subscribeSides(subscriber, source, other, gate, onBatch, onComplete);
    return () => {
      teardown();
      buffers[0].clear();
      buffers[1].clear();
    };
  });
}

function merge(a: TimedRows | undefined, b: TimedRows | undefined): RecordBatch | undefined {
  if (!a) return b?.batch;
  if (!b) return a.batch;
  const na = a.times.length;
  // no interleaving: one side entirely before the other
  if (a.times[na - 1] <= b.times[0]) return concatBatches([a.batch, b.batch]);
  const order = new Int32Array(na + b.times.length);
  mergeOrder(a.times, b.times, order);
  return takeRows(concatBatches([a.batch, b.batch]), order);
}
