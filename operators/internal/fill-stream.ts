/**
 * The body shared by the single-input keyed operators `ffill`, `ema` and `cutoff`: check
 * each batch (a `RecordBatch`, one schema, a sorted time column without nulls, through
 * `StreamValidator`), encode its keys into slots through a `KeyedStore` (which grows the
 * worker's per-key state, and with `expireAfter` forgets keys not seen for that long and
 * compacts the state), and map it with a per-schema worker built on the first batch.
 * Errors go downstream; the per-key state lives in the worker. Inside a run and without
 * `expireAfter`, the store shares the run's key dictionary (`runKeyDictionary`): workers
 * must not depend on the numeric order of codes, only on which rows share one.
 */
import type { OperatorFunction } from 'rxjs';
import type { RecordBatch, Schema } from 'apache-arrow';
import { InvalidOptionError, MissingColumnError } from '../../src/errors';
import { StreamValidator } from '../../src/batch/validate';
import type { TimeColumn } from '../../src/batch/time';
import type { DurationLike } from '../../src/time/duration';
import { type RunContext, currentRun } from '../../src/time/run';
import { operate } from './operate';
import type { KeyedArrays } from './keyed';
import { KeyedStore } from './keyed-store';

const EMPTY_TIMES = new BigInt64Array(0);
const EMPTY_CODES = new Int32Array(0);

/** The input name in error messages of single-input operators. */
export const SOURCE = 'source';

/** One batch as a keyed worker sees it (valid during `apply` only: the object is reused). */
export interface KeyedBatch {
  readonly batch: RecordBatch;
  /** Its time values, epoch ns. */
  readonly times: BigInt64Array;
  /**
   * Per row, its state slot minus 1 (slot = code + 1; `-1`: the null-key group, and every
   * row without `by`). Without `expireAfter` these are the key codes; with it, a key that
   * expired and came back has a new slot. Valid for this batch only.
   */
  readonly codes: Int32Array;
  /** Slots in use (the state was grown to this many by the store). */
  readonly slots: number;
  /** The batch's first row, counted over the whole stream (for errors). */
  readonly rowBase: number;
}

/** A keyed worker: its per-key state (grown and compacted by the store) and its per-batch map. */
export interface KeyedWorker {
  readonly state: KeyedArrays;
  apply(k: KeyedBatch): RecordBatch;
}

/** The key-expiry options shared by the keyed operators. */
export interface ExpiryOptions {
  /**
   * Forget a key not seen for more than this much event time (ms, bigint ns or a date-fns
   * `Duration`): its next row starts from a fresh state. Needs `by`. Default: never.
   */
  expireAfter?: DurationLike;
  /** Called after each batch in which keys expired, with their number. */
  onExpire?: (count: number) => void;
}

/**
 * Checks `expireAfter` (and `onExpire`) when the operator is created: a valid duration, and
 * key columns to expire. Returns the store options.
 */
export function expiryOptions(by: readonly string[], o: ExpiryOptions | undefined): ExpiryOptions {
  if (!o) return {};
  const out: ExpiryOptions = {};
  if (o.onExpire !== undefined) {
    if (typeof o.onExpire !== 'function') throw new InvalidOptionError('onExpire', `expected a function, got ${typeof o.onExpire}`);
    out.onExpire = o.onExpire;
  }
  if (o.expireAfter !== undefined) {
    if (by.length === 0) throw new InvalidOptionError('expireAfter', 'key expiry needs key columns (by): without them, every row is one group, which never expires');
    new KeyedStore(by, { expireAfter: o.expireAfter }); // checks the duration now
    out.expireAfter = o.expireAfter;
  }
  return out;
}

/** What a keyed worker is built from, once per stream (the schema never changes). */
export interface KeyedSchema {
  readonly schema: Schema;
  readonly time: TimeColumn;
  /** Positions of the key columns (empty without `by`). */
  readonly keyIndices: readonly number[];
}

