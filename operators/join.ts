import type { Observable, OperatorFunction } from 'rxjs';
import { type Data, RecordBatch, Schema, Table, type Type } from 'apache-arrow';
import { ColumnTypeError, InvalidOptionError } from '../src/errors';
import { concatBatches, concatData } from '../src/batch/concat';
import { filterRows } from '../src/batch/filter';
import { recordBatch, structData } from '../src/batch/build';
import { sameSchema } from '../src/batch/validate';
import { KeyDictionary, KeyEncoder, type KeyValue } from '../src/batch/keys';
import { type GatherGroup, gatherBatch, gatherGroups, isFixedWidth, newData, takeRows } from '../src/batch/take';
import { bitmapBytes } from '../src/kernels/bitmap';
import { type FixedArray, allocArray } from '../src/kernels/gather';
import type { LatePolicy } from '../src/time/gate';
import { asofJoin } from './asofJoin';
import { type KeyedSource, isKeyedSource } from './internal/keyed-store';
import { type JoinColumnOptions, type JoinColumns, joinOutputSchema, parseJoinColumns, project, rightColumns } from './internal/join-columns';
import { mapBatches } from './internal/map-batches';

export interface JoinOptions extends JoinColumnOptions {
  /**
   * With a keyed state: the time column of both sides (default: the run's time column,
   * `'ts'` outside a run; the state's own `on` when it has one). Not with a `Table`.
   */
  on?: string;
  /** With a keyed state: the left time column (default `on`). Not with a `Table`. */
  leftOn?: string;
  /** With a keyed state: what to do with a late row, as in `asofJoin`. Not with a `Table`. */
  late?: LatePolicy;
}

/** The options `join` does not take (they belong to `asofJoin`), with the reason. */
const ASOF_ONLY: Record<string, string> = {
  direction: 'join matches the right side as it is at each left row',
  tolerance: "join matches a keyed state's current row however old (a state with expireAfter drops stale keys)",
  allowExactMatches: 'join sees the right rows at the left row\u2019s own time',
  rightOn: "the right time column is the keyed state's own",
};

