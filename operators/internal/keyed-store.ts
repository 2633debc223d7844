/**
 * `KeyedStore`: the machinery every keyed operator needs once, in one class — resolve the
 * key columns `by` against the input schema, encode each batch into per-row *slots*, grow
 * the registered per-key states, and (with `expireAfter`) forget keys not seen for a
 * duration of event time, so that an unbounded key set runs in bounded memory.
 *
 * ## Slots
 * A slot is the index of a key's state in the operator's typed arrays (`KeyedArrays`,
 * `operators/internal/keyed.ts`). Slot 0 is the null-key group (a null in any key column),
 * which never expires. Without `expireAfter`, slot = key code + 1 (the convention of
 * `keyed.ts`). With it, the store keeps its own map from key code to slot, because a key
 * can *expire and come back*: it then gets a fresh slot, whose state is the initial one,
 * even in the middle of a batch (so the output does not depend on how the input is split
 * into batches).
 *
 * ## Expiry, exactly
 * With `expireAfter: d`, a key's state is forgotten once the key has not been seen for
 * more than `d` of event time:
 * - a row of key `k` at time `t` whose previous row of `k` was at `t0 < t - d` starts a
 *   fresh state for `k` (a new slot) and counts one expiry;
 * - after each batch, every key whose last row is more than `d` behind the batch's last
 *   row time is expired (counted; its slot dies). Its next row, necessarily at a later
 *   time, starts fresh.
 *
 * So after any batch, `expired` is the number of key lifetimes that ended: a function of
 * the rows seen so far, not of the batch boundaries. `d = 0` keeps a key alive only for
 * rows at one time.
 *
 * ## Memory
 * Dead slots (expired keys) are reclaimed by *compaction*, amortized: once dead slots are
 * at least as many as live ones (and at least 32), the store builds a fresh key dictionary
 * holding only the live keys (`KeyDictionary.compact`: the value tables are rebuilt at the
 * new size and every cached dictionary translation is dropped), renumbers the live slots
 * densely in their old order, and calls `remap(map, slots)` on every registered state. The
 * memory held is then O(keys alive within `expireAfter`), not O(keys ever seen).
 *
 * ## Shared key dictionaries
 * Given `run` (the operator's `currentRun()`) and no `expireAfter`, the store encodes with
 * the run's key dictionary for its key column names and kinds (`runKeyDictionary`), shared
 * with the other keyed operators of the run: a key column passed down a chain unchanged is
 * encoded once (the others copy the codes from the dictionary's encode cache). Slots are
 * still code + 1, but codes are no longer dense for this store: the states are grown to
 * the dictionary's size (keys seen by any sharing operator; unseen ones keep their initial
 * state). Only for operators whose output does not depend on the numeric order of codes.
 *
 * ## Using it in an operator
 * ```ts
 * const store = new KeyedStore(by, { input: 'source', expireAfter });   // per subscription
 * store.register(state);                 // a KeyedArrays (grow + remap)
 * // per batch, after StreamValidator.check gave `times`:
 * const slots = store.encode(batch, times);   // Int32Array, one slot per row (0 = null key)
 * kernel(..., slots, state arrays ...);       // slots valid until endBatch()
 * store.endBatch();                           // expiry sweep; may compact (remaps the states)
 * ```
 */
import type { Observable } from 'rxjs';
import type { Data, RecordBatch, Schema } from 'apache-arrow';
import { KeyEncoder } from '../../src/batch/keys';
import { MIN_TIME } from '../../src/batch/time';
import { InvalidOptionError } from '../../src/errors';
import { type DurationLike, durationToNs } from '../../src/time/duration';
import { type RunContext, runKeyDictionaryFor } from '../../src/time/run';
import { type KeyedArrays, growArray, remapArray } from './keyed';

