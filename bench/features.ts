/**
 * The ANCHORS "features" benchmark: every implementation in bench/features/ (one file
 * each; `_*.ts` are shared code), each size and variant in its own process, on the same
 * Arrow IPC files (bench/data.ts). Prints the ANCHORS-style table: compute ms (median after
 * a warm-up, data in memory), ratios to the hand-fused loop and to polars, peak RSS after
 * load + one pass, load ms, and whether the checksum agrees with the hand-fused loop's.
 *
 *   npx tsx bench/features.ts [1m] [5m] [--quick] [--repeats N] [--rounds N] [--only a,b] [--no-ema]
 *
 * Default: sizes 1m and 5m, 5 repeats at 1m and 3 at 5m, variants base and ema, one round.
 * `--quick`: 1m only, 2 repeats. `--rounds N`: N processes per implementation, launched
 * round-robin (A B C A B C …) so that a slow spell of the shared machine falls on every
 * implementation alike; the table then gives the median of all their repeats, the median
 * of their first runs, and the largest peak RSS. Adding an implementation is adding a file
 * that calls `runBench` (bench/features/_harness.ts) with a `name`, `load`, `compute` and
 * `checksum`.
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
import { median, printTable } from './util';

const DIR = join(dirname(fileURLToPath(import.meta.url)), 'features');
const ORDER = ['hand-fused', 'polars', 'duckdb', 'rxjs', 'weir'];

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const sizes = positionals(argv, ['--repeats', '--rounds', '--only']).map(parseSize);
if (!sizes.length) sizes.push(...(quick ? (['1m'] as const) : (['1m', '5m'] as const)));
const only = option(argv, '--only')?.split(',');
const variants = argv.includes('--no-ema') ? ['base'] : ['base', 'ema'];
const rounds = Math.max(1, Number(option(argv, '--rounds') ?? 1));
const files = implementationFiles(DIR, ORDER).filter((f) => !only || only.some((o) => f.endsWith(`/${o}.ts`)));

const rows: Record<string, string | number>[] = [];
const checksums: string[] = [];
for (const size of sizes) {
  await ensureData(size);
  const repeats = option(argv, '--repeats') ?? (quick ? '2' : size === '1m' ? '5' : '3');
  for (const variant of variants) {
    const perFile = new Map<string, (BenchResult | { error: string })[]>(files.map((f) => [f, []]));
    for (let round = 0; round < rounds; round++) {
      for (const file of files) {
        console.error(`\n# ${file} ${size} ${variant}${rounds > 1 ? ` (round ${round + 1} of ${rounds})` : ''}`);
        perFile.get(file)!.push(runChild(file, [size, '--variant', variant, '--repeats', repeats]));
      }
    }
    const results: (BenchResult | { error: string; file: string })[] = [];
    for (const [file, rs] of perFile) {
      const failed = rs.find((r): r is { error: string } => 'error' in r);
      const runs = rs as BenchResult[];
      if (failed) results.push({ ...failed, file });
      else if (runs.some((r) => r.checksum && !checksumsAgree(r.checksum, runs[0].checksum!))) results.push({ error: 'checksums differ between rounds', file });
      else {
        const merged = mergeRounds(runs);
        if (!merged.unsupported) results.push(merged);
      }
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
printTable(
  `features: ${sizes.join(', ')}; compute only, data in memory; each implementation in its own process${rounds > 1 ? ` (${rounds} rounds, round-robin)` : ''}`,
  rows,
);
console.log(`\nchecksums (counts exact, sums within a relative 1e-9):\n${checksums.map((c) => `- ${c}`).join('\n')}`);

/** One implementation's results over the rounds: all repeats, the first runs' median, the largest RSS (checksum of the last). */
function mergeRounds(rs: readonly BenchResult[]): BenchResult {
  const last = rs[rs.length - 1];
  if (rs.length === 1 || last.unsupported) return last;
  const computeMs = rs.flatMap((r) => r.computeMs!);
  return {
    ...last,
    loadMs: median(rs.map((r) => r.loadMs!)),
    firstMs: median(rs.map((r) => r.firstMs!)),
    computeMs,
    medianMs: median(computeMs),
    peakRssMb: Math.max(...rs.map((r) => r.peakRssMb!)),
    finalRssMb: Math.max(...rs.map((r) => r.finalRssMb!)),
  };
}
