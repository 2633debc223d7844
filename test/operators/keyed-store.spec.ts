import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type RecordBatch, Vector } from 'apache-arrow';
import { KeyedStore } from '../../operators/internal/keyed-store';
import { type KeyedArrays, growArray, remapArray } from '../../operators/internal/keyed';
import { batch, split } from '../../src/testing/builders';
import { StreamValidator } from '../../src/batch/validate';
import { InvalidOptionError, MissingColumnError } from '../../src/errors';
import { soak } from '../helpers/soak';

/** A per-key row counter: the smallest useful KeyedArrays. */
class Counter implements KeyedArrays {
  counts = new Int32Array(0);
  grow(slots: number): void {
    this.counts = growArray(this.counts, slots);
  }
  remap(map: Int32Array, slots: number): void {
    remapArray(this.counts, map, slots);
  }
}

const S = { ts: 'timestamp[ms]', k: 'utf8' } as const;
const rowsOf = (ts: number[], k: (string | null)[]) => batch({ ts, k }, S);

/** Runs the store + counter over batches: the count of each row's key after the row, and the expiry counts after each batch. */
function run(batches: RecordBatch[], expireAfter?: number, by: string[] = ['k']) {
  const store = new KeyedStore(by, { input: 'source', ...(expireAfter !== undefined ? { expireAfter } : {}) });
  const counter = new Counter();
  store.register(counter);
  const v = new StreamValidator('source', 'ts');
  const out: number[] = [];
  const expiredAfter: number[] = [];
  for (const b of batches) {
    const times = v.check(b);
    const slots = store.encode(b, times);
    for (let i = 0; i < slots.length; i++) out.push(++counter.counts[slots[i]]);
    store.endBatch();
    expiredAfter.push(store.expired);
  }
  return { out, expiredAfter, store };
}

/** The rules of docs/keyed-state.md, row by row with Maps. */
function reference(ts: number[], k: (string | null)[], d: number | undefined) {
  const count = new Map<string | null, number>();
  const last = new Map<string, number>();
  let expired = 0;
  const out: number[] = [];
  for (let i = 0; i < ts.length; i++) {
    const key = k[i];
    if (key !== null && d !== undefined && last.has(key) && ts[i] - last.get(key)! > d) {
      expired++;
      count.delete(key);
    }
    if (key !== null) last.set(key, ts[i]);
    count.set(key, (count.get(key) ?? 0) + 1);
    out.push(count.get(key)!);
  }
  // keys still alive at the end are expired when more than d behind the last row
  if (d !== undefined && ts.length) for (const [, t] of last) if (ts[ts.length - 1] - t > d) expired++;
  return { out, expired };
}

