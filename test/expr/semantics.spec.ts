import {
  type RecordBatch,
  Bool,
  DateDay,
  DateMillisecond,
  Dictionary,
  Field,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  List,
  TimeUnit,
  TimestampMillisecond,
  TimestampNanosecond,
  TimestampSecond,
  Type,
  Uint32,
  Uint64,
  Utf8,
  Vector,
  makeData,
  vectorFromArray,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ColumnTypeError, ExpressionError, MissingColumnError } from '../../src/errors';
import { type Expr, type ExprLike, col, fn, lit, when } from '../../src/expr';
import { parseItems, planSelect } from '../../src/expr/plan';
import { batchOf, bitmapOf, bool, column, dict, f32, f64, i32, i64, i8, rawBig, ts, u32, u8, utf8 } from './helpers';

/** Evaluates named expressions on a batch (via the select plan) and returns the output batch. */
function evaluate(batch: RecordBatch, exprs: Record<string, ExprLike>): RecordBatch {
  return planSelect('select', batch.schema, parseItems('select', [exprs], true)).apply(batch);
}

/** Evaluates one expression and returns its values and Arrow type. */
function ev(batch: RecordBatch, e: Expr | ExprLike): { values: unknown[]; type: string } {
  const out = evaluate(batch, { r: e });
  return { values: column(out, 'r'), type: String(out.schema.fields[0].type) };
}

const N = null;

