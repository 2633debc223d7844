import type { Observable, OperatorFunction } from 'rxjs';
import { type Data, Field, type RecordBatch, Schema } from 'apache-arrow';
import { InvalidOptionError, MissingColumnError } from '../src/errors';
import { StreamValidator } from '../src/batch/validate';
import { recordBatch, sliceBatch, structData } from '../src/batch/build';
import { concatBatches } from '../src/batch/concat';
import { takeRows } from '../src/batch/take';
import { filterRows } from '../src/batch/filter';
import { KeyDictionary, KeyEncoder } from '../src/batch/keys';
import { NO_TOLERANCE, asofBackward } from '../src/kernels/asof';
import { type DurationLike, durationToNs } from '../src/time/duration';
import { type LatePolicy, ProgressGate } from '../src/time/gate';
import { currentRun } from '../src/time/run';
import { operate } from './internal/operate';
import { subscribeSides } from './internal/two-inputs';
import { TimeBuffer } from './internal/time-buffer';
import { AsofState } from './internal/asof-state';

export interface AsofJoinOptions {
  /** The time column of both sides. Default: the run's time column (`'ts'` outside a run). */
  on?: string;
  /** The left time column (default `on`). */
  leftOn?: string;
  /** The right time column (default `on`). */
  rightOn?: string;
  /** Key column(s) of both sides (Utf8, Dictionary<Utf8>, integers, Bool): rows match only within one key. */
  by?: string | readonly string[];
  /** The left key column(s) (default `by`). */
  leftBy?: string | readonly string[];
  /** The right key column(s) (default `by`), in the order of `leftBy`. */
  rightBy?: string | readonly string[];
  /** `'backward'` (default): the last right row at or before the left row's time. `'forward'` and `'nearest'` are not implemented yet. */
  direction?: 'backward' | 'forward' | 'nearest';
  /** No match when the left time minus the right time exceeds this (ms, bigint ns, or a date-fns Duration). Default: none. */
  tolerance?: DurationLike;
  /** Whether a right row at exactly the left row's time matches. Default true. */
  allowExactMatches?: boolean;
  /** Appended to a right column's name that clashes with a left column. Default `'_right'`. */
  suffix?: string;
  /** The right columns to bring along, in this order. Default: every right column but the right time and key columns. */
  columns?: readonly string[];
  /** `'left'` (default): every left row, with nulls when unmatched; `'inner'`: matched left rows only. */
  how?: 'left' | 'inner';
  /** What to do with a row at or behind the time already released: `'error'` (default) or `'drop'`. See `ProgressGate`. */
  late?: Exclude<LatePolicy, 'accept'>;
}

/** Options resolved once, when the operator is created. */
interface Parsed {
  readonly on: string | undefined;
  readonly leftOn: string | undefined;
  readonly rightOn: string | undefined;
  readonly leftBy: readonly string[];
  readonly rightBy: readonly string[];
  readonly tolerance: bigint;
  readonly allowExact: boolean;
  readonly suffix: string;
  readonly columns: readonly string[] | undefined;
  readonly inner: boolean;
  readonly late: 'error' | 'drop';
}

/** The right side's selected columns, resolved from the first right batch's schema. */
interface RightPlan {
  /** Positions of the selected columns in the right schema. */
  readonly indices: readonly number[];
  /** The selected fields, nullable, with their right names: the schema of the state and candidate rows. */
  readonly schema: Schema;
  /** A zero-row batch of `schema` (gathering only -1 indices from it gives null rows). */
  readonly empty: RecordBatch;
}

