import { describe, expect, it } from 'vitest';
import { Data, RecordBatch, Schema, Field, Struct, TimestampNanosecond, Int32, makeData } from 'apache-arrow';
import fc from 'fast-check';
import { StreamValidator } from '../../src/batch/validate';
import { concatBatches } from '../../src/batch/concat';
import { sliceBatch } from '../../src/batch/build';
import { batch } from '../../src/batch/from-js';
import { NotARecordBatchError, NullTimeError, SchemaChangeError, TimeOrderError } from '../../src/errors';
import { errorOf } from '../helpers/run';
import { soak } from '../helpers/soak';

const T0 = Date.UTC(2024, 0, 2);
const mk = (times: number[]) => batch({ ts: times.map((t) => T0 + t), i: times.map((_, k) => k) }, { ts: 'timestamp[ms]', i: 'int32' });

/** A batch whose `ts` column views `values[from, from + n)` of one shared buffer (ns). */
function view(values: BigInt64Array, from: number, n: number): RecordBatch {
  const schema = new Schema([new Field('ts', new TimestampNanosecond(), false), new Field('i', new Int32(), false)]);
  const ts = makeData({ type: new TimestampNanosecond(), data: values.subarray(from, from + n), length: n });
  const i = makeData({ type: new Int32(), data: new Int32Array(n), length: n });
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, children: [ts, i] }) as Data<Struct>);
}

describe('StreamValidator', () => {
  it('returns the times as epoch ns and tracks rows and the last time', () => {
    const v = new StreamValidator('quotes', 'ts');
    expect([...v.check(mk([1, 2, 2]))]).toEqual([1n, 2n, 2n].map((t) => (BigInt(T0) + t) * 1_000_000n));
    expect(v.rows).toBe(3);
    expect(v.last).toBe((BigInt(T0) + 2n) * 1_000_000n);
  });

  it('names the input, column and stream row of an out-of-order time, within a batch and across batches', () => {
    const v = new StreamValidator('quotes', 'ts');
    v.check(mk([1, 5]));
    const e = errorOf(() => v.check(mk([6, 4])));
    expect(e).toBeInstanceOf(TimeOrderError);
    expect(e).toMatchObject({ input: 'quotes', column: 'ts', row: 3 });
    const w = new StreamValidator('quotes', 'ts');
    w.check(mk([1, 5]));
    expect(errorOf(() => w.check(mk([4])))).toMatchObject({ input: 'quotes', column: 'ts', row: 2 });
  });

  it('rejects values that are not batches, schema changes and null times', () => {
    const v = new StreamValidator('trades', 'ts');
    expect(errorOf(() => v.check({}))).toBeInstanceOf(NotARecordBatchError);
    v.check(mk([1]));
    expect(errorOf(() => v.check(batch({ ts: [T0 + 2] }, { ts: 'timestamp[ms]' })))).toBeInstanceOf(SchemaChangeError);
    const withNull = batch({ ts: [T0 + 3, null], i: [0, 1] }, { ts: 'timestamp[ms]', i: 'int32' });
    expect(errorOf(() => new StreamValidator('trades', 'ts').check(withNull))).toMatchObject({ constructor: NullTimeError, row: 1 });
  });

  it('checks only the first row of a slice of a proven batch, and still that row against the stream', () => {
    const src = mk([1, 2, 3, 4, 5, 6]);
    new StreamValidator('a', 'ts').check(src);
    // a later operator sees the slices: in order they pass; the second slice twice fails at its first row
    const v = new StreamValidator('b', 'ts');
    v.check(sliceBatch(src, 0, 3));
    v.check(sliceBatch(src, 3, 6));
    expect(v.rows).toBe(6);
    expect(errorOf(() => v.check(sliceBatch(src, 3, 6)))).toMatchObject({ constructor: TimeOrderError, input: 'b', row: 6 });
  });

  it('does not take two proven runs that only touch in a buffer for one sorted run', () => {
    // one buffer holding two sorted runs back to back: [10, 20, 30] then [1, 2, 3]
    const values = BigInt64Array.of(10n, 20n, 30n, 1n, 2n, 3n);
    new StreamValidator('a', 'ts').check(view(values, 0, 3));
    new StreamValidator('a', 'ts').check(view(values, 3, 3));
    const e = errorOf(() => new StreamValidator('b', 'ts').check(view(values, 1, 4)));
    expect(e).toMatchObject({ constructor: TimeOrderError, input: 'b', row: 2 });
  });

  it('merges overlapping proven runs (they share a row, so their union is sorted)', () => {
    const values = BigInt64Array.of(1n, 2n, 3n, 4n, 5n, 6n);
    new StreamValidator('a', 'ts').check(view(values, 0, 4));
    new StreamValidator('a', 'ts').check(view(values, 2, 4));
    const v = new StreamValidator('b', 'ts');
    expect([...v.check(view(values, 1, 5))]).toEqual([2n, 3n, 4n, 5n, 6n]);
  });

  it('a concatenation of checked batches is proven for the next validator (remember)', () => {
    const v = new StreamValidator('a', 'ts');
    const parts = [mk([1, 2]), mk([2, 3]), mk([7])];
    for (const p of parts) v.check(p);
    const joined = concatBatches(parts);
    v.remember(joined);
    const w = new StreamValidator('b', 'ts');
    expect(w.check(joined).length).toBe(5);
    expect(w.last).toBe((BigInt(T0) + 7n) * 1_000_000n);
  });

  it('finds the same first unsorted row as a plain scan, for any times and any proven sub-views (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 4 }),
        fc.nat(),
        fc.nat(),
        (times, proofs, a, b) => {
          const values = BigInt64Array.from(times, BigInt);
          const n = values.length;
          // prove some sub-views through validators (the sorted ones pass; the others throw and prove nothing)
          for (const [x, y] of proofs) {
            const from = x % n;
            const len = 1 + (y % (n - from));
            try {
              new StreamValidator('p', 'ts').check(view(values, from, len));
            } catch {
              // unsorted: not proven
            }
          }
          const from = a % n;
          const len = 1 + (b % (n - from));
          let expected = -1;
          for (let i = 1; i < len; i++) {
            if (values[from + i] < values[from + i - 1]) {
              expected = i;
              break;
            }
          }
          const check = () => new StreamValidator('q', 'ts').check(view(values, from, len));
          if (expected < 0) check();
          else expect(errorOf(check)).toMatchObject({ constructor: TimeOrderError, row: expected });
        },
      ),
      { numRuns: soak(500) },
    );
  });
});
