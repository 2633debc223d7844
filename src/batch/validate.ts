/**
 * Checking one stream of record batches: every value is a `RecordBatch`, the schema stays
 * the same, the time column exists with a supported type, has no nulls and never goes
 * backwards (ties allowed). Used by the drivers for their inputs and by operators for
 * their side inputs, so that every entry point rejects bad input with the same errors.
 */
import { RecordBatch, type Schema, util } from 'apache-arrow';
import { NotARecordBatchError, SchemaChangeError, TimeOrderError } from '../errors';
import { firstUnsorted } from '../kernels/search';
import { MIN_TIME, type TimeColumn, formatNs, resolveTimeColumn, timeValuesNs } from './time';

/** Describes how two schemas differ, for error messages. */
export function schemaDifference(expected: Schema, actual: Schema): { column?: string; expected: string; actual: string } {
  const n = Math.max(expected.fields.length, actual.fields.length);
  for (let j = 0; j < n; j++) {
    const e = expected.fields[j];
    const a = actual.fields[j];
    if (!e || !a) {
      return {
        ...(e ?? a ? { column: (e ?? a)!.name } : {}),
        expected: `${expected.fields.length} columns`,
        actual: `${actual.fields.length} columns`,
      };
    }
    if (e.name !== a.name) return { column: e.name, expected: `column ${j} named '${e.name}'`, actual: `'${a.name}'` };
    if (!util.compareTypes(e.type, a.type)) return { column: e.name, expected: String(e.type), actual: String(a.type) };
    if (e.nullable !== a.nullable) {
      return { column: e.name, expected: e.nullable ? 'nullable' : 'non-nullable', actual: a.nullable ? 'nullable' : 'non-nullable' };
    }
  }
  return { expected: String(expected), actual: String(actual) };
}

/** Field names and types equal (metadata ignored, dictionary ids ignored). */
export function sameSchema(a: Schema, b: Schema): boolean {
  if (a === b) return true;
  if (a.fields.length !== b.fields.length) return false;
  for (let j = 0; j < a.fields.length; j++) {
    const x = a.fields[j];
    const y = b.fields[j];
    if (x.name !== y.name || x.nullable !== y.nullable || !util.compareTypes(x.type, y.type)) return false;
  }
  return true;
}

/**
 * The checks for one stream. `check(batch)` returns the batch's times as epoch ns (see
 * `timeValuesNs`) or throws a `WeirError` naming the input, column and row (counted over
 * the whole stream).
 */
export class StreamValidator {
  /** The stream's schema, once the first batch arrived. */
  schema: Schema | undefined = undefined;
  /** The resolved time column. */
  time: TimeColumn | undefined = undefined;
  /** Rows seen so far. */
  rows = 0;
  /** The last row's time, epoch ns (`MIN_TIME` before any row). */
  last: bigint = MIN_TIME;
  /** Schema objects already found equal to `schema`. */
  private readonly equalSchemas = new WeakSet<Schema>();

  constructor(
    readonly input: string,
    readonly timeName: string | undefined,
  ) {}

  /**
   * Checks a value and returns its times (empty array when the stream has no time column).
   * With `checkOrder = false` the order is not checked and `last` is not updated (the
   * caller handles rows that go back in time, as `live` does under `late: 'drop'`).
   */
  check(value: unknown, checkOrder = true): BigInt64Array {
    if (!(value instanceof RecordBatch)) {
      throw new NotARecordBatchError({
        input: this.input,
        row: this.rows,
        actual: value === null ? 'null' : typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value,
      });
    }
    const batch = value;
    if (this.schema === undefined) {
      this.schema = batch.schema;
      if (this.timeName !== undefined) this.time = resolveTimeColumn(batch.schema, this.timeName, this.input);
    } else if (batch.schema !== this.schema && !this.equalSchemas.has(batch.schema)) {
      if (!sameSchema(this.schema, batch.schema)) {
        throw new SchemaChangeError({ input: this.input, row: this.rows, ...schemaDifference(this.schema, batch.schema) });
      }
      // batches of one source often carry equal schema objects of their own (IPC, concatenations):
      // compare each object once, not once per slice
      this.equalSchemas.add(batch.schema);
    }
    const rowBase = this.rows;
    this.rows += batch.numRows;
    if (this.time === undefined) return EMPTY;
    const tc = this.time;
    const times = timeValuesNs(batch.data.children[tc.index], tc.encoding, {
      input: this.input,
      column: tc.name,
      rowBase,
    });
    if (!checkOrder) return times;
    const bad = firstUnsorted(times, this.last);
    if (bad >= 0) {
      const before = bad === 0 ? this.last : times[bad - 1];
      this.rows = rowBase;
      throw new TimeOrderError({
        input: this.input,
        column: tc.name,
        row: rowBase + bad,
        expected: `a time at or after ${formatNs(before)} (rows must be sorted by time)`,
        actual: formatNs(times[bad]),
      });
    }
    if (times.length) this.last = times[times.length - 1];
    return times;
  }
}

const EMPTY = new BigInt64Array(0);
