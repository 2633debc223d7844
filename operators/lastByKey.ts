import { Observable, type OperatorFunction, Subject, type Subscriber, Subscription } from 'rxjs';
import { type RecordBatch, type Schema, Table } from 'apache-arrow';
import { InvalidOptionError } from '../src/errors';
import { recordBatch, sliceBatch } from '../src/batch/build';
import { concatBatches } from '../src/batch/concat';
import { takeRows } from '../src/batch/take';
import { StreamValidator } from '../src/batch/validate';
import type { DurationLike } from '../src/time/duration';
import { type LatePolicy, ProgressGate } from '../src/time/gate';
import { currentRun } from '../src/time/run';
import { operate } from './internal/operate';
import { TimeBuffer } from './internal/time-buffer';
import { KeyedStore, type KeyedSource, keyList } from './internal/keyed-store';
import { type KeyedArrays, growArray, remapArray } from './internal/keyed';

export type { KeyedSource } from './internal/keyed-store';

export interface LastByKeyOptions {
  /** The key column(s) (Utf8, Dictionary<Utf8>, integers, Bool). Required. */
  by: string | readonly string[];
  /** The time column. Default: the run's time column (`'ts'` outside a run). */
  on?: string;
  /**
   * Which change rows to emit per release: `'time'` (default for `lastByKey`): the last
   * row of each key at each distinct time, identical for every batch split, cycle and
   * replay vs live; `'batch'`: the last row of each key per release (per instant inside a
   * run), a compact view that depends on the cycle.
   */
  emit?: 'time' | 'batch';
  /** Forget a key not seen for more than this much event time (ms, bigint ns, or a date-fns Duration). Default: never. */
  expireAfter?: DurationLike;
  /** Called after each release in which keys expired, with their number. */
  onExpire?: (count: number) => void;
  /** A row at or behind the time already released (delayed by an RxJS operator upstream): `'error'` (default) or `'drop'`. */
  late?: Exclude<LatePolicy, 'accept'>;
}

interface Parsed {
  readonly by: readonly string[];
  readonly on: string | undefined;
  readonly emit: 'time' | 'batch';
  readonly expireAfter: DurationLike | undefined;
  readonly onExpire: ((count: number) => void) | undefined;
  readonly late: 'error' | 'drop';
}

function parseOptions(o: LastByKeyOptions, operator: string): Parsed {
  if (!o || typeof o !== 'object') throw new InvalidOptionError('by', `${operator} needs options with the key column(s) 'by'`);
  const by = keyList(o.by);
  if (by.length === 0) throw new InvalidOptionError('by', `${operator} needs at least one key column`);
  const emit = o.emit ?? 'time';
  if (emit !== 'time' && emit !== 'batch') throw new InvalidOptionError('emit', `expected 'time' or 'batch', got ${String(emit)}`);
  const late = o.late ?? 'error';
  if (late !== 'error' && late !== 'drop') throw new InvalidOptionError('late', `expected 'error' or 'drop', got ${String(late)}`);
  // checks expireAfter now rather than at subscription
  new KeyedStore(by, o.expireAfter !== undefined ? { expireAfter: o.expireAfter } : {});
  return { by, on: o.on, emit, expireAfter: o.expireAfter, onExpire: o.onExpire, late };
}