describe('arithmetic', () => {
  const b = batchOf({ a: i32([1, 2, N, 4]), x: f64([0.5, N, 2, 8]), k: i32([3, 3, 3, -3]) });

  it('add, sub, mul, div, mod with null propagation', () => {
    expect(ev(b, col('a').add(col('x')))).toEqual({ values: [1.5, N, N, 12], type: 'Float64' });
    expect(ev(b, col('a').sub(1))).toEqual({ values: [0, 1, N, 3], type: 'Int32' });
    expect(ev(b, col('a').mul(col('k')))).toEqual({ values: [3, 6, N, -12], type: 'Int32' });
    expect(ev(b, col('a').div(2))).toEqual({ values: [0.5, 1, N, 2], type: 'Float64' });
    expect(ev(b, col('a').mod(col('k')))).toEqual({ values: [1, 2, N, -2], type: 'Int32' });
    expect(ev(b, col('x').neg())).toEqual({ values: [-0.5, N, -2, -8], type: 'Float64' });
    expect(ev(b, col('k').abs())).toEqual({ values: [3, 3, 3, 3], type: 'Int32' });
  });

  it('the issue example: mid = (bid + ask) / 2', () => {
    const q = batchOf({ bid: f64([10, 11, N]), ask: f64([12, 12, 13]) });
    expect(ev(q, col('bid').add(col('ask')).div(2)).values).toEqual([11, 11.5, N]);
  });

  it('division follows IEEE for floats and integers alike (true division)', () => {
    const z = batchOf({ a: i32([1, -1, 0, 6]), d: i32([0, 0, 0, 4]) });
    expect(ev(z, col('a').div(col('d')))).toEqual({ values: [Infinity, -Infinity, NaN, 1.5], type: 'Float64' });
  });

  it('integer mod by zero is null; float mod by zero is NaN; mod is floored (sign of the divisor)', () => {
    const z = batchOf({ a: i32([7, -7, 7, -7, 5]), d: i32([3, 3, -3, -3, 0]), x: f64([-7.5, 7.5, 1, 5.5, 3]) });
    expect(ev(z, col('a').mod(col('d'))).values).toEqual([1, 2, -2, -1, N]);
    expect(ev(z, col('x').mod(2)).values).toEqual([0.5, 1.5, 1, 1.5, 1]);
    expect(ev(z, col('x').mod(0)).values.every((v) => Number.isNaN(v))).toBe(true);
    expect(ev(z, col('a').mod(0)).values).toEqual([N, N, N, N, N]);
  });

  it('integer arithmetic wraps around at the result width', () => {
    const w = batchOf({ a: i32([2147483647, -2147483648, 65536]), s: i8([127, -128, 1]) });
    expect(ev(w, col('a').add(1)).values).toEqual([-2147483648, -2147483647, 65537]);
    expect(ev(w, col('a').mul(col('a'))).values).toEqual([1, 0, 0]);
    expect(ev(w, col('a').neg()).values).toEqual([-2147483647, -2147483648, -65536]);
    expect(ev(w, col('a').abs()).values).toEqual([2147483647, -2147483648, 65536]);
    expect(ev(w, col('s').add(1))).toEqual({ values: [-128, -127, 2], type: 'Int8' });
  });

  it('Int64 is exact beyond 2^53 and wraps at 64 bits', () => {
    const big = batchOf({ v: i64([2n ** 62n, 9223372036854775807n, -5n, N]), w: i64([1n, 1n, 3n, 1n]) });
    const out = evaluate(big, {
      s: col('v').add(col('w')),
      m: col('v').mul(2),
      r: col('v').mod(col('w')),
      n: col('v').neg(),
      a: col('v').abs(),
    });
    expect(rawBig(out, 's')).toEqual([2n ** 62n + 1n, -(2n ** 63n), -2n, N]);
    expect(rawBig(out, 'm')).toEqual([-(2n ** 63n), -2n, -10n, N]);
    expect(rawBig(out, 'r')).toEqual([0n, 0n, 1n, N]);
    expect(rawBig(out, 'n')).toEqual([-(2n ** 62n), -9223372036854775807n, 5n, N]);
    expect(rawBig(out, 'a')).toEqual([2n ** 62n, 9223372036854775807n, 5n, N]);
    expect(String(out.schema.fields[0].type)).toBe('Int64');
    // Int64 mixed with Int32 stays Int64; with Float64 gives Float64.
    const mix = batchOf({ v: i64([10n]), a: i32([3]), x: f64([0.5]) });
    expect(ev(mix, col('v').add(col('a')))).toEqual({ values: [13n], type: 'Int64' });
    expect(ev(mix, col('v').add(col('x')))).toEqual({ values: [10.5], type: 'Float64' });
    expect(ev(mix, col('v').div(4))).toEqual({ values: [2.5], type: 'Float64' });
  });

  it('promotes types like polars', () => {
    const t = batchOf({
      i8: i8([1]),
      u8: u8([2]),
      i32: i32([3]),
      u32: u32([4]),
      f32: f32([0.5]),
      f64: f64([0.25]),
      i64: i64([5n]),
    });
    const type = (e: Expr) => ev(t, e).type;
    expect(type(col('i32').add(col('i32')))).toBe('Int32');
    expect(type(col('i32').add(col('f64')))).toBe('Float64');
    expect(type(col('i32').add(col('f32')))).toBe('Float64');
    expect(type(col('i8').add(col('f32')))).toBe('Float32');
    expect(type(col('i8').add(col('u8')))).toBe('Int16');
    expect(type(col('u32').add(col('i32')))).toBe('Int64');
    expect(type(col('i64').add(col('u32')))).toBe('Int64');
    expect(type(col('f32').mul(2))).toBe('Float32');
    expect(type(col('f32').mul(2.5))).toBe('Float32');
    expect(type(col('f32').div(col('f32')))).toBe('Float32');
    expect(type(col('i32').div(col('i32')))).toBe('Float64');
    expect(type(col('i32').add(1.5))).toBe('Float64');
    expect(type(col('i8').add(1))).toBe('Int8');
    expect(type(col('i8').add(1000))).toBe('Int16');
    expect(type(col('u8').sub(1))).toBe('Uint8');
    expect(type(col('u8').add(-1))).toBe('Int16');
    expect(type(lit(1))).toBe('Int32');
    expect(type(lit(2 ** 40))).toBe('Int64');
    expect(type(lit(1.5))).toBe('Float64');
    expect(type(lit(5n).add(col('i8')))).toBe('Int8');
    expect(ev(t, col('u8').add(-1)).values).toEqual([1]);
    expect(ev(t, col('f32').mul(2.5)).values).toEqual([1.25]);
  });

  it('Float32 results are rounded to Float32 at each step', () => {
    const t = batchOf({ f: f32([0.1]) });
    expect(ev(t, col('f').add(0.2)).values).toEqual([Math.fround(Math.fround(0.1) + Math.fround(0.2))]);
  });

  it('UInt64 columns', () => {
    const u = makeData({ type: new Uint64(), data: BigUint64Array.of(2n ** 64n - 1n, 3n), length: 2 });
    const t = batchOf({ u: u as never });
    const out = evaluate(t, { r: col('u').add(1), d: col('u').div(2) });
    expect(column(out, 'r')).toEqual([0n, 4n]);
    expect(column(out, 'd')).toEqual([2 ** 63, 1.5]);
    expect(() => evaluate(t, { r: col('u').neg() })).toThrow(ColumnTypeError);
  });
});

