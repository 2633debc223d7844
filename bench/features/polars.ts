/**
 * "features" in nodejs-polars, eager, as its documentation would have it written:
 * `forwardFill().over('ticker')` on the quotes, `joinAsof` by ticker (backward), mid and
 * spread, `cumSum().over('ticker')` of size and price × size, their ratio; variant `ema`:
 * `ewmMean({ alpha: 0.1, adjust: false }).over('ticker')`. Loads with `pl.readIPC` (the
 * ticker dictionary becomes a Categorical). Threads: polars' default (the machine's cores).
 *
 *   npx tsx bench/features/polars.ts <1m|5m> [--variant base|ema] [--repeats N]
 */
import pl from 'nodejs-polars';
import { type Checksum, polarsPath, runBench } from './_harness';
import { EMA_ALPHA } from './_features';

interface Input {
  trades: pl.DataFrame;
  quotes: pl.DataFrame;
}

function compute({ trades, quotes }: Input, variant: string): pl.DataFrame {
  const filled = quotes.withColumns(pl.col('bid').forwardFill().over('ticker'), pl.col('ask').forwardFill().over('ticker'));
  const joined = trades.joinAsof(filled, { on: 'ts', by: 'ticker', strategy: 'backward', checkSortedness: false });
  const cols = [
    pl.col('bid').add(pl.col('ask')).div(pl.lit(2)).alias('mid'),
    pl.col('ask').sub(pl.col('bid')).alias('spread'),
    pl.col('size').cast(pl.Float64).cumSum().over('ticker').alias('cum_volume'),
    pl.col('price').mul(pl.col('size').cast(pl.Float64)).cumSum().over('ticker').alias('cum_pv'),
  ];
  if (variant === 'ema') cols.push(pl.col('price').ewmMean({ alpha: EMA_ALPHA, adjust: false }).over('ticker').alias('ema'));
  return joined.withColumns(...cols).withColumns(pl.col('cum_pv').div(pl.col('cum_volume')).alias('vwap'));
}

function checksum(out: pl.DataFrame, variant: string): Checksum {
  const mid = out.getColumn('mid');
  const spread = out.getColumn('spread');
  const c: Checksum = {
    nRows: out.height,
    nMatched: mid.len() - mid.nullCount(),
    mid: Number(mid.sum()),
    spread: Number(spread.sum()),
    vwap: Number(out.getColumn('vwap').sum()),
  };
  if (variant === 'ema') c.ema = Number(out.getColumn('ema').sum());
  return c;
}

await runBench<Input, pl.DataFrame>({
  name: 'nodejs-polars (eager)',
  variants: ['base', 'ema'],
  load: (files) => ({ trades: pl.readIPC(polarsPath(files.trades)), quotes: pl.readIPC(polarsPath(files.quotes)) }),
  compute,
  checksum,
});
