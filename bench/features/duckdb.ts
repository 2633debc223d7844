/**
 * "features" in DuckDB (`@duckdb/node-api`), one SQL statement materialising the result
 * as a table: `last_value(... IGNORE NULLS)` over a per-ticker window for the forward fill,
 * `ASOF LEFT JOIN` by ticker, mid and spread, window sums for the cumulative volume and
 * price × size. The load (IPC files → DuckDB tables, see _duckdb.ts) is reported apart. No
 * `ema` variant: SQL has no recursive per-row window, and the closed form overflows.
 *
 *   npx tsx bench/features/duckdb.ts <1m|5m> [--repeats N]
 */
import { type Checksum, runBench } from './_harness';
import { type DuckDB, loadDuckDB, queryRow } from './_duckdb';

const FEATURES = `
CREATE OR REPLACE TEMP TABLE features AS
WITH filled AS (
  SELECT ts, ticker,
    last_value(bid IGNORE NULLS) OVER w AS bid,
    last_value(ask IGNORE NULLS) OVER w AS ask
  FROM quotes
  WINDOW w AS (PARTITION BY ticker ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
), joined AS (
  SELECT t.ts, t.ticker, t.price, t.size, q.bid, q.ask
  FROM trades t ASOF LEFT JOIN filled q ON t.ticker = q.ticker AND t.ts >= q.ts
)
SELECT ts, ticker, price, size, bid, ask,
  (bid + ask) / 2 AS mid,
  ask - bid AS spread,
  sum(size::DOUBLE) OVER v AS cum_volume,
  sum(price * size) OVER v / sum(size::DOUBLE) OVER v AS vwap
FROM joined
WINDOW v AS (PARTITION BY ticker ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)`;

await runBench<DuckDB, DuckDB>({
  name: 'DuckDB (window + ASOF JOIN)',
  load: loadDuckDB,
  async compute(db) {
    await db.connection.run(FEATURES);
    return db;
  },
  async checksum(db): Promise<Checksum> {
    return queryRow(db.connection, 'SELECT count(*) AS nRows, count(mid) AS nMatched, sum(mid) AS mid, sum(spread) AS spread, sum(vwap) AS vwap FROM features');
  },
  close(db) {
    db.connection.closeSync();
    db.instance.closeSync();
  },
});