describe('comparisons', () => {
  it('numbers, with null propagation', () => {
    const b = batchOf({ a: i32([1, 2, 3, N]), x: f64([2, 2, 2, 2]) });
    expect(ev(b, col('a').eq(col('x'))).values).toEqual([false, true, false, N]);
    expect(ev(b, col('a').neq(2)).values).toEqual([true, false, true, N]);
    expect(ev(b, col('a').lt(2)).values).toEqual([true, false, false, N]);
    expect(ev(b, col('a').lte(2)).values).toEqual([true, true, false, N]);
    expect(ev(b, col('a').gt(col('x'))).values).toEqual([false, false, true, N]);
    expect(ev(b, col('a').gte(2)).values).toEqual([false, true, true, N]);
    expect(ev(b, col('a').eq(lit(null))).values).toEqual([N, N, N, N]);
    expect(ev(b, col('a').gt(2)).type).toBe('Bool');
  });

  it('floats use a total order: NaN equals NaN and is the greatest value', () => {
    const b = batchOf({ x: f64([NaN, NaN, 1, Infinity, -0]), y: f64([NaN, 1, NaN, NaN, 0]) });
    expect(ev(b, col('x').eq(col('y'))).values).toEqual([true, false, false, false, true]);
    expect(ev(b, col('x').neq(col('y'))).values).toEqual([false, true, true, true, false]);
    expect(ev(b, col('x').lt(col('y'))).values).toEqual([false, false, true, true, false]);
    expect(ev(b, col('x').lte(col('y'))).values).toEqual([true, false, true, true, true]);
    expect(ev(b, col('x').gt(col('y'))).values).toEqual([false, true, false, false, false]);
    expect(ev(b, col('x').gte(col('y'))).values).toEqual([true, true, false, false, true]);
  });

  it('Bool columns compare with false < true', () => {
    const b = batchOf({ p: bool([true, false, N]), q: bool([false, false, true]) });
    expect(ev(b, col('p').eq(col('q'))).values).toEqual([false, true, N]);
    expect(ev(b, col('p').gt(col('q'))).values).toEqual([true, false, N]);
    expect(ev(b, col('p').eq(true)).values).toEqual([true, false, N]);
  });

  it('Int64 beyond 2^53 compares exactly', () => {
    const b = batchOf({ v: i64([2n ** 60n + 1n, 2n ** 60n]) });
    expect(ev(b, col('v').gt(2n ** 60n)).values).toEqual([true, false]);
  });
});

describe('Kleene logic and null handling', () => {
  const T = true;
  const F = false;
  const b = batchOf({
    p: bool([T, T, T, F, F, F, N, N, N]),
    q: bool([T, F, N, T, F, N, T, F, N]),
  });

  it('and / or / not truth tables', () => {
    expect(ev(b, col('p').and(col('q'))).values).toEqual([T, F, N, F, F, F, N, F, N]);
    expect(ev(b, col('p').or(col('q'))).values).toEqual([T, T, T, T, F, N, T, N, N]);
    expect(ev(b, col('p').not()).values).toEqual([F, F, F, T, T, T, N, N, N]);
  });

  it('and / or with null and Bool literals', () => {
    expect(ev(b, col('p').and(lit(null))).values).toEqual([N, N, N, F, F, F, N, N, N]);
    expect(ev(b, col('p').or(lit(null))).values).toEqual([T, T, T, N, N, N, N, N, N]);
    expect(ev(b, col('p').and(true)).values).toEqual([T, T, T, F, F, F, N, N, N]);
    expect(ev(b, col('p').or(false)).values).toEqual([T, T, T, F, F, F, N, N, N]);
  });

  it('isNull / isNotNull are never null, on any column type', () => {
    const list = vectorFromArray([[1], null, [2, 3]], new List(new Field('item', new Int32()))).data[0];
    const t = batchOf({ l: list, s: utf8(['a', N, 'b']), d: dict([N, 'x', 'y']) });
    expect(ev(t, col('l').isNull()).values).toEqual([F, T, F]);
    expect(ev(t, col('l').isNotNull()).values).toEqual([T, F, T]);
    expect(ev(t, col('s').isNull()).values).toEqual([F, T, F]);
    expect(ev(t, col('d').isNotNull()).values).toEqual([F, T, T]);
    expect(ev(t, col('s').fillNull('z').isNull()).values).toEqual([F, F, F]);
    expect(ev(t, lit(null).isNull()).values).toEqual([T, T, T]);
  });

  it('fillNull with a literal or an expression, for numbers, Bool, Int64', () => {
    const t = batchOf({ a: i32([1, N, 3, N]), c: i32([9, 8, N, N]), p: bool([N, T, N, F]), v: i64([N, 2n, N, 4n]) });
    expect(ev(t, col('a').fillNull(0))).toEqual({ values: [1, 0, 3, 0], type: 'Int32' });
    expect(ev(t, col('a').fillNull(0.5))).toEqual({ values: [1, 0.5, 3, 0.5], type: 'Float64' });
    expect(ev(t, col('a').fillNull(col('c'))).values).toEqual([1, 8, 3, N]);
    expect(ev(t, col('p').fillNull(false)).values).toEqual([F, T, F, F]);
    expect(ev(t, col('v').fillNull(-1)).values).toEqual([-1n, 2n, -1n, 4n]);
  });

  it('arithmetic with a null literal is null, typed by the other side', () => {
    const t = batchOf({ a: i32([1, 2]) });
    expect(ev(t, col('a').add(lit(null)))).toEqual({ values: [N, N], type: 'Int32' });
    expect(ev(t, lit(null))).toEqual({ values: [N, N], type: 'Null' });
  });
});

