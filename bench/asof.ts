/**
 * The as-of join benchmark (issue 4).
 *
 *   npx tsx bench/asof.ts [1m] [5m] [--quick] [--repeats N] [--only weir,polars,...]
 *
 * runs every implementation in bench/asof/ (a hand-fused merge loop, the ceiling; weir replay + asofJoin at several cycles, in
 * memory and lazily from the IPC files; nodejs-polars joinAsof; DuckDB ASOF LEFT JOIN),
 * each variant in its own process, on the Arrow IPC files of bench/data.ts, and prints
 * compute ms (median after a warm-up), input rows/s, the ratios to the hand-fused loop and to polars, peak RSS after
 * load + one pass, load ms and checksum agreement with polars. Default sizes 1m and 5m;
 * `--quick`: 1m, 2 repeats.
 *
 *   npx tsx bench/asof.ts <trades> <quotes>
 *
 * (numbers: the earlier in-process form, kept for bench/run.ts:) the streaming as-of join
 * against nodejs-polars `joinAsof`: generated market data (trades
 * and quotes, 500 tickers as Dictionary<Int32, Utf8>), every trade with the bid and ask of
 * the latest quote of its ticker (backward, exact matches allowed). weir replays both
 * streams (default 1 s cycles) through `asofJoin`; polars joins the two whole frames in
 * memory (its input conversion through Arrow IPC is timed apart). A checksum over the
 * matched bids and asks must agree.
 *
 *   npx tsx bench/asof.ts [trades=1000000] [quotes=4000000]
 */
import { type RecordBatch, Type } from 'apache-arrow';
import { replay } from '../src/time/replay';
import { asofJoin } from '../operators/asofJoin';
import { generateMarketData } from '../stories/data/market';
import { fromPolars, toPolars } from '../test/helpers/polars';
import { median, printTable, time } from './util';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SIZES, ensureData, parseSize } from './data';
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
  variantsOf,
} from './features/_harness';

/** Sum of the non-null values of the Float64 columns `bid` and `ask`, and the number of matched rows (non-null bid or ask). */
function checksumOf(batches: readonly RecordBatch[]): { sum: number; matched: number } {
  let sum = 0;
  let matched = 0;
  for (const b of batches) {
    const names = b.schema.fields.map((f) => f.name);
    const bid = b.data.children[names.indexOf('bid')];
    const ask = b.data.children[names.indexOf('ask')];
    if (bid.type.typeId !== Type.Float) throw new Error('bid is not Float64');
    const bv = bid.values as Float64Array;
    const av = ask.values as Float64Array;
    for (let i = 0; i < b.numRows; i++) {
      const p = bid.offset + i;
      const q = ask.offset + i;
      const hasB = bid.nullCount === 0 || ((bid.nullBitmap[p >> 3] >> (p & 7)) & 1) === 1;
      const hasA = ask.nullCount === 0 || ((ask.nullBitmap[q >> 3] >> (q & 7)) & 1) === 1;
      if (hasB) sum += bv[i];
      if (hasA) sum += av[i];
      if (hasB || hasA) matched++;
    }
  }
  return { sum, matched };
}

export async function benchAsof(nTrades: number, nQuotes: number, repeats = 3): Promise<Record<string, string | number>[]> {
  const { trades, quotes } = generateMarketData({ trades: nTrades, quotes: nQuotes });
  const rows = nTrades + nQuotes;

  let weirOut: RecordBatch[] = [];
  const weirMs = median(
    await time(repeats, async () => {
      const out: RecordBatch[] = [];
      await replay(({ trades, quotes }) => trades.pipe(asofJoin(quotes, { by: 'ticker' })), { trades, quotes }, { sink: (b) => void out.push(b) });
      weirOut = out;
    }),
  );

  let plTrades = toPolars(trades);
  let plQuotes = toPolars(quotes);
  const convertMs = median(
    await time(repeats, () => {
      plTrades = toPolars(trades);
      plQuotes = toPolars(quotes);
    }),
  );
  let polarsOut: RecordBatch[] = [];
  const polarsMs = median(
    await time(repeats, () => {
      const joined = plTrades.joinAsof(plQuotes, { on: 'ts', by: 'ticker', strategy: 'backward', checkSortedness: false });
      polarsOut = fromPolars(joined).batches;
    }),
  );

  const w = checksumOf(weirOut);
  const p = checksumOf(polarsOut);
  const outRows = weirOut.reduce((n, b) => n + b.numRows, 0);
  if (outRows !== nTrades) throw new Error(`weir output has ${outRows} rows, expected ${nTrades}`);
  if (w.matched !== p.matched || Math.abs(w.sum - p.sum) > 1e-6 * Math.abs(p.sum)) {
    throw new Error(`checksums differ: weir ${JSON.stringify(w)} vs polars ${JSON.stringify(p)}`);
  }
  return [
    { engine: 'weir replay + asofJoin', 'ms (median)': weirMs.toFixed(0), 'input rows/s': fmt((rows / weirMs) * 1000), ratio: (weirMs / polarsMs).toFixed(2), matched: w.matched },
    { engine: 'polars joinAsof (+ result to Arrow)', 'ms (median)': polarsMs.toFixed(0), 'input rows/s': fmt((rows / polarsMs) * 1000), ratio: '1.00', matched: p.matched },
    { engine: '(polars: Arrow → DataFrame, not counted)', 'ms (median)': convertMs.toFixed(0), 'input rows/s': '', ratio: '', matched: '' },
  ];
}

