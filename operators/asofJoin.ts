import type { Observable, OperatorFunction } from 'rxjs';
import { type Data, type RecordBatch, type Schema, Type } from 'apache-arrow';
import { InvalidOptionError } from '../src/errors';
import { StreamValidator } from '../src/batch/validate';
import { recordBatch, sliceBatch, structData } from '../src/batch/build';
import { concatBatches } from '../src/batch/concat';
import { takeRows } from '../src/batch/take';
import { filterRows } from '../src/batch/filter';
import { KeyDictionary, KeyEncoder } from '../src/batch/keys';
import { NO_TOLERANCE, asofBackward, asofExpire, asofForward, asofResolveAhead } from '../src/kernels/asof';
import { MAX_TIME, MIN_TIME } from '../src/batch/time';
import { lowerBound, upperBound } from '../src/kernels/search';
import { type DurationLike, durationToNs } from '../src/time/duration';
import { type LatePolicy, ProgressGate } from '../src/time/gate';
import { currentRun, runKeyDictionaryFor } from '../src/time/run';
import { operate } from './internal/operate';
import { subscribeSides } from './internal/two-inputs';
import { type KeyedSource, keyedRight } from './internal/keyed-store';
import { TimeBuffer, type TimedRows } from './internal/time-buffer';
import { AsofHeld } from './internal/asof-pending';
import { AsofState } from './internal/asof-state';
import { type FfillPlan, ffillPlanOf } from './internal/fusion';
import { type JoinColumnOptions, type JoinColumns, checkColumns, joinOutputSchema, parseJoinColumns, project, rightColumns } from './internal/join-columns';

export interface AsofJoinOptions extends JoinColumnOptions {
  /** The time column of both sides. Default: the run's time column (`'ts'` outside a run). */
  on?: string;
  /** The left time column (default `on`). */
  leftOn?: string;
  /** The right time column (default `on`). */
  rightOn?: string;
  /**
   * `'backward'` (default): the last right row at or before the left row's time;
   * `'forward'`: the first right row at or after it; `'nearest'`: the nearer of the two
   * (equal distances: the backward one).
   */
  direction?: 'backward' | 'forward' | 'nearest';
  /** No match when the distance between the left and right times exceeds this (ms, bigint ns, or a date-fns Duration). Default: none. */
  tolerance?: DurationLike;
  /** Whether a right row at exactly the left row's time matches. Default true. */
  allowExactMatches?: boolean;
  /**
   * What to do with a row at or behind the time already released (a late row):
   * `'error'` (default), `'drop'`, or `'accept'` (it applies as of its arrival). See the
   * doc comment's *Late rows* and `ProgressGate`.
   */
  late?: LatePolicy;
}