/** One subscription's machinery: validate, gate, buffer, apply released rows to the state. */
function runLast(
  source: Observable<RecordBatch>,
  p: Parsed,
  operator: string,
  state: (store: KeyedStore) => LastState,
  emit: (byTime: RecordBatch, byBatch: () => RecordBatch | undefined) => void,
  fail: (e: unknown) => void,
  done: () => void,
): () => void {
  const run = currentRun();
  const on = p.on ?? run?.time ?? 'ts';
  const store = new KeyedStore(p.by, {
    input: 'source',
    ...(p.expireAfter !== undefined ? { expireAfter: p.expireAfter } : {}),
  });
  const last = state(store);
  const validator = new StreamValidator('source', on);
  const buffer = new TimeBuffer(validator);
  let closed = false;
  const release = (upTo: bigint) => {
    const rows = buffer.takeThrough(upTo);
    if (!rows) return;
    const expired = store.expired;
    const slots = store.encode(rows.batch, rows.times);
    const changes = last.apply(rows.batch, rows.times, slots);
    store.endBatch();
    if (store.expired !== expired) {
      last.expiredKeys();
      p.onExpire?.(store.expired - expired);
    }
    if (changes.byTime) emit(changes.byTime, changes.byBatch);
  };
  const gate = new ProgressGate({ operator, inputs: ['source'], late: p.late, run: run ?? null }, (upTo) => {
    try {
      release(upTo);
    } catch (e) {
      closed = true;
      fail(e);
    }
  });
  const sub = source.subscribe({
    next(batch) {
      if (closed) return;
      try {
        const rowBase = validator.rows;
        let times = validator.check(batch);
        last.bind(batch.schema);
        if (times.length === 0) return;
        const n = gate.late(0, times, on, rowBase);
        if (n > 0) {
          if (n === times.length) return;
          batch = sliceBatch(batch, n);
          times = times.subarray(n);
        }
        buffer.push(batch, times);
        gate.rows(0, times[times.length - 1]);
      } catch (e) {
        closed = true;
        fail(e);
      }
    },
    error: (e) => {
      closed = true;
      fail(e);
    },
    complete: () => {
      if (closed) return;
      gate.complete(0); // releases every buffered row
      if (!closed) {
        closed = true;
        done();
      }
    },
  });
  gate.start();
  return () => {
    gate.stop();
    sub.unsubscribe();
    buffer.clear();
  };
}

/**
 * The latest row of each key, as a stream of changes: for each released stretch of event
 * time, the rows that changed a key's latest row — by default the last row of each key at
 * each distinct time. Hold the state itself (snapshots, joins) with {@link keyedState}.
 *
 * ```text
 * source: --a-----b--|     a = {ts: [1, 1, 2], k: ['x', 'x', 'y'], px: [10, 11, 20]}
 *                          b = {ts: [3, 3], k: ['x', 'y'], px: [12, 21]}
 * lastByKey({ by: 'k' })
 * result: --c-----d--(e|)  c = {ts: [1], k: ['x'], px: [11]}     (x's last row at 1: 11, not 10)
 *                          d = {ts: [2], k: ['y'], px: [20]}
 *                          e = {ts: [3, 3], k: ['x', 'y'], px: [12, 21]}
 * ```
 * (Outside a run, rows at a batch's last time are released once a later time or the
 * completion shows that no more rows of that time can come; inside `replay`/`live`, every
 * row of an instant is released in that instant's progress phase.)
 *
 * @example
 * quotes$.pipe(lastByKey({ by: 'ticker' }))                 // per ticker and time, its last quote
 * quotes$.pipe(lastByKey({ by: 'ticker', emit: 'batch' }))  // per instant, the tickers that changed
 *
 * **Input schema**: a time column (`on`), sorted (ties allowed), without nulls
 * (`NullTimeError`/`TimeOrderError` naming the input `'source'`, column and row); key
 * columns `by` of a key type (`MissingColumnError` / `ColumnTypeError` naming the column).
 *
 * **Output schema**: the input schema, unchanged (the same `Schema` object); rows are input
 * rows, in input order.
 *
 * **Nulls**: a null key (in any key column) is a group of its own; null values are kept
 * as they are (the latest row is the latest row, nulls included).
 *
 * **Equal timestamps**: of several rows of one key at one time, the last in stream order.
 * With `emit: 'time'`, a key's rows at different times of one release each give a row
 * (the last at each time), so the output is the same for any batch split and cycle;
 * `emit: 'batch'` keeps only the key's last row of the release.
 *
 * **State and memory growth**: the latest row of each key (O(keys), rows held by
 * reference in a few batches, consolidated when they exceed four times the keys), plus rows at
 * the not-yet-final last time. With `expireAfter`, only keys seen within that much event
 * time (see `docs/keyed-state.md`).
 *
 * **Cost per batch**: O(rows) to encode keys and find the change rows, a gather of the
 * change rows (none when every row is one), O(changed keys) to update the state.
 */
