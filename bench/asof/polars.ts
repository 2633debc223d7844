/**
 * The as-of join in nodejs-polars: `trades.joinAsof(quotes, { on: 'ts', by: 'ticker',
 * strategy: 'backward' })` on the two frames read with `pl.readIPC` (load).
 *
 *   npx tsx bench/asof/polars.ts <1m|5m> [--repeats N]
 */
import pl from 'nodejs-polars';
import { type Checksum, polarsPath, runBench } from '../features/_harness';

interface Input {
  trades: pl.DataFrame;
  quotes: pl.DataFrame;
}

await runBench<Input, pl.DataFrame>({
  name: 'nodejs-polars joinAsof',
  load: (files) => ({ trades: pl.readIPC(polarsPath(files.trades)), quotes: pl.readIPC(polarsPath(files.quotes)) }),
  compute: ({ trades, quotes }) => trades.joinAsof(quotes, { on: 'ts', by: 'ticker', strategy: 'backward', checkSortedness: false }),
  checksum(out): Checksum {
    const bid = out.getColumn('bid');
    const ask = out.getColumn('ask');
    const matched = out.select(pl.col('bid').isNotNull().or(pl.col('ask').isNotNull()).sum().alias('m')).getColumn('m');
    return { nRows: out.height, nMatched: Number(matched.get(0)), sum: Number(bid.sum()) + Number(ask.sum()) };
  },
});
