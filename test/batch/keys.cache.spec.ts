/**
 * The encode cache of `KeyDictionary`: an encoder given the very same key column `Data` as
 * a recent encode (by any encoder of the dictionary) copies the codes instead of encoding.
 * The codes must always be exactly those of encoding.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type Data, Dictionary, Int8, Int32, Utf8, type RecordBatch } from 'apache-arrow';
import { KeyDictionary, KeyEncoder } from '../../src/batch/keys';
import { sliceBatch } from '../../src/batch/build';
import { batchOf, dictData, fixedData, varData } from './fixtures';
import { soak } from '../helpers/soak';

const S = (values: (string | null)[]) => varData(new Utf8(), values);
const I32 = (values: (number | null)[]) => fixedData(new Int32(), values, Int32Array);
const codes = (x: Int32Array) => Array.from(x);

/** Reference codes: the key tuples in order of first appearance over every encode; a null anywhere → -1. */
class Reference {
  private readonly map = new Map<string, number>();
  encode(rows: readonly (readonly (string | number | null)[])[]): number[] {
    return rows.map((r) => {
      if (r.some((v) => v === null)) return -1;
      const k = JSON.stringify(r);
      if (!this.map.has(k)) this.map.set(k, this.map.size);
      return this.map.get(k)!;
    });
  }
}

