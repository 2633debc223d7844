/**
 * The harness of the per-implementation benchmarks (bench/features/*.ts, bench/asof/*.ts):
 * each implementation is one file that calls {@link runBench} and is run in its own process
 * by a runner (bench/features.ts, bench/asof.ts), which reads the one `RESULT {json}` line
 * the process prints.
 *
 *   npx tsx bench/features/<impl>.ts <size> [--variant base|ema|...] [--repeats N]
 *
 * The process loads the size's IPC files (timed once: "load"), computes once to warm up
 * (timed: "first run", the cold run a one-off backtest in a fresh process sees), reads its
 * peak RSS then (load + one pass: the process's own high-water mark, see `maxRssMb`), computes `repeats` more
 * times (median: "compute", data already in memory), and prints the checksum
 * of the last output. Files whose name starts with `_` are not implementations.
 *
 * The runner bundles each implementation with esbuild (into bench/.build/, dependencies left
 * as imports) and runs the bundle with plain `node`, as a user's build runs: under tsx's
 * loader hooks the same weir chain measured ~14% slower (same bundle, loaded with and
 * without `--import tsx`), which would not be weir's cost.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildSync } from 'esbuild';
import { type Table, tableFromIPC } from 'apache-arrow';
import { DATA_DIR, type DataFiles, type Size, ensureData, parseSize } from '../data';
import { median } from '../util';

/**
 * What every implementation of a benchmark computes about its output, to show that all
 * computed the same thing. Counts compare exactly, sums with a relative tolerance (their
 * summation order differs between engines).
 */
export type Checksum = Record<string, number>;

/** Relative tolerance of the sums of a checksum. */
export const SUM_TOLERANCE = 1e-9;

/** Whether two checksums agree: same keys, integer fields equal, others within {@link SUM_TOLERANCE}. */
export function checksumsAgree(a: Checksum, b: Checksum): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  if (ka.join() !== kb.join()) return false;
  for (const k of ka) {
    const x = a[k];
    const y = b[k];
    if (Number.isInteger(x) && Number.isInteger(y) && Math.abs(x) < 2 ** 53 && k.startsWith('n')) {
      if (x !== y) return false;
    } else if (!(Math.abs(x - y) <= SUM_TOLERANCE * Math.max(Math.abs(x), Math.abs(y)))) return false;
  }
  return true;
}

/** The checksum printed compactly (counts as integers, sums with 10 significant digits). */
export function formatChecksum(c: Checksum): string {
  return Object.entries(c)
    .map(([k, v]) => `${k}=${k.startsWith('n') ? v : v.toPrecision(10)}`)
    .join(' ');
}

/** One implementation of a benchmark. Checksum keys starting with `n` are counts (compared exactly). */
export interface BenchImpl<D, O> {
  /** Its label in the tables. */
  readonly name: string;
  /** The variants it computes (the first is the default). Default `['base']`. */
  readonly variants?: readonly string[];
  /** Most compute repeats it can afford (a slow implementation caps them). */
  readonly maxRepeats?: number;
  /** Reads the input files into memory (timed once, reported as load). */
  load(files: DataFiles, variant: string): Promise<D> | D;
  /** The computation, data in memory; its result must be complete when the promise resolves. */
  compute(data: D, variant: string): Promise<O> | O;
  /** The checksum of one output (not timed). */
  checksum(out: O, variant: string): Promise<Checksum> | Checksum;
  /** Frees what the data holds outside the JS heap (database connections). */
  close?(data: D): Promise<void> | void;
}

/** What one process prints after `RESULT `. */
export interface BenchResult {
  name: string;
  size: Size;
  variant: string;
  /** The variant is not computed by this implementation (nothing else is set). */
  unsupported?: boolean;
  loadMs?: number;
  /** The first compute in the fresh process (cold: JIT warm-up, memory new to the process); not in `computeMs`. */
  firstMs?: number;
  computeMs?: number[];
  medianMs?: number;
  /** Peak RSS after load + one compute (MB). */
  peakRssMb?: number;
  /** Peak RSS at the end of all repeats (MB). */
  finalRssMb?: number;
  checksum?: Checksum;
}

export const RESULT_PREFIX = 'RESULT ';
const VARIANTS_PREFIX = 'VARIANTS ';

/** Reads the two IPC files into apache-arrow tables (the buffers are the tables' memory: no copy). */
export function loadArrow(files: DataFiles): { trades: Table; quotes: Table } {
  return { trades: tableFromIPC(readFileSync(files.trades)), quotes: tableFromIPC(readFileSync(files.quotes)) };
}

/**
 * The path under which nodejs-polars' `readIPC` reads a file (it takes a string for a path
 * only when it ends in `.ipc`, else for the file's contents): a symlink beside it.
 */
export function polarsPath(path: string): string {
  const link = path.replace(/\.arrow$/, '.ipc');
  if (!existsSync(link)) symlinkSync(basename(path), link);
  return link;
}

const arg = (name: string) => option(process.argv, name);

/**
 * This process's peak resident memory (MB): the kernel's high-water mark of its own address
 * space (`VmHWM` in /proc/self/status), not `getrusage`'s `maxRSS`, which on Linux carries
 * over from the parent through fork and exec: a benchmark process started by a runner that
 * had generated the data in memory reported the runner's ~670 MB as its own peak (the 5m
 * files read lazily in ~160 MB showed 672). `maxRSS` where /proc is not there.
 */
