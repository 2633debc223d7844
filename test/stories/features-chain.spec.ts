/**
 * The flagship chain as a whole (`features` of the story `npm start` runs): quotes'
 * bid/ask forward-filled per ticker → trades as-of joined to them (backward, by ticker) →
 * mid, spread, price × size → cumulative volume and price × size per ticker → VWAP (and an
 * EMA of the price per ticker). Each operator has its own oracle and parity tests; this
 * file proves the composition: the chain equals the same job written in nodejs-polars on
 * random data (ties within and across the two inputs, null bids and asks, tickers that
 * trade before their first quote, Utf8 or dictionary tickers), and gives the same rows for
 * any batch split, replay cycle, delivery order and live.
 */
import { describe, expect, it } from 'vitest';
import type { RecordBatch, Table } from 'apache-arrow';
import fc from 'fast-check';
import { replay } from '../../src/time/replay';
import { batch } from '../../src/testing/builders';
import type { SchemaSpec } from '../../src/testing/schema';
import { expectParity } from '../../src/testing/parity';
import { toColumns } from '../../src/testing/read';
import { fromPolars, pl, toPolars } from '../helpers/polars';
import { features } from '../../stories/features/story';
import { soak, soakSeed, soakSeeds } from '../helpers/soak';

/** The story's EMA (`pxEma`): alpha 0.1, adjust false. */
const ALPHA = 0.1;

/** The same job in nodejs-polars (as bench/features/polars.ts writes it). */
function polarsFeatures(trades: RecordBatch, quotes: RecordBatch): Table {
  const q = toPolars(quotes).withColumns(pl.col('bid').forwardFill().over('ticker'), pl.col('ask').forwardFill().over('ticker'));
  const joined = toPolars(trades).joinAsof(q, { on: 'ts', by: 'ticker', strategy: 'backward', checkSortedness: false });
  const out = joined
    .withColumns(
      pl.col('bid').add(pl.col('ask')).div(pl.lit(2)).alias('mid'),
      pl.col('ask').sub(pl.col('bid')).alias('spread'),
      pl.col('size').cast(pl.Float64).cumSum().over('ticker').alias('cumVolume'),
      pl.col('price').mul(pl.col('size').cast(pl.Float64)).cumSum().over('ticker').alias('cumPv'),
      pl.col('price').ewmMean({ alpha: ALPHA, adjust: false }).over('ticker').alias('pxEma'),
    )
    .withColumns(pl.col('cumPv').div(pl.col('cumVolume')).alias('vwap'));
  return fromPolars(out);
}

const TICKERS = ['AAA', 'BBB', 'CCC', 'DDD'];
const quoteArb = fc.record({
  dt: fc.nat(2), // 0: the same time as the quote before
  k: fc.constantFrom(...TICKERS),
  bid: fc.option(fc.integer({ min: 90, max: 110 }), { freq: 4 }),
  ask: fc.option(fc.integer({ min: 111, max: 130 }), { freq: 4 }),
});
const tradeArb = fc.record({
  dt: fc.nat(3),
  k: fc.constantFrom(...TICKERS),
  price: fc.integer({ min: 90, max: 130 }),
  size: fc.integer({ min: 1, max: 500 }),
});
/** Random cases of at least `min` quotes and trades. */
const caseOf = (min: number) =>
  fc.record({
    quotes: fc.array(quoteArb, { minLength: min, maxLength: 40 }),
    trades: fc.array(tradeArb, { minLength: min, maxLength: 30 }),
    tradeStart: fc.nat(4),
    // each side's ticker column as Utf8 or as a dictionary (both are string keys: they join)
    quoteKey: fc.constantFrom('utf8', 'dictionary'),
    tradeKey: fc.constantFrom('utf8', 'dictionary'),
  });
const caseArb = caseOf(1);
type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

const times = (dts: number[], start: number) => {
  let t = start;
  return dts.map((d) => (t += d));
};

