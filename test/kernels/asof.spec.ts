import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  type AsofPending,
  MASK_COLUMNS,
  NO_TOLERANCE,
  asofBackward,
  asofBackwardColumns,
  asofExpire,
  asofForward,
  asofResolveAhead,
  asofValidity,
  latestChanges,
  resolvedPrefix,
  scatterFixed,
  scatterValidity,
  splitMatches,
} from '../../src/kernels/asof';
import { soak } from '../helpers/soak';

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
      { numRuns: soak(300) },
    );
  });
});

describe('asofBackwardColumns', () => {
  /**
   * Runs the fused loop over two columns (Float64 with a validity bitmap read at `offset`,
   * Int32 without one), from a state of `keys` codes, in releases cut at `splits` (left and
   * right row counts per release), and returns the outputs of all releases concatenated.
   * With `fill`, the Float64 column's null right rows leave its state alone (`fillNulls`).
   * With `wide`, the two columns come after seven others (so they keep their validity in
   * `stateValid`, not in the mask byte). With `translated`, the right key codes (no nulls)
   * are passed as indices into a translation table (the `xlat` variant). Without a
   * tolerance (`NO_TOLERANCE`) it runs the variant without tolerance code, as `AsofState`
   * picks it.
   */
  function fused(
    lt: number[], lc: number[], rt: number[], rc: number[], rv: (number | null)[], keys: number,
    tolerance: bigint, exact: boolean, releases: [number, number][], offset: number, fill = false, wide = false, translated = false,
  ) {
    const pad = wide ? MASK_COLUMNS : 0;
    const loop = asofBackwardColumns([...Array<Float64ArrayConstructor>(pad).fill(Float64Array), Float64Array, Int32Array], [...Array<boolean>(pad).fill(false), fill, false], exact, translated, tolerance >= 0n);
    // a translation table that reverses the codes: index i → code keys - 1 - i
    const xlat = translated ? Int32Array.from({ length: keys }, (_, i) => keys - 1 - i) : null;
    const keyArg = (c: number[]) => (translated ? C(c.map((x) => keys - 1 - x)) : C(c));
    const mask = new Uint8Array(keys);
    const latestTime = new BigInt64Array(keys);
    const state = [new Float64Array(keys), new Int32Array(keys)];
    const stateValid = [new Uint8Array(keys), new Uint8Array(keys)];
    const out = { a: [] as (number | null)[], b: [] as (number | null)[], match: [] as number[] };
    let l = 0;
    let r = 0;
    for (const [nl, nr] of releases) {
      const a = new Float64Array(nr);
      const b = new Int32Array(nr);
      const bits = new Uint8Array(Math.ceil((offset + nr) / 8) + 1);
      for (let j = 0; j < nr; j++) {
        const v = rv[r + j];
        if (v !== null) {
          a[j] = v;
          bits[(offset + j) >> 3] |= 1 << ((offset + j) & 7);
        }
        b[j] = 100 + r + j;
      }
      const oa = new Float64Array(nl);
      const ob = new Int32Array(nl);
      const cols = [
        { state: state[0], stateValid: stateValid[0], right: a, rightBits: bits, rightOffset: offset, out: oa, outBits: new Uint8Array(Math.ceil(nl / 8)) },
        { state: state[1], stateValid: stateValid[1], right: b, rightBits: null, rightOffset: 0, out: ob, outBits: new Uint8Array(Math.ceil(nl / 8)) },
      ];
      const padding = Array.from({ length: pad }, () => ({ state: new Float64Array(keys), stateValid: new Uint8Array(keys), right: new Float64Array(nr), rightBits: null, rightOffset: 0, out: new Float64Array(nl), outBits: new Uint8Array(Math.ceil(nl / 8)) }));
      const ltr = T(lt.slice(l, l + nl));
      const rtr = T(rt.slice(r, r + nr));
      const match = new Int32Array(nl);
      const nulls = new Int32Array(pad + 2);
      loop(ltr, C(lc.slice(l, l + nl)), nl, rtr, keyArg(rc.slice(r, r + nr)), nr, mask, latestTime, tolerance, match, [...padding, ...cols], nulls, 0, xlat);
      let nullsA = 0;
      let nullsB = 0;
      for (let i = 0; i < nl; i++) {
        const va = (cols[0].outBits[i >> 3] >> (i & 7)) & 1;
        const vb = (cols[1].outBits[i >> 3] >> (i & 7)) & 1;
        out.a.push(va ? oa[i] : null);
        out.b.push(vb ? ob[i] : null);
        if (!va) nullsA++;
        if (!vb) nullsB++;
        out.match.push(match[i] >= 0 ? 1 : -1);
      }
      expect([...nulls.subarray(pad)]).toEqual([nullsA, nullsB]);
      l += nl;
      r += nr;
    }
    return out;
  }

  it('joins through the state: right rows update their key, left rows read it; nulls and misses are null', () => {
    // right: key 0 at 1 → 1.5, key 1 at 2 → null, key 0 at 3 → 2.5; left: key 0 at 2, key 1 at 2, key 2 at 3, null key at 3, key 0 at 3
    const got = fused([2, 2, 3, 3, 3], [0, 1, 2, -1, 0], [1, 2, 3], [0, 1, 0], [1.5, null, 2.5], 3, NO_TOLERANCE, true, [[5, 3]], 3);
    expect(got.a).toEqual([1.5, null, null, null, 2.5]);
    expect(got.b).toEqual([100, 101, null, null, 102]);
    expect(got.match).toEqual([1, 1, -1, -1, 1]);
  });

  it('merges the times itself: right rows at a left row\'s time come before it with exact matches, after it without', () => {
    // right: key 0 at 1 → 1, at 2 → 2, at 5 → 5; left: key 0 at 2 and at 5
    const exact = fused([2, 5], [0, 0], [1, 2, 5], [0, 0, 0], [1, 2, 5], 1, NO_TOLERANCE, true, [[2, 3]], 0);
    expect(exact.a).toEqual([2, 5]);
    const strict = fused([2, 5], [0, 0], [1, 2, 5], [0, 0, 0], [1, 2, 5], 1, NO_TOLERANCE, false, [[2, 3]], 0);
    expect(strict.a).toEqual([1, 2]);
    // the right row at 5 still updates the state after the last left row
    const later = fused([2, 5, 9], [0, 0, 0], [1, 2, 5], [0, 0, 0], [1, 2, 5], 1, NO_TOLERANCE, false, [[2, 3], [1, 0]], 0);
    expect(later.a).toEqual([1, 2, 5]);
  });

  it('agrees with the row-by-row definition for any release points, tolerance and exactness (property)', () => {
    const sorted = fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 30 }).map((x) => x.sort((a, b) => a - b));
    const codes = fc.array(fc.integer({ min: -1, max: 3 }), { minLength: 30, maxLength: 30 });
    const values = fc.array(fc.option(fc.integer({ min: -50, max: 50 })), { minLength: 30, maxLength: 30 });
    fc.assert(
      fc.property(sorted, sorted, codes, codes, values, fc.option(fc.integer({ min: 0, max: 5 })), fc.boolean(), fc.array(fc.nat(30)), fc.nat(7), fc.boolean(), fc.boolean(), fc.boolean(), (lt, rt, lcAll, rcAll, vAll, tol, exact, cutsAt, offset, fill, wide, translated) => {
        const lc = lcAll.slice(0, lt.length);
        // (translated right keys have no nulls: the translation table needs a key per row)
        const rc = rcAll.slice(0, rt.length).map((c) => (translated && c < 0 ? 0 : c));
        const rv = vAll.slice(0, rt.length);
        // releases at time points: every row at or before a point goes in its release
        const points = [...new Set(cutsAt)].sort((a, b) => a - b).concat([Infinity]);
        const releases: [number, number][] = [];
        let l = 0;
        let r = 0;
        for (const p of points) {
          let l2 = l;
          let r2 = r;
          while (l2 < lt.length && lt[l2] <= p) l2++;
          while (r2 < rt.length && rt[r2] <= p) r2++;
          releases.push([l2 - l, r2 - r]);
          l = l2;
          r = r2;
        }
        const got = fused(lt, lc, rt, rc, rv, 4, tol === null ? NO_TOLERANCE : BigInt(tol), exact, releases, offset, fill, wide, translated);
        const ref = reference(lt, lc, rt, rc, tol ?? undefined, exact);
        // filled: the last valid value of the matched row's key up to that row (null before the first)
        const filled = (m: number) => {
          for (let j = m; j >= 0; j--) if (rc[j] === rc[m] && rv[j] !== null) return rv[j];
          return null;
        };
        expect(got.match).toEqual(ref.map((m) => (m >= 0 ? 1 : -1)));
        expect(got.a).toEqual(ref.map((m) => (m < 0 ? null : fill ? filled(m) : rv[m])));
        expect(got.b).toEqual(ref.map((m) => (m >= 0 ? 100 + m : null)));
      }),
      { numRuns: soak(300) },
    );
  });
});

