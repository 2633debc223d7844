/**
 * Per-key state of `cumulative` and `rolling`: typed arrays indexed by slot (`code + 1`,
 * slot 0 = null keys, see `keyed.ts`), one set per aggregation, implementing `KeyedArrays`
 * so key expiry can grow and compact them. Each `run` dispatches on the aggregation's
 * operation once per batch and calls one kernel (`src/kernels/cumulative.ts`,
 * `src/kernels/rolling.ts`).
 */
import { Float64, type Data } from 'apache-arrow';
import { bitsOf } from './fill-numeric';
import { fixedData } from '../../src/batch/build';
import type { AggOp } from '../../src/aggs/agg';
import type { FloatColumn } from '../../src/aggs/values';
import { bitmapBytes } from '../../src/kernels/bitmap';
import { allocArray } from '../../src/kernels/gather';
import { type CumulativeLoop, type RunningOp, cumCount, cumFirstLast, cumMean, cumMinMax, cumSum, cumVar, cumulativeLoop } from '../../src/kernels/cumulative';
import {
  COUNT,
  evictedHead,
  FIRST,
  LAST,
  MAX,
  MEAN,
  MIN,
  SUM,
  rollingDequeRows,
  rollingDequeTime,
  rollingSumRows,
  rollingSumTime,
  rollingVarRows,
  rollingVarTime,
  ringSlots,
  ringValidity,
} from '../../src/kernels/rolling';
import { type KeyedArrays, type StateArray, growArray, remapArray } from './keyed';

const FLOAT64 = new Float64();
const NONE = new Float64Array(0);

/** One output column from a kernel's values and validity. */
function outputData(out: Float64Array, valid: Uint8Array | null, nulls: number, n: number): Data<Float64> {
  return fixedData(FLOAT64, out, nulls > 0 ? valid : null, n, nulls);
}

function growWide<T extends StateArray>(array: T, slots: number, stride: number, fill: number | bigint): T {
  const need = slots * stride;
  if (array.length >= need) return array;
  const next = new (array.constructor as new (n: number) => T)(Math.max(need, array.length * 2));
  next.set(array as never);
  if (fill !== 0 && fill !== 0n) next.fill(fill as never, array.length);
  return next;
}

/** A set of per-slot typed arrays (each with a stride and an initial value), grown and remapped together. */
export class SlotArrays implements KeyedArrays {
  readonly arrays: StateArray[] = [];
  private readonly strides: number[] = [];
  private readonly fills: (number | bigint)[] = [];
  slots = 0;

  /** Registers an array; returns its index in `arrays`. */
  add(array: StateArray, stride = 1, fill: number | bigint = 0): number {
    if (fill !== 0 && fill !== 0n) array.fill(fill as never);
    this.arrays.push(array);
    this.strides.push(stride);
    this.fills.push(fill);
    return this.arrays.length - 1;
  }

  grow(slots: number): void {
    if (slots <= this.slots) return;
    for (let j = 0; j < this.arrays.length; j++) {
      const a = this.arrays[j];
      const stride = this.strides[j];
      // doubling, like growArray, but without its 16-slot minimum for wide strides (a row window of 10^6 rows per key)
      this.arrays[j] = stride > 64 ? growWide(a, slots, stride, this.fills[j]) : growArray(a, slots, stride, this.fills[j]);
    }
    this.slots = slots;
  }

  remap(map: Int32Array, slots: number): void {
    for (let j = 0; j < this.arrays.length; j++) this.arrays[j] = remapArray(this.arrays[j], map, slots, this.strides[j], this.fills[j]);
    this.slots = slots;
  }
}

/** The running aggregates of `cumulative`: one `SlotArrays` per aggregation. */
export class CumulativeState implements KeyedArrays {
  private readonly states: SlotArrays[];

  /** Whether every aggregation is a `sum`, `count` or `mean` (see `runAll`). */
  private readonly running: boolean;
  // runAll's argument arrays, reused
  private readonly values: unknown[];
  private readonly classes: ({ name: string } | null)[];
  private readonly sums: Float64Array[];
  private readonly counts: (Float64Array | null)[];
  private readonly outs: Float64Array[];
  /** The generated loop of the last batch, and the column classes it was generated for. */
  private loop: CumulativeLoop | undefined = undefined;
  private loopClasses: ({ name: string } | null)[] = [];

