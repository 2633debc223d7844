import type { OperatorFunction } from 'rxjs';
import { type Data, type DataType, Field, Float64, type RecordBatch, type Schema } from 'apache-arrow';
import { InvalidOptionError } from '../src/errors';
import { recordBatch, schemaWith, structData } from '../src/batch/build';
import { bitmapBytes } from '../src/kernels/bitmap';
import { emaRows, emaRowsPlain, emaTimes, unitWeights } from '../src/kernels/ema';
import { newData } from '../src/batch/take';
import { allocArray } from '../src/kernels/gather';
import { type DurationLike, durationToNs } from '../src/time/duration';
import { type KeyedArrays, growArray, remapArray } from './internal/keyed';
import { type ExpiryOptions, type KeyedBatch, type KeyedSchema, columnIndex, expiryOptions, keyList, keyedBatches } from './internal/fill-stream';
import { Float64Reader, bitsOf, checkNumeric } from './internal/fill-numeric';

export interface EmaOptions extends ExpiryOptions {
  /** Key column(s) (Utf8, Dictionary<Utf8>, integers, Bool): one average per key. Default: one group. */
  by?: string | readonly string[];
  /**
   * The averaged columns: `{ outName: 'inputColumn' }` (an output may replace its input:
   * `{ price: 'price' }`), or input column name(s), each giving `<name>_ema`.
   */
  columns: string | readonly string[] | Readonly<Record<string, string>>;
  /** The smoothing factor, `0 < alpha <= 1`. Give exactly one of `alpha`, `span`, `com`, `halfLife`. */
  alpha?: number;
  /** `alpha = 2 / (span + 1)`, `span >= 1`. */
  span?: number;
  /** Center of mass: `alpha = 1 / (1 + com)`, `com >= 0`. */
  com?: number;
  /**
   * Half-life: in rows, `alpha = 1 - exp(-ln 2 / halfLife)` (`> 0`); with `times: true`, a
   * duration of event time (ms, bigint ns or a date-fns Duration).
   */
  halfLife?: number | DurationLike;
  /** Decay by event time (the time column) with `halfLife`, like pandas' `ewm(halflife, times=...)`. Default false. */
  times?: boolean;
  /** pandas'/polars' `adjust`: weights `(1 - alpha)^i` normalised (true, default), or the recursion `y = (1 - alpha) y + alpha x` (false). */
  adjust?: boolean;
  /** pandas' `ignore_na` / polars' `ignore_nulls`: nulls do not decay the weights (rows mode). Default false. */
  ignoreNulls?: boolean;
  /** A row gets a value only once its key has had this many valid values. Default 1. */
  minPeriods?: number;
  /** The time column (rows must be sorted by it). Default: the run's time column (`'ts'` outside a run). */
  on?: string;
}

/** Options resolved once, when the operator is created. */
interface Parsed {
  readonly by: readonly string[];
  /** [output name, input name] pairs. */
  readonly pairs: readonly (readonly [string, string])[];
  readonly alpha: number;
  /** Half-life in ns with `times`, else 0. */
  readonly halfLifeNs: number;
  readonly adjust: boolean;
  readonly ignoreNulls: boolean;
  readonly minPeriods: number;
}