/**
 * Joins each left row with the last right row at or before its time (per key with `by`),
 * as pandas' `merge_asof` and polars' `join_asof` do with `direction`/`strategy`
 * `'backward'`: the streaming as-of join. Output rows are the left rows, in left order,
 * each with the chosen right columns of its match (nulls when none).
 *
 * ```text
 * left:   --a-----b-----|        a = {ts: [2], k: ['x']}   b = {ts: [5, 6], k: ['x', 'y']}
 * right:  -q----r-------|        q = {ts: [1], k: ['x'], px: [10]}   r = {ts: [5], k: ['x'], px: [11]}
 * result: ------x-------(y|)     x = {ts: [2], k: ['x'], px: [10]}
 *                                y = {ts: [5, 6], k: ['x', 'y'], px: [11, null]}
 * ```
 * (Outside a run, left rows are released once the right input is complete through their
 * time: it showed a later row or completed; inside `replay`/`live`, once per instant.)
 *
 * @example
 * const enriched$ = trades$.pipe(asofJoin(quotes$, { by: 'ticker', tolerance: { seconds: 5 } }));
 * // every trade with the bid and ask of the latest quote of its ticker at most 5 s old
 *
 * **Input schema**: both sides have a time column (`on`, or `leftOn`/`rightOn`), sorted
 * (ties allowed), without nulls (`NullTimeError` naming the side `'left'`/`'right'`,
 * column and row), and key columns `by` (or `leftBy`/`rightBy`) of compatible kinds: Utf8,
 * LargeUtf8 and Dictionary<Utf8> go together, as do integer types (`ColumnTypeError`
 * otherwise, naming both columns); unknown columns are a `MissingColumnError` naming the
 * side.
 *
 * **Output schema**: the left fields unchanged, then the chosen right columns (`columns`;
 * default every right column but the right time and key columns), each renamed
 * `name + suffix` when a left column has its name, all nullable. Built once per
 * (left schema, right schema): every output batch has the same `Schema` object. If the
 * right stream completes without delivering any batch, its schema is unknown: left rows
 * then come out as they are (`how: 'left'`) or not at all (`'inner'`).
 *
 * **Nulls**: a null key (in any key column) never matches: the left row gets null right
 * columns (`how: 'left'`) or is dropped (`'inner'`); a right row with a null key never
 * becomes anyone's match. Nulls in the right value columns are carried as they are (a
 * matched row may have null values). A null time is an error.
 *
 * **Equal timestamps**: among several right rows of one key at one time, the last in
 * stream order is the match. A right row at the left row's exact time matches (unless
 * `allowExactMatches: false`), whatever the order in which the two inputs' batches of that
 * instant arrived: left rows are released only once the right input is complete through
 * their time. `tolerance` is inclusive: a right row exactly `tolerance` older matches.
 *
 * **State and memory growth**: the latest right row per key ever seen (one row per
 * distinct key, kept for the whole stream: O(keys)), plus the rows of both sides above
 * the progress frontier (not final yet).
 *
 * **Cost per batch**: per release, O(left rows + right rows) for the merge walk, one
 * gather of the right columns for the released left rows (from the per-key state and the
 * released right rows, without concatenating them), and an update of the state for the
 * keys whose latest row changed (O(right rows)). That holds when every chosen right column
 * is of a fixed-width type (numbers, times, decimals, dictionary keys); with another type
 * (Utf8, Bool, nested), or once a right batch brings a dictionary other than the first
 * one's, the state is a batch instead, and each release with right rows concatenates it
 * with them and gathers O(keys) rows to rebuild it.
 */
