/**
 * The as-of join in weir: `replay` of trades and quotes through `asofJoin(quotes, { by:
 * 'ticker' })` (backward, exact matches included).
 *
 * Variants: `1s` (the default cycle), `60s`, `1h`: inputs in memory (apache-arrow tables
 * read from the IPC files: load), the output collected in memory as polars' and DuckDB's
 * is. `ipc-1s`, `ipc-1h`: the inputs are the IPC file paths, read lazily batch by batch by
 * replay (src/sources/ipc.ts), and a sink folds the checksum without keeping the output, so
 * memory stays bounded by the operator's state: nothing is loaded, and compute includes
 * reading the files (from the page cache after the warm-up).
 *
 *   npx tsx bench/asof/weir.ts <1m|5m> [--variant 1s|60s|1h|ipc-1s|ipc-1h] [--repeats N]
 */
import type { RecordBatch, Table } from 'apache-arrow';
import type { Observable } from 'rxjs';
import { replay } from '../../src/time/replay';
import { asofJoin } from '../../operators/asofJoin';
import type { DataFiles } from '../data';
import { type Checksum, loadArrow, runBench } from '../features/_harness';
import { AsofChecksum, asofChecksum } from './_asof';

type Input = { trades: Table; quotes: Table } | DataFiles;
type Output = RecordBatch[] | AsofChecksum;

const CYCLES: Record<string, number> = { '1s': 1_000, '60s': 60_000, '1h': 3_600_000 };

await runBench<Input, Output>({
  name: 'weir replay + asofJoin',
  variants: ['1s', '60s', '1h', 'ipc-1s', 'ipc-1h'],
  load: (files, variant) => (variant.startsWith('ipc-') ? files : loadArrow(files)),
  async compute(input, variant) {
    const cycle = CYCLES[variant.replace('ipc-', '')];
    const pipeline = ({ trades, quotes }: Record<'trades' | 'quotes', Observable<RecordBatch>>) => trades.pipe(asofJoin(quotes, { by: 'ticker' }));
    if (variant.startsWith('ipc-')) {
      const sum = new AsofChecksum();
      await replay(pipeline, input, { cycle, sink: (b) => sum.add(b) });
      return sum;
    }
    const out: RecordBatch[] = [];
    await replay(pipeline, input, { cycle, sink: (b) => void out.push(b) });
    return out;
  },
  checksum: (out): Checksum => (out instanceof AsofChecksum ? out.value() : asofChecksum(out)),
});
