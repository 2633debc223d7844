/**
 * The benchmark input files: the ANCHORS "features" workload (stories/data/market.ts: 500
 * tickers, skewed activity, bid/ask ~5% null, ~10% of trades at exactly the time and ticker
 * of the quote just before them, strictly increasing `ts`, record batches of 65,536 rows)
 * written once as Arrow IPC *files* into `bench/.data/`, and reused while present (the
 * generator is seeded: the same size always gives the same bytes).
 *
 *   npx tsx bench/data.ts [1m] [5m] [--check]
 *
 * writes the missing files and prints their paths and sizes; `--check` also reads them back
 * and prints the workload's properties (rows, batches, null shares, exact-time trades, skew).
 */
import { createWriteStream, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RecordBatchFileWriter, type Table, tableFromIPC } from 'apache-arrow';
import { readFileSync } from 'node:fs';
import { generateMarketData } from '../stories/data/market';

/** The sizes of the ANCHORS workload: trades × quotes. */
export const SIZES = {
  '1m': { trades: 1_000_000, quotes: 4_000_000 },
  '5m': { trades: 5_000_000, quotes: 20_000_000 },
} as const;

export type Size = keyof typeof SIZES;

/** Bumped whenever stories/data/market.ts changes what it generates (old files are then ignored). */
const VERSION = 'v1';

/** Where the IPC files live: bench/.data (`WEIR_BENCH_DATA` overrides it, for bundled benchmark processes). */
export const DATA_DIR = process.env.WEIR_BENCH_DATA ?? join(dirname(fileURLToPath(import.meta.url)), '.data');

export interface DataFiles {
  trades: string;
  quotes: string;
}

export function isSize(s: string): s is Size {
  return Object.prototype.hasOwnProperty.call(SIZES, s);
}

/** Parses a size argument (`1m`, `5m`), or throws naming the accepted ones. */
export function parseSize(s: string | undefined): Size {
  if (s === undefined || !isSize(s)) throw new Error(`size must be one of ${Object.keys(SIZES).join(', ')}; got ${s}`);
  return s;
}

/** The paths of the files of `size`, without creating them. */
export function dataPaths(size: Size): DataFiles {
  return {
    trades: join(DATA_DIR, `trades-${size}-${VERSION}.arrow`),
    quotes: join(DATA_DIR, `quotes-${size}-${VERSION}.arrow`),
  };
}

/** The IPC files of `size`, generated and written first if missing. */
export async function ensureData(size: Size, log: (msg: string) => void = (m) => console.error(m)): Promise<DataFiles> {
  const paths = dataPaths(size);
  if (existsSync(paths.trades) && existsSync(paths.quotes)) return paths;
  mkdirSync(DATA_DIR, { recursive: true });
  const t0 = performance.now();
  const { trades, quotes } = generateMarketData(SIZES[size]);
  log(`generated ${size} market data in ${(performance.now() - t0).toFixed(0)} ms`);
  await writeIPCFile(trades, paths.trades);
  await writeIPCFile(quotes, paths.quotes);
  log(`wrote ${paths.trades} and ${paths.quotes}`);
  return paths;
}

/** Writes `table` as an Arrow IPC file, batch by batch (no whole-file buffer), atomically (temp file + rename). */
async function writeIPCFile(table: Table, path: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  const out = createWriteStream(tmp);
  const writer = RecordBatchFileWriter.writeAll(table);
  await new Promise<void>((resolve, reject) => {
    const src = writer.toNodeStream();
    src.on('error', reject);
    out.on('error', reject);
    out.on('finish', resolve);
    src.pipe(out);
  });
  renameSync(tmp, path);
}

/** The workload's properties as read back from the files (what ANCHORS asks of them). */
export function checkData(files: DataFiles): Record<string, string | number> {
  const trades = tableFromIPC(readFileSync(files.trades));
  const quotes = tableFromIPC(readFileSync(files.quotes));
  const col = <T>(t: Table, name: string, get: (d: any) => T): T[] => t.batches.map((b) => get(b.getChild(name)!.data[0]));
  const cat = (parts: any[], C: any) => {
    const out = new C(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  };
  const qTs: BigInt64Array = cat(col(quotes, 'ts', (d) => d.values), BigInt64Array);
  const qTk: Int32Array = cat(col(quotes, 'ticker', (d) => d.values), Int32Array);
  const tTs: BigInt64Array = cat(col(trades, 'ts', (d) => d.values), BigInt64Array);
  const tTk: Int32Array = cat(col(trades, 'ticker', (d) => d.values), Int32Array);
  const increasing = (a: BigInt64Array) => a.every((v, i) => i === 0 || v > a[i - 1]);
  const nullShare = (name: string) => col(quotes, name, (d) => d.nullCount as number).reduce((a, b) => a + b, 0) / quotes.numRows;
  let exact = 0;
  for (let i = 0, q = -1; i < tTs.length; i++) {
    while (q + 1 < qTs.length && qTs[q + 1] <= tTs[i]) q++;
    if (q >= 0 && qTs[q] === tTs[i] && qTk[q] === tTk[i]) exact++;
  }
  const perTicker = new Float64Array(500);
  for (const c of tTk) perTicker[c]++;
  const sorted = Array.from(perTicker).sort((a, b) => b - a);
  const top50 = sorted.slice(0, 50).reduce((a, b) => a + b, 0) / tTs.length;
  const batchRows = (t: Table) => [...new Set(t.batches.slice(0, -1).map((b) => b.numRows))].join(',');
  return {
    trades: trades.numRows,
    quotes: quotes.numRows,
    'batch rows': `${batchRows(trades)} / ${batchRows(quotes)}`,
    'ticker type': String(trades.schema.fields[1].type),
    tickers: new Set(tTk).size,
    'ts strictly increasing': String(increasing(tTs) && increasing(qTs)),
    'bid null': nullShare('bid').toFixed(4),
    'ask null': nullShare('ask').toFixed(4),
    'trades at the time and ticker of the quote just before': (exact / tTs.length).toFixed(4),
    'trades of the 50 most active tickers': top50.toFixed(3),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const sizes = args.filter((a) => !a.startsWith('--'));
  for (const s of sizes.length ? sizes : ['1m']) {
    const p = await ensureData(parseSize(s));
    for (const f of [p.trades, p.quotes]) console.log(`${f}\t${(statSync(f).size / 2 ** 20).toFixed(0)} MiB`);
    if (args.includes('--check')) console.log(checkData(p));
  }
}