  constructor(private readonly ops: readonly AggOp[]) {
    this.running = ops.every((op) => op === 'sum' || op === 'count' || op === 'mean');
    this.values = new Array<unknown>(ops.length).fill(null);
    this.classes = new Array<{ name: string } | null>(ops.length).fill(null);
    this.sums = new Array<Float64Array>(ops.length);
    this.counts = new Array<Float64Array | null>(ops.length).fill(null);
    this.outs = new Array<Float64Array>(ops.length);
    this.states = ops.map((op) => {
      const s = new SlotArrays();
      const f = () => new Float64Array(16);
      switch (op) {
        case 'sum':
          s.add(f());
          break;
        case 'count':
          s.add(f());
          break;
        case 'mean':
          s.add(f());
          s.add(f());
          break;
        case 'min':
          s.add(f(), 1, Infinity);
          break;
        case 'max':
          s.add(f(), 1, -Infinity);
          break;
        case 'std':
        case 'var':
          s.add(f());
          s.add(f());
          s.add(f());
          break;
        case 'first':
        case 'last':
          s.add(f());
          s.add(f());
          break;
      }
      return s;
    });
  }

  grow(slots: number): void {
    for (const s of this.states) s.grow(slots);
  }

  remap(map: Int32Array, slots: number): void {
    for (const s of this.states) s.remap(map, slots);
  }

  /**
   * Every aggregation over one batch in one generated loop (`cumulativeLoop`), straight from
   * the columns' own values, when every aggregation is a `sum`, `count` or `mean` and none of
   * their columns (`raw[columnOf[j]]`; `columnOf[j] < 0` for `count()`) holds a null in this
   * batch: writes the outputs to `out[at + j]` and returns true. Returns false (having done
   * nothing) otherwise: then `run` per aggregation.
   */
  runAll(codes: Int32Array, n: number, columnOf: readonly number[], raw: readonly Data[], out: Data[], at: number): boolean {
    if (!this.running) return false;
    const k = this.ops.length;
    const values = this.values;
    const classes = this.classes;
    for (let j = 0; j < k; j++) {
      const c = columnOf[j];
      if (c < 0) {
        values[j] = null;
        classes[j] = null;
        continue;
      }
      const d = raw[c];
      if (bitsOf(d) !== null) return false;
      values[j] = d.values;
      classes[j] = (d.values as object).constructor;
    }
    const sums = this.sums;
    const counts = this.counts;
    const outs = this.outs;
    for (let j = 0; j < k; j++) {
      const a = this.states[j].arrays as Float64Array[];
      sums[j] = a[0];
      counts[j] = this.ops[j] === 'mean' ? a[1] : null;
      outs[j] = allocArray(Float64Array, n);
    }
    // the classes are the schema's, so the loop of the last batch almost always fits: no lookup per batch
    let loop = this.loop;
    if (loop === undefined || classes.some((c, j) => c !== this.loopClasses[j])) {
      loop = this.loop = cumulativeLoop(this.ops as readonly RunningOp[], classes);
      this.loopClasses = classes.slice();
    }
    loop(codes, n, values, sums, counts, outs);
    for (let j = 0; j < k; j++) out[at + j] = outputData(outs[j], null, 0, n);
    values.fill(null);
    return true;
  }

  /** Aggregation `j` over one batch: the output column. `col` is `null` for `count()`. */
  run(j: number, codes: Int32Array, n: number, col: FloatColumn | null): Data<Float64> {
    const a = this.states[j].arrays as Float64Array[];
    const out = allocArray(Float64Array, n);
    const op = this.ops[j];
    if (op === 'count') {
      cumCount(codes, n, col ? col.validity : null, col ? col.offset : 0, a[0], out);
      return outputData(out, null, 0, n);
    }
    const { values, validity, offset } = col!;
    const needsBitmap = validity !== null || op === 'std' || op === 'var' || op === 'first' || op === 'last';
    const valid = needsBitmap ? allocArray(Uint8Array, bitmapBytes(n)) : null;
    let nulls: number;
    switch (op) {
      case 'sum':
        nulls = cumSum(codes, n, values, validity, offset, a[0], out, valid);
        break;
      case 'mean':
        nulls = cumMean(codes, n, values, validity, offset, a[0], a[1], out, valid);
        break;
      case 'min':
      case 'max':
        nulls = cumMinMax(codes, n, values, validity, offset, op === 'max', a[0], out, valid);
        break;
      case 'std':
      case 'var':
        nulls = cumVar(codes, n, values, validity, offset, op === 'std', a[0], a[1], a[2], out, valid!);
        break;
      default:
        nulls = cumFirstLast(codes, n, values, validity, offset, op === 'last', a[0], a[1], out, valid!);
    }
    return outputData(out, valid, nulls, n);
  }
}