/**
 * Joins each left row with the row of its key on the right, where the right side holds
 * one row per key: a **keyed state** (`keyedState(stream, { by })`, the latest row of each
 * key as of the left row's time) or a static **`Table`** (reference data: a lookup by
 * key). Like pandas' `merge(how='left', validate='many_to_one')` and polars'
 * `join(how='left')` with unique right keys: output rows are the left rows, in left order,
 * each with the chosen right columns of its key's row (nulls when the key has none).
 *
 * ```text
 * sectors (Table): {ticker: ['AAA', 'BBB'], sector: ['tech', 'energy']}
 * left:   --a------b--|     a = {ts: [1, 2], ticker: ['AAA', 'CCC']}   b = {ts: [3], ticker: ['BBB']}
 * join(sectors, { by: 'ticker' })
 * result: --a'-----b'-|     a' = {…a, sector: ['tech', null]}   b' = {…b, sector: ['energy']}
 * ```
 *
 * @example
 * const sectors = tableFromArrays({ ticker: ['AAA', 'BBB'], sector: ['tech', 'energy'] });
 * trades$.pipe(join(sectors, { by: 'ticker' }))           // each trade with its ticker's sector
 * replay(({ trades, quotes }) => {
 *   const book = keyedState(quotes, { by: 'ticker', expireAfter: { minutes: 5 } });
 *   return trades.pipe(join(book, { columns: ['bid', 'ask'] })); // the book's row of each trade's ticker as of the trade
 * }, inputs);
 *
 * **With a keyed state** (`KeyedState`, from `keyedState`): a left row at time `t` gets the
 * state's row for its key as of `t` — the last right row of that key at or before `t` (rows
 * of the state at the left row's own time included), never a later one, whatever the batch
 * split, the cycle, or replay vs live. The keys default to the state's `by` (the join may
 * use some of them: `by`, or `leftBy`/`rightBy` naming state keys). Output is released as
 * `asofJoin` releases it (inside a run, once per instant; outside, once the right side is
 * complete through the left rows' time): `join(state, o)` is `asofJoin(state, o)`, backward
 * with exact matches, plus the state's expiry: with `expireAfter: d` on the state, a key
 * whose last row is more than `d` before the left row's time does not match (its expiry
 * measured at the left row's time; the state's own `snapshot()` measures it at the last
 * right row it saw, so while the right side is quiet a snapshot can still hold a key the
 * join no longer matches).
 *
 * **With a `Table`** (or a single `RecordBatch`): the right rows are encoded once, when the
 * operator is created; each left batch is joined as it comes (no waiting, no time column:
 * the table does not change). The keys are required (`by`, or `leftBy` + `rightBy`). A
 * table with two rows of one key is refused at once (`InvalidOptionError`, option
 * `right`, naming the key, the column and both rows): deduplicate the table first, or hold
 * the latest row per key of a stream in a keyed state. Right rows with a null key are
 * ignored.
 *
 * **Keys**: Utf8, LargeUtf8 and Dictionary<Utf8> keys match each other by value, as do all
 * integer types but Uint64 (`ColumnTypeError` naming both columns otherwise). A null key
 * (in any key column) matches nothing, as in polars (pandas' `merge` would match null with
 * null): the left row gets nulls (`how: 'left'`) or is dropped (`'inner'`).
 *
 * **Output schema**: the left fields unchanged, then the chosen right columns (`columns`;
 * default every right column but its keys — and, for a keyed state, its time column),
 * renamed `name + suffix` on a clash with a left column, all nullable. One `Schema` object
 * per left schema.
 *
 * **Cost**: with a table, per left batch one key encoding (a lookup per row for dictionary
 * keys) and one gather of the right columns; memory is the table plus its key space, which
 * stays bounded on a stream of ever new keys: the left keys the table does not have are
 * forgotten once there are more than 4096 of them (or four times the largest left
 * dictionary). With a keyed state, as `asofJoin` against it.
 *
 * A plain stream on the right is refused (`InvalidOptionError`, option `right`): which of
 * its rows a left row should meet is a matter of time — `asofJoin` it, or hold its latest
 * row per key with `keyedState`.
 */
export function join(right: KeyedSource | Table | RecordBatch, options: JoinOptions = {}): OperatorFunction<RecordBatch, RecordBatch> {
  const o = (options ?? {}) as JoinOptions & Record<string, unknown>;
  for (const [option, why] of Object.entries(ASOF_ONLY)) {
    if (o[option] !== undefined) throw new InvalidOptionError(option, `join has no '${option}' option (${why}); asofJoin has it`);
  }
  if (isKeyedSource(right)) {
    const expireAfter = right.expireAfter;
    return asofJoin(right, { ...o, direction: 'backward', allowExactMatches: true, ...(expireAfter !== undefined ? { tolerance: expireAfter } : {}) });
  }
  if (right instanceof Table || right instanceof RecordBatch) {
    for (const option of ['on', 'leftOn', 'late'] as const) {
      if (o[option] !== undefined) throw new InvalidOptionError(option, `a join with a Table has no time: '${option}' applies to a keyed state`);
    }
    return lookupJoin(right instanceof Table ? right : new Table(right), parseJoinColumns(o));
  }
  const what =
    typeof (right as Observable<unknown> | null)?.subscribe === 'function'
      ? 'an Observable'
      : right !== null && typeof right === 'object'
        ? `a ${(right as object).constructor?.name ?? 'plain object'}`
        : String(right);
  throw new InvalidOptionError(
    'right',
    `expected a keyed state (keyedState(stream, { by })) or a Table, got ${what}: to join a stream as of each left row's time, use asofJoin`,
  );
}

/** Left schemas a lookup join keeps a plan for. */
const MAX_PLANS = 8;

/**
 * The lookup join with a static table. The table's chosen columns get one more row, all
 * nulls (row `m`, the table's row count), which every left row without a match gathers:
 * the gather then has no missing index to test per row and column.
 */
