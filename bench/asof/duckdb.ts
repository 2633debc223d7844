/**
 * The as-of join in DuckDB: `trades ASOF LEFT JOIN quotes ON ticker = ticker AND t.ts >=
 * q.ts`, materialised as a table. The load (IPC files → DuckDB tables) is reported apart.
 *
 *   npx tsx bench/asof/duckdb.ts <1m|5m> [--repeats N]
 */
import { type Checksum, runBench } from '../features/_harness';
import { type DuckDB, loadDuckDB, queryRow } from '../features/_duckdb';

const ASOF = `
CREATE OR REPLACE TEMP TABLE joined AS
SELECT t.ts, t.ticker, t.price, t.size, q.bid, q.ask
FROM trades t ASOF LEFT JOIN quotes q ON t.ticker = q.ticker AND t.ts >= q.ts`;

await runBench<DuckDB, DuckDB>({
  name: 'DuckDB ASOF LEFT JOIN',
  load: loadDuckDB,
  async compute(db) {
    await db.connection.run(ASOF);
    return db;
  },
  async checksum(db): Promise<Checksum> {
    const r = await queryRow(
      db.connection,
      'SELECT count(*) AS nRows, count(*) FILTER (WHERE bid IS NOT NULL OR ask IS NOT NULL) AS nMatched, coalesce(sum(bid), 0) + coalesce(sum(ask), 0) AS sum FROM joined',
    );
    return r;
  },
  close(db) {
    db.connection.closeSync();
    db.instance.closeSync();
  },
});
