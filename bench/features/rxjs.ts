/**
 * "features" per event in RxJS, as teams write it today: the rows of both files turned into
 * plain objects and merged in time order into one event list (the load), then
 * `from(events)` through one `scan` holding a `Map` per ticker of the last known bid/ask
 * (the forward fill and the as-of state at once) and a `Map` of cumulative volume, price ×
 * size and EMA, emitting one feature object per trade, collected with `toArray`.
 *
 *   npx tsx bench/features/rxjs.ts <1m|5m> [--variant base|ema] [--repeats N]
 */
import { filter, from, lastValueFrom, map, scan, toArray } from 'rxjs';
import type { Table } from 'apache-arrow';
import { type Checksum, loadArrow, runBench } from './_harness';
import { EMA_ALPHA, featuresChecksum } from './_features';

interface Quote {
  kind: 'quote';
  ts: bigint;
  ticker: string;
  bid: number | null;
  ask: number | null;
}

interface Trade {
  kind: 'trade';
  ts: bigint;
  ticker: string;
  price: number;
  size: number;
}

type MarketEvent = Quote | Trade;

interface Features {
  ts: bigint;
  ticker: string;
  price: number;
  size: number;
  bid: number | null;
  ask: number | null;
  mid: number | null;
  spread: number | null;
  cumVolume: number;
  vwap: number;
  ema?: number;
}

interface State {
  quotes: Map<string, { bid: number | null; ask: number | null }>;
  totals: Map<string, { volume: number; pv: number; ema: number | null }>;
  out: Features | null;
}

/** Epoch ns as bigints (a row's `ts` is a JS number of ms: too coarse to order trades and quotes). */
function nanos(table: Table): BigInt64Array {
  const ts = table.getChild('ts')!.toArray();
  if (!(ts instanceof BigInt64Array)) throw new Error('ts is not Timestamp[ns]');
  return ts;
}

function rowsOf(trades: Table, quotes: Table): MarketEvent[] {
  const q: Quote[] = [];
  const qTs = nanos(quotes);
  let i = 0;
  for (const row of quotes) q.push({ kind: 'quote', ts: qTs[i++], ticker: row.ticker, bid: row.bid, ask: row.ask });
  const t: Trade[] = [];
  const tTs = nanos(trades);
  i = 0;
  for (const row of trades) t.push({ kind: 'trade', ts: tTs[i++], ticker: row.ticker, price: row.price, size: row.size });
  // one stream in time order; a quote at a trade's time comes first (exact matches included)
  const events: MarketEvent[] = [];
  i = 0;
  let j = 0;
  while (i < q.length || j < t.length) {
    if (j === t.length || (i < q.length && q[i].ts <= t[j].ts)) events.push(q[i++]);
    else events.push(t[j++]);
  }
  return events;
}

function compute(events: MarketEvent[], variant: string): Promise<Features[]> {
  const withEma = variant === 'ema';
  return lastValueFrom(
    from(events).pipe(
      scan(
        (s: State, e: MarketEvent): State => {
          if (e.kind === 'quote') {
            const last = s.quotes.get(e.ticker);
            s.quotes.set(e.ticker, { bid: e.bid ?? last?.bid ?? null, ask: e.ask ?? last?.ask ?? null });
            s.out = null;
            return s;
          }
          const quote = s.quotes.get(e.ticker);
          const bid = quote?.bid ?? null;
          const ask = quote?.ask ?? null;
          const prev = s.totals.get(e.ticker) ?? { volume: 0, pv: 0, ema: null };
          const next = {
            volume: prev.volume + e.size,
            pv: prev.pv + e.price * e.size,
            ema: withEma ? (prev.ema === null ? e.price : (1 - EMA_ALPHA) * prev.ema + EMA_ALPHA * e.price) : null,
          };
          s.totals.set(e.ticker, next);
          s.out = {
            ts: e.ts,
            ticker: e.ticker,
            price: e.price,
            size: e.size,
            bid,
            ask,
            mid: bid !== null && ask !== null ? (bid + ask) / 2 : null,
            spread: bid !== null && ask !== null ? ask - bid : null,
            cumVolume: next.volume,
            vwap: next.pv / next.volume,
            ...(withEma ? { ema: next.ema! } : {}),
          };
          return s;
        },
        { quotes: new Map(), totals: new Map(), out: null },
      ),
      filter((s) => s.out !== null),
      map((s) => s.out!),
      toArray(),
    ),
  );
}

function checksum(out: Features[], variant: string): Checksum {
  return featuresChecksum(
    out.length,
    (i) => out[i].mid,
    (i) => out[i].spread,
    (i) => out[i].vwap,
    variant === 'ema' ? (i) => out[i].ema! : undefined,
  );
}

await runBench<MarketEvent[], Features[]>({
  name: 'per-event RxJS (row objects, scan + Map)',
  variants: ['base', 'ema'],
  maxRepeats: 3,
  load(files) {
    const { trades, quotes } = loadArrow(files);
    return rowsOf(trades, quotes);
  },
  compute,
  checksum,
});