function lookupJoin(table: Table, p: JoinColumns): OperatorFunction<RecordBatch, RecordBatch> {
  if (p.rightBy.length === 0) throw new InvalidOptionError('by', 'a join with a Table needs its key columns: by, or leftBy and rightBy');
  const cols = rightColumns(table.schema, p);
  const keys = new KeyDictionary();
  const rightKeys = new KeyEncoder(table.schema, p.rightBy, { input: 'right', keyDictionary: keys });
  const whole = table.batches.length === 1 ? table.batches[0] : concatBatches(table.batches, table.schema);
  const chosen = project(whole, cols);
  const m = chosen.numRows;
  const rowOf = rowsByKey(rightKeys, whole, p.rightBy, m);
  const gather = new LookupGather(chosen);
  // per left schema (equal schemas share one: one output schema object for them): its key
  // encoder (sharing the key space) and the output schema; the last few, most recent first
  const plans: { left: Schema; keys: KeyEncoder; schema: Schema }[] = [];
  const planFor = (left: Schema) => {
    for (let i = 0; i < plans.length; i++) {
      const plan = plans[i];
      if (plan.left !== left && !sameSchema(plan.left, left)) continue;
      if (i > 0) plans.unshift(...plans.splice(i, 1));
      return plan;
    }
    const plan = { left, keys: new KeyEncoder(left, p.leftBy, { input: 'left', keyDictionary: keys }), schema: joinOutputSchema(left, cols.schema, p.suffix) };
    plans.unshift(plan);
    if (plans.length > MAX_PLANS) plans.pop();
    return plan;
  };
  // per dictionary translation table of a left key column (dictionary index → code): the
  // table row of each dictionary entry, so that such keys are looked up in one step
  const rowsOfTables = new WeakMap<Int32Array, Int32Array>();
  const rowsOfTable = (xlat: Int32Array) => {
    let r = rowsOfTables.get(xlat);
    if (r === undefined) {
      r = new Int32Array(xlat.length);
      lookup(xlat, xlat.length, rowOf, m, r);
      rowsOfTables.set(xlat, r);
    }
    return r;
  };
  const bound = new KeySpaceBound(keys, rowOf.length);
  let codes = new Int32Array(0);
  let rows = new Int32Array(0);
  return mapBatches((batch) => {
    const plan = planFor(batch.schema);
    const n = batch.numRows;
    bound.check(plan.keys, batch);
    if (rows.length < n) rows = new Int32Array(Math.max(n, rows.length * 2));
    const xlat = plan.keys.translation(batch);
    const bits = gather.needsBits ? allocArray(Uint8Array, bitmapBytes(n)) : null;
    let matched: number;
    if (xlat !== null) {
      matched = lookup(plan.keys.keyIndices(batch), n, rowsOfTable(xlat), m, rows, bits);
    } else {
      if (codes.length < n) codes = new Int32Array(rows.length);
      matched = lookup(plan.keys.encode(batch, codes), n, rowOf, m, rows, bits);
    }
    const out = recordBatch(plan.schema, structData(plan.schema, [...batch.data.children, ...gather.take(rows, n, matched, bits)], n));
    if (!p.inner || matched === n) return out;
    const mask = new Uint8Array(n);
    for (let i = 0; i < n; i++) mask[i] = rows[i] !== m ? 1 : 0;
    return filterRows(out, mask);
  });
}

/** Keys beyond the table's that the key space may hold before it forgets them (at least). */
const SPARE_KEYS = 4096;

/**
 * Keeps a table join's key space bounded: encoding the left keys gives a code to every key
 * seen, also to the keys the table does not have, which would grow without end on a stream
 * of ever new keys (order ids, say). Codes `0..k)` are the table's keys (its rows are
 * encoded first); once the space holds more than `max(SPARE_KEYS, 4 × the largest left
 * dictionary seen)` other keys, it forgets them (`KeyDictionary.compact` keeping `0..k)`,
 * which keeps their codes). The limit grows with the left dictionaries so that a large
 * dictionary that stays the same is resolved once, not after every compaction. Amortized
 * O(1) per new key; memory O(table keys + limit).
 */
