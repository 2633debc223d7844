/**
 * The fixed cost per batch of each operator: µs per instant that an operator adds to a
 * replay whose instants carry a few rows (200,000 generated trades over a trading day at
 * 1 s cycles: ~23,400 instants of ~9 trades, and for the two-input operators ~34 quotes),
 * over the same replay with an identity pipeline. This is what an operator costs per batch
 * in live mode, where batches are small, and at short replay cycles; the per-row cost is
 * negligible here (a few rows per batch).
 *
 *   npx tsx bench/overhead.ts [trades=200000]
 */
import type { Observable, OperatorFunction } from 'rxjs';
import { type RecordBatch, type Table, tableFromArrays } from 'apache-arrow';
import { replay } from '../src/time/replay';
import { col } from '../src/expr';
import { mean, sum } from '../src/aggs/agg';
import { asofJoin } from '../operators/asofJoin';
import { cumulative } from '../operators/cumulative';
import { cutoff } from '../operators/cutoff';
import { ema } from '../operators/ema';
import { ffill } from '../operators/ffill';
import { filter } from '../operators/filter';
import { join } from '../operators/join';
import { keyedState, lastByKey } from '../operators/lastByKey';
import { rolling } from '../operators/rolling';
import { select } from '../operators/select';
import { withColumns } from '../operators/withColumns';
import { generateMarketData } from '../stories/data/market';
import { median, printTable, time } from './util';

type Inputs = { trades: Observable<RecordBatch>; quotes: Observable<RecordBatch> };

async function main(nTrades: number, repeats = 7): Promise<void> {
  const { trades, quotes } = generateMarketData({ trades: nTrades, quotes: nTrades * 4 });
  const d = trades.batches[0].data.children[1].dictionary!;
  const tickers: string[] = [];
  for (let i = 0; i < d.length; i++) tickers.push(d.get(i) as string);
  const sectors = tableFromArrays({ ticker: tickers, sector: Float64Array.from(tickers, (_, i) => i % 11) });

  let instants = 0;
  const run = async (pipeline: (i: Inputs) => Observable<RecordBatch>, inputs: Record<string, Table>) => {
    const t0 = performance.now();
    await replay(pipeline as never, inputs, { onProgress: (p) => void (instants = p.instants), progressInterval: 1e9, sink: () => {} });
    return performance.now() - t0;
  };
  /** The median over `repeats` pairs of (replay with the operator − replay alone), run back to back so that drift cancels. */
  const added = async (pipeline: (i: Inputs) => Observable<RecordBatch>, inputs: Record<string, Table>) => {
    await run(pipeline, inputs); // warm-up
    const diffs: number[] = [];
    const totals: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const base = await run(({ trades }) => trades, inputs);
      const ms = await run(pipeline, inputs);
      diffs.push(ms - base);
      totals.push(ms);
    }
    return { added: median(diffs), ms: median(totals) };
  };
  const one = { trades };
  const two = { trades, quotes };
  for (let r = 0; r < 3; r++) await run(({ trades }) => trades, two); // warm up the replay itself
  const base1 = median(await time(repeats, () => run(({ trades }) => trades, one).then(() => undefined)));
  const instants1 = instants;
  const baseTwo = median(await time(repeats, () => run(({ trades }) => trades, two).then(() => undefined)));
  const instants2 = instants;

  const single: [string, () => OperatorFunction<RecordBatch, RecordBatch>][] = [
    ['select 2 columns', () => select('ts', 'price')],
    ['withColumns (1 expression)', () => withColumns({ pv: col('price').mul(col('size')) })],
    ['withColumns (3 expressions)', () => withColumns({ pv: col('price').mul(col('size')), a: col('price').add(1), b: col('size').mul(2) })],
    ['filter', () => filter(col('size').gt(100))],
    ['ffill by ticker (1 column)', () => ffill({ by: 'ticker', columns: ['price'] })],
    ['cumulative by ticker (2 sums)', () => cumulative({ by: 'ticker', aggs: { v: sum('size'), pv: sum('price') } })],
    ['rolling 5 min mean by ticker', () => rolling({ by: 'ticker', window: { minutes: 5 }, aggs: { m: mean('price') } })],
    ['ema by ticker', () => ema({ by: 'ticker', columns: { e: 'price' }, alpha: 0.1 })],
    ['cutoff by ticker', () => cutoff({ by: 'ticker', columns: 'price', tolerance: 0.01 })],
    ['lastByKey by ticker', () => lastByKey({ by: 'ticker' })],
    ['join with a 500-row table', () => join(sectors, { by: 'ticker' })],
  ];
  const rows: Record<string, string>[] = [];
  const row = (name: string, r: { added: number; ms: number }, n: number) =>
    rows.push({ operator: name, 'µs per instant': ((r.added * 1000) / n).toFixed(2), 'ms (replay, incl. base)': r.ms.toFixed(0) });
  for (const [name, op] of single) row(name, await added(({ trades }) => trades.pipe(op()), one), instants1);
  const twoInputs: [string, (i: Inputs) => Observable<RecordBatch>][] = [
    ['asofJoin trades to quotes by ticker', ({ trades, quotes }) => trades.pipe(asofJoin(quotes, { by: 'ticker' }))],
    ['asofJoin with ffill fused (features chain head)', ({ trades, quotes }) => trades.pipe(asofJoin(quotes.pipe(ffill({ by: 'ticker', columns: ['bid', 'ask'] })), { by: 'ticker' }))],
    ['join with a keyed state of the quotes', ({ trades, quotes }) => trades.pipe(join(keyedState(quotes, { by: 'ticker' })))],
  ];
  for (const [name, pipeline] of twoInputs) row(name, await added(pipeline, two), instants2);
  printTable(
    `Fixed cost per instant: ${nTrades} trades (${(nTrades / instants1).toFixed(1)} per instant) and ${nTrades * 4} quotes, 1 s cycles, ` +
      `${instants1} instants; replay alone ${base1.toFixed(0)} ms (trades) / ${baseTwo.toFixed(0)} ms (both inputs, ${instants2} instants)`,
    rows,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await main(Number(process.argv[2] ?? 200_000));
}