describe('asofBackward on 64-bit times', () => {
  /** The row-by-row definition over bigints. */
  function referenceBig(lt: bigint[], rt: bigint[], tolerance: bigint, exact: boolean): number[] {
    return lt.map((t) => {
      let m = -1;
      for (let j = 0; j < rt.length; j++) if (exact ? rt[j] <= t : rt[j] < t) m = j;
      if (m >= 0 && tolerance >= 0n && t - rt[m] > tolerance) return -1;
      return m;
    });
  }

  it('compares across 32-bit boundaries, negative times and epoch ns, and checks tolerances at ±1 ns, small and above 2^52', () => {
    const E = 1_704_205_800_000_000_000n; // 2024-01-02T14:30Z in ns
    const around = (x: bigint) => [x - 1n, x, x + 1n];
    const base = [-(2n ** 40n), -1n, 0n, 2n ** 32n - 1n, 2n ** 32n, E, E + 2n ** 32n];
    const times = [...new Set(base.flatMap(around))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const tolerance of [NO_TOLERANCE, 0n, 1n, 2n ** 32n, 2n ** 52n, 2n ** 52n + 1n, 2n ** 60n]) {
      for (const exact of [true, false]) {
        for (let cut = 0; cut <= times.length; cut++) {
          // right rows: the times below the cut; left rows: every time (so distances of 0, 1 ns, … and huge ones)
          const rt = times.slice(0, cut);
          const latest = new Int32Array(1).fill(-1);
          const latestTime = new BigInt64Array(1);
          const match = new Int32Array(times.length);
          const lt = BigInt64Array.from(times);
          asofBackward(lt, new Int32Array(times.length), times.length, BigInt64Array.from(rt), new Int32Array(rt.length), rt.length, 0, latest, latestTime, tolerance, exact, match);
          expect([...match]).toEqual(referenceBig(times, rt, tolerance, exact));
          if (rt.length) expect(latestTime[0]).toBe(rt[rt.length - 1]);
        }
      }
    }
  });

  it('tolerance around 2^52..2^53: a distance of exactly the tolerance matches, one more ns does not', () => {
    const E = 1_704_205_800_000_000_123n;
    for (const tolerance of [2n ** 52n - 1n, 2n ** 52n, 2n ** 53n + 1n]) {
      const latest = new Int32Array(1).fill(-1);
      const latestTime = new BigInt64Array(1);
      const match = new Int32Array(2);
      asofBackward(BigInt64Array.of(E + tolerance, E + tolerance + 1n), new Int32Array(2), 2, BigInt64Array.of(E), new Int32Array(1), 1, 0, latest, latestTime, tolerance, true, match);
      expect([...match]).toEqual([0, -1]);
    }
  });
});