/** Options resolved once, when the operator is created. */
interface Parsed extends JoinColumns {
  readonly on: string | undefined;
  readonly leftOn: string | undefined;
  readonly rightOn: string | undefined;
  readonly tolerance: bigint;
  readonly allowExact: boolean;
  readonly late: LatePolicy;
  readonly direction: 'backward' | 'forward' | 'nearest';
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
 * Joins each left row with the last right row at or before its time (`direction:
 * 'backward'`, the default), the first at or after it (`'forward'`) or the nearer of the
 * two (`'nearest'`), per key with `by`, as pandas' `merge_asof` does: the streaming as-of
 * join. Output rows are the left rows, in left order, each with the chosen right columns
 * of its match (nulls when none).
 *
 * ```text
 * left:   --a-----b-----|        a = {ts: [2], k: ['x']}   b = {ts: [5, 6], k: ['x', 'y']}
 * right:  -q----r-------|        q = {ts: [1], k: ['x'], px: [10]}   r = {ts: [5], k: ['x'], px: [11]}
 * result: ------x-------(y|)     x = {ts: [2], k: ['x'], px: [10]}
 *                                y = {ts: [5, 6], k: ['x', 'y'], px: [11, null]}
 * ```
 * (Backward, outside a run: left rows are released once the right input is complete
 * through their time: it showed a later row or completed; inside `replay`/`live`, once per
 * instant. With `direction: 'forward'`, `a` would get `r`'s 11, at the frame where `r`
 * arrives and the left is complete through 2.)
 *
 * @example
 * const enriched$ = trades$.pipe(asofJoin(quotes$, { by: 'ticker', tolerance: { seconds: 5 } }));
 * // every trade with the bid and ask of the latest quote of its ticker at most 5 s old
 * const next$ = trades$.pipe(asofJoin(quotes$, { by: 'ticker', direction: 'forward', tolerance: 1000 }));
 * // every trade with the first quote at or after it, within 1 s (held until that quote arrives or 1 s passed)
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
 * **Equal timestamps**: among several right rows of one key at one time, backward takes
 * the last in stream order, forward the first; nearest takes the backward candidate unless
 * the forward one is strictly nearer (an equal distance, and so an exact match, goes
 * backward): pandas' rules (nodejs-polars' `nearest` breaks ties forward and takes the last
 * of duplicates in both directions). A right row at the left row's exact time matches
 * (unless `allowExactMatches: false`, which makes every comparison strict), whatever the
 * order in which the two inputs' batches of that instant arrived: left rows are released
 * only once the right input is complete through their time. `tolerance` bounds the
 * distance in every direction and is inclusive.
 *
 * **Streaming**: backward rows are final, and emitted, in the instant the progress gate
 * releases them. Forward and nearest hold a released left row until its match is known: a
 * later right row of its key arrives (nearest: one nearer than its backward candidate, or
 * the right input passes the time where a forward row could still be nearer — an exact
 * match is final at once), the right input's progress (its own rows, or the run's
 * watermark) passes left time + `tolerance`, or the right input completes. Rows are
 * emitted in left order: a resolved row waits behind an earlier unresolved one.
 *
 * **Late rows** (`late`): a row at or behind the time already released (a stream delayed
 * by an RxJS time operator, or behind the watermark in `live` with a finite
 * `maxLateness`) is an error (`LateDataError`, default), dropped (`'drop'`, counted), or
 * applied as of its arrival (`'accept'`): a late right row becomes its key's latest row
 * for the left rows released after it (and a forward candidate of held rows with earlier
 * times); a late left row is matched with the state at its arrival (backward: the key's
 * latest right row released so far, even when that row is later than the left row;
 * forward: the first right row of its key not released yet when it arrived). Only in-order
 * inputs give replay's results exactly.
 *
 * **State and memory growth**: the latest right row per key ever seen (backward and
 * nearest: one row per distinct key, kept for the whole stream: O(keys)), plus the rows of
 * both sides above the progress frontier (not final yet). Forward and nearest also hold
 * the released left rows from the first unresolved one on (typed arrays per row, plus the
 * right values their matches refer to, compacted to O(held rows)): without `tolerance`, a
 * left row whose key never appears on the right holds every later left row until the
 * right input completes.
 *
 * **Cost per batch**: per release, O(left rows + right rows): a merge of the two sides'
 * times, then (backward, every chosen right column of one fixed-width element per row:
 * numbers, times, dictionary keys) one pass that writes each right row into its key's
 * state and reads each left row's columns from its key's state, as a hand-written loop
 * would; nearest and wider fixed-width types (decimals, intervals) gather from the state
 * and the released right rows instead and update only the keys whose latest row changed.
 * With another type (Utf8, Bool, nested), or once a right batch brings a dictionary other
 * than the first one's, the state is a batch instead, and each release with right rows
 * concatenates it with them and gathers O(keys) rows to rebuild it. Forward and nearest
 * add a second walk (O(left + right rows + resolved rows), O(log held) per row with a
 * deadline), a gather of the emitted rows' right columns from the stored right rows, and,
 * while rows are held and right rows arrived above the frontier (left input behind), a
 * scan of those rows per release. Right keys in one Dictionary column (Int32 indices, no
 * null keys) whose entries all have codes are not encoded: the fused walk reads their
 * codes through the dictionary's translation table. Inside a run the key codes come from
 * the run's shared key space (`runKeyDictionary`): a key column encoded by an operator
 * upstream is copied, not encoded again, and the per-key state is sized by the keys the
 * run has seen under those columns.
 *
 * **Fusion with `ffill`**: when `right` is the Observable returned by
 * `source.pipe(ffill({ by, columns }))` itself (not shared, mapped or otherwise piped
 * after it), the direction is backward, `late` is not `'drop'` (ffill would have taken a
 * dropped row into its state), ffill's keys are the join's right keys (in any order), ffill
 * has neither `limit` nor `expireAfter` and its time column is the join's right time
 * column, the join subscribes to `source` and does the fill in its per-key state:
 * a null right value of a filled column leaves its key's value as it is, so each left row
 * gets its key's last valid value at or before the matched row, exactly what it gets from
 * the filled rows; the filled columns are never built. This holds when the selected right
 * columns are fixed-width with one element per row and not dictionaries (or ffill fills
 * none of them); otherwise ffill runs inside the join, batch by batch, as it would have
 * run before it. Output, errors about ffill's columns and key expiry are unchanged; only a
 * time-order or null-time error of the right input names the input `'right'` instead of
 * ffill's `'source'`.
 */
