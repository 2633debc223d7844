/**
 * Keyed operators of one run share a key dictionary per key column names and kinds
 * (`runKeyDictionary`), and a key column passed down a chain is encoded once (the
 * dictionary's encode cache). Outputs must be those of private dictionaries (outside a run).
 */
import { describe, expect, it } from 'vitest';
import { type Observable, type OperatorFunction, merge, of, pipe } from 'rxjs';
import type { RecordBatch, Table } from 'apache-arrow';
import { ffill } from '../../operators/ffill';
import { cumulative } from '../../operators/cumulative';
import { ema } from '../../operators/ema';
import { rolling } from '../../operators/rolling';
import { cutoff } from '../../operators/cutoff';
import { filter } from '../../operators/filter';
import { lastByKey } from '../../operators/lastByKey';
import { KeyedStore } from '../../operators/internal/keyed-store';
import { mean, sum } from '../../src/aggs/agg';
import { col } from '../../src/expr';
import { batch, split } from '../../src/testing/builders';
import type { SchemaSpec } from '../../src/testing/schema';
import { toColumns } from '../../src/testing/read';
import { expectBatchesEqual } from '../../src/testing/match';
import { expectParity } from '../../src/testing/parity';
import { replay } from '../../src/time/replay';
import { type RunContext, runKeyDictionary } from '../../src/time/run';
import type { KeyDictionary } from '../../src/batch/keys';
import { runOperator } from '../helpers/run';
import { soak } from '../helpers/soak';

/** A small deterministic generator (no Math.random: reproducible cases). */
function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const STRINGS = ['A', 'B', 'C', 'D', 'E', null];

/** `n` rows: ts with ties (ms), k (from `keys`), px with nulls, v. */
function rowsOf<K>(n: number, seed: number, keys: readonly K[]) {
  const r = lcg(seed);
  const ts: number[] = [];
  const k: K[] = [];
  const px: (number | null)[] = [];
  const v: number[] = [];
  let t = 0;
  for (let i = 0; i < n; i++) {
    if (r() < 0.7) t += 1 + Math.floor(r() * 3);
    ts.push(t);
    k.push(keys[Math.floor(r() * keys.length)]);
    px.push(r() < 0.2 ? null : Math.round(r() * 1000) / 10);
    v.push(Math.floor(r() * 5));
  }
  return { ts, k, px, v };
}

const STR: SchemaSpec = { ts: 'timestamp[ms]', k: 'utf8', px: 'float64', v: 'int32' };
const DICT: SchemaSpec = { ts: 'timestamp[ms]', k: 'dictionary', px: 'float64', v: 'int32' };
const INT: SchemaSpec = { ts: 'timestamp[ms]', k: 'int32', px: 'float64', v: 'int32' };

/** ffill → cumulative → filter → ema → rolling → cutoff, all by k. */
const longChain = (): OperatorFunction<RecordBatch, RecordBatch> =>
  pipe(
    ffill({ by: 'k', columns: ['px'] }),
    cumulative({ by: 'k', aggs: { c: sum('px'), cv: sum('v') } }),
    filter(col('v').gt(0)),
    ema({ by: 'k', columns: { e: 'px' }, alpha: 0.3 }),
    rolling({ by: 'k', window: { rows: 3 }, aggs: { r: mean('px') } }),
    cutoff({ by: 'k', columns: 'e', tolerance: 0.5 }),
  );

/** ffill → cumulative by k (the other branch). */
const shortChain = (): OperatorFunction<RecordBatch, RecordBatch> =>
  pipe(ffill({ by: 'k' }), cumulative({ by: 'k', aggs: { c: sum('px') } }), ema({ by: 'k', columns: { e: 'c' }, alpha: 0.5 }));

/** With expireAfter in the middle (a private, compacting dictionary between shared ones). */
const expiringChain = (): OperatorFunction<RecordBatch, RecordBatch> =>
  pipe(
    ffill({ by: 'k', columns: ['px'] }),
    ema({ by: 'k', columns: { e: 'px' }, alpha: 0.3, expireAfter: 4 }),
    cumulative({ by: 'k', aggs: { c: sum('px') } }),
    rolling({ by: 'k', window: 5, aggs: { r: sum('v') }, expireAfter: 3 }),
    ema({ by: 'k', columns: { e2: 'px' }, alpha: 0.6 }),
  );