/**
 * Exponential moving average per key, as pandas' `groupby(by)[col].ewm(...).mean()` and
 * polars' `ewm_mean(...).over(by)` compute it, by rows (`alpha`/`span`/`com`/`halfLife`)
 * or over event time (`halfLife` with `times: true`: pandas' `ewm(halflife, times=ts)`),
 * carried across batches and cycles.
 *
 * ```text
 * source: --a-----b--|      a = {k: ['x', 'x'], px: [1, 2]}   b = {k: ['y', 'x'], px: [5, null]}
 * ema({ by: 'k', columns: { e: 'px' }, alpha: 0.5 })
 * result: --x-----y--|      x = {k: ['x', 'x'], px: [1, 2], e: [1, 1.667]}
 *                           y = {k: ['y', 'x'], px: [5, null], e: [5, null]}
 * ```
 *
 * @example
 * trades$.pipe(ema({ by: 'ticker', columns: { pxEma: 'price' }, alpha: 0.1, adjust: false }))
 * trades$.pipe(ema({ by: 'ticker', columns: { pxEma: 'price' }, halfLife: { seconds: 30 }, times: true }))
 *
 * **Input schema**: a time column (`on`), sorted (ties allowed), without nulls
 * (`TimeOrderError` / `NullTimeError` naming the input `'source'`, column and row); key
 * columns `by`; the averaged columns numeric (Int8-64, Uint8-64, Float32, Float64;
 * `ColumnTypeError` otherwise; 64-bit integers are read as the nearest double). Unknown
 * columns are a `MissingColumnError`; a bad `alpha`/`span`/`com`/`halfLife`/`minPeriods`
 * (or none or several of the first four) an `InvalidOptionError`.
 *
 * **Output schema**: the input fields, then the output columns (nullable `Float64`), each
 * replacing an input field of its name in place. Built once per stream.
 *
 * **Nulls**: as polars' `ewm_mean`: a null input gives a null output, and (unless
 * `ignoreNulls`) still decays the weights of the values before it (pandas' and polars'
 * default `ignore_na=False`: weights by absolute position). pandas gives the previous
 * average at a null row instead: `ffill` the output to get pandas' values. Outputs are null
 * until the key has had `minPeriods` valid values. NaN is a value (it propagates). With
 * `times`, the decay depends only on the time between valid values, so nulls change
 * nothing and `ignoreNulls` has no effect. **Null keys form their own group.**
 *
 * **Equal timestamps**: rows are taken in stream order. With `times`, two values of one
 * key at the same time are `dt = 0` apart (no decay between them: with `adjust`, both
 * count fully).
 *
 * **State and memory growth**: per output column and key, the average, its weight, the
 * count of values and (with `times`) the last value's time: O(keys × columns) typed-array
 * entries. Without `expireAfter`, every key ever seen is kept for the whole stream; with
 * `expireAfter: d`, a key not seen for more than `d` of event time is forgotten (its next
 * row starts a new average, as a new key's does; the null-key group never expires),
 * expiries are reported through `onExpire(count)`, and memory is O(keys seen within `d`)
 * (see `docs/keyed-state.md`).
 * Inside a replay or live run and without `expireAfter`, the key dictionary is the run's,
 * shared with the run's other keyed operators by the same key columns (`runKeyDictionary`):
 * the per-key arrays are then sized by every key any of them has seen, and a key column
 * that comes unchanged from one of them is not encoded again (its codes are copied).
 *
 * **Cost per batch**: one key encoding and, per output column, one pass over the rows
 * (plus a conversion to doubles for non-Float64 inputs) writing a new Float64 column; the
 * other columns are passed through zero-copy. The most common case — `adjust: false` (with
 * an `alpha` for which `(1 - alpha) + alpha` is exactly 1), `minPeriods` ≤ 1, a batch
 * without nulls, and no null earlier in the stream — runs a loop without per-row null
 * and weight checks, and its output has no validity bitmap (the same values: ~30% less
 * time over 5M trades). With `expireAfter`, one more pass over the rows
 * tracks each key's last time (and an expiry sweep), about 7 µs per 200-row batch.
 */
export function ema(options: EmaOptions): OperatorFunction<RecordBatch, RecordBatch> {
  const p = parseOptions(options);
  const expiry = expiryOptions(p.by, options);
  return keyedBatches(
    options.on,
    p.by,
    (s) => {
      const state = new EmaState(s, p);
      return { state, apply: (k) => state.apply(k) };
    },
    expiry,
  );
}

function positive(option: string, v: unknown, min: number, minInclusive: boolean, max = Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || (minInclusive ? v < min : v <= min) || v > max) {
    const range = `${minInclusive ? '>=' : '>'} ${min}${max < Infinity ? ` and <= ${max}` : ''}`;
    throw new InvalidOptionError(option, `expected a finite number ${range}, got ${String(v)}`);
  }
  return v;
}

