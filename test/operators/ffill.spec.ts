import { describe, expect, it } from 'vitest';
import { map } from 'rxjs';
import { type Data, Field, List, type RecordBatch, Schema, Float64, Struct, makeData, vectorFromArray, Utf8, TimestampMillisecond } from 'apache-arrow';
import fc from 'fast-check';
import { ffill, type FfillOptions } from '../../operators/ffill';
import { FfillState } from '../../operators/ffill';
import { batch, split } from '../../src/testing/builders';
import type { Cell } from '../../src/testing/builders';
import type { SchemaSpec } from '../../src/testing/schema';
import { toColumns } from '../../src/testing/read';
import { expectParity } from '../../src/testing/parity';
import { marbleTest } from '../../src/testing/marbles';
import { makeBatch } from '../../src/batch/build';
import { KeyEncoder } from '../../src/batch/keys';
import { ColumnTypeError, InvalidOptionError, MissingColumnError, NullTimeError, TimeOrderError } from '../../src/errors';
import { replay } from '../../src/time/replay';
import { fromPolars, pl, toPolars } from '../helpers/polars';
import { lifetimes, manyKeysCase, watchStores } from '../helpers/keyed';
import { errorOf, runOperator } from '../helpers/run';
import { soak, soakSeeds } from '../helpers/soak';

const run = (input: RecordBatch | RecordBatch[], options: FfillOptions = {}): RecordBatch[] => runOperator(ffill(options), input);

/** The reference: per key (null keys one group), nulls take the last valid value, at most `limit` in a row. */
function reference(keys: Cell[], values: Cell[], limit = Infinity): Cell[] {
  const last = new Map<Cell, { v: Cell; run: number }>();
  return values.map((v, i) => {
    const k = keys[i];
    if (v !== null) {
      last.set(k, { v, run: 0 });
      return v;
    }
    const s = last.get(k);
    if (!s || s.run >= limit) return null;
    s.run++;
    return s.v;
  });
}

const S: SchemaSpec = { ts: 'timestamp[ms]', k: 'utf8', bid: 'float64' };

