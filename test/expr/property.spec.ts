/**
 * Properties of compiled expressions:
 * (1) the generated loop agrees with a tiny row-by-row reference interpreter (written here,
 *     independently of the compiler) on random expressions over random data with nulls;
 * (2) any split of the input into batches (slices, offset ≠ 0) gives the same concatenated
 *     output as one batch, for `select`-style projections and for `filter`.
 */
import { Float64, Int32, Int64, type RecordBatch } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Expr, col, lit, when } from '../../src/expr';
import { parseItems, planFilter, planSelect } from '../../src/expr/plan';
import { batchOf, bool, column, f64, i32, i64 } from './helpers';
import { soak } from '../helpers/soak';

type Ty = 'i32' | 'i64' | 'f64' | 'bool';
type V = number | bigint | boolean | null;
interface Row {
  a: number | null;
  b: number | null;
  x: number | null;
  y: number | null;
  v: bigint | null;
  w: bigint | null;
  p: boolean | null;
  q: boolean | null;
}
/** An expression and its reference meaning. */
interface G {
  readonly e: Expr;
  readonly ev: (r: Row) => V;
  readonly show: string;
}

// ---- the reference interpreter: one row at a time, plain JS ---------------------------------

const wrap32 = (n: number): number => n | 0;
const wrap64 = (n: bigint): bigint => BigInt.asIntN(64, n);
const nz = (n: number): number => n + 0; // integers have no negative zero

function floorMod(a: number, b: number): number | null {
  if (b === 0) return null;
  let r = a % b;
  if (r !== 0 && r < 0 !== b < 0) r += b;
  return nz(r);
}
function floorMod64(a: bigint, b: bigint): bigint | null {
  if (b === 0n) return null;
  let r = a % b;
  if (r !== 0n && r < 0n !== b < 0n) r += b;
  return r;
}
/** polars' total order on floats: NaN equals NaN and is the greatest. */
function totalCmp(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}
function cmpOf(op: string, s: number): boolean {
  return { eq: s === 0, neq: s !== 0, lt: s < 0, lte: s <= 0, gt: s > 0, gte: s >= 0 }[op]!;
}
const lift2 =
  <A, B>(f: (a: A, b: A) => B | null) =>
  (a: V, b: V): V =>
    a === null || b === null ? null : (f(a as A, b as A) as V);

function kleeneAnd(a: V, b: V): V {
  if (a === false || b === false) return false;
  if (a === null || b === null) return null;
  return true;
}
function kleeneOr(a: V, b: V): V {
  if (a === true || b === true) return true;
  if (a === null || b === null) return null;
  return false;
}

// ---- generators -----------------------------------------------------------------------------

const CMP = ['eq', 'neq', 'lt', 'lte', 'gt', 'gte'] as const;

function node(e: Expr, ev: (r: Row) => V): G {
  return { e, ev, show: e.toString() };
}

function bin(l: G, r: G, e: Expr, f: (a: V, b: V) => V): G {
  return node(e, (row) => f(l.ev(row), r.ev(row)));
}