describe('KeyDictionary encode cache', () => {
  const b1 = batchOf({ k: S(['A', 'B', 'A', null, 'C']), px: I32([1, 2, 3, 4, 5]) });
  const b2 = batchOf({ k: S(['C', 'D', 'A']), px: I32([1, 2, 3]) });

  it('a second encoder of the same dictionary copies the codes of the same Data (a hit), into its own buffer', () => {
    const keys = new KeyDictionary();
    const e1 = new KeyEncoder(b1.schema, 'k', { keyDictionary: keys });
    const e2 = new KeyEncoder(b1.schema, 'k', { keyDictionary: keys });
    const buf1 = new Int32Array(8);
    const buf2 = new Int32Array(8);
    expect(codes(e1.encode(b1, buf1))).toEqual([0, 1, 0, -1, 2]);
    expect(keys.cacheHits).toBe(0);
    const got = e2.encode(b1, buf2);
    expect(codes(got)).toEqual([0, 1, 0, -1, 2]);
    expect(got.buffer).toBe(buf2.buffer);
    expect(keys.cacheHits).toBe(1);
    // the same encoder again into the same buffer: the codes are already there
    expect(codes(e1.encode(b1, buf1))).toEqual([0, 1, 0, -1, 2]);
    expect(keys.cacheHits).toBe(2);
  });

  it('a slice (another Data) or a new batch is encoded, not copied', () => {
    const keys = new KeyDictionary();
    const e1 = new KeyEncoder(b1.schema, 'k', { keyDictionary: keys });
    const e2 = new KeyEncoder(b1.schema, 'k', { keyDictionary: keys });
    e1.encode(b1, new Int32Array(8));
    expect(codes(e2.encode(sliceBatch(b1, 1, 4), new Int32Array(8)))).toEqual([1, 0, -1]);
    expect(codes(e2.encode(b2, new Int32Array(8)))).toEqual([2, 3, 0]);
    expect(keys.cacheHits).toBe(0);
  });

  it('an entry dies when its buffer is written by another encode (another encoder, another batch)', () => {
    const keys = new KeyDictionary();
    const e1 = new KeyEncoder(b1.schema, 'k', { keyDictionary: keys });
    const e2 = new KeyEncoder(b1.schema, 'k', { keyDictionary: keys });
    const shared = new Int32Array(8);
    e1.encode(b1, shared); // b1's codes in `shared`
    e2.encode(b2, shared); // overwritten by b2's
    expect(codes(e1.encode(b1, new Int32Array(8)))).toEqual([0, 1, 0, -1, 2]);
    expect(keys.cacheHits).toBe(0);
  });

  it('overlapping views of one buffer count as the same buffer', () => {
    const keys = new KeyDictionary();
    const e1 = new KeyEncoder(b1.schema, 'k', { keyDictionary: keys });
    const e2 = new KeyEncoder(b1.schema, 'k', { keyDictionary: keys });
    const big = new Int32Array(16);
    e1.encode(b1, big.subarray(0, 8));
    e2.encode(b2, big.subarray(2, 10));
    expect(codes(e2.encode(b1))).toEqual([0, 1, 0, -1, 2]);
    expect(keys.cacheHits).toBe(0);
  });

  it('a copy inside one buffer (the cached codes overlap the output) is exact', () => {
    const keys = new KeyDictionary();
    const e1 = new KeyEncoder(b1.schema, 'k', { keyDictionary: keys });
    const e2 = new KeyEncoder(b1.schema, 'k', { keyDictionary: keys });
    const big = new Int32Array(16);
    e1.encode(b1, big.subarray(0, 8));
    expect(codes(e2.encode(b1, big.subarray(2, 10)))).toEqual([0, 1, 0, -1, 2]);
    expect(keys.cacheHits).toBe(1);
    // the moved entry is the one that counts now
    expect(codes(e1.encode(b1, new Int32Array(8)))).toEqual([0, 1, 0, -1, 2]);
    expect(keys.cacheHits).toBe(2);
  });

  it('codes written to a fresh array (no out) are never cached: the caller may change them', () => {
    const keys = new KeyDictionary();
    const e1 = new KeyEncoder(b1.schema, 'k', { keyDictionary: keys });
    const e2 = new KeyEncoder(b1.schema, 'k', { keyDictionary: keys });
    const mine = e1.encode(b1);
    mine.fill(7);
    expect(codes(e2.encode(b1))).toEqual([0, 1, 0, -1, 2]);
    expect(keys.cacheHits).toBe(0);
    // but a fresh array can take a hit
    e1.encode(b2, new Int32Array(4));
    expect(codes(e2.encode(b2))).toEqual([2, 3, 0]);
    expect(keys.cacheHits).toBe(1);
  });

  it('compact() clears the cache: the same Data then gets the new codes', () => {
    const keys = new KeyDictionary();
    const e1 = new KeyEncoder(b1.schema, 'k', { keyDictionary: keys });
    const buf = new Int32Array(8);
    expect(codes(e1.encode(b1, buf))).toEqual([0, 1, 0, -1, 2]);
    keys.compact(Int32Array.of(2, 0)); // 'C' → 0, 'A' → 1, 'B' forgotten
    expect(codes(e1.encode(b1, new Int32Array(8)))).toEqual([1, 2, 1, -1, 0]);
    expect(keys.cacheHits).toBe(0);
  });

  it('two key columns: a hit needs both to be the same Data', () => {
    const k = S(['A', 'A', 'B', null]);
    const a = batchOf({ k, n: I32([1, 2, 1, 1]) });
    const b = batchOf({ k, n: I32([2, 2, 1, 1]) });
    const keys = new KeyDictionary();
    const e1 = new KeyEncoder(a.schema, ['k', 'n'], { keyDictionary: keys });
    const e2 = new KeyEncoder(a.schema, ['k', 'n'], { keyDictionary: keys });
    expect(codes(e1.encode(a, new Int32Array(4)))).toEqual([0, 1, 2, -1]);
    expect(codes(e2.encode(b, new Int32Array(4)))).toEqual([1, 1, 2, -1]);
    expect(keys.cacheHits).toBe(0);
    expect(codes(e2.encode(a, new Int32Array(4)))).toEqual([0, 1, 2, -1]);
    expect(keys.cacheHits).toBe(1);
  });

  it('an empty batch neither hits nor records', () => {
    const keys = new KeyDictionary();
    const e1 = new KeyEncoder(b1.schema, 'k', { keyDictionary: keys });
    const empty = sliceBatch(b1, 0, 0);
    expect(e1.encode(empty, new Int32Array(4)).length).toBe(0);
    expect(e1.encode(empty, new Int32Array(4)).length).toBe(0);
    expect(keys.cacheHits).toBe(0);
  });
});

