/**
 * The flagship story: the features a trading team computes in batch with polars, written
 * once as a weir chain and run two ways.
 *
 * 1. **Backtest**: one day of generated quotes and trades (4M × 1M, 500 tickers) replayed as
 *    fast as possible: quotes' bid/ask forward-filled per ticker → every trade joined to the
 *    latest quote of its ticker (as of the trade's time, no look-ahead) → mid and spread →
 *    cumulative volume and VWAP per ticker → an EMA of the price per ticker.
 * 2. **Live**: the same `features` function fed by Subjects, the events of the first
 *    trading minutes pushed in time order, one second at a time, as a feed would deliver
 *    them. The live output must equal the backtest's rows over that period — batch ==
 *    stream, checked row by row.
 */
import { Subject } from 'rxjs';
import type { Observable } from 'rxjs';
import type { RecordBatch, Table } from 'apache-arrow';
import { replay, type RunProgress } from '../../src/time/replay';
import { live } from '../../src/time/live';
import { col } from '../../src/expr';
import { sum } from '../../src/aggs/agg';
import { asofJoin } from '../../operators/asofJoin';
import { cumulative } from '../../operators/cumulative';
import { ema } from '../../operators/ema';
import { ffill } from '../../operators/ffill';
import { withColumns } from '../../operators/withColumns';
import { sliceBatch } from '../../src/batch/build';
import { lowerBound } from '../../src/kernels/search';
import { generateMarketData } from '../data/market';

type Inputs = { trades: Observable<RecordBatch>; quotes: Observable<RecordBatch> };

/** The features, as one RxJS chain over Arrow batches: the same function for backtest and live. */
export function features({ trades, quotes }: Inputs): Observable<RecordBatch> {
  const book = quotes.pipe(ffill({ by: 'ticker', columns: ['bid', 'ask'] }));
  return trades.pipe(
    asofJoin(book, { by: 'ticker' }),
    withColumns({
      mid: col('bid').add(col('ask')).div(2),
      spread: col('ask').sub(col('bid')),
    }),
    cumulative({ by: 'ticker', aggs: { cumVolume: sum('size'), cumPv: sum(col('price').mul(col('size'))) } }),
    withColumns({ vwap: col('cumPv').div(col('cumVolume')) }),
    ema({ by: 'ticker', columns: { pxEma: 'price' }, alpha: 0.1, adjust: false }),
  );
}

export interface StoryOptions {
  trades?: number;
  quotes?: number;
  /** Event-time seconds of the session replayed again live (from the first row). Default 600. */
  liveSeconds?: number;
  onProgress?: (p: RunProgress) => void;
}

export interface TickerLine {
  ticker: string;
  trades: number;
  volume: number;
  vwap: number;
  lastMid: number | null;
  meanSpread: number | null;
}

export interface StorySummary {
  tradesIn: number;
  quotesIn: number;
  rowsOut: number;
  matched: number;
  replayMs: number;
  top: TickerLine[];
  liveRows: number;
  liveEqual: boolean;
  liveDifference: string | null;
}

/** Per-ticker figures from the output table, read from its typed arrays (one pass). */
function topTickers(out: Table, n: number): { top: TickerLine[]; matched: number } {
  const stats = new Map<number, { trades: number; volume: number; vwap: number; lastMid: number | null; spread: number; spreads: number }>();
  let names: string[] = [];
  let matched = 0;
  for (const b of out.batches) {
    const at = (name: string) => b.data.children[b.schema.fields.findIndex((f) => f.name === name)];
    const tk = at('ticker');
    names = (tk.dictionary!.toArray() as string[]) ?? names;
    const codes = tk.values as Int32Array;
    const size = at('size').values as Int32Array;
    const vwap = at('vwap').values as Float64Array;
    const mid = at('mid');
    const spread = at('spread').values as Float64Array;
    const midValues = mid.values as Float64Array;
    for (let i = 0; i < b.numRows; i++) {
      const c = codes[i];
      let s = stats.get(c);
      if (!s) stats.set(c, (s = { trades: 0, volume: 0, vwap: 0, lastMid: null, spread: 0, spreads: 0 }));
      s.trades++;
      s.volume += size[i];
      s.vwap = vwap[i];
      const p = mid.offset + i;
      if (mid.nullCount === 0 || (mid.nullBitmap![p >> 3] >> (p & 7)) & 1) {
        matched++;
        s.lastMid = midValues[i];
        s.spread += spread[i];
        s.spreads++;
      }
    }
  }
  const top = [...stats.entries()]
    .sort((a, b) => b[1].volume - a[1].volume)
    .slice(0, n)
    .map(([c, s]) => ({
      ticker: names[c],
      trades: s.trades,
      volume: s.volume,
      vwap: s.vwap,
      lastMid: s.lastMid,
      meanSpread: s.spreads ? s.spread / s.spreads : null,
    }));
  return { top, matched };
}