const exprs = fc.letrec<Record<Ty, G>>((tie) => {
  const i32g = () => tie('i32') as fc.Arbitrary<G>;
  const i64g = () => tie('i64') as fc.Arbitrary<G>;
  const f64g = () => tie('f64') as fc.Arbitrary<G>;
  const boolg = () => tie('bool') as fc.Arbitrary<G>;
  const opts = { maxDepth: 3, depthIdentifier: 'expr' } as const;
  return {
    i32: fc.oneof(
      opts,
      fc.constantFrom('a', 'b').map((c) => node(col(c), (r) => r[c as 'a' | 'b'])),
      fc.integer({ min: -40, max: 40 }).map((k) => node(lit(k), () => k)),
      fc.tuple(i32g(), i32g()).map(([l, r]) => bin(l, r, l.e.add(r.e), lift2<number, number>((a, b) => wrap32(a + b)))),
      fc.tuple(i32g(), i32g()).map(([l, r]) => bin(l, r, l.e.sub(r.e), lift2<number, number>((a, b) => wrap32(a - b)))),
      fc.tuple(i32g(), i32g()).map(([l, r]) => bin(l, r, l.e.mul(r.e), lift2<number, number>((a, b) => Math.imul(a, b)))),
      fc.tuple(i32g(), i32g()).map(([l, r]) => bin(l, r, l.e.mod(r.e), lift2<number, number>(floorMod))),
      i32g().map((a) => node(a.e.neg(), (r) => (a.ev(r) === null ? null : wrap32(-(a.ev(r) as number))))),
      i32g().map((a) => node(a.e.abs(), (r) => (a.ev(r) === null ? null : wrap32(Math.abs(a.ev(r) as number))))),
      fc.tuple(i32g(), i32g()).map(([l, r]) => node(l.e.fillNull(r.e), (row) => l.ev(row) ?? r.ev(row))),
      fc.tuple(boolg(), i32g(), i32g()).map(([c, t, o]) =>
        node(when(c.e).then(t.e).otherwise(o.e), (r) => (c.ev(r) === true ? t.ev(r) : o.ev(r))),
      ),
      f64g().map((a) =>
        node(a.e.cast(new Int32()), (r) => {
          const x = a.ev(r) as number | null;
          if (x === null) return null;
          const t = Math.trunc(x);
          return t >= -(2 ** 31) && t <= 2 ** 31 - 1 ? nz(t) : null;
        }),
      ),
      i64g().map((a) =>
        node(a.e.cast(new Int32()), (r) => {
          const x = a.ev(r) as bigint | null;
          return x === null || x < -(2n ** 31n) || x >= 2n ** 31n ? null : Number(x);
        }),
      ),
    ),
    i64: fc.oneof(
      opts,
      fc.constantFrom('v', 'w').map((c) => node(col(c), (r) => r[c as 'v' | 'w'])),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((k) => node(lit(k).cast(new Int64()), () => k)),
      fc.tuple(i64g(), i64g()).map(([l, r]) => bin(l, r, l.e.add(r.e), lift2<bigint, bigint>((a, b) => wrap64(a + b)))),
      fc.tuple(i64g(), i64g()).map(([l, r]) => bin(l, r, l.e.sub(r.e), lift2<bigint, bigint>((a, b) => wrap64(a - b)))),
      fc.tuple(i64g(), i64g()).map(([l, r]) => bin(l, r, l.e.mul(r.e), lift2<bigint, bigint>((a, b) => wrap64(a * b)))),
      fc.tuple(i64g(), i64g()).map(([l, r]) => bin(l, r, l.e.mod(r.e), lift2<bigint, bigint>(floorMod64))),
      fc.tuple(i64g(), i32g()).map(([l, r]) =>
        bin(l, r, l.e.add(r.e), (a, b) => (a === null || b === null ? null : wrap64((a as bigint) + BigInt(b as number)))),
      ),
      i64g().map((a) => node(a.e.neg(), (r) => (a.ev(r) === null ? null : wrap64(-(a.ev(r) as bigint))))),
      i64g().map((a) =>
        node(a.e.abs(), (r) => {
          const x = a.ev(r) as bigint | null;
          return x === null ? null : x < 0n ? wrap64(-x) : x;
        }),
      ),
      fc.tuple(i64g(), i64g()).map(([l, r]) => node(l.e.fillNull(r.e), (row) => l.ev(row) ?? r.ev(row))),
      fc.tuple(boolg(), i64g(), i64g()).map(([c, t, o]) =>
        node(when(c.e).then(t.e).otherwise(o.e), (r) => (c.ev(r) === true ? t.ev(r) : o.ev(r))),
      ),
      i32g().map((a) => node(a.e.cast(new Int64()), (r) => (a.ev(r) === null ? null : BigInt(a.ev(r) as number)))),
    ),
    f64: fc.oneof(
      opts,
      fc.constantFrom('x', 'y').map((c) => node(col(c), (r) => r[c as 'x' | 'y'])),
      fc.double().map((k) => node(lit(k).cast(new Float64()), () => k)),
      fc.tuple(f64g(), f64g()).map(([l, r]) => bin(l, r, l.e.add(r.e), lift2<number, number>((a, b) => a + b))),
      fc.tuple(f64g(), f64g()).map(([l, r]) => bin(l, r, l.e.sub(r.e), lift2<number, number>((a, b) => a - b))),
      fc.tuple(f64g(), f64g()).map(([l, r]) => bin(l, r, l.e.mul(r.e), lift2<number, number>((a, b) => a * b))),
      fc.tuple(f64g(), f64g()).map(([l, r]) => bin(l, r, l.e.div(r.e), lift2<number, number>((a, b) => a / b))),
      fc.tuple(f64g(), f64g()).map(([l, r]) => bin(l, r, l.e.mod(r.e), lift2<number, number>((a, b) => a - b * Math.floor(a / b)))),
      fc.tuple(i32g(), i32g()).map(([l, r]) => bin(l, r, l.e.div(r.e), lift2<number, number>((a, b) => a / b))),
      fc.tuple(i32g(), f64g()).map(([l, r]) => bin(l, r, l.e.add(r.e), lift2<number, number>((a, b) => a + b))),
      fc.tuple(i64g(), f64g()).map(([l, r]) =>
        bin(l, r, l.e.mul(r.e), (a, b) => (a === null || b === null ? null : Number(a as bigint) * (b as number))),
      ),
      f64g().map((a) => node(a.e.neg(), (r) => (a.ev(r) === null ? null : -(a.ev(r) as number)))),
      f64g().map((a) => node(a.e.abs(), (r) => (a.ev(r) === null ? null : Math.abs(a.ev(r) as number)))),
      fc.tuple(f64g(), f64g()).map(([l, r]) => node(l.e.fillNull(r.e), (row) => l.ev(row) ?? r.ev(row))),
      fc.tuple(boolg(), f64g(), i32g()).map(([c, t, o]) =>
        node(when(c.e).then(t.e).otherwise(o.e), (r) => (c.ev(r) === true ? t.ev(r) : o.ev(r))),
      ),
      i64g().map((a) => node(a.e.cast(new Float64()), (r) => (a.ev(r) === null ? null : Number(a.ev(r) as bigint)))),
    ),
    bool: fc.oneof(
      opts,
      fc.constantFrom('p', 'q').map((c) => node(col(c), (r) => r[c as 'p' | 'q'])),
      fc.constantFrom(true, false, null).map((k) => node(lit(k), () => k)),
      fc.tuple(fc.constantFrom(...CMP), i32g(), i32g()).map(([op, l, r]) =>
        bin(l, r, l.e[op](r.e), lift2<number, boolean>((a, b) => cmpOf(op, a < b ? -1 : a > b ? 1 : 0))),
      ),
      fc.tuple(fc.constantFrom(...CMP), f64g(), f64g()).map(([op, l, r]) =>
        bin(l, r, l.e[op](r.e), lift2<number, boolean>((a, b) => cmpOf(op, totalCmp(a, b)))),
      ),
      fc.tuple(fc.constantFrom(...CMP), i64g(), i64g()).map(([op, l, r]) =>
        bin(l, r, l.e[op](r.e), lift2<bigint, boolean>((a, b) => cmpOf(op, a < b ? -1 : a > b ? 1 : 0))),
      ),
      fc.tuple(fc.constantFrom(...CMP), i32g(), f64g()).map(([op, l, r]) =>
        bin(l, r, l.e[op](r.e), lift2<number, boolean>((a, b) => cmpOf(op, totalCmp(a, b)))),
      ),
      fc.tuple(boolg(), boolg()).map(([l, r]) => bin(l, r, l.e.and(r.e), kleeneAnd)),
      fc.tuple(boolg(), boolg()).map(([l, r]) => bin(l, r, l.e.or(r.e), kleeneOr)),
      boolg().map((a) => node(a.e.not(), (r) => (a.ev(r) === null ? null : !a.ev(r)))),
      fc.oneof(i32g(), f64g(), i64g(), boolg()).map((a) => node(a.e.isNull(), (r) => a.ev(r) === null)),
      fc.tuple(boolg(), boolg()).map(([l, r]) => node(l.e.fillNull(r.e), (row) => l.ev(row) ?? r.ev(row))),
      fc.tuple(boolg(), boolg(), boolg()).map(([c, t, o]) =>
        node(when(c.e).then(t.e).otherwise(o.e), (r) => (c.ev(r) === true ? t.ev(r) : o.ev(r))),
      ),
    ),
  };
});

