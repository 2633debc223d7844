/**
 * Key encoding throughput: 1M rows × 500 distinct keys, as Utf8, as Dictionary<Int32, Utf8>
 * (a different, shuffled dictionary in every batch, as a stream of replacement
 * dictionaries gives) and as Int32 / Int64. `KeyEncoder` against the plain apache-arrow
 * way (`vector.get(i)` + a `Map`) and a hand-written typed-array loop with a `Map`.
 *
 * Run: npx tsx bench/keys.ts
 */
import {
  Data,
  Dictionary,
  Field,
  Int32,
  Int64,
  RecordBatch,
  Schema,
  Struct,
  Utf8,
  Vector,
  makeData,
} from 'apache-arrow';
import { KeyEncoder } from '../src/batch/keys';
import { decodeUtf8 } from '../src/kernels/utf8';

const ROWS = 1 << 20;
const BATCH = 1 << 16;
const KEYS = 500;
const REPS = 5;

const names = Array.from({ length: KEYS }, (_, i) => `TICK${String(i).padStart(3, '0')}`);
let seed = 42;
const rand = (): number => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 2 ** 32;
};
const rowKeys = Int32Array.from({ length: ROWS }, () => Math.floor(rand() * KEYS));

function utf8Data(values: readonly string[]): Data<Utf8> {
  const enc = new TextEncoder();
  const parts = values.map((v) => enc.encode(v));
  const offsets = new Int32Array(values.length + 1);
  parts.forEach((p, i) => (offsets[i + 1] = offsets[i] + p.length));
  const bytes = new Uint8Array(offsets[values.length]);
  parts.forEach((p, i) => bytes.set(p, offsets[i]));
  return makeData({ type: new Utf8(), length: values.length, valueOffsets: offsets, data: bytes, nullCount: 0 });
}

function batchOf(column: Data): RecordBatch {
  const fields = [new Field('k', column.type, false)];
  return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: column.length, nullCount: 0, children: [column] }));
}