export class KeySpaceBound {
  private largestDictionary = 0;
  private readonly keep: Int32Array;

  constructor(
    private readonly keys: KeyDictionary,
    private readonly k: number,
  ) {
    this.keep = Int32Array.from({ length: k }, (_, i) => i);
  }

  /** Forgets the keys beyond the table's when they are too many (before `batch` is encoded). */
  check(encoder: KeyEncoder, batch: RecordBatch): void {
    if (encoder.indices.length === 1) {
      const dictionary = batch.data.children[encoder.indices[0]]?.dictionary;
      if (dictionary !== undefined && dictionary.length > this.largestDictionary) this.largestDictionary = dictionary.length;
    }
    if (this.keys.size - this.k > Math.max(SPARE_KEYS, 4 * this.largestDictionary)) this.keys.compact(this.keep);
  }

  /** The number of keys the key space holds (for tests). */
  get size(): number {
    return this.keys.size;
  }
}

/**
 * The gather of the table's chosen columns by table row, where row `m` (the table's row
 * count) means "no match". Each column gets one more row, all nulls, at `m` (where
 * `concatData` can append it), so that the gather has no missing index to test per row and
 * column: columns of one element per row without nulls in the table are gathered together
 * by one generated loop per group of classes and share one validity bitmap (the rows that
 * matched); the other extended columns go through `gatherBatch`; a column that cannot be
 * extended (a list, a map) is gathered from the table itself with -1 for the misses.
 */
class LookupGather {
  private readonly width: number;
  /** The columns with the null row (`undefined`: a column `concatData` cannot extend). */
  private readonly extended: readonly (Data | undefined)[];
  /** The fixed-width columns without nulls in the table, in groups gathered by one loop each. */
  private readonly groups: readonly { readonly group: GatherGroup; readonly values: FixedArray[] }[];
  /** The other extended columns (with the null row), and their positions. */
  private readonly slow: readonly number[];
  private readonly slowBatch: RecordBatch | undefined;
  /** The columns without the null row, and their positions. */
  private readonly direct: readonly number[];
  private readonly directBatch: RecordBatch | undefined;
  private readonly m: number;
  private misses = new Int32Array(0);

  constructor(chosen: RecordBatch) {
    const m = chosen.numRows;
    const nullRow = takeRows(chosen, Int32Array.of(-1), 1).data.children;
    const fields = chosen.schema.fields;
    const extended = chosen.data.children.map((d, j) => {
      try {
        return concatData(fields[j].type, [d, nullRow[j]], fields[j].name);
      } catch (e) {
        if (e instanceof ColumnTypeError) return undefined; // not a type concatData appends to
        throw e;
      }
    });
    const fast: number[] = [];
    const slow: number[] = [];
    const direct: number[] = [];
    chosen.data.children.forEach((d, j) => {
      if (extended[j] === undefined) direct.push(j);
      else if (isFixedWidth(d.type.typeId as Type) && d.stride === 1 && d.nullCount === 0 && ArrayBuffer.isView(d.values)) fast.push(j);
      else slow.push(j);
    });
    const groups = gatherGroups(fast, extended as Data[]).map((group) => ({ group, values: group.columns.map((j) => extended[j]!.values as FixedArray) }));
    const batchOf = (columns: readonly number[], data: readonly Data[], n: number) => {
      const schema = new Schema(columns.map((j) => fields[j]));
      return recordBatch(schema, structData(schema, columns.map((j) => data[j]), n));
    };
    this.width = fields.length;
    this.extended = extended;
    this.groups = groups;
    this.slow = slow;
    this.slowBatch = slow.length > 0 ? batchOf(slow, extended as Data[], m + 1) : undefined;
    this.direct = direct;
    this.directBatch = direct.length > 0 ? batchOf(direct, chosen.data.children, m) : undefined;
    this.m = m;
  }