const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { freq: 4 });
const rowArb: fc.Arbitrary<Row> = fc.record({
  a: maybe(fc.oneof(fc.integer({ min: -50, max: 50 }), fc.integer())),
  b: maybe(fc.oneof(fc.integer({ min: -5, max: 5 }), fc.integer())),
  x: maybe(fc.oneof(fc.double(), fc.constantFrom(0, -0, NaN, Infinity, 1.5))),
  y: maybe(fc.oneof(fc.double(), fc.integer({ min: -3, max: 3 }))),
  v: maybe(fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: -9n, max: 9n }))),
  w: maybe(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })),
  p: maybe(fc.boolean()),
  q: maybe(fc.boolean()),
});

function toBatch(rows: readonly Row[]): RecordBatch {
  const pick = <K extends keyof Row>(k: K) => rows.map((r) => r[k]);
  return batchOf({
    a: i32(pick('a')),
    b: i32(pick('b')),
    x: f64(pick('x')),
    y: f64(pick('y')),
    v: i64(pick('v')),
    w: i64(pick('w')),
    p: bool(pick('p')),
    q: bool(pick('q')),
  });
}

function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return (Number.isNaN(a) && Number.isNaN(b)) || a === b;
  return a === b;
}

function project(batch: RecordBatch, e: Expr): unknown[] {
  return column(planSelect('select', batch.schema, parseItems('select', [{ r: e }], true)).apply(batch), 'r');
}

