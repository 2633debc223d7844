import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  Data,
  Decimal,
  Vector,
  Dictionary,
  Field,
  Int,
  Int8,
  Int32,
  List,
  Schema,
  Struct,
  TimestampMillisecond,
  TimestampNanosecond,
  Utf8,
  RecordBatch,
  Timestamp,
  TimeUnit,
  makeData,
  tableFromIPC,
  tableToIPC,
  Table,
  vectorFromArray,
  type DataType,
} from 'apache-arrow';
import { ColumnTypeError, InvalidOptionError, SchemaChangeError } from '../../src/errors';
import { concatBatches, concatData, sameType } from '../../src/batch/concat';
import { sameType as matcherSameType } from '../../src/testing/match';
import { DICT_TYPE, allTypesBatch, batchOf, dictData, fixedData, ipcRoundTrip, plain, plainColumns, varData } from './fixtures';
import { soak } from '../helpers/soak';

const WORDS = ['alpha', 'b', '', 'çé', 'delta-long-string-value', 'x'];

function concatPlain(parts: RecordBatch[]): Record<string, unknown[]> {
  const cols = parts.map(plainColumns);
  return Object.fromEntries(Object.keys(cols[0]).map((k) => [k, cols.flatMap((c) => c[k])]));
}

function caught(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

describe('sameType', () => {
  it('compares parameters, not classes or dictionary ids', () => {
    expect(sameType(new Int32(), new Int(true, 32))).toBe(true);
    expect(sameType(new Int32(), new Int(false, 32))).toBe(false);
    expect(sameType(new TimestampNanosecond(), new Timestamp(TimeUnit.NANOSECOND))).toBe(true);
    expect(sameType(new TimestampNanosecond('UTC'), new TimestampNanosecond())).toBe(false);
    expect(sameType(new TimestampMillisecond(), new TimestampNanosecond())).toBe(false);
    expect(sameType(new Dictionary(new Utf8(), new Int32()), new Dictionary(new Utf8(), new Int32()))).toBe(true);
    expect(sameType(new Dictionary(new Utf8(), new Int32()), new Dictionary(new Utf8(), new Int8()))).toBe(false);
    const s = (name: string) => new Struct([new Field(name, new Int32(), true)]);
    expect(sameType(s('a'), s('a'))).toBe(true);
    expect(sameType(s('a'), s('b'))).toBe(false);
  });

  it('is symmetric in classes, compares Decimal precision and scale, and takes a null and an absent time zone alike', () => {
    expect(sameType(new Int(true, 32), new Int32())).toBe(true);
    expect(sameType(new Decimal(2, 10, 128), new Decimal(2, 12, 128))).toBe(false);
    expect(sameType(new Decimal(2, 10, 128), new Decimal(3, 10, 128))).toBe(false);
    expect(sameType(new Decimal(2, 10, 128), new Decimal(2, 10, 128))).toBe(true);
    expect(sameType(new Timestamp(TimeUnit.NANOSECOND, null), new Timestamp(TimeUnit.NANOSECOND))).toBe(true);
  });

  it('ignores dictionary ids at any depth, and nested nullability unless asked', () => {
    const listOf = (nullable: boolean) => new List(new Field('item', new Dictionary(new Utf8(), new Int32()), nullable));
    expect(sameType(listOf(true), listOf(true))).toBe(true);
    expect(sameType(listOf(true), listOf(false))).toBe(true);
    expect(sameType(listOf(true), listOf(false), true)).toBe(false);
    expect(sameType(listOf(false), listOf(false), true)).toBe(true);
  });

  it('types read back from IPC equal the written ones', () => {
    const b = allTypesBatch(4);
    const [back] = ipcRoundTrip([b]);
    b.schema.fields.forEach((f, j) => {
      expect(sameType(f.type, back.schema.fields[j].type, true), f.name).toBe(true);
      expect(sameType(back.schema.fields[j].type, f.type, true), f.name).toBe(true);
    });
  });

  it('is the matcher\'s sameType too (weir/testing), with nested nullability compared', () => {
    const listOf = (nullable: boolean) => new List(new Field('item', new Int32(), nullable));
    const pairs: [DataType, DataType][] = [
      [new Int32(), new Int(true, 32)],
      [new Int(true, 32), new Int32()],
      [new Decimal(2, 10, 128), new Decimal(2, 12, 128)],
      [new TimestampNanosecond('UTC'), new TimestampNanosecond()],
      [new Dictionary(new Utf8(), new Int32()), new Dictionary(new Utf8(), new Int32())],
      [listOf(true), listOf(false)],
      [listOf(true), listOf(true)],
    ];
    for (const [a, b] of pairs) expect(matcherSameType(a, b), `${a} ${b}`).toBe(sameType(a, b, true));
  });
});

describe('concatBatches', () => {
  const batch = allTypesBatch(40);
  const all = plainColumns(batch);

  it('concatenates slices (byte-aligned and not) back into the original rows, every column type', () => {
    const parts = [batch.slice(0, 3), batch.slice(3, 11), batch.slice(11, 16), batch.slice(16, 40)];
    const out = concatBatches(parts);
    expect(out.numRows).toBe(40);
    expect(plainColumns(out)).toEqual(all);
    // New contiguous buffers at offset 0.
    for (const c of out.data.children) expect(c.offset).toBe(0);
    out.schema.fields.forEach((f, j) => expect(f.type).toBe(batch.schema.fields[j].type));
  });

  it('returns a single batch as is', () => {
    expect(concatBatches([batch])).toBe(batch);
  });

  it('skips empty batches, and returns the only non-empty one without copying', () => {
    const s = batch.slice(5, 9);
    const out = concatBatches([batch.slice(0, 0), s, batch.slice(9, 9)]);
    expect(plainColumns(out)).toEqual(plainColumns(s));
    expect(out.data.children[1].values).toBe(s.data.children[1].values);
  });

  it('gives a zero-row batch for no batches with a schema; InvalidOptionError without', () => {
    const out = concatBatches([], batch.schema);
    expect(out.numRows).toBe(0);
    expect(out.schema.fields.map((f) => f.name)).toEqual(batch.schema.fields.map((f) => f.name));
    expect(concatBatches([batch.slice(0, 0), batch.slice(3, 3)]).numRows).toBe(0);
    const e = caught(() => concatBatches([]));
    expect(e).toBeInstanceOf(InvalidOptionError);
    expect((e as InvalidOptionError).option).toBe('batches');
  });

  it('concatenates IPC round-tripped batches (Int_ classes, new dictionary ids) with in-memory ones', () => {
    const back = ipcRoundTrip([batch.slice(0, 20), batch.slice(20)]);
    const out = concatBatches([...back, batch.slice(0, 5)]);
    expect(plainColumns(out)).toEqual(concatPlain([batch, batch.slice(0, 5)]));
    out.schema.fields.forEach((f, j) => expect(f.type).toBe(back[0].schema.fields[j].type));
    // And the result survives a round trip itself.
    const again = tableFromIPC(tableToIPC(new Table(out)));
    expect(again.numRows).toBe(45);
  });

  it('keeps the keys and the dictionary when all batches share one dictionary', () => {
    const out = concatBatches([batch.slice(0, 7), batch.slice(7)]);
    const j = batch.schema.fields.findIndex((f) => f.name === 'dict');
    expect(out.data.children[j].dictionary).toBe(batch.data.children[j].dictionary);
  });

  it('keeps the first dictionary when dictionaries differ by object but not by content', () => {
    const a = allTypesBatch(10, 1);
    const b = allTypesBatch(10, 2);
    const j = a.schema.fields.findIndex((f) => f.name === 'dict');
    expect(a.data.children[j].dictionary).not.toBe(b.data.children[j].dictionary);
    const out = concatBatches([a, b]);
    expect(out.data.children[j].dictionary).toBe(a.data.children[j].dictionary);
    expect(plainColumns(out)).toEqual(concatPlain([a, b]));
  });

  it('unifies differing dictionaries into one, with one Dictionary type object', () => {
    const a = allTypesBatch(12, 1, WORDS);
    const b = allTypesBatch(12, 2, [...WORDS].reverse().concat(['unused']));
    const c = allTypesBatch(12, 3, ['zz', ...WORDS]);
    const out = concatBatches([a.slice(1, 12), b, c.slice(3)]);
    expect(plainColumns(out)).toEqual(concatPlain([a.slice(1, 12), b, c.slice(3)]));
    const j = a.schema.fields.findIndex((f) => f.name === 'dict');
    const dict = plain(out.data.children[j].dictionary!.data[0]);
    expect(new Set(dict).size).toBe(dict.length); // no repeated values
    expect(dict).toEqual([...WORDS, 'unused', 'zz']); // first appearance over the dictionaries
    expect(out.schema.fields[j].type).toBe(a.schema.fields[j].type);
    expect(out.data.children[j].type).toBe(a.schema.fields[j].type);
  });

  it('concatenates batches read from a stream with replacement dictionaries', () => {
    const a = allTypesBatch(9, 1, WORDS);
    const b = allTypesBatch(9, 2, ['q', ...WORDS.slice(3), ...WORDS.slice(0, 3)]);
    const back = ipcRoundTrip([a, b, b.slice(2, 5)]);
    const j = a.schema.fields.findIndex((f) => f.name === 'dict');
    expect(back[0].data.children[j].dictionary).not.toBe(back[1].data.children[j].dictionary);
    const out = concatBatches(back);
    expect(plainColumns(out)).toEqual(concatPlain([a, b, b.slice(2, 5)]));
  });

  it('unifies a multi-chunk (delta) dictionary with a single-chunk one', () => {
    const T = DICT_TYPE;
    const v1 = new Vector([varData(new Utf8(), ['a', 'b'])]);
    const v2 = v1.concat(new Vector([varData(new Utf8(), ['c', 'd'])]));
    const mk = (keys: number[], dictionary: Vector) =>
      batchOf({ k: new Data(T, 0, keys.length, 0, [undefined, Int32Array.from(keys), new Uint8Array(0)] as never, [], dictionary) });
    const out = concatBatches([mk([1, 0], v1), mk([3, 2, 0], v2)]);
    expect(plain(out.data.children[0])).toEqual(['b', 'a', 'd', 'c', 'a']);
    expect(plain(out.data.children[0].dictionary!.data[0])).toEqual(['a', 'b', 'c', 'd']);
    expect(out.data.children[0].dictionary!.data.length).toBe(1);
  });

  it('uses an explicit schema and its Dictionary type object, re-wrapping a single batch without copying', () => {
    const own = new Dictionary(new Utf8(), new Int32());
    const fields = batch.schema.fields.map((f) => (f.name === 'dict' ? new Field('dict', own, true) : f));
    const schema = new Schema(fields);
    const j = fields.findIndex((f) => f.name === 'dict');
    const one = concatBatches([batch], schema);
    expect(one.data.children[j].type).toBe(own);
    expect(one.data.children[j].values).toBe(batch.data.children[j].values);
    const two = concatBatches([batch.slice(0, 5), batch.slice(5)], schema);
    expect(two.schema.fields[j].type).toBe(own);
    expect(two.data.children[j].type).toBe(own);
    expect(plainColumns(two)).toEqual(all);
  });

  it('makes a field nullable when any batch has it nullable', () => {
    const x = (nullable: boolean) => {
      const d = fixedData(new Int32(), nullable ? [1, null] : [1, 2], Int32Array);
      return batchOf({ x: d }, nullable);
    };
    const out = concatBatches([x(false), x(true)]);
    expect(out.schema.fields[0].nullable).toBe(true);
    expect(plain(out.data.children[0])).toEqual([1, 2, 1, null]);
  });

  it('throws SchemaChangeError naming the column whose type, name or count differs', () => {
    const a = batchOf({ x: fixedData(new Int32(), [1], Int32Array), s: varData(new Utf8(), ['a']) });
    const typeChanged = batchOf({ x: fixedData(new Int32(), [1], Int32Array), s: fixedData(new Int32(), [1], Int32Array) });
    const e = caught(() => concatBatches([a, typeChanged]));
    expect(e).toBeInstanceOf(SchemaChangeError);
    expect((e as SchemaChangeError).column).toBe('s');
    expect((e as SchemaChangeError).expected).toBe('Utf8');
    expect((e as SchemaChangeError).actual).toBe('Int32');
    const renamed = batchOf({ x: fixedData(new Int32(), [1], Int32Array), t: varData(new Utf8(), ['a']) });
    expect((caught(() => concatBatches([a, renamed])) as SchemaChangeError).column).toBe('s');
    const fewer = batchOf({ x: fixedData(new Int32(), [1], Int32Array) });
    expect(caught(() => concatBatches([a, fewer]))).toBeInstanceOf(SchemaChangeError);
    expect(caught(() => concatBatches([a], fewer.schema))).toBeInstanceOf(SchemaChangeError);
  });

  it('throws ColumnTypeError when a unified dictionary overflows its index type', () => {
    const t = new Dictionary(new Utf8(), new Int8());
    const words = (p: string) => Array.from({ length: 100 }, (_, i) => `${p}${i}`);
    const a = batchOf({ k: dictData(t, words('a'), words('a')) });
    const b = batchOf({ k: dictData(t, words('b'), words('b')) });
    const e = caught(() => concatBatches([a, b]));
    expect(e).toBeInstanceOf(ColumnTypeError);
    expect((e as ColumnTypeError).column).toBe('k');
  });

  it('throws ColumnTypeError naming an unsupported column', () => {
    const listType = new List(new Field('item', new Int32(), true));
    const list = vectorFromArray([[1], [2, 3]], listType).data[0];
    const fields = [new Field('xs', listType, true)];
    const b = new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: 2, children: [list] }));
    const e = caught(() => concatBatches([b, b]));
    expect(e).toBeInstanceOf(ColumnTypeError);
    expect((e as ColumnTypeError).column).toBe('xs');
  });

  it('concatData joins column Data of one type', () => {
    const a = vectorFromArray(['a', null], new Utf8()).data[0];
    const b = vectorFromArray(['b'], new Utf8()).data[0];
    expect(plain(concatData(new Utf8(), [a.slice(1, 1), b, a]))).toEqual([null, 'b', 'a', null]);
    expect(concatData(new Utf8(), []).length).toBe(0);
    const e = caught(() => concatData(new Utf8(), [vectorFromArray([1], new Int32()).data[0]], 'c'));
    expect(e).toBeInstanceOf(ColumnTypeError);
    expect((e as ColumnTypeError).column).toBe('c');
  });

  it('concat(split(b)) equals b for any split of any slice (property)', () => {
    fc.assert(
      fc.property(fc.nat(40), fc.nat(40), fc.array(fc.nat(40), { maxLength: 5 }), (x, y, cuts) => {
        const [from, to] = x <= y ? [x, y] : [y, x];
        const s = batch.slice(from, to);
        const points = [0, ...cuts.map((c) => Math.min(c, to - from)).sort((p, q) => p - q), to - from];
        const parts = points.slice(1).map((p, i) => s.slice(points[i], p));
        expect(plainColumns(concatBatches(parts))).toEqual(plainColumns(s));
      }),
      { numRuns: soak(40) },
    );
  });

  it('concatenates batches with random differing dictionaries (property)', () => {
    const dictArb = fc.shuffledSubarray(['p', 'q', 'r'], { minLength: 0 }).chain((extra) =>
      fc.shuffledSubarray([...WORDS, ...extra], { minLength: WORDS.length + extra.length }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(8), dictArb), { minLength: 1, maxLength: 4 }), (specs) => {
        const parts = specs.map(([n, dict], i) => allTypesBatch(n, i, dict));
        const out = concatBatches(parts);
        expect(plainColumns(out)).toEqual(concatPlain(parts));
      }),
      { numRuns: soak(30) },
    );
  });

  it('keeps the DICT_TYPE of the fixtures (one type object across fixture batches)', () => {
    expect(allTypesBatch(1).schema.fields.find((f) => f.name === 'dict')!.type).toBe(DICT_TYPE);
  });
});