export interface KeyedStoreOptions {
  /** The input named in errors. */
  input?: string;
  /** Forget a key not seen for more than this much event time (ms, bigint ns or a date-fns Duration). Default: never. */
  expireAfter?: DurationLike;
  /** Called after a batch in which keys expired, with their number. */
  onExpire?: (count: number) => void;
  /** The option name used in errors about `expireAfter`. Default `'expireAfter'`. */
  option?: string;
  /**
   * The run (`currentRun()` at subscription) whose key dictionary for these key columns and
   * kinds to share (`runKeyDictionary`), so that a key column passed down a chain is
   * encoded once. Only for operators whose output does not depend on the numeric order of
   * key codes; ignored with `expireAfter` (compaction renumbers the store's own codes).
   * Default: a dictionary of the store's own.
   */
  run?: RunContext | undefined;
}

/** Dead slots needed before a compaction (with at least as many dead as live slots). */
const MIN_DEAD = 32;
const NO_CODES = new Int32Array(0);

/** `by` as a list of column names (`undefined` → none). */
export function keyList(by: string | readonly string[] | undefined, option = 'by'): readonly string[] {
  if (by === undefined) return [];
  const list = typeof by === 'string' ? [by] : [...by];
  for (const c of list) {
    if (typeof c !== 'string' || c === '') throw new InvalidOptionError(option, `expected column names, got ${String(c)}`);
  }
  if (new Set(list).size !== list.length) throw new InvalidOptionError(option, `a key column is named twice: ${list.join(', ')}`);
  return list;
}

export class KeyedStore {
  /** The key columns. */
  readonly by: readonly string[];
  /** The expiry duration in ns (`-1n`: never). */
  readonly expireAfterNs: bigint;
  /** Key lifetimes that ended by expiry so far. */
  expired = 0;
  /** Compactions done so far. */
  compactions = 0;
  private readonly input: string | undefined;
  private readonly onExpire: ((count: number) => void) | undefined;
  private readonly run: RunContext | undefined;
  private encoder: KeyEncoder | undefined = undefined;
  private readonly states: KeyedArrays[] = [];
  /** Slots in use: `0..used)`. */
  private used = 1;
  /** Slots whose size the registered states have room for. */
  private grown = 0;
  /** Dead slots among `1..used)`. */
  private dead = 0;
  /** The encoder's output buffer: written by `KeyEncoder.encode` only (its codes may be another encoder's cache hit). */
  private codes = NO_CODES;
  private slots = NO_CODES;
  /** With expiry: the slots - 1 given by `encodeCodes`. */
  private slotCodes = NO_CODES;
  // --- expiry only ---
  /** Per key code + 1: its slot (-1: none yet, or expired). */
  private slotOfKey = new Int32Array(0);
  /** Per slot: its key code + 1 (-1: dead). */
  private keyOfSlot = new Int32Array(16);
  /** Per slot: the time of its last row. */
  private lastSeen = new BigInt64Array(16);
  /** Per slot: the batch number of its last touch; and its entry in the queue. */
  private stamp = new Int32Array(16);
  private queuedAt = new Int32Array(16);
  private batchNo = 0;
  /** Touch queue in time order: (slot, last time) entries, one current per live slot. */
  private qSlot = new Int32Array(16);
  private qTime = new BigInt64Array(16);
  private qHead = 0;
  private qTail = 0;
  private touched = new Int32Array(16);
  private now: bigint = MIN_TIME;
  private expiredInBatch = 0;

  constructor(by: string | readonly string[] | undefined, options: KeyedStoreOptions = {}) {
    this.by = keyList(by);
    this.input = options.input;
    this.onExpire = options.onExpire;
    this.expireAfterNs = options.expireAfter === undefined ? -1n : durationToNs(options.expireAfter, options.option ?? 'expireAfter');
    if (this.expireAfterNs >= 0n) this.queuedAt.fill(-1);
    this.run = this.expiring ? undefined : options.run;
  }

  /** Whether keys expire. */
  get expiring(): boolean {
    return this.expireAfterNs >= 0n && this.by.length > 0;
  }