/** Key columns as a list (`by` as given). */
export function keyList(by: string | readonly string[] | undefined, option = 'by'): readonly string[] {
  if (by === undefined) return [];
  const list = typeof by === 'string' ? [by] : [...by];
  for (const k of list) {
    if (typeof k !== 'string') throw new InvalidOptionError(option, `expected column names, got ${String(k)}`);
  }
  if (new Set(list).size !== list.length) throw new InvalidOptionError(option, `a key column is listed twice: ${list.join(', ')}`);
  return list;
}

/** Position of column `name` in `schema`, or `MissingColumnError` naming the input and listing the columns. */
export function columnIndex(schema: Schema, name: string): number {
  const j = schema.fields.findIndex((f) => f.name === name);
  if (j < 0) throw new MissingColumnError({ input: SOURCE, column: name }, schema.fields.map((f) => f.name));
  return j;
}

/**
 * A single-input keyed operator: `setup` is called on the first batch (after it passed the
 * checks) and returns the per-batch worker, which maps each batch (empty ones included).
 * `on` is the time column (default: the run's time column, `'ts'` outside a run).
 */
export function keyedBatches(
  on: string | undefined,
  by: readonly string[],
  setup: (s: KeyedSchema) => KeyedWorker,
  expiry: ExpiryOptions = {},
): OperatorFunction<RecordBatch, RecordBatch> {
  return operate<RecordBatch, RecordBatch>((source, subscriber) => {
    const runner = new KeyedRunner(on, by, setup, expiry, currentRun());
    return source.subscribe({
      next(batch) {
        let out: RecordBatch;
        try {
          out = runner.next(batch);
        } catch (e) {
          subscriber.error(e);
          return;
        }
        subscriber.next(out);
      },
      error: (e) => subscriber.error(e),
      complete: () => subscriber.complete(),
    });
  });
}

/**
 * One subscription's body of a single-input keyed operator (see `keyedBatches`), batch by
 * batch: `next` checks a batch, encodes its keys, maps it through the worker (built on the
 * first batch) and returns the result, or throws the operator's error. Also run inline by
 * an operator that takes over another's input (`asofJoin` running an `ffill` of its right
 * side it could not fuse).
 */
export class KeyedRunner {
  private readonly validator: StreamValidator;
  private readonly store: KeyedStore;
  private worker: KeyedWorker | undefined;
  // one object per subscription, rewritten for each batch (workers do not keep it)
  private readonly k: { -readonly [P in keyof KeyedBatch]: KeyedBatch[P] } = { batch: undefined as unknown as RecordBatch, times: EMPTY_TIMES, codes: EMPTY_CODES, slots: 0, rowBase: 0 };

  constructor(
    on: string | undefined,
    by: readonly string[],
    private readonly setup: (s: KeyedSchema) => KeyedWorker,
    expiry: ExpiryOptions,
    run: RunContext | undefined,
  ) {
    this.validator = new StreamValidator(SOURCE, on ?? run?.time ?? 'ts');
    // inside a run, the run's key dictionary for `by` (not with expireAfter): a key column passed down a chain is encoded once
    this.store = new KeyedStore(by, { input: SOURCE, ...expiry, run });
  }

  next(batch: RecordBatch): RecordBatch {
    const { validator, store, k } = this;
    const rowBase = validator.rows;
    const times = validator.check(batch);
    if (this.worker === undefined) {
      const schema = validator.schema!;
      store.bind(schema);
      this.worker = this.setup({ schema, time: validator.time!, keyIndices: store.keyEncoder ? store.keyEncoder.indices : [] });
      store.register(this.worker.state);
    }
    k.batch = batch;
    k.times = times;
    k.codes = store.encodeCodes(batch, times);
    k.slots = store.slotCount;
    k.rowBase = rowBase;
    const out = this.worker.apply(k);
    store.endBatch();
    return out;
  }
}
