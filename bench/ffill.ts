/**
 * Per-key forward fill and EMA against nodejs-polars and a hand-written typed-array loop,
 * on generated market data (500 tickers as Dictionary<Int32, Utf8>, skewed activity):
 *
 * - `ffill({ by: 'ticker', columns: ['bid', 'ask'] })` over the quotes (~5% nulls per
 *   column) vs polars `forwardFill().over('ticker')`;
 * - `ema({ by: 'ticker', columns: { pxEma: 'price' }, alpha: 0.1, adjust: false })` over the
 *   trades vs polars `ewmMean({ alpha: 0.1, adjust: false }).over('ticker')`.
 *
 * weir runs the operator over the 65,536-row source batches (`from(batches).pipe(...)`) and
 * through `replay` (default 1 s cycles: ~900 quote rows per batch at 20M quotes; and 60 s cycles); polars
 * computes on the whole frame (its input conversion through Arrow IPC is not counted, nor
 * is turning its result back into Arrow); the hand-written loop does the same work as
 * weir's kernel on the same batches, with the ticker's dictionary index as the key (no key
 * encoding, no time check). Checksums over the outputs must agree.
 *
 *   npx tsx bench/ffill.ts [quotes=20000000] [trades=5000000]
 */
import { type Data, type RecordBatch, type Table, Type } from 'apache-arrow';
import { type OperatorFunction, from } from 'rxjs';
import { ffill } from '../operators/ffill';
import { ema } from '../operators/ema';
import { replay } from '../src/time/replay';
import { generateMarketData } from '../stories/data/market';
import { fromPolars, pl, toPolars } from '../test/helpers/polars';
import { median, printTable, time } from './util';

function collect(batches: readonly RecordBatch[], op: ReturnType<typeof ffill>): RecordBatch[] {
  const out: RecordBatch[] = [];
  from(batches).pipe(op).subscribe((b) => out.push(b));
  return out;
}

/** Sum and count of the non-null values of the named Float64 columns. */
function checksum(batches: readonly RecordBatch[], names: readonly string[]): { sum: number; count: number } {
  let sum = 0;
  let count = 0;
  for (const b of batches) {
    for (const name of names) {
      const j = b.schema.fields.findIndex((f) => f.name === name);
      const d = b.data.children[j];
      if (d.type.typeId !== Type.Float) throw new Error(`${name} is not a float column`);
      const v = d.values as Float64Array;
      for (let i = 0; i < d.length; i++) {
        const p = d.offset + i;
        if (d.nullCount === 0 || ((d.nullBitmap[p >> 3] >> (p & 7)) & 1) === 1) {
          sum += v[i];
          count++;
        }
      }
    }
  }
  return { sum, count };
}

