/**
 * The replay-summary story: one day of generated trades and quotes, replayed as fast as
 * possible through a small feature pipeline, with per-minute bars computed by RxJS's own
 * `bufferTime` on the replay's event-time clock.
 */
import { bufferTime, filter as rxFilter, map } from 'rxjs';
import { Float64, Int32, type RecordBatch, Schema, Field, TimestampMillisecond, type Table } from 'apache-arrow';
import { format } from 'date-fns';
import { replay, type RunProgress } from '../../src/time/replay';
import { col } from '../../src/expr';
import { filter } from '../../operators/filter';
import { withColumns } from '../../operators/withColumns';
import { fixedData, makeBatch } from '../../src/batch/build';
import { generateMarketData } from '../data/market';

export interface StoryOptions {
  trades?: number;
  quotes?: number;
  onProgress?: (p: RunProgress) => void;
}

export interface StorySummary {
  tradesIn: number;
  quotesIn: number;
  bigTrades: Table;
  quotesOut: Table;
  bars: Table;
  wallMs: number;
  first: number;
  last: number;
}

const barSchema = new Schema([
  new Field('minute', new TimestampMillisecond(), false),
  new Field('trades', new Int32(), false),
  new Field('notional', new Float64(), false),
]);

/** Sums a batch list's `notional` column over typed arrays. */
function bar(now: number, batches: RecordBatch[]): RecordBatch {
  let n = 0;
  let notional = 0;
  for (const b of batches) {
    const j = b.schema.fields.findIndex((f) => f.name === 'notional');
    const d = b.data.children[j];
    const v = d.values as Float64Array;
    for (let i = 0; i < d.length; i++) notional += v[i];
    n += b.numRows;
  }
  const minute = Math.floor(now / 60_000) * 60_000;
  return makeBatch(barSchema, [
    fixedData(new TimestampMillisecond(), new BigInt64Array([BigInt(minute)])),
    fixedData(new Int32(), new Int32Array([n])),
    fixedData(new Float64(), new Float64Array([notional])),
  ]);
}

export async function runStory(options: StoryOptions = {}): Promise<StorySummary> {
  const { trades, quotes } = generateMarketData({ trades: options.trades ?? 1_000_000, quotes: options.quotes ?? 4_000_000 });
  let first = Infinity;
  let last = -Infinity;
  const t0 = performance.now();
  const out = await replay(
    ({ trades, quotes }, { scheduler }) => {
      const big = trades.pipe(
        filter(col('size').gte(100)),
        withColumns({ notional: col('price').mul(col('size')) }),
      );
      return {
        bigTrades: big,
        quotesOut: quotes.pipe(
          filter(col('bid').isNotNull().and(col('ask').isNotNull())),
          withColumns({ mid: col('bid').add(col('ask')).div(2), spread: col('ask').sub(col('bid')) }),
        ),
        // RxJS's bufferTime on the replay clock: one bar per minute of *event* time
        bars: big.pipe(
          bufferTime(60_000, scheduler),
          rxFilter((bs) => bs.length > 0),
          map((bs) => {
            const now = scheduler.now();
            if (now < first) first = now;
            if (now > last) last = now;
            return bar(now - 1, bs);
          }),
        ),
      };
    },
    { trades, quotes },
    { time: 'ts', ...(options.onProgress ? { onProgress: options.onProgress } : {}) },
  );
  return {
    tradesIn: trades.numRows,
    quotesIn: quotes.numRows,
    bigTrades: out.bigTrades,
    quotesOut: out.quotesOut,
    bars: out.bars,
    wallMs: performance.now() - t0,
    first,
    last,
  };
}

export function describeSummary(s: StorySummary): string {
  const rows = s.tradesIn + s.quotesIn;
  const lines = [
    `weir replay summary`,
    `  history:  ${s.tradesIn.toLocaleString()} trades + ${s.quotesIn.toLocaleString()} quotes (generated, 500 tickers)`,
    `  clock:    ${format(s.first, 'yyyy-MM-dd HH:mm')} .. ${format(s.last, 'HH:mm')} (event time, local zone)`,
    `  output:   ${s.bigTrades.numRows.toLocaleString()} trades of 100+ shares with notional; ${s.quotesOut.numRows.toLocaleString()} two-sided quotes with mid/spread; ${s.bars.numRows} one-minute bars (RxJS bufferTime on the replay clock)`,
    `  speed:    ${s.wallMs.toFixed(0)} ms wall, ${((rows / s.wallMs) * 1000 / 1e6).toFixed(1)} M input rows/s`,
    `  first bars:`,
  ];
  const minute = s.bars.getChild('minute')!;
  const count = s.bars.getChild('trades')!;
  const notional = s.bars.getChild('notional')!;
  for (let i = 0; i < Math.min(3, s.bars.numRows); i++) {
    lines.push(`    ${format(Number(minute.get(i)), 'HH:mm')}  ${String(count.get(i)).padStart(6)} trades  ${(notional.get(i) as number).toFixed(0).padStart(14)} notional`);
  }
  return lines.join('\n');
}