function parseOptions(o: EmaOptions): Parsed {
  if (o === null || typeof o !== 'object') throw new InvalidOptionError('columns', 'ema needs options with `columns` and one of alpha, span, com or halfLife');
  const by = keyList(o.by);
  const c = o.columns;
  let pairs: (readonly [string, string])[];
  if (typeof c === 'string') pairs = [[`${c}_ema`, c]];
  else if (Array.isArray(c)) pairs = (c as string[]).map((x) => [`${x}_ema`, x] as const);
  else if (c && typeof c === 'object') pairs = Object.entries(c as Record<string, string>).map(([out, x]) => [out, x] as const);
  else throw new InvalidOptionError('columns', `expected a column name, a list of names or { output: input }, got ${String(c)}`);
  if (pairs.length === 0) throw new InvalidOptionError('columns', 'expected at least one column');
  for (const [out, x] of pairs) {
    if (typeof x !== 'string') throw new InvalidOptionError('columns', `expected an input column name for '${out}', got ${String(x)}`);
  }
  const given = (['alpha', 'span', 'com', 'halfLife'] as const).filter((k) => o[k] !== undefined);
  if (given.length !== 1) {
    throw new InvalidOptionError('alpha', `give exactly one of alpha, span, com or halfLife, got ${given.length ? given.join(', ') : 'none'}`);
  }
  const times = o.times === true;
  let alpha = NaN;
  let halfLifeNs = 0;
  if (times) {
    if (o.halfLife === undefined) throw new InvalidOptionError('times', 'decay over event time needs halfLife (a duration), not alpha, span or com');
    halfLifeNs = Number(durationToNs(o.halfLife as DurationLike, 'halfLife', false));
  } else if (o.alpha !== undefined) alpha = positive('alpha', o.alpha, 0, false, 1);
  else if (o.span !== undefined) alpha = 2 / (positive('span', o.span, 1, true) + 1);
  else if (o.com !== undefined) alpha = 1 / (1 + positive('com', o.com, 0, true));
  else {
    if (typeof o.halfLife !== 'number') {
      throw new InvalidOptionError('halfLife', `a half-life in rows is a number; for a duration of event time add times: true (got ${typeof o.halfLife})`);
    }
    alpha = 1 - Math.exp(-Math.LN2 / positive('halfLife', o.halfLife, 0, false));
  }
  const minPeriods = o.minPeriods ?? 1;
  if (!Number.isInteger(minPeriods) || minPeriods < 0) throw new InvalidOptionError('minPeriods', `expected a non-negative integer, got ${String(minPeriods)}`);
  for (const k of ['adjust', 'ignoreNulls', 'times'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'boolean') throw new InvalidOptionError(k, `expected a boolean, got ${String(o[k])}`);
  }
  return { by, pairs, alpha, halfLifeNs, adjust: o.adjust ?? true, ignoreNulls: o.ignoreNulls ?? false, minPeriods };
}

/** The per-key state of one `ema` subscription: per output column, the average, weight, count (and last time). */
export class EmaState implements KeyedArrays {
  private readonly schema: Schema;
  /** Input column positions, and output positions in the output schema. */
  private readonly inputs: readonly number[];
  private readonly outputs: readonly number[];
  private readonly types: readonly DataType[];
  /** Output columns. */
  private readonly width: number;
  private readonly readers: Float64Reader[];
  private mean: Float64Array[];
  private weight: Float64Array[];
  private count: Float64Array[];
  private lastHi: Int32Array[];
  private lastLo: Int32Array[];
  /**
   * Per output column: whether a null may have decayed a key's weight (then `emaRows`
   * runs; without, a batch without nulls takes `emaRowsPlain`). Conservative: stays set.
   */
  private readonly decayed: boolean[];
  /** Whether `emaRowsPlain` applies to batches without nulls (rows mode, see its conditions). */
  private readonly plain: boolean;

  /** The slots every array has room for (a remap keeps the arrays, so the room stays). */
  private capacity = 0;

