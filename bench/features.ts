/**
 * The ANCHORS "features" benchmark: every implementation in bench/features/ (one file
 * each; `_*.ts` are shared code), each size and variant in its own process, on the same
 * Arrow IPC files (bench/data.ts). Prints the ANCHORS-style table: compute ms (median after
 * a warm-up, data in memory), ratios to the hand-fused loop and to polars, peak RSS after
 * load + one pass, load ms, and whether the checksum agrees with the hand-fused loop's.
 *
 *   npx tsx bench/features.ts [1m] [5m] [--quick] [--repeats N] [--only a,b] [--no-ema]
 *
 * Default: sizes 1m and 5m, 5 repeats at 1m and 3 at 5m, variants base and ema. `--quick`:
 * 1m only, 2 repeats. Adding an implementation is adding a file that calls `runBench`
 * (bench/features/_harness.ts) with a `name`, `load`, `compute` and `checksum`.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureData, parseSize } from './data';
import {
  type BenchResult,
  checksumsAgree,
  fmtMs,
  fmtRatio,
  formatChecksum,
  implementationFiles,
  option,
  positionals,
  runChild,
} from './features/_harness';
import { printTable } from './util';

const DIR = join(dirname(fileURLToPath(import.meta.url)), 'features');
const ORDER = ['hand-fused', 'polars', 'duckdb', 'rxjs', 'weir'];

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const sizes = positionals(argv, ['--repeats', '--only']).map(parseSize);
if (!sizes.length) sizes.push(...(quick ? (['1m'] as const) : (['1m', '5m'] as const)));
const only = option(argv, '--only')?.split(',');
const variants = argv.includes('--no-ema') ? ['base'] : ['base', 'ema'];
const files = implementationFiles(DIR, ORDER).filter((f) => !only || only.some((o) => f.endsWith(`/${o}.ts`)));

const rows: Record<string, string | number>[] = [];
const checksums: string[] = [];
for (const size of sizes) {
  await ensureData(size);
  const repeats = option(argv, '--repeats') ?? (quick ? '2' : size === '1m' ? '5' : '3');
  for (const variant of variants) {
    const results: (BenchResult | { error: string; file: string })[] = [];
    for (const file of files) {
      console.error(`\n# ${file} ${size} ${variant}`);
      const r = runChild(file, [size, '--variant', variant, '--repeats', repeats]);
      if ('error' in r) results.push({ ...r, file });
      else if (!r.unsupported) results.push(r);
    }
    const ok = results.filter((r): r is BenchResult => !('error' in r));
    const fused = ok.find((r) => r.name.startsWith('hand-fused'));
    const polars = ok.find((r) => r.name.startsWith('nodejs-polars'));
    for (const r of results) {
      if ('error' in r) {
        rows.push({ size, implementation: r.file, variant, 'compute ms (median)': `failed: ${r.error}` });
        continue;
      }
      rows.push({
        size,
        implementation: r.name,
        variant,
        'compute ms (median)': fmtMs(r.medianMs),
        'min ms': fmtMs(Math.min(...r.computeMs!)),
        'first run ms': fmtMs(r.firstMs),
        '× hand-fused': fmtRatio(r.medianMs, fused?.medianMs),
        '× polars': fmtRatio(r.medianMs, polars?.medianMs),
        'peak RSS MB (load + one pass)': fmtMs(r.peakRssMb),
        'load ms': fmtMs(r.loadMs),
        'checksum agrees': fused?.checksum && r.checksum ? (checksumsAgree(r.checksum, fused.checksum) ? 'yes' : 'NO') : '?',
      });
      checksums.push(`${size} ${variant} ${r.name}: ${formatChecksum(r.checksum!)}`);
    }
  }
}
printTable(`features: ${sizes.join(', ')}; compute only, data in memory; each implementation in its own process`, rows);
console.log(`\nchecksums (counts exact, sums within a relative 1e-9):\n${checksums.map((c) => `- ${c}`).join('\n')}`);