export function lastByKey(options: LastByKeyOptions): OperatorFunction<RecordBatch, RecordBatch> {
  const p = parseOptions(options, 'lastByKey');
  return operate<RecordBatch, RecordBatch>((source, subscriber) =>
    runLast(
      source,
      p,
      'lastByKey',
      (store) => new LastState(store),
      (byTime, byBatch) => {
        const out = p.emit === 'time' ? byTime : byBatch();
        if (out) subscriber.next(out);
      },
      (e) => subscriber.error(e),
      () => subscriber.complete(),
    ),
  );
}

/** Options of {@link keyedState}: those of {@link lastByKey} (`emit` picks the rows of `changes`; default `'batch'`). */
export type KeyedStateOptions = LastByKeyOptions;

/**
 * The latest row per key of a stream, held as a state you can read (`snapshot()`),
 * observe (`changes`) and join against (`asofJoin(state, ...)`).
 *
 * **Lifecycle** (like RxJS `share()`): the state subscribes to its source when its first
 * consumer subscribes — a subscriber of `changes`, of `rows()` (what `asofJoin` uses), or
 * `connect()` — and stays subscribed while any consumer is. When the source completes or
 * errors, the state is final: `snapshot()` keeps returning its last state, new `changes`
 * subscribers get the completion (or error) at once, and `rows()` gives the final state
 * then completes. If every consumer unsubscribes before that, the state disconnects; the
 * next consumer reconnects and starts from an empty state. `changes` is hot: a subscriber
 * sees the changes after it subscribed. Inside `replay`/`live`, create the state in the
 * pipeline function (the run is then current, so `on` defaults to the run's time column
 * and releases follow the run's instants).
 */
export class KeyedState implements KeyedSource {
  /** The key columns. */
  readonly by: readonly string[];
  /** The time column given in the options (`undefined`: the run's time column, `'ts'` outside a run). */
  readonly on: string | undefined;
  /** The key expiry given in the options (`undefined`: keys never expire). */
  readonly expireAfter: DurationLike | undefined;
  /**
   * The change batches: per release (per instant inside a run), the latest row of each key
   * that changed (with `emit: 'time'`, the last row per key and time). Hot; subscribing
   * connects the state.
   */
  readonly changes: Observable<RecordBatch>;
  private readonly p: Parsed;
  private state: LastState | undefined = undefined;
  private store: KeyedStore | undefined = undefined;
  private consumers = 0;
  private teardown: (() => void) | undefined = undefined;
  private status: 'idle' | 'connected' | 'complete' | 'error' = 'idle';
  private failure: unknown = undefined;
  private changes$ = new Subject<RecordBatch>();
  private rows$ = new Subject<RecordBatch>();

  constructor(
    private readonly source: Observable<RecordBatch>,
    options: KeyedStateOptions,
  ) {
    this.p = parseOptions({ emit: 'batch', ...options }, 'keyedState');
    this.by = this.p.by;
    this.on = this.p.on;
    this.expireAfter = this.p.expireAfter;
    this.changes = new Observable<RecordBatch>((subscriber) => this.consume(subscriber, this.changes$));
  }

  /**
   * The stream an as-of join uses as its right side (`KeyedSource`): the last row of each
   * key at each distinct time, beginning with the rows already in the state (sorted by
   * time) when the state had seen rows before this subscription.
   */
  rows(): Observable<RecordBatch> {
    return new Observable<RecordBatch>((subscriber) => {
      if (this.status === 'connected' || this.status === 'complete') {
        const start = this.state?.sortedRows();
        if (start) subscriber.next(start);
      }
      return this.consume(subscriber, this.rows$);
    });
  }

  /** Subscribes the state to its source without observing it (for `snapshot()` only). Unsubscribe to release it. */
  connect(): Subscription {
    const sub = new Subscription();
    if (this.status === 'complete' || this.status === 'error') return sub;
    this.consumers++;
    this.ensureConnected();
    sub.add(() => this.release());
    return sub;
  }

  /** The latest row of each key as a `Table` (in order of the keys' first appearance; the null-key group first). The same object until the state changes. */
  snapshot(): Table {
    return this.stateFor().snapshot();
  }

