import { Float64, Int32, type RecordBatch, TimeUnit } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ExpressionError } from '../../src/errors';
import { Expr, Then, col, fn, lit, when } from '../../src/expr';
import { parseItems, planFilter, planSelect, planWithColumns, schemaKey, SchemaCache } from '../../src/expr/plan';
import { Program } from '../../src/expr/program';
import { batchOf, bool, column, dict, f64, i32, plain, ts, u8 } from './helpers';

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

  it('shares a generated loop between programs of the same expression and types, not across types', () => {
    const node = col('a').add(col('x')).mul(2).node;
    const b = batchOf({ a: i32([1]), x: f64([2]) });
    const b2 = batchOf({ a: i32([3]), x: f64([4]) });
    const wide = batchOf({ a: f64([1]), x: f64([2]) });
    const p1 = new Program('withColumns', b.schema, [{ name: 'r', node }], 'values');
    const p2 = new Program('withColumns', b2.schema, [{ name: 'r', node }], 'values');
    const p3 = new Program('withColumns', wide.schema, [{ name: 'r', node }], 'values');
    // a second program (another operator instance, the next run of a chain) reuses the loop
    expect(p2.loopFor([0, 0])).toBe(p1.loopFor([0, 0]));
    expect(p2.loopFor([1, 0])).toBe(p1.loopFor([1, 0]));
    expect(p1.loopFor([1, 0])).not.toBe(p1.loopFor([0, 0]));
    // the same source over an Int32 instead of a Float64 column keeps its own loop (monomorphic)
    expect(p3.sourceFor([0, 0])).toBe(p1.sourceFor([0, 0]));
    expect(p3.loopFor([0, 0])).not.toBe(p1.loopFor([0, 0]));
    expect(sel(b, col('a').add(col('x')).mul(2))).toEqual([6]);
    expect(sel(wide, col('a').add(col('x')).mul(2))).toEqual([6]);
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

describe('per-batch evaluation', () => {
  const wc = (b: RecordBatch, items: Record<string, Expr>) => planWithColumns('withColumns', b.schema, parseItems('withColumns', [items], false));

  it('picks the loop variant per batch null pattern, with more slots than a numeric key holds', () => {
    // 30 columns: the null-pattern key falls back to a string.
    const cols = (nullAt: number): Record<string, ReturnType<typeof i32>> =>
      Object.fromEntries(Array.from({ length: 30 }, (_, k) => [`c${k}`, i32(k === nullAt ? [null, k] : [k, k])]));
    const sum = Array.from({ length: 30 }, (_, k) => col(`c${k}`)).reduce((a, b) => a.add(b));
    const clean = batchOf(cols(-1));
    const plan = wc(clean, { s: sum });
    const keep = planFilter('filter', clean.schema, sum.gt(0).node);
    const total = (30 * 29) / 2;
    for (const nullAt of [-1, 0, 29, -1, 17]) {
      const b = new (clean.constructor as typeof import('apache-arrow').RecordBatch)(clean.schema, batchOf(cols(nullAt)).data);
      expect(column(plan.apply(b), 's'), `null in c${nullAt}`).toEqual([nullAt >= 0 ? null : total, total]);
      expect(keep.apply(b).numRows).toBe(nullAt >= 0 ? 1 : 2);
    }
  });

  it('allocates UInt8 and Bool outputs at their sizes (bytes vs bits)', () => {
    const b = batchOf({ u: u8([1, 2, 250, null, 7, 8, 9, 10, 11, 12]), f: bool([true, false, null, true, true, false, true, false, true, true]) });
    const out = wc(b, { v: col('u').add(10), g: col('f').not(), h: col('u').gt(5) }).apply(b);
    expect(out.schema.fields.map((f) => String(f.type))).toEqual(['Uint8', 'Bool', 'Uint8', 'Bool', 'Bool']);
    expect(out.data.children[2].values).toBeInstanceOf(Uint8Array);
    expect(out.data.children[2].values.length).toBe(10);
    expect(out.data.children[3].values.length).toBe(2);
    expect(column(out, 'v')).toEqual([11, 12, 4, null, 17, 18, 19, 20, 21, 22]);
    expect(column(out, 'g')).toEqual([false, true, null, false, false, true, false, true, false, false]);
    expect(column(out, 'h')).toEqual([false, false, true, null, true, true, true, true, true, true]);
  });

  it('outputs of successive batches are independent buffers (shared slabs, no reuse)', () => {
    const rows = (k: number) => batchOf({ x: f64(Array.from({ length: 100 }, (_, i) => (i % 9 === 0 ? null : i + k))) });
    const first = rows(0);
    const plan = wc(first, { y: col('x').mul(2) });
    const keep = planFilter('filter', first.schema, col('x').gt(3).and(col('x').lt(90)).node);
    const outs = [0, 1000, 2000].map((k) => {
      const b = new (first.constructor as typeof import('apache-arrow').RecordBatch)(first.schema, rows(k).data);
      return [plan.apply(b), keep.apply(b)] as const;
    });
    const snapshot = outs.map(([p, f]) => [plain(p), plain(f)]);
    // More batches after: earlier outputs are unchanged.
    for (let k = 0; k < 50; k++) plan.apply(keep.apply(rows(k)));
    expect(outs.map(([p, f]) => [plain(p), plain(f)])).toEqual(snapshot);
    expect(snapshot[0][0].y).toEqual(Array.from({ length: 100 }, (_, i) => (i % 9 === 0 ? null : 2 * i)));
    expect(snapshot[0][1].x).toEqual(Array.from({ length: 100 }, (_, i) => i).filter((i) => i % 9 !== 0 && i > 3 && i < 90));
    expect(snapshot[1][1].x).toEqual([]);
  });

  it('the reused selection buffer grows with the batch and serves smaller ones after', () => {
    const b = (n: number) => batchOf({ x: i32(Array.from({ length: n }, (_, i) => i)) });
    const first = b(3);
    const keep = planFilter('filter', first.schema, col('x').neq(1).node);
    const like = (x: RecordBatch) => new (first.constructor as typeof import('apache-arrow').RecordBatch)(first.schema, x.data);
    for (const n of [3, 1000, 5, 5000, 2]) {
      const out = keep.apply(like(b(n)));
      expect(column(out, 'x'), `n=${n}`).toEqual(Array.from({ length: n }, (_, i) => i).filter((i) => i !== 1));
    }
  });
});
