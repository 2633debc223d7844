/**
 * Shared by the keyed operators' key-expiry tests: a row-by-row model of key lifetimes, a
 * watch on every KeyedStore's size, and random cases.
 */
import { vi } from 'vitest';
import { KeyedStore } from '../../operators/internal/keyed-store';

/** Key expiry row by row: each key renamed at every gap > d (a new lifetime), and the number of lifetimes ended after the last row. */
export function lifetimes(ts: number[], ks: (string | null)[], d: number): { renamed: (string | null)[]; expired: number } {
  const last = new Map<string, number>();
  const gen = new Map<string, number>();
  let expired = 0;
  const renamed = ks.map((k, i) => {
    if (k === null) return null;
    const t0 = last.get(k);
    if (t0 !== undefined && ts[i] - t0 > d) {
      expired++;
      gen.set(k, (gen.get(k) ?? 0) + 1);
    }
    last.set(k, ts[i]);
    return `${k}#${gen.get(k) ?? 0}`;
  });
  const end = ts[ts.length - 1];
  for (const t0 of last.values()) if (end - t0 > d) expired++;
  return { renamed, expired };
}

/** Watches every `KeyedStore` after each batch: the largest key dictionary or slot count seen, and the most compactions one store did. */
export function watchStores(): { max: () => number; compactions: () => number; restore: () => void } {
  const endBatch = KeyedStore.prototype.endBatch;
  let max = 0;
  let compactions = 0;
  const spy = vi.spyOn(KeyedStore.prototype, 'endBatch').mockImplementation(function (this: KeyedStore) {
    max = Math.max(max, this.dictionarySize, this.slotCount);
    endBatch.call(this);
    compactions = Math.max(compactions, this.compactions);
  });
  return { max: () => max, compactions: () => compactions, restore: () => spy.mockRestore() };
}

/** Random rows for the expiry properties: sorted times with ties and gaps, keys a/b/c/null, values with nulls, cut points. */
export function randomCase(seed: number) {
  let a = seed >>> 0;
  const rnd = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const n = 1 + Math.floor(rnd() * 50);
  let t = 0;
  const ts = Array.from({ length: n }, () => (t += [0, 1, 3, 8][Math.floor(rnd() * 4)]));
  const k = Array.from({ length: n }, () => ['a', 'b', 'c', null][Math.floor(rnd() * 4)]);
  const v = Array.from({ length: n }, () => (rnd() < 0.3 ? null : Math.floor(rnd() * 19) - 9));
  const cuts = [...new Set(Array.from({ length: 4 }, () => Math.floor(rnd() * (n + 1))))].sort((x, y) => x - y);
  return { n, ts, k, v, cuts, d: [0, 2, 5, 20][seed % 4] };
}

/**
 * Many keys over time (a sliding set of about six live keys, some old keys coming back,
 * a few null keys), with `d = 3` and batch cuts every 1..200 rows, so that expiry compacts
 * the store many times.
 */
export function manyKeysCase(seed: number) {
  let a = seed >>> 0;
  const rnd = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const n = 3000;
  const ts = Array.from({ length: n }, (_, i) => Math.floor(i / 4));
  const k = Array.from({ length: n }, (_, i) => {
    const u = rnd();
    if (u < 0.02) return null;
    if (u < 0.1) return `k${Math.floor((rnd() * i) / 8)}`;
    return `k${Math.floor(i / 8) + Math.floor(rnd() * 6)}`;
  });
  const v = Array.from({ length: n }, () => (rnd() < 0.4 ? null : Math.floor(rnd() * 19) - 9));
  const cuts: number[] = [];
  for (let c = 1 + Math.floor(rnd() * 200); c < n; c += 1 + Math.floor(rnd() * 200)) cuts.push(c);
  return { n, ts, k, v, cuts, d: 3 };
}
