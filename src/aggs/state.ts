/**
 * The incremental state of each aggregation, written out once as reference: `init`, `add`,
 * `remove` (where a window slides; absent where a value cannot be taken back from a
 * fixed-size state: min/max/first/last, which windows handle with deques), `value`, over
 * `stride` numbers of a `Float64Array` at `at`. Values given to `add`/`remove` are never
 * null (nulls are skipped before, in one place, as Arquero's reducers do).
 *
 * The operators do not call these per row: their kernels (`src/kernels/cumulative.ts`,
 * `src/kernels/rolling.ts`) inline the same updates in one typed-array loop per
 * aggregation. These definitions document the states, serve as the tests' reference, and
 * give operators that aggregate few rows (per group of a resample, per pivot cell) a
 * generic path.
 */
import type { AggOp } from './agg';

export interface AggState {
  /** Numbers of state per group. */
  readonly stride: number;
  init(s: Float64Array, at: number): void;
  add(s: Float64Array, at: number, v: number): void;
  remove?(s: Float64Array, at: number, v: number): void;
  /** The result, or `null` (no value). */
  value(s: Float64Array, at: number): number | null;
}

/** sum: [sum, count]; the sum of no values is 0. */
const sumState: AggState = {
  stride: 2,
  init: (s, at) => void s.fill(0, at, at + 2),
  add: (s, at, v) => {
    s[at] += v;
    s[at + 1]++;
  },
  remove: (s, at, v) => {
    s[at] -= v;
    if (--s[at + 1] === 0) s[at] = 0;
  },
  value: (s, at) => s[at],
};

/** mean: [sum, count]. */
const meanState: AggState = { ...sumState, value: (s, at) => (s[at + 1] > 0 ? s[at] / s[at + 1] : null) };

/** count: [count]. */
const countState: AggState = {
  stride: 1,
  init: (s, at) => void (s[at] = 0),
  add: (s, at) => void s[at]++,
  remove: (s, at) => void s[at]--,
  value: (s, at) => s[at],
};

/** var / std: [count, mean, m2], Welford's update and its inverse; ddof = 1. */
function varianceState(isStd: boolean): AggState {
  return {
    stride: 3,
    init: (s, at) => void s.fill(0, at, at + 3),
    add: (s, at, v) => {
      const c = ++s[at];
      const d = v - s[at + 1];
      s[at + 1] += d / c;
      s[at + 2] += d * (v - s[at + 1]);
    },
    remove: (s, at, v) => {
      const c = --s[at];
      if (c === 0) {
        s[at + 1] = s[at + 2] = 0;
        return;
      }
      const d = v - s[at + 1];
      s[at + 1] -= d / c;
      s[at + 2] -= d * (v - s[at + 1]);
    },
    value: (s, at) => {
      const c = s[at];
      if (c < 2) return null;
      const x = s[at + 2] > 0 ? s[at + 2] / (c - 1) : s[at + 2] !== s[at + 2] ? NaN : 0;
      return isStd ? Math.sqrt(x) : x;
    },
  };
}

/** min / max: [count, extreme]; a NaN makes the result NaN. */
function extremeState(isMax: boolean): AggState {
  return {
    stride: 2,
    init: (s, at) => {
      s[at] = 0;
      s[at + 1] = isMax ? -Infinity : Infinity;
    },
    add: (s, at, v) => {
      s[at]++;
      const x = s[at + 1];
      if (v !== v || (isMax ? v > x : v < x)) s[at + 1] = v;
    },
    value: (s, at) => (s[at] > 0 ? s[at + 1] : null),
  };
}

/** first / last: [count, value]. */
function endState(isLast: boolean): AggState {
  return {
    stride: 2,
    init: (s, at) => void s.fill(0, at, at + 2),
    add: (s, at, v) => {
      if (isLast || s[at] === 0) s[at + 1] = v;
      s[at]++;
    },
    value: (s, at) => (s[at] > 0 ? s[at + 1] : null),
  };
}

/** The reference state of each operation. */
export const AGG_STATES: Readonly<Record<AggOp, AggState>> = {
  sum: sumState,
  mean: meanState,
  count: countState,
  std: varianceState(true),
  var: varianceState(false),
  min: extremeState(false),
  max: extremeState(true),
  first: endState(false),
  last: endState(true),
};