describe('splitMatches', () => {
  it('splits matches into state rows (< base), right rows (>= base, re-based) and none', () => {
    const stateIdx = new Int32Array(4);
    const rightIdx = new Int32Array(4);
    expect(splitMatches(Int32Array.of(1, 4, -1, 3), 4, 3, stateIdx, rightIdx)).toBe(2);
    expect([...stateIdx]).toEqual([1, -1, -1, -1]);
    expect([...rightIdx]).toEqual([-1, 1, -1, 0]);
  });
});

describe('asofValidity', () => {
  it('takes validity from the state bytes or the right bitmap (with its offset); -1 in both is null', () => {
    const out = new Uint8Array(1);
    // state valid [1, 0]; right bits from offset 3: rows 0 and 1 → bits 3 (set) and 4 (unset)
    const set = asofValidity(Int32Array.of(0, 1, -1, -1, -1), Int32Array.of(-1, -1, 0, 1, -1), 5, Uint8Array.of(1, 0), Uint8Array.of(0b01000), 3, out);
    expect(set).toBe(2);
    expect(out[0]).toBe(0b00101);
  });

  it('a null right bitmap means every right row is valid', () => {
    const out = new Uint8Array(1);
    expect(asofValidity(Int32Array.of(-1, -1), Int32Array.of(0, -1), 2, new Uint8Array(0), null, 0, out)).toBe(1);
    expect(out[0]).toBe(1);
  });
});

