/**
 * The streaming as-of join against nodejs-polars `joinAsof`: generated market data (trades
 * and quotes, 500 tickers as Dictionary<Int32, Utf8>), every trade with the bid and ask of
 * the latest quote of its ticker (backward, exact matches allowed). weir replays both
 * streams (default 1 s cycles) through `asofJoin`; polars joins the two whole frames in
 * memory (its input conversion through Arrow IPC is timed apart). A checksum over the
 * matched bids and asks must agree.
 *
 *   npx tsx bench/asof.ts [trades=1000000] [quotes=4000000]
 */
import { type RecordBatch, Type } from 'apache-arrow';
import { replay } from '../src/time/replay';
import { asofJoin } from '../operators/asofJoin';
import { generateMarketData } from '../stories/data/market';
import { fromPolars, toPolars } from '../test/helpers/polars';
import { median, printTable, time } from './util';

/** Sum of the non-null values of the Float64 columns `bid` and `ask`, and the number of matched rows (non-null bid or ask). */
function checksumOf(batches: readonly RecordBatch[]): { sum: number; matched: number } {
  let sum = 0;
  let matched = 0;
  for (const b of batches) {
    const names = b.schema.fields.map((f) => f.name);
    const bid = b.data.children[names.indexOf('bid')];
    const ask = b.data.children[names.indexOf('ask')];
    if (bid.type.typeId !== Type.Float) throw new Error('bid is not Float64');
    const bv = bid.values as Float64Array;
    const av = ask.values as Float64Array;
    for (let i = 0; i < b.numRows; i++) {
      const p = bid.offset + i;
      const q = ask.offset + i;
      const hasB = bid.nullCount === 0 || ((bid.nullBitmap[p >> 3] >> (p & 7)) & 1) === 1;
      const hasA = ask.nullCount === 0 || ((ask.nullBitmap[q >> 3] >> (q & 7)) & 1) === 1;
      if (hasB) sum += bv[i];
      if (hasA) sum += av[i];
      if (hasB || hasA) matched++;
    }
  }
  return { sum, matched };
}

export async function benchAsof(nTrades: number, nQuotes: number, repeats = 3): Promise<Record<string, string | number>[]> {
  const { trades, quotes } = generateMarketData({ trades: nTrades, quotes: nQuotes });
  const rows = nTrades + nQuotes;

  let weirOut: RecordBatch[] = [];
  const weirMs = median(
    await time(repeats, async () => {
      const out: RecordBatch[] = [];
      await replay(({ trades, quotes }) => trades.pipe(asofJoin(quotes, { by: 'ticker' })), { trades, quotes }, { sink: (b) => void out.push(b) });
      weirOut = out;
    }),
  );

  let plTrades = toPolars(trades);
  let plQuotes = toPolars(quotes);
  const convertMs = median(
    await time(repeats, () => {
      plTrades = toPolars(trades);
      plQuotes = toPolars(quotes);
    }),
  );
  let polarsOut: RecordBatch[] = [];
  const polarsMs = median(
    await time(repeats, () => {
      const joined = plTrades.joinAsof(plQuotes, { on: 'ts', by: 'ticker', strategy: 'backward', checkSortedness: false });
      polarsOut = fromPolars(joined).batches;
    }),
  );

  const w = checksumOf(weirOut);
  const p = checksumOf(polarsOut);
  const outRows = weirOut.reduce((n, b) => n + b.numRows, 0);
  if (outRows !== nTrades) throw new Error(`weir output has ${outRows} rows, expected ${nTrades}`);
  if (w.matched !== p.matched || Math.abs(w.sum - p.sum) > 1e-6 * Math.abs(p.sum)) {
    throw new Error(`checksums differ: weir ${JSON.stringify(w)} vs polars ${JSON.stringify(p)}`);
  }
  return [
    { engine: 'weir replay + asofJoin', 'ms (median)': weirMs.toFixed(0), 'input rows/s': fmt((rows / weirMs) * 1000), ratio: (weirMs / polarsMs).toFixed(2), matched: w.matched },
    { engine: 'polars joinAsof (+ result to Arrow)', 'ms (median)': polarsMs.toFixed(0), 'input rows/s': fmt((rows / polarsMs) * 1000), ratio: '1.00', matched: p.matched },
    { engine: '(polars: Arrow → DataFrame, not counted)', 'ms (median)': convertMs.toFixed(0), 'input rows/s': '', ratio: '', matched: '' },
  ];
}

function fmt(x: number): string {
  return x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : `${(x / 1e3).toFixed(1)} k`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const nTrades = Number(process.argv[2] ?? 1_000_000);
  const nQuotes = Number(process.argv[3] ?? 4_000_000);
  const rows = await benchAsof(nTrades, nQuotes);
  printTable(`as-of join: ${nTrades} trades × ${nQuotes} quotes, 500 tickers, backward by ticker`, rows);
}