const dictType = new Dictionary(new Utf8(), new Int32());
const utf8Batches: RecordBatch[] = [];
const dictBatches: RecordBatch[] = [];
const i32Batches: RecordBatch[] = [];
const i64Batches: RecordBatch[] = [];
for (let start = 0; start < ROWS; start += BATCH) {
  const keys = rowKeys.subarray(start, start + BATCH);
  utf8Batches.push(batchOf(utf8Data(Array.from(keys, (k) => names[k]))));
  // A shuffled dictionary per batch.
  const perm = Int32Array.from({ length: KEYS }, (_, i) => i);
  for (let i = KEYS - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  const where = new Int32Array(KEYS);
  perm.forEach((k, i) => (where[k] = i));
  const dictionary = new Vector([utf8Data(Array.from(perm, (k) => names[k]))]);
  dictBatches.push(batchOf(makeData({ type: dictType, length: keys.length, data: Int32Array.from(keys, (k) => where[k]), dictionary, nullCount: 0 })));
  i32Batches.push(batchOf(makeData({ type: new Int32(), length: keys.length, data: Int32Array.from(keys, (k) => k * 7919), nullCount: 0 })));
  i64Batches.push(batchOf(makeData({ type: new Int64(), length: keys.length, data: BigInt64Array.from(keys, (k) => BigInt(k) * 10_000_000_007n), nullCount: 0 })));
}

/** Best rows/s over REPS runs of `run` (a fresh state each run). */
function measure(run: () => number): number {
  let best = 0;
  for (let r = 0; r < REPS; r++) {
    const t0 = performance.now();
    const size = run();
    const dt = (performance.now() - t0) / 1000;
    if (size !== KEYS) throw new Error(`expected ${KEYS} keys, got ${size}`);
    best = Math.max(best, ROWS / dt);
  }
  return best;
}

const weir = (batches: RecordBatch[]) => (): number => {
  const enc = new KeyEncoder(batches[0].schema, 'k');
  const out = new Int32Array(BATCH);
  for (const b of batches) enc.encode(b, out);
  return enc.size;
};

/** The plain apache-arrow way: a Vector per batch, `get(i)` per row, a Map. */
const arrowWay = (batches: RecordBatch[]) => (): number => {
  const map = new Map<unknown, number>();
  const out = new Int32Array(BATCH);
  for (const b of batches) {
    const v = b.getChildAt(0)!;
    for (let i = 0; i < b.numRows; i++) {
      const k = v.get(i);
      let c = map.get(k);
      if (c === undefined) map.set(k, (c = map.size));
      out[i] = c;
    }
  }
  return map.size;
};

/** Hand-written typed-array loops with a Map. */
const handUtf8 = (): number => {
  const map = new Map<string, number>();
  const out = new Int32Array(BATCH);
  for (const b of utf8Batches) {
    const d = b.data.children[0];
    const o = d.valueOffsets as Int32Array;
    const bytes = d.values as Uint8Array;
    for (let i = 0; i < d.length; i++) {
      const k = decodeUtf8(bytes, o[i], o[i + 1]);
      let c = map.get(k);
      if (c === undefined) map.set(k, (c = map.size));
      out[i] = c;
    }
  }
  return map.size;
};
const handDict = (): number => {
  const map = new Map<string, number>();
  const out = new Int32Array(BATCH);
  for (const b of dictBatches) {
    const d = b.data.children[0];
    const dict = d.dictionary!.data[0];
    const o = dict.valueOffsets as Int32Array;
    const table = new Int32Array(dict.length);
    for (let j = 0; j < dict.length; j++) {
      const k = decodeUtf8(dict.values as Uint8Array, o[j], o[j + 1]);
      let c = map.get(k);
      if (c === undefined) map.set(k, (c = map.size));
      table[j] = c;
    }
    const keys = d.values as Int32Array;
    for (let i = 0; i < d.length; i++) out[i] = table[keys[i]];
  }
  return map.size;
};
const handInt32 = (): number => {
  const map = new Map<number, number>();
  const out = new Int32Array(BATCH);
  for (const b of i32Batches) {
    const d = b.data.children[0];
    const values = d.values as Int32Array;
    for (let i = 0; i < d.length; i++) {
      const k = values[i];
      let c = map.get(k);
      if (c === undefined) map.set(k, (c = map.size));
      out[i] = c;
    }
  }
  return map.size;
};
const handInt64 = (): number => {
  const map = new Map<bigint, number>();
  const out = new Int32Array(BATCH);
  for (const b of i64Batches) {
    const d = b.data.children[0];
    const values = d.values as BigInt64Array;
    for (let i = 0; i < d.length; i++) {
      const k = values[i];
      let c = map.get(k);
      if (c === undefined) map.set(k, (c = map.size));
      out[i] = c;
    }
  }
  return map.size;
};

const fmt = (x: number): string => `${(x / 1e6).toFixed(1).padStart(7)} M rows/s`;
console.log(`Key encoding: ${ROWS} rows × ${KEYS} keys in batches of ${BATCH} (best of ${REPS})\n`);
console.log(`${'keys'.padEnd(22)}${'weir KeyEncoder'.padStart(20)}${'apache-arrow get+Map'.padStart(24)}${'hand loop + Map'.padStart(20)}   weir/arrow  weir/hand`);
const rows: [string, () => number, () => number, () => number][] = [
  ['Utf8', weir(utf8Batches), arrowWay(utf8Batches), handUtf8],
  ['Dictionary<Int32,Utf8>', weir(dictBatches), arrowWay(dictBatches), handDict],
  ['Int32', weir(i32Batches), arrowWay(i32Batches), handInt32],
  ['Int64', weir(i64Batches), arrowWay(i64Batches), handInt64],
];
for (const [name, ours, arrow, hand] of rows) {
  const a = measure(ours);
  const b = measure(arrow);
  const c = measure(hand);
  console.log(`${name.padEnd(22)}${fmt(a).padStart(20)}${fmt(b).padStart(24)}${fmt(c).padStart(20)}   ${(a / b).toFixed(1).padStart(9)}x ${(a / c).toFixed(1).padStart(9)}x`);
}
