import { describe, expect, it } from 'vitest';
import { type Data, Field, Float64, Int64, Schema, Utf8 } from 'apache-arrow';
import * as aggs from '../../src/aggs/agg';
import { count, max, mean, min, parseAggs, resolveAggs, sum } from '../../src/aggs/agg';
import { AggInputs } from '../../src/aggs/inputs';
import { ColumnTypeError, MissingColumnError } from '../../src/errors';
import { col } from '../../src/expr';
import { batch } from '../../src/testing';

describe('AggInputs', () => {
  const schema = new Schema([new Field('x', new Float64()), new Field('s', new Utf8()), new Field('i', new Int64())]);
  const resolve = (a: Record<string, aggs.Agg>) => resolveAggs(schema, parseAggs(a), 'source');

  it('reads each distinct column or expression once; count() has no input', () => {
    const e = col('x').mul(2);
    const inputs = new AggInputs('cumulative', schema, resolve({ a: sum('x'), b: count(), c: mean(e), d: max('x'), f: min(col('x').mul(2)), g: sum('i') }));
    expect(inputs.size).toBe(3);
    expect(inputs.columnOf).toEqual([0, -1, 1, 0, 1, 2]);
    const b = batch({ x: [1.5, null, 4], s: ['a', 'b', 'c'], i: [1n, 2n, 3n] }, { x: new Float64(), s: new Utf8(), i: new Int64() });
    const out: Data[] = [];
    inputs.read(b, out);
    expect(out[0]).toBe(b.data.children[0]);
    expect(out[2]).toBe(b.data.children[2]);
    expect(out[1].length).toBe(3);
    expect(out[1].nullCount).toBe(1);
    expect([...(out[1].values as Float64Array)].filter((_, k) => k !== 1)).toEqual([3, 8]);
  });

  it('rejects an expression over an unknown column, or of a non-numeric value, naming the expression', () => {
    expect(() => new AggInputs('rolling', schema, resolve({ a: sum(col('nope').add(1)) }), 'source')).toThrow(MissingColumnError);
    let err: unknown;
    try {
      new AggInputs('rolling', schema, resolve({ a: sum(col('x').gt(1)) }), 'source');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ColumnTypeError);
    expect(err).toMatchObject({ input: 'source', column: '(col("x") > 1)', actual: 'Bool' });
    expect(String((err as Error).message)).toMatch(/rolling: sum\(\) needs a numeric value/);
  });
});