export function asofJoin(right: Observable<RecordBatch>, options: AsofJoinOptions = {}): OperatorFunction<RecordBatch, RecordBatch> {
  const p = parseOptions(options);
  return operate<RecordBatch, RecordBatch>((source, subscriber) => {
    const run = currentRun();
    const on = p.on ?? run?.time ?? 'ts';
    const leftOn = p.leftOn ?? on;
    const rightOn = p.rightOn ?? on;
    const names = ['left', 'right'] as const;
    const validators = [new StreamValidator(names[0], leftOn), new StreamValidator(names[1], rightOn)];
    const buffers = [new TimeBuffer(), new TimeBuffer()];
    const keys = new KeyDictionary();
    let leftKeys: KeyEncoder | undefined;
    let rightKeys: KeyEncoder | undefined;
    let rightPlan: RightPlan | undefined;
    let outSchema: Schema | undefined;
    let rightDone = false;
    // per key code: the candidate row of its latest right row (-1: none) and that row's time
    let latest = new Int32Array(0);
    let latestTime = new BigInt64Array(0);
    // the state, fixed-width right columns: per column and key code, the value of its latest right row
    let fast: AsofState | undefined;
    // the state, other columns: row c = the latest right row of key code c (selected columns), for c < state.numRows
    let state: RecordBatch | undefined;
    let match = new Int32Array(0);
    let noKeys = new Int32Array(0);
    // the key codes of each side's released rows, reused across releases
    const codeBuffers = [new Int32Array(0), new Int32Array(0)];
    const gate = new ProgressGate({ operator: 'asofJoin', inputs: names, late: p.late, run: run ?? null }, (upTo) => {
      try {
        release(upTo);
      } catch (e) {
        subscriber.error(e);
      }
    });

    const codesOf = (side: 0 | 1, enc: KeyEncoder | undefined, batch: RecordBatch): Int32Array => {
      const n = batch.numRows;
      if (enc) {
        if (codeBuffers[side].length < n) codeBuffers[side] = new Int32Array(Math.max(n, codeBuffers[side].length * 2));
        return enc.encode(batch, codeBuffers[side]);
      }
      if (noKeys.length < n) noKeys = new Int32Array(Math.max(n, noKeys.length * 2));
      return noKeys.subarray(0, n);
    };

    const ensureKeys = () => {
      if (p.leftBy.length === 0) return;
      // left binds the key space first when its schema is known, so type errors name the right side
      if (!leftKeys && validators[0].schema) leftKeys = new KeyEncoder(validators[0].schema, p.leftBy, { input: 'left', keyDictionary: keys });
      if (!rightKeys && validators[1].schema) rightKeys = new KeyEncoder(validators[1].schema, p.rightBy, { input: 'right', keyDictionary: keys });
    };

    const grow = (size: number) => {
      if (latest.length >= size) return;
      const cap = Math.max(size, latest.length * 2, 16);
      const l = new Int32Array(cap).fill(-1);
      l.set(latest);
      const t = new BigInt64Array(cap);
      t.set(latestTime);
      latest = l;
      latestTime = t;
    };

    const release = (upTo: bigint) => {
      if (!rightPlan) {
        if (!rightDone) return; // the right schema is not known yet: hold the left rows
        const l = buffers[0].takeThrough(upTo);
        if (l && !p.inner) subscriber.next(l.batch);
        return;
      }
      ensureKeys();
      const l = buffers[0].takeThrough(upTo);
      const r = buffers[1].takeThrough(upTo);
      const lCodes = l ? codesOf(0, leftKeys, l.batch) : undefined;
      const rCodes = r ? codesOf(1, rightKeys, r.batch) : undefined;
      const size = p.leftBy.length === 0 ? 1 : keys.size;
      grow(size);
      const nl = l ? l.times.length : 0;
      const nr = r ? r.times.length : 0;
      if (match.length < nl) match = new Int32Array(Math.max(nl, match.length * 2));
      const plan = rightPlan;
      const projected = r ? project(r.batch, plan) : undefined;
      if (fast && projected && !fast.accepts(projected)) {
        // a right batch with another dictionary (or value class): the generic path takes over
        state = fast.toBatch(plan.schema, size, latest);
        fast = undefined;
      }
      // candidate rows: state rows below `base` (key codes with `fast`), then the right rows
      const base = fast ? size : state ? state.numRows : 0;
      fast?.grow(size);
      const changed = asofBackward(
        l ? l.times : EMPTY_TIMES,
        lCodes ?? EMPTY_CODES,
        nl,
        r ? r.times : EMPTY_TIMES,
        rCodes ?? EMPTY_CODES,
        nr,
        base,
        latest,
        latestTime,
        p.tolerance,
        p.allowExact,
        match,
        fast?.changed,
      );
      let candidate = state ?? plan.empty;
      if (projected && !fast) candidate = state ? concatBatches([state, projected], plan.schema) : projected;
      if (l && nl > 0) {
        const m = match.subarray(0, nl);
        const schema = outputSchemaFor(plan);
        let taken: readonly Data[];
        if (fast) {
          taken = fast.gather(m, nl, base, projected);
        } else {
          taken = takeRows(candidate, m, nl).data.children;
        }
        let out = recordBatch(schema, structData(schema, [...l.batch.data.children, ...taken], nl));
        if (p.inner) {
          const mask = new Uint8Array(nl);
          for (let i = 0; i < nl; i++) mask[i] = m[i] >= 0 ? 1 : 0;
          out = filterRows(out, mask);
        }
        if (out.numRows > 0) subscriber.next(out);
      }
      if (projected) {
        if (fast) {
          // only the keys whose latest row changed
          fast.update(projected, changed, latest, base);
        } else {
          // the new state: one row per key code, the latest right row of that key (null row if none)
          state = takeRows(candidate, latest.subarray(0, size), size);
          for (let c = 0; c < size; c++) if (latest[c] >= 0) latest[c] = c;
        }
      }
    };

    const outputSchemaFor = (plan: RightPlan): Schema =>
      (outSchema ??= buildOutputSchema(validators[0].schema!, plan.schema, p.suffix));

    const onBatch = (side: 0 | 1, batch: RecordBatch) => {
      try {
        const v = validators[side];
        const rowBase = v.rows;
        const first = v.schema === undefined;
        let times = v.check(batch);
        if (first) {
          if (side === 0) checkColumns(batch.schema, p.leftBy, 'left');
          else {
            rightPlan = planRight(batch, p, rightOn);
            fast = AsofState.create(rightPlan.empty);
          }
        }
        if (times.length === 0) return;
        const late = gate.late(side, times, side === 0 ? leftOn : rightOn, rowBase);
        if (late > 0) {
          if (late === times.length) return;
          batch = sliceBatch(batch, late);
          times = times.subarray(late);
        }
        buffers[side].push(batch, times);
        gate.rows(side, times[times.length - 1]);
      } catch (e) {
        subscriber.error(e);
      }
    };
    const onComplete = (side: 0 | 1) => {
      if (side === 1) rightDone = true;
      gate.complete(side); // releases everything once both sides completed
      if (gate.allComplete && !subscriber.closed) subscriber.complete();
    };

    const teardown = subscribeSides(subscriber, source, right, gate, onBatch, onComplete);
    return () => {
      teardown();
      buffers[0].clear();
      buffers[1].clear();
      state = undefined;
      fast = undefined;
    };
  });
}