/** The chain outside a run, over `input` cut into batches of `size` rows. */
function outside(chain: OperatorFunction<RecordBatch, RecordBatch>, input: RecordBatch, size: number): RecordBatch[] {
  const cuts: number[] = [];
  for (let c = size; c < input.numRows; c += size) cuts.push(c);
  return runOperator(chain, split(input, cuts));
}

describe('shared key dictionaries inside a run', () => {
  const s = batch(rowsOf(300, 1, STRINGS), STR);
  const d = batch(rowsOf(200, 2, ['E', 'F', 'A', null]), DICT);
  const w = batch(rowsOf(200, 3, [7, -1, 3, 100000, null]), INT);

  it('a long chain, a dictionary branch and an Int32 branch keyed by the same name: identical to private dictionaries, keys shared by kind', async () => {
    let run: RunContext | undefined;
    const out = (await replay(
      ({ s: a, d: b, w: c }, r) => {
        run = r;
        return { a: a.pipe(longChain()), b: b.pipe(shortChain()), c: c.pipe(shortChain()), x: a.pipe(expiringChain()) };
      },
      { s, d, w },
      { cycle: 7 },
    )) as Record<'a' | 'b' | 'c' | 'x', Table>;
    expectBatchesEqual(out.a, outside(longChain(), s, 13), { concat: true });
    expectBatchesEqual(out.b, outside(shortChain(), d, 1000), { concat: true });
    expectBatchesEqual(out.c, outside(shortChain(), w, 5), { concat: true });
    expectBatchesEqual(out.x, outside(expiringChain(), s, 1), { concat: true });
    // one dictionary for the strings (Utf8 and Dictionary<Utf8> columns), one for the integers
    const strings = runKeyDictionary(run!, ['k'], ['string']);
    const ints = runKeyDictionary(run!, ['k'], ['int']);
    expect(strings).not.toBe(ints);
    expect(strings.size).toBe(6); // A..F
    expect(ints.size).toBe(4);
    // the key column went down the chains unchanged: most encodes were copies
    expect(strings.cacheHits).toBeGreaterThan(0);
    expect(ints.cacheHits).toBeGreaterThan(0);
  });

  it('a later run starts from fresh dictionaries (the registry dies with the run)', async () => {
    const seen: KeyDictionary[] = [];
    for (let i = 0; i < 2; i++) {
      await replay(
        ({ s: a }, r) => {
          seen.push(runKeyDictionary(r, ['k'], ['string']));
          return a.pipe(ffill({ by: 'k' }));
        },
        { s },
      );
    }
    expect(seen[0]).not.toBe(seen[1]);
    expect(seen[1].size).toBe(5);
  });

  it('codes of the shared dictionary are not dense for an operator: state for keys it never sees stays initial', async () => {
    // branch y sees only 'Z' but its codes start after the keys of branch x (subscribed first)
    const x = batch({ ts: [1, 2, 3], k: ['P', 'Q', 'R'], px: [1, 2, 3], v: [1, 1, 1] }, STR);
    const y = batch({ ts: [1, 2, 3], k: ['Z', 'Z', 'P'], px: [10, null, 5], v: [1, 1, 1] }, STR);
    const out = (await replay(({ x: a, y: b }) => ({ a: a.pipe(ffill({ by: 'k' })), b: b.pipe(ffill({ by: 'k' }), cumulative({ by: 'k', aggs: { c: sum('px') } })) }), { x, y })) as Record<'a' | 'b', Table>;
    expect(toColumns(out.b)).toEqual({ ts: [1n, 2n, 3n], k: ['Z', 'Z', 'P'], px: [10, 10, 5], v: [1, 1, 1], c: [10, 20, 5] });
  });

  it('expectParity: shared chains give the same output for any split, cycle, delivery order and live', async () => {
    const small = batch(rowsOf(60, 4, STRINGS), STR);
    const smallD = batch(rowsOf(40, 5, ['A', 'F', null]), DICT);
    await expectParity(({ s: a, d: b }) => ({ a: a.pipe(longChain()), b: merge(b.pipe(shortChain()), of()) as Observable<RecordBatch>, x: a.pipe(expiringChain()) }), { s: small, d: smallD }, { runs: soak(12) });
  });

  it('lastByKey (orders its output by key) keeps its own dictionary: same output inside a run as outside', async () => {
    const x = batch({ ts: [1, 1, 2, 3], k: ['B', 'A', 'C', 'A'], px: [1, 2, 3, 4], v: [1, 1, 1, 1] }, STR);
    const y = batch({ ts: [0, 0, 0, 3], k: ['C', 'A', 'B', 'C'], px: [1, 2, 3, 4], v: [1, 1, 1, 1] }, STR);
    // the shared dictionary gets C, A, B (y's rows come first); lastByKey's own gets B, A, C: B before A at ts 1
    let run: RunContext | undefined;
    const out = (await replay(
      ({ x: a, y: b }, r) => {
        run = r;
        return { b: b.pipe(ffill({ by: 'k' })), a: a.pipe(ffill({ by: 'k' }), lastByKey({ by: 'k' })) };
      },
      { x, y },
    )) as Record<'a' | 'b', Table>;
    expect(runKeyDictionary(run!, ['k'], ['string']).size).toBe(3);
    expectBatchesEqual(out.a, runOperator(pipe(ffill({ by: 'k' }), lastByKey({ by: 'k' })), x), { concat: true });
    expect(toColumns(out.a).k).toEqual(['B', 'A', 'C', 'A']);
  });
});

