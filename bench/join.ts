/**
 * `join` with a static table (a lookup by key) against nodejs-polars and a hand-written
 * typed-array loop: the generated trades (500 tickers as Dictionary<Int32, Utf8>, skewed
 * activity) joined with a reference table of 450 of the tickers (the other 50 have no row:
 * nulls), bringing a Float64 `weight` and an Int32 `lot` per ticker.
 *
 * weir runs `join(ref, { by: 'ticker' })` over the 65,536-row source batches
 * (`from(batches).pipe(...)`) and through `replay` (1 s and 60 s cycles); polars runs
 * `trades.join(ref, { on: 'ticker', how: 'left' })` on the whole frame with String keys on
 * both sides (the Categorical → String cast is done before timing; its input conversion
 * through Arrow IPC is not counted, nor is turning its result back into Arrow); the hand-written
 * loop maps each dictionary index to its table row once and gathers the two columns per
 * batch (NaN / -1 for a miss). Checksums over the outputs must agree.
 *
 *   npx tsx bench/join.ts [trades=5000000]
 */
import { type RecordBatch, tableFromArrays } from 'apache-arrow';
import { from } from 'rxjs';
import { join } from '../operators/join';
import { replay } from '../src/time/replay';
import { generateMarketData } from '../stories/data/market';
import { fromPolars, pl, toPolars } from '../test/helpers/polars';
import { median, printTable, time } from './util';

interface Checksum {
  weight: number;
  lot: number;
  matched: number;
}

/** Sum of `weight` and `lot` over the matched rows, and their number. */
function checksum(batches: readonly RecordBatch[]): Checksum {
  const out = { weight: 0, lot: 0, matched: 0 };
  for (const b of batches) {
    const names = b.schema.fields.map((f) => f.name);
    const w = b.data.children[names.indexOf('weight')];
    const l = b.data.children[names.indexOf('lot')];
    const wv = w.values as Float64Array;
    const lv = l.values as Int32Array | BigInt64Array;
    for (let i = 0; i < b.numRows; i++) {
      const p = w.offset + i;
      if (w.nullCount > 0 && ((w.nullBitmap[p >> 3] >> (p & 7)) & 1) === 0) continue;
      out.weight += wv[i];
      out.lot += Number(lv[i]);
      out.matched++;
    }
  }
  return out;
}

function agree(what: string, a: Checksum, b: Checksum): void {
  if (a.matched !== b.matched || a.lot !== b.lot || Math.abs(a.weight - b.weight) > 1e-9 * Math.abs(b.weight)) {
    throw new Error(`${what}: checksums differ: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  }
}

/** The hand-written lookup: dictionary index → table row (once), then two gathers per batch. */
function handJoin(batches: readonly RecordBatch[], keyCol: number, rowOfIndex: Int32Array, weight: Float64Array, lot: Int32Array): Checksum {
  const sum = { weight: 0, lot: 0, matched: 0 };
  const outs: [Float64Array, Int32Array][] = [];
  for (const b of batches) {
    const n = b.numRows;
    const k = b.data.children[keyCol];
    const idx = k.values as Int32Array;
    const ow = new Float64Array(n);
    const ol = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const r = rowOfIndex[idx[i]];
      if (r >= 0) {
        ow[i] = weight[r];
        ol[i] = lot[r];
      } else {
        ow[i] = NaN;
        ol[i] = -1;
      }
    }
    outs.push([ow, ol]);
  }
  for (const [ow, ol] of outs) {
    for (let i = 0; i < ow.length; i++) {
      if (ol[i] < 0) continue;
      sum.weight += ow[i];
      sum.lot += ol[i];
      sum.matched++;
    }
  }
  return sum;
}

function fmt(x: number): string {
  return x >= 1e6 ? `${(x / 1e6).toFixed(1)} M` : `${(x / 1e3).toFixed(1)} k`;
}

export async function benchJoin(nTrades: number, repeats = 5): Promise<void> {
  const t0 = performance.now();
  const { trades } = generateMarketData({ quotes: 1, trades: nTrades });
  console.log(`generated ${nTrades} trades in ${(performance.now() - t0).toFixed(0)} ms`);
  const names = trades.schema.fields.map((f) => f.name);
  const keyCol = names.indexOf('ticker');
  const dictionary = trades.batches[0].data.children[keyCol].dictionary!;
  const tickers: string[] = [];
  for (let i = 0; i < dictionary.length; i++) tickers.push(dictionary.get(i) as string);
  // every tenth ticker has no row; the rows in another order than the dictionary
  const refTickers = tickers.filter((_, i) => i % 10 !== 7).reverse();
  const weight = Float64Array.from(refTickers, (_, i) => 1 + ((i * 37) % 101) / 100);
  const lot = Int32Array.from(refTickers, (_, i) => 100 * (1 + (i % 5)));
  const ref = tableFromArrays({ ticker: refTickers, weight, lot });
  const rowOfIndex = Int32Array.from(tickers, (t) => refTickers.indexOf(t));

  const batches = trades.batches;
  const collect = () => {
    const out: RecordBatch[] = [];
    from(batches)
      .pipe(join(ref, { by: 'ticker' }))
      .subscribe((b) => out.push(b));
    return out;
  };
  let weirOut: RecordBatch[] = [];
  const weirMs = median(await time(repeats, () => void (weirOut = collect())));
  const viaReplay = async (cycle: number) => {
    let out: RecordBatch[] = [];
    const ms = median(
      await time(repeats, async () => {
        const got: RecordBatch[] = [];
        await replay(({ trades }) => trades.pipe(join(ref, { by: 'ticker' })), { trades }, { cycle, sink: (b) => void got.push(b) });
        out = got;
      }),
    );
    return { ms, out };
  };
  const r1 = await viaReplay(1000);
  const r60 = await viaReplay(60_000);
  let hand: Checksum | undefined;
  const handMs = median(await time(repeats, () => void (hand = handJoin(batches, keyCol, rowOfIndex, weight, lot))));
  const df = toPolars(trades).withColumns(pl.col('ticker').cast(pl.Utf8));
  const refDf = toPolars(ref).withColumns(pl.col('ticker').cast(pl.Utf8));
  let plOut: ReturnType<typeof df.join> | undefined;
  const plMs = median(await time(repeats, () => void (plOut = df.join(refDf, { on: 'ticker', how: 'left' }))));

  const w = checksum(weirOut);
  agree('join replay 1 s vs from(batches)', checksum(r1.out), w);
  agree('join replay 60 s vs from(batches)', checksum(r60.out), w);
  agree('join polars', checksum(fromPolars(plOut!).batches), w);
  agree('join hand-written', hand!, w);
  const row = (engine: string, ms: number) => ({
    engine,
    'ms (median)': ms.toFixed(0),
    'rows/s': fmt((nTrades / ms) * 1000),
    'polars ms / this': (plMs / ms).toFixed(2),
    'this / hand-written': (ms / handMs).toFixed(2),
  });
  printTable(`join (lookup) of ${nTrades} trades with a 450-row table by ticker (500 tickers; ${w.matched} rows matched)`, [
    row('weir join over the source batches', weirMs),
    row('weir replay (1 s cycles) + join', r1.ms),
    row('weir replay (60 s cycles) + join', r60.ms),
    row("polars join(how: 'left') (String keys)", plMs),
    row('hand-written typed-array loop', handMs),
  ]);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchJoin(Number(process.argv[2] ?? 5_000_000));
}