describe('when / then / otherwise', () => {
  const b = batchOf({ x: i32([5, -3, 0, N]), y: f64([0.5, 1.5, 2.5, 3.5]) });

  it('chains branches in order; a null condition falls through to otherwise', () => {
    const sign = when(col('x').gt(0)).then(1).when(col('x').lt(0)).then(-1).otherwise(0);
    expect(ev(b, sign)).toEqual({ values: [1, -1, 0, 0], type: 'Int32' });
  });

  it('without otherwise gives null where no branch matched', () => {
    expect(ev(b, when(col('x').gt(0)).then(col('y'))).values).toEqual([0.5, N, N, N]);
  });

  it('unifies branch types (Int32 and Float64 give Float64) and keeps branch nulls', () => {
    expect(ev(b, when(col('x').gte(0)).then(col('x')).otherwise(col('y')))).toEqual({
      values: [5, 1.5, 0, 3.5],
      type: 'Float64',
    });
    expect(ev(b, when(col('y').gt(3)).then(col('x')).otherwise(7)).values).toEqual([7, 7, 7, N]);
  });

  it('string branches: Utf8, and Dictionary when only dictionaries and literals are involved', () => {
    const t = batchOf({ n: i32([1, 2, 3]), s: utf8(['a', 'b', N]), d: dict(['p', 'q', 'p']) });
    expect(ev(t, when(col('n').gt(1)).then(col('s')).otherwise('small'))).toEqual({ values: ['small', 'b', N], type: 'Utf8' });
    expect(ev(t, when(col('n').gt(1)).then(col('d')).otherwise('small'))).toEqual({
      values: ['small', 'q', 'p'],
      type: 'Dictionary<Int32, Utf8>',
    });
    expect(ev(t, when(col('n').eq(2)).then(col('d')).otherwise(col('s'))).values).toEqual(['a', 'q', N]);
    expect(ev(t, when(col('n').eq(2)).then('two').otherwise('other'))).toEqual({ values: ['other', 'two', 'other'], type: 'Utf8' });
  });

  it('a non-Bool condition is a type error naming the column', () => {
    const e = (() => {
      try {
        ev(b, when(col('x')).then(1).otherwise(0));
      } catch (err) {
        return err;
      }
    })() as ColumnTypeError;
    expect(e).toBeInstanceOf(ColumnTypeError);
    expect(e.column).toBe('x');
    expect(e.expected).toBe('Bool');
    expect(e.message).toMatch(/^select: /);
  });
});

