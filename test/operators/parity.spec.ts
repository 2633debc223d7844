/**
 * batch == stream for the single-input operators: the same rows for any batch split, cycle,
 * delivery order, and through live, on random data with nulls (expectParity from weir/testing).
 */
import { describe, it } from 'vitest';
import fc from 'fast-check';
import { select } from '../../operators/select';
import { withColumns } from '../../operators/withColumns';
import { filter } from '../../operators/filter';
import { mergeSorted } from '../../operators/mergeSorted';
import { col, lit, when } from '../../src/expr';
import { expectParity } from '../../src/testing/parity';
import { batch } from '../../src/testing/builders';
import { soak } from '../helpers/soak';

const T0 = Date.UTC(2024, 0, 2, 14, 30);

const rowsArb = fc.array(
  fc.record({
    dt: fc.integer({ min: 0, max: 5_000 }),
    px: fc.option(fc.double({ min: -100, max: 100, noNaN: true }), { freq: 5 }),
    size: fc.option(fc.integer({ min: -5, max: 500 }), { freq: 5 }),
    ticker: fc.option(fc.constantFrom('AAA', 'BBB', 'CCC'), { freq: 6 }),
  }),
  { minLength: 1, maxLength: 40 },
);

function tradesOf(rows: { dt: number; px: number | null; size: number | null; ticker: string | null }[]) {
  let t = T0;
  const ts = rows.map((r) => (t += r.dt % 3 === 0 ? 0 : r.dt)); // plenty of equal timestamps
  return batch(
    { ts, ticker: rows.map((r) => r.ticker), px: rows.map((r) => r.px), size: rows.map((r) => r.size) },
    { ts: 'timestamp[ms]', ticker: 'dictionary', px: 'float64', size: 'int32' },
  );
}

describe('operator parity (batch == stream)', () => {
  it('filter + withColumns + select', async () => {
    await fc.assert(
      fc.asyncProperty(rowsArb, async (rows) => {
        await expectParity(
          ({ trades }) =>
            trades.pipe(
              filter(col('size').gt(10).or(col('px').isNull())),
              withColumns({
                notional: col('px').mul(col('size')),
                side: when(col('px').gt(0)).then(lit(1)).otherwise(lit(-1)),
                isA: col('ticker').eq('AAA').fillNull(false),
              }),
              select('ts', 'ticker', 'notional', 'side', 'isA'),
            ),
          { trades: tradesOf(rows) },
          { runs: soak(6) },
        );
      }),
      { numRuns: soak(12) },
    );
  });

  it('mergeSorted of two derived streams', async () => {
    await fc.assert(
      fc.asyncProperty(rowsArb, rowsArb, async (a, b) => {
        await expectParity(
          ({ a, b }) => a.pipe(filter(col('size').gte(0)), mergeSorted(b.pipe(filter(col('size').gte(0))))),
          { a: tradesOf(a), b: tradesOf(b) },
          { runs: soak(6) },
        );
      }),
      { numRuns: soak(12) },
    );
  });
});