// --- property: any interleaving of encoders, batches and (shared, overlapping) buffers gives the codes of encoding ---

const WORDS = ['a', 'b', 'c', 'dd', ''];
const DICT = new Dictionary(new Utf8(), new Int32());
const DICT8 = new Dictionary(new Utf8(), new Int8());

interface BatchSpec {
  /** Key column 1 per row (strings), column 2 (Int32); null = null. */
  k1: (string | null)[];
  k2: (number | null)[];
  /** How column 1 is stored: Utf8, or a dictionary (its entries: a permutation of WORDS plus repeats; first or last match). */
  as: 'utf8' | 'dict' | 'dict8';
  dictionary: string[];
  last: boolean;
}

const batchSpec = fc
  .integer({ min: 0, max: 12 })
  .chain((n) =>
    fc.record({
      k1: fc.array(fc.option(fc.constantFrom(...WORDS), { freq: 6 }), { minLength: n, maxLength: n }),
      k2: fc.array(fc.option(fc.integer({ min: -2, max: 2 }), { freq: 6 }), { minLength: n, maxLength: n }),
      as: fc.constantFrom('utf8' as const, 'dict' as const, 'dict8' as const),
      dictionary: fc.shuffledSubarray(WORDS, { minLength: WORDS.length, maxLength: WORDS.length }).chain((perm) =>
        fc.array(fc.constantFrom(...WORDS), { maxLength: 3 }).map((extra) => [...perm, ...extra]),
      ),
      last: fc.boolean(),
    }),
  );

function build(s: BatchSpec): RecordBatch {
  const k1: Data =
    s.as === 'utf8' ? S(s.k1) : dictData(s.as === 'dict' ? DICT : DICT8, s.k1, s.dictionary, { last: s.last });
  return batchOf({ k1, k2: I32(s.k2), px: I32(s.k1.map((_, i) => i)) });
}

describe('KeyDictionary encode cache: property', () => {
  it('codes equal the reference for any interleaving of encoders over a pool of batches and shared buffers', () => {
    fc.assert(
      fc.property(
        fc.array(batchSpec, { minLength: 1, maxLength: 4 }),
        fc.constantFrom(1, 2),
        fc.array(
          fc.record({
            encoder: fc.nat(3),
            batch: fc.nat(7),
            /** 0..3: one of four views of two buffers (two overlapping views each); 4: a fresh array. */
            buffer: fc.nat(4),
            /** Change the returned codes afterwards (allowed only for a fresh array). */
            scribble: fc.boolean(),
          }),
          { minLength: 1, maxLength: 30 },
        ),
        (specs, width, ops) => {
          const pool = specs.map(build);
          const columns = width === 1 ? ['k1'] : ['k1', 'k2'];
          const keys = new KeyDictionary();
          const encoders = [0, 1, 2, 3].map(() => new KeyEncoder(pool[0].schema, columns, { keyDictionary: keys }));
          const bufA = new Int32Array(40);
          const bufB = new Int32Array(40);
          const views = [bufA.subarray(0, 20), bufA.subarray(5, 25), bufB.subarray(0, 20), bufB.subarray(20, 40)];
          const ref = new Reference();
          for (const op of ops) {
            const spec = specs[op.batch % specs.length];
            const b = pool[op.batch % pool.length];
            const out = op.buffer < 4 ? views[op.buffer] : undefined;
            const got = encoders[op.encoder].encode(b, out);
            const want = ref.encode(spec.k1.map((v, i) => (width === 1 ? [v] : [v, spec.k2[i]])));
            expect(codes(got)).toEqual(want);
            if (out === undefined && op.scribble) got.fill(-7);
          }
        },
      ),
      { numRuns: soak(300) },
    );
  });
});