describe('cast', () => {
  it('float to integer truncates; NaN, inf and out-of-range become null', () => {
    const b = batchOf({ x: f64([1.9, -1.9, NaN, Infinity, 3e9, -0.5]) });
    expect(ev(b, col('x').cast(new Int32()))).toEqual({ values: [1, -1, N, N, N, 0], type: 'Int32' });
    expect(ev(b, col('x').cast(new Int64())).values).toEqual([1n, -1n, N, N, 3000000000n, 0n]);
    expect(ev(b, col('x').cast(new Int8())).values).toEqual([1, -1, N, N, N, 0]);
    expect(ev(b, col('x').cast(new Uint32())).values).toEqual([1, N, N, N, 3000000000, 0]);
  });

  it('between integers, out-of-range values become null', () => {
    const b = batchOf({ v: i64([1n, 2n ** 40n, -1n]), a: i32([300, -1, 5]) });
    expect(ev(b, col('v').cast(new Int32())).values).toEqual([1, N, -1]);
    expect(ev(b, col('a').cast(new Int8())).values).toEqual([N, -1, 5]);
    expect(ev(b, col('a').cast(new Uint64())).values).toEqual([300n, N, 5n]);
    expect(ev(b, col('a').cast(new Int16())).values).toEqual([300, -1, 5]);
  });

  it('numbers and Bool', () => {
    const b = batchOf({ a: i32([0, 2, N]), p: bool([true, false, N]), x: f64([0, NaN, -1]) });
    expect(ev(b, col('a').cast(new Float32()))).toEqual({ values: [0, 2, N], type: 'Float32' });
    expect(ev(b, col('p').cast(new Int32())).values).toEqual([1, 0, N]);
    expect(ev(b, col('p').cast(new Float64())).values).toEqual([1, 0, N]);
    expect(ev(b, col('a').cast(new Bool())).values).toEqual([false, true, N]);
    expect(ev(b, col('x').cast(new Bool())).values).toEqual([false, true, true]);
  });

  it('time: raw integers to and from Timestamp, units converted with floor', () => {
    const b = batchOf({ t: ts(TimeUnit.MILLISECOND, [1500n, -1500n, N]), v: i64([7n, 8n, N]) });
    expect(ev(b, col('t').cast(new Int64())).values).toEqual([1500n, -1500n, N]);
    const out = evaluate(b, {
      ns: col('t').cast(new TimestampNanosecond()),
      s: col('t').cast(new TimestampSecond()),
      fromInt: col('v').cast(new TimestampMillisecond()),
      day: col('t').cast(new DateDay()),
    });
    expect(rawBig(out, 'ns')).toEqual([1500000000n, -1500000000n, N]);
    expect(rawBig(out, 's')).toEqual([1n, -2n, N]);
    expect(rawBig(out, 'fromInt')).toEqual([7n, 8n, N]);
    expect(String(out.schema.fields[1].type)).toBe('Timestamp<SECOND>');
    const day = out.data.children[3];
    expect(Array.from(day.values as Int32Array)).toEqual([0, -1, 0]);
  });

  it('Dictionary to Utf8 decodes; unsupported casts are type errors', () => {
    const b = batchOf({ d: dict(['x', N, 'y']), s: utf8(['1', '2', '3']) });
    expect(ev(b, col('d').cast(new Utf8()))).toEqual({ values: ['x', N, 'y'], type: 'Utf8' });
    expect(() => ev(b, col('s').cast(new Int32()))).toThrow(ColumnTypeError);
    expect(() => ev(b, col('s').cast(new Dictionary(new Utf8(), new Int32())))).toThrow(ColumnTypeError);
  });
});

