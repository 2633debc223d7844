/**
 * The forward and nearest as-of join's held left rows: the rows released by the progress
 * gate but not emitted yet (unresolved, or resolved behind an unresolved one), their
 * matching state in typed arrays (`AsofPending`, driven by the kernels of
 * `src/kernels/asof.ts`), and a store of the right values their matches refer to.
 */
import type { Data, RecordBatch } from 'apache-arrow';
import { MIN_TIME } from '../../src/batch/time';
import { concatBatches } from '../../src/batch/concat';
import { takeRows } from '../../src/batch/take';
import { type AsofPending, resolvedPrefix } from '../../src/kernels/asof';
import { TimeBuffer } from './time-buffer';

/** Store rows allowed beyond twice the held rows before the store is compacted. */
const STORE_SLACK = 65_536;
/** Chunks allowed before the store is compacted (an emission gathers across the chunks it spans). */
const STORE_CHUNKS = 64;

/**
 * Right values that held rows refer to, as a list of batches of the right plan's schema
 * numbered by one running value reference: chunk `k` holds references
 * `bases[k] .. bases[k] + rows)`. Chunks are zero-copy projections of released right rows
 * (forward candidates) or gathered backward candidates (nearest).
 */
class ValueStore {
  private chunks: RecordBatch[] = [];
  private bases: number[] = [];
  private rows = 0;
  private nextRef = 0;
  private idx = new Int32Array(0);

  constructor(private readonly empty: RecordBatch) {}

  get size(): number {
    return this.rows;
  }

  get chunkCount(): number {
    return this.chunks.length;
  }

  /** The reference the next added row will get. */
  get next(): number {
    return this.nextRef;
  }

  /** Adds `batch`'s rows; returns the reference of its first row. */
  add(batch: RecordBatch): number {
    const base = this.nextRef;
    if (batch.numRows === 0) return base;
    this.chunks.push(batch);
    this.bases.push(base);
    this.rows += batch.numRows;
    this.nextRef += batch.numRows;
    return base;
  }

  clear(): void {
    this.chunks = [];
    this.bases = [];
    this.rows = 0;
  }

  /**
   * Replaces the chunks from reference `mark` on (`mark` must be a chunk start or the
   * end) with one chunk of their rows `idx[0..k)` (positions from `mark`), which gets the
   * next references.
   */
  replaceFrom(mark: number, idx: Int32Array, k: number): void {
    let c = this.bases.length;
    while (c > 0 && this.bases[c - 1] >= mark) c--;
    const added = this.chunks.slice(c);
    if (added.length === 0) return;
    const source = added.length === 1 ? added[0] : concatBatches(added, this.empty.schema);
    for (const b of added) this.rows -= b.numRows;
    this.chunks.length = c;
    this.bases.length = c;
    if (k > 0) this.add(takeRows(source, idx, k));
  }

  /** The right columns of the rows `refs[from .. from + n)` (-1: a null row). */
  gather(refs: Float64Array, from: number, n: number): RecordBatch {
    let lo = Infinity;
    let hi = -1;
    for (let i = from, end = from + n; i < end; i++) {
      const r = refs[i];
      if (r >= 0) {
        if (r < lo) lo = r;
        if (r > hi) hi = r;
      }
    }
    if (this.idx.length < n) this.idx = new Int32Array(Math.max(n, this.idx.length * 2));
    const idx = this.idx;
    if (hi < 0) {
      idx.fill(-1, 0, n);
      return takeRows(this.empty, idx, n);
    }
    const bases = this.bases;
    let k0 = bases.length - 1;
    while (bases[k0] > lo) k0--;
    let k1 = k0;
    while (k1 + 1 < bases.length && bases[k1 + 1] <= hi) k1++;
    if (k0 === k1) {
      const b0 = bases[k0];
      for (let i = 0; i < n; i++) {
        const r = refs[from + i];
        idx[i] = r >= 0 ? r - b0 : -1;
      }
      return takeRows(this.chunks[k0], idx, n);
    }
    // references are not contiguous across chunks (settle drops unreferenced rows): map each
    // to its chunk (binary search) and its position in the concatenation
    const chunks = this.chunks.slice(k0, k1 + 1);
    const starts = new Float64Array(chunks.length);
    for (let k = 1; k < chunks.length; k++) starts[k] = starts[k - 1] + chunks[k - 1].numRows;
    for (let i = 0; i < n; i++) {
      const r = refs[from + i];
      if (r < 0) {
        idx[i] = -1;
        continue;
      }
      let a = k0;
      let b = k1;
      while (a < b) {
        const m = (a + b + 1) >> 1;
        if (bases[m] <= r) a = m;
        else b = m - 1;
      }
      idx[i] = starts[a - k0] + (r - bases[a]);
    }
    return takeRows(concatBatches(chunks, this.empty.schema), idx, n);
  }