export function asofJoin(right: Observable<RecordBatch> | KeyedSource, options: AsofJoinOptions = {}): OperatorFunction<RecordBatch, RecordBatch> {
  const [rightStream, joinOptions] = keyedRight(right, options);
  const p = parseOptions(joinOptions);
  return operate<RecordBatch, RecordBatch>((source, subscriber) => {
    const run = currentRun();
    const on = p.on ?? run?.time ?? 'ts';
    const leftOn = p.leftOn ?? on;
    const rightOn = p.rightOn ?? on;
    const names = ['left', 'right'] as const;
    // fusion with an ffill of the right side: decided here on the options, settled on the
    // first right batch's schema (`settleFusion`): the fill done by the state (`fillFlags`)
    // or, where that cannot give ffill's result, by ffill itself run inline (`inlineFill`)
    // (not with `late: 'drop'`: a dropped late right row would still have updated ffill's state)
    const ff = p.direction === 'backward' && p.late !== 'drop' ? ffillPlanOf(rightStream) : undefined;
    const fusing = ff !== undefined && ff.plain && ff.by.length > 0 && sameColumns(ff.by, p.rightBy) && (ff.on ?? run?.time ?? 'ts') === rightOn ? ff : undefined;
    let fillFlags: boolean[] | undefined;
    let inlineFill: { next(batch: RecordBatch): RecordBatch } | undefined;
    const validators = [new StreamValidator(names[0], leftOn), new StreamValidator(names[1], rightOn)];
    const buffers = [new TimeBuffer(validators[0]), new TimeBuffer(validators[1])];
    // the key space: the run's shared one for these key columns when inside a run (output
    // is in left order, whatever the codes), else this operator's own; chosen by the first
    // side whose schema is known
    let keys: KeyDictionary | undefined;
    let sharedKeys = false;
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
    // forward and nearest: the held left rows; whether right rows or held rows came since the last look ahead
    let held: AsofHeld | undefined;
    let aheadDirty = false;
    let lastRight = MIN_TIME;
    const gate = new ProgressGate({ operator: 'asofJoin', inputs: names, late: p.late, run: run ?? null }, (upTo) => {
      try {
        release(upTo);
      } catch (e) {
        subscriber.error(e);
        return;
      }
      // inside a run, held rows are flushed by the progress listener below, after this release
      if (held && (!run || gate.allComplete)) flushHeld();
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
      const ls = validators[0].schema;
      const rs = validators[1].schema;
      if (!keys) {
        const shared = runKeyDictionaryFor(run ?? undefined, (ls ?? rs)!, ls ? p.leftBy : p.rightBy);
        sharedKeys = shared !== undefined;
        keys = shared ?? new KeyDictionary();
      }
      if (sharedKeys && ls && rs && !(leftKeys && rightKeys)) {
        // the two sides' key types must agree: checked on a key space of their own, so that
        // an error names the left and right columns (not whoever bound the shared space first)
        const probe = new KeyDictionary();
        new KeyEncoder(ls, p.leftBy, { input: 'left', keyDictionary: probe });
        new KeyEncoder(rs, p.rightBy, { input: 'right', keyDictionary: probe });
      }
      // left binds the key space first when its schema is known, so type errors name the right side
      if (!leftKeys && ls) leftKeys = new KeyEncoder(ls, p.leftBy, { input: 'left', keyDictionary: keys });
      if (!rightKeys && rs) rightKeys = new KeyEncoder(rs, p.rightBy, { input: 'right', keyDictionary: keys });
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

    /**
     * The key codes of right rows for a walk: their codes when encoded on arrival; for the
     * fused backward walk (`fused`), else their dictionary indices with the translation
     * table when the key column allows it (`KeyEncoder.translation`: no encoding pass);
     * otherwise encoded now. Returns the codes (or indices) and the table (or `null`).
     */
    const rightCodes = (rows: TimedRows, fused: boolean): [Int32Array, Int32Array | null] => {
      if (rows.codes) return [rows.codes, null];
      if (fused && rightKeys) {
        const table = rightKeys.translation(rows.batch);
        if (table !== null) return [rightKeys.keyIndices(rows.batch), table];
      }
      return [codesOf(1, rightKeys, rows.batch), null];
    };

    /**
     * The backward walk over released rows `l` and `r`: sets `match` for `l`, returns the
     * right columns of `l`'s matches (`undefined` without left rows), and updates the state.
     * `rCodes`: the right rows' key codes, or with `rXlat` their dictionary indices and
     * translation table (see `rightCodes`; codes are computed here then if the fused walk
     * does not run). Codes must be computed before `size` is read: encoding adds keys.
     */
    const walkBackward = (
      l: TimedRows | undefined,
      r: TimedRows | undefined,
      lCodes: Int32Array | undefined,
      rCodes: Int32Array | undefined,
      plan: RightPlan,
      size: number,
      rXlat: Int32Array | null = null,
    ): readonly Data[] | undefined => {
      grow(size);
      const nl = l ? l.times.length : 0;
      const nr = r ? r.times.length : 0;
      if (match.length < nl) match = new Int32Array(Math.max(nl, match.length * 2));
      const projected = r ? project(r.batch, plan) : undefined;
      if (fast && projected && !fast.accepts(projected)) {
        // a right batch with another dictionary (or value class): the generic path takes over
        state = fast.toBatch(plan.schema, size, latest);
        fast = undefined;
      }
      // candidate rows: state rows below `base` (key codes with `fast`), then the right rows
      const base = fast ? size : state ? state.numRows : 0;
      fast?.grow(size);
      if (fast && fast.fusable && p.direction === 'backward') {
        // one pass: walk, gather and state update
        fast.begin(nl);
        const lt = l ? l.times : EMPTY_TIMES;
        const rt = r ? r.times : EMPTY_TIMES;
        fast.walkPart(lt, lCodes ?? EMPTY_CODES, nl, rt, rCodes ?? EMPTY_CODES, nr, latestTime, p.tolerance, p.allowExact, match, projected, 0, rXlat);
        return nl > 0 ? fast.finish(nl) : undefined;
      }
      const changed = asofBackward(
        l ? l.times : EMPTY_TIMES,
        lCodes ?? EMPTY_CODES,
        nl,
        r ? r.times : EMPTY_TIMES,
        rXlat !== null && r ? codesOf(1, rightKeys, r.batch) : (rCodes ?? EMPTY_CODES),
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
      let taken: readonly Data[] | undefined;
      if (nl > 0) {
        const m = match.subarray(0, nl);
        taken = fast ? fast.gather(m, nl, base, projected) : takeRows(candidate, m, nl).data.children;
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
      return taken;
    };

    /**
     * The backward walk of `l` over right rows released as several batches (`pieces`, in
     * time order), one piece at a time without concatenating them: each piece takes the
     * left rows that come before the next piece's first right row. Only for the fused
     * path (backward, fixed-width right columns every piece of which the state accepts);
     * `undefined` otherwise, and nothing is consumed then. Returns the right columns of the
     * output for `l` (an empty list without left rows).
     */
    const walkPieces = (l: TimedRows | undefined, lCodes: Int32Array | undefined, pieces: readonly TimedRows[], plan: RightPlan): readonly Data[] | undefined => {
      const st = fast;
      if (!st || !st.fusable || p.direction !== 'backward') return undefined;
      const projected = pieces.map((pc) => project(pc.batch, plan));
      if (!projected.every((pr) => st.accepts(pr))) return undefined;
      const nl = l ? l.times.length : 0;
      const lt = l ? l.times : EMPTY_TIMES;
      const lc = lCodes ?? EMPTY_CODES;
      if (match.length < nl) match = new Int32Array(Math.max(nl, match.length * 2));
      st.begin(nl);
      let a = 0;
      for (let k = 0; k < pieces.length; k++) {
        const piece = pieces[k];
        const [rc, xlat] = rightCodes(piece, true);
        const size = p.leftBy.length === 0 ? 1 : keys!.size;
        grow(size);
        st.grow(size);
        let b = nl;
        if (k + 1 < pieces.length) {
          // the left rows before the next piece's first right row (at its time too, without exact matches)
          const r0 = pieces[k + 1].times[0];
          b = p.allowExact ? lowerBound(lt, r0, a, nl) : upperBound(lt, r0, a, nl);
        }
        st.walkPart(
          lt.subarray(a, b),
          lc.subarray(a, b),
          b - a,
          piece.times,
          rc,
          piece.times.length,
          latestTime,
          p.tolerance,
          p.allowExact,
          match.subarray(a, b),
          projected[k],
          a,
          xlat,
        );
        a = b;
      }
      return st.finish(nl);
    };

    /** Emits `l` as it is (`'left'`) when the right stream completed without a schema. */
    const releaseWithoutRight = (upTo: bigint) => {
      if (!rightDone) return; // the right schema is not known yet: hold the left rows
      const l = buffers[0].takeThrough(upTo);
      if (l && !p.inner) subscriber.next(l.batch);
    };

    const release = (upTo: bigint) => {
      const plan = rightPlan;
      if (!plan) return releaseWithoutRight(upTo);
      if (held) return releaseHeld(upTo, plan, held);
      ensureKeys();
      const l = buffers[0].takeThrough(upTo);
      const pieces = buffers[1].takePiecesThrough(upTo);
      const lCodes = l ? codesOf(0, leftKeys, l.batch) : undefined;
      let taken = pieces.length > 1 ? walkPieces(l, lCodes, pieces, plan) : undefined;
      if (taken === undefined) {
        const r = buffers[1].join(pieces);
        const [rCodes, rXlat] = r ? rightCodes(r, fast?.fusable === true && p.direction === 'backward') : [undefined, null];
        const size = p.leftBy.length === 0 ? 1 : keys!.size;
        taken = walkBackward(l, r, lCodes, rCodes, plan, size, rXlat);
      }
      if (!l || !taken) return;
      const nl = l.times.length;
      const schema = outputSchemaFor(plan);
      let out = recordBatch(schema, structData(schema, [...l.batch.data.children, ...taken], nl));
      if (p.inner) {
        const mask = new Uint8Array(nl);
        for (let i = 0; i < nl; i++) mask[i] = match[i] >= 0 ? 1 : 0;
        out = filterRows(out, mask);
      }
      if (out.numRows > 0) subscriber.next(out);
    };

    /**
     * Forward and nearest: the released rows join the held rows; the walk resolves what
     * the released right rows decide, and the rows whose deadline the frontier passed.
     * Emitting is `flushHeld`'s.
     */
    const releaseHeld = (upTo: bigint, plan: RightPlan, h: AsofHeld) => {
      ensureKeys();
      const l = buffers[0].takeThrough(upTo);
      const r = buffers[1].takeThrough(upTo);
      const lCodes = l ? codesOf(0, leftKeys, l.batch) : undefined;
      const rCodes = r ? codesOf(1, rightKeys, r.batch) : undefined;
      const size = p.leftBy.length === 0 ? 1 : keys!.size;
      const nl = l ? l.times.length : 0;
      let leftRef = -1;
      if (p.direction === 'nearest') {
        // the backward candidates of the released left rows, final now, kept as values
        const taken = walkBackward(l, r, lCodes, rCodes, plan, size);
        if (taken) leftRef = h.addValues(recordBatch(plan.schema, structData(plan.schema, [...taken], nl)));
      }
      h.growKeys(size);
      const rightRef = r ? h.addValues(project(r.batch, plan)) : h.nextRef;
      if (l) {
        h.addLeft(l.batch, l.times);
        aheadDirty = true;
      }
      asofForward(
        l ? l.times : EMPTY_TIMES,
        lCodes ?? EMPTY_CODES,
        nl,
        r ? r.times : EMPTY_TIMES,
        rCodes ?? EMPTY_CODES,
        r ? r.times.length : 0,
        rightRef,
        p.direction === 'nearest' ? match : null,
        leftRef,
        h.lastTime,
        h.firstAt,
        p.tolerance,
        p.allowExact,
        h.p,
      );
      asofExpire(h.p, upTo, false);
    };

    /**
     * Forward and nearest: resolves held rows with right rows not released yet (rows
     * that arrived above the frontier) and with the right input's progress, then emits the
     * resolved rows at the front, in left order.
     */
    const flushHeld = () => {
      const h = held;
      const plan = rightPlan;
      if (!h || !plan || subscriber.closed) return;
      try {
        const hp = h.p;
        if (hp.unresolved > 0 && aheadDirty && buffers[1].length > 0) {
          ensureKeys();
          buffers[1].forEach((batch, times) => {
            const codes = codesOf(1, rightKeys, batch);
            const ref = h.addValues(project(batch, plan));
            asofResolveAhead(times, codes, times.length, ref, hp);
          });
        }
        aheadDirty = false;
        if (hp.unresolved > 0) {
          const w = run ? run.progress.watermark : MIN_TIME;
          const progress = rightDone ? MAX_TIME : lastRight - 1n > w ? lastRight - 1n : w;
          asofExpire(hp, progress, rightDone);
        }
        const got = h.takeResolved();
        h.settle();
        if (!got) return;
        const n = got.left.numRows;
        const schema = outputSchemaFor(plan);
        let out = recordBatch(schema, structData(schema, [...got.left.data.children, ...got.right], n));
        if (p.inner) {
          const mask = new Uint8Array(n);
          for (let i = 0; i < n; i++) mask[i] = got.refs[i] >= 0 ? 1 : 0;
          out = filterRows(out, mask);
        }
        if (out.numRows > 0) subscriber.next(out);
      } catch (e) {
        subscriber.error(e);
      }
    };

    /**
     * On the first right batch of a fused ffill: the state fills the selected columns that
     * ffill fills (`fillFlags`) when the fused backward walk handles every release (every
     * selected column fixed-width, one element per row, not a dictionary, so the state
     * never falls back to batches), or when ffill fills none of them; otherwise ffill runs
     * inline (also when the schema is wrong: its errors, then the join's, come as they would
     * without fusion).
     */
    const settleFusion = (fusion: FfillPlan, batch: RecordBatch) => {
      const schema = batch.schema;
      const all = schema.fields.map((f) => f.name);
      const timeIndex = all.indexOf(rightOn);
      const keyIndices = p.rightBy.map((k) => all.indexOf(k));
      if (timeIndex >= 0 && keyIndices.every((j) => j >= 0)) {
        try {
          const filled = new Set(fusion.fillIndices(schema, timeIndex, keyIndices));
          const plan = planRight(batch, p, rightOn);
          const flags = plan.indices.map((j) => filled.has(j));
          const walked = () => AsofState.create(plan.empty)?.fusable === true && plan.schema.fields.every((f) => f.type.typeId !== Type.Dictionary);
          if (!flags.includes(true) || walked()) {
            fillFlags = flags;
            return;
          }
        } catch {
          // reported by the inline ffill, or by the join itself, as without fusion
        }
      }
      inlineFill = fusion.runner(run);
    };

    const outputSchemaFor = (plan: RightPlan): Schema =>
      (outSchema ??= joinOutputSchema(validators[0].schema!, plan.schema, p.suffix));

    const onBatch = (side: 0 | 1, batch: RecordBatch) => {
      try {
        if (side === 1 && fusing) {
          if (fillFlags === undefined && inlineFill === undefined) settleFusion(fusing, batch);
          if (inlineFill) batch = inlineFill.next(batch);
        }
        const v = validators[side];
        const rowBase = v.rows;
        const first = v.schema === undefined;
        let times = v.check(batch);
        if (first) {
          if (side === 0) checkColumns(batch.schema, p.leftBy, 'left');
          else {
            rightPlan = planRight(batch, p, rightOn);
            fast = AsofState.create(rightPlan.empty);
            if (fast && fillFlags?.includes(true)) fast.fillNulls(fillFlags);
            if (p.direction !== 'backward') held = new AsofHeld(rightPlan.empty);
          }
        }
        if (times.length === 0) return;
        const late = gate.late(side, times, side === 0 ? leftOn : rightOn, rowBase);
        if (late > 0 && p.late !== 'accept') {
          if (late === times.length) return;
          batch = sliceBatch(batch, late);
          times = times.subarray(late);
        }
        // backward: the right rows' key codes now, while a key column encoded upstream (an
        // ffill of the right side) is still in the key space's cache: copied, not encoded
        let codes: Int32Array | undefined;
        // (once the left schema is known: the left side binds the key space first, so that a
        // type mismatch names the right side)
        if (side === 1 && !held && p.rightBy.length > 0 && validators[0].schema) {
          ensureKeys();
          // (not when the fused walk will read the codes through the dictionary's table)
          const translated = fast?.fusable === true && p.direction === 'backward' && rightKeys?.translation(batch) != null;
          if (!translated) codes = rightKeys?.encode(batch);
        }
        buffers[side].push(batch, times, codes);
        if (side === 1) {
          lastRight = times[times.length - 1];
          aheadDirty = true;
        }
        gate.rows(side, times[times.length - 1]);
      } catch (e) {
        subscriber.error(e);
        return;
      }
      if (side === 1 && held && !run) flushHeld();
    };
    const onComplete = (side: 0 | 1) => {
      if (side === 1) rightDone = true;
      gate.complete(side); // releases everything once both sides completed
      if (gate.allComplete && (buffers[0].length > 0 || buffers[1].length > 0)) {
        // late rows accepted after the gate released everything
        try {
          release(MAX_TIME);
        } catch (e) {
          subscriber.error(e);
          return;
        }
      }
      if (held && (gate.allComplete || (side === 1 && !run))) flushHeld();
      if (gate.allComplete && !subscriber.closed) subscriber.complete();
    };

    const teardown = subscribeSides(subscriber, source, fusing ? fusing.source : rightStream, gate, onBatch, onComplete);
    // forward and nearest inside a run: flush once per instant, after the gate's release
    const unlisten = p.direction !== 'backward' ? run?.progress.register(flushHeld) : undefined;
    return () => {
      unlisten?.();
      teardown();
      held?.clear();
      buffers[0].clear();
      buffers[1].clear();
      state = undefined;
      fast = undefined;
    };
  });
}

const EMPTY_TIMES = new BigInt64Array(0);
const EMPTY_CODES = new Int32Array(0);

function parseOptions(o: AsofJoinOptions): Parsed {
  const direction = o.direction ?? 'backward';
  if (direction !== 'backward' && direction !== 'forward' && direction !== 'nearest') {
    throw new InvalidOptionError('direction', `expected 'backward', 'forward' or 'nearest', got ${String(direction)}`);
  }
  if (o.on !== undefined && (o.leftOn !== undefined || o.rightOn !== undefined)) {
    throw new InvalidOptionError('on', 'give either on or leftOn/rightOn, not both');
  }
  const c = parseJoinColumns(o);
  const late = o.late ?? 'error';
  if (late !== 'error' && late !== 'drop' && late !== 'accept') {
    throw new InvalidOptionError('late', `expected 'error', 'drop' or 'accept', got ${String(late)}`);
  }
  return {
    ...c,
    on: o.on,
    leftOn: o.leftOn,
    rightOn: o.rightOn,
    tolerance: o.tolerance === undefined ? NO_TOLERANCE : durationToNs(o.tolerance, 'tolerance'),
    allowExact: o.allowExactMatches ?? true,
    late,
    direction,
  };
}

/** Whether two lists of key columns hold the same columns (in any order: the same groups). */
function sameColumns(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((c) => b.includes(c));
}

function planRight(first: RecordBatch, p: Parsed, rightOn: string): RightPlan {
  const cols = rightColumns(first.schema, p, rightOn);
  return { ...cols, empty: project(sliceBatch(first, 0, 0), cols) };
}
