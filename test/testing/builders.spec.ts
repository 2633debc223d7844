import { describe, expect, it } from 'vitest';
import {
  Dictionary,
  DurationMillisecond,
  Field,
  Float64,
  Int16,
  Int32,
  List,
  RecordBatch,
  Schema,
  Table,
  TimeMicrosecond,
  TimestampMicrosecond,
  Utf8,
  tableFromIPC,
  tableToIPC,
  util,
} from 'apache-arrow';
import { ColumnTypeError, InvalidOptionError, MissingColumnError } from '../../src/errors';
import {
  DICTIONARY_ID_BASE,
  type Cell,
  type TypeShorthand,
  batch,
  batches,
  emptyBatch,
  expectBatchEqual,
  parseIsoNs,
  rows,
  split,
  table,
  toColumns,
  typeName,
} from '../../src/testing';

function catchError(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

const DAY_2024_01_01 = 19723;

/** Every shorthand with nulls: the input cells, the values read back, the type name. */
const SHORTHANDS: [TypeShorthand, Cell[], unknown[], string][] = [
  ['timestamp[s]', [1, null, 3n, new Date(5000), '1970-01-01T00:00:07Z'], [1n, null, 3n, 5n, 7n], 'Timestamp<s>'],
  ['timestamp[ms]', [1, null, new Date(2), '1970-01-01T00:00:00.003Z', undefined], [1n, null, 2n, 3n, null], 'Timestamp<ms>'],
  ['timestamp[us]', ['1970-01-01T00:00:00.000001Z', null, new Date(1), 7n], [1n, null, 1000n, 7n], 'Timestamp<us>'],
  [
    'timestamp[ns]',
    ['2024-01-01T00:00:00.000000001Z', null, 5n, '2024-01-01T01:00:00+01:00'],
    [1704067200000000001n, null, 5n, 1704067200000000000n],
    'Timestamp<ns>',
  ],
  ['timestamp[ns, UTC]', [1n, null], [1n, null], 'Timestamp<ns, UTC>'],
  ['timestamp[ms, America/New_York]', [null, 2], [null, 2n], 'Timestamp<ms, America/New_York>'],
  ['date[day]', [0, null, '2024-01-01', new Date(86_400_000), 2n], [0, null, DAY_2024_01_01, 1, 2], 'Date32<DAY>'],
  ['date[ms]', [0, null, '1970-01-02', new Date(5), 7n], [0n, null, 86_400_000n, 5n, 7n], 'Date64<MILLISECOND>'],
  ['int8', [-128, null, 127, 3n], [-128, null, 127, 3], 'Int8'],
  ['int16', [-32768, null, 32767], [-32768, null, 32767], 'Int16'],
  ['int32', [-(2 ** 31), null, 2 ** 31 - 1], [-(2 ** 31), null, 2 ** 31 - 1], 'Int32'],
  ['int64', [-(2n ** 63n), null, 5, 2n ** 63n - 1n], [-(2n ** 63n), null, 5n, 2n ** 63n - 1n], 'Int64'],
  ['uint8', [0, null, 255], [0, null, 255], 'Uint8'],
  ['uint16', [0, null, 65535], [0, null, 65535], 'Uint16'],
  ['uint32', [0, null, 2 ** 32 - 1], [0, null, 2 ** 32 - 1], 'Uint32'],
  ['uint64', [0, null, 2n ** 64n - 1n], [0n, null, 2n ** 64n - 1n], 'Uint64'],
  ['float32', [1.5, null, 0.1], [1.5, null, Math.fround(0.1)], 'Float32'],
  ['float64', [1.5, null, NaN, -0], [1.5, null, NaN, -0], 'Float64'],
  ['bool', [true, null, false, true], [true, null, false, true], 'Bool'],
  ['utf8', ['a', null, '', 'é€😀'], ['a', null, '', 'é€😀'], 'Utf8'],
  ['dictionary', ['a', null, 'b', 'a'], ['a', null, 'b', 'a'], 'Dictionary<Int32, Utf8>'],
  ['dictionary[int8]', ['x', 'y', null], ['x', 'y', null], 'Dictionary<Int8, Utf8>'],
];

describe('batch: shorthand types', () => {
  it.each(SHORTHANDS)('%s with nulls', (spec, cells, values, name) => {
    const b = batch({ c: cells }, { c: spec });
    expect(b).toBeInstanceOf(RecordBatch);
    expect(b.numRows).toBe(cells.length);
    const field = b.schema.fields[0];
    expect(typeName(field.type)).toBe(name);
    expect(field.nullable).toBe(true);
    expect(b.data.children[0].nullCount).toBe(values.filter((v) => v === null).length);
    expect(toColumns(b).c).toEqual(values);
  });

  it('builds the example of the docs', () => {
    const b = batch(
      { ts: [1, 2, 3], ticker: ['a', 'b', 'a'], px: [1.5, null, 2] },
      { ts: 'timestamp[ms]', ticker: 'dictionary', px: 'float64' },
    );
    expect(toColumns(b)).toEqual({ ts: [1n, 2n, 3n], ticker: ['a', 'b', 'a'], px: [1.5, null, 2] });
    const d = b.data.children[1];
    expect(Array.from(d.values as Int32Array)).toEqual([0, 1, 0]);
    expect(d.dictionary!.toArray()).toEqual(['a', 'b']);
  });

  it('stores timestamps as BigInt64Array and date[day] as Int32Array', () => {
    const b = batch({ t: [1, 2], d: [3, 4] }, { t: 'timestamp[ns]', d: 'date[day]' });
    expect(b.data.children[0].values).toBeInstanceOf(BigInt64Array);
    expect(b.data.children[1].values).toBeInstanceOf(Int32Array);
  });

  it('has no validity bitmap when there are no nulls', () => {
    const b = batch({ x: [1, 2], s: ['a', 'b'] });
    expect(b.data.children[0].nullCount).toBe(0);
    expect(b.data.children[1].nullCount).toBe(0);
  });
});

describe('batch: inference', () => {
  it('infers float64, int64, utf8, bool and timestamp[ms] from the first non-null value', () => {
    const b = batch({
      n: [null, 2.5],
      i: [1n, null],
      s: ['a', null],
      f: [null, true],
      t: [new Date(3), '1970-01-01T00:00:00.004Z'],
    } as Record<string, Cell[]>);
    expect(b.schema.fields.map((f) => typeName(f.type))).toEqual(['Float64', 'Int64', 'Utf8', 'Bool', 'Timestamp<ms>']);
    expect(toColumns(b)).toEqual({ n: [null, 2.5], i: [1n, null], s: ['a', null], f: [null, true], t: [3n, 4n] });
  });

  it('infers the columns the schema leaves out', () => {
    const b = batch({ ts: [1, 2], px: [1, 2] }, { ts: 'timestamp[s]' });
    expect(b.schema.fields.map((f) => typeName(f.type))).toEqual(['Timestamp<s>', 'Float64']);
  });

  it('refuses to infer an all-null or empty column, naming it', () => {
    const e1 = catchError(() => batch({ x: [null, null] }));
    expect(e1).toBeInstanceOf(ColumnTypeError);
    expect(e1).toMatchObject({ column: 'x', actual: 'only nulls' });
    expect(e1.message).toContain('a type for the column in the schema argument');
    expect(catchError(() => batch({ x: [] }))).toMatchObject({ column: 'x', actual: 'no values' });
  });

  it('infers from the first value, then rejects a value of another kind', () => {
    const e = catchError(() => batch({ x: [1, 'a'] }));
    expect(e).toBeInstanceOf(ColumnTypeError);
    expect(e).toMatchObject({ column: 'x', row: 1, expected: 'a number', actual: '"a" (string)' });
  });
});

describe('batch: values that do not fit', () => {
  const cases: [string, TypeShorthand, Cell[], number, RegExp][] = [
    ['int8 overflow', 'int8', [1, 128], 1, /integer in \[-128, 127\]/],
    ['fraction in an int', 'int32', [1.5], 0, /integer/],
    ['negative uint', 'uint8', [-1], 0, /integer in \[0, 255\]/],
    ['int64 beyond 64 bits', 'int64', [2n ** 63n], 0, /integer/],
    ['unsafe number for int64', 'int64', [2 ** 60], 0, /integer/],
    ['string in a float', 'float64', [1, '2'], 1, /a number/],
    ['number in a bool', 'bool', [true, 1], 1, /a boolean/],
    ['number in a utf8', 'utf8', ['a', 1], 1, /a string/],
    ['number in a dictionary', 'dictionary', ['a', 'b', 3], 2, /string/],
    ['milliseconds in timestamp[s]', 'timestamp[s]', [new Date(1500)], 0, /whole seconds/],
    ['fraction in timestamp[ms]', 'timestamp[ms]', [1.5], 0, /whole milliseconds/],
    ['invalid ISO string', 'timestamp[ms]', ['2024-02-30'], 0, /whole milliseconds/],
    ['not a date', 'timestamp[ms]', ['yesterday'], 0, /ISO string/],
    ['non-midnight in date[day]', 'date[day]', ['2024-01-01T12:00:00Z'], 0, /midnight/],
    ['Invalid Date', 'date[ms]', [new Date(NaN)], 0, /milliseconds/],
  ];
  it.each(cases)('%s throws ColumnTypeError naming column and row', (_label, spec, cells, row, expected) => {
    const e = catchError(() => batch({ c: cells }, { c: spec }));
    expect(e).toBeInstanceOf(ColumnTypeError);
    expect(e).toMatchObject({ column: 'c', row });
    expect((e as ColumnTypeError).expected).toMatch(expected);
    expect(e.message).toContain(`column 'c', row ${row}`);
  });

  it('refuses more distinct values than the dictionary index type holds', () => {
    const cells = Array.from({ length: 129 }, (_, i) => `v${i}`);
    const e = catchError(() => batch({ c: cells }, { c: 'dictionary[int8]' }));
    expect(e).toBeInstanceOf(ColumnTypeError);
    expect(e).toMatchObject({ column: 'c', row: 128 });
  });

  it('refuses an unknown shorthand', () => {
    const e = catchError(() => batch({ c: [1] }, { c: 'float' as TypeShorthand }));
    expect(e).toBeInstanceOf(InvalidOptionError);
    expect(e).toMatchObject({ option: 'schema', column: 'c' });
    expect(e.message).toContain("unknown type 'float'");
    expect(e.message).toContain("'timestamp[s|ms|us|ns]'");
  });

  it('refuses columns of different lengths', () => {
    const e = catchError(() => batch({ a: [1, 2], b: [1] }));
    expect(e).toBeInstanceOf(ColumnTypeError);
    expect(e).toMatchObject({ column: 'b', actual: '1' });
  });

  it('refuses a schema column without values, and a column outside a full Schema', () => {
    expect(catchError(() => batch({ a: [1] }, { a: 'int8', b: 'int8' }))).toMatchObject({ option: 'columns', column: 'b' });
    const schema = new Schema([new Field('a', new Float64())]);
    const e = catchError(() => batch({ a: [1], zz: [2] }, schema));
    expect(e).toBeInstanceOf(MissingColumnError);
    expect(e).toMatchObject({ column: 'zz' });
    expect(catchError(() => batch({}, schema))).toMatchObject({ option: 'columns', column: 'a' });
  });
});

describe('batch: Arrow types and schemas', () => {
  it('uses a full Schema as is, nullability included', () => {
    const schema = new Schema([new Field('ts', new TimestampMicrosecond('UTC'), false), new Field('x', new Float64(), true)]);
    const b = batch({ x: [1, null], ts: [1, 2] }, schema);
    expect(util.compareSchemas(b.schema, schema)).toBe(true);
    expect(b.schema.fields[0].nullable).toBe(false);
    expect(toColumns(b)).toEqual({ ts: [1n, 2n], x: [1, null] });
  });

  it('takes DataType and Field objects per column', () => {
    const dict = new Dictionary(new Utf8(), new Int16());
    const b = batch(
      { d: ['a', null, 'a'], t: [1, 2, 3], dur: [5n, null, 7], f: [1, 2, 3] },
      { d: dict, t: new TimeMicrosecond(), dur: new DurationMillisecond(), f: new Field('other', new Int32(), false) },
    );
    expect(b.schema.fields[0].type).toBe(dict);
    expect(b.schema.fields[3].name).toBe('f');
    expect(b.schema.fields[3].nullable).toBe(false);
    expect(toColumns(b)).toEqual({ d: ['a', null, 'a'], t: [1n, 2n, 3n], dur: [5n, null, 7n], f: [1, 2, 3] });
  });

  it('builds other types (List) with Arrow builders', () => {
    const b = batch({ l: [[1, 2], null, []] }, { l: new List(new Field('item', new Int32(), true)) });
    expect(toColumns(b).l).toEqual([[1, 2], null, []]);
  });

  it('builds dictionaries of non-string values', () => {
    const type = new Dictionary(new Float64(), new Int32()) as Dictionary;
    const b = batch({ d: [10, 20, null, 10] }, { d: type });
    expect(toColumns(b).d).toEqual([10, 20, null, 10]);
    expect(b.data.children[0].dictionary!.length).toBe(2);
    const e = catchError(() => batch({ d: [1, 2, 3n] }, { d: type }));
    expect(e).toBeInstanceOf(ColumnTypeError);
    expect(e).toMatchObject({ column: 'd', row: 2, actual: '3n' });
    expect((e as ColumnTypeError).expected).toContain('dictionary values of type Float64');
  });
});

describe('dictionary types of the shorthand', () => {
  const spec = { ts: 'timestamp[ms]', a: 'dictionary', b: 'dictionary' } as const;

  it('are shared by separate batch() calls (same id), so schemas compare equal', () => {
    const x = batch({ ts: [1], a: ['p'], b: ['q'] }, spec);
    const y = batch({ ts: [2], a: ['r'], b: ['s'] }, spec);
    expect(util.compareSchemas(x.schema, y.schema)).toBe(true);
    const t = new Table([x, y]);
    expect(toColumns(t)).toEqual({ ts: [1n, 2n], a: ['p', 'r'], b: ['q', 's'] });
  });

  it('differ between the columns of one batch (distinct ids from the reserved range)', () => {
    const x = batch({ ts: [1], a: ['p'], b: ['q'] }, spec);
    const ids = x.schema.fields.slice(1).map((f) => (f.type as Dictionary).id);
    expect(ids[0]).not.toBe(ids[1]);
    for (const id of ids) expect(id).toBeGreaterThanOrEqual(DICTIONARY_ID_BASE);
    expect(x.dictionaries.size).toBe(2);
  });

  it('survive an IPC round trip with several batches and dictionary columns', () => {
    const t = table(batches({ ts: [1, 2, 3], a: ['p', 'q', 'p'], b: ['u', 'v', 'w'] }, spec, [1, 2]));
    const back = tableFromIPC(tableToIPC(t, 'stream'));
    expect(toColumns(back)).toEqual({ ts: [1n, 2n, 3n], a: ['p', 'q', 'p'], b: ['u', 'v', 'w'] });
  });
});

describe('rows', () => {
  it('gives the same batch as the column form', () => {
    const spec = { ts: 'timestamp[ms]', ticker: 'dictionary', px: 'float64' } as const;
    const fromRows = rows(
      [
        { ts: 1, ticker: 'a', px: 1.5 },
        { ts: 2, ticker: 'b', px: null },
        { ts: 3, ticker: 'a', px: 2 },
      ],
      spec,
    );
    const fromCols = batch({ ts: [1, 2, 3], ticker: ['a', 'b', 'a'], px: [1.5, null, 2] }, spec);
    expect(util.compareSchemas(fromRows.schema, fromCols.schema)).toBe(true);
    expectBatchEqual(fromRows, fromCols);
  });

  it('treats missing keys as null and orders columns by first appearance', () => {
    const b = rows([{ a: 1 }, { b: 'x', a: 2 }, {}]);
    expect(b.schema.fields.map((f) => f.name)).toEqual(['a', 'b']);
    expect(toColumns(b)).toEqual({ a: [1, 2, null], b: [null, 'x', null] });
  });

  it('adds schema columns that no row has, as nulls', () => {
    const b = rows([{ a: 1 }], { a: 'int32', z: 'utf8' });
    expect(toColumns(b)).toEqual({ a: [1], z: [null] });
  });

  it('builds an empty batch from a schema', () => {
    const b = rows([], { ts: 'timestamp[ns]', px: 'float64' });
    expect(b.numRows).toBe(0);
    expect(b.schema.fields.map((f) => typeName(f.type))).toEqual(['Timestamp<ns>', 'Float64']);
    expectBatchEqual(emptyBatch({ ts: 'timestamp[ns]', px: 'float64' }), b);
  });

  it('follows a full Schema and rejects keys outside it, naming the row', () => {
    const schema = new Schema([new Field('a', new Int32())]);
    expect(toColumns(rows([{ a: 1 }, {}], schema))).toEqual({ a: [1, null] });
    const e = catchError(() => rows([{ a: 1 }, { b: 2 }], schema));
    expect(e).toBeInstanceOf(MissingColumnError);
    expect(e).toMatchObject({ column: 'b', row: 1 });
  });

  it('names the row of a bad value', () => {
    expect(catchError(() => rows([{ a: 1 }, { a: 'x' }]))).toMatchObject({ column: 'a', row: 1 });
  });
});

describe('table', () => {
  it('builds from columns, a batch or a list of batches', () => {
    const b = batch({ x: [1, 2, 3] });
    expect(table({ x: [1, 2, 3] })).toBeInstanceOf(Table);
    expect(table(b).numRows).toBe(3);
    const t = table(split(b, [1]));
    expect(t.batches.map((p) => p.numRows)).toEqual([1, 2]);
    expect(toColumns(t)).toEqual({ x: [1, 2, 3] });
    expect(table({ ts: [1n] }, { ts: 'timestamp[ns]' }).schema.fields[0].type.toString()).toContain('NANOSECOND');
  });
});

describe('split and batches', () => {
  const all = batch(
    {
      ts: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      b: [true, null, false, true, true, false, null, true, false, true],
      s: ['a', 'bb', null, 'dddd', '', 'f', 'g', null, 'i', 'j'],
      d: ['x', 'y', 'x', null, 'y', 'z', 'x', 'y', null, 'x'],
      n: [1, null, 3, 4, null, 6, 7, 8, 9, null],
    },
    { ts: 'timestamp[ns]', d: 'dictionary', n: 'int16' },
  );

  it('cuts at row indices into zero-copy slices read back correctly (offset ≠ 0)', () => {
    const parts = split(all, [3, 3, 7]);
    expect(parts.map((p) => p.numRows)).toEqual([3, 0, 4, 3]);
    expect(parts[2].data.children[0].offset).toBe(3);
    expect(parts[2].data.children[0].values.buffer).toBe(all.data.children[0].values.buffer);
    const expected = toColumns(all);
    const got = parts.map((p) => toColumns(p));
    for (const name of Object.keys(expected)) expect(got.flatMap((c) => c[name])).toEqual(expected[name]);
    expect(toColumns(parts[2])).toEqual({ ts: [4n, 5n, 6n, 7n], b: [true, true, false, null], s: ['dddd', '', 'f', 'g'], d: [null, 'y', 'z', 'x'], n: [4, null, 6, 7] });
  });

  it('gives one batch with no cuts and handles cuts at the ends', () => {
    expect(split(all, []).map((p) => p.numRows)).toEqual([10]);
    expect(split(all, [0, 10]).map((p) => p.numRows)).toEqual([0, 10, 0]);
  });

  it('rejects unsorted or out-of-range cuts', () => {
    for (const cuts of [[5, 2], [11], [-1], [1.5]]) {
      const e = catchError(() => split(all, cuts));
      expect(e).toBeInstanceOf(InvalidOptionError);
      expect(e).toMatchObject({ option: 'cuts' });
    }
  });

  it('batches() builds then cuts by sizes', () => {
    const parts = batches({ x: [1, 2, 3, 4] }, { x: 'int32' }, [2, 0, 2]);
    expect(parts.map((p) => p.numRows)).toEqual([2, 0, 2]);
    expect(parts.map((p) => toColumns(p).x)).toEqual([[1, 2], [], [3, 4]]);
    const e = catchError(() => batches({ x: [1, 2, 3] }, undefined, [1, 1]));
    expect(e).toBeInstanceOf(InvalidOptionError);
    expect(e).toMatchObject({ option: 'sizes', expected: '3' });
    expect(catchError(() => batches({ x: [1] }, undefined, [-1, 2]))).toMatchObject({ option: 'sizes' });
    expect(batches({ x: [] }, { x: 'int8' }, [])).toEqual([]);
  });
});

describe('parseIsoNs', () => {
  it('parses dates, times, fractions up to ns and offsets; reads a missing zone as UTC', () => {
    expect(parseIsoNs('1970-01-01')).toBe(0n);
    expect(parseIsoNs('1970-01-01T00:00:01')).toBe(1_000_000_000n);
    expect(parseIsoNs('1970-01-01 00:00:00.5Z')).toBe(500_000_000n);
    expect(parseIsoNs('1970-01-01T00:00:00.123456789Z')).toBe(123_456_789n);
    expect(parseIsoNs('1970-01-01T01:00:00+01:00')).toBe(0n);
    expect(parseIsoNs('1969-12-31T19:00:00-0500')).toBe(0n);
    expect(parseIsoNs('0050-01-01T00:00:00Z')).toBe(BigInt(Date.parse('0050-01-01T00:00:00Z')) * 1_000_000n);
    expect(parseIsoNs('2024-02-30')).toBeUndefined();
    expect(parseIsoNs('2024-01-01T25:00')).toBeUndefined();
    expect(parseIsoNs('soon')).toBeUndefined();
  });
});
