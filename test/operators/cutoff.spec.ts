import { describe, expect, it } from 'vitest';
import { map } from 'rxjs';
import type { RecordBatch } from 'apache-arrow';
import fc from 'fast-check';
import { cutoff, CutoffState, type CutoffOptions } from '../../operators/cutoff';
import { batch, split } from '../../src/testing/builders';
import type { Cell } from '../../src/testing/builders';
import type { SchemaSpec } from '../../src/testing/schema';
import { toColumns } from '../../src/testing/read';
import { expectParity } from '../../src/testing/parity';
import { marbleTest } from '../../src/testing/marbles';
import { ColumnTypeError, InvalidOptionError, MissingColumnError, NullTimeError } from '../../src/errors';
import { lifetimes, manyKeysCase, watchStores, randomCase } from '../helpers/keyed';
import { errorOf, runOperator } from '../helpers/run';
import { soak, soakSeeds } from '../helpers/soak';

const run = (input: RecordBatch | RecordBatch[], options: CutoffOptions): RecordBatch[] => runOperator(cutoff(options), input);

const S: SchemaSpec = { ts: 'timestamp[ms]', k: 'utf8', px: 'float64' };

/** The reference, row by row over plain values. */
function reference(keys: Cell[], cols: Cell[][], tol: number[]): number[] {
  const last = new Map<Cell, Cell[]>();
  const kept: number[] = [];
  keys.forEach((k, i) => {
    const prev = last.get(k);
    const row = cols.map((c) => c[i]);
    const changed =
      !prev ||
      row.some((v, c) => {
        const p = prev[c];
        if (v === null || p === null) return (v === null) !== (p === null);
        if (Number.isNaN(v) || Number.isNaN(p)) return Number.isNaN(v) !== Number.isNaN(p);
        return Math.abs((v as number) - (p as number)) > tol[c];
      });
    if (changed) {
      last.set(k, row);
      kept.push(i);
    }
  });
  return kept;
}

