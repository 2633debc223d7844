/**
 * Normalising the inputs a driver accepts into iterators of record batches.
 */
import { RecordBatch, Table } from 'apache-arrow';
import { readIPC } from './ipc';
import { WeirError } from '../errors';

/**
 * A replay input: a `Table`, a `RecordBatch`, an array or (async) iterable of `RecordBatch`es (read lazily),
 * or the path of an Arrow IPC file or stream (read lazily).
 */
export type ReplayInput = Table | RecordBatch | readonly RecordBatch[] | Iterable<RecordBatch> | AsyncIterable<RecordBatch> | string;

/** A batch iterator that is synchronous when the input is (tables, arrays). */
export type BatchIterator =
  | { readonly sync: true; readonly it: Iterator<RecordBatch> }
  | { readonly sync: false; readonly it: AsyncIterator<RecordBatch> };

/** The iterator over an input's batches. */
export function batchIterator(input: ReplayInput, name: string): BatchIterator {
  if (input instanceof Table) return { sync: true, it: input.batches[Symbol.iterator]() };
  if (typeof input === 'string') return { sync: false, it: readIPC(input)[Symbol.asyncIterator]() };
  if (input instanceof RecordBatch) return { sync: true, it: [input][Symbol.iterator]() };
  if (input && typeof (input as AsyncIterable<RecordBatch>)[Symbol.asyncIterator] === 'function') {
    return { sync: false, it: (input as AsyncIterable<RecordBatch>)[Symbol.asyncIterator]() };
  }
  if (input && typeof (input as Iterable<RecordBatch>)[Symbol.iterator] === 'function') {
    return { sync: true, it: (input as Iterable<RecordBatch>)[Symbol.iterator]() };
  }
  throw new WeirError('Unsupported input', {
    input: name,
    expected: 'a Table, an array or (async) iterable of RecordBatches, or an Arrow IPC file path',
    actual: input === null ? 'null' : typeof input,
  });
}
