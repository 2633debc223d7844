import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  Dictionary,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  LargeUtf8,
  Uint16,
  Uint32,
  Uint64,
  Utf8,
  Vector,
  Data,
  type DataType,
  type RecordBatch,
} from 'apache-arrow';
import { ColumnTypeError, InvalidOptionError, MissingColumnError, SchemaChangeError } from '../../src/errors';
import { KeyDictionary, KeyEncoder, NULL_CODE, keyKindOf } from '../../src/batch/keys';
import { batchOf, boolData, dictData, fixedData, ipcRoundTrip, plain, varData } from './fixtures';
import { soak } from '../helpers/soak';

const S = (values: (string | null)[]) => varData(new Utf8(), values);
const I32 = (values: (number | null)[]) => fixedData(new Int32(), values, Int32Array);
const codes = (x: Int32Array) => Array.from(x);

function caught(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

/** Reference codes: a Map of the joined key values in order of first appearance; null → -1. */
class Reference {
  readonly map = new Map<string, number>();
  encode(rows: (unknown[] | null)[]): number[] {
    return rows.map((r) => {
      if (r === null || r.some((v) => v === null)) return -1;
      const k = JSON.stringify(r, (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
      if (!this.map.has(k)) this.map.set(k, this.map.size);
      return this.map.get(k)!;
    });
  }
}

describe('KeyEncoder: one string column', () => {
  const b1 = batchOf({ ticker: S(['A', 'B', 'A', null, 'C']), px: I32([1, 2, 3, 4, 5]) });

  it('encodes in order of first appearance, null → -1, stable across batches', () => {
    const enc = new KeyEncoder(b1.schema, 'ticker');
    expect(codes(enc.encode(b1))).toEqual([0, 1, 0, NULL_CODE, 2]);
    expect(enc.size).toBe(3);
    const b2 = batchOf({ ticker: S(['C', 'D', 'A']), px: I32([1, 2, 3]) });
    expect(codes(enc.encode(b2))).toEqual([2, 3, 0]);
    expect(enc.size).toBe(4);
    expect(enc.decode(3)).toEqual(['D']);
    expect(enc.decode(-1)).toEqual([null]);
    expect(enc.columns).toEqual(['ticker']);
    expect(enc.indices).toEqual([0]);
  });

  it('works on sliced batches (offsets into values and bitmaps)', () => {
    const enc = new KeyEncoder(b1.schema, ['ticker']);
    expect(codes(enc.encode(b1.slice(2)))).toEqual([0, NULL_CODE, 1]);
    expect(codes(enc.encode(b1.slice(1, 2)))).toEqual([2]);
  });

  it('encodes an empty batch to an empty array', () => {
    const enc = new KeyEncoder(b1.schema, 'ticker');
    expect(enc.encode(b1.slice(0, 0)).length).toBe(0);
    expect(enc.size).toBe(0);
  });

  it('writes into a given output array', () => {
    const enc = new KeyEncoder(b1.schema, 'ticker');
    const out = new Int32Array(10).fill(9);
    const got = enc.encode(b1, out);
    expect(got.buffer).toBe(out.buffer);
    expect(codes(got)).toEqual([0, 1, 0, -1, 2]);
    expect(enc.encode(b1, new Int32Array(2)).length).toBe(5);
  });

  it('keyColumns builds the key values of codes, a range, or all codes', () => {
    const enc = new KeyEncoder(b1.schema, 'ticker');
    enc.encode(b1);
    const [all] = enc.keyColumns();
    expect(all.type).toBe(b1.schema.fields[0].type);
    expect(plain(all)).toEqual(['A', 'B', 'C']);
    expect(plain(enc.keyColumns(Int32Array.of(2, -1, 0))[0])).toEqual(['C', null, 'A']);
    expect(plain(enc.keyColumns({ start: 1, end: 3 })[0])).toEqual(['B', 'C']);
    expect(enc.fields[0]).toBe(b1.schema.fields[0]);
    expect(caught(() => enc.keyColumns(Int32Array.of(3)))).toBeInstanceOf(InvalidOptionError);
    expect(caught(() => enc.decode(3))).toBeInstanceOf(InvalidOptionError);
    expect(caught(() => enc.decode(-2))).toBeInstanceOf(InvalidOptionError);
  });

  it('handles LargeUtf8 and non-ASCII keys', () => {
    const b = batchOf({ k: varData(new LargeUtf8(), ['é', 'x', null, 'é', '']) });
    const enc = new KeyEncoder(b.schema, 'k');
    expect(codes(enc.encode(b.slice(0, 5)))).toEqual([0, 1, -1, 0, 2]);
    expect(enc.decode(0)).toEqual(['é']);
    const [col] = enc.keyColumns();
    expect(col.type).toBe(b.schema.fields[0].type);
    expect(plain(col)).toEqual(['é', 'x', '']);
  });
});

describe('KeyEncoder: dictionary columns', () => {
  const T = new Dictionary(new Utf8(), new Int32());

  it('gives the same codes as Utf8 for the same values, whatever the dictionary per batch', () => {
    const plainBatch = batchOf({ k: S(['x', 'y', null]) });
    const enc = new KeyEncoder(plainBatch.schema, 'k');
    expect(codes(enc.encode(plainBatch))).toEqual([0, 1, -1]);
    const d1 = batchOf({ k: dictData(T, ['y', 'z', 'x', null], ['z', 'q', 'x', 'y']) });
    expect(codes(enc.encode(d1))).toEqual([1, 2, 0, -1]);
    const d2 = batchOf({ k: dictData(T, ['q', 'x'], ['x', 'q']) });
    expect(codes(enc.encode(d2))).toEqual([3, 0]);
    // Unused dictionary entries get no code.
    expect(enc.size).toBe(4);
  });

  it('assigns codes in row order, not dictionary order', () => {
    const b = batchOf({ k: dictData(T, ['c', 'a', 'b'], ['a', 'b', 'c']) });
    const enc = new KeyEncoder(b.schema, 'k');
    expect(codes(enc.encode(b))).toEqual([0, 1, 2]);
    expect(enc.decode(0)).toEqual(['c']);
  });

  it('encodes null dictionary values and repeated dictionary entries', () => {
    const b = batchOf({ k: dictData(T, ['a', null, 'a'], ['a', null, 'a'], { last: true, nullEntries: true }) });
    expect(b.data.children[0].nullCount).toBe(0);
    const enc = new KeyEncoder(b.schema, 'k');
    expect(codes(enc.encode(b))).toEqual([0, -1, 0]);
    const c = batchOf({ k: dictData(T, ['a', 'a'], ['a', null, 'a']) });
    expect(codes(enc.encode(c))).toEqual([0, 0]);
  });

  it('works with sliced dictionary columns, any index type, and reuses a dictionary across batches', () => {
    for (const indices of [new Int8(), new Int16(), new Uint16(), new Int32(), new Uint32(), new Int64()]) {
      const t = new Dictionary(new Utf8(), indices as Int32);
      const d = dictData(t, ['a', 'b', null, 'c', 'b', 'a', 'a', 'c', 'b', 'b'], ['c', 'b', 'a']);
      const b = batchOf({ k: d });
      const enc = new KeyEncoder(b.schema, 'k');
      expect(codes(enc.encode(b.slice(3, 10))), String(indices)).toEqual([0, 1, 2, 2, 0, 1, 1]);
      expect(codes(enc.encode(b.slice(0, 3))), String(indices)).toEqual([2, 1, -1]);
    }
  });

  it('handles delta dictionaries (the previous chunks plus new ones)', () => {
    const first = varData(new Utf8(), ['a', 'b']);
    const v1 = new Vector([first]);
    const v2 = v1.concat(new Vector([varData(new Utf8(), ['c', 'd'])]));
    const k1 = batchOf({ k: makeDict(T, [1, 0], v1) });
    const k2 = batchOf({ k: makeDict(T, [3, 1, 2, 0], v2) });
    const enc = new KeyEncoder(k1.schema, 'k');
    expect(codes(enc.encode(k1))).toEqual([0, 1]);
    expect(codes(enc.encode(k2))).toEqual([2, 0, 3, 1]);
    expect(codes(enc.encode(k1))).toEqual([0, 1]);
  });

  it('agrees with Utf8 encoding over an IPC stream with replacement dictionaries', () => {
    const a = batchOf({ k: dictData(T, ['m', 'n', null], ['n', 'm']) });
    const b = batchOf({ k: dictData(T, ['o', 'm'], ['o', 'p', 'm']) });
    const back = ipcRoundTrip([a, b, a]);
    expect(back[0].data.children[0].dictionary).not.toBe(back[1].data.children[0].dictionary);
    const enc = new KeyEncoder(back[0].schema, 'k');
    expect(back.map((x) => codes(enc.encode(x)))).toEqual([[0, 1, -1], [2, 0], [0, 1, -1]]);
  });

  it('keyColumns of a dictionary column: the field type, a dictionary of the values present', () => {
    const b = batchOf({ k: dictData(T, ['c', 'a', 'b', null], ['a', 'b', 'c']) });
    const enc = new KeyEncoder(b.schema, 'k');
    enc.encode(b);
    const [col] = enc.keyColumns(Int32Array.of(2, -1, 2, 0));
    expect(col.type).toBe(b.schema.fields[0].type);
    expect(plain(col)).toEqual(['b', null, 'b', 'c']);
    expect(plain(col.dictionary!.data[0])).toEqual(['b', 'c']);
  });

  it('keyColumns throws ColumnTypeError when a snapshot has more values than the index type holds', () => {
    const t8 = new Dictionary(new Utf8(), new Int8());
    const words = Array.from({ length: 200 }, (_, i) => `w${i}`);
    const b = batchOf({ k: S(words) });
    const shared = new KeyDictionary();
    new KeyEncoder(b.schema, 'k', { keyDictionary: shared }).encode(b);
    const small = batchOf({ k: dictData(t8, ['w0'], ['w0']) });
    const enc = new KeyEncoder(small.schema, 'k', { keyDictionary: shared });
    expect(plain(enc.keyColumns({ start: 0, end: 100 })[0]).length).toBe(100);
    const e = caught(() => enc.keyColumns());
    expect(e).toBeInstanceOf(ColumnTypeError);
    expect((e as ColumnTypeError).column).toBe('k');
  });
});

/** A dictionary column with explicit keys and dictionary vector. */
function makeDict(type: Dictionary, keys: number[], dictionary: Vector): Data {
  return new Data(type, 0, keys.length, 0, [undefined, Int32Array.from(keys), new Uint8Array(0)] as never, [], dictionary);
}

describe('KeyEncoder: integer and boolean columns', () => {
  it('encodes every integer width, signed and unsigned, with nulls and offsets', () => {
    const cases: [DataType, unknown[], new (n: number) => { [i: number]: unknown }][] = [
      [new Int8(), [-128, 127, null, -128, 0], Int8Array],
      [new Int16(), [-300, 300, null, -300, 0], Int16Array],
      [new Uint16(), [65535, 1, null, 65535, 0], Uint16Array],
      [new Int32(), [-5, 2 ** 31 - 1, null, -5, 0], Int32Array],
      [new Uint32(), [2 ** 32 - 1, 1, null, 2 ** 32 - 1, 0], Uint32Array],
      [new Int64(), [-(2n ** 63n), 2n ** 40n, null, -(2n ** 63n), 0n], BigInt64Array],
      [new Uint64(), [2n ** 64n - 1n, 1n, null, 2n ** 64n - 1n, 0n], BigUint64Array],
    ];
    for (const [type, values, Arr] of cases) {
      const b = batchOf({ pad: I32([0, 0, 0, 0, 0, 0]), k: fixedData(type, [values[4], ...values], Arr) });
      const enc = new KeyEncoder(b.schema, 'k');
      const s = b.slice(1);
      expect(codes(enc.encode(s)), String(type)).toEqual([0, 1, -1, 0, 2]);
      expect(enc.decode(0), String(type)).toEqual([values[0]]);
      expect(enc.decode(1), String(type)).toEqual([values[1]]);
      const [col] = enc.keyColumns(Int32Array.of(1, -1, 0));
      expect(col.type).toBe(b.schema.fields[1].type);
      expect(plain(col), String(type)).toEqual([values[1], null, values[0]]);
    }
  });

  it('Int32 and Int64 columns share a key space by value; Uint64 does not mix with signed', () => {
    const left = batchOf({ k: I32([1, 2, -3]) });
    const right = batchOf({ k: fixedData(new Int64(), [-3n, 2n, 2n ** 40n], BigInt64Array) });
    const keys = new KeyDictionary();
    const l = new KeyEncoder(left.schema, 'k', { input: 'left', keyDictionary: keys });
    const r = new KeyEncoder(right.schema, 'k', { input: 'right', keyDictionary: keys });
    expect(codes(l.encode(left))).toEqual([0, 1, 2]);
    expect(codes(r.encode(right))).toEqual([2, 1, 3]);
    expect(r.decode(3)).toEqual([2n ** 40n]);
    expect(l.decode(3)).toEqual([2 ** 40]);
    const u = batchOf({ k: fixedData(new Uint64(), [1n], BigUint64Array) });
    expect(caught(() => new KeyEncoder(u.schema, 'k', { keyDictionary: keys }))).toBeInstanceOf(ColumnTypeError);
    // A value of the shared space that an Int8 column cannot hold.
    const i8 = batchOf({ k: fixedData(new Int8(), [1], Int8Array) });
    const e8 = new KeyEncoder(i8.schema, 'k', { keyDictionary: keys });
    const e = caught(() => e8.keyColumns());
    expect(e).toBeInstanceOf(ColumnTypeError);
    expect((e as ColumnTypeError).column).toBe('k');
  });

  it('encodes Bool keys at a bit offset', () => {
    const b = batchOf({ k: boolData([true, true, false, null, true, false]) });
    const enc = new KeyEncoder(b.schema, 'k');
    expect(codes(enc.encode(b.slice(2)))).toEqual([0, -1, 1, 0]);
    expect(enc.decode(0)).toEqual([false]);
    expect(plain(enc.keyColumns()[0])).toEqual([false, true]);
  });
});

describe('KeyEncoder: several key columns', () => {
  const b = batchOf({
    s: S(['A', 'A', 'B', null, 'A', 'B']),
    n: I32([1, 2, 1, 1, 1, null]),
    f: boolData([true, true, true, true, false, true]),
  });

  it('combines per-column codes into composite codes; any null → -1', () => {
    const enc = new KeyEncoder(b.schema, ['s', 'n']);
    expect(codes(enc.encode(b))).toEqual([0, 1, 2, -1, 0, -1]);
    expect(enc.size).toBe(3);
    expect(enc.decode(2)).toEqual(['B', 1]);
    const [s, n] = enc.keyColumns();
    expect(plain(s)).toEqual(['A', 'A', 'B']);
    expect(plain(n)).toEqual([1, 2, 1]);
    expect(codes(enc.encode(b.slice(4)))).toEqual([0, -1]);
  });

  it('three columns', () => {
    const enc = new KeyEncoder(b.schema, ['s', 'n', 'f']);
    expect(codes(enc.encode(b))).toEqual([0, 1, 2, -1, 3, -1]);
    expect(enc.decode(3)).toEqual(['A', 1, false]);
    expect(plain(enc.keyColumns(Int32Array.of(3, -1))[2])).toEqual([false, null]);
  });
});

describe('KeyEncoder: errors and shared key spaces', () => {
  const b = batchOf({ s: S(['a']), n: I32([1]), x: fixedData(new Float64(), [1], Float64Array) });

  it('throws MissingColumnError for an unknown column, naming input and column', () => {
    const e = caught(() => new KeyEncoder(b.schema, ['s', 'nope'], { input: 'left' }));
    expect(e).toBeInstanceOf(MissingColumnError);
    expect((e as MissingColumnError).column).toBe('nope');
    expect((e as MissingColumnError).input).toBe('left');
  });

  it('throws ColumnTypeError for an unsupported key type', () => {
    const e = caught(() => new KeyEncoder(b.schema, 'x', { input: 'q' }));
    expect(e).toBeInstanceOf(ColumnTypeError);
    expect((e as ColumnTypeError).column).toBe('x');
    expect((e as ColumnTypeError).actual).toBe('Float64');
    expect(keyKindOf(new Float64())).toBeUndefined();
    expect(keyKindOf(new Dictionary(new Int32(), new Int32()))).toBeUndefined();
  });

  it('throws InvalidOptionError for no key columns', () => {
    expect(caught(() => new KeyEncoder(b.schema, []))).toBeInstanceOf(InvalidOptionError);
  });

  it('throws SchemaChangeError when a batch moved or retyped a key column', () => {
    const enc = new KeyEncoder(b.schema, 'n', { input: 'left' });
    const moved = batchOf({ n: I32([1]), s: S(['a']) });
    const e = caught(() => enc.encode(moved));
    expect(e).toBeInstanceOf(SchemaChangeError);
    expect((e as SchemaChangeError).column).toBe('n');
    expect((e as SchemaChangeError).input).toBe('left');
    const retyped = batchOf({ s: S(['a']), n: S(['1']) });
    expect(caught(() => enc.encode(retyped))).toBeInstanceOf(SchemaChangeError);
    // A change within the kind (Utf8 → Dictionary<Utf8>) is fine.
    const sEnc = new KeyEncoder(b.schema, 's');
    const dict = batchOf({ s: dictData(new Dictionary(new Utf8(), new Int8()), ['a'], ['a']), n: I32([1]) });
    expect(codes(sEnc.encode(b))).toEqual([0]);
    expect(codes(sEnc.encode(dict))).toEqual([0]);
  });

  it('shares one code space between two inputs (Utf8 and Dictionary<Utf8>)', () => {
    const keys = new KeyDictionary();
    expect(keys.width).toBe(0);
    const left = batchOf({ ticker: S(['AAPL', 'MSFT']) });
    const right = batchOf({ sym: dictData(new Dictionary(new Utf8(), new Int32()), ['MSFT', 'GOOG', 'AAPL'], ['GOOG', 'AAPL', 'MSFT']) });
    const l = new KeyEncoder(left.schema, 'ticker', { input: 'left', keyDictionary: keys });
    const r = new KeyEncoder(right.schema, 'sym', { input: 'right', keyDictionary: keys });
    expect(codes(l.encode(left))).toEqual([0, 1]);
    expect(codes(r.encode(right))).toEqual([1, 2, 0]);
    expect(keys.size).toBe(3);
    expect(l.size).toBe(3);
    expect(keys.width).toBe(1);
    expect(plain(l.keyColumns()[0])).toEqual(['AAPL', 'MSFT', 'GOOG']);
  });

  it('throws ColumnTypeError naming both columns for incompatible sides, InvalidOptionError for a different width', () => {
    const keys = new KeyDictionary();
    const left = batchOf({ ticker: S(['a']), n: I32([1]) });
    const right = batchOf({ sym: I32([1]), m: I32([1]) });
    new KeyEncoder(left.schema, 'ticker', { input: 'left', keyDictionary: keys });
    const e = caught(() => new KeyEncoder(right.schema, 'sym', { input: 'right', keyDictionary: keys }));
    expect(e).toBeInstanceOf(ColumnTypeError);
    expect((e as ColumnTypeError).column).toBe('sym');
    expect((e as ColumnTypeError).input).toBe('right');
    expect(e.message).toContain("'ticker'");
    expect(e.message).toContain("'sym'");
    const w = caught(() => new KeyEncoder(right.schema, ['sym', 'm'], { input: 'right', keyDictionary: keys }));
    expect(w).toBeInstanceOf(InvalidOptionError);
  });
});

describe('KeyEncoder properties', () => {
  const ALPHABET = ['a', 'b', 'c', 'dd', 'é', ''];
  const rowArb = fc.tuple(fc.option(fc.constantFrom(...ALPHABET)), fc.option(fc.integer({ min: -3, max: 3 })));
  /** How one batch encodes its columns. */
  const layoutArb = fc.record({
    strAs: fc.constantFrom('utf8', 'dict32', 'dict8'),
    intAs: fc.constantFrom('i32', 'i64', 'i16'),
    dictionary: fc.shuffledSubarray([...ALPHABET, 'zz', null], { minLength: ALPHABET.length + 2 }),
    last: fc.boolean(),
    nullEntries: fc.boolean(),
    offset: fc.nat(3),
  });
  type Layout = typeof layoutArb extends fc.Arbitrary<infer L> ? L : never;
  const D32 = new Dictionary(new Utf8(), new Int32());
  const D8 = new Dictionary(new Utf8(), new Int8());

  function build(rows: [string | null, number | null][], l: Layout): RecordBatch {
    // Pad with `offset` leading rows and slice them off, to exercise offsets.
    const pad: [string | null, number | null][] = Array.from({ length: l.offset }, () => ['a', 1]);
    const all = [...pad, ...rows];
    const strs = all.map((r) => r[0]);
    const ints = all.map((r) => r[1]);
    const s =
      l.strAs === 'utf8' ? S(strs) : dictData(l.strAs === 'dict32' ? D32 : D8, strs, l.dictionary, { last: l.last, nullEntries: l.nullEntries });
    const n =
      l.intAs === 'i32'
        ? I32(ints)
        : l.intAs === 'i16'
          ? fixedData(new Int16(), ints, Int16Array)
          : fixedData(new Int64(), ints.map((v) => (v === null ? null : BigInt(v))), BigInt64Array);
    return batchOf({ s, n }).slice(l.offset);
  }

  it('codes agree with a reference Map across random batch splits and differing dictionaries', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.array(rowArb, { maxLength: 12 }), layoutArb), { minLength: 1, maxLength: 5 }), (parts) => {
        const first = build([], parts[0][1]);
        const one = new KeyEncoder(first.schema, 's');
        const two = new KeyEncoder(first.schema, ['s', 'n']);
        const ref1 = new Reference();
        const ref2 = new Reference();
        for (const [rows, layout] of parts) {
          const batch = build(rows, layout);
          expect(codes(one.encode(batch))).toEqual(ref1.encode(rows.map((r) => [r[0]])));
          expect(codes(two.encode(batch))).toEqual(ref2.encode(rows.map((r) => [r[0], r[1]])));
        }
        expect(one.size).toBe(ref1.map.size);
        expect(two.size).toBe(ref2.map.size);
        // Decoding gives back the reference keys, in code order.
        expect(Array.from({ length: one.size }, (_, c) => JSON.stringify(one.decode(c)))).toEqual([...ref1.map.keys()]);
        expect(plain(two.keyColumns()[1]).length).toBe(two.size);
      }),
      { numRuns: soak(60) },
    );
  });

  it('two encoders sharing a KeyDictionary agree with one reference over interleaved batches', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.array(rowArb, { maxLength: 8 }), layoutArb), { maxLength: 6 }), (parts) => {
        const keys = new KeyDictionary();
        const schema = build([], { strAs: 'utf8', intAs: 'i32', dictionary: [], last: false, nullEntries: false, offset: 0 }).schema;
        const left = new KeyEncoder(schema, ['s', 'n'], { input: 'left', keyDictionary: keys });
        const right = new KeyEncoder(schema, ['s', 'n'], { input: 'right', keyDictionary: keys });
        const ref = new Reference();
        for (const [isLeft, rows, layout] of parts) {
          const got = (isLeft ? left : right).encode(build(rows, layout));
          expect(codes(got)).toEqual(ref.encode(rows.map((r) => [r[0], r[1]])));
        }
        expect(keys.size).toBe(ref.map.size);
      }),
      { numRuns: soak(40) },
    );
  });
});