describe('time columns', () => {
  const ms = (iso: string) => BigInt(Date.parse(iso));
  const b = batchOf({
    t: ts(TimeUnit.MILLISECOND, [ms('2024-01-01T00:00:00Z'), ms('2024-01-01T00:00:01Z'), N, ms('2024-01-01T00:00:02Z')]),
    n: ts(TimeUnit.NANOSECOND, [ms('2024-01-01T00:00:00Z') * 1_000_000n + 1n, ms('2024-01-01T00:00:01Z') * 1_000_000n, 5n, N]),
  });

  it('compare with lit(Date) in the column unit', () => {
    const at = new Date('2024-01-01T00:00:01Z');
    expect(ev(b, col('t').eq(lit(at))).values).toEqual([false, true, N, false]);
    expect(ev(b, col('t').gte(at)).values).toEqual([false, true, N, true]);
    expect(ev(b, lit(at).gt(col('t'))).values).toEqual([true, false, N, false]);
  });

  it('compare with a bigint of epoch ns, including instants between two ticks', () => {
    const mid = ms('2024-01-01T00:00:01Z') * 1_000_000n + 500n; // 1 s + 500 ns
    expect(ev(b, col('t').gt(mid)).values).toEqual([false, false, N, true]);
    expect(ev(b, col('t').gte(mid)).values).toEqual([false, false, N, true]);
    expect(ev(b, col('t').lt(mid)).values).toEqual([true, true, N, false]);
    expect(ev(b, col('t').lte(mid)).values).toEqual([true, true, N, false]);
    expect(ev(b, col('t').eq(mid)).values).toEqual([false, false, N, false]);
    expect(ev(b, col('t').neq(mid)).values).toEqual([true, true, N, true]);
  });

  it('compare Timestamp columns of different units', () => {
    expect(ev(b, col('t').lt(col('n'))).values).toEqual([true, false, N, N]);
    expect(ev(b, col('t').eq(col('n'))).values).toEqual([false, true, N, N]);
  });

  it('when / fillNull over time columns keep the unit (or take the finer one)', () => {
    const out = evaluate(b, {
      f: col('t').fillNull(lit(new Date('2024-01-01T00:00:05Z'))),
      g: col('t').fillNull(col('n')),
    });
    expect(String(out.schema.fields[0].type)).toBe('Timestamp<MILLISECOND>');
    expect(rawBig(out, 'f')).toEqual([ms('2024-01-01T00:00:00Z'), ms('2024-01-01T00:00:01Z'), ms('2024-01-01T00:00:05Z'), ms('2024-01-01T00:00:02Z')]);
    expect(String(out.schema.fields[1].type)).toBe('Timestamp<NANOSECOND>');
    expect(rawBig(out, 'g')[2]).toBe(5n);
    expect(rawBig(out, 'g')[0]).toBe(ms('2024-01-01T00:00:00Z') * 1_000_000n);
  });

  it('Date columns compare with Date literals', () => {
    const d = batchOf({ d: vectorFromArray([new Date('2024-01-01'), new Date('2024-01-03')], new DateDay()).data[0] });
    expect(ev(d, col('d').gt(new Date('2024-01-02'))).values).toEqual([false, true]);
    expect(ev(d, col('d').gt(new Date('2024-01-01T12:00:00Z'))).values).toEqual([false, true]);
    const d64 = batchOf({ d: vectorFromArray([new Date('2024-01-01'), new Date('2024-01-03')], new DateMillisecond()).data[0] });
    expect(ev(d64, col('d').eq(new Date('2024-01-03'))).values).toEqual([false, true]);
  });

  it('a number against a time column is a type error; differing time zones too', () => {
    expect(() => ev(b, col('t').gt(5))).toThrow(ColumnTypeError);
    const z = batchOf({ a: ts(TimeUnit.SECOND, [1n], 'UTC'), b: ts(TimeUnit.SECOND, [1n], 'Europe/Paris') });
    expect(() => ev(z, col('a').eq(col('b')))).toThrow(ColumnTypeError);
    const u = batchOf({ a: ts(TimeUnit.SECOND, [1n], 'UTC') });
    expect(ev(u, col('a').eq(lit(new Date(1000)))).values).toEqual([true]);
  });
});

describe('strings', () => {
  const b = batchOf({ s: utf8(['apple', 'banana', N, 'é', '']), d: dict(['x', 'y', 'x', N, 'é']) });

  it('Utf8 against a literal: all six comparisons, by UTF-8 bytes', () => {
    expect(ev(b, col('s').eq('banana')).values).toEqual([false, true, N, false, false]);
    expect(ev(b, col('s').neq('banana')).values).toEqual([true, false, N, true, true]);
    expect(ev(b, col('s').lt('b')).values).toEqual([true, false, N, false, true]);
    expect(ev(b, col('s').gt('z')).values).toEqual([false, false, N, true, false]);
    expect(ev(b, col('s').lte('apple')).values).toEqual([true, false, N, false, true]);
    expect(ev(b, lit('b').lt(col('s'))).values).toEqual([false, true, N, true, false]);
    expect(ev(b, col('s').eq('')).values).toEqual([false, false, N, false, true]);
  });

  it('dictionary against a literal (by key, through a per-dictionary table)', () => {
    expect(ev(b, col('d').eq('x')).values).toEqual([true, false, true, N, false]);
    expect(ev(b, col('d').neq('x')).values).toEqual([false, true, false, N, true]);
    expect(ev(b, col('d').gte('y')).values).toEqual([false, true, false, N, true]);
    expect(ev(b, col('d').eq('absent')).values).toEqual([false, false, false, N, false]);
  });

  it('column against column (Utf8 and dictionary mixed)', () => {
    const t = batchOf({ s: utf8(['x', 'y', 'z', N]), d: dict(['x', 'x', 'zz', 'x']) });
    expect(ev(t, col('s').eq(col('d'))).values).toEqual([true, false, false, N]);
    expect(ev(t, col('s').lt(col('d'))).values).toEqual([false, false, true, N]);
    expect(ev(t, col('d').eq(col('d'))).values).toEqual([true, true, true, true]);
  });

  it('fillNull on Utf8 gives Utf8; on a dictionary, a dictionary (reusing it when the value is in it)', () => {
    expect(ev(b, col('s').fillNull('?'))).toEqual({ values: ['apple', 'banana', '?', 'é', ''], type: 'Utf8' });
    const out = evaluate(b, { f: col('d').fillNull('x'), g: col('d').fillNull('new') });
    expect(column(out, 'f')).toEqual(['x', 'y', 'x', 'x', 'é']);
    expect(column(out, 'g')).toEqual(['x', 'y', 'x', 'new', 'é']);
    expect(out.data.children[0].dictionary).toBe(b.data.children[1].dictionary);
    expect(out.schema.fields[0].type.typeId).toBe(Type.Dictionary);
  });

  it('a dictionary with several chunks and with null entries', () => {
    const values = new Vector([utf8(['a', 'b']), utf8([N, 'c'])]);
    const keys = makeData({
      type: new Dictionary(new Utf8(), new Int32()),
      data: Int32Array.of(0, 1, 2, 3, 0),
      length: 5,
      nullCount: 1,
      nullBitmap: bitmapOf([0, 1, 2, 3, N]),
      dictionary: values,
    } as never);
    const t = batchOf({ d: keys as never });
    expect(ev(t, col('d').eq('c')).values).toEqual([false, false, N, true, N]);
    expect(ev(t, col('d').isNull()).values).toEqual([false, false, true, false, true]);
    expect(ev(t, col('d').fillNull('z')).values).toEqual(['a', 'b', 'z', 'c', 'z']);
  });

  it('arithmetic on strings and string comparisons of computed values are errors', () => {
    const e = (() => {
      try {
        ev(b, col('s').add(1));
      } catch (err) {
        return err;
      }
    })() as ColumnTypeError;
    expect(e).toBeInstanceOf(ColumnTypeError);
    expect(e.column).toBe('s');
    expect(e.actual).toBe('Utf8');
    expect(() => ev(b, col('s').eq(1))).toThrow(ColumnTypeError);
    expect(() => ev(b, col('s').fillNull('a').eq('a'))).toThrow(ExpressionError);
  });
});