  constructor(
    s: KeyedSchema,
    private readonly p: Parsed,
  ) {
    this.inputs = p.pairs.map(([, x]) => columnIndex(s.schema, x));
    for (const j of this.inputs) checkNumeric('ema', s.schema.fields[j]);
    const outNames = p.pairs.map(([out]) => out);
    if (new Set(outNames).size !== outNames.length) throw new InvalidOptionError('columns', `an output column is named twice: ${outNames.join(', ')}`);
    if (outNames.includes(s.time.name)) throw new InvalidOptionError('columns', `an output would replace the time column '${s.time.name}'`);
    this.schema = schemaWith(s.schema, outNames.map((name) => new Field(name, new Float64(), true)));
    this.outputs = outNames.map((name) => this.schema.fields.findIndex((f) => f.name === name));
    this.types = this.schema.fields.map((f) => f.type);
    this.width = this.schema.fields.length;
    const k = p.pairs.length;
    this.readers = Array.from({ length: k }, () => new Float64Reader());
    this.mean = Array.from({ length: k }, () => new Float64Array(0));
    this.weight = Array.from({ length: k }, () => new Float64Array(0));
    this.count = Array.from({ length: k }, () => new Float64Array(0));
    this.lastHi = Array.from({ length: k }, () => new Int32Array(0));
    this.lastLo = Array.from({ length: k }, () => new Int32Array(0));
    this.decayed = new Array<boolean>(k).fill(false);
    this.plain = p.halfLifeNs <= 0 && !p.adjust && p.minPeriods <= 1 && unitWeights(p.alpha);
  }

  grow(slots: number): void {
    if (slots <= this.capacity) return; // the store grew the state already
    this.capacity = slots;
    for (let c = 0; c < this.inputs.length; c++) {
      this.mean[c] = growArray(this.mean[c], slots);
      this.weight[c] = growArray(this.weight[c], slots);
      this.count[c] = growArray(this.count[c], slots);
      if (this.p.halfLifeNs > 0) {
        this.lastHi[c] = growArray(this.lastHi[c], slots);
        this.lastLo[c] = growArray(this.lastLo[c], slots);
      }
    }
  }

  remap(map: Int32Array, slots: number): void {
    for (let c = 0; c < this.inputs.length; c++) {
      remapArray(this.mean[c], map, slots);
      remapArray(this.weight[c], map, slots);
      remapArray(this.count[c], map, slots);
      remapArray(this.lastHi[c], map, slots);
      remapArray(this.lastLo[c], map, slots);
    }
  }

  apply(k: KeyedBatch): RecordBatch {
    const { batch, codes } = k;
    const n = batch.numRows;
    this.grow(k.slots);
    const p = this.p;
    const children = batch.data.children;
    // the input columns, then the outputs (one replacing an input overwrites it), in an array of the exact size
    const out = new Array<Data>(this.width);
    for (let j = 0; j < children.length; j++) out[j] = children[j];
    const words = p.halfLifeNs > 0 ? new Int32Array(k.times.buffer, k.times.byteOffset, 2 * n) : null;
    for (let c = 0; c < this.inputs.length; c++) {
      const d = children[this.inputs[c]];
      const values = this.readers[c].read(d, n);
      const validity = bitsOf(d);
      const result = allocArray(Float64Array, n);
      const at = this.outputs[c];
      if (this.plain && validity === null && !this.decayed[c]) {
        emaRowsPlain(values, codes, n, p.alpha, this.mean[c], this.weight[c], this.count[c], result);
        out[at] = newData(this.types[at], n, 0, null, result);
        continue;
      }
      if (validity !== null && !p.ignoreNulls) this.decayed[c] = true;
      const resultValidity = new Uint8Array(bitmapBytes(n));
      const nulls = words
        ? emaTimes(values, validity, d.offset, codes, n, words, p.halfLifeNs, p.adjust, p.minPeriods, this.mean[c], this.weight[c], this.count[c], this.lastHi[c], this.lastLo[c], result, resultValidity)
        : emaRows(values, validity, d.offset, codes, n, p.alpha, p.adjust, p.ignoreNulls, p.minPeriods, this.mean[c], this.weight[c], this.count[c], result, resultValidity);
      out[at] = newData(this.types[at], n, nulls, resultValidity, result);
    }
    return recordBatch(this.schema, structData(this.schema, out, n));
  }
}