  /** The number of keys in the state (rows of `snapshot()`). */
  get size(): number {
    return this.state ? this.state.size : 0;
  }

  /** Keys expired so far (with `expireAfter`). */
  get expired(): number {
    return this.store ? this.store.expired : 0;
  }

  private stateFor(): LastState {
    if (!this.state) {
      this.store = new KeyedStore(this.p.by, {});
      this.state = new LastState(this.store);
    }
    return this.state;
  }

  private consume(subscriber: Subscriber<RecordBatch>, subject: Subject<RecordBatch>): () => void {
    if (this.status === 'complete') {
      subscriber.complete();
      return () => undefined;
    }
    if (this.status === 'error') {
      subscriber.error(this.failure);
      return () => undefined;
    }
    const sub = subject.subscribe(subscriber);
    this.consumers++;
    this.ensureConnected();
    return () => {
      sub.unsubscribe();
      this.release();
    };
  }

  private ensureConnected(): void {
    if (this.status !== 'idle') return;
    this.status = 'connected';
    const changes = this.changes$;
    const rows = this.rows$;
    this.teardown = runLast(
      this.source,
      this.p,
      'keyedState',
      (store) => {
        this.store = store;
        this.state = new LastState(store);
        return this.state;
      },
      (byTime, byBatch) => {
        rows.next(byTime);
        if (changes.observed) {
          const b = this.p.emit === 'time' ? byTime : byBatch();
          if (b) changes.next(b);
        }
      },
      (e) => {
        this.status = 'error';
        this.failure = e;
        this.disconnect();
        changes.error(e);
        rows.error(e);
      },
      () => {
        this.status = 'complete';
        this.disconnect();
        changes.complete();
        rows.complete();
      },
    );
    if (this.status !== 'connected') {
      // the source completed or failed during the subscription
      this.teardown();
      this.teardown = undefined;
    }
  }

  /** Unsubscribes from the source and leaves the run's progress (once final). */
  private disconnect(): void {
    const t = this.teardown;
    this.teardown = undefined;
    t?.();
  }

  private release(): void {
    if (--this.consumers > 0 || this.status !== 'connected') return;
    this.teardown?.();
    this.teardown = undefined;
    this.status = 'idle';
    this.changes$ = new Subject<RecordBatch>();
    this.rows$ = new Subject<RecordBatch>();
  }
}

/**
 * Holds the latest row per key of `source` as a {@link KeyedState}: `snapshot()` (a
 * `Table`, rebuilt only after changes), `changes` (per release, the keys that changed),
 * `size`, `expired`, and `asofJoin(state, ...)` as a right side equivalent to joining
 * `source` itself, and `join(state, ...)`: each row with its key's row of the state as of
 * the row's time (see `docs/keyed-state.md`).
 *
 * @example
 * replay(({ quotes, trades }) => {
 *   const book = keyedState(quotes, { by: 'ticker', expireAfter: { minutes: 30 } });
 *   return { enriched: trades.pipe(asofJoin(book)), latest: book.changes };
 * }, inputs);
 */
export function keyedState(source: Observable<RecordBatch>, options: KeyedStateOptions): KeyedState {
  return new KeyedState(source, options);
}

// ---------------------------------------------------------------------------------------
/*
 * The state behind `lastByKey` and `keyedState`: the latest row of each key, kept as
 * references (chunk, row) by slot into a few immutable batches ("chunks"), with a lazily
 * built, cached snapshot.
 *
 * Each processed batch of released rows yields its change rows (the last row of each key
 * at each distinct time, or of each key over the batch): that batch *is* the new chunk,
 * and only the slots whose latest row changed are pointed at it (O(changed keys)). Chunks
 * no longer referenced are dropped. `snapshot()` gathers the live slots' rows into one
 * batch, which then replaces every chunk (so a snapshot also consolidates the state), and
 * is cached until the next change: repeated snapshots without changes return the same
 * `Table`. When the retained chunks hold more than four times the keys (plus 4096 rows),
 * the state consolidates itself the same way, so memory stays O(keys).
 */