describe('fn escape hatch', () => {
  const b = batchOf({ bid: f64([10, 20]), ask: f64([11, 22]) });

  it('a typed array result takes part in the expression', () => {
    const spread = fn(
      ({ bid, ask }) => {
        const x = bid.values as Float64Array;
        const y = ask.values as Float64Array;
        return Float64Array.from({ length: bid.length }, (_, i) => y[i] - x[i]);
      },
      { type: new Float64(), inputs: ['bid', 'ask'] },
    );
    expect(ev(b, spread.mul(100))).toEqual({ values: [100, 200], type: 'Float64' });
    expect(evaluate(b, { s: spread }).schema.fields[0].name).toBe('s');
  });

  it('a Data result with nulls, and pass-through when used alone', () => {
    const f = fn(() => i32([1, N]), { type: new Int32() });
    expect(ev(b, f.add(1)).values).toEqual([2, N]);
    expect(ev(b, f).values).toEqual([1, N]);
  });

  it('a wrong result or a missing input is an error', () => {
    expect(() => ev(b, fn(() => new Float64Array(1), { type: new Float64() }))).toThrow(ExpressionError);
    expect(() => ev(b, fn(() => i32([1, 2]), { type: new Float64() }))).toThrow(ExpressionError);
    expect(() => ev(b, fn(() => new Float64Array(2), { type: new Float64(), inputs: ['nope'] }))).toThrow(MissingColumnError);
  });
});

describe('errors', () => {
  const b = batchOf({ a: i32([1]), p: bool([true]), s: utf8(['x']) });

  it('unknown column: MissingColumnError naming it and listing the available ones', () => {
    const e = (() => {
      try {
        ev(b, col('nope').add(1));
      } catch (err) {
        return err;
      }
    })() as MissingColumnError;
    expect(e).toBeInstanceOf(MissingColumnError);
    expect(e.column).toBe('nope');
    expect(e.expected).toBe("one of 'a', 'p', 's'");
    expect(e.message).toMatch(/^select: Unknown column/);
  });

  it('logic on numbers, neg on unsigned, not on numbers', () => {
    expect(() => ev(b, col('a').and(col('p')))).toThrow(ColumnTypeError);
    expect(() => ev(b, col('a').not())).toThrow(ColumnTypeError);
    expect(() => ev(b, col('p').add(1))).toThrow(ColumnTypeError);
    expect(() => ev(b, col('a').eq(col('p')))).toThrow(ColumnTypeError);
    expect(() => ev(b, col('a').add(col('a').gt(0)))).toThrow(ExpressionError);
  });

  it('duplicate output names', () => {
    expect(() => parseItems('select', ['a', col('a')], true)).toThrow(ExpressionError);
  });
});