function agree(what: string, a: { sum: number; count: number }, b: { sum: number; count: number }): void {
  if (a.count !== b.count || Math.abs(a.sum - b.sum) > 1e-9 * Math.abs(b.sum)) {
    throw new Error(`${what}: checksums differ: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  }
}

/** The hand-written forward fill: per batch, copy with `set`, patch null rows from per-ticker typed arrays. */
function handFill(batches: readonly RecordBatch[], cols: readonly number[], keyCol: number, keys: number): { out: Float64Array[][] } {
  const last = cols.map(() => new Float64Array(keys));
  const has = cols.map(() => new Uint8Array(keys));
  const out: Float64Array[][] = [];
  for (const b of batches) {
    const n = b.numRows;
    const tk = b.data.children[keyCol].values as Int32Array;
    const res: Float64Array[] = [];
    for (let c = 0; c < cols.length; c++) {
      const d: Data = b.data.children[cols[c]];
      const v = d.values as Float64Array;
      const l = last[c];
      const h = has[c];
      const o = new Float64Array(n);
      o.set(v.subarray(0, n));
      const bits = d.nullBitmap;
      const off = d.offset;
      for (let i = 0; i < n; i++) {
        const k = tk[i];
        const p = off + i;
        if (((bits[p >> 3] >> (p & 7)) & 1) !== 0) {
          l[k] = v[i];
          h[k] = 1;
        } else o[i] = h[k] !== 0 ? l[k] : NaN; // NaN: no value yet (null in weir and polars)
      }
      res.push(o);
    }
    out.push(res);
  }
  return { out };
}

/** The hand-written EMA (adjust: false, first value = first price). */
function handEma(batches: readonly RecordBatch[], col: number, keyCol: number, keys: number, alpha: number): Float64Array[] {
  const mean = new Float64Array(keys);
  const seen = new Uint8Array(keys);
  const out: Float64Array[] = [];
  for (const b of batches) {
    const n = b.numRows;
    const tk = b.data.children[keyCol].values as Int32Array;
    const v = b.data.children[col].values as Float64Array;
    const o = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const k = tk[i];
      const x = v[i];
      let m = x;
      if (seen[k] !== 0) m = mean[k] + alpha * (x - mean[k]);
      seen[k] = 1;
      mean[k] = m;
      o[i] = m;
    }
    out.push(o);
  }
  return out;
}

function sumArrays(parts: readonly Float64Array[]): { sum: number; count: number } {
  let sum = 0;
  let count = 0;
  for (const a of parts) {
    for (let i = 0; i < a.length; i++) {
      if (Number.isNaN(a[i])) continue;
      sum += a[i];
      count++;
    }
  }
  return { sum, count };
}

/** The same replay with an identity pipeline: what the replay itself costs. */
async function replayAlone(input: Table, name: string, repeats: number): Promise<number> {
  return median(
    await time(repeats, async () => {
      let rows = 0;
      await replay((inputs) => inputs[name], { [name]: input }, { sink: (b) => void (rows += b.numRows) });
    }),
  );
}

/** `op()` over `input` through replay at `cycle` ms (default 1 s): median ms, and the output of the last run. */
async function replayOp(input: Table, name: string, op: () => OperatorFunction<RecordBatch, RecordBatch>, repeats: number, cycle?: number) {
  let out: RecordBatch[] = [];
  const ms = median(
    await time(repeats, async () => {
      const got: RecordBatch[] = [];
      await replay((inputs) => inputs[name].pipe(op()), { [name]: input }, { ...(cycle !== undefined ? { cycle } : {}), sink: (b) => void got.push(b) });
      out = got;
    }),
  );
  return { ms, out };
}

function fmt(x: number): string {
  return x >= 1e6 ? `${(x / 1e6).toFixed(1)} M` : `${(x / 1e3).toFixed(1)} k`;
}

export async function benchFfill(nQuotes: number, nTrades: number, repeats = 3): Promise<void> {
  const t0 = performance.now();
  const { quotes, trades } = generateMarketData({ quotes: nQuotes, trades: nTrades });
  console.log(`generated ${nQuotes} quotes and ${nTrades} trades in ${(performance.now() - t0).toFixed(0)} ms`);
  await benchQuotes(quotes, nQuotes, repeats);
  await benchTrades(trades, nTrades, repeats);
}

async function benchQuotes(quotes: Table, n: number, repeats: number): Promise<void> {
  const names = quotes.schema.fields.map((f) => f.name);
  const batches = quotes.batches;
  const op = () => ffill({ by: 'ticker', columns: ['bid', 'ask'] });
  let weirOut: RecordBatch[] = [];
  const weirMs = median(await time(repeats, () => void (weirOut = collect(batches, op()))));
  const { ms: replayMs, out: replayOut } = await replayOp(quotes, 'quotes', op, repeats);
  const { ms: replay60Ms, out: replay60Out } = await replayOp(quotes, 'quotes', op, repeats, 60_000);
  const replayOnlyMs = await replayAlone(quotes, 'quotes', repeats);
  let hand: Float64Array[][] = [];
  const handMs = median(await time(repeats, () => void (hand = handFill(batches, [names.indexOf('bid'), names.indexOf('ask')], names.indexOf('ticker'), 500).out)));
  const df = toPolars(quotes);
  let plOut: ReturnType<typeof df.withColumns> | undefined;
  const plMs = median(await time(repeats, () => void (plOut = df.withColumns(pl.col('bid').forwardFill().over('ticker'), pl.col('ask').forwardFill().over('ticker')))));

  const w = checksum(weirOut, ['bid', 'ask']);
  agree('ffill replay vs from(batches)', checksum(replayOut, ['bid', 'ask']), w);
  agree('ffill replay at 60 s vs from(batches)', checksum(replay60Out, ['bid', 'ask']), w);
  agree('ffill polars', checksum(fromPolars(plOut!).batches, ['bid', 'ask']), w);
  agree('ffill hand-written', sumArrays(hand.flat()), w);
  printTable(`ffill of bid and ask by ticker: ${n} quotes, 500 tickers (~5% nulls per column)`, [
    { engine: 'weir ffill over the source batches', 'ms (median)': weirMs.toFixed(0), 'rows/s': fmt((n / weirMs) * 1000), 'polars ms / this': (plMs / weirMs).toFixed(2), 'this / hand-written': (weirMs / handMs).toFixed(2) },
    { engine: 'weir replay (1 s cycles) + ffill', 'ms (median)': replayMs.toFixed(0), 'rows/s': fmt((n / replayMs) * 1000), 'polars ms / this': (plMs / replayMs).toFixed(2), 'this / hand-written': (replayMs / handMs).toFixed(2) },
    { engine: 'weir replay (60 s cycles) + ffill', 'ms (median)': replay60Ms.toFixed(0), 'rows/s': fmt((n / replay60Ms) * 1000), 'polars ms / this': (plMs / replay60Ms).toFixed(2), 'this / hand-written': (replay60Ms / handMs).toFixed(2) },
    { engine: '(replay alone, no operator)', 'ms (median)': replayOnlyMs.toFixed(0), 'rows/s': fmt((n / replayOnlyMs) * 1000), 'polars ms / this': '', 'this / hand-written': '' },
    { engine: 'polars forwardFill().over(ticker) (2 columns)', 'ms (median)': plMs.toFixed(0), 'rows/s': fmt((n / plMs) * 1000), 'polars ms / this': '1.00', 'this / hand-written': (plMs / handMs).toFixed(2) },
    { engine: 'hand-written typed-array loop', 'ms (median)': handMs.toFixed(0), 'rows/s': fmt((n / handMs) * 1000), 'polars ms / this': (plMs / handMs).toFixed(2), 'this / hand-written': '1.00' },
  ]);
}

async function benchTrades(trades: Table, n: number, repeats: number): Promise<void> {
  const names = trades.schema.fields.map((f) => f.name);
  const batches = trades.batches;
  const op = () => ema({ by: 'ticker', columns: { pxEma: 'price' }, alpha: 0.1, adjust: false });
  let weirOut: RecordBatch[] = [];
  const weirMs = median(await time(repeats, () => void (weirOut = collect(batches, op()))));
  const { ms: replayMs, out: replayOut } = await replayOp(trades, 'trades', op, repeats);
  const { ms: replay60Ms, out: replay60Out } = await replayOp(trades, 'trades', op, repeats, 60_000);
  const replayOnlyMs = await replayAlone(trades, 'trades', repeats);
  let hand: Float64Array[] = [];
  const handMs = median(await time(repeats, () => void (hand = handEma(batches, names.indexOf('price'), names.indexOf('ticker'), 500, 0.1))));
  const df = toPolars(trades);
  let plOut: ReturnType<typeof df.withColumns> | undefined;
  const plMs = median(await time(repeats, () => void (plOut = df.withColumns(pl.col('price').ewmMean({ alpha: 0.1, adjust: false }).over('ticker').alias('pxEma')))));

  const w = checksum(weirOut, ['pxEma']);
  agree('ema replay vs from(batches)', checksum(replayOut, ['pxEma']), w);
  agree('ema replay at 60 s vs from(batches)', checksum(replay60Out, ['pxEma']), w);
  agree('ema polars', checksum(fromPolars(plOut!).batches, ['pxEma']), w);
  agree('ema hand-written', sumArrays(hand), w);
  printTable(`ema of price by ticker (alpha 0.1, adjust false): ${n} trades, 500 tickers`, [
    { engine: 'weir ema over the source batches', 'ms (median)': weirMs.toFixed(0), 'rows/s': fmt((n / weirMs) * 1000), 'polars ms / this': (plMs / weirMs).toFixed(2), 'this / hand-written': (weirMs / handMs).toFixed(2) },
    { engine: 'weir replay (1 s cycles) + ema', 'ms (median)': replayMs.toFixed(0), 'rows/s': fmt((n / replayMs) * 1000), 'polars ms / this': (plMs / replayMs).toFixed(2), 'this / hand-written': (replayMs / handMs).toFixed(2) },
    { engine: 'weir replay (60 s cycles) + ema', 'ms (median)': replay60Ms.toFixed(0), 'rows/s': fmt((n / replay60Ms) * 1000), 'polars ms / this': (plMs / replay60Ms).toFixed(2), 'this / hand-written': (replay60Ms / handMs).toFixed(2) },
    { engine: '(replay alone, no operator)', 'ms (median)': replayOnlyMs.toFixed(0), 'rows/s': fmt((n / replayOnlyMs) * 1000), 'polars ms / this': '', 'this / hand-written': '' },
    { engine: 'polars ewmMean().over(ticker)', 'ms (median)': plMs.toFixed(0), 'rows/s': fmt((n / plMs) * 1000), 'polars ms / this': '1.00', 'this / hand-written': (plMs / handMs).toFixed(2) },
    { engine: 'hand-written typed-array loop', 'ms (median)': handMs.toFixed(0), 'rows/s': fmt((n / handMs) * 1000), 'polars ms / this': (plMs / handMs).toFixed(2), 'this / hand-written': '1.00' },
  ]);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const nQuotes = Number(process.argv[2] ?? 20_000_000);
  const nTrades = Number(process.argv[3] ?? 5_000_000);
  await benchFfill(nQuotes, nTrades);
}
