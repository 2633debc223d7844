/**
 * A replay input's read position: the current batch, its times, and the next row.
 * Reads lazily (one batch ahead at most) and checks every batch with `StreamValidator`.
 */
import type { RecordBatch } from 'apache-arrow';
import { StreamValidator } from '../batch/validate';
import { gallopLowerBound, lowerBound } from '../kernels/search';
import { sliceBatch } from '../batch/build';
import { type BatchIterator, type ReplayInput, batchIterator } from '../sources/input';

export class ReplayCursor {
  /** The current batch (rows `[pos, batch.numRows)` not yet delivered). */
  batch: RecordBatch | undefined = undefined;
  /** Its times, epoch ns. */
  times: BigInt64Array = new BigInt64Array(0);
  pos = 0;
  /** No rows left (end of input, or `end` reached). */
  exhausted = false;
  /** Rows delivered so far. */
  delivered = 0;
  /** Time of the last row taken by `take`. */
  last = 0n;
  readonly validator: StreamValidator;
  private readonly source: BatchIterator;

  constructor(
    readonly name: string,
    input: ReplayInput,
    timeColumn: string,
    private readonly start: bigint,
    private readonly end: bigint,
  ) {
    this.validator = new StreamValidator(name, timeColumn);
    this.source = batchIterator(input, name);
  }

  /** The next row's time (only when not exhausted). */
  get nextTime(): bigint {
    return this.times[this.pos];
  }

  /**
   * Makes `nextTime` valid, reading batches as needed, or sets `exhausted`. Synchronous
   * (returns `undefined`) while the input is in memory or a row is buffered.
   */
  fill(): Promise<void> | undefined {
    while (!this.exhausted && (this.batch === undefined || this.pos >= this.times.length)) {
      if (this.source.sync) {
        const r = this.source.it.next();
        if (r.done) this.finish();
        else this.accept(r.value);
      } else {
        return this.fillAsync();
      }
    }
    return undefined;
  }

  private async fillAsync(): Promise<void> {
    while (!this.exhausted && (this.batch === undefined || this.pos >= this.times.length)) {
      const r = await (this.source.it as AsyncIterator<RecordBatch>).next();
      if (r.done) this.finish();
      else this.accept(r.value);
    }
  }

  private accept(value: RecordBatch): void {
    const times = this.validator.check(value);
    const n = times.length;
    this.batch = value;
    this.times = times;
    this.pos = 0;
    if (n === 0) return;
    if (times[0] < this.start) this.pos = lowerBound(times, this.start);
    if (this.pos < n && times[this.pos] >= this.end) this.finish();
  }

  /**
   * Takes the rows with time `< until` (and `< end`) from the current batch. Returns the
   * zero-copy slice, or `undefined` when the current batch has no such row. When the
   * current batch runs out, the caller `fill()`s and takes again.
   */
  take(until: bigint): RecordBatch | undefined {
    const batch = this.batch!;
    const times = this.times;
    const n = times.length;
    const from = this.pos;
    const limit = until < this.end ? until : this.end;
    const stop = times[n - 1] < limit ? n : gallopLowerBound(times, limit, from, n);
    this.pos = stop;
    if (stop < n && times[stop] >= this.end) this.finish();
    if (stop === from) return undefined;
    this.delivered += stop - from;
    this.last = times[stop - 1];
    return from === 0 && stop === n ? batch : sliceBatch(batch, from, stop);
  }


  private finish(): void {
    if (this.exhausted) return;
    this.exhausted = true;
    this.batch = undefined;
    this.times = new BigInt64Array(0);
    this.pos = 0;
    // release the underlying file or generator early
    const r = this.source.it.return?.();
    if (r && typeof (r as Promise<unknown>).then === 'function') (r as Promise<unknown>).catch(() => undefined);
  }

  /** Stops reading (on error or unsubscription). */
  close(): void {
    this.finish();
  }
}