  /** Resolves the key columns against `schema` (done by the first `encode`; call it to get schema errors early). */
  bind(schema: Schema): void {
    if (this.encoder || this.by.length === 0) return;
    const keyDictionary = runKeyDictionaryFor(this.run, schema, this.by);
    this.encoder = new KeyEncoder(schema, this.by, {
      ...(this.input !== undefined ? { input: this.input } : {}),
      ...(keyDictionary ? { keyDictionary } : {}),
    });
  }

  /** Whether the key dictionary is the run's shared one (`run` given, no expiry, bound). */
  get sharesKeys(): boolean {
    return this.run !== undefined && this.encoder !== undefined && this.by.length > 0;
  }

  /** The key encoder (after `bind`; `undefined` without key columns). */
  get keyEncoder(): KeyEncoder | undefined {
    return this.encoder;
  }

  /** Registers a per-key state: grown to the slots in use now and whenever new keys arrive, remapped on compaction. */
  register(state: KeyedArrays): void {
    this.states.push(state);
    state.grow(Math.max(this.used, this.grown));
  }

  /** The number of slots in use (`0..slots)`, live or dead): the size the states are grown to. */
  get slotCount(): number {
    return this.used;
  }

  /** The number of live keys (not counting the null-key group). */
  get size(): number {
    return this.used - 1 - this.dead;
  }

  /** Whether slot `s` holds a live key (slot 0, the null group, always does). */
  isLive(s: number): boolean {
    if (s === 0) return true;
    if (s >= this.used) return false;
    return !this.expiring || this.keyOfSlot[s] > 0;
  }

  /**
   * The slot of each row of `batch` (0 for a null key), valid until `endBatch()`. `times`
   * are the rows' times (sorted; required with `expireAfter`). Grows the registered states
   * for new keys (their new slots hold the initial state). The result is a reused buffer.
   */
  encode(batch: RecordBatch, times?: BigInt64Array): Int32Array {
    const n = batch.numRows;
    if (this.slots.length < n) {
      const cap = Math.max(n, this.slots.length * 2, 64);
      this.slots = new Int32Array(cap);
      this.codes = new Int32Array(cap);
    }
    const slots = this.slots.subarray(0, n);
    if (this.by.length === 0) {
      slots.fill(0);
      return slots;
    }
    this.bind(batch.schema);
    const codes = this.encoder!.encode(batch, this.codes);
    if (!this.expiring) {
      for (let i = 0; i < n; i++) slots[i] = codes[i] + 1;
      this.used = this.encoder!.size + 1;
    } else {
      if (times === undefined || times.length < n) {
        throw new InvalidOptionError('expireAfter', 'key expiry needs the rows’ times');
      }
      this.assignSlots(codes, times, n, slots);
    }
    if (this.used > this.grown) {
      for (const s of this.states) s.grow(this.used);
      this.grown = this.used;
    }
    return slots;
  }

  /**
   * Like `encode`, but gives each row's *slot - 1* (`-1`: the null-key group), for kernels
   * that index their state by `code + 1`. Without `expireAfter` this is the key encoder's
   * codes themselves (no pass over the rows), without key columns a reused buffer of -1;
   * with `expireAfter`, one pass subtracting 1 from the slots. Valid until `endBatch()`
   * (a reused buffer).
   */
  encodeCodes(batch: RecordBatch, times?: BigInt64Array): Int32Array {
    const n = batch.numRows;
    if (this.by.length === 0) {
      if (this.codes.length < n) this.codes = new Int32Array(Math.max(n, this.codes.length * 2, 64)).fill(-1);
      if (this.grown < 1) {
        for (const s of this.states) s.grow(1);
        this.grown = 1;
      }
      return this.codes.subarray(0, n);
    }
    if (!this.expiring) {
      if (this.codes.length < n) this.codes = new Int32Array(Math.max(n, this.codes.length * 2, 64));
      this.bind(batch.schema);
      const codes = this.encoder!.encode(batch, this.codes);
      this.used = this.encoder!.size + 1;
      if (this.used > this.grown) {
        for (const s of this.states) s.grow(this.used);
        this.grown = this.used;
      }
      return codes;
    }
    const slots = this.encode(batch, times);
    // not into `codes`: the dictionary's encode cache may point there
    if (this.slotCodes.length < n) this.slotCodes = new Int32Array(this.slots.length);
    const out = this.slotCodes.subarray(0, n);
    for (let i = 0; i < n; i++) out[i] = slots[i] - 1;
    return out;
  }

