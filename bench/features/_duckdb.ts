/**
 * Loading the benchmark's Arrow IPC files into in-memory DuckDB tables. `@duckdb/node-api`
 * has no Arrow scan (and the `arrow` extension cannot be downloaded here), so the files are
 * read with apache-arrow and their column buffers copied into DuckDB data chunks of 2,048
 * rows with `copy_data_to_vector` (memcpy; validity bitmaps copied as they are, Arrow's and
 * DuckDB's bit order being the same), appended through an appender. `ts` is TIMESTAMP_NS;
 * the ticker dictionary becomes an ENUM (dictionary codes → UINT16 enum indices), the
 * equivalent of Arrow's dictionary and of polars' Categorical.
 */
import duckdb from '@duckdb/node-bindings';
import { type DuckDBConnection, DuckDBDataChunk, DuckDBInstance } from '@duckdb/node-api';
import { type Data, type Table, Type } from 'apache-arrow';
import type { DataFiles } from '../data';
import { loadArrow } from './_harness';
import { sameDictionary } from './_features';

export interface DuckDB {
  instance: DuckDBInstance;
  connection: DuckDBConnection;
}

/** Threads DuckDB uses (the machine's 2 cores, as polars). */
export const DUCKDB_THREADS = 2;

/** An in-memory database with tables `trades(ts, ticker, price, size)` and `quotes(ts, ticker, bid, ask)` holding the files' rows. */
export async function loadDuckDB(files: DataFiles): Promise<DuckDB> {
  const instance = await DuckDBInstance.create(':memory:', { threads: String(DUCKDB_THREADS) });
  const connection = await instance.connect();
  const { trades, quotes } = loadArrow(files);
  const tickers = sameDictionary(trades, quotes);
  if (tickers.length > 65_535) throw new Error('more than 65,535 tickers: not a UINT16 enum');
  await connection.run(`CREATE TYPE ticker_t AS ENUM (${tickers.map((s) => `'${s.replaceAll("'", "''")}'`).join(', ')})`);
  await connection.run('CREATE TABLE trades (ts TIMESTAMP_NS NOT NULL, ticker ticker_t NOT NULL, price DOUBLE NOT NULL, size INTEGER NOT NULL)');
  await connection.run('CREATE TABLE quotes (ts TIMESTAMP_NS NOT NULL, ticker ticker_t NOT NULL, bid DOUBLE, ask DOUBLE)');
  await appendTable(connection, 'trades', trades);
  await appendTable(connection, 'quotes', quotes);
  return { instance, connection };
}

const CHUNK = 2048;

async function appendTable(connection: DuckDBConnection, name: string, table: Table): Promise<void> {
  const appender = await connection.createAppender(name);
  const types = Array.from({ length: appender.columnCount }, (_, j) => appender.columnType(j));
  const chunk = DuckDBDataChunk.create(types, CHUNK);
  const codes = new Uint16Array(CHUNK);
  for (const batch of table.batches) {
    const columns = batch.data.children as Data<any>[];
    for (let a = 0; a < batch.numRows; a += CHUNK) {
      const n = Math.min(CHUNK, batch.numRows - a);
      chunk.reset();
      chunk.rowCount = n;
      columns.forEach((col, j) => {
        const vector = duckdb.data_chunk_get_vector(chunk.chunk, j);
        const from = col.offset + a;
        if (col.type.typeId === Type.Dictionary) {
          const keys = col.values as Int32Array;
          for (let i = 0; i < n; i++) codes[i] = keys[from + i];
          duckdb.copy_data_to_vector(vector, 0, codes.buffer, 0, n * 2);
        } else {
          const values = col.values as BigInt64Array | Float64Array | Int32Array;
          const width = values.BYTES_PER_ELEMENT;
          duckdb.copy_data_to_vector(vector, 0, values.buffer as ArrayBuffer, values.byteOffset + from * width, n * width);
        }
        if (col.nullCount > 0) {
          if ((from & 7) !== 0) throw new Error('validity not byte-aligned');
          const bits = col.nullBitmap!;
          duckdb.vector_ensure_validity_writable(vector);
          duckdb.copy_data_to_vector_validity(vector, 0, bits.buffer as ArrayBuffer, bits.byteOffset + (from >> 3), (n + 7) >> 3);
        }
      });
      appender.appendDataChunk(chunk);
    }
  }
  appender.closeSync();
}

/** Runs a query and gives its first row as an object of numbers. */
export async function queryRow(connection: DuckDBConnection, sql: string): Promise<Record<string, number>> {
  const reader = await connection.runAndReadAll(sql);
  const row = reader.getRowObjects()[0];
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)]));
}