describe('batches', () => {
  it('sliced batches (offset ≠ 0) give the rows of the slice, Bool values and validity included', () => {
    const b = batchOf({
      a: i32([1, N, 3, 4, N, 6, 7, 8, 9, 10]),
      p: bool([true, false, N, true, false, true, N, false, true, true]),
      s: utf8(['a', 'b', N, 'd', 'e', 'f', 'g', N, 'i', 'j']),
      d: dict(['x', 'y', 'x', N, 'y', 'x', 'x', 'y', N, 'x']),
    });
    const exprs = {
      r: col('a').mul(2).fillNull(-1),
      q: col('p').and(col('a').gt(2)),
      t: col('s').eq('f').or(col('d').eq('y')),
      u: when(col('p')).then(col('s')).otherwise(col('d')),
    };
    const whole = evaluate(b, exprs);
    for (const [s, e] of [[3, 9], [1, 10], [7, 8], [5, 5]] as const) {
      const part = evaluate(b.slice(s, e), exprs);
      for (const name of Object.keys(exprs)) expect(column(part, name)).toEqual(column(whole, name).slice(s, e));
    }
  });

  it('an empty batch gives an empty batch with the right schema', () => {
    const b = batchOf({ a: i32([]), s: utf8([]), d: dict([]) });
    const out = evaluate(b, { x: col('a').add(1), y: col('s').fillNull('z'), z: col('d').eq('q'), w: col('d').fillNull('k') });
    expect(out.numRows).toBe(0);
    expect(out.schema.fields.map((f) => String(f.type))).toEqual(['Int32', 'Utf8', 'Bool', 'Dictionary<Int32, Utf8>']);
  });

  it('null-free and nullable batches of one schema use separate loop variants with the same results', () => {
    const plan = planSelect('select', batchOf({ a: i32([1]) }).schema, parseItems('select', [{ r: col('a').add(1) }], true));
    expect(column(plan.apply(batchOf({ a: i32([1, 2]) })), 'r')).toEqual([2, 3]);
    expect(column(plan.apply(batchOf({ a: i32([1, N]) })), 'r')).toEqual([2, N]);
    const clean = plan.apply(batchOf({ a: i32([5]) }));
    expect(clean.data.children[0].nullCount).toBe(0);
  });

  it('a pure pass-through shares the input column', () => {
    const b = batchOf({ a: i32([1, 2]), x: f64([1, 2]) });
    const out = evaluate(b, { x: col('x'), y: col('a') });
    expect(out.data.children[0]).toBe(b.data.children[1]);
    expect(out.data.children[1]).toBe(b.data.children[0]);
  });
});

describe('literals', () => {
  it('literal columns of every literal type', () => {
    const b = batchOf({ a: i32([1, 2]) });
    const out = evaluate(b, { n: lit(3), x: lit(2.5), t: lit(true), s: lit('k'), g: lit(5n), d: lit(new Date(1000)) });
    expect(column(out, 'n')).toEqual([3, 3]);
    expect(column(out, 'x')).toEqual([2.5, 2.5]);
    expect(column(out, 't')).toEqual([true, true]);
    expect(column(out, 's')).toEqual(['k', 'k']);
    expect(column(out, 'g')).toEqual([5, 5]);
    expect(rawBig(out, 'd')).toEqual([1_000_000_000n, 1_000_000_000n]);
    expect(out.schema.fields.map((f) => String(f.type))).toEqual(['Int32', 'Float64', 'Bool', 'Utf8', 'Int32', 'Timestamp<NANOSECOND>']);
  });

  it('NaN, infinities and -0 literals', () => {
    const b = batchOf({ x: f64([1, NaN]) });
    expect(ev(b, col('x').eq(NaN)).values).toEqual([false, true]);
    expect(ev(b, col('x').lt(Infinity)).values).toEqual([true, false]);
    expect(ev(b, col('x').mul(-0)).values.map((v) => Object.is(v, -0))).toEqual([true, false]);
    expect(ev(b, col('x').add(-Infinity)).values).toEqual([-Infinity, NaN]);
  });

  it('Int16 columns and literals', () => {
    const b = batchOf({ h: vectorFromArray([1, 32767], new Int16()).data[0] });
    expect(ev(b, col('h').add(1))).toEqual({ values: [2, -32768], type: 'Int16' });
  });
});
