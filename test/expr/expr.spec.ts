import { Float64, Int32, type RecordBatch, TimeUnit } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ExpressionError } from '../../src/errors';
import { Expr, Then, col, fn, lit, when } from '../../src/expr';
import { parseItems, planSelect, schemaKey, SchemaCache } from '../../src/expr/plan';
import { Program } from '../../src/expr/program';
import { batchOf, column, dict, f64, i32, ts } from './helpers';

const sel = (b: RecordBatch, e: Expr): unknown[] =>
  column(planSelect('select', b.schema, parseItems('select', [{ r: e }], true)).apply(b), 'r');

describe('Expr construction', () => {
  it('renders readably', () => {
    expect(col('bid').add(col('ask')).div(2).toString()).toBe('((col("bid") + col("ask")) / 2)');
    expect(col('a').gt(1).and(col('b').isNotNull()).not().toString()).toBe('~((col("a") > 1) & col("b").isNotNull())');
    expect(when(col('p')).then(1).otherwise(lit(null)).toString()).toBe('when(col("p")).then(1).otherwise(null)');
    expect(col('x').cast(new Float64()).alias('y').toString()).toBe('col("x").cast(Float64).alias("y")');
    expect(lit(5n).neg().toString()).toBe('-5n');
    expect(col('s').eq('a').toString()).toBe('(col("s") == "a")');
  });

  it('names outputs like polars: the alias, else the left-most column', () => {
    expect(col('bid').add(col('ask')).outputName).toBe('bid');
    expect(lit(1).add(col('a')).outputName).toBe('literal');
    expect(col('a').alias('z').mul(2).outputName).toBe('z');
    expect(when(col('p')).then(col('q')).otherwise(col('r')).outputName).toBe('q');
    expect(fn(() => new Float64Array(0), { type: new Float64(), inputs: ['a'] }).outputName).toBe('a');
    expect(fn(() => new Float64Array(0), { type: new Float64(), name: 'f' }).outputName).toBe('f');
  });

  it('rejects what is not an expression or a literal', () => {
    expect(() => col('a').add(undefined as never)).toThrow(ExpressionError);
    expect(() => col('a').add({} as never)).toThrow(ExpressionError);
    expect(() => lit(new Date(NaN))).toThrow(ExpressionError);
    expect(() => lit(2n ** 64n)).toThrow(ExpressionError);
    expect(() => col(3 as never)).toThrow(ExpressionError);
    expect(() => col('a').alias('')).toThrow(ExpressionError);
    expect(() => fn(3 as never, { type: new Int32() })).toThrow(ExpressionError);
    expect(() => fn(() => new Int32Array(0), {} as never)).toThrow(ExpressionError);
  });

  it('when().then() is an expression; chained when without otherwise gives null', () => {
    const b = batchOf({ x: i32([1, 2, 3]) });
    const t = when(col('x').eq(1)).then(10);
    expect(t).toBeInstanceOf(Then);
    expect(t).toBeInstanceOf(Expr);
    expect(sel(b, t)).toEqual([10, null, null]);
    expect(sel(b, t.when(col('x').eq(2)).then(20))).toEqual([10, 20, null]);
    expect(sel(b, t.when(col('x').eq(2)).then(20).otherwise(30))).toEqual([10, 20, 30]);
  });

  it('bare values are literals, also in when branches and fillNull', () => {
    const b = batchOf({ x: f64([1, null]) });
    expect(sel(b, col('x').fillNull(-1))).toEqual([1, -1]);
    expect(sel(b, when(true).then('yes').otherwise('no'))).toEqual(['yes', 'yes']);
  });
});

describe('compilation', () => {
  it('the variant of a null-free batch reads no validity bitmap', () => {
    const b = batchOf({ a: i32([1]), x: f64([2]) });
    const p = new Program('select', b.schema, [{ name: 'r', node: col('a').add(col('x')).gt(0).node }], 'values');
    const clean = p.sourceFor([0, 0]);
    expect(clean).not.toMatch(/b0\[|b1\[/);
    expect(clean).not.toMatch(/\.get\(/);
    const nullable = p.sourceFor([1, 0]);
    expect(nullable).toMatch(/b0\[/);
    expect(nullable).not.toMatch(/b1\[/);
  });

  it('caches plans per schema object and per structurally equal schema', () => {
    let builds = 0;
    const cache = new SchemaCache((s) => ({ s, n: ++builds }));
    const a = batchOf({ a: i32([1]) });
    const a2 = batchOf({ a: i32([2]) });
    const other = batchOf({ a: f64([1]) });
    const pa = cache.get(a.schema);
    expect(cache.get(a.schema)).toBe(pa);
    expect(cache.get(a2.schema)).toBe(pa);
    expect(cache.get(other.schema)).not.toBe(pa);
    expect(builds).toBe(2);
    expect(schemaKey(a.schema)).toBe(schemaKey(a2.schema));
    expect(schemaKey(batchOf({ d: dict(['x']) }).schema)).not.toBe(schemaKey(batchOf({ d: dict(['x']) }).schema));
    expect(schemaKey(batchOf({ t: ts(TimeUnit.SECOND, [1n], 'UTC') }).schema)).not.toBe(
      schemaKey(batchOf({ t: ts(TimeUnit.SECOND, [1n]) }).schema),
    );
  });

  it('dictionary comparisons follow each batch own dictionary (replacement dictionaries)', () => {
    const first = batchOf({ d: dict(['x', 'y', 'x']) });
    const plan = planSelect('select', first.schema, parseItems('select', [{ e: col('d').eq('x'), f: col('d').fillNull('y') }], true));
    expect(column(plan.apply(first), 'e')).toEqual([true, false, true]);
    // Same schema object, another dictionary with other key assignments.
    const second = first.slice(0, 0);
    const replaced = batchOf({ d: dict(['y', 'y', 'x', null]) });
    const withSchema = new (first.constructor as typeof import('apache-arrow').RecordBatch)(first.schema, replaced.data);
    expect(column(plan.apply(withSchema), 'e')).toEqual([false, false, true, null]);
    expect(column(plan.apply(withSchema), 'f')).toEqual(['y', 'y', 'x', 'y']);
    expect(plan.apply(second).numRows).toBe(0);
  });
});