describe('latestChanges', () => {
  it('records each changed key\'s right row and points the key at the state', () => {
    const latest = Int32Array.of(-1, 3, 0);
    const src = new Int32Array(1);
    latestChanges(Int32Array.of(1), 1, latest, 2, src);
    expect([...src]).toEqual([1]);
    expect([...latest]).toEqual([-1, 1, 0]);
  });
});

describe('asofBackward with changed', () => {
  it('lists each key whose latest row became a right row once, in order of its first such row', () => {
    const latest = Int32Array.of(1, -1, 2);
    const latestTime = new BigInt64Array(3);
    const match = new Int32Array(2);
    const changed = new Int32Array(3);
    // base 3: keys 2, 1, 2 (again), -1 (null), then key 1 after the last left row
    const k = asofBackward(T([2, 3]), C([2, 0]), 2, T([1, 2, 2, 3, 9]), C([2, 1, 2, -1, 1]), 5, 3, latest, latestTime, NO_TOLERANCE, true, match, changed);
    expect(k).toBe(2);
    expect([...changed.subarray(0, k)]).toEqual([2, 1]);
    expect([...match]).toEqual([5, 1]); // key 0 keeps its state row 1
    expect([...latest]).toEqual([1, 7, 5]);
  });

  it('gives the same matches and state as the untracked walk (property)', () => {
    const sorted = fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 30 }).map((x) => x.sort((a, b) => a - b));
    const codes = fc.array(fc.integer({ min: -1, max: 3 }), { minLength: 30, maxLength: 30 });
    fc.assert(
      fc.property(sorted, sorted, codes, codes, fc.boolean(), fc.array(fc.integer({ min: -1, max: 2 }), { minLength: 4, maxLength: 4 }), (lt, rt, lcAll, rcAll, exact, start) => {
        const lc = C(lcAll.slice(0, lt.length));
        const rc = C(rcAll.slice(0, rt.length));
        const runOnce = (tracked: boolean) => {
          const latest = Int32Array.from(start);
          const latestTime = new BigInt64Array(4);
          const match = new Int32Array(lt.length);
          const changed = new Int32Array(4);
          const k = asofBackward(T(lt), lc, lt.length, T(rt), rc, rt.length, 3, latest, latestTime, NO_TOLERANCE, exact, match, tracked ? changed : undefined);
          return { match: [...match], latest: [...latest], changed: [...changed.subarray(0, k)] };
        };
        const plain = runOnce(false);
        const tracked = runOnce(true);
        expect(tracked.match).toEqual(plain.match);
        expect(tracked.latest).toEqual(plain.latest);
        // exactly the keys now pointing at a right row, each once
        const expected = plain.latest.flatMap((m, c) => (m >= 3 ? [c] : []));
        expect([...tracked.changed].sort()).toEqual(expected);
      }),
      { numRuns: soak(200) },
    );
  });
});