  /**
   * Replaces the chunks with one holding only the rows `refs[from .. to)` refer to, and
   * rewrites those references. O(store rows).
   */
  compact(refs: Float64Array, from: number, to: number): void {
    const n = to - from;
    const live = this.gather(refs, from, n);
    const base = this.nextRef;
    this.clear();
    this.add(live);
    for (let i = 0; i < n; i++) if (refs[from + i] >= 0) refs[from + i] = base + i;
  }
}

/** The held left rows of a forward/nearest as-of join. */
export class AsofHeld {
  /** The matching state (see `asofForward`). */
  readonly p: AsofPending;
  /** Per key code: the time of its last walked right row (`MIN_TIME`: none). */
  lastTime = new BigInt64Array(0);
  /** Per key code: the reference of the first right row of the key at `lastTime` (-1: none). */
  firstAt = new Float64Array(0);
  /** The first row not emitted yet (a seq). */
  private head = 0;
  private capacity = 0;
  private heapCapacity = 0;
  private readonly left = new TimeBuffer();
  private readonly store: ValueStore;
  /** The store reference and the seq at the last `settle`. */
  private mark = 0;
  private settled = 0;
  private idx = new Int32Array(0);

  constructor(emptyRight: RecordBatch) {
    this.store = new ValueStore(emptyRight);
    this.p = {
      base: 0,
      next: 0,
      unresolved: 0,
      time: new BigInt64Array(0),
      key: new Int32Array(0),
      ref: new Float64Array(0),
      limit: new BigInt64Array(0),
      done: new Uint8Array(0),
      nextSame: new Float64Array(0),
      keyHead: new Float64Array(0),
      keyTail: new Float64Array(0),
      heapTime: new BigInt64Array(0),
      heapSeq: new Float64Array(0),
      heapSize: 0,
      touched: new Float64Array(0),
      nTouched: 0,
    };
  }

  /** Rows held (not emitted). */
  get length(): number {
    return this.p.next - this.head;
  }

