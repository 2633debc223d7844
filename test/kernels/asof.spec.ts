import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { NO_TOLERANCE, asofBackward } from '../../src/kernels/asof';

const T = (xs: number[]) => BigInt64Array.from(xs.map(BigInt));
const C = (xs: number[]) => Int32Array.from(xs);

function run(lt: number[], lc: number[], rt: number[], rc: number[], keys: number, tolerance = NO_TOLERANCE, exact = true, base = 0) {
  const latest = new Int32Array(keys).fill(-1);
  const latestTime = new BigInt64Array(keys);
  const match = new Int32Array(lt.length);
  asofBackward(T(lt), C(lc), lt.length, T(rt), C(rc), rt.length, base, latest, latestTime, tolerance, exact, match);
  return { match: [...match], latest: [...latest], latestTime: [...latestTime] };
}

/** The definition, row by row: the last right row (in order) of the key with time <= (or <) the left time. */
function reference(lt: number[], lc: number[], rt: number[], rc: number[], tolerance: number | undefined, exact: boolean): number[] {
  return lt.map((t, i) => {
    if (lc[i] < 0) return -1;
    let m = -1;
    for (let j = 0; j < rt.length; j++) if (rc[j] === lc[i] && (exact ? rt[j] <= t : rt[j] < t)) m = j;
    if (m >= 0 && tolerance !== undefined && t - rt[m] > tolerance) return -1;
    return m;
  });
}

describe('asofBackward', () => {
  it('the last right row of the key at or before the left time; ties take the last', () => {
    expect(run([1, 2, 3], [0, 1, 0], [1, 1, 2], [0, 0, 1], 2).match).toEqual([1, 2, 1]);
  });

  it('strict without exact matches; inclusive tolerance', () => {
    expect(run([2, 3], [0, 0], [1, 2], [0, 0], 1, NO_TOLERANCE, false).match).toEqual([0, 1]);
    expect(run([3, 4], [0, 0], [1], [0], 1, 2n).match).toEqual([0, -1]);
  });

  it('null codes: a null left key matches nothing, a null right key updates nothing', () => {
    expect(run([1, 2], [-1, 0], [0, 1], [0, -1], 1).match).toEqual([-1, 0]);
  });

  it('offsets matches by base, keeps the state through the last right row, and starts from the given state', () => {
    const r = run([1], [0], [0, 5, 6], [0, 1, 0], 2, NO_TOLERANCE, true, 10);
    expect(r).toEqual({ match: [10], latest: [12, 11], latestTime: [6n, 5n] });
    const latest = Int32Array.of(3);
    const latestTime = BigInt64Array.of(0n);
    const match = new Int32Array(1);
    asofBackward(T([4]), C([0]), 1, T([]), C([]), 0, 0, latest, latestTime, 3n, true, match);
    expect([...match]).toEqual([-1]); // state older than the tolerance
  });

  it('agrees with the row-by-row definition (property)', () => {
    const sorted = fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 30 }).map((x) => x.sort((a, b) => a - b));
    fc.assert(
      fc.property(sorted, sorted, fc.array(fc.integer({ min: -1, max: 3 }), { minLength: 30, maxLength: 30 }), fc.array(fc.integer({ min: -1, max: 3 }), { minLength: 30, maxLength: 30 }), fc.option(fc.integer({ min: 0, max: 5 })), fc.boolean(), (lt, rt, lcAll, rcAll, tol, exact) => {
        const lc = lcAll.slice(0, lt.length);
        const rc = rcAll.slice(0, rt.length);
        const got = run(lt, lc, rt, rc, 4, tol === null ? NO_TOLERANCE : BigInt(tol), exact).match;
        expect(got).toEqual(reference(lt, lc, rt, rc, tol ?? undefined, exact));
      }),
      { numRuns: 300 },
    );
  });
});