/** The case's inputs: with its key encodings (weir), and with Utf8 keys (polars). */
function inputs(c: Case) {
  const qts = times(c.quotes.map((q) => q.dt), 0);
  const tts = times(c.trades.map((t) => t.dt), c.tradeStart);
  const q = (key: 'utf8' | 'dictionary') =>
    batch(
      { ts: qts, ticker: c.quotes.map((x) => x.k), bid: c.quotes.map((x) => (x.bid === null ? null : x.bid + 0.25)), ask: c.quotes.map((x) => (x.ask === null ? null : x.ask + 0.5)) },
      { ts: 'timestamp[ms]', ticker: key, bid: 'float64', ask: 'float64' } as const,
    );
  const t = (key: 'utf8' | 'dictionary') =>
    batch(
      { ts: tts, ticker: c.trades.map((x) => x.k), price: c.trades.map((x) => x.price + 0.125), size: c.trades.map((x) => x.size) },
      { ts: 'timestamp[ms]', ticker: key, price: 'float64', size: 'int32' } as const,
    );
  return { weir: { trades: t(c.tradeKey), quotes: q(c.quoteKey) }, polars: { trades: t('utf8'), quotes: q('utf8') } };
}

describe('the features chain, whole', () => {
  it('equals the same job in nodejs-polars on random data (oracle)', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const { weir, polars } = inputs(c);
        const got = toColumns(await replay(features, { trades: [weir.trades], quotes: [weir.quotes] }));
        const want = toColumns(polarsFeatures(polars.trades, polars.quotes));
        expect(got.ts).toHaveLength(c.trades.length);
        // the join's columns and the sums: the same operations in the same order, so exactly equal
        for (const name of ['ts', 'price', 'size', 'bid', 'ask', 'mid', 'spread', 'cumVolume', 'cumPv', 'vwap']) {
          expect(got[name], name).toEqual(want[name]);
        }
        expect(got.ticker).toEqual(c.trades.map((t) => t.k));
        // the EMA: the same recursion, written differently (rounding only)
        const ge = got.pxEma as number[];
        const we = want.pxEma as number[];
        ge.forEach((v, i) => expect(v).toBeCloseTo(we[i], 9));
      }),
      { numRuns: soak(60) },
    );
  });

  it('gives the same rows for any split, cycle, delivery order, and live (parity)', async () => {
    for (const seed of soakSeeds(3)) {
      const c = fc.sample(caseOf(20), { seed, numRuns: 1 })[0];
      const { weir } = inputs(c);
      await expectParity(features, { trades: weir.trades, quotes: weir.quotes }, { runs: soak(12), seed });
    }
  });

  it('with null tickers too (they match no quote; cumulative and ema group them together): parity', async () => {
    const c = fc.sample(caseOf(20), { seed: soakSeed(4), numRuns: 1 })[0];
    const { weir } = inputs(c);
    // every 4th trade's and 5th quote's ticker null (a dictionary column)
    const withNullKeys = (b: RecordBatch, every: number, spec: SchemaSpec) => {
      const cols = toColumns(b);
      return batch({ ...cols, ticker: cols.ticker.map((k, i) => (i % every === 1 ? null : k)) } as never, spec);
    };
    const trades = withNullKeys(weir.trades, 4, { ts: 'timestamp[ms]', ticker: 'dictionary', price: 'float64', size: 'int32' });
    const quotes = withNullKeys(weir.quotes, 5, { ts: 'timestamp[ms]', ticker: 'dictionary', bid: 'float64', ask: 'float64' });
    const out = toColumns(await replay(features, { trades: [trades], quotes: [quotes] }));
    const keys = toColumns(trades).ticker as (string | null)[];
    keys.forEach((k, i) => {
      if (k === null) expect([out.bid[i], out.ask[i], out.mid[i]]).toEqual([null, null, null]);
    });
    // the null-key trades' running volume is one group: the running sum of their sizes
    const sizes = toColumns(trades).size as number[];
    let acc = 0;
    keys.forEach((k, i) => {
      if (k === null) expect(out.cumVolume[i]).toBe((acc += sizes[i]));
    });
    await expectParity(features, { trades, quotes }, { runs: soak(12), seed: soakSeed(4) });
  });
});