describe('KeyedStore and the run', () => {
  const s = batch({ ts: [1, 2, 3], k: ['A', 'B', 'A'], px: [1, 2, 3], v: [1, 1, 1] }, STR);
  const w = batch({ ts: [1, 2, 3], k: [1, 2, 1], px: [1, 2, 3], v: [1, 1, 1] }, INT);
  const fakeRun = () => ({}) as RunContext;

  it('shares the run’s dictionary for its key names and kinds, not with expireAfter nor without a run', () => {
    const run = fakeRun();
    const a = new KeyedStore('k', { run });
    const b = new KeyedStore(['k'], { run });
    const c = new KeyedStore('k', { run, expireAfter: 10 });
    const e = new KeyedStore('k', {});
    const i = new KeyedStore('k', { run });
    for (const st of [a, b, c, e]) st.bind(s.schema);
    i.bind(w.schema);
    expect(a.keyEncoder!.dictionary).toBe(runKeyDictionary(run, ['k'], ['string']));
    expect(b.keyEncoder!.dictionary).toBe(a.keyEncoder!.dictionary);
    expect([a.sharesKeys, b.sharesKeys, c.sharesKeys, e.sharesKeys, i.sharesKeys]).toEqual([true, true, false, false, true]);
    expect(c.keyEncoder!.dictionary).not.toBe(a.keyEncoder!.dictionary);
    expect(e.keyEncoder!.dictionary).not.toBe(a.keyEncoder!.dictionary);
    expect(i.keyEncoder!.dictionary).toBe(runKeyDictionary(run, ['k'], ['int']));
    expect(runKeyDictionary(fakeRun(), ['k'], ['string'])).not.toBe(a.keyEncoder!.dictionary);
    // another key list is another dictionary
    expect(runKeyDictionary(run, ['k', 'v'], ['string', 'int'])).not.toBe(a.keyEncoder!.dictionary);
  });

  it('a missing or unsupported key column still gives the usual errors inside a run', () => {
    const run = fakeRun();
    expect(() => new KeyedStore('nope', { run }).bind(s.schema)).toThrow(/nope/);
    expect(() => new KeyedStore('px', { run }).bind(s.schema)).toThrow(/Unsupported key column type/);
  });

  it('with expireAfter, re-encoding the same batch object after a key came back gives the same slots (the codes buffer holds codes only)', () => {
    // 'A' expires (last seen at 0, expireAfter 5) and comes back at 10: a new slot, unlike its code + 1
    const b0 = batch({ ts: [0, 0], k: ['A', 'B'], px: [1, 2], v: [1, 1] }, STR);
    const b1 = batch({ ts: [10, 10, 10], k: ['B', 'A', 'A'], px: [3, null, 5], v: [1, 1, 1] }, STR);
    const b1copy = batch({ ts: [10, 10, 10], k: ['B', 'A', 'A'], px: [3, null, 5], v: [1, 1, 1] }, STR);
    const chain = () => pipe(ffill({ by: 'k', expireAfter: 5 }), cumulative({ by: 'k', aggs: { c: sum('px') }, expireAfter: 5 }));
    expectBatchesEqual(runOperator(chain(), [b0, b1, b1]), runOperator(chain(), [b0, b1, b1copy]));
  });
});