  /** Whether `take` wants the bitmap of the rows that matched (some columns share it as their validity). */
  get needsBits(): boolean {
    return this.groups.length > 0;
  }

  /**
   * The chosen columns at table rows `rows[0..n)`, `matched` of them other than the null
   * row; `bits`: which (see `needsBits`).
   */
  take(rows: Int32Array, n: number, matched: number, bits: Uint8Array | null): Data[] {
    const out = new Array<Data>(this.width);
    const bitmap = matched < n ? bits : null;
    for (const { group, values } of this.groups) {
      const outs = group.classes.map((C) => allocArray(C, n));
      group.gather(values, rows, n, outs);
      for (let k = 0; k < outs.length; k++) {
        const j = group.columns[k];
        const like = this.extended[j]!;
        out[j] = newData(like.type, n, n - matched, bitmap, outs[k], undefined, undefined, like.dictionary);
      }
    }
    if (this.slowBatch !== undefined) {
      const taken = gatherBatch(this.slowBatch, rows, n, false).data.children;
      for (let k = 0; k < this.slow.length; k++) out[this.slow[k]] = taken[k];
    }
    if (this.directBatch !== undefined) {
      if (this.misses.length < n) this.misses = new Int32Array(Math.max(n, this.misses.length * 2));
      const m = this.m;
      for (let i = 0; i < n; i++) this.misses[i] = rows[i] === m ? -1 : rows[i];
      const taken = gatherBatch(this.directBatch, this.misses, n, matched < n).data.children;
      for (let k = 0; k < this.direct.length; k++) out[this.direct[k]] = taken[k];
    }
    return out;
  }
}

/**
 * `rows[i]` = `rowOf[keys[i]]`, or `miss` when `keys[i]` is negative (a null key) or past
 * `rowOf`; with `bits` (zero-filled), bit `i` set when `rows[i]` is not `miss`. Returns how
 * many are not `miss`.
 */
function lookup(keys: Int32Array, n: number, rowOf: Int32Array, miss: number, rows: Int32Array, bits: Uint8Array | null = null): number {
  const size = rowOf.length;
  let matched = 0;
  if (bits === null) {
    for (let i = 0; i < n; i++) {
      const c = keys[i];
      const r = c >= 0 && c < size ? rowOf[c] : miss;
      rows[i] = r;
      if (r !== miss) matched++;
    }
    return matched;
  }
  let byte = 0;
  for (let i = 0; i < n; i++) {
    const c = keys[i];
    const r = c >= 0 && c < size ? rowOf[c] : miss;
    rows[i] = r;
    if (r !== miss) {
      matched++;
      byte |= 1 << (i & 7);
    }
    if ((i & 7) === 7) {
      bits[i >> 3] = byte;
      byte = 0;
    }
  }
  if ((n & 7) !== 0) bits[n >> 3] = byte;
  return matched;
}

/** Per key code of the table's rows, its row (`miss`: none); a second row of one key is an error. */
function rowsByKey(encoder: KeyEncoder, batch: RecordBatch, by: readonly string[], miss: number): Int32Array {
  const codes = encoder.encode(batch);
  const rowOf = new Int32Array(encoder.size).fill(miss);
  for (let r = 0; r < codes.length; r++) {
    const c = codes[r];
    if (c < 0) continue;
    const first = rowOf[c];
    if (first !== miss) {
      const key = encoder.decode(c).map(formatKey).join(', ');
      throw new InvalidOptionError('right', `the table has two rows of one key: join needs at most one row per key`, {
        input: 'right',
        column: by.join(', '),
        row: r,
        expected: 'one row per key',
        actual: `key ${key} again (first at row ${first})`,
      });
    }
    rowOf[c] = r;
  }
  return rowOf;
}

function formatKey(v: KeyValue): string {
  return typeof v === 'string' ? `'${v}'` : String(v);
}