function fmt(x: number): string {
  return x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : `${(x / 1e3).toFixed(1)} k`;
}

/** Every implementation of bench/asof/ on the IPC files, one process per implementation, variant and size. */
async function benchAsofFiles(argv: readonly string[]): Promise<void> {
  const quick = argv.includes('--quick');
  const sizes = positionals(argv, ['--repeats', '--only']).map(parseSize);
  if (!sizes.length) sizes.push(...(quick ? (['1m'] as const) : (['1m', '5m'] as const)));
  const only = option(argv, '--only')?.split(',');
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'asof');
  const files = implementationFiles(dir, ['hand-fused', 'weir', 'polars', 'duckdb']).filter((f) => !only || only.some((o) => f.endsWith(`/${o}.ts`)));
  const variants = new Map(files.map((f) => [f, variantsOf(f)]));
  const rows: Record<string, string | number>[] = [];
  const sums: string[] = [];
  for (const size of sizes) {
    await ensureData(size);
    const repeats = option(argv, '--repeats') ?? (quick ? '2' : size === '1m' ? '5' : '3');
    const inputRows = SIZES[size].trades + SIZES[size].quotes;
    const results: (BenchResult | { error: string; file: string; variant: string })[] = [];
    for (const file of files) {
      for (const variant of variants.get(file)!) {
        console.error(`\n# ${file} ${size} ${variant}`);
        const r = runChild(file, [size, '--variant', variant, '--repeats', repeats]);
        results.push('error' in r ? { ...r, file, variant } : r);
      }
    }
    const polars = results.find((r): r is BenchResult => !('error' in r) && r.name.startsWith('nodejs-polars'));
    const fused = results.find((r): r is BenchResult => !('error' in r) && r.name.startsWith('hand-fused'));
    for (const r of results) {
      if ('error' in r) {
        rows.push({ size, implementation: r.file, variant: r.variant, 'compute ms (median)': `failed: ${r.error}` });
        continue;
      }
      rows.push({
        size,
        implementation: r.name,
        variant: r.variant,
        'compute ms (median)': fmtMs(r.medianMs),
        'min ms': fmtMs(Math.min(...r.computeMs!)),
        'input rows/s': fmt((inputRows / r.medianMs!) * 1000),
        '× hand-fused': fmtRatio(r.medianMs, fused?.medianMs),
        '× polars': fmtRatio(r.medianMs, polars?.medianMs),
        'peak RSS MB (load + one pass)': fmtMs(r.peakRssMb),
        'load ms': fmtMs(r.loadMs),
        'checksum agrees': polars?.checksum && r.checksum ? (checksumsAgree(r.checksum, polars.checksum) ? 'yes' : 'NO') : '?',
      });
      sums.push(`${size} ${r.name} ${r.variant}: ${formatChecksum(r.checksum!)}`);
    }
  }
  printTable(`as-of join, backward by ticker: ${sizes.join(', ')}; each implementation and variant in its own process`, rows);
  console.log(`\nchecksums:\n${sums.map((c) => `- ${c}`).join('\n')}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const argv = process.argv.slice(2);
  if (argv.length && /^\d+$/.test(argv[0])) {
    const nTrades = Number(argv[0]);
    const nQuotes = Number(argv[1] ?? nTrades * 4);
    const rows = await benchAsof(nTrades, nQuotes);
    printTable(`as-of join: ${nTrades} trades × ${nQuotes} quotes, 500 tickers, backward by ticker`, rows);
  } else {
    await benchAsofFiles(argv);
  }
}