describe('cutoff', () => {
  it('the doc example: per key, against the last row let through, across batches', () => {
    const a = batch({ ts: [1, 2, 3], k: ['x', 'x', 'y'], px: [10, 10.01, 5] }, S);
    const b = batch({ ts: [4, 5], k: ['x', 'x'], px: [10.02, 10.2] }, S);
    const out = run([a, b], { by: 'k', columns: 'px', tolerance: 0.05 });
    expect(out.map((x) => toColumns(x))).toEqual([
      { ts: [1n, 3n], k: ['x', 'y'], px: [10, 5] },
      { ts: [5n], k: ['x'], px: [10.2] },
    ]);
    expect(out[0].schema).toBe(a.schema);
  });

  it('slow drift passes once it adds up; tolerance is strict; default 0 passes any change', () => {
    const x = batch({ ts: [1, 2, 3, 4, 5], k: ['a', 'a', 'a', 'a', 'a'], px: [0, 0.5, 1, 1.5, 1.5] }, S);
    expect(toColumns(run(x, { columns: 'px', tolerance: 1 })).px).toEqual([0, 1.5]);
    expect(toColumns(run(x, { columns: 'px', tolerance: 0.5 })).px).toEqual([0, 1]);
    expect(toColumns(run(x, { columns: 'px' })).px).toEqual([0, 0.5, 1, 1.5]);
  });

  it('several columns with per-column tolerances: any column moving lets the row through', () => {
    const spec: SchemaSpec = { ts: 'timestamp[ms]', k: 'utf8', bid: 'float64', ask: 'int32' };
    const x = batch({ ts: [1, 2, 3, 4], k: ['a', 'a', 'a', 'a'], bid: [1, 1.05, 1.05, 1.2], ask: [10, 10, 12, 12] }, spec);
    expect(toColumns(run(x, { columns: ['bid', 'ask'], tolerance: { bid: 0.1, ask: 1 } })).ts).toEqual([1n, 3n, 4n]);
  });

  it('nulls differ from values and equal nulls; NaN likewise; null keys are one group', () => {
    const x = batch({ ts: [1, 2, 3, 4, 5, 6, 7, 8], k: [null, null, null, 'a', 'a', 'a', null, 'a'], px: [null, null, 1, NaN, NaN, 2, 1, null] }, S);
    expect(toColumns(run(x, { by: 'k', columns: 'px' })).ts).toEqual([1n, 3n, 4n, 6n, 8n]);
  });

  it('integer columns (Int64 as doubles), sliced batches, empty batches, one key without by', () => {
    const spec: SchemaSpec = { ts: 'timestamp[ms]', k: 'utf8', v: 'int64' };
    const x = batch({ ts: [1, 2, 3, 4, 5, 6], k: ['a', 'b', 'a', 'b', 'a', 'b'], v: [1n, 1n, 2n, 3n, 5n, 3n] }, spec);
    const e = batch({ ts: [], k: [], v: [] }, spec);
    const out = run([e, ...split(x, [1, 3, 4]), e], { columns: 'v', tolerance: 1 });
    expect(toColumns(out).ts).toEqual([1n, 4n, 5n, 6n]);
    expect(out[0].numRows).toBe(0);
    expect(toColumns(run(split(x, [1, 3, 4]), { by: 'k', columns: 'v', tolerance: 1 })).ts).toEqual([1n, 2n, 4n, 5n]);
  });

  it('against a row-by-row reference on random data and splits', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', null), fc.option(fc.integer({ min: -6, max: 6 }), { freq: 4 }), fc.option(fc.integer({ min: 0, max: 4 }), { freq: 4 })), { maxLength: 40 }),
        fc.constantFrom(0, 1, 2.5),
        fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 3 }),
        (rows, tol, cuts) => {
          const n = rows.length;
          const keys = rows.map((r) => r[0]);
          const a = rows.map((r) => (r[1] === null ? null : r[1] / 2));
          const b = rows.map((r) => r[2]);
          const x = batch({ ts: rows.map((_, i) => i), k: keys, a, b }, { ts: 'timestamp[ms]', k: 'dictionary', a: 'float64', b: 'uint16' });
          const pieces = split(x, [...new Set(cuts.map((c) => c % (n + 1)))].sort((p, q) => p - q));
          const got = toColumns(run(pieces, { by: 'k', columns: ['a', 'b'], tolerance: tol })).ts ?? [];
          expect(got).toEqual(reference(keys, [a, b], [tol, tol]).map((i) => BigInt(i)));
        },
      ),
      { numRuns: soak(100) },
    );
  });

  it('marbles and unsubscription', () => {
    marbleTest(({ cold, expectObservable, expectSubscriptions }) => {
      const a = batch({ ts: [1, 2], k: ['x', 'x'], px: [1, 1] }, S);
      const b = batch({ ts: [3], k: ['x'], px: [1] }, S);
      const src = cold('-a-b-|', { a, b });
      expectObservable(src.pipe(cutoff({ by: 'k', columns: 'px' }), map((x) => x.numRows))).toBe('-p-q-|', { p: 1, q: 0 });
      expectSubscriptions(src.subscriptions).toBe('^----!');
      const bad = cold('-a-#', { a });
      expectObservable(bad.pipe(cutoff({ columns: 'px' }), map((x) => x.numRows))).toBe('-p-#', { p: 1 });
      const long = cold('-a-b-', { a, b });
      expectObservable(long.pipe(cutoff({ columns: 'px' }), map((x) => x.numRows)), '--!').toBe('-p', { p: 1 });
      expectSubscriptions(long.subscriptions).toBe('^-!');
    });
  });

  it('identical output for any batch split, cycle and live (expectParity)', async () => {
    const n = 40;
    const ts = Array.from({ length: n }, (_, i) => Math.floor(i * 33.1));
    const k = Array.from({ length: n }, (_, i) => ['a', 'b', null][(i * 5) % 3]);
    const px = Array.from({ length: n }, (_, i) => (i % 7 === 2 ? null : Math.round(Math.sin(i) * 4)));
    const q = batch({ ts, k, px }, { ts: 'timestamp[ms]', k: 'dictionary', px: 'float64' });
    await expectParity(({ q }) => q.pipe(cutoff({ by: 'k', columns: 'px', tolerance: 1 })), { q }, { runs: soak(8) });
  });

  it('CutoffState.remap moves kept keys and drops expired ones', () => {
    const x = batch({ ts: [1, 2, 3], k: ['a', 'b', 'c'], px: [1, 2, 3] }, S);
    const state = new CutoffState(
      { schema: x.schema, time: { name: 'ts', index: 0, field: x.schema.fields[0], encoding: { kind: 'int64', nsPerUnit: 1_000_000n } }, keyIndices: [1] },
      ['px'],
      Float64Array.of(0),
    );
    state.apply({ batch: x, times: BigInt64Array.of(1n, 2n, 3n), codes: Int32Array.of(0, 1, 2), slots: 4, rowBase: 0 });
    state.remap(Int32Array.of(0, 1, -1, 2), 3); // expire 'b'; 'c' moves to slot 2
    const y = batch({ ts: [4, 5, 6], k: ['a', 'c', 'b'], px: [1, 3, 2] }, S);
    const out = state.apply({ batch: y, times: BigInt64Array.of(4n, 5n, 6n), codes: Int32Array.of(0, 1, 2), slots: 4, rowBase: 3 });
    // a and c unchanged; b is new again after expiry
    expect(toColumns(out).k).toEqual(['b']);
  });

  describe('errors', () => {
    it('bad options, unknown and non-numeric columns, null times', () => {
      const x = batch({ ts: [1], k: ['a'], px: [1] }, S);
      expect(errorOf(() => cutoff({ columns: [] }))).toBeInstanceOf(InvalidOptionError);
      for (const tolerance of [-1, NaN, Infinity]) expect(errorOf(() => cutoff({ columns: 'px', tolerance }))).toMatchObject({ option: 'tolerance' });
      expect(errorOf(() => cutoff({ columns: 'px', tolerance: { bid: 1 } }))).toMatchObject({ option: 'tolerance' });
      const e1 = errorOf(() => run(x, { columns: 'bid' }));
      expect(e1).toBeInstanceOf(MissingColumnError);
      expect(e1).toMatchObject({ input: 'source', column: 'bid' });
      expect(errorOf(() => run(x, { columns: 'k' }))).toBeInstanceOf(ColumnTypeError);
      const e2 = errorOf(() => run(batch({ ts: [1, null], k: ['a', 'a'], px: [1, 2] }, S), { columns: 'px' }));
      expect(e2).toBeInstanceOf(NullTimeError);
      expect(e2).toMatchObject({ input: 'source', column: 'ts', row: 1 });
    });
  });
});