describe('scatterFixed and scatterValidity', () => {
  it('copy rows src[i] to dst[i], with a stride', () => {
    const out = new Float64Array(3);
    scatterFixed(Float64Array.of(10, 11, 12), 1, Int32Array.of(2, 0), Int32Array.of(0, 2), 2, out);
    expect([...out]).toEqual([12, 0, 10]);
    const wide = new Int32Array(4);
    scatterFixed(Int32Array.of(1, 2, 3, 4), 2, Int32Array.of(1), Int32Array.of(0), 1, wide);
    expect([...wide]).toEqual([3, 4, 0, 0]);
    const big = new BigInt64Array(2);
    scatterFixed(BigInt64Array.of(7n), 1, Int32Array.of(0), Int32Array.of(1), 1, big);
    expect([...big]).toEqual([0n, 7n]);
  });

  it('scatterValidity reads bits at the offset, or sets 1 without a bitmap', () => {
    const valid = Uint8Array.of(9, 9, 9);
    scatterValidity(Uint8Array.of(0b10), 1, Int32Array.of(0, 1), Int32Array.of(2, 0), 2, valid);
    // src 0 → bit 1 (set) → key 2; src 1 → bit 2 (unset) → key 0
    expect([...valid]).toEqual([0, 9, 1]);
    scatterValidity(null, 0, Int32Array.of(0), Int32Array.of(1), 1, valid);
    expect([...valid]).toEqual([0, 1, 1]);
  });

  it('state + right gathers equal gathering the concatenation (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1, max: 7 }), { maxLength: 20 }), (ms) => {
        const base = 3;
        const state = Float64Array.of(100, 101, 102);
        const right = Float64Array.of(0, 1, 2, 3, 4);
        const all = [...state, ...right];
        const n = ms.length;
        const stateIdx = new Int32Array(n);
        const rightIdx = new Int32Array(n);
        splitMatches(Int32Array.from(ms), n, base, stateIdx, rightIdx);
        const got = ms.map((_, i) => (stateIdx[i] >= 0 ? state[stateIdx[i]] : rightIdx[i] >= 0 ? right[rightIdx[i]] : null));
        expect(got).toEqual(ms.map((m) => (m < 0 ? null : all[m])));
      }),
      { numRuns: soak(200) },
    );
  });
});

/** Empty pending rows with room for `rows` rows and `keys` key codes. */
function pending(rows: number, keys: number): AsofPending {
  return {
    base: 0,
    next: 0,
    unresolved: 0,
    time: new BigInt64Array(rows),
    key: new Int32Array(rows),
    ref: new Float64Array(rows),
    limit: new BigInt64Array(rows),
    done: new Uint8Array(rows),
    nextSame: new Float64Array(rows),
    keyHead: new Float64Array(keys).fill(-1),
    keyTail: new Float64Array(keys).fill(-1),
    heapTime: new BigInt64Array(rows),
    heapSeq: new Float64Array(rows),
    heapSize: 0,
    touched: new Float64Array(rows),
    nTouched: 0,
  };
}

/** pandas' forward/nearest, row by row: the right row index, or -1. */
function referenceForward(lt: number[], lc: number[], rt: number[], rc: number[], tolerance: number | undefined, exact: boolean, nearest: boolean): number[] {
  const within = (d: number) => tolerance === undefined || d <= tolerance;
  return lt.map((t, i) => {
    if (lc[i] < 0) return -1;
    let b = -1;
    let f = -1;
    for (let j = 0; j < rt.length; j++) {
      if (rc[j] !== lc[i]) continue;
      if (exact ? rt[j] <= t : rt[j] < t) b = j;
      if (f < 0 && (exact ? rt[j] >= t : rt[j] > t)) f = j;
    }
    if (b >= 0 && !within(t - rt[b])) b = -1;
    if (f >= 0 && !within(rt[f] - t)) f = -1;
    if (!nearest) return f;
    if (b >= 0 && f >= 0) return t - rt[b] <= rt[f] - t ? b : f;
    return b >= 0 ? b : f;
  });
}

/**
 * Forward/nearest over `lt`/`rt` released in pieces cut at `cuts` (times), then the right
 * input completing; the matches as right row indices (backward candidates of nearest are
 * value references `1000 + i`, mapped back through asofBackward's match).
 */
function runForward(lt: number[], lc: number[], rt: number[], rc: number[], keys: number, tol: number | undefined, exact: boolean, nearest: boolean, cuts: number[]) {
  const p = pending(lt.length + 1, keys);
  const lastTime = new BigInt64Array(keys).fill(-(2n ** 63n));
  const firstAt = new Float64Array(keys).fill(-1);
  const latest = new Int32Array(keys).fill(-1);
  const latestTime = new BigInt64Array(keys);
  const tolerance = tol === undefined ? NO_TOLERANCE : BigInt(tol);
  const bwOf = new Map<number, number>();
  let li = 0;
  let ri = 0;
  for (const upTo of [...cuts.sort((a, b) => a - b), Infinity]) {
    let l1 = li;
    while (l1 < lt.length && lt[l1] <= upTo) l1++;
    let r1 = ri;
    while (r1 < rt.length && rt[r1] <= upTo) r1++;
    const nl = l1 - li;
    const match = new Int32Array(nl);
    // backward candidates as right row indices (base 0: every candidate is a right row)
    asofBackward(T(lt.slice(li, l1)), C(lc.slice(li, l1)), nl, T(rt.slice(ri, r1)), C(rc.slice(ri, r1)), r1 - ri, ri, latest, latestTime, tolerance, exact, match);
    const leftRef = 1000 + li;
    for (let i = 0; i < nl; i++) bwOf.set(leftRef + i, match[i]);
    asofForward(T(lt.slice(li, l1)), C(lc.slice(li, l1)), nl, T(rt.slice(ri, r1)), C(rc.slice(ri, r1)), r1 - ri, ri, nearest ? match : null, leftRef, lastTime, firstAt, tolerance, exact, p);
    asofExpire(p, upTo === Infinity ? 2n ** 63n - 1n : BigInt(upTo), upTo === Infinity);
    li = l1;
    ri = r1;
  }
  expect(p.unresolved).toBe(0);
  expect(resolvedPrefix(p, 0)).toBe(lt.length);
  return [...p.ref.subarray(0, lt.length)].map((r) => (r >= 1000 ? bwOf.get(r)! : r));
}