describe('ffill', () => {
  it('fills nulls per key across batches (the doc example)', () => {
    const a = batch({ ts: [1, 2, 3], k: ['x', 'y', 'x'], bid: [10, null, null] }, S);
    const b = batch({ ts: [4, 5], k: ['y', 'x'], bid: [7, null] }, S);
    const out = run([a, b], { by: 'k' });
    expect(toColumns(out)).toEqual({ ts: [1n, 2n, 3n, 4n, 5n], k: ['x', 'y', 'x', 'y', 'x'], bid: [10, null, 10, 7, 10] });
    // output schema = input schema
    expect(out[0].schema).toBe(a.schema);
  });

  it('limit fills at most that many nulls in a row after a valid value (pandas and polars)', () => {
    const b = batch({ ts: [1, 2, 3, 4, 5, 6, 7, 8], k: ['a', 'a', 'a', 'a', 'b', 'a', 'a', 'a'], bid: [1, null, null, null, null, 2, null, null] }, S);
    expect(toColumns(run(b, { by: 'k', limit: 2 })).bid).toEqual([1, 1, 1, null, null, 2, 2, 2]);
    expect(toColumns(run(b, { by: 'k', limit: 1 })).bid).toEqual([1, 1, null, null, null, 2, 2, null]);
    // across batch boundaries the run goes on
    expect(toColumns(run(split(b, [2, 3, 7]), { by: 'k', limit: 2 })).bid).toEqual([1, 1, 1, null, null, 2, 2, 2]);
  });

  it('without by, every row is one group', () => {
    const b = batch({ ts: [1, 2, 3], k: ['x', 'y', 'z'], bid: [1, null, null] }, S);
    expect(toColumns(run(b)).bid).toEqual([1, 1, 1]);
  });

  it('null keys form their own group; a key without a valid value stays null; NaN is a value', () => {
    const b = batch({ ts: [1, 2, 3, 4, 5, 6], k: [null, 'a', null, 'b', 'a', 'a'], bid: [5, NaN, null, null, null, 1] }, S);
    expect(toColumns(run(b, { by: 'k' })).bid).toEqual([5, NaN, 5, null, NaN, 1]);
  });

  it('default columns: every column but the time and key columns; columns selects', () => {
    const spec: SchemaSpec = { ts: 'timestamp[ms]', k: 'utf8', a: 'int32', b: 'utf8' };
    const x = batch({ ts: [1, 2], k: ['x', null], a: [1, null], b: ['p', null] }, spec);
    const y = batch({ ts: [3, 4], k: [null, 'x'], a: [null, null], b: [null, null] }, spec);
    expect(toColumns(run([x, y], { by: 'k' }))).toEqual({ ts: [1n, 2n, 3n, 4n], k: ['x', null, null, 'x'], a: [1, null, null, 1], b: ['p', null, null, 'p'] });
    expect(toColumns(run([x, y], { by: 'k', columns: 'a' })).b).toEqual(['p', null, null, null]);
    expect(toColumns(run([x, y], { by: 'k', columns: [] }))).toEqual(toColumns([x, y]));
  });

  it('passes columns without nulls zero-copy, and the batch itself when nothing changes', () => {
    const spec: SchemaSpec = { ts: 'timestamp[ms]', k: 'utf8', bid: 'float64', ask: 'float64' };
    const x = batch({ ts: [1, 2], k: ['a', 'a'], bid: [1, 2], ask: [3, null] }, spec);
    const [out] = run(x, { by: 'k' });
    expect(out.data.children[2]).toBe(x.data.children[2]);
    expect(out.data.children[3]).not.toBe(x.data.children[3]);
    // nothing to fill (a key without a value yet): the column itself
    const y = batch({ ts: [1, 2], k: ['a', 'b'], bid: [1, 2], ask: [3, null] }, spec);
    expect(run(y, { by: 'k' })[0]).toBe(y);
    const clean = batch({ ts: [1], k: ['a'], bid: [1], ask: [3] }, spec);
    expect(run(clean, { by: 'k' })[0]).toBe(clean);
    // but the state is updated from batches without nulls
    const next = batch({ ts: [2], k: ['a'], bid: [null], ask: [null] }, spec);
    expect(toColumns(run([clean, next], { by: 'k' }))).toMatchObject({ bid: [1, 1], ask: [3, 3] });
  });

  it('every fixed-width type, Bool, Utf8 and dictionaries, across batches, sliced at odd offsets', () => {
    const spec: SchemaSpec = {
      ts: 'timestamp[ms]',
      k: 'dictionary',
      i8: 'int8',
      i16: 'int16',
      i32: 'int32',
      i64: 'int64',
      u8: 'uint8',
      u16: 'uint16',
      u32: 'uint32',
      u64: 'uint64',
      f32: 'float32',
      f64: 'float64',
      t: 'timestamp[ns]',
      d: 'date[day]',
      dm: 'date[ms]',
      b: 'bool',
      s: 'utf8',
      dict: 'dictionary',
    };
    const n = 41;
    const rnd = mulberry(3);
    const keys = Array.from({ length: n }, () => [null, 'a', 'b', 'c'][Math.floor(rnd() * 4)]);
    const nullable = <T,>(f: (i: number) => T) => Array.from({ length: n }, (_, i) => (rnd() < 0.4 ? null : f(i)));
    const cols: Record<string, Cell[]> = {
      ts: Array.from({ length: n }, (_, i) => i),
      k: keys,
      i8: nullable((i) => (i % 200) - 100),
      i16: nullable((i) => i * 300 - 5000),
      i32: nullable((i) => i * 1e6),
      i64: nullable((i) => BigInt(i) * 10n ** 15n),
      u8: nullable((i) => i),
      u16: nullable((i) => i * 1000),
      u32: nullable((i) => i * 1e8),
      u64: nullable((i) => BigInt(i) * 10n ** 17n),
      f32: nullable((i) => i / 2),
      f64: nullable((i) => i / 3),
      t: nullable((i) => BigInt(i) * 1_000_000_007n),
      d: nullable((i) => i * 3),
      dm: nullable((i) => i * 86_400_000),
      b: nullable((i) => i % 3 === 0),
      s: nullable((i) => `s${i}é`),
      dict: nullable((i) => ['p', 'q', 'r'][i % 3]),
    };
    const whole = batch(cols, spec);
    const expected: Record<string, Cell[]> = {};
    for (const [name, v] of Object.entries(toColumns(whole))) expected[name] = name === 'ts' || name === 'k' ? v : reference(keys, v);
    // one batch; slices of it (offsets 0, 3, 11, 29: one dictionary); separate batches (one dictionary each)
    expect(toColumns(run(whole, { by: 'k' }))).toEqual(expected);
    expect(toColumns(run(split(whole, [3, 11, 29]), { by: 'k' }))).toEqual(expected);
    const parts = [0, 5, 13, 14, 30, n];
    const own = parts.slice(1).map((end, p) => batch(Object.fromEntries(Object.entries(cols).map(([c, v]) => [c, v.slice(parts[p], end)])), spec));
    expect(own[1].data.children[17].dictionary).not.toBe(own[0].data.children[17].dictionary);
    expect(toColumns(run(own, { by: 'k' }))).toEqual(expected);
    expect(toColumns(run(own, { by: 'k', limit: 1 }))).toEqual(
      Object.fromEntries(Object.entries(toColumns(whole)).map(([c, v]) => [c, c === 'ts' || c === 'k' ? v : reference(keys, v, 1)])),
    );
  });

  it('a dictionary column switches to the gathered state when a batch brings another dictionary, keeping the values', () => {
    const spec: SchemaSpec = { ts: 'timestamp[ms]', k: 'utf8', venue: 'dictionary' };
    const a = batch({ ts: [1, 2, 3], k: ['a', 'b', 'c'], venue: ['N', 'Q', null] }, spec);
    const slices = split(a, [1]);
    const b = batch({ ts: [4, 5, 6, 7], k: ['a', 'b', 'c', 'a'], venue: [null, null, null, 'Z'] }, spec);
    const c = batch({ ts: [8, 9], k: ['a', 'b'], venue: [null, null] }, spec);
    expect(toColumns(run([...slices, b, c], { by: 'k' })).venue).toEqual(['N', 'Q', null, 'N', 'Q', null, 'Z', 'Z', 'Q']);
  });

  it('two key columns, integer keys', () => {
    const spec: SchemaSpec = { ts: 'timestamp[ms]', a: 'int32', b: 'utf8', v: 'float64' };
    const x = batch({ ts: [1, 2, 3, 4, 5], a: [1, 1, 2, 1, 2], b: ['x', 'y', 'x', 'x', 'x'], v: [1, 2, 3, null, null] }, spec);
    expect(toColumns(run(split(x, [2]), { by: ['a', 'b'] })).v).toEqual([1, 2, 3, 1, 3]);
  });

  it('empty batches pass through, and an empty stream completes', () => {
    const e = batch({ ts: [], k: [], bid: [] }, S);
    const x = batch({ ts: [1, 2], k: ['a', 'a'], bid: [1, null] }, S);
    const out = run([e, x, e], { by: 'k' });
    expect(out.map((b) => b.numRows)).toEqual([0, 2, 0]);
    expect(toColumns(out).bid).toEqual([1, 1]);
    expect(run([], { by: 'k' })).toEqual([]);
  });

  it('Struct columns are filled as a whole (gathered state)', () => {
    const type = new Struct([new Field('a', new Float64(), true), new Field('b', new Utf8(), true)]);
    const st = vectorFromArray([{ a: 1, b: 'x' }, null, { a: 2, b: 'y' }, null, null], type).data[0];
    const ts = makeData({ type: new TimestampMillisecond(), length: 5, data: BigInt64Array.of(1n, 2n, 3n, 4n, 5n) });
    const k = vectorFromArray(['p', 'p', 'q', 'p', 'q'], new Utf8()).data[0];
    const schema = new Schema([new Field('ts', ts.type), new Field('k', k.type), new Field('st', type, true)]);
    const whole = makeBatch(schema, [ts, k, st as Data]);
    const expected = [{ a: 1, b: 'x' }, { a: 1, b: 'x' }, { a: 2, b: 'y' }, { a: 1, b: 'x' }, { a: 2, b: 'y' }];
    for (const input of [[whole], split(whole, [1, 2, 4])]) {
      const got = run(input, { by: 'k' }).flatMap((b) => b.getChild('st')!.toArray().map((r: { toJSON(): unknown } | null) => (r === null ? null : r.toJSON())));
      expect(got).toEqual(expected);
    }
  });

  it('marbles: one output batch per input batch, errors and completion pass through', () => {
    marbleTest(({ cold, expectObservable, expectSubscriptions }) => {
      const a = batch({ ts: [1, 2], k: ['x', 'x'], bid: [1, null] }, S);
      const b = batch({ ts: [3], k: ['x'], bid: [null] }, S);
      const src = cold('-a--b--|', { a, b });
      expectObservable(src.pipe(ffill({ by: 'k' }))).toBe('-x--y--|', {
        x: batch({ ts: [1, 2], k: ['x', 'x'], bid: [1, 1] }, S),
        y: batch({ ts: [3], k: ['x'], bid: [1] }, S),
      });
      expectSubscriptions(src.subscriptions).toBe('^------!');
      const bad = cold('-a-#', { a });
      expectObservable(bad.pipe(ffill({ by: 'k' }))).toBe('-x-#', { x: batch({ ts: [1, 2], k: ['x', 'x'], bid: [1, 1] }, S) });
      // unsubscription is passed upstream
      const long = cold('-a-b-', { a, b });
      expectObservable(long.pipe(ffill({ by: 'k' }), map((x) => x.numRows)), '---!').toBe('-n-', { n: 2 });
      expectSubscriptions(long.subscriptions).toBe('^--!');
    });
  });

  it('identical output for any batch split, cycle and live (expectParity)', async () => {
    const rnd = mulberry(11);
    const n = 40;
    const ts = Array.from({ length: n }, (_, i) => Math.floor(i * 37.3));
    const k = Array.from({ length: n }, () => ['a', 'b', 'c', null][Math.floor(rnd() * 4)]);
    const bid = Array.from({ length: n }, (_, i) => (rnd() < 0.5 ? null : i));
    const s = Array.from({ length: n }, (_, i) => (rnd() < 0.5 ? null : `v${i}`));
    const q = batch({ ts, k, bid, s }, { ts: 'timestamp[ms]', k: 'dictionary', bid: 'float64', s: 'utf8' });
    await expectParity(({ q }) => q.pipe(ffill({ by: 'k' })), { q }, { runs: soak(10) });
    await expectParity(({ q }) => q.pipe(ffill({ by: 'k', limit: 1 })), { q }, { runs: soak(5) });
  });

  it('inside a replay, the time column defaults to the run\'s', async () => {
    const q = batch({ t: [1, 1000, 2000], k: ['a', 'a', 'a'], bid: [1, null, null] }, { t: 'timestamp[ms]', k: 'utf8', bid: 'float64' });
    const out = await replay(({ q }) => q.pipe(ffill({ by: 'k' })), { q }, { time: 't' });
    expect(toColumns(out).bid).toEqual([1, 1, 1]);
  });

  it('FfillState.remap moves the kept keys and drops the expired ones (fixed and gathered states)', () => {
    const spec: SchemaSpec = { ts: 'timestamp[ms]', k: 'utf8', v: 'float64', s: 'utf8' };
    const x = batch({ ts: [1, 2, 3], k: ['a', 'b', 'c'], v: [1, 2, 3], s: ['p', 'q', 'r'] }, spec);
    const enc = new KeyEncoder(x.schema, 'k');
    const state = new FfillState({ schema: x.schema, time: { name: 'ts', index: 0, field: x.schema.fields[0], encoding: { kind: 'int64', nsPerUnit: 1_000_000n } }, keyIndices: [1] }, undefined, 0x7fffffff);
    state.apply(x, enc.encode(x), enc.size + 1);
    // slots: 0 = null key, 1 = a, 2 = b, 3 = c. Expire 'b': c moves to slot 2.
    state.remap(Int32Array.of(0, 1, -1, 2), 3);
    const y = batch({ ts: [4, 5, 6], k: ['a', 'c', 'b'], v: [null, null, null], s: [null, null, null] }, spec);
    // codes as a compacted key dictionary would give them: a = 0, c = 1, b = 2 (new)
    const out = state.apply(y, Int32Array.of(0, 1, 2), 4);
    expect(toColumns(out)).toMatchObject({ v: [1, 3, null], s: ['p', 'r', null] });
  });

  describe('errors', () => {
    it('unknown columns, unfillable types, bad limit', () => {
      const x = batch({ ts: [1], k: ['a'], bid: [1] }, S);
      expect(errorOf(() => run(x, { by: 'nope' }))).toMatchObject({ column: 'nope', input: 'source' });
      expect(errorOf(() => run(x, { by: 'nope' }))).toBeInstanceOf(MissingColumnError);
      expect(errorOf(() => run(x, { columns: ['bid', 'ask'] }))).toMatchObject({ column: 'ask' });
      expect(errorOf(() => run(x, { on: 'time' }))).toBeInstanceOf(MissingColumnError);
      for (const limit of [0, -1, 1.5, NaN, Infinity]) {
        const e = errorOf(() => ffill({ limit }));
        expect(e).toBeInstanceOf(InvalidOptionError);
        expect(e).toMatchObject({ option: 'limit' });
      }
      expect(errorOf(() => ffill({ by: ['k', 'k'] }))).toMatchObject({ option: 'by' });
      const list = listBatch();
      expect(errorOf(() => run(list, { columns: 'xs' }))).toBeInstanceOf(ColumnTypeError);
      // by default an unfillable column is left alone
      expect(run(list)[0]).toBe(list);
    });

    it('unsorted and null times name the input, column and row', () => {
      const e1 = errorOf(() => run([batch({ ts: [1, 2], k: ['a', 'a'], bid: [1, 2] }, S), batch({ ts: [1], k: ['a'], bid: [1] }, S)]));
      expect(e1).toBeInstanceOf(TimeOrderError);
      expect(e1).toMatchObject({ input: 'source', column: 'ts', row: 2 });
      const e2 = errorOf(() => run(batch({ ts: [1, null], k: ['a', 'a'], bid: [1, 2] }, S)));
      expect(e2).toBeInstanceOf(NullTimeError);
      expect(e2).toMatchObject({ input: 'source', column: 'ts', row: 1 });
    });
  });
});

