/**
 * "features" as a weir chain (shared by bench/features/weir*.ts, which differ in the replay
 * cycle): the quotes' bid/ask forward-filled per ticker → the trades as-of joined to them
 * by ticker (backward) → mid, spread → cumulative volume and price × size per ticker →
 * VWAP (variant `ema`: + the per-ticker EMA of price). `replay` runs it over the two
 * in-memory tables as fast as possible; the output batches are kept (as the other
 * implementations keep their output) and summed by the checksum afterwards.
 */
import type { RecordBatch, Table } from 'apache-arrow';
import type { Observable } from 'rxjs';
import { replay } from '../../src/time/replay';
import { col } from '../../src/expr';
import { sum } from '../../src/aggs/agg';
import { asofJoin } from '../../operators/asofJoin';
import { cumulative } from '../../operators/cumulative';
import { ema } from '../../operators/ema';
import { ffill } from '../../operators/ffill';
import { withColumns } from '../../operators/withColumns';
import { loadArrow, runBench } from './_harness';
import { EMA_ALPHA, featuresChecksumOfBatches } from './_features';

type Inputs = Record<'trades' | 'quotes', Observable<RecordBatch>>;

/** The chain, as a team would write it. */
export function features(withEma: boolean) {
  return ({ trades, quotes }: Inputs): Observable<RecordBatch> => {
    const filled = quotes.pipe(ffill({ by: 'ticker', columns: ['bid', 'ask'] }));
    const joined = trades.pipe(
      asofJoin(filled, { by: 'ticker' }),
      withColumns({
        mid: col('bid').add(col('ask')).div(2),
        spread: col('ask').sub(col('bid')),
      }),
      cumulative({ by: 'ticker', aggs: { cumVolume: sum('size'), cumPv: sum(col('price').mul(col('size'))) } }),
      withColumns({ vwap: col('cumPv').div(col('cumVolume')) }),
    );
    return withEma ? joined.pipe(ema({ by: 'ticker', columns: { ema: 'price' }, alpha: EMA_ALPHA, adjust: false })) : joined;
  };
}

/**
 * Runs the weir implementation with replay cycles of `cycle` ms (`undefined`: the default,
 * 1 s), and `coalesce` (default true: one batch per input and cycle).
 */
export async function runWeir(name: string, cycle: number | undefined, coalesce = true): Promise<void> {
  await runBench<{ trades: Table; quotes: Table }, RecordBatch[]>({
    name,
    variants: ['base', 'ema'],
    load: (files) => loadArrow(files),
    async compute(data, variant) {
      const out: RecordBatch[] = [];
      await replay(features(variant === 'ema'), data, { cycle, coalesce, sink: (b) => void out.push(b) });
      return out;
    },
    checksum: (out, variant) => featuresChecksumOfBatches(out, variant === 'ema'),
  });
}