/** The batches of `table` cut at every `step` ns of event time: what a feed delivers per tick. */
function ticks(table: Table, step: bigint, end: bigint): { t: bigint; batch: RecordBatch }[] {
  const out: { t: bigint; batch: RecordBatch }[] = [];
  for (const b of table.batches) {
    const ts = b.data.children[b.schema.fields.findIndex((f) => f.name === 'ts')]; // Timestamp[ns]: epoch ns as they are
    const times = (ts.values as BigInt64Array).subarray(ts.offset, ts.offset + b.numRows);
    let i = 0;
    while (i < b.numRows && times[i] < end) {
      const tick = times[i] - (times[i] % step);
      const j = Math.min(lowerBound(times, tick + step, i, b.numRows), lowerBound(times, end, i, b.numRows));
      out.push({ t: tick, batch: sliceBatch(b, i, j) });
      i = j;
    }
  }
  return out;
}

export async function runStory(options: StoryOptions = {}): Promise<StorySummary> {
  const { trades, quotes } = generateMarketData({ trades: options.trades ?? 1_000_000, quotes: options.quotes ?? 4_000_000 });

  // 1. the backtest
  const t0 = performance.now();
  const out = await replay(features, { trades, quotes }, options.onProgress ? { onProgress: options.onProgress } : {});
  const replayMs = performance.now() - t0;
  const { top, matched } = topTickers(out, 5);

  // 2. live: the first minutes again, pushed one second of events at a time, in time order
  const first = (trades.batches[0].data.children[0].values as BigInt64Array)[0];
  const end = first + BigInt(options.liveSeconds ?? 600) * 1_000_000_000n;
  const events = [...ticks(quotes, 1_000_000_000n, end).map((e) => ({ ...e, input: 'quotes' as const })), ...ticks(trades, 1_000_000_000n, end).map((e) => ({ ...e, input: 'trades' as const }))];
  events.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
  const feeds = { trades: new Subject<RecordBatch>(), quotes: new Subject<RecordBatch>() };
  const liveResult = live(features, feeds);
  for (const e of events) {
    feeds[e.input].next(e.batch);
    await null; // one event-loop turn per tick: live delivers it as one instant
  }
  feeds.trades.complete();
  feeds.quotes.complete();
  const liveOut = await liveResult;

  // the backtest's rows over the same period: a replay bounded by `end`
  const bounded = await replay(features, { trades, quotes }, { end: end });
  const liveDifference = compareTables(liveOut, bounded);
  return {
    tradesIn: trades.numRows,
    quotesIn: quotes.numRows,
    rowsOut: out.numRows,
    matched,
    replayMs,
    top,
    liveRows: liveOut.numRows,
    liveEqual: liveDifference === null,
    liveDifference,
  };
}

/** `null` when both tables hold the same rows in the same order (every column, nulls included), else where they differ. */
function compareTables(a: Table, b: Table): string | null {
  if (a.numRows !== b.numRows) return `${a.numRows} rows vs ${b.numRows}`;
  const names = a.schema.fields.map((f) => f.name);
  for (const name of names) {
    const x = a.getChild(name)!;
    const y = b.getChild(name);
    if (!y) return `column ${name} missing`;
    const xs = x.toArray() as ArrayLike<unknown>;
    const ys = y.toArray() as ArrayLike<unknown>;
    for (let i = 0; i < a.numRows; i++) {
      const u = x.isValid(i) ? xs[i] : null;
      const v = y.isValid(i) ? ys[i] : null;
      if (u !== v && !(Number.isNaN(u) && Number.isNaN(v))) return `column ${name}, row ${i}: ${String(u)} vs ${String(v)}`;
    }
  }
  return null;
}

const fmt = (x: number | null, digits = 2) => (x === null ? '—' : x.toFixed(digits));

export function describeSummary(s: StorySummary): string {
  const rows = s.tradesIn + s.quotesIn;
  const lines = [
    'weir features: quotes ffill → as-of join by ticker → mid, spread → cumulative VWAP → EMA',
    `backtest: ${s.quotesIn.toLocaleString('en-US')} quotes + ${s.tradesIn.toLocaleString('en-US')} trades replayed in ${s.replayMs.toFixed(0)} ms (${((rows / s.replayMs) * 1000 / 1e6).toFixed(1)} M rows/s, 1 s cycles)`,
    `${s.rowsOut.toLocaleString('en-US')} feature rows, ${s.matched.toLocaleString('en-US')} with a two-sided quote`,
    '',
    'ticker  trades   volume      VWAP   last mid  mean spread',
    ...s.top.map((t) => `${t.ticker.padEnd(6)} ${String(t.trades).padStart(7)} ${String(t.volume).padStart(8)} ${fmt(t.vwap).padStart(9)} ${fmt(t.lastMid).padStart(10)} ${fmt(t.meanSpread, 4).padStart(12)}`),
    '',
    `live: the first ${s.liveRows.toLocaleString('en-US')} feature rows again, fed tick by tick through Subjects: ${s.liveEqual ? 'identical to the backtest, row for row' : `DIFFERENT from the backtest (${s.liveDifference})`}`,
  ];
  return lines.join('\n');
}
