import { describe, expect, it } from 'vitest';
import { Schema, Field, Float64, Utf8, Int64, Float16 } from 'apache-arrow';
import * as aggs from '../../src/aggs/agg';
import { count, first, last, max, mean, min, parseAggs, resolveAggs, std, sum, variance } from '../../src/aggs/agg';
import { AGG_STATES } from '../../src/aggs/state';
import { ColumnTypeError, InvalidOptionError, MissingColumnError } from '../../src/errors';
import { col } from '../../src/expr';

describe('aggregation helpers', () => {
  it('return frozen descriptors { op, column, expr }; count() counts rows; var is variance', () => {
    expect(sum('x')).toEqual({ op: 'sum', column: 'x', expr: null });
    expect([mean('x'), min('x'), max('x'), std('x'), variance('x'), first('x'), last('x')].map((a) => a.op)).toEqual(['mean', 'min', 'max', 'std', 'var', 'first', 'last']);
    expect(count()).toEqual({ op: 'count', column: null, expr: null });
    expect(count('x')).toEqual({ op: 'count', column: 'x', expr: null });
    expect(aggs.var('x')).toEqual({ op: 'var', column: 'x', expr: null });
    expect(Object.isFrozen(sum('x'))).toBe(true);
  });

  it('take an expression: the descriptor holds its tree; a bare col() is the column', () => {
    const pv = col('price').mul(col('size'));
    expect(sum(pv)).toEqual({ op: 'sum', column: null, expr: pv.node });
    expect(mean(col('price'))).toEqual({ op: 'mean', column: 'price', expr: null });
    expect(count(pv)).toEqual({ op: 'count', column: null, expr: pv.node });
    expect(() => sum('')).toThrow(/expects a column name or an expression/);
    expect(() => sum(3 as unknown as string)).toThrow(InvalidOptionError);
  });

  it('parseAggs and resolveAggs check the option and the schema', () => {
    expect(() => parseAggs(null)).toThrow(InvalidOptionError);
    expect(() => parseAggs([sum('x')])).toThrow(InvalidOptionError);
    expect(() => parseAggs({ a: { op: 'sum', column: null } })).toThrow(/needs a column or an expression/);
    expect(() => parseAggs({ a: { op: 'sum', column: 'x', expr: col('y').node } })).toThrow(InvalidOptionError);
    const schema = new Schema([new Field('x', new Float64()), new Field('s', new Utf8()), new Field('i', new Int64()), new Field('h', new Float16())]);
    expect(resolveAggs(schema, parseAggs({ a: sum('i'), b: count(), c: mean('x'), d: max('x') }))).toEqual([
      { name: 'a', op: 'sum', column: 'i', index: 2, expr: null },
      { name: 'b', op: 'count', column: null, index: -1, expr: null },
      { name: 'c', op: 'mean', column: 'x', index: 0, expr: null },
      { name: 'd', op: 'max', column: 'x', index: 0, expr: null },
    ]);
    expect(() => resolveAggs(schema, parseAggs({ a: sum('nope') }))).toThrow(MissingColumnError);
    expect(() => resolveAggs(schema, parseAggs({ a: sum('s') }))).toThrow(ColumnTypeError);
    expect(() => resolveAggs(schema, parseAggs({ a: sum('h') }))).toThrow(ColumnTypeError);
    expect(() => resolveAggs(schema, parseAggs({ x: sum('x') }))).toThrow(InvalidOptionError);
  });
});

describe('reference incremental states', () => {
  it('remove undoes add (sum, mean, count, var, std), down to the empty state', () => {
    const xs = [3, -1, 7.5, 2, 2, 10];
    for (const op of ['sum', 'mean', 'count', 'var', 'std'] as const) {
      const st = AGG_STATES[op];
      const a = new Float64Array(st.stride);
      const b = new Float64Array(st.stride);
      st.init(a, 0);
      st.init(b, 0);
      for (const x of xs) st.add(a, 0, x);
      for (const x of xs.slice(0, 3)) st.remove!(a, 0, x);
      for (const x of xs.slice(3)) st.add(b, 0, x);
      expect(st.value(a, 0)!).toBeCloseTo(st.value(b, 0)!, 12);
      for (const x of xs.slice(3)) st.remove!(a, 0, x);
      expect(st.value(a, 0)).toEqual(op === 'sum' || op === 'count' ? 0 : null);
    }
  });

  it('var / std: ddof = 1, null under two values, accurate far from zero', () => {
    const st = AGG_STATES.var;
    const s = new Float64Array(3);
    st.init(s, 0);
    st.add(s, 0, 1e12 + 1);
    expect(st.value(s, 0)).toBeNull();
    st.add(s, 0, 1e12 + 2);
    st.add(s, 0, 1e12 + 3);
    expect(st.value(s, 0)).toBe(1);
    expect(AGG_STATES.min.remove).toBeUndefined();
  });
});