const EMPTY_TIMES = new BigInt64Array(0);
const EMPTY_CODES = new Int32Array(0);

function asList(v: string | readonly string[] | undefined): readonly string[] | undefined {
  return v === undefined ? undefined : typeof v === 'string' ? [v] : [...v];
}

function parseOptions(o: AsofJoinOptions): Parsed {
  const direction = o.direction ?? 'backward';
  if (direction === 'forward' || direction === 'nearest') {
    throw new InvalidOptionError('direction', `'${direction}' is not implemented yet (only 'backward' is)`);
  }
  if (direction !== 'backward') throw new InvalidOptionError('direction', `expected 'backward', 'forward' or 'nearest', got ${String(direction)}`);
  if (o.on !== undefined && (o.leftOn !== undefined || o.rightOn !== undefined)) {
    throw new InvalidOptionError('on', 'give either on or leftOn/rightOn, not both');
  }
  const by = asList(o.by);
  if (by !== undefined && (o.leftBy !== undefined || o.rightBy !== undefined)) {
    throw new InvalidOptionError('by', 'give either by or leftBy/rightBy, not both');
  }
  if ((o.leftBy === undefined) !== (o.rightBy === undefined)) {
    throw new InvalidOptionError(o.leftBy === undefined ? 'leftBy' : 'rightBy', 'leftBy and rightBy go together');
  }
  const leftBy = by ?? asList(o.leftBy) ?? [];
  const rightBy = by ?? asList(o.rightBy) ?? [];
  if (leftBy.length !== rightBy.length) {
    throw new InvalidOptionError('rightBy', `expected as many key columns as leftBy (${leftBy.length}), got ${rightBy.length}`);
  }
  const how = o.how ?? 'left';
  if (how !== 'left' && how !== 'inner') throw new InvalidOptionError('how', `expected 'left' or 'inner', got ${String(how)}`);
  const late = o.late ?? 'error';
  if ((late as LatePolicy) === 'accept') {
    throw new InvalidOptionError('late', "'accept' is not supported by asofJoin yet: use 'error' or 'drop'");
  }
  if (late !== 'error' && late !== 'drop') throw new InvalidOptionError('late', `expected 'error' or 'drop', got ${String(late)}`);
  const suffix = o.suffix ?? '_right';
  if (suffix === '') throw new InvalidOptionError('suffix', 'expected a non-empty suffix');
  return {
    on: o.on,
    leftOn: o.leftOn,
    rightOn: o.rightOn,
    leftBy,
    rightBy,
    tolerance: o.tolerance === undefined ? NO_TOLERANCE : durationToNs(o.tolerance, 'tolerance'),
    allowExact: o.allowExactMatches ?? true,
    suffix,
    columns: o.columns === undefined ? undefined : [...o.columns],
    inner: how === 'inner',
    late,
  };
}

