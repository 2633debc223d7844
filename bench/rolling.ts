/**
 * `rolling` and `cumulative` against nodejs-polars and a hand-written typed-array loop, on
 * generated trades (500 tickers as Dictionary<Int32, Utf8>, strictly increasing times):
 *
 * - rolling 5-minute mean of `price` by ticker: weir `rolling({ by, window: { minutes: 5 },
 *   aggs: { m: mean('price') } })`; polars `groupByRolling({ indexColumn: 'ts', period: '5m',
 *   by: 'ticker', closed: 'right' }).agg(mean)`;
 * - cumulative sum of `size` by ticker: weir `cumulative({ by, aggs: { s: sum('size') } })`;
 *   polars `cumSum().over('ticker')`.
 *
 * weir runs the operator over the in-memory batches (`from(batches).pipe(op)`) and through
 * `replay` with a 1-minute cycle; polars works on one in-memory frame (the Arrow → polars
 * conversion is not counted; the result back to Arrow is). The hand-written loop is one
 * pass over the whole columns with per-ticker state in typed arrays. Checksums (sum of the
 * outputs) must agree.
 *
 *   npx tsx bench/rolling.ts [trades=5000000]
 */
import { type RecordBatch, type Table, Type } from 'apache-arrow';
import { from, type OperatorFunction } from 'rxjs';
import { replay } from '../src/time/replay';
import { rolling } from '../operators/rolling';
import { cumulative } from '../operators/cumulative';
import { mean, sum } from '../src/aggs/agg';
import { generateMarketData } from '../stories/data/market';
import { fromPolars, pl, toPolars } from '../test/helpers/polars';
import { median, printTable, time } from './util';

const WINDOW_NS = 5n * 60n * 1_000_000_000n;

/** Sum of the non-null values of column `name` over batches, and the number of non-null values. */
function checksum(batches: readonly RecordBatch[], name: string): { sum: number; valid: number } {
  let s = 0;
  let valid = 0;
  for (const b of batches) {
    const j = b.schema.fields.findIndex((f) => f.name === name);
    const d = b.data.children[j];
    if (d.type.typeId !== Type.Float) throw new Error(`${name} is not Float64`);
    const v = d.values as Float64Array;
    for (let i = 0; i < d.length; i++) {
      const p = d.offset + i;
      if (d.nullCount === 0 || ((d.nullBitmap[p >> 3] >> (p & 7)) & 1) === 1) {
        s += v[i];
        valid++;
      }
    }
  }
  return { sum: s, valid };
}

function collect(batches: readonly RecordBatch[], op: OperatorFunction<RecordBatch, RecordBatch>): RecordBatch[] {
  const out: RecordBatch[] = [];
  from(batches).pipe(op).subscribe((b) => out.push(b));
  return out;
}

/** The whole columns of the trades (one dictionary for every batch, as generated). */
function columnsOf(trades: Table): { ts: BigInt64Array; key: Int32Array; price: Float64Array; size: Int32Array; tickers: number } {
  const n = trades.numRows;
  const ts = new BigInt64Array(n);
  const key = new Int32Array(n);
  const price = new Float64Array(n);
  const size = new Int32Array(n);
  let at = 0;
  let tickers = 0;
  for (const b of trades.batches) {
    const c = b.data.children;
    const m = b.numRows;
    ts.set((c[0].values as BigInt64Array).subarray(0, m), at);
    key.set((c[1].values as Int32Array).subarray(0, m), at);
    price.set((c[2].values as Float64Array).subarray(0, m), at);
    size.set((c[3].values as Int32Array).subarray(0, m), at);
    tickers = Math.max(tickers, c[1].dictionary!.length);
    at += m;
  }
  return { ts, key, price, size, tickers };
}

/** Hand-written: per-ticker rolling mean over one FIFO of (time, key, value), one pass. */
function handRollingMean(c: ReturnType<typeof columnsOf>): Float64Array {
  const n = c.ts.length;
  const out = new Float64Array(n);
  const s = new Float64Array(c.tickers);
  const cnt = new Float64Array(c.tickers);
  const { ts, key, price } = c;
  let head = 0;
  for (let i = 0; i < n; i++) {
    const lo = ts[i] - WINDOW_NS;
    while (ts[head] <= lo) {
      const k = key[head];
      s[k] -= price[head];
      cnt[k]--;
      head++;
    }
    const k = key[i];
    s[k] += price[i];
    cnt[k]++;
    out[i] = s[k] / cnt[k];
  }
  return out;
}