/** The change rows of one processed batch. */
interface LastChanges {
  /** The last row of each key at each distinct time, in input order (`undefined`: no rows). */
  readonly byTime: RecordBatch | undefined;
  /** The last row of each key over the batch, in input order (computed on request). */
  readonly byBatch: () => RecordBatch | undefined;
}

const EMPTY = new Int32Array(0);

class LastState implements KeyedArrays {
  /** Bumped on every change of the state (rows or expiry). */
  version = 0;
  private schema: Schema | undefined = undefined;
  /** Per slot: the chunk id of its latest row (-1: none), the row in that chunk, and its time. */
  private chunkOf = new Int32Array(0);
  private rowOf = new Int32Array(0);
  private timeOf = new BigInt64Array(0);
  /** Per slot scratch for the backward pass. */
  private stamp = new Int32Array(0);
  private stampTime = new BigInt64Array(0);
  private pass = 0;
  private chunks: (RecordBatch | undefined)[] = [];
  private refs: number[] = [];
  private retained = 0;
  private keyRows = 0;
  private cache: { version: number; table: Table } | undefined = undefined;
  private keepTime = EMPTY;
  private keepBatch = EMPTY;

  constructor(private readonly store: KeyedStore) {
    store.register(this);
  }

  grow(slots: number): void {
    this.chunkOf = growArray(this.chunkOf, slots, 1, -1);
    this.rowOf = growArray(this.rowOf, slots);
    this.timeOf = growArray(this.timeOf, slots);
    this.stamp = growArray(this.stamp, slots);
    this.stampTime = growArray(this.stampTime, slots);
  }

  remap(map: Int32Array, slots: number): void {
    // drop the references of forgotten keys, then move the others
    const n = Math.min(map.length, this.chunkOf.length);
    for (let s = 0; s < n; s++) if (map[s] < 0 && this.chunkOf[s] >= 0) this.unref(this.chunkOf[s]);
    remapArray(this.chunkOf, map, slots, 1, -1);
    remapArray(this.rowOf, map, slots);
    remapArray(this.timeOf, map, slots);
    this.stamp.fill(0);
    this.pass = 0;
  }

  /** The number of keys holding a row (the null-key group counts as one). */
  get size(): number {
    this.countKeys();
    return this.keyRows;
  }

  /** The input schema, once known. */
  get inputSchema(): Schema | undefined {
    return this.schema;
  }

  /** Sets the schema (from the first batch, even an empty one). */
  bind(schema: Schema): void {
    if (!this.schema) {
      this.schema = schema;
      this.store.bind(schema);
    }
  }

  /** Notes that keys expired (the snapshot changes). */
  expiredKeys(): void {
    this.version++;
  }

  /**
   * Applies released rows `batch` (times `times`, sorted) and returns their change rows.
   * `slots` from `store.encode` for this batch. O(rows) plus O(changed keys) to update the
   * state.
   */
  apply(batch: RecordBatch, times: BigInt64Array, slots: Int32Array): LastChanges {
    const n = batch.numRows;
    if (n === 0) return { byTime: undefined, byBatch: () => undefined };
    // one Schema object for every output batch and chunk: the first batch's
    if (batch.schema !== this.schema) batch = recordBatch(this.schema!, batch.data);
    if (this.keepTime.length < n) {
      this.keepTime = new Int32Array(Math.max(n, this.keepTime.length * 2));
      this.keepBatch = new Int32Array(this.keepTime.length);
    }
    // backward pass: a row is the last of its key at its time (kept in byTime), and maybe the last of its key (byBatch)
    const pass = ++this.pass;
    const stamp = this.stamp;
    const stampTime = this.stampTime;
    const keepTime = this.keepTime;
    const keepBatch = this.keepBatch;
    let nt = 0;
    let nb = 0;
    for (let i = n - 1; i >= 0; i--) {
      const s = slots[i];
      const t = times[i];
      if (stamp[s] !== pass) {
        stamp[s] = pass;
        stampTime[s] = t;
        keepTime[nt++] = i;
        keepBatch[nb++] = i;
      } else if (stampTime[s] !== t) {
        stampTime[s] = t;
        keepTime[nt++] = i;
      }
    }
    keepTime.subarray(0, nt).reverse();
    keepBatch.subarray(0, nb).reverse();
    const byTime = nt === n ? batch : takeRows(batch, keepTime.subarray(0, nt), nt);
    // the new chunk is byTime; point each changed key at its last row there
    const id = this.chunks.length;
    this.chunks.push(byTime);
    this.refs.push(0);
    this.retained += nt;
    let b = 0;
    for (let p = 0; p < nt && b < nb; p++) {
      const i = keepTime[p];
      if (i !== keepBatch[b]) continue;
      b++;
      const s = slots[i];
      const old = this.chunkOf[s];
      if (old >= 0) this.unref(old);
      this.chunkOf[s] = id;
      this.rowOf[s] = p;
      this.timeOf[s] = times[i];
      this.refs[id]++;
    }
    if (this.refs[id] === 0) this.unref(id, true);
    this.version++;
    this.cache = undefined;
    const batchRows = keepBatch.slice(0, nb);
    const byBatch = () => (nb === n ? batch : takeRows(batch, batchRows, nb));
    if (this.retained > 4 * (this.store.slotCount + 1) + 4096) this.consolidate();
    return { byTime, byBatch };
  }

