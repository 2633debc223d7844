/**
 * Small batch builders and readers for the expression tests (local to test/expr and the
 * expression operators' specs).
 */
import {
  type Data,
  type DataType,
  Bool,
  Dictionary,
  Float32,
  Float64,
  Int32,
  Int64,
  Int8,
  RecordBatch,
  Schema,
  Field,
  Struct,
  TimeUnit,
  Timestamp,
  Uint32,
  Uint8,
  Utf8,
  makeData,
  vectorFromArray,
} from 'apache-arrow';
import { type Observable, type OperatorFunction, from, lastValueFrom, toArray } from 'rxjs';

export const f64 = (xs: readonly (number | null)[]): Data => vectorFromArray(xs as number[], new Float64()).data[0];
export const f32 = (xs: readonly (number | null)[]): Data => vectorFromArray(xs as number[], new Float32()).data[0];
export const i32 = (xs: readonly (number | null)[]): Data => vectorFromArray(xs as number[], new Int32()).data[0];
export const i8 = (xs: readonly (number | null)[]): Data => vectorFromArray(xs as number[], new Int8()).data[0];
export const u8 = (xs: readonly (number | null)[]): Data => vectorFromArray(xs as number[], new Uint8()).data[0];
export const u32 = (xs: readonly (number | null)[]): Data => vectorFromArray(xs as number[], new Uint32()).data[0];
export const i64 = (xs: readonly (bigint | null)[]): Data => vectorFromArray(xs as bigint[], new Int64()).data[0];
export const bool = (xs: readonly (boolean | null)[]): Data => vectorFromArray(xs as boolean[], new Bool()).data[0];
export const utf8 = (xs: readonly (string | null)[]): Data => vectorFromArray(xs as string[], new Utf8()).data[0];
export const dict = (xs: readonly (string | null)[]): Data =>
  vectorFromArray(xs as string[], new Dictionary(new Utf8(), new Int32())).data[0];

/** A validity bitmap for values where `null` marks a null. */
export function bitmapOf(xs: readonly unknown[]): Uint8Array {
  const bm = new Uint8Array(Math.max(1, (xs.length + 7) >> 3));
  xs.forEach((x, i) => {
    if (x !== null) bm[i >> 3] |= 1 << (i & 7);
  });
  return bm;
}

/** A Timestamp column from raw values in `unit`. */
export function ts(unit: TimeUnit, xs: readonly (bigint | null)[], tz: string | null = null): Data {
  const values = BigInt64Array.from(xs.map((x) => x ?? 0n));
  const nulls = xs.filter((x) => x === null).length;
  return makeData({
    type: new Timestamp(unit, tz),
    data: values,
    length: xs.length,
    nullCount: nulls,
    ...(nulls ? { nullBitmap: bitmapOf(xs) } : {}),
  } as never) as unknown as Data;
}

/** A batch from named columns of equal length. */
export function batchOf(cols: Record<string, Data>, nullable = true): RecordBatch {
  const names = Object.keys(cols);
  const fields = names.map((n) => new Field(n, cols[n].type as DataType, nullable));
  const schema = new Schema(fields);
  const length = names.length ? cols[names[0]].length : 0;
  const data = makeData({ type: new Struct(fields), length, nullCount: 0, children: names.map((n) => cols[n]) });
  return new RecordBatch(schema, data);
}

/** The values of a column via `get(i)` (test-only), with nulls as `null`. */
export function column(batch: RecordBatch, name: string): unknown[] {
  const v = batch.getChild(name);
  if (!v) throw new Error(`no column ${name} in ${batch.schema.fields.map((f) => f.name).join(', ')}`);
  return Array.from({ length: v.length }, (_, i) => {
    const x = v.get(i);
    return x === undefined ? null : x;
  });
}

/** Raw BigInt64 values of a (Timestamp / Int64) column with nulls as null. */
export function rawBig(batch: RecordBatch, name: string): (bigint | null)[] {
  const j = batch.schema.fields.findIndex((f) => f.name === name);
  const d = batch.data.children[j];
  const values = d.values as BigInt64Array;
  return Array.from({ length: d.length }, (_, i) => {
    const p = d.offset + i;
    const valid = d.nullCount === 0 || ((d.nullBitmap![p >> 3] >> (p & 7)) & 1) === 1;
    return valid ? values[i] : null;
  });
}

/** All columns of a batch as arrays (via `get`), for whole-batch comparison. */
export function plain(batch: RecordBatch): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const f of batch.schema.fields) out[f.name] = column(batch, f.name);
  return out;
}

/** A batch's schema and contents as plain data (field names, types, values). */
export function describeBatch(batch: RecordBatch): { fields: string[]; rows: number; columns: Record<string, unknown[]> } {
  return {
    fields: batch.schema.fields.map((f) => `${f.name}: ${String(f.type)}`),
    rows: batch.numRows,
    columns: plain(batch),
  };
}

/** Runs batches through an operator synchronously and collects the output batches. */
export async function runOp(
  op: OperatorFunction<RecordBatch, RecordBatch>,
  batches: readonly RecordBatch[],
): Promise<RecordBatch[]> {
  const out$: Observable<RecordBatch[]> = from(batches).pipe(op, toArray());
  return lastValueFrom(out$);
}

/** Runs an operator over one batch synchronously. */
export function runSync(op: OperatorFunction<RecordBatch, RecordBatch>, batch: RecordBatch): RecordBatch {
  let result: RecordBatch | undefined;
  let error: unknown;
  from([batch])
    .pipe(op)
    .subscribe({ next: (b) => (result = b), error: (e) => (error = e) });
  if (error) throw error;
  return result!;
}

export { TimeUnit };