function checkColumns(schema: Schema, columns: readonly string[], input: string): void {
  const all = schema.fields.map((f) => f.name);
  for (const c of columns) if (!all.includes(c)) throw new MissingColumnError({ input, column: c }, all);
}

function planRight(first: RecordBatch, p: Parsed, rightOn: string): RightPlan {
  const schema = first.schema;
  const all = schema.fields.map((f) => f.name);
  checkColumns(schema, p.rightBy, 'right');
  let wanted: readonly string[];
  if (p.columns !== undefined) {
    checkColumns(schema, p.columns, 'right');
    wanted = p.columns;
  } else {
    wanted = all.filter((n) => n !== rightOn && !p.rightBy.includes(n));
  }
  const indices = wanted.map((n) => all.indexOf(n));
  const fields = indices.map((j) => schema.fields[j].clone({ nullable: true }));
  const planSchema = new Schema(fields);
  const empty = project(sliceBatch(first, 0, 0), { indices, schema: planSchema });
  return { indices, schema: planSchema, empty };
}

/** The selected right columns of `batch` as a batch of the plan's schema (zero-copy). */
function project(batch: RecordBatch, plan: Pick<RightPlan, 'indices' | 'schema'>): RecordBatch {
  const children = batch.data.children;
  return recordBatch(plan.schema, structData(plan.schema, plan.indices.map((j) => children[j]), batch.numRows));
}

function buildOutputSchema(left: Schema, right: Schema, suffix: string): Schema {
  const taken = new Set(left.fields.map((f) => f.name));
  const fields: Field[] = [...left.fields];
  for (const f of right.fields) {
    let name = f.name;
    if (taken.has(name)) {
      name = f.name + suffix;
      if (taken.has(name)) {
        throw new InvalidOptionError('suffix', `right column '${f.name}' renamed '${name}' still clashes with another column`, { column: f.name });
      }
    }
    taken.add(name);
    fields.push(name === f.name ? f : new Field(name, f.type, true, f.metadata));
  }
  return new Schema(fields, left.metadata);
}