  /** Maps key codes to slots, starting fresh slots for new and expired keys; tracks last-seen times. */
  private assignSlots(codes: Int32Array, times: BigInt64Array, n: number, slots: Int32Array): void {
    const exp = this.expireAfterNs;
    const keys = this.encoder!.size + 1;
    if (this.slotOfKey.length < keys) {
      const next = new Int32Array(Math.max(keys, this.slotOfKey.length * 2, 16)).fill(-1);
      next.set(this.slotOfKey);
      this.slotOfKey = next;
    }
    const slotOfKey = this.slotOfKey;
    const batchNo = ++this.batchNo;
    // the per-slot arrays in locals (re-read after newSlot, which may grow them)
    let lastSeen = this.lastSeen;
    let stamp = this.stamp;
    for (let i = 0; i < n; i++) {
      const k = codes[i] + 1;
      if (k === 0) {
        slots[i] = 0;
        continue;
      }
      let s = slotOfKey[k];
      const t = times[i];
      if (s < 0 || t - lastSeen[s] > exp) {
        // new, or not seen for longer than expireAfter: its old state is gone
        if (s >= 0) this.kill(s);
        s = this.newSlot(k);
        lastSeen = this.lastSeen;
        stamp = this.stamp;
      }
      lastSeen[s] = t;
      stamp[s] = batchNo;
      slots[i] = s;
    }
    if (n > 0) this.now = times[n - 1];
    // queue each live slot touched by this batch once, in order of its last row (= time order)
    if (this.touched.length < n) this.touched = new Int32Array(Math.max(n, this.touched.length * 2));
    let m = 0;
    const touched = this.touched;
    const keyOfSlot = this.keyOfSlot;
    for (let i = n - 1; i >= 0; i--) {
      const s = slots[i];
      if (s === 0 || stamp[s] !== batchNo) continue;
      stamp[s] = -batchNo; // collected
      if (keyOfSlot[s] > 0) touched[m++] = s;
    }
    for (let j = m - 1; j >= 0; j--) this.enqueue(touched[j]);
  }

  private newSlot(k: number): number {
    const s = this.used++;
    if (s >= this.keyOfSlot.length) {
      this.keyOfSlot = growArray(this.keyOfSlot, s + 1);
      this.lastSeen = growArray(this.lastSeen, s + 1);
      this.stamp = growArray(this.stamp, s + 1);
      const q = growArray(this.queuedAt, s + 1);
      if (q !== this.queuedAt) q.fill(-1, this.queuedAt.length);
      this.queuedAt = q;
    }
    this.keyOfSlot[s] = k;
    this.slotOfKey[k] = s;
    this.queuedAt[s] = -1;
    return s;
  }

  private kill(s: number): void {
    const k = this.keyOfSlot[s];
    if (k > 0 && this.slotOfKey[k] === s) this.slotOfKey[k] = -1;
    this.keyOfSlot[s] = -1;
    this.queuedAt[s] = -1;
    this.dead++;
    this.expired++;
    this.expiredInBatch++;
  }

