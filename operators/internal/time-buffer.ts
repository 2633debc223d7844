/**
 * Buffered rows of one input of a multi-input operator, waiting for the progress gate.
 */
import { allocArray } from '../../src/kernels/gather';
import type { RecordBatch } from 'apache-arrow';
import { concatBatches } from '../../src/batch/concat';
import { MAX_TIME } from '../../src/batch/time';
import { sliceBatch } from '../../src/batch/build';
import { upperBound } from '../../src/kernels/search';
import type { StreamValidator } from '../../src/batch/validate';

/** Rows taken from a `TimeBuffer`: one batch and its times. */
export interface TimedRows {
  readonly batch: RecordBatch;
  readonly times: BigInt64Array;
  /** The rows' key codes, when they were pushed with them (see `push`). */
  readonly codes?: Int32Array | undefined;
}

/**
 * A FIFO of sorted batches and their times. `takeThrough(t)` removes and returns every
 * row with time `<= t` as one batch (zero-copy when it comes from one batch). Holds only
 * rows not yet released: memory is bounded by the rows above the gate's frontier.
 */
export class TimeBuffer {
  private batches: RecordBatch[] = [];
  private times: BigInt64Array[] = [];
  private codes: (Int32Array | undefined)[] = [];
  private rows = 0;

  /**
   * `validator`: the checker of this buffer's input, told about each concatenation the
   * buffer makes (its times are sorted: proven rows, in order), so that operators
   * downstream need not rescan them.
   */
  constructor(private readonly validator?: StreamValidator) {}

  get length(): number {
    return this.rows;
  }

  /**
   * Buffers `batch` with its times and, optionally, its rows' key codes (computed when the
   * batch arrived, e.g. while the key column's codes are still in the key space's cache:
   * they come back with the rows, sliced along with them).
   */
  push(batch: RecordBatch, times: BigInt64Array, codes?: Int32Array): void {
    if (batch.numRows === 0) return;
    this.batches.push(batch);
    this.times.push(times);
    this.codes.push(codes);
    this.rows += batch.numRows;
  }

  /** Removes and returns the rows with time `<= upTo` (all rows for `MAX_TIME`), or `undefined`. */
  takeThrough(upTo: bigint): TimedRows | undefined {
    return this.join(this.takePiecesThrough(upTo));
  }

  /** Pieces taken from this buffer as one batch (`undefined` for none; zero-copy for one). */
  join(pieces: readonly TimedRows[]): TimedRows | undefined {
    if (pieces.length <= 1) return pieces[0];
    let n = 0;
    for (const p of pieces) n += p.times.length;
    const times = allocArray(BigInt64Array, n);
    const withCodes = pieces.every((p) => p.codes !== undefined);
    const codes = withCodes ? allocArray(Int32Array, n) : undefined;
    let o = 0;
    for (const p of pieces) {
      times.set(p.times, o);
      codes?.set(p.codes!, o);
      o += p.times.length;
    }
    const batch = concatBatches(pieces.map((p) => p.batch));
    this.validator?.remember(batch);
    return { batch, times, codes };
  }

  /**
   * Removes and returns the rows with time `<= upTo` (all rows for `MAX_TIME`) as the
   * buffered batches they are in (zero-copy slices, in order; empty when none): for a
   * consumer that can walk several batches, without `takeThrough`'s concatenation.
   */
  takePiecesThrough(upTo: bigint): TimedRows[] {
    const bs = this.batches;
    const ts = this.times;
    const cs = this.codes;
    let k = 0;
    let cut = 0;
    // whole batches first, then part of one
    while (k < bs.length && (upTo === MAX_TIME || ts[k][ts[k].length - 1] <= upTo)) k++;
    if (k < bs.length) cut = upperBound(ts[k], upTo);
    if (k === 0 && cut === 0) return [];
    const out: TimedRows[] = [];
    for (let i = 0; i < k; i++) out.push({ batch: bs[i], times: ts[i], codes: cs[i] });
    if (cut > 0) {
      out.push({ batch: sliceBatch(bs[k], 0, cut), times: ts[k].subarray(0, cut), codes: cs[k]?.subarray(0, cut) });
      bs[k] = sliceBatch(bs[k], cut);
      ts[k] = ts[k].subarray(cut);
      cs[k] = cs[k]?.subarray(cut);
    }
    this.batches = bs.slice(k);
    this.times = ts.slice(k);
    this.codes = cs.slice(k);
    for (const p of out) this.rows -= p.times.length;
    return out;
  }

  /** Removes and returns the first `n` rows (`0 < n <= length`) as one batch (zero-copy when it comes from one batch). */
  takeFirst(n: number): RecordBatch {
    const bs = this.batches;
    const ts = this.times;
    const cs = this.codes;
    let k = 0;
    let rows = 0;
    while (k < bs.length && rows + bs[k].numRows <= n) rows += bs[k++].numRows;
    const out: RecordBatch[] = bs.slice(0, k);
    const cut = n - rows;
    if (cut > 0) {
      out.push(sliceBatch(bs[k], 0, cut));
      bs[k] = sliceBatch(bs[k], cut);
      ts[k] = ts[k].subarray(cut);
      cs[k] = cs[k]?.subarray(cut);
    }
    this.batches = bs.slice(k);
    this.times = ts.slice(k);
    this.codes = cs.slice(k);
    this.rows -= n;
    return out.length === 1 ? out[0] : concatBatches(out);
  }

  /** Calls `fn` with each buffered batch and its times, in order (the rows stay buffered). */
  forEach(fn: (batch: RecordBatch, times: BigInt64Array) => void): void {
    for (let k = 0; k < this.batches.length; k++) fn(this.batches[k], this.times[k]);
  }

  clear(): void {
    this.batches = [];
    this.times = [];
    this.codes = [];
    this.rows = 0;
  }
}
