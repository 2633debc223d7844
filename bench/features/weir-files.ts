/**
 * "features" as a weir chain replayed straight from the Arrow IPC files (see `_weir.ts`):
 * the inputs are the two file paths, read lazily batch by batch by `replay` (one batch
 * ahead per input), 60 s cycles, `coalesce: false`; a sink folds each output batch into the
 * checksum and lets it go, so memory stays bounded whatever the size. "load" is nothing
 * here: the time includes reading the files (from the page cache after the warm-up) and
 * the checksum fold, which the in-memory implementations do outside their timed part.
 *
 *   npx tsx bench/features/weir-files.ts <1m|5m> [--variant base|ema] [--repeats N]
 */
import type { RecordBatch } from 'apache-arrow';
import { replay } from '../../src/time/replay';
import type { DataFiles } from '../data';
import { type Checksum, runBench } from './_harness';
import { featuresChecksumOfBatches } from './_features';
import { features } from './_weir';

await runBench<DataFiles, Checksum>({
  name: 'weir replay from the IPC files (60 s cycles, coalesce: false, output folded in the sink)',
  variants: ['base', 'ema'],
  load: (files) => files,
  async compute(files, variant) {
    const withEma = variant === 'ema';
    const total: Checksum = {};
    const fold = (b: RecordBatch) => {
      const c = featuresChecksumOfBatches([b], withEma);
      for (const k of Object.keys(c)) total[k] = (total[k] ?? 0) + c[k];
    };
    await replay(features(withEma), { trades: files.trades, quotes: files.quotes }, { cycle: 60_000, coalesce: false, sink: fold });
    return total;
  },
  checksum: (total) => total,
});