  private enqueue(s: number): void {
    if (this.qTail >= this.qSlot.length) {
      this.compactQueue();
      // Still at least half full (the live keys fill it): double it, so that a compaction
      // (O(queue)) comes only after as many enqueues again: O(1) amortized per enqueue.
      // (Compacting without growing made a queue just above the live keys compact every
      // few enqueues: O(keys) per batch.)
      if (this.qTail * 2 >= this.qSlot.length) {
        this.qSlot = growArray(this.qSlot, this.qSlot.length * 2);
        this.qTime = growArray(this.qTime, this.qTime.length * 2);
      }
    }
    this.qSlot[this.qTail] = s;
    this.qTime[this.qTail] = this.lastSeen[s];
    this.queuedAt[s] = this.qTail++;
  }

  /**
   * Drops the queue's consumed and superseded entries (those not current for a live slot),
   * renumbering slots through `slotMap` when given, and rewrites every slot's position.
   */
  private compactQueue(slotMap?: Int32Array): void {
    let w = 0;
    for (let r = this.qHead; r < this.qTail; r++) {
      const s = this.qSlot[r];
      if (this.queuedAt[s] !== r || this.keyOfSlot[s] <= 0) continue;
      this.qSlot[w] = slotMap ? slotMap[s] : s;
      this.qTime[w] = this.qTime[r];
      w++;
    }
    this.qHead = 0;
    this.qTail = w;
    this.queuedAt.fill(-1);
    for (let r = 0; r < w; r++) this.queuedAt[this.qSlot[r]] = r;
  }

  /**
   * Ends the batch: expires the keys whose last row is more than `expireAfter` behind the
   * last row time seen, reports them (`onExpire`), and compacts when enough slots are dead
   * (remapping every registered state). Slots returned by `encode` are invalid afterwards.
   */
  endBatch(): void {
    if (!this.expiring) return;
    const limit = this.now - this.expireAfterNs;
    while (this.qHead < this.qTail && this.qTime[this.qHead] < limit) {
      const at = this.qHead++;
      const s = this.qSlot[at];
      if (this.queuedAt[s] === at && this.keyOfSlot[s] > 0) this.kill(s);
    }
    if (this.dead >= MIN_DEAD && this.dead >= this.used - 1 - this.dead) this.compact();
    else if (this.qHead > 1024 && this.qHead * 2 > this.qTail) this.compactQueue();
    if (this.expiredInBatch > 0) {
      const count = this.expiredInBatch;
      this.expiredInBatch = 0;
      this.onExpire?.(count);
    }
  }

  /** Renumbers the live slots densely (in order), forgets dead keys in the dictionary, remaps every state. */
  compact(): void {
    if (!this.expiring || !this.encoder) return;
    const used = this.used;
    const slotMap = new Int32Array(used).fill(-1);
    slotMap[0] = 0;
    const keep = new Int32Array(used);
    let next = 1;
    for (let s = 1; s < used; s++) {
      const k = this.keyOfSlot[s];
      if (k <= 0) continue;
      keep[next - 1] = k - 1;
      slotMap[s] = next++;
    }
    // the kept key of new slot s gets code s - 1: slots are code + 1 again
    this.encoder.dictionary.compact(keep, next - 1);
    // the queue is renumbered while keyOfSlot still has the old numbering
    this.compactQueue(slotMap);
    remapArray(this.lastSeen, slotMap, next);
    for (let s = 1; s < next; s++) this.keyOfSlot[s] = s;
    this.keyOfSlot.fill(0, next);
    this.stamp.fill(0);
    this.slotOfKey.fill(-1);
    for (let s = 1; s < next; s++) this.slotOfKey[s] = s;
    for (const st of this.states) st.remap(slotMap, next);
    this.used = next;
    this.dead = 0;
    this.compactions++;
  }

  /**
   * The key values of `slots[0..n)` as Arrow `Data`, one per key column (the input's
   * types; slot 0 gives nulls). For building snapshots and change batches.
   */
  keyColumns(slots: Int32Array, n: number = slots.length): Data[] {
    if (!this.encoder) return [];
    const codes = new Int32Array(n);
    if (this.expiring) for (let i = 0; i < n; i++) codes[i] = slots[i] === 0 ? -1 : this.keyOfSlot[slots[i]] - 1;
    else for (let i = 0; i < n; i++) codes[i] = slots[i] - 1;
    return this.encoder.keyColumns(codes);
  }

