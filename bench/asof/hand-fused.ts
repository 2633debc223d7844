/**
 * The as-of join hand-fused: the ceiling. One merge pass over the trades' and quotes'
 * record batches (quotes at a trade's time first), the latest quote's bid and ask per
 * ticker in typed arrays (NaN: no quote yet or a null value), the output bid and ask
 * written as Float64Arrays (NaN for null).
 *
 *   npx tsx bench/asof/hand-fused.ts <1m|5m> [--repeats N]
 */
import type { Data, Table } from 'apache-arrow';
import { type Checksum, loadArrow, runBench } from '../features/_harness';
import { sameDictionary } from '../features/_features';

interface Input {
  trades: Table;
  quotes: Table;
  tickers: number;
}

function compute({ trades, quotes, tickers }: Input): { bid: Float64Array; ask: Float64Array } {
  const oBid = new Float64Array(trades.numRows);
  const oAsk = new Float64Array(trades.numRows);
  const lastBid = new Float64Array(tickers).fill(NaN);
  const lastAsk = new Float64Array(tickers).fill(NaN);
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
    const [ts, tk] = tb.data.children as Data<any>[];
    const tTs = ts.values as BigInt64Array;
    const tTk = tk.values as Int32Array;
    const tsOff = ts.offset;
    const tkOff = tk.offset;
    for (let i = 0; i < tb.numRows; i++, o++) {
      const t = tTs[tsOff + i];
      while (quotesLeft) {
        if (qi === qn) {
          if (++qb >= qBatches.length) {
            quotesLeft = false;
            break;
          }
          const b = qBatches[qb].data;
          const [qts, qtk, bid, ask] = b.children as Data<any>[];
          qn = b.length;
          qTs = (qts.values as BigInt64Array).subarray(qts.offset, qts.offset + qn);
          qTk = (qtk.values as Int32Array).subarray(qtk.offset, qtk.offset + qn);
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
        lastBid[c] = qBidValid === null || (qBidValid[pb >> 3] >> (pb & 7)) & 1 ? qBid[qi] : NaN;
        lastAsk[c] = qAskValid === null || (qAskValid[pa >> 3] >> (pa & 7)) & 1 ? qAsk[qi] : NaN;
        qi++;
      }
      const c = tTk[tkOff + i];
      oBid[o] = lastBid[c];
      oAsk[o] = lastAsk[c];
    }
  }
  return { bid: oBid, ask: oAsk };
}

await runBench({
  name: 'hand-fused merge loop',
  load(files) {
    const { trades, quotes } = loadArrow(files);
    return { trades, quotes, tickers: sameDictionary(trades, quotes).length };
  },
  compute,
  checksum({ bid, ask }): Checksum {
    let nMatched = 0;
    let sum = 0;
    for (let i = 0; i < bid.length; i++) {
      const b = bid[i];
      const a = ask[i];
      if (b === b) sum += b;
      if (a === a) sum += a;
      if (b === b || a === a) nMatched++;
    }
    return { nRows: bid.length, nMatched, sum };
  },
});