const anyExpr = fc.oneof(exprs.i32, exprs.i64, exprs.f64, exprs.bool);

describe('compiled expressions', () => {
  it('agree with a row-by-row reference interpreter on random data with nulls', () => {
    fc.assert(
      fc.property(anyExpr, fc.array(rowArb, { maxLength: 24 }), (g, rows) => {
        const got = project(toBatch(rows), g.e);
        const want = rows.map((r) => g.ev(r));
        for (let i = 0; i < rows.length; i++) {
          if (!same(got[i], want[i])) {
            throw new Error(`${g.show}: row ${i} ${JSON.stringify(rows[i], (_, v) => (typeof v === 'bigint' ? `${v}n` : v))}: got ${String(got[i])}, want ${String(want[i])}`);
          }
        }
      }),
      { numRuns: soak(300) },
    );
  });

  it('give the same concatenated output for any split of the input into batches', () => {
    fc.assert(
      fc.property(
        anyExpr,
        fc.array(rowArb, { maxLength: 30 }),
        fc.array(fc.nat({ max: 30 }), { maxLength: 4 }),
        (g, rows, cuts) => {
          const whole = toBatch(rows);
          const all = project(whole, g.e);
          const points = [...new Set([0, ...cuts.map((c) => Math.min(c, rows.length)), rows.length])].sort((p, q) => p - q);
          const parts: unknown[] = [];
          for (let k = 0; k + 1 < points.length; k++) parts.push(...project(whole.slice(points[k], points[k + 1]), g.e));
          expect(parts.length).toBe(all.length);
          parts.forEach((v, i) => expect(same(v, all[i]), `row ${i}`).toBe(true));
        },
      ),
      { numRuns: soak(150) },
    );
  });

  it('filter keeps exactly the rows whose predicate is true, whatever the split', () => {
    fc.assert(
      fc.property(
        exprs.bool,
        fc.array(rowArb, { maxLength: 30 }),
        fc.array(fc.nat({ max: 30 }), { maxLength: 3 }),
        (g, rows, cuts) => {
          const whole = toBatch(rows);
          const plan = planFilter('filter', whole.schema, g.e.node);
          const want = rows.map((r, i) => (g.ev(r) === true ? i : -1)).filter((i) => i >= 0);
          const wantA = want.map((i) => rows[i].a);
          const wantV = want.map((i) => rows[i].v);
          const points = [...new Set([0, ...cuts.map((c) => Math.min(c, rows.length)), rows.length])].sort((p, q) => p - q);
          const gotA: unknown[] = [];
          const gotV: unknown[] = [];
          for (let k = 0; k + 1 < points.length; k++) {
            const out = plan.apply(whole.slice(points[k], points[k + 1]));
            gotA.push(...column(out, 'a'));
            gotV.push(...column(out, 'v'));
          }
          expect(gotA).toEqual(wantA);
          expect(gotV).toEqual(wantV);
        },
      ),
      { numRuns: soak(150) },
    );
  });
});
