/**
 * weir: one RxJS operator chain over Apache Arrow record batches, the same results as a
 * backtest over history (virtual time) and live.
 */

// Errors
export {
  type ErrorLocation,
  WeirError,
  MissingColumnError,
  ColumnTypeError,
  NullTimeError,
  TimeOrderError,
  SchemaChangeError,
  NotARecordBatchError,
  UnknownInputError,
  InvalidOptionError,
  LateDataError,
  RunError,
  ExpressionError,
} from './errors';

// Batch
export { makeBatch, fixedData, recordBatch, sliceBatch, schemaWith, countNulls } from './batch/build';
export {
  type TimeColumn,
  type TimeEncoding,
  MIN_TIME,
  MAX_TIME,
  resolveTimeColumn,
  timeEncodingOf,
  timeValuesNs,
  nsToMs,
  msToNs,
  toNs,
  formatNs,
} from './batch/time';
export { StreamValidator, sameSchema } from './batch/validate';
export { sliceByTime, timeRange } from './batch/slice';
export { concatBatches } from './batch/concat';
export { takeRows } from './batch/take';
export { filterRows } from './batch/filter';
export { type KeyKind, KeyEncoder, KeyDictionary, NULL_CODE } from './batch/keys';

// Time
export type { Clock, TimerHandle } from './time/clock';
export { ReplayScheduler } from './time/replay-scheduler';
export { LiveScheduler } from './time/live-scheduler';
export { toSchedulerLike } from './time/rx-adapter';
export { ProgressHub, type ProgressListener } from './time/progress';
export { ProgressGate, type ProgressGateOptions, type LatePolicy } from './time/gate';
export { type RunContext, currentRun, runKeyDictionary, runKeyDictionaryFor } from './time/run';
export { type DurationLike, durationToNs } from './time/duration';
export {
  replay,
  type ReplayOptions,
  type RunProgress,
  type Pipeline,
  type PipelineInputs,
  type PipelineOutput,
  type RunResult,
} from './time/replay';
export { live, type LiveOptions } from './time/live';
export { printProgress, type ProgressStream } from './time/progress-printer';

// Sources
export { readIPC } from './sources/ipc';
export { type ReplayInput } from './sources/input';
export { rowsToBatches, type RowsToBatchesOptions } from './sources/rows';

// Expressions
export * from './expr/index';

// Aggregations (shared by cumulative and rolling)
export { type Agg, type AggInput, type AggOp, type Aggs, sum, mean, min, max, count, std, variance, var, first, last } from './aggs/agg';

// Operators
export { select } from '../operators/select';
export { withColumns } from '../operators/withColumns';
export { filter } from '../operators/filter';
export { mergeSorted, type MergeSortedOptions } from '../operators/mergeSorted';
export { asofJoin, type AsofJoinOptions } from '../operators/asofJoin';
export { join, type JoinOptions } from '../operators/join';
export { ffill, type FfillOptions } from '../operators/ffill';
export { ema, type EmaOptions } from '../operators/ema';
export { cutoff, type CutoffOptions } from '../operators/cutoff';
export { cumulative, type CumulativeOptions } from '../operators/cumulative';
export { rolling, type RollingOptions } from '../operators/rolling';
export { lastByKey, keyedState, KeyedState, type LastByKeyOptions, type KeyedStateOptions, type KeyedSource } from '../operators/lastByKey';
export {
  scanByKey,
  isValid as scanIsValid,
  type ScanByKeyOptions,
  type ScanContext,
  type ScanColumn,
  type ScanType,
  type ScanArray,
} from '../operators/scanByKey';
