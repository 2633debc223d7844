/**
 * Reading Arrow IPC files and streams lazily, one record batch at a time.
 */
import { open } from 'node:fs/promises';
import { RecordBatchReader, type RecordBatch } from 'apache-arrow';

/**
 * The record batches of an Arrow IPC file (`.arrow`, random-access format) or stream
 * (`.arrows`), read lazily: one batch in memory at a time, so a history larger than
 * memory replays in bounded memory. The format is detected from the file's contents.
 *
 * @example
 * for await (const batch of readIPC('trades.arrow')) console.log(batch.numRows);
 */
export async function* readIPC(path: string): AsyncGenerator<RecordBatch, void, undefined> {
  const handle = await open(path, 'r');
  try {
    const reader = await RecordBatchReader.from(handle);
    await reader.open();
    for await (const batch of reader) yield batch;
  } finally {
    await handle.close();
  }
}