const SUM_MODES: Partial<Record<AggOp, number>> = { sum: SUM, mean: MEAN, count: COUNT };
const DEQUE_MODES: Partial<Record<AggOp, number>> = { min: MIN, max: MAX, first: FIRST, last: LAST };

/**
 * Row windows (the last `w` rows of each key): per aggregation, a ring of `w` values per
 * slot in one pool (`rv`, `rok`), the ring position and fill, and the aggregate state
 * (sum/mean/count: sum, Kahan compensation, non-null count, non-finite counts; var/std:
 * count, mean, m2, non-finite count; min/max/first/last: rows seen, count, NaN count, a
 * deque ring of `w` row numbers with its head and length, the last non-null row).
 * Memory: slots × w × 9 bytes per aggregation (17 with a deque), plus a few numbers per slot.
 */
export class RowWindowState implements KeyedArrays {
  private readonly states: SlotArrays[];

  constructor(
    private readonly ops: readonly AggOp[],
    private readonly w: number,
    private readonly minPeriods: number,
  ) {
    this.states = ops.map((op) => {
      const s = new SlotArrays();
      s.add(new Float64Array(2 * w), w); // 0 rv
      s.add(new Uint8Array(2 * w), w); // 1 rok
      if (SUM_MODES[op] !== undefined || op === 'std' || op === 'var') {
        s.add(new Int32Array(16)); // 2 pos
        s.add(new Int32Array(16)); // 3 fill
        s.add(new Float64Array(16)); // 4 sum | nobs
        s.add(new Float64Array(16)); // 5 comp | mean
        s.add(new Float64Array(16)); // 6 nobs | m2
        s.add(new Float64Array(64), SUM_MODES[op] !== undefined ? 4 : 1); // 7 nonFinite
      } else {
        s.add(new Float64Array(16)); // 2 seq
        s.add(new Float64Array(16)); // 3 nobs
        s.add(new Float64Array(16)); // 4 nan
        s.add(new Float64Array(2 * w), w); // 5 dq
        s.add(new Int32Array(16)); // 6 dqHead
        s.add(new Int32Array(16)); // 7 dqLen
        s.add(new Float64Array(16), 1, -1); // 8 lastSeq
      }
      return s;
    });
  }

  grow(slots: number): void {
    for (const s of this.states) s.grow(slots);
  }

  remap(map: Int32Array, slots: number): void {
    for (const s of this.states) s.remap(map, slots);
  }

  run(j: number, codes: Int32Array, n: number, col: FloatColumn | null): Data<Float64> {
    const a = this.states[j].arrays;
    const op = this.ops[j];
    const out = allocArray(Float64Array, n);
    const valid = allocArray(Uint8Array, bitmapBytes(n));
    const values = col ? col.values : out; // count(): values unused
    const validity = col ? col.validity : null;
    const off = col ? col.offset : 0;
    const rv = a[0] as Float64Array;
    const rok = a[1] as Uint8Array;
    const f = a as Float64Array[];
    const i32 = a as Int32Array[];
    let nulls: number;
    const sumMode = SUM_MODES[op];
    if (sumMode !== undefined) {
      nulls = rollingSumRows(sumMode, codes, n, values, validity, off, this.w, rv, rok, i32[2], i32[3], f[4], f[5], f[6], f[7], this.minPeriods, out, valid);
    } else if (op === 'std' || op === 'var') {
      nulls = rollingVarRows(op === 'std', codes, n, values, validity, off, this.w, rv, rok, i32[2], i32[3], f[4], f[5], f[6], f[7], this.minPeriods, out, valid);
    } else {
      nulls = rollingDequeRows(DEQUE_MODES[op]!, codes, n, values, validity, off, this.w, rv, rok, f[2], f[3], f[4], f[5], i32[6], i32[7], f[8], this.minPeriods, out, valid);
    }
    return outputData(out, valid, nulls, n);
  }
}