  /** Room for key codes `0..size)`. */
  growKeys(size: number): void {
    const p = this.p;
    const have = p.keyHead.length;
    if (have >= size) return;
    const cap = Math.max(size, have * 2, 16);
    const grow = <T extends Float64Array | BigInt64Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a as never);
      return b;
    };
    p.keyHead = grow(p.keyHead, (n) => new Float64Array(n).fill(-1));
    p.keyTail = grow(p.keyTail, (n) => new Float64Array(n).fill(-1));
    this.firstAt = grow(this.firstAt, (n) => new Float64Array(n).fill(-1));
    this.lastTime = grow(this.lastTime, (n) => new BigInt64Array(n).fill(MIN_TIME));
  }

  /**
   * Takes `batch` (the released left rows, `times` their times) into the held rows, and
   * makes room for them in the state. Call before `asofForward` with these rows.
   */
  addLeft(batch: RecordBatch, times: BigInt64Array): void {
    const p = this.p;
    const n = batch.numRows;
    this.left.push(batch, times);
    // drop the emitted rows' slots first, when they are at least half of the arrays
    const emitted = this.head - p.base;
    if (emitted > 0 && 2 * emitted >= p.next - p.base) this.shift(emitted);
    const need = p.next - p.base + n;
    if (need > this.capacity) {
      const cap = Math.max(need, this.capacity * 2, 64);
      const used = p.next - p.base;
      const copy = <T extends BigInt64Array | Int32Array | Float64Array | Uint8Array>(a: T, b: T): T => {
        b.set(a.subarray(0, used) as never);
        return b;
      };
      p.time = copy(p.time, new BigInt64Array(cap));
      p.key = copy(p.key, new Int32Array(cap));
      p.ref = copy(p.ref, new Float64Array(cap));
      p.limit = copy(p.limit, new BigInt64Array(cap));
      p.done = copy(p.done, new Uint8Array(cap));
      p.nextSame = copy(p.nextSame, new Float64Array(cap));
      const touched = new Float64Array(cap);
      touched.set(p.touched.subarray(0, p.nTouched));
      p.touched = touched;
      this.capacity = cap;
    }
    if (p.heapSize + n > this.heapCapacity) {
      const cap = Math.max(p.heapSize + n, this.heapCapacity * 2, 64);
      const ht = new BigInt64Array(cap);
      ht.set(p.heapTime.subarray(0, p.heapSize));
      const hs = new Float64Array(cap);
      hs.set(p.heapSeq.subarray(0, p.heapSize));
      p.heapTime = ht;
      p.heapSeq = hs;
      this.heapCapacity = cap;
    }
  }

  /** Adds right values to the store; returns the reference of the first. */
  addValues(batch: RecordBatch): number {
    return this.store.add(batch);
  }

  /** The reference the next stored value will get (greater than every reference handed out). */
  get nextRef(): number {
    return this.store.next;
  }

  /**
   * Removes the resolved rows at the front (the rows that can be emitted, in left order)
   * and returns their left rows, their right columns and their references (-1: no match),
   * or `undefined` when the first held row is unresolved.
   */
  takeResolved(): { left: RecordBatch; right: readonly Data[]; refs: Float64Array } | undefined {
    const p = this.p;
    const n = resolvedPrefix(p, this.head);
    if (n === 0) return undefined;
    const from = this.head - p.base;
    const left = this.left.takeFirst(n);
    const right = this.store.gather(p.ref, from, n).data.children;
    const refs = p.ref.slice(from, from + n);
    this.head += n;
    return { left, right, refs };
  }

  /**
   * Keeps, of the right values stored since the last call, only those that held rows
   * refer to (the rows that took a right row as their match, listed in `p.touched`, and
   * nearest's new rows with their backward candidate): gathers them into one chunk and
   * rewrites their references. So the store holds O(held rows) values, not every
   * released right row. Call after `takeResolved`. O(rows added or resolved since the last
   * call + right rows stored since).
   */
  settle(): void {
    const p = this.p;
    const held = p.next - this.head;
    if (held === 0) {
      this.store.clear();
      p.nTouched = 0;
      this.settled = p.next;
      this.mark = this.store.next;
      return;
    }
    const mark = this.mark;
    const end = this.store.next;
    if (end > mark) {
      const head = this.head;
      const newBase = end;
      let k = 0;
      const visit = (seq: number) => {
        if (seq < head) return;
        const slot = seq - p.base;
        const r = p.ref[slot];
        if (r < mark || r >= newBase) return;
        if (this.idx.length <= k) {
          const grown = new Int32Array(Math.max(16, this.idx.length * 2));
          grown.set(this.idx);
          this.idx = grown;
        }
        this.idx[k] = r - mark;
        p.ref[slot] = newBase + k;
        k++;
      };
      for (let i = 0; i < p.nTouched; i++) visit(p.touched[i]);
      for (let seq = Math.max(this.settled, head); seq < p.next; seq++) visit(seq);
      this.store.replaceFrom(mark, this.idx, k);
    }
    if (this.store.size > 2 * held + STORE_SLACK || this.store.chunkCount > STORE_CHUNKS) this.store.compact(p.ref, this.head - p.base, p.next - p.base);
    p.nTouched = 0;
    this.settled = p.next;
    this.mark = this.store.next;
  }

  /** Moves the rows from slot `k` on to slot 0. */
  private shift(k: number): void {
    const p = this.p;
    const used = p.next - p.base;
    p.time.copyWithin(0, k, used);
    p.key.copyWithin(0, k, used);
    p.ref.copyWithin(0, k, used);
    p.limit.copyWithin(0, k, used);
    p.done.copyWithin(0, k, used);
    p.nextSame.copyWithin(0, k, used);
    p.base += k;
  }

  clear(): void {
    this.left.clear();
    this.store.clear();
  }
}
