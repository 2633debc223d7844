/**
 * `weir/testing`: helpers for testing pipelines over record batches. Does not import
 * vitest; the vitest matchers (`toEqualBatch`, `toEqualBatches`) live in
 * `src/testing/vitest.ts`, imported on their own.
 */

// Schema shorthands
export {
  type IntName,
  type TimestampUnitName,
  type TypeShorthand,
  type TypeSpec,
  type SchemaSpec,
  DICTIONARY_ID_BASE,
  dictionaryTypeFor,
  parseShorthand,
  fieldFor,
} from './schema';

// Batch builders
export { type Cell, type Columns, type Row, batch, rows, emptyBatch, table, split, batches, parseIsoNs } from './builders';

// Reading batches back
export { type BatchSource, toColumns, toRows, formatValue } from './read';

// Matchers
export {
  type BatchEqualOptions,
  type BatchDiff,
  BatchAssertionError,
  expectBatchEqual,
  expectBatchesEqual,
  diffBatch,
  diffBatches,
  diffSchema,
  diffValues,
  sameType,
  typeName,
} from './match';

// Marble tests (RxJS TestScheduler with batch values)
export { createBatchTestScheduler, marbleTest, assertFramesEqual } from './marbles';

// Marble tests on the replay clock
export { type ReplayMarbleHelpers, type ReplayMarbleOptions, replayMarbles } from './replay-marbles';

// batch == stream: the same output for any batch split, cycle, delivery order, and live
export { type ParityOptions, expectParity } from './parity';
