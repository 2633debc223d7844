/**
 * The ANCHORS "features" workload, shared by its implementations: forward-fill bid/ask per
 * ticker over the quotes → backward as-of join of the trades to the quotes by ticker
 * (exact matches included) → mid = (bid + ask) / 2, spread = ask − bid → per-ticker
 * cumulative volume and VWAP = cum(price × size) / cum(size); variant `ema`: per-ticker EMA
 * of price, alpha 0.1, first value = first price.
 *
 * The checksum every implementation reports over its output (one row per trade):
 * `nRows`; `nMatched` = rows with a non-null mid (bid and ask both known); `mid`,
 * `spread` = their sums over those rows; `vwap` = the sum of the VWAP over all rows; with
 * `ema`, `ema` = the sum of the EMA over all rows.
 */
import { type RecordBatch, type Table, Type } from 'apache-arrow';
import type { Checksum } from './_harness';

export const EMA_ALPHA = 0.1;

/** The checksum from per-row accessors (null = missing). */
export function featuresChecksum(
  n: number,
  mid: (i: number) => number | null,
  spread: (i: number) => number | null,
  vwap: (i: number) => number,
  ema?: (i: number) => number,
): Checksum {
  let nMatched = 0;
  let sMid = 0;
  let sSpread = 0;
  let sVwap = 0;
  let sEma = 0;
  for (let i = 0; i < n; i++) {
    const m = mid(i);
    if (m !== null) {
      nMatched++;
      sMid += m;
      sSpread += spread(i) ?? NaN;
    }
    sVwap += vwap(i);
    if (ema) sEma += ema(i);
  }
  const out: Checksum = { nRows: n, nMatched, mid: sMid, spread: sSpread, vwap: sVwap };
  if (ema) out.ema = sEma;
  return out;
}

/** The strings of a Dictionary<Int32, Utf8> column's dictionary (of the first batch). */
export function dictionaryOf(table: Table, column: string): string[] {
  const field = table.schema.fields.find((f) => f.name === column);
  if (!field || field.type.typeId !== Type.Dictionary) throw new Error(`${column} is not a dictionary column`);
  const dict = table.batches[0]?.getChild(column)?.data[0].dictionary;
  return dict ? (dict.toArray() as string[]) : [];
}

/**
 * The ticker dictionary, checked to be the same in both tables (the generator writes one
 * dictionary of all tickers into both files), so that a dictionary code names the same
 * ticker on both sides.
 */
export function sameDictionary(trades: Table, quotes: Table): string[] {
  const a = dictionaryOf(trades, 'ticker');
  const b = dictionaryOf(quotes, 'ticker');
  if (a.length !== b.length || a.some((s, i) => s !== b[i])) throw new Error('trades and quotes have different ticker dictionaries');
  for (const t of [trades, quotes]) {
    const first = t.batches[0]?.getChild('ticker')?.data[0].dictionary;
    if (t.batches.some((bt) => bt.getChild('ticker')!.data[0].dictionary !== first)) throw new Error('ticker dictionary changes between batches');
  }
  return a;
}

/**
 * The checksum of an output given as Arrow record batches (weir's): Float64 columns `mid`,
 * `spread`, `vwap` (and `ema` when `withEma`), nulls from their validity bitmaps.
 */
export function featuresChecksumOfBatches(batches: Iterable<RecordBatch>, withEma: boolean): Checksum {
  const total: Checksum = { nRows: 0, nMatched: 0, mid: 0, spread: 0, vwap: 0 };
  if (withEma) total.ema = 0;
  for (const b of batches) {
    const col = (name: string) => {
      const d = b.getChild(name)?.data[0];
      if (!d || d.type.typeId !== Type.Float) throw new Error(`output column ${name} is missing or not a float`);
      const values = d.values as Float64Array;
      const bits = d.nullCount > 0 ? d.nullBitmap : null;
      const off = d.offset;
      return (i: number): number | null => (bits === null || (bits[(off + i) >> 3] >> ((off + i) & 7)) & 1 ? values[off + i] : null);
    };
    const vwap = col('vwap');
    const ema = withEma ? col('ema') : undefined;
    const c = featuresChecksum(b.numRows, col('mid'), col('spread'), (i) => vwap(i) ?? NaN, ema && ((i) => ema(i) ?? NaN));
    for (const k of Object.keys(total)) total[k] += c[k];
  }
  return total;
}
