/**
 * Replay throughput: rows/s of an identity pipeline and of a filter + withColumns pipeline
 * over generated trades, for several cycle lengths, side by side with a hand-written
 * typed-array loop that does the same filter + derived column with no RxJS and no replay.
 *
 *   npx tsx bench/replay.ts [rows=10000000]
 */
import { Table } from 'apache-arrow';
import { replay } from '../src/time/replay';
import { col } from '../src/expr';
import { filter } from '../operators/filter';
import { withColumns } from '../operators/withColumns';
import { generateMarketData } from '../stories/data/market';
import { median, printTable, time } from './util';

export async function benchReplay(rows: number, repeats = 5): Promise<Record<string, string | number>[]> {
  const { trades } = generateMarketData({ trades: rows, quotes: 0 });
  const results: Record<string, string | number>[] = [];
  const batches = trades.batches.length;

  const identity = async (cycle: number | undefined) => {
    let n = 0;
    let instants = 0;
    await replay(({ t }) => t, { t: trades }, { cycle, sink: (b) => (n += b.numRows), onProgress: (p) => (instants = p.instants) });
    if (n !== rows) throw new Error(`identity replay lost rows: ${n} != ${rows}`);
    return instants;
  };
  for (const cycle of [undefined, 60_000, 10, 0.001] as const) {
    let instants = 0;
    const ms = median(await time(repeats, async () => void (instants = await identity(cycle))));
    results.push({
      pipeline: 'identity',
      cycle: cycle === undefined ? 'default (1 s)' : `${cycle} ms`,
      'ms (median)': ms.toFixed(1),
      'rows/s': fmt((rows / ms) * 1000),
      instants,
      'µs/instant': ((ms * 1000) / instants).toFixed(2),
    });
  }

  // filter + withColumns
  let checksum = 0;
  const featurePipeline = async (cycle: number | undefined) => {
    let kept = 0;
    let sum = 0;
    await replay(
      ({ t }) =>
        t.pipe(
          filter(col('size').gt(100)),
          withColumns({ notional: col('price').mul(col('size')), mid: col('price').add(1).div(2) }),
        ),
      { t: trades },
      {
        cycle,
        sink: (b) => {
          kept += b.numRows;
          const d = b.data.children[b.schema.fields.findIndex((f) => f.name === 'notional')];
          const v = d.values as Float64Array;
          for (let i = 0; i < d.length; i++) sum += v[i];
        },
      },
    );
    checksum = sum;
    return kept;
  };
  for (const cycle of [undefined, 60_000] as const) {
    let kept = 0;
    const ms = median(await time(repeats, async () => void (kept = await featurePipeline(cycle))));
    results.push({
      pipeline: 'filter + withColumns',
      cycle: cycle === undefined ? 'default (1 s)' : `${cycle} ms`,
      'ms (median)': ms.toFixed(1),
      'rows/s': fmt((rows / ms) * 1000),
      instants: `${kept} rows kept`,
      'µs/instant': '',
    });
  }

  // each operator alone (where the time of the pipeline above goes)
  const single = {
    'filter alone': () => filter(col('size').gt(100)),
    'withColumns alone': () => withColumns({ notional: col('price').mul(col('size')), mid: col('price').add(1).div(2) }),
  };
  for (const [name, op] of Object.entries(single)) {
    for (const cycle of [undefined, 60_000] as const) {
      let out = 0;
      const run = async () => {
        let n = 0;
        await replay(({ t }) => t.pipe(op()), { t: trades }, { cycle, sink: (b) => (n += b.numRows) });
        out = n;
      };
      const ms = median(await time(repeats, run));
      results.push({
        pipeline: name,
        cycle: cycle === undefined ? 'default (1 s)' : `${cycle} ms`,
        'ms (median)': ms.toFixed(1),
        'rows/s': fmt((rows / ms) * 1000),
        instants: `${out} rows out`,
        'µs/instant': '',
      });
    }
  }

  // hand-written baseline: the same filter and derived column in one loop per batch
  let baseSum = 0;
  const handMs = median(
    await time(repeats, async () => {
      baseSum = handWritten(trades);
    }),
  );
  if (Math.abs(baseSum - checksum) > 1e-6 * Math.abs(baseSum)) throw new Error(`checksums differ: ${baseSum} vs ${checksum}`);
  results.push({
    pipeline: 'hand-written loop (filter + notional)',
    cycle: '-',
    'ms (median)': handMs.toFixed(1),
    'rows/s': fmt((rows / handMs) * 1000),
    instants: `${batches} batches`,
    'µs/instant': '',
  });
  return results;
}

function handWritten(trades: Table): number {
  let sum = 0;
  for (const b of trades.batches) {
    const price = b.data.children[2].values as Float64Array;
    const size = b.data.children[3].values as Int32Array;
    const n = b.numRows;
    // materialise the kept rows' notional as a column, as the operators do
    const out = new Float64Array(n);
    let k = 0;
    for (let i = 0; i < n; i++) if (size[i] > 100) out[k++] = price[i] * size[i];
    for (let i = 0; i < k; i++) sum += out[i];
  }
  return sum;
}

function fmt(x: number): string {
  return x >= 1e6 ? `${(x / 1e6).toFixed(1)}M` : `${(x / 1e3).toFixed(1)}k`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = Number(process.argv[2] ?? 10_000_000);
  benchReplay(rows).then((r) => printTable(`replay throughput, ${rows.toLocaleString()} trades`, r));
}
