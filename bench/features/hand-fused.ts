/**
 * "features", hand-fused: the ceiling. One merge pass over the trades' and the quotes'
 * record batches in time order (quotes at a trade's time first: exact matches included),
 * per-ticker state in typed arrays indexed by the dictionary code (last non-null bid and
 * ask = the forward fill; cumulative size and price × size; EMA). Writes the output columns
 * bid, ask, mid, spread, cumulative volume, VWAP (and EMA) as Float64Arrays, NaN for null.
 *
 *   npx tsx bench/features/hand-fused.ts <1m|5m> [--variant base|ema] [--repeats N]
 */
import type { Data, Table } from 'apache-arrow';
import { type Checksum, loadArrow, runBench } from './_harness';
import { EMA_ALPHA, featuresChecksum, sameDictionary } from './_features';

interface Input {
  trades: Table;
  quotes: Table;
  tickers: number;
}

interface Output {
  bid: Float64Array;
  ask: Float64Array;
  mid: Float64Array;
  spread: Float64Array;
  cumVolume: Float64Array;
  vwap: Float64Array;
  ema: Float64Array | undefined;
}

function compute({ trades, quotes, tickers }: Input, variant: string): Output {
  const n = trades.numRows;
  const withEma = variant === 'ema';
  const oBid = new Float64Array(n);
  const oAsk = new Float64Array(n);
  const oMid = new Float64Array(n);
  const oSpread = new Float64Array(n);
  const oVol = new Float64Array(n);
  const oVwap = new Float64Array(n);
  const oEma = withEma ? new Float64Array(n) : undefined;

  const lastBid = new Float64Array(tickers).fill(NaN);
  const lastAsk = new Float64Array(tickers).fill(NaN);
  const cumVol = new Float64Array(tickers);
  const cumPv = new Float64Array(tickers);
  const ema = new Float64Array(tickers).fill(NaN);

  // the quotes' cursor: batch qb, row qi of qn (locals, not captured by a closure: kept in registers)
  const qBatches = quotes.batches;
  let qb = -1;
  let qi = 0;
  let qn = 0;
  let qTs: BigInt64Array = new BigInt64Array(0);
  let qTk: Int32Array = new Int32Array(0);
  let qBid: Float64Array = new Float64Array(0);
  let qAsk: Float64Array = new Float64Array(0);
  let qBidValid: Uint8Array | null = null;
  let qAskValid: Uint8Array | null = null;
  let qBidOff = 0;
  let qAskOff = 0;
  let quotesLeft = true;

  let o = 0;
  for (const tb of trades.batches) {
    const [ts, tk, px, sz] = tb.data.children as Data<any>[];
    const tn = tb.numRows;
    const tTs = ts.values as BigInt64Array;
    const tTk = tk.values as Int32Array;
    const tPx = px.values as Float64Array;
    const tSz = sz.values as Int32Array;
    const tsOff = ts.offset;
    const tkOff = tk.offset;
    const pxOff = px.offset;
    const szOff = sz.offset;
    for (let i = 0; i < tn; i++, o++) {
      const t = tTs[tsOff + i];
      // pass the quotes at or before t: forward fill per ticker
      while (quotesLeft) {
        if (qi === qn) {
          if (++qb >= qBatches.length) {
            quotesLeft = false;
            break;
          }
          const b = qBatches[qb].data;
          const [ts, tk, bid, ask] = b.children as Data<any>[];
          qn = b.length;
          qTs = (ts.values as BigInt64Array).subarray(ts.offset, ts.offset + qn);
          qTk = (tk.values as Int32Array).subarray(tk.offset, tk.offset + qn);
          qBid = (bid.values as Float64Array).subarray(bid.offset, bid.offset + qn);
          qAsk = (ask.values as Float64Array).subarray(ask.offset, ask.offset + qn);
          qBidValid = bid.nullCount > 0 ? bid.nullBitmap! : null;
          qAskValid = ask.nullCount > 0 ? ask.nullBitmap! : null;
          qBidOff = bid.offset;
          qAskOff = ask.offset;
          qi = 0;
          continue;
        }
        if (qTs[qi] > t) break;
        const c = qTk[qi];
        const pb = qBidOff + qi;
        const pa = qAskOff + qi;
        if (qBidValid === null || (qBidValid[pb >> 3] >> (pb & 7)) & 1) lastBid[c] = qBid[qi];
        if (qAskValid === null || (qAskValid[pa >> 3] >> (pa & 7)) & 1) lastAsk[c] = qAsk[qi];
        qi++;
      }
      const c = tTk[tkOff + i];
      const bid = lastBid[c];
      const ask = lastAsk[c];
      oBid[o] = bid;
      oAsk[o] = ask;
      oMid[o] = (bid + ask) / 2;
      oSpread[o] = ask - bid;
      const p = tPx[pxOff + i];
      const s = tSz[szOff + i];
      const v = (cumVol[c] += s);
      oVol[o] = v;
      oVwap[o] = (cumPv[c] += p * s) / v;
      if (oEma !== undefined) {
        const e = ema[c];
        oEma[o] = ema[c] = e === e ? (1 - EMA_ALPHA) * e + EMA_ALPHA * p : p;
      }
    }
  }
  return { bid: oBid, ask: oAsk, mid: oMid, spread: oSpread, cumVolume: oVol, vwap: oVwap, ema: oEma };
}

function checksum(out: Output): Checksum {
  const n = out.mid.length;
  return featuresChecksum(
    n,
    (i) => (out.mid[i] === out.mid[i] ? out.mid[i] : null),
    (i) => (out.spread[i] === out.spread[i] ? out.spread[i] : null),
    (i) => out.vwap[i],
    out.ema && ((i) => out.ema![i]),
  );
}

await runBench<Input, Output>({
  name: 'hand-fused loop (typed arrays, one merge pass)',
  variants: ['base', 'ema'],
  load(files) {
    const { trades, quotes } = loadArrow(files);
    const dict = sameDictionary(trades, quotes);
    return { trades, quotes, tickers: dict.length };
  },
  compute,
  checksum,
});
