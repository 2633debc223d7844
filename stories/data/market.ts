/**
 * Generated market data for stories and benchmarks: one trading day of trades and quotes
 * for `tickers` symbols with skewed activity (low codes trade more), built directly as
 * typed arrays (a few hundred ms for millions of rows).
 *
 * - `trades(ts: Timestamp[ns], ticker: Dictionary<Int32, Utf8>, price: Float64, size: Int32)`
 * - `quotes(ts: Timestamp[ns], ticker: Dictionary<Int32, Utf8>, bid: Float64 (~5% null), ask: Float64 (~5% null))`
 *
 * Both strictly increasing in `ts`; about 10% of trades happen at exactly the time (and
 * ticker) of the quote just before them. Record batches of `batchRows` rows (65,536).
 */
import {
  Dictionary,
  Field,
  Float64,
  Int32,
  RecordBatch,
  Schema,
  Table,
  TimestampNanosecond,
  Utf8,
  makeData,
  vectorFromArray,
} from 'apache-arrow';
import { fixedData, makeBatch } from '../../src/batch/build';

export interface MarketDataOptions {
  trades: number;
  quotes: number;
  tickers?: number;
  /** Rows per record batch. Default 65,536. */
  batchRows?: number;
  /** Seed of the pseudo-random generator. Default 42. */
  seed?: number;
  /** Session start, epoch ms. Default 2024-01-02 14:30 UTC (09:30 New York). */
  start?: number;
}

export interface MarketData {
  trades: Table;
  quotes: Table;
}

/** A small, fast, seedable PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SESSION_NS = 6.5 * 3600 * 1e9;

export function generateMarketData(options: MarketDataOptions): MarketData {
  const nT = options.trades;
  const nQ = options.quotes;
  const k = options.tickers ?? 500;
  const rows = options.batchRows ?? 65_536;
  const rand = prng(options.seed ?? 42);
  const start = BigInt(options.start ?? Date.UTC(2024, 0, 2, 14, 30)) * 1_000_000n;

  const names = Array.from({ length: k }, (_, i) => `T${String(i).padStart(3, '0')}`);
  const dictType = new Dictionary(new Utf8(), new Int32(), 0);
  const dictionary = vectorFromArray(names, new Utf8());
  // skewed activity: ticker = floor(k * u^2)
  const pick = () => Math.min(k - 1, Math.floor(k * rand() * rand()));
  const basePx = new Float64Array(k);
  for (let i = 0; i < k; i++) basePx[i] = 20 + rand() * 480;

  // quotes: strictly increasing times, evenly spread with jitter
  const qTs = new BigInt64Array(nQ);
  const qTicker = new Int32Array(nQ);
  const qBid = new Float64Array(nQ);
  const qAsk = new Float64Array(nQ);
  const qBidValid = new Uint8Array((nQ + 7) >> 3);
  const qAskValid = new Uint8Array((nQ + 7) >> 3);
  const stepQ = Math.max(2, Math.floor(SESSION_NS / Math.max(1, nQ)));
  let t = start;
  const px = basePx.slice();
  for (let i = 0; i < nQ; i++) {
    t += BigInt(1 + Math.floor(rand() * (2 * stepQ - 2)));
    qTs[i] = t;
    const c = pick();
    qTicker[i] = c;
    px[c] *= 1 + (rand() - 0.5) * 0.001;
    const half = px[c] * 0.0005 * (1 + rand());
    qBid[i] = Math.round((px[c] - half) * 100) / 100;
    qAsk[i] = Math.round((px[c] + half) * 100) / 100 + 0.01;
    if (rand() >= 0.05) qBidValid[i >> 3] |= 1 << (i & 7);
    if (rand() >= 0.05) qAskValid[i >> 3] |= 1 << (i & 7);
  }

  // trades: strictly increasing; ~10% exactly at the time and ticker of the quote just before
  const tTs = new BigInt64Array(nT);
  const tTicker = new Int32Array(nT);
  const tPrice = new Float64Array(nT);
  const tSize = new Int32Array(nT);
  const stepT = Math.max(2, Math.floor(SESSION_NS / Math.max(1, nT)));
  let tt = start;
  let q = 0;
  for (let i = 0; i < nT; i++) {
    let next = tt + BigInt(1 + Math.floor(rand() * (2 * stepT - 2)));
    while (q + 1 < nQ && qTs[q + 1] <= next) q++;
    let c = pick();
    if (nQ > 0 && rand() < 0.1 && qTs[q] > tt) {
      next = qTs[q];
      c = qTicker[q];
    }
    tt = next;
    tTs[i] = tt;
    tTicker[i] = c;
    tPrice[i] = Math.round(px[c] * (1 + (rand() - 0.5) * 0.002) * 100) / 100;
    tSize[i] = 1 + Math.floor(rand() * rand() * 1000);
  }

  const tSchema = new Schema([
    new Field('ts', new TimestampNanosecond(), false),
    new Field('ticker', dictType, false),
    new Field('price', new Float64(), false),
    new Field('size', new Int32(), false),
  ]);
  const qSchema = new Schema([
    new Field('ts', new TimestampNanosecond(), false),
    new Field('ticker', dictType, false),
    new Field('bid', new Float64(), true),
    new Field('ask', new Float64(), true),
  ]);
  const dictData = (keys: Int32Array) =>
    makeData({ type: dictType, data: keys, length: keys.length, nullCount: 0, dictionary });
  const slicedBitmap = (bits: Uint8Array, from: number, n: number) => {
    // from is a multiple of 8 when batchRows is
    if ((from & 7) === 0) return bits.subarray(from >> 3, (from + n + 7) >> 3);
    const out = new Uint8Array((n + 7) >> 3);
    for (let i = 0; i < n; i++) if (bits[(from + i) >> 3] & (1 << ((from + i) & 7))) out[i >> 3] |= 1 << (i & 7);
    return out;
  };

  const tBatches: RecordBatch[] = [];
  for (let a = 0; a < nT; a += rows) {
    const n = Math.min(rows, nT - a);
    tBatches.push(
      makeBatch(
        tSchema,
        [
          fixedData(new TimestampNanosecond(), tTs.subarray(a, a + n)),
          dictData(tTicker.subarray(a, a + n)),
          fixedData(new Float64(), tPrice.subarray(a, a + n)),
          fixedData(new Int32(), tSize.subarray(a, a + n)),
        ],
        n,
      ),
    );
  }
  const qBatches: RecordBatch[] = [];
  for (let a = 0; a < nQ; a += rows) {
    const n = Math.min(rows, nQ - a);
    qBatches.push(
      makeBatch(
        qSchema,
        [
          fixedData(new TimestampNanosecond(), qTs.subarray(a, a + n)),
          dictData(qTicker.subarray(a, a + n)),
          fixedData(new Float64(), qBid.subarray(a, a + n), slicedBitmap(qBidValid, a, n), n),
          fixedData(new Float64(), qAsk.subarray(a, a + n), slicedBitmap(qAskValid, a, n), n),
        ],
        n,
      ),
    );
  }
  return {
    trades: tBatches.length ? new Table(tBatches) : new Table(tSchema),
    quotes: qBatches.length ? new Table(qBatches) : new Table(qSchema),
  };
}