/**
 * Time windows: one FIFO ring of the rows of the last `window` of the stream, all keys, in
 * stream order (see `src/kernels/rolling.ts`): times, key slots, per aggregated column the
 * values and a non-null flag, per deque aggregation (min/max/first) the links. Rows are
 * numbered by sequence (`head..tail)` live; position `seq & mask`). Per aggregation, the
 * per-slot state in a `SlotArrays`. Memory: (8 + 4 + 9 per column + 16 per deque) bytes per
 * row in the window (capacity a power of two), plus a few numbers per slot and aggregation.
 */
export class TimeWindowState implements KeyedArrays {
  private readonly states: SlotArrays[];
  /** Ring arrays: times, slots, then per column (values, ok), then per deque agg (next, prev). */
  private times = new BigInt64Array(1024);
  private slots = new Int32Array(1024);
  private vals: Float64Array[];
  private oks: Uint8Array[];
  private links: (Float64Array[] | null)[];
  private mask = 1023;
  private head = 0;
  private tail = 0;

  /**
   * `columnOf[j]`: aggregation j's column in the ring (`-1`: `count()`, every row).
   * `columns`: the number of distinct aggregated columns.
   */
  constructor(
    private readonly ops: readonly AggOp[],
    private readonly columnOf: readonly number[],
    columns: number,
    private readonly window: bigint,
    private readonly minPeriods: number,
  ) {
    this.vals = Array.from({ length: columns }, () => new Float64Array(1024));
    this.oks = Array.from({ length: columns }, () => new Uint8Array(1024));
    this.links = ops.map((op) => (op === 'min' || op === 'max' || op === 'first' ? [new Float64Array(1024), new Float64Array(1024)] : null));
    this.states = ops.map((op) => {
      const s = new SlotArrays();
      if (SUM_MODES[op] !== undefined) {
        s.add(new Float64Array(16)); // 0 sum
        s.add(new Float64Array(16)); // 1 comp
        s.add(new Float64Array(16)); // 2 nobs
        s.add(new Float64Array(64), 4); // 3 nonFinite
      } else if (op === 'std' || op === 'var') {
        s.add(new Float64Array(16)); // 0 nobs
        s.add(new Float64Array(16)); // 1 mean
        s.add(new Float64Array(16)); // 2 m2
        s.add(new Float64Array(16)); // 3 nonFinite
      } else {
        s.add(new Float64Array(16)); // 0 nobs
        s.add(new Float64Array(16)); // 1 nan
        s.add(new Float64Array(16), 1, -1); // 2 front
        s.add(new Float64Array(16), 1, -1); // 3 back
      }
      return s;
    });
  }

  /** Rows held in the ring (the window of the whole stream). */
  get size(): number {
    return this.tail - this.head;
  }

  grow(slots: number): void {
    for (const s of this.states) s.grow(slots);
  }

  /**
   * Compacts the per-slot state and the ring: rows of expired keys leave the ring (later
   * rows are renumbered, links rewritten), the others get their new slot.
   */
  remap(map: Int32Array, slots: number): void {
    for (const s of this.states) s.remap(map, slots);
    const { head, tail, mask } = this;
    const renumber = new Float64Array(tail - head);
    let to = head;
    for (let seq = head; seq < tail; seq++) {
      const p = seq & mask;
      const s = this.slots[p];
      const m = s < map.length ? map[s] : -1;
      if (m < 0) {
        renumber[seq - head] = -1;
        continue;
      }
      renumber[seq - head] = to;
      const q = to & mask;
      this.times[q] = this.times[p];
      this.slots[q] = m;
      for (let c = 0; c < this.vals.length; c++) {
        this.vals[c][q] = this.vals[c][p];
        this.oks[c][q] = this.oks[c][p];
      }
      for (const l of this.links) {
        if (!l) continue;
        l[0][q] = l[0][p];
        l[1][q] = l[1][p];
      }
      to++;
    }
    const re = (x: number) => (x < 0 ? x : renumber[x - head]);
    for (let j = 0; j < this.ops.length; j++) {
      const l = this.links[j];
      const a = this.states[j].arrays as Float64Array[];
      if (this.ops[j] === 'last' || l) {
        for (let s = 0; s < slots; s++) {
          a[3][s] = re(a[3][s]);
          if (l) a[2][s] = re(a[2][s]);
        }
      }
      if (l) {
        for (let seq = head; seq < to; seq++) {
          const q = seq & mask;
          l[0][q] = re(l[0][q]);
          l[1][q] = re(l[1][q]);
        }
      }
    }
    this.tail = to;
  }

