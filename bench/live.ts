/**
 * Live overhead: µs per instant of `live` (validate, coalesce with a microtask, deliver,
 * publish the watermark) for an identity pipeline and for a two-input mergeSorted, against
 * a bare RxJS Subject doing the same delivery with no weir in between.
 *
 *   npx tsx bench/live.ts [instants=200000]
 */
import { Subject, type Observable } from 'rxjs';
import type { RecordBatch } from 'apache-arrow';
import { live } from '../src/time/live';
import { mergeSorted } from '../operators/mergeSorted';
import { generateMarketData } from '../stories/data/market';
import { sliceBatch } from '../src/batch/build';
import { median, printTable, time } from './util';

async function main(n: number) {
  const { trades } = generateMarketData({ trades: n * 2, quotes: 0, batchRows: 1 << 20 });
  const whole = trades.batches;
  // one small batch (2 rows) per instant
  const pieces: RecordBatch[] = [];
  let done = 0;
  for (const b of whole) {
    for (let i = 0; i + 2 <= b.numRows && done < n; i += 2, done++) pieces.push(sliceBatch(b, i, i + 2));
  }
  const half = pieces.length >> 1;
  const rows: Record<string, string | number>[] = [];

  const bare = async () => {
    const s = new Subject<RecordBatch>();
    let k = 0;
    s.subscribe(() => k++);
    for (const p of pieces) {
      s.next(p);
      await null;
    }
    if (k !== pieces.length) throw new Error('lost batches');
  };
  const identity = async () => {
    const s = new Subject<RecordBatch>();
    let k = 0;
    const run = live(({ t }) => t, { t: s }, { sink: () => k++ });
    for (const p of pieces) {
      s.next(p);
      await null;
    }
    s.complete();
    await run;
    if (k !== pieces.length) throw new Error(`lost batches ${k}`);
  };
  const merged = async () => {
    const a = new Subject<RecordBatch>();
    const b = new Subject<RecordBatch>();
    let r = 0;
    const run = live(({ a, b }: { a: Observable<RecordBatch>; b: Observable<RecordBatch> }) => a.pipe(mergeSorted(b)), { a, b }, { sink: (x) => (r += x.numRows) });
    for (let i = 0; i < half; i++) {
      a.next(pieces[2 * i]);
      b.next(pieces[2 * i + 1]);
      await null;
    }
    a.complete();
    b.complete();
    await run;
    if (r !== half * 4) throw new Error(`lost rows ${r}`);
  };
  for (const [name, fn, instants] of [
    ['bare RxJS Subject + await (baseline)', bare, pieces.length],
    ['live identity', identity, pieces.length],
    ['live mergeSorted (2 inputs, 1 batch each per instant)', merged, half],
  ] as const) {
    const ms = median(await time(3, fn));
    rows.push({ pipeline: name, instants, 'ms (median)': ms.toFixed(1), 'µs/instant': ((ms * 1000) / instants).toFixed(2) });
  }
  printTable(`live overhead, ${pieces.length.toLocaleString()} batches of 2 rows`, rows);
}

main(Number(process.argv[2] ?? 200_000));