  /** The number of distinct keys the key dictionary holds now (live, plus dead ones not compacted yet). */
  get dictionarySize(): number {
    return this.encoder ? this.encoder.size : 0;
  }
}

/**
 * A keyed state usable as the right side of a join in place of an `Observable`
 * (`asofJoin(state, options)`): `KeyedState` from `keyedState()` implements it.
 */
export interface KeyedSource {
  /** The state's key columns. */
  readonly by: readonly string[];
  /** The state's time column when given explicitly (else the run's time column). */
  readonly on: string | undefined;
  /** The state's key expiry (`expireAfter`), if any: `join` does not match a key that expired. */
  readonly expireAfter?: DurationLike | undefined;
  /**
   * The rows to join against: the last row of each key at each distinct time, in time
   * order, beginning with the rows the state already holds (sorted by time) if it had seen
   * rows before this subscription. Subscribing connects the state.
   */
  rows(): Observable<RecordBatch>;
}

/** Whether `x` is a `KeyedSource` (rather than an `Observable`). */
export function isKeyedSource(x: unknown): x is KeyedSource {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as KeyedSource).rows === 'function' &&
    Array.isArray((x as KeyedSource).by) &&
    typeof (x as { subscribe?: unknown }).subscribe !== 'function'
  );
}

/** The join options `keyedRight` reads and may fill in. */
export interface KeyedJoinOptions {
  direction?: string;
  on?: string;
  rightOn?: string;
  by?: string | readonly string[];
  leftBy?: string | readonly string[];
  rightBy?: string | readonly string[];
}

/**
 * A join's right input and options when the right side may be a `KeyedSource`: an
 * `Observable` is returned as it is with the options untouched; a keyed state gives its
 * `rows()` and options where
 * - the keys default to the state's (`by: state.by`) when none of `by`/`leftBy`/`rightBy`
 *   is given (pass `by: []` to join without keys);
 * - the right keys must be among the state's key columns (`InvalidOptionError`
 *   otherwise): joining by fewer columns is exact (the last row per state key and time
 *   includes the last row per coarser key and time), by other columns is not;
 * - `rightOn` defaults to the state's `on` when the state has one and neither `on` nor
 *   `rightOn` is given (`InvalidOptionError` when `on` names another column);
 * - `direction` must be `'backward'` (the default): a forward or nearest match may be a
 *   row the state replaced (`InvalidOptionError`).
 */
export function keyedRight<O extends KeyedJoinOptions>(right: Observable<RecordBatch> | KeyedSource, options: O): [Observable<RecordBatch>, O] {
  if (!isKeyedSource(right)) return [right, options];
  if (options.direction !== undefined && options.direction !== 'backward') {
    throw new InvalidOptionError(
      'direction',
      `a keyed state keeps the latest row per key and time: only 'backward' joins against it are exact, got '${options.direction}' (join the stream itself)`,
    );
  }
  const out: O = { ...options };
  if (options.by === undefined && options.leftBy === undefined && options.rightBy === undefined) out.by = [...right.by];
  const rightKeys = keyList(out.by ?? out.rightBy, out.by !== undefined ? 'by' : 'rightBy');
  for (const k of rightKeys) {
    if (!right.by.includes(k)) {
      throw new InvalidOptionError(
        out.by !== undefined ? 'by' : 'rightBy',
        `a keyed state by ${right.by.map((c) => `'${c}'`).join(', ')} can be joined only by some of its key columns, got '${k}'`,
      );
    }
  }
  if (right.on !== undefined) {
    if (options.on !== undefined && options.on !== right.on) {
      throw new InvalidOptionError('on', `the keyed state's time column is '${right.on}', got '${options.on}' (use leftOn for the left side)`);
    }
    if (options.on === undefined && options.rightOn === undefined) out.rightOn = right.on;
  }
  return [right.rows(), out];
}