  /** Makes room for `n` more rows in the ring (doubling; live rows keep their sequence numbers). */
  private reserve(n: number): void {
    const need = this.tail - this.head + n;
    if (need <= this.mask + 1) return;
    let cap = (this.mask + 1) * 2;
    while (cap < need) cap *= 2;
    const mask = cap - 1;
    const move = <T extends StateArray>(old: T): T => {
      const next = new (old.constructor as new (n: number) => T)(cap);
      for (let seq = this.head; seq < this.tail; seq++) next[seq & mask] = old[seq & this.mask];
      return next;
    };
    this.times = move(this.times);
    this.slots = move(this.slots);
    this.vals = this.vals.map(move);
    this.oks = this.oks.map(move);
    this.links = this.links.map((l) => (l ? l.map(move) : null));
    this.mask = mask;
  }

  /** Copies `src[0..n)` into the ring at positions `p0..` (wrapping once at most: two chunks at most, `first` rows in the first). */
  private put<T extends StateArray>(ring: T, src: T, p0: number, first: number, n: number): void {
    if (first === n && src.length === n) ring.set(src as never, p0);
    else ring.set(src.subarray(0, first) as never, p0);
    if (first < n) ring.set(src.subarray(first, n) as never, 0);
  }

  /**
   * One batch: appends its rows to the ring (`times`, key `codes`, the aggregated columns)
   * and writes one output column per aggregation to `out[at + j]` (returns `out`).
   */
  run(codes: Int32Array, times: BigInt64Array, n: number, columns: readonly (FloatColumn | null)[], out: Data[] = [], at = 0): Data[] {
    this.reserve(n);
    const { mask } = this;
    const start = this.tail;
    // the batch's rows go to positions start & mask.. (wrapping once at most): copied in at most two chunks
    const p0 = start & mask;
    const first = Math.min(n, mask + 1 - p0);
    this.put(this.times, times, p0, first, n);
    const slots = this.slots;
    ringSlots(slots, codes, start, n, mask);
    for (let c = 0; c < columns.length; c++) {
      const col = columns[c];
      if (!col) continue;
      const ok = this.oks[c];
      const { values, validity, offset } = col;
      this.put(this.vals[c], values, p0, first, n);
      if (validity === null) {
        ok.fill(1, p0, p0 + first);
        if (first < n) ok.fill(1, 0, n - first);
      } else {
        ringValidity(ok, validity, offset, start, n, mask);
      }
    }
    this.tail = start + n;
    const head = this.head;
    const ringTime = this.times;
    const window = this.window;
    for (let j = 0; j < this.ops.length; j++) {
      const op = this.ops[j];
      const a = this.states[j].arrays as Float64Array[];
      const c = this.columnOf[j];
      const vals = c >= 0 ? this.vals[c] : NONE;
      const ok = c >= 0 ? this.oks[c] : null;
      const o = allocArray(Float64Array, n);
      const valid = allocArray(Uint8Array, bitmapBytes(n));
      let nulls: number;
      const sumMode = SUM_MODES[op];
      if (sumMode !== undefined) {
        nulls = rollingSumTime(sumMode, ringTime, times, window, head, start, n, this.slots, vals, ok, mask, a[0], a[1], a[2], a[3], this.minPeriods, o, valid);
      } else if (op === 'std' || op === 'var') {
        nulls = rollingVarTime(op === 'std', ringTime, times, window, head, start, n, this.slots, vals, ok!, mask, a[0], a[1], a[2], a[3], this.minPeriods, o, valid);
      } else {
        const l = this.links[j] ?? [NONE, NONE];
        nulls = rollingDequeTime(DEQUE_MODES[op]!, ringTime, times, window, head, start, n, this.slots, vals, ok!, mask, a[0], a[1], a[2], a[3], l[0], l[1], this.minPeriods, o, valid);
      }
      out[at + j] = outputData(o, valid, nulls, n);
    }
    if (n > 0) this.head = evictedHead(ringTime, mask, head, start + n - 1, times[n - 1], window);
    return out;
  }
}