describe('ffill against nodejs-polars forward fill over a key (oracle)', () => {
  it('random keys, values, nulls, limits and batch splits', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', null), fc.option(fc.integer({ min: -50, max: 50 }), { freq: 2 }), fc.option(fc.constantFrom('x', 'y', 'z'), { freq: 2 })), {
          maxLength: 40,
        }),
        fc.constantFrom(undefined, 1, 2, 3),
        fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 3 }),
        (rows, limit, cuts) => {
          const n = rows.length;
          const b = batch(
            { ts: rows.map((_, i) => i), k: rows.map((r) => r[0]), v: rows.map((r) => (r[1] === null ? null : r[1] / 4)), i: rows.map((r) => r[1]), s: rows.map((r) => r[2]) },
            { ts: 'timestamp[ms]', k: 'dictionary', v: 'float64', i: 'int32', s: 'utf8' },
          );
          const pieces = split(b, [...new Set(cuts.map((c) => c % (n + 1)))].sort((x, y) => x - y));
          const got = toColumns(run(pieces, { by: 'k', ...(limit !== undefined ? { limit } : {}) }));
          const fill = (c: string) => (limit === undefined ? pl.col(c).forwardFill() : pl.col(c).fillNull('forward', limit)).over('k');
          const expected = toColumns(fromPolars(toPolars(b).withColumns(fill('v'), fill('i'), fill('s'))));
          if (n === 0) return;
          expect(got.v).toEqual(expected.v);
          expect(got.i).toEqual(expected.i);
          expect(got.s).toEqual(expected.s);
        },
      ),
      { numRuns: soak(60) },
    );
  });
});