function maxRssMb(): number {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Number(hwm[1]) / 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024;
}

/** Runs one implementation as the process's job: parses argv, times, prints the `RESULT` line. */
export async function runBench<D, O>(impl: BenchImpl<D, O>): Promise<void> {
  const variants = impl.variants ?? ['base'];
  if (process.argv.includes('--variants')) {
    console.log(`${VARIANTS_PREFIX}${JSON.stringify(variants)}`);
    return;
  }
  const size = parseSize(process.argv[2]);
  const variant = arg('--variant') ?? variants[0];
  const result: BenchResult = { name: impl.name, size, variant };
  if (!variants.includes(variant)) {
    console.log(RESULT_PREFIX + JSON.stringify({ ...result, unsupported: true }));
    return;
  }
  const repeats = Math.max(1, Math.min(Number(arg('--repeats') ?? (size === '1m' ? 5 : 3)), impl.maxRepeats ?? Infinity));
  const files = await ensureData(size);
  const gc = (globalThis as { gc?: () => void }).gc;

  const t0 = performance.now();
  const data = await impl.load(files, variant);
  result.loadMs = performance.now() - t0;

  const tFirst = performance.now();
  let out: O | undefined = await impl.compute(data, variant); // warm-up
  result.firstMs = performance.now() - tFirst;
  result.peakRssMb = maxRssMb();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    out = undefined;
    if (gc) {
      gc();
      await new Promise((resolve) => setImmediate(resolve)); // let native finalizers run
    }
    const t = performance.now();
    out = await impl.compute(data, variant);
    times.push(performance.now() - t);
  }
  result.computeMs = times;
  result.medianMs = median(times);
  result.finalRssMb = maxRssMb();
  result.checksum = await impl.checksum(out!, variant);
  await impl.close?.(data);
  console.error(`${impl.name} ${size} ${variant}: load ${result.loadMs.toFixed(0)} ms, first ${result.firstMs.toFixed(0)} ms, compute ${times.map((x) => x.toFixed(0)).join(' ')} ms, peak RSS ${result.peakRssMb.toFixed(0)} MB; ${formatChecksum(result.checksum)}`);
  console.log(RESULT_PREFIX + JSON.stringify(result));
}

/** The implementation files of a benchmark folder (`*.ts` not starting with `_`), those named in `order` first. */
export function implementationFiles(dir: string, order: readonly string[]): string[] {
  const names = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.startsWith('_'))
    .map((f) => f.slice(0, -3));
  const rank = (n: string) => (order.includes(n) ? order.indexOf(n) : order.length);
  return names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)).map((n) => join(dir, `${n}.ts`));
}

const BUILD_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '.build');
const bundles = new Map<string, string>();

/**
 * `file` bundled into bench/.build/ (once per runner process): ESM for Node 20, every
 * package import left external. `import.meta.url` is pinned to a URL no process runs, so
 * that a module's "run as a script" check stays false inside the bundle (the data
 * directory then comes from `WEIR_BENCH_DATA`).
 */
function bundled(file: string): string {
  let out = bundles.get(file);
  if (out === undefined) {
    out = join(BUILD_DIR, `${basename(dirname(file))}-${basename(file, '.ts')}.mjs`);
    buildSync({
      entryPoints: [file],
      outfile: out,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      define: { 'import.meta.url': JSON.stringify(pathToFileURL(`${file}.bundled`).href) },
      logLevel: 'warning',
    });
    bundles.set(file, out);
  }
  return out;
}

/** Runs one implementation file, bundled, in its own process (with `--expose-gc`); its stderr passes through. */
export function runChild(file: string, args: readonly string[]): BenchResult | { error: string } {
  const r = spawnSync(process.execPath, ['--expose-gc', bundled(file), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
    env: { ...process.env, WEIR_BENCH_DATA: DATA_DIR },
  });
  const line = r.stdout?.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
  if (r.status !== 0 || !line) return { error: `exit ${r.status ?? r.signal}` };
  return JSON.parse(line.slice(RESULT_PREFIX.length)) as BenchResult;
}

/** The variants an implementation file computes (`<file> --variants`). */
export function variantsOf(file: string): string[] {
  const r = spawnSync(process.execPath, ['--import', 'tsx', file, '--variants'], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  const line = r.stdout?.split('\n').find((l) => l.startsWith(VARIANTS_PREFIX));
  if (r.status !== 0 || !line) throw new Error(`${file} --variants: exit ${r.status ?? r.signal}`);
  return JSON.parse(line.slice(VARIANTS_PREFIX.length)) as string[];
}

/** `--name value` from argv, or undefined. */
export function option(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** The positional arguments of argv (neither `--flags` nor their values). */
export function positionals(argv: readonly string[], valued: readonly string[]): string[] {
  return argv.filter((a, i) => !a.startsWith('--') && !valued.includes(argv[i - 1]));
}

export const fmtMs = (x: number | undefined) => (x === undefined ? '' : x.toFixed(0));
export const fmtRatio = (x: number | undefined, y: number | undefined) => (x === undefined || y === undefined ? '' : (x / y).toFixed(1));