describe('asofForward', () => {
  it('forward: the first right row at or after the left time; nearest: ties go backward', () => {
    const lt = [1, 5, 10];
    const rt = [3, 3, 7, 7, 13];
    const z = (n: number) => new Array<number>(n).fill(0);
    expect(runForward(lt, z(3), rt, z(5), 1, undefined, true, false, [])).toEqual([0, 2, 4]);
    expect(runForward(lt, z(3), rt, z(5), 1, undefined, true, true, [])).toEqual([0, 1, 3]);
    expect(runForward(lt, z(3), rt, z(5), 1, 2, true, false, [])).toEqual([0, 2, -1]);
  });

  it('rows wait for later releases; resolved rows keep left order in the prefix', () => {
    const p = pending(4, 2);
    const lastTime = new BigInt64Array(2).fill(-(2n ** 63n));
    const firstAt = new Float64Array(2).fill(-1);
    asofForward(T([1, 2]), C([0, 1]), 2, T([]), C([]), 0, 0, null, -1, lastTime, firstAt, NO_TOLERANCE, true, p);
    expect(p.unresolved).toBe(2);
    // a right row of key 1 resolves the second row only: nothing can be emitted yet
    asofForward(T([]), C([]), 0, T([3]), C([1]), 1, 10, null, -1, lastTime, firstAt, NO_TOLERANCE, true, p);
    expect(resolvedPrefix(p, 0)).toBe(0);
    // rows not released yet resolve the first
    asofResolveAhead(T([4]), C([0]), 1, 20, p);
    expect(resolvedPrefix(p, 0)).toBe(2);
    expect([...p.ref.subarray(0, 2)]).toEqual([20, 10]);
  });

  it('deadlines: a row is resolved without a match once the right input is complete through left time + tolerance', () => {
    const p = pending(2, 1);
    const lastTime = new BigInt64Array(1).fill(-(2n ** 63n));
    const firstAt = new Float64Array(1).fill(-1);
    asofForward(T([10]), C([0]), 1, T([]), C([]), 0, 0, null, -1, lastTime, firstAt, 5n, true, p);
    asofExpire(p, 14n, false);
    expect(p.unresolved).toBe(1);
    asofExpire(p, 15n, false);
    expect(p.unresolved).toBe(0);
    expect(p.ref[0]).toBe(-1);
    expect(p.keyHead[0]).toBe(-1);
  });

  it('agrees with the row-by-row definition for any release points (property)', () => {
    const sorted = fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 25 }).map((x) => x.sort((a, b) => a - b));
    const codes = fc.array(fc.integer({ min: -1, max: 2 }), { minLength: 25, maxLength: 25 });
    fc.assert(
      fc.property(sorted, sorted, codes, codes, fc.option(fc.integer({ min: 0, max: 5 })), fc.boolean(), fc.boolean(), fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 4 }), (lt, rt, lcAll, rcAll, tol, exact, nearest, cuts) => {
        const lc = lcAll.slice(0, lt.length);
        const rc = rcAll.slice(0, rt.length);
        const got = runForward(lt, lc, rt, rc, 3, tol ?? undefined, exact, nearest, cuts);
        expect(got).toEqual(referenceForward(lt, lc, rt, rc, tol ?? undefined, exact, nearest));
      }),
      { numRuns: soak(300) },
    );
  });
});
