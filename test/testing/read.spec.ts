import { describe, expect, it } from 'vitest';
import { DateDay, Field, Int32, Struct, Table, TimestampNanosecond, vectorFromArray } from 'apache-arrow';
import { NotARecordBatchError, SchemaChangeError } from '../../src/errors';
import { batch, formatValue, rows, split, table, toColumns, toRows } from '../../src/testing';

const b = batch(
  { ts: ['2024-01-01T00:00:00Z', '2024-01-01T00:00:01Z', null], sym: ['a', null, 'b'], px: [1.5, 2, null], ok: [true, false, null] },
  { ts: 'timestamp[ms]', sym: 'dictionary' },
);

describe('toColumns / toRows', () => {
  it('reads columns: timestamps as bigint in the unit, dictionaries decoded, nulls as null', () => {
    expect(toColumns(b)).toEqual({
      ts: [1704067200000n, 1704067201000n, null],
      sym: ['a', null, 'b'],
      px: [1.5, 2, null],
      ok: [true, false, null],
    });
  });

  it('reads rows as plain objects', () => {
    expect(toRows(b)).toEqual([
      { ts: 1704067200000n, sym: 'a', px: 1.5, ok: true },
      { ts: 1704067201000n, sym: null, px: 2, ok: false },
      { ts: null, sym: 'b', px: null, ok: null },
    ]);
  });

  it('reads an empty batch', () => {
    expect(toColumns(b.slice(1, 1))).toEqual({ ts: [], sym: [], px: [], ok: [] });
    expect(toRows(b.slice(1, 1))).toEqual([]);
  });

  it('reads sliced batches (offset ≠ 0), tables and lists concatenated', () => {
    expect(toColumns(b.slice(1, 3))).toEqual({ ts: [1704067201000n, null], sym: [null, 'b'], px: [2, null], ok: [false, null] });
    const whole = toColumns(b);
    expect(toColumns(table(split(b, [1, 2])))).toEqual(whole);
    expect(toColumns(split(b, [2]))).toEqual(whole);
    expect(toColumns([table(b.slice(0, 1)), b.slice(1)])).toEqual(whole);
    expect(toColumns([])).toEqual({});
    expect(toColumns(new Table())).toEqual({});
  });

  it('reads date[day] as numbers and 64-bit types as bigint', () => {
    const x = batch({ d: ['2024-01-01'], m: [5], i: [1n], u: [2n] }, { d: 'date[day]', m: 'date[ms]', i: 'int64', u: 'uint64' });
    expect(toColumns(x)).toEqual({ d: [19723], m: [5n], i: [1n], u: [2n] });
  });

  it('reads nested types through Arrow as plain values', () => {
    const structType = new Struct([new Field('a', new Int32()), new Field('b', new Int32())]);
    const x = batch({ s: [{ a: 1, b: 2 }, null] }, { s: structType });
    expect(toColumns(x).s).toEqual([{ a: 1, b: 2 }, null]);
  });

  it('reads batches built by Arrow itself', () => {
    const v = vectorFromArray(['x', 'y', 'x', null]);
    const t = new Table({ v });
    expect(toColumns(t).v).toEqual(['x', 'y', 'x', null]);
  });

  it('refuses lists whose column names change, and non-batches', () => {
    const e = (() => {
      try {
        toColumns([batch({ a: [1] }), batch({ b: [1] })]);
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(SchemaChangeError);
    expect(e).toMatchObject({ expected: 'columns [a]', actual: 'columns [b] in batch 1' });
    expect(() => toColumns({ a: [1] } as never)).toThrow(NotARecordBatchError);
    expect(() => toRows([b, 3] as never)).toThrow(/at index 1/);
  });

  it('round-trips through rows() with the same schema', () => {
    const again = rows(toRows(b), b.schema);
    expect(toColumns(again)).toEqual(toColumns(b));
  });
});

describe('formatValue', () => {
  it('formats values for messages, with ISO instants for time types', () => {
    expect(formatValue(null)).toBe('null');
    expect(formatValue('a')).toBe('"a"');
    expect(formatValue(-0)).toBe('-0');
    expect(formatValue(3n)).toBe('3n');
    expect(formatValue(1_000_000_001n, new TimestampNanosecond())).toBe('1000000001n (1970-01-01T00:00:01.000000001Z)');
    expect(formatValue(1, new DateDay())).toBe('1');
    expect(formatValue([1n, 'x'])).toBe('["1n","x"]');
    expect(formatValue(new Error('boom'))).toBe('Error: boom');
  });
});
