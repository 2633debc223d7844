/**
 * The as-of benchmark (issue 4), shared by its implementations: every trade with the bid and
 * ask of the latest quote of its ticker at or before it (backward, exact matches included),
 * the quotes' bid/ask as they are (not forward-filled). Checksum: `nRows`; `nMatched` = rows
 * with a non-null bid or ask; `sum` = the sum of the non-null bids and asks.
 */
import { type RecordBatch, Type } from 'apache-arrow';
import type { Checksum } from '../features/_harness';

/** The checksum folded batch by batch (a sink can feed it without keeping the output). */
export class AsofChecksum {
  nRows = 0;
  nMatched = 0;
  sum = 0;

  add(b: RecordBatch): void {
    const names = b.schema.fields.map((f) => f.name);
    const bid = b.data.children[names.indexOf('bid')];
    const ask = b.data.children[names.indexOf('ask')];
    if (bid.type.typeId !== Type.Float || ask.type.typeId !== Type.Float) throw new Error('bid/ask are not Float64');
    const bv = bid.values as Float64Array;
    const av = ask.values as Float64Array;
    for (let i = 0; i < b.numRows; i++) {
      const p = bid.offset + i;
      const q = ask.offset + i;
      const hasB = bid.nullCount === 0 || ((bid.nullBitmap![p >> 3] >> (p & 7)) & 1) === 1;
      const hasA = ask.nullCount === 0 || ((ask.nullBitmap![q >> 3] >> (q & 7)) & 1) === 1;
      if (hasB) this.sum += bv[p];
      if (hasA) this.sum += av[q];
      if (hasB || hasA) this.nMatched++;
    }
    this.nRows += b.numRows;
  }

  value(): Checksum {
    return { nRows: this.nRows, nMatched: this.nMatched, sum: this.sum };
  }
}

export function asofChecksum(batches: Iterable<RecordBatch>): Checksum {
  const c = new AsofChecksum();
  for (const b of batches) c.add(b);
  return c.value();
}