describe('cutoff key expiry (expireAfter)', () => {
  it('many keys, compacted many times: the same as the rename reference', () => {
    const { compactions, restore } = watchStores();
    try {
      const c = manyKeysCase(3);
      const v = c.v.map((x) => (x === null ? null : Math.abs(x) % 3));
      let expired = 0;
      const got = toColumns(run(split(batch({ ts: c.ts, k: c.k, px: v }, S), c.cuts), { by: 'k', columns: 'px', expireAfter: c.d, onExpire: (x) => (expired += x) }));
      const ref = lifetimes(c.ts, c.k, c.d);
      const want = toColumns(run(batch({ ts: c.ts, k: ref.renamed, px: v }, S), { by: 'k', columns: 'px' }));
      expect({ ts: got.ts, px: got.px }).toEqual({ ts: want.ts, px: want.px });
      expect(expired).toBe(ref.expired);
      expect(compactions()).toBeGreaterThan(5);
    } finally {
      restore();
    }
  });

  it('a key not seen for more than expireAfter lets its next row through; expiries are counted', () => {
    const counts: number[] = [];
    const a = batch({ ts: [0, 5, 10, 21, 22], k: ['x', 'y', 'x', 'x', 'y'], px: [1, 1, 1, 1, 1] }, S);
    const out = toColumns(run(split(a, [2, 4]), { by: 'k', columns: 'px', expireAfter: 10, onExpire: (n) => counts.push(n) }));
    // x at 10: unchanged, dropped; x at 21 (gap 11) and y at 22 (gap 17): fresh, through
    expect(out.ts).toEqual([0n, 5n, 21n, 22n]);
    expect(counts).toEqual([2]);
    expect(toColumns(run(a, { by: 'k', columns: 'px' })).ts).toEqual([0n, 5n]);
    expect(errorOf(() => cutoff({ columns: 'px', expireAfter: 10 }))).toMatchObject({ option: 'expireAfter' });
  });

  it('random data, any split: the same as renaming each key at every gap > expireAfter (no expiry); counts agree', () => {
    const spec: SchemaSpec = { ts: 'timestamp[ms]', k: 'utf8', px: 'float64' };
    for (const seed of soakSeeds(30)) {
      const c = randomCase(seed);
      const v = c.v.map((x) => (x === null ? null : Math.abs(x) % 3));
      let expired = 0;
      const got = toColumns(run(split(batch({ ts: c.ts, k: c.k, px: v }, spec), c.cuts), { by: 'k', columns: 'px', tolerance: 1, expireAfter: c.d, onExpire: (x) => (expired += x) }));
      const ref = lifetimes(c.ts, c.k, c.d);
      const want = toColumns(run(batch({ ts: c.ts, k: ref.renamed, px: v }, spec), { by: 'k', columns: 'px', tolerance: 1 }));
      expect({ ts: got.ts, px: got.px }).toEqual({ ts: want.ts, px: want.px });
      expect(expired).toBe(ref.expired);
    }
  });

  it('identical output for any batch split, cycle and live with expireAfter (expectParity)', async () => {
    const c = randomCase(9);
    const q = batch({ ts: c.ts.map((t) => t * 100), k: c.k, px: c.v.map((x) => (x === null ? null : x % 2)) }, { ts: 'timestamp[ms]', k: 'dictionary', px: 'float64' });
    await expectParity(({ q }) => q.pipe(cutoff({ by: 'k', columns: 'px', expireAfter: 250 })), { q }, { runs: soak(8) });
  });

  it('100 000 keys each seen once: the key dictionary and the state stay bounded', () => {
    const { max, restore } = watchStores();
    try {
      let expired = 0;
      const batches: RecordBatch[] = [];
      for (let j = 0; j < 500; j++) {
        const ks = Array.from({ length: 200 }, (_, i) => `k${j * 200 + i}`);
        batches.push(batch({ ts: ks.map(() => j), k: ks, px: ks.map(() => 1) }, S));
      }
      const out = run(batches, { by: 'k', columns: 'px', expireAfter: 2, onExpire: (c) => (expired += c) });
      expect(out.reduce((m, b) => m + b.numRows, 0)).toBe(100_000);
      expect(expired).toBe(100_000 - 3 * 200);
      expect(max()).toBeLessThan(2_000);
    } finally {
      restore();
    }
  });
});