  private unref(id: number, force = false): void {
    if (!force) this.refs[id]--;
    if (this.refs[id] === 0 && this.chunks[id]) {
      this.retained -= this.chunks[id]!.numRows;
      this.chunks[id] = undefined;
    }
  }

  /** The live slots holding a row, in slot order. */
  private liveSlots(): Int32Array {
    const used = this.store.slotCount;
    const out = new Int32Array(used);
    let k = 0;
    for (let s = 0; s < used; s++) if (this.chunkOf[s] >= 0 && this.store.isLive(s)) out[k++] = s;
    return out.subarray(0, k);
  }

  private countKeys(): void {
    this.keyRows = this.liveSlots().length;
  }

  /** Gathers the live slots' rows into one chunk (slot order) that replaces every chunk. Returns it. */
  private consolidate(): RecordBatch | undefined {
    if (!this.schema) return undefined;
    const slots = this.liveSlots();
    const k = slots.length;
    const base = new Map<number, number>();
    const parts: RecordBatch[] = [];
    let rows = 0;
    for (let id = 0; id < this.chunks.length; id++) {
      const c = this.chunks[id];
      if (!c || this.refs[id] === 0) continue;
      base.set(id, rows);
      parts.push(c);
      rows += c.numRows;
    }
    const idx = new Int32Array(k);
    for (let j = 0; j < k; j++) {
      const s = slots[j];
      idx[j] = base.get(this.chunkOf[s])! + this.rowOf[s];
    }
    const all = parts.length === 0 ? undefined : parts.length === 1 ? parts[0] : concatBatches(parts, this.schema);
    const out = all ? takeRows(all, idx, k) : concatBatches([], this.schema);
    // every dead slot's reference goes too
    for (let s = 0; s < this.chunkOf.length; s++) this.chunkOf[s] = -1;
    this.chunks = [out];
    this.refs = [k];
    this.retained = k;
    for (let j = 0; j < k; j++) {
      this.chunkOf[slots[j]] = 0;
      this.rowOf[slots[j]] = j;
    }
    return out;
  }

  /**
   * The state as a `Table`: the latest row of each live key, in order of the keys' first
   * appearance (slot order: the null-key group first). Cached: the same `Table` object
   * until the state changes.
   */
  snapshot(): Table {
    if (this.cache && this.cache.version === this.version) return this.cache.table;
    const b = this.consolidate();
    const table = b ? new Table([b]) : new Table();
    this.cache = { version: this.version, table };
    return table;
  }

  /** The state's rows sorted by time (ties in slot order): a stream start equivalent to the rows seen so far, for as-of joins. */
  sortedRows(): RecordBatch | undefined {
    const b = this.consolidate();
    if (!b || b.numRows === 0) return undefined;
    const slots = this.liveSlots();
    const order = Array.from(slots.keys());
    const t = this.timeOf;
    order.sort((x, y) => (t[slots[x]] < t[slots[y]] ? -1 : t[slots[x]] > t[slots[y]] ? 1 : x - y));
    return takeRows(b, Int32Array.from(order));
  }
}
