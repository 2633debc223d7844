/**
 * "features" as a weir chain (shared by bench/features/weir*.ts, which differ in the replay
 * cycle): the quotes' bid/ask forward-filled per ticker → the trades as-of joined to them
 * by ticker (backward) → mid, spread → cumulative volume and price × size per ticker →
 * VWAP (variant `ema`: + the per-ticker EMA of price). `replay` runs it over the two
 * in-memory tables as fast as possible; the output batches are kept (as the other
 * implementations keep their output) and summed by the checksum afterwards.
 */
import type { Data, RecordBatch, Table } from 'apache-arrow';
import type { Observable } from 'rxjs';
import { replay } from '../../src/time/replay';
import { col } from '../../src/expr';
import { sum } from '../../src/aggs/agg';
import { asofJoin } from '../../operators/asofJoin';
import { cumulative } from '../../operators/cumulative';
import { ema } from '../../operators/ema';
import { ffill } from '../../operators/ffill';
import { withColumns } from '../../operators/withColumns';
import { type Checksum, loadArrow, runBench } from './_harness';
import { EMA_ALPHA } from './_features';

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
        pv: col('price').mul(col('size')),
      }),
      cumulative({ by: 'ticker', aggs: { cumVolume: sum('size'), cumPv: sum('pv') } }),
      withColumns({ vwap: col('cumPv').div(col('cumVolume')) }),
    );
    return withEma ? joined.pipe(ema({ by: 'ticker', columns: { ema: 'price' }, alpha: EMA_ALPHA, adjust: false })) : joined;
  };
}

const bit = (d: Data, i: number): boolean => {
  const p = d.offset + i;
  return d.nullCount === 0 || ((d.nullBitmap![p >> 3] >> (p & 7)) & 1) === 1;
};

/** The features checksum (bench/features/_features.ts) over the output batches. */
export function weirChecksum(out: readonly RecordBatch[], withEma: boolean): Checksum {
  let nRows = 0;
  let nMatched = 0;
  let sMid = 0;
  let sSpread = 0;
  let sVwap = 0;
  let sEma = 0;
  for (const b of out) {
    const names = b.schema.fields.map((f) => f.name);
    const at = (name: string) => b.data.children[names.indexOf(name)];
    const mid = at('mid');
    const spread = at('spread');
    const vwap = at('vwap');
    const e = withEma ? at('ema') : undefined;
    const mv = mid.values as Float64Array;
    const sv = spread.values as Float64Array;
    const vv = vwap.values as Float64Array;
    for (let i = 0; i < b.numRows; i++) {
      if (bit(mid, i)) {
        nMatched++;
        sMid += mv[i];
        sSpread += bit(spread, i) ? sv[i] : NaN;
      }
      sVwap += vv[i];
      if (e) sEma += (e.values as Float64Array)[i];
    }
    nRows += b.numRows;
  }
  const c: Checksum = { nRows, nMatched, mid: sMid, spread: sSpread, vwap: sVwap };
  if (withEma) c.ema = sEma;
  return c;
}

/** Runs the weir implementation with replay cycles of `cycle` ms (`undefined`: the default, 1 s). */
export async function runWeir(name: string, cycle: number | undefined): Promise<void> {
  await runBench<{ trades: Table; quotes: Table }, RecordBatch[]>({
    name,
    variants: ['base', 'ema'],
    load: (files) => loadArrow(files),
    async compute(data, variant) {
      const out: RecordBatch[] = [];
      await replay(features(variant === 'ema'), data, { cycle, sink: (b) => void out.push(b) });
      return out;
    },
    checksum: (out, variant) => weirChecksum(out, variant === 'ema'),
  });
}