describe('KeyDictionary.compact (key expiry)', () => {
  const T = new Dictionary(new Utf8(), new Int32());

  it('keeps the given codes in the given order; forgotten keys come back with new codes', () => {
    const b = batchOf({ k: S(['A', 'B', 'C', null, 'D']) });
    const enc = new KeyEncoder(b.schema, 'k');
    expect(codes(enc.encode(b))).toEqual([0, 1, 2, -1, 3]);
    const map = enc.dictionary.compact(Int32Array.of(2, 0));
    expect(codes(map)).toEqual([1, -1, 0, -1]);
    expect(enc.size).toBe(2);
    expect(enc.decode(0)).toEqual(['C']);
    expect(enc.decode(1)).toEqual(['A']);
    expect(codes(enc.encode(b))).toEqual([1, 2, 0, -1, 3]);
    expect(plain(enc.keyColumns()[0])).toEqual(['C', 'A', 'B', 'D']);
  });

  it('drops cached dictionary translations: the same dictionary vector encodes to the new codes', () => {
    const d = batchOf({ k: dictData(T, ['x', 'y', 'z', 'y'], ['z', 'y', 'x']) });
    const enc = new KeyEncoder(d.schema, 'k');
    expect(codes(enc.encode(d))).toEqual([0, 1, 2, 1]);
    enc.dictionary.compact(Int32Array.of(1)); // only 'y' kept, as code 0
    // the translation table cached for this dictionary said x → 0, z → 2: it must not be reused
    expect(codes(enc.encode(d))).toEqual([1, 0, 2, 0]);
    expect(enc.decode(1)).toEqual(['x']);
    // sliced too (the translation is per dictionary, not per batch)
    expect(codes(enc.encode(d.slice(2, 4)))).toEqual([2, 0]);
  });

  it('integers (small, 32 and 64 bit), Bool, and Uint64 keys', () => {
    const cases: [DataType, (number | bigint | null)[], ArrayConstructor | unknown][] = [
      [new Int8(), [5, -3, 5, 7], Int8Array],
      [new Int16(), [500, -3, 500, 7], Int16Array],
      [new Int32(), [5, -3, 5, 7], Int32Array],
      [new Int64(), [5n, -3n, 5n, 2n ** 40n], BigInt64Array],
      [new Uint64(), [5n, 3n, 5n, 2n ** 63n + 1n], BigUint64Array],
    ];
    for (const [type, values, Arr] of cases) {
      const b = batchOf({ k: fixedData(type, values, Arr as new (n: number) => Int32Array) });
      const enc = new KeyEncoder(b.schema, 'k');
      expect(codes(enc.encode(b)), String(type)).toEqual([0, 1, 0, 2]);
      expect(codes(enc.dictionary.compact(Int32Array.of(2)))).toEqual([-1, -1, 0]);
      expect(codes(enc.encode(b)), String(type)).toEqual([1, 2, 1, 0]);
      expect(enc.decode(0), String(type)).toEqual([values[3]]);
      expect(enc.decode(2), String(type)).toEqual([values[1]]);
    }
    const bools = batchOf({ k: boolData([true, false, null, true]) });
    const enc = new KeyEncoder(bools.schema, 'k');
    expect(codes(enc.encode(bools))).toEqual([0, 1, -1, 0]);
    enc.dictionary.compact(Int32Array.of(1));
    expect(codes(enc.encode(bools))).toEqual([1, 0, -1, 1]);
    expect(enc.decode(1)).toEqual([true]);
  });

  it('two key columns: each column keeps only the values of kept keys', () => {
    const b = batchOf({ a: S(['x', 'x', 'y', 'z']), n: I32([1, 2, 1, 3]) });
    const enc = new KeyEncoder(b.schema, ['a', 'n']);
    expect(codes(enc.encode(b))).toEqual([0, 1, 2, 3]);
    enc.dictionary.compact(Int32Array.of(3, 1));
    expect(enc.dictionary._spaces.map((s) => s.size)).toEqual([2, 2]); // 'z', 'x' and 3, 2
    expect(enc.decode(0)).toEqual(['z', 3]);
    expect(enc.decode(1)).toEqual(['x', 2]);
    expect(codes(enc.encode(b))).toEqual([2, 1, 3, 0]);
    expect(enc.decode(2)).toEqual(['x', 1]);
  });

  it('every encoder sharing the dictionary follows the new codes', () => {
    const shared = new KeyDictionary();
    const l = batchOf({ k: S(['a', 'b', 'c']) });
    const r = batchOf({ k: dictData(T, ['c', 'b'], ['b', 'c']) });
    const le = new KeyEncoder(l.schema, 'k', { keyDictionary: shared });
    const re = new KeyEncoder(r.schema, 'k', { keyDictionary: shared });
    le.encode(l);
    expect(codes(re.encode(r))).toEqual([2, 1]);
    shared.compact(Int32Array.of(2, 0));
    expect(codes(re.encode(r))).toEqual([0, 2]);
    expect(codes(le.encode(l))).toEqual([1, 2, 0]);
  });

  it('gives memory back: the tables are rebuilt at the kept size', () => {
    const words = Array.from({ length: 5000 }, (_, i) => `key-${i}-${'x'.repeat(20)}`);
    const b = batchOf({ k: S(words) });
    const enc = new KeyEncoder(b.schema, 'k');
    enc.encode(b);
    const before = enc.dictionary._spaces[0].bytes!;
    enc.dictionary.compact(Int32Array.of(4999, 7));
    const after = enc.dictionary._spaces[0].bytes!;
    expect(after.arena.length).toBeLessThan(before.arena.length / 100);
    expect(after.slots.length).toBeLessThan(before.slots.length / 100);
    expect(enc.decode(0)).toEqual([words[4999]]);
    expect(codes(enc.encode(b.slice(4998, 5000)))).toEqual([2, 0]);
  });

  it('matches a reference after random compactions (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.array(fc.option(fc.integer({ min: 0, max: 30 }), { freq: 8 }), { maxLength: 30 }), fc.array(fc.boolean(), { maxLength: 40 })), { maxLength: 8 }),
        (steps) => {
          const first = batchOf({ k: S(['s0']) });
          const enc = new KeyEncoder(first.schema, 'k');
          // reference: value → code, rebuilt the same way
          let ref = new Map<string, number>();
          for (const [vals, keepBits] of steps) {
            const strs = vals.map((v) => (v === null ? null : `s${v}`));
            const got = codes(enc.encode(batchOf({ k: S(strs) })));
            const want = strs.map((s) => {
              if (s === null) return -1;
              if (!ref.has(s)) ref.set(s, ref.size);
              return ref.get(s)!;
            });
            expect(got).toEqual(want);
            // keep a subset, in reverse order
            const byCode = [...ref.entries()].sort((x, y) => x[1] - y[1]);
            const kept = byCode.filter((_, i) => keepBits[i % Math.max(1, keepBits.length)] ?? true).reverse();
            enc.dictionary.compact(Int32Array.from(kept.map((e) => e[1])));
            ref = new Map(kept.map((e, i) => [e[0], i]));
            expect(enc.size).toBe(ref.size);
          }
        },
      ),
      { numRuns: soak(60) },
    );
  });

  it('refuses duplicate or out-of-range codes', () => {
    const b = batchOf({ k: S(['a', 'b']) });
    const enc = new KeyEncoder(b.schema, 'k');
    enc.encode(b);
    expect(caught(() => enc.dictionary.compact(Int32Array.of(0, 0)))).toBeInstanceOf(InvalidOptionError);
    expect(caught(() => enc.dictionary.compact(Int32Array.of(2)))).toBeInstanceOf(InvalidOptionError);
    expect(codes(new KeyDictionary().compact(new Int32Array(0)))).toEqual([]);
  });
});