describe('ffill key expiry (expireAfter)', () => {
  it('many keys, compacted many times: the same as the rename reference, for fixed and gathered columns', () => {
    const { compactions, restore } = watchStores();
    try {
      const c = manyKeysCase(1);
      const str = c.v.map((x) => (x === null ? null : `s${x}`));
      let expired = 0;
      const got = toColumns(run(split(batch({ ts: c.ts, k: c.k, bid: c.v, s: str }, E), c.cuts), { by: 'k', expireAfter: c.d, onExpire: (x) => (expired += x) }));
      expect(compactions()).toBeGreaterThan(5);
      const ref = lifetimes(c.ts, c.k, c.d);
      const want = toColumns(run(batch({ ts: c.ts, k: ref.renamed, bid: c.v, s: str }, E), { by: 'k' }));
      expect({ bid: got.bid, s: got.s }).toEqual({ bid: want.bid, s: want.s });
      expect(expired).toBe(ref.expired);
    } finally {
      restore();
    }
  });

  const E: SchemaSpec = { ts: 'timestamp[ms]', k: 'utf8', bid: 'float64', s: 'utf8' };

  it('a key not seen for more than expireAfter is not filled from before the gap; expiries are counted', () => {
    const counts: number[] = [];
    const a = batch({ ts: [0, 5, 10, 21, 22, 23], k: ['x', 'y', 'x', 'x', 'y', 'y'], bid: [1, 2, null, null, null, null], s: ['p', 'q', null, null, null, null] }, E);
    const out = run(split(a, [2, 4]), { by: 'k', expireAfter: 10, onExpire: (n) => counts.push(n) });
    // x at 10 is 10 after 0 (not more): filled; x at 21 is 11 after 10: fresh, stays null; y at 22 is 17 after 5: fresh
    expect(toColumns(out)).toMatchObject({ bid: [1, 2, 1, null, null, null], s: ['p', 'q', 'p', null, null, null] });
    // the batch [10, 21] ends x's first lifetime (gap 11) and y's (16 behind 21)
    expect(counts).toEqual([2]);
    // without expireAfter, everything is filled
    expect(toColumns(run(a, { by: 'k' })).bid).toEqual([1, 2, 1, 1, 2, 2]);
  });

  it('null keys never expire; expireAfter needs by; a bad duration is an InvalidOptionError', () => {
    const a = batch({ ts: [0, 100], k: [null, null], bid: [1, null], s: ['p', null] }, E);
    expect(toColumns(run(a, { by: 'k', expireAfter: 10 })).bid).toEqual([1, 1]);
    expect(errorOf(() => ffill({ expireAfter: 10 }))).toMatchObject({ option: 'expireAfter' });
    expect(errorOf(() => ffill({ by: 'k', expireAfter: -1 }))).toBeInstanceOf(InvalidOptionError);
    expect(errorOf(() => ffill({ by: 'k', onExpire: 1 as never }))).toMatchObject({ option: 'onExpire' });
  });

  it('random data, any split: the same as renaming each key at every gap > expireAfter (no expiry); counts agree', () => {
    for (const seed of soakSeeds(30)) {
      const rnd = mulberry(seed);
      const n = 1 + Math.floor(rnd() * 50);
      let t = 0;
      const ts = Array.from({ length: n }, () => (t += [0, 1, 3, 8][Math.floor(rnd() * 4)]));
      const k = Array.from({ length: n }, () => ['a', 'b', 'c', null][Math.floor(rnd() * 4)]);
      const bid = Array.from({ length: n }, (_, i) => (rnd() < 0.6 ? null : i));
      const str = Array.from({ length: n }, (_, i) => (rnd() < 0.6 ? null : `v${i}`));
      const d = [0, 2, 5, 20][seed % 4];
      const spec = { ...E, k: seed % 2 ? 'dictionary' : 'utf8' } as SchemaSpec;
      const cuts = [...new Set(Array.from({ length: 4 }, () => Math.floor(rnd() * (n + 1))))].sort((x, y) => x - y);
      let expired = 0;
      const got = toColumns(run(split(batch({ ts, k, bid, s: str }, spec), cuts), { by: 'k', expireAfter: d, onExpire: (c) => (expired += c), limit: seed % 3 ? undefined : 2 }));
      const ref = lifetimes(ts, k, d);
      const want = toColumns(run(batch({ ts, k: ref.renamed, bid, s: str }, spec), { by: 'k', limit: seed % 3 ? undefined : 2 }));
      expect({ bid: got.bid, s: got.s }).toEqual({ bid: want.bid, s: want.s });
      expect(expired).toBe(ref.expired);
    }
  });

  it('identical output for any batch split, cycle and live with expireAfter (expectParity)', async () => {
    const rnd = mulberry(17);
    const n = 40;
    const ts = Array.from({ length: n }, (_, i) => Math.floor(i * 37.3));
    const k = Array.from({ length: n }, () => ['a', 'b', 'c', null][Math.floor(rnd() * 4)]);
    const bid = Array.from({ length: n }, (_, i) => (rnd() < 0.5 ? null : i));
    const s = Array.from({ length: n }, (_, i) => (rnd() < 0.5 ? null : `v${i}`));
    const q = batch({ ts, k, bid, s }, { ts: 'timestamp[ms]', k: 'dictionary', bid: 'float64', s: 'utf8' });
    await expectParity(({ q }) => q.pipe(ffill({ by: 'k', expireAfter: 100 })), { q }, { runs: soak(8) });
  });

  it('100 000 keys each seen once: the key dictionary and the state stay bounded', () => {
    const { max, restore } = watchStores();
    try {
      let expired = 0;
      const batches: RecordBatch[] = [];
      for (let j = 0; j < 500; j++) {
        const ks = Array.from({ length: 200 }, (_, i) => `k${j * 200 + i}`);
        batches.push(batch({ ts: ks.map(() => j), k: ks, bid: ks.map((_, i) => (i % 2 ? null : i)), s: ks.map(() => null) }, E));
      }
      const out = run(batches, { by: 'k', expireAfter: 2, onExpire: (c) => (expired += c) });
      expect(out.reduce((m, b) => m + b.numRows, 0)).toBe(100_000);
      expect(expired).toBe(100_000 - 3 * 200); // the keys of the last 3 instants are alive
      expect(max()).toBeLessThan(2_000);
    } finally {
      restore();
    }
  });
});

function listBatch(): RecordBatch {
  const xs = vectorFromArray([[1], [2]], new List(new Field('item', new Float64(), true)));
  const ts = makeData({ type: new TimestampMillisecond(), length: 2, data: BigInt64Array.of(1n, 2n) });
  const k = vectorFromArray(['a', 'b'], new Utf8()).data[0];
  const schema = new Schema([new Field('ts', ts.type), new Field('k', k.type), new Field('xs', xs.type, true)]);
  return makeBatch(schema, [ts, k, xs.data[0] as Data]);
}

function mulberry(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