describe('KeyedStore', () => {
  it('without expiry: slot = key code + 1, the null-key group in slot 0, states grown for new keys', () => {
    const { out, store } = run([rowsOf([1, 2, 3, 4], ['a', 'b', null, 'a']), rowsOf([5, 6], ['c', null])]);
    expect(out).toEqual([1, 1, 1, 2, 1, 2]);
    expect(store.size).toBe(3);
    expect(store.slotCount).toBe(4);
  });

  it('keyColumns decodes slots (slot 0 is a null key)', () => {
    const { store } = run([rowsOf([1, 2], ['a', 'b'])]);
    const [d] = store.keyColumns(Int32Array.of(2, 0, 1));
    expect([d.length, d.nullCount, d.type.toString()]).toEqual([3, 1, 'Utf8']);
    expect([...new Vector([d])]).toEqual(['b', null, 'a']);
  });

  it('without key columns every row is in slot 0', () => {
    const { out } = run([rowsOf([1, 2, 3], ['a', 'b', null])], 5, []);
    expect(out).toEqual([1, 2, 3]);
  });

  it('expiry: a key not seen for more than expireAfter starts fresh, even within a batch; counted once', () => {
    const b = rowsOf([0, 5, 10, 21, 22, 40], ['a', 'b', 'a', 'a', 'b', null]);
    // a: 0, 10 (gap 10: kept), 21 (gap 11 > 10: fresh); b: 5, 22 (gap 17: fresh); null never expires
    const { out, expiredAfter, store } = run([b], 10);
    expect(out).toEqual([1, 1, 2, 1, 1, 1]);
    // after the batch (last row at 40): a (21) and b (22) are more than 10 behind → 2 more
    expect(expiredAfter).toEqual([4]);
    expect(store.size).toBe(0);
  });

  it('expireAfter 0 keeps a key alive only for rows at one time', () => {
    const { out } = run([rowsOf([1, 1, 2, 2, 2], ['a', 'a', 'a', 'a', 'b'])], 0);
    expect(out).toEqual([1, 2, 1, 2, 1]);
  });

  it('onExpire reports the keys expired in each batch', () => {
    const seen: number[] = [];
    const store = new KeyedStore('k', { expireAfter: 5, onExpire: (n) => seen.push(n) });
    const v = new StreamValidator('source', 'ts');
    for (const b of [rowsOf([0, 1], ['a', 'b']), rowsOf([3], ['a']), rowsOf([20], ['c'])]) {
      store.encode(b, v.check(b));
      store.endBatch();
    }
    expect(seen).toEqual([2]);
    expect(store.expired).toBe(2);
  });

  it('compaction keeps the live keys’ state and bounds the key dictionary', () => {
    const store = new KeyedStore('k', { expireAfter: 100 });
    const counter = new Counter();
    store.register(counter);
    const v = new StreamValidator('source', 'ts');
    let t = 0;
    let maxDict = 0;
    // 20 000 distinct keys, 50 per batch, 10 ms apart, plus one key seen every batch
    for (let j = 0; j < 400; j++) {
      const ks = Array.from({ length: 50 }, (_, i) => `k${j * 50 + i}`);
      const b = rowsOf([...ks.map(() => t), t], [...ks, 'hot']);
      t += 10;
      const slots = store.encode(b, v.check(b));
      for (let i = 0; i < slots.length; i++) counter.counts[slots[i]]++;
      expect(counter.counts[slots[slots.length - 1]]).toBe(j + 1);
      expect([...new Vector(store.keyColumns(slots.subarray(slots.length - 2)))]).toEqual([`k${j * 50 + 49}`, 'hot']);
      store.endBatch();
      maxDict = Math.max(maxDict, store.dictionarySize);
    }
    // alive: the keys of the last 11 batches (within 100 ms) and 'hot'
    expect(store.size).toBe(551);
    expect(store.expired).toBe(20000 - 550);
    expect(store.compactions).toBeGreaterThan(10);
    expect(maxDict).toBeLessThan(2 * 551 + 100);
    expect(counter.counts.length).toBeLessThan(4096);
  });

  it('a key seen again after expiry and compaction starts fresh (its old state is gone)', () => {
    const batches = [rowsOf([0], ['a']), ...Array.from({ length: 80 }, (_, i) => rowsOf([100 + i], [`x${i}`])), rowsOf([500, 500], ['a', 'a'])];
    const { out, store } = run(batches, 10);
    expect(store.compactions).toBeGreaterThan(0);
    expect(out.slice(-2)).toEqual([1, 2]);
  });

  it('the same rows and expiry count for every batch split (property, against a reference)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.option(fc.integer({ min: 0, max: 60 }), { freq: 8 })), { minLength: 1, maxLength: 120 }),
        fc.array(fc.integer({ min: 1, max: 120 }), { maxLength: 8 }),
        fc.constantFrom(undefined, 0, 10, 50),
        (rows, cuts, d) => {
          let t = 0;
          const ts = rows.map(([dt]) => (t += dt % 4 === 0 ? 0 : dt));
          const k = rows.map(([, key]) => (key === null ? null : `k${key}`));
          const whole = rowsOf(ts, k);
          const parts = split(whole, [...new Set(cuts.map((c) => c % ts.length).filter((c) => c > 0))].sort((a, b) => a - b));
          const want = reference(ts, k, d);
          const got = run(parts, d);
          expect(got.out).toEqual(want.out);
          expect(got.expiredAfter[got.expiredAfter.length - 1]).toBe(d === undefined ? 0 : want.expired);
        },
      ),
      { numRuns: soak(200) },
    );
  });

  it('errors: unknown key column, bad expireAfter', () => {
    const store = new KeyedStore('nope', { input: 'quotes' });
    expect(() => store.bind(rowsOf([1], ['a']).schema)).toThrow(MissingColumnError);
    expect(() => new KeyedStore('k', { expireAfter: -1 })).toThrow(InvalidOptionError);
    expect(() => new KeyedStore(['k', 'k'])).toThrow(InvalidOptionError);
    const e = (() => {
      try {
        new KeyedStore('k', { expireAfter: { months: 1 } });
      } catch (x) {
        return x;
      }
    })();
    expect(e).toMatchObject({ option: 'expireAfter' });
  });
});
