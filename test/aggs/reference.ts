/**
 * A naive reference for `cumulative` and `rolling`: for every row, collect its window
 * from scratch (rows of its key, null keys together, up to and including itself in
 * stream order) and aggregate the non-null values with the reference states of
 * `src/aggs/state.ts`. O(n²): for small random tests only.
 */
import type { AggOp } from '../../src/aggs/agg';
import { AGG_STATES } from '../../src/aggs/state';

export interface RefRow {
  t: number;
  k: string | null;
  v: number | null;
}

export type RefWindow = { kind: 'cumulative' } | { kind: 'time'; window: number } | { kind: 'rows'; rows: number };

/** The result of `op` over each row's window; `minPeriods` as the operators apply it. */
export function reference(rows: readonly RefRow[], op: AggOp, window: RefWindow, minPeriods = 1, countRows = false): (number | null)[] {
  const st = AGG_STATES[op];
  const s = new Float64Array(st.stride);
  return rows.map((row, i) => {
    let members: RefRow[] = [];
    for (let j = 0; j <= i; j++) if (rows[j].k === row.k) members.push(rows[j]);
    if (window.kind === 'time') members = members.filter((m) => m.t > row.t - window.window);
    if (window.kind === 'rows') members = members.slice(-window.rows);
    st.init(s, 0);
    let nobs = 0;
    for (const m of members) {
      if (countRows) {
        st.add(s, 0, 0);
        nobs++;
      } else if (m.v !== null) {
        st.add(s, 0, m.v);
        nobs++;
      }
    }
    if (window.kind === 'cumulative') {
      // null at null rows for the arithmetic ones; count and first/last at every row
      if (row.v === null && !countRows && op !== 'count' && op !== 'first' && op !== 'last') return null;
      return st.value(s, 0);
    }
    if (nobs < minPeriods) return null;
    return st.value(s, 0);
  });
}

/** Close within a relative tolerance (nulls and NaN equal to themselves). */
export function closeTo(a: readonly (number | null)[], b: readonly (number | null)[], rel = 1e-9): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === null || y === null) {
      if (x !== y) return false;
      continue;
    }
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (!(Number.isNaN(x) && Number.isNaN(y))) return false;
      continue;
    }
    if (x === y) continue;
    if (Math.abs(x - y) > rel * Math.max(1, Math.abs(x), Math.abs(y))) return false;
  }
  return true;
}