function handCumSum(c: ReturnType<typeof columnsOf>): Float64Array {
  const n = c.ts.length;
  const out = new Float64Array(n);
  const s = new Float64Array(c.tickers);
  const { key, size } = c;
  for (let i = 0; i < n; i++) {
    const k = key[i];
    out[i] = s[k] += size[i];
  }
  return out;
}

const sumOf = (a: Float64Array) => a.reduce((x, y) => x + y, 0);

function agree(name: string, a: number, b: number, rel = 1e-9): void {
  if (Math.abs(a - b) > rel * Math.max(1, Math.abs(a), Math.abs(b))) throw new Error(`${name}: checksums differ: ${a} vs ${b}`);
}

export async function benchRolling(nTrades: number, repeats = 3): Promise<Record<string, string | number>[]> {
  const { trades } = generateMarketData({ trades: nTrades, quotes: 0 });
  const batches = trades.batches;
  const rowsOut: Record<string, string | number>[] = [];
  const cols = columnsOf(trades);
  const plTrades = toPolars(trades);

  const workloads = [
    {
      name: 'rolling 5 min mean by ticker',
      column: 'm',
      op: () => rolling({ by: 'ticker', window: { minutes: 5 }, aggs: { m: mean('price') } }),
      hand: () => handRollingMean(cols),
      polars: () =>
        fromPolars(
          plTrades
            .groupByRolling({ indexColumn: 'ts', period: '5m', by: 'ticker', closed: 'right' })
            .agg(pl.col('price').mean().alias('m')),
        ).batches,
    },
    {
      name: 'cumulative sum of size by ticker',
      column: 's',
      op: () => cumulative({ by: 'ticker', aggs: { s: sum('size') } }),
      hand: () => handCumSum(cols),
      polars: () => fromPolars(plTrades.select(pl.col('size').cumSum().over('ticker').cast(pl.Float64).alias('s'))).batches,
    },
  ];

  for (const w of workloads) {
    let weirOut: RecordBatch[] = [];
    const weirMs = median(await time(repeats, () => void (weirOut = collect(batches, w.op()))));
    let replayOut: RecordBatch[] = [];
    const replayMs = median(
      await time(repeats, async () => {
        const out: RecordBatch[] = [];
        await replay(({ trades }) => trades.pipe(w.op()), { trades }, { cycle: { minutes: 1 }, sink: (b) => void out.push(b) });
        replayOut = out;
      }),
    );
    let handOut: Float64Array = new Float64Array(0);
    const handMs = median(await time(repeats, () => void (handOut = w.hand())));
    let polarsOut: RecordBatch[] = [];
    const polarsMs = median(await time(repeats, () => void (polarsOut = w.polars())));

    const a = checksum(weirOut, w.column);
    const r = checksum(replayOut, w.column);
    const p = checksum(polarsOut, w.column);
    const h = sumOf(handOut);
    if (a.valid !== nTrades || r.valid !== nTrades || p.valid !== nTrades) throw new Error(`${w.name}: row counts ${a.valid} / ${r.valid} / ${p.valid}`);
    agree(w.name, a.sum, p.sum);
    agree(w.name, r.sum, p.sum);
    agree(w.name, h, p.sum);
    const row = (engine: string, ms: number) => ({
      workload: w.name,
      engine,
      'ms (median)': ms.toFixed(0),
      'rows/s': fmt((nTrades / ms) * 1000),
      '× polars time': (ms / polarsMs).toFixed(2),
    });
    rowsOut.push(
      row('weir operator (in-memory batches)', weirMs),
      row('weir replay (1 min cycles)', replayMs),
      row('hand-written typed-array loop', handMs),
      row('polars (+ result to Arrow)', polarsMs),
    );
  }
  return rowsOut;
}

function fmt(x: number): string {
  return x >= 1e6 ? `${(x / 1e6).toFixed(1)} M` : `${(x / 1e3).toFixed(0)} k`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? 5_000_000);
  const rows = await benchRolling(n);
  printTable(`rolling and cumulative: ${n} trades, 500 tickers`, rows);
}
