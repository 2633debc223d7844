/**
 * Comparing batches by schema and content, with readable failures.
 *
 * Two batches (or tables) are equal when:
 * - their schemas have the same field names in the same order and the same types:
 *   timestamp unit and time zone, date unit, int width and sign, float precision, and for
 *   dictionaries the index type, value type and `isOrdered` but **not the dictionary id**
 *   (Arrow gives every `Dictionary` type a fresh id; an operator's output and a test's
 *   expected batch rarely share one). Field nullability is compared only with
 *   `checkNullability: true`. Schema and field metadata are ignored.
 * - they have the same number of rows and equal cells as read by `toColumns`: dictionary
 *   columns compare by decoded value (dictionary order and unused entries are ignored),
 *   null equals only null, `NaN` equals `NaN`, `0` equals `-0`, and numbers may differ by
 *   up to `tolerance`.
 * A table is compared by its rows, whatever its batch boundaries.
 */
import { type DataType, type Field, type RecordBatch, type Schema, type Table, Type, isArrowRecordBatch, isArrowTable } from 'apache-arrow';
import { sameType as sameTypeOf } from '../batch/concat';
import { WeirError, type ErrorLocation } from '../errors';
import { type BatchSource, batchList, formatCell, formatValue, toColumns } from './read';

/** Options of the batch matchers. */
export interface BatchEqualOptions {
  /** Also compare field nullability. Default `false`. */
  checkNullability?: boolean;
  /** Largest absolute difference allowed between two numbers. Default `0` (exact). */
  tolerance?: number;
  /**
   * For lists of batches: compare the concatenated rows, whatever the batch boundaries
   * (each actual batch must still have the expected schema). Default `false`: same number
   * of batches, compared pairwise.
   */
  concat?: boolean;
}

/**
 * A failed batch assertion. `message` holds the whole diff; `column`, `row`, `expected` and
 * `actual` describe the first difference (as strings, for matching in tests).
 */
export class BatchAssertionError extends WeirError {
  constructor(message: string, where: ErrorLocation = {}) {
    super(message);
    const self = this as { -readonly [K in keyof ErrorLocation]: ErrorLocation[K] };
    if (where.column !== undefined) self.column = where.column;
    if (where.row !== undefined) self.row = where.row;
    if (where.expected !== undefined) self.expected = where.expected;
    if (where.actual !== undefined) self.actual = where.actual;
  }
}

/** A difference found by the comparison: the full message and the first difference. */
export interface BatchDiff extends ErrorLocation {
  message: string;
}

/**
 * Throws {@link BatchAssertionError} unless `actual` equals `expected` (see the module
 * comment for what equal means).
 *
 * @example
 * expectBatchEqual(out, batch({ ts: [1, 2], px: [1.5, 2] }, { ts: 'timestamp[ms]' }));
 */
export function expectBatchEqual(actual: unknown, expected: RecordBatch | Table, opts: BatchEqualOptions = {}): void {
  const d = diffBatch(actual, expected, opts);
  if (d) throw new BatchAssertionError(d.message, d);
}

/**
 * Throws {@link BatchAssertionError} unless two lists of batches (or tables) are equal:
 * pairwise by default, or by concatenated rows with `{ concat: true }` (what batch/stream
 * parity tests use: any split of the same rows compares equal).
 *
 * @example
 * expectBatchesEqual(outputs, [expectedBatch], { concat: true });
 */
export function expectBatchesEqual(actual: unknown, expected: BatchSource, opts: BatchEqualOptions = {}): void {
  const d = diffBatches(actual, expected, opts);
  if (d) throw new BatchAssertionError(d.message, d);
}

/** The difference between two batches or tables, or `null` when they are equal. */
export function diffBatch(actual: unknown, expected: RecordBatch | Table, opts: BatchEqualOptions = {}): BatchDiff | null {
  if (!isBatchLike(actual)) {
    return {
      message: `Expected a RecordBatch or Table, got ${describeThing(actual)}`,
      expected: 'a RecordBatch or Table',
      actual: describeThing(actual),
    };
  }
  if (!isBatchLike(expected)) {
    return { message: `The expected value is not a RecordBatch or Table: ${describeThing(expected)}` };
  }
  return diffContent(batchList(actual), batchList(expected), actual.schema, expected.schema, opts, 'Batches differ');
}

/** The difference between two lists of batches or tables, or `null` when they are equal. */
export function diffBatches(actual: unknown, expected: BatchSource, opts: BatchEqualOptions = {}): BatchDiff | null {
  const a = asList(actual);
  if (!a) {
    return {
      message: `Expected a list of RecordBatches (or Tables), got ${describeThing(actual)}`,
      expected: 'a list of RecordBatches',
      actual: describeThing(actual),
    };
  }
  const e = asList(expected);
  if (!e) return { message: `The expected value is not a list of RecordBatches: ${describeThing(expected)}` };
  const sizes = (l: RecordBatch[]): string => `[${l.map((b) => b.numRows).join(', ')}]`;
  if (opts.concat) {
    const eSchema = e.length ? e[0].schema : a.length ? a[0].schema : undefined;
    if (!eSchema) return null;
    for (let i = 0; i < a.length; i++) {
      const s = diffSchema(a[i].schema, eSchema, opts);
      if (s) return { ...s, message: `Batch ${i} of ${a.length}: ${s.message}` };
    }
    const aSchema = a.length ? a[0].schema : eSchema;
    return diffContent(a, e, aSchema, eSchema, opts, `Concatenated batches differ (actual batch sizes ${sizes(a)}, expected ${sizes(e)})`);
  }
  if (a.length !== e.length) {
    return {
      message:
        `Expected ${plural(e.length, 'batch', 'batches')}, got ${a.length} (row counts: expected ${sizes(e)}, actual ${sizes(a)}); ` +
        'use { concat: true } to compare rows whatever the batch boundaries',
      expected: plural(e.length, 'batch', 'batches'),
      actual: plural(a.length, 'batch', 'batches'),
    };
  }
  for (let i = 0; i < a.length; i++) {
    const d = diffContent([a[i]], [e[i]], a[i].schema, e[i].schema, opts, `Batch ${i} of ${a.length} differs`);
    if (d) return d;
  }
  return null;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function asList(x: unknown): RecordBatch[] | undefined {
  if (isBatchLike(x)) return batchList(x);
  if (!Array.isArray(x) || !x.every(isBatchLike)) return undefined;
  return batchList(x as (RecordBatch | Table)[]);
}

/** Whether `x` is an apache-arrow `RecordBatch` or `Table`. */
export function isBatchLike(x: unknown): x is RecordBatch | Table {
  return isArrowRecordBatch(x) || isArrowTable(x);
}

// ---------------------------------------------------------------------------------------
// Schemas
// ---------------------------------------------------------------------------------------

/**
 * Whether two types are equal for the matcher: the same type and parameters (time zone,
 * units, widths, Decimal precision and scale, …) and the same nested fields, their
 * nullability included, ignoring dictionary ids (at any depth) and the JS class (`Int32`
 * and the `Int_` read back from IPC are equal). It is `sameType` of `src/batch/concat.ts`
 * (shared with `concatBatches`) with nested nullability compared.
 */
export function sameType(a: DataType, b: DataType): boolean {
  return sameTypeOf(a, b, true);
}

/** A type for messages, with time zones and dictionary index/value types spelled out. */
export function typeName(t: DataType): string {
  if (t.typeId === Type.Dictionary) {
    const d = t as unknown as { indices: DataType; dictionary: DataType; isOrdered: boolean };
    return `Dictionary<${typeName(d.indices)}, ${typeName(d.dictionary)}${d.isOrdered ? ', ordered' : ''}>`;
  }
  if (t.typeId === Type.Timestamp) {
    const ts = t as unknown as { unit: number; timezone?: string | null };
    const unit = ['s', 'ms', 'us', 'ns'][ts.unit];
    return ts.timezone ? `Timestamp<${unit}, ${ts.timezone}>` : `Timestamp<${unit}>`;
  }
  return String(t);
}

function schemaLine(s: Schema, opts: BatchEqualOptions): string {
  if (!s.fields.length) return '(no columns)';
  return s.fields.map((f) => `${f.name}: ${typeName(f.type)}${opts.checkNullability ? (f.nullable ? '?' : '!') : ''}`).join(', ');
}

/** The first difference between two schemas, or `null`. */
export function diffSchema(actual: Schema, expected: Schema, opts: BatchEqualOptions = {}): BatchDiff | null {
  const an = actual.fields.map((f) => f.name);
  const en = expected.fields.map((f) => f.name);
  const both =
    `\n  expected schema: ${schemaLine(expected, opts)}` +
    `\n  actual schema:   ${schemaLine(actual, opts)}`;
  if (an.join('\u0000') !== en.join('\u0000')) {
    const missing = en.filter((n) => !an.includes(n));
    const extra = an.filter((n) => !en.includes(n));
    const parts: string[] = [];
    if (missing.length) parts.push(`missing ${missing.map((n) => `'${n}'`).join(', ')}`);
    if (extra.length) parts.push(`unexpected ${extra.map((n) => `'${n}'`).join(', ')}`);
    if (!parts.length) parts.push('same columns in a different order');
    return {
      message: `Schemas differ in column names (${parts.join('; ')})${both}`,
      expected: `[${en.join(', ')}]`,
      actual: `[${an.join(', ')}]`,
    };
  }
  for (let j = 0; j < en.length; j++) {
    const a = actual.fields[j];
    const e = expected.fields[j];
    if (!sameType(a.type, e.type)) {
      return {
        message: `Schemas differ: column '${e.name}' has type ${typeName(a.type)}, expected ${typeName(e.type)}${both}`,
        column: e.name,
        expected: typeName(e.type),
        actual: typeName(a.type),
      };
    }
    if (opts.checkNullability && a.nullable !== e.nullable) {
      const word = (n: boolean): string => (n ? 'nullable' : 'non-nullable');
      return {
        message: `Schemas differ: column '${e.name}' is ${word(a.nullable)}, expected ${word(e.nullable)}${both}`,
        column: e.name,
        expected: word(e.nullable),
        actual: word(a.nullable),
      };
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------
// Content
// ---------------------------------------------------------------------------------------

const MAX_LISTED = 10;
const WINDOW = 12;

interface CellDiff {
  column: string;
  row: number;
  expected: string;
  actual: string;
}

function diffContent(
  actual: RecordBatch[],
  expected: RecordBatch[],
  aSchema: Schema,
  eSchema: Schema,
  opts: BatchEqualOptions,
  title: string,
): BatchDiff | null {
  const s = diffSchema(aSchema, eSchema, opts);
  if (s) return { ...s, message: `${title}: ${s.message}` };
  const a = toColumns(actual);
  const e = toColumns(expected);
  const fields = eSchema.fields;
  const na = actual.reduce((n, b) => n + b.numRows, 0);
  const ne = expected.reduce((n, b) => n + b.numRows, 0);
  const tol = opts.tolerance ?? 0;
  const diffs: CellDiff[] = [];
  const badRows = new Set<number>();
  let total = 0;
  const common = Math.min(na, ne);
  for (let i = 0; i < common; i++) {
    for (const f of fields) {
      const x = a[f.name][i];
      const y = e[f.name][i];
      if (!sameCell(x, y, tol)) {
        total++;
        badRows.add(i);
        if (diffs.length < MAX_LISTED) {
          diffs.push({ column: f.name, row: i, expected: formatCell(y, f.type), actual: formatCell(x, f.type) });
        }
      }
    }
  }
  if (total === 0 && na === ne) return null;
  for (let i = common; i < Math.max(na, ne); i++) badRows.add(i);
  const lines: string[] = [];
  let where: ErrorLocation;
  if (na !== ne) {
    lines.push(
      `${title}: expected ${plural(ne, 'row', 'rows')}, got ${na}` +
        (total
          ? `, and ${plural(total, 'cell differs', 'cells differ')} in the first ${plural(common, 'row', 'rows')}`
          : common ? ` (the first ${plural(common, 'row is', 'rows are')} equal)` : ''),
    );
    where = { row: total ? diffs[0].row : common, expected: plural(ne, 'row', 'rows'), actual: plural(na, 'row', 'rows') };
  } else {
    const d = diffs[0];
    lines.push(`${title}: ${plural(total, 'cell differs', 'cells differ')} (first: column '${d.column}', row ${d.row}: expected ${d.expected}, got ${d.actual})`);
    where = { column: d.column, row: d.row, expected: d.expected, actual: d.actual };
  }
  for (const d of diffs) lines.push(`  column '${d.column}', row ${d.row}: expected ${d.expected}, got ${d.actual}`);
  if (total > diffs.length) lines.push(`  … and ${total - diffs.length} more`);
  const first = Math.min(...badRows);
  const start = Math.max(0, first - 2);
  lines.push(renderRows('expected', e, fields, ne, start, badRows));
  lines.push(renderRows('actual', a, fields, na, start, badRows));
  return { message: lines.join('\n'), ...where };
}

function renderRows(label: string, cols: Record<string, unknown[]>, fields: readonly Field[], n: number, start: number, bad: Set<number>): string {
  const end = Math.min(n, start + WINDOW);
  if (n === 0) return `${label}: 0 rows`;
  if (start >= n) return `${label}: ${plural(n, 'row', 'rows')} (none from row ${start})`;
  const header = ['row', ...fields.map((f) => f.name)];
  const body: string[][] = [];
  for (let i = start; i < end; i++) body.push([String(i), ...fields.map((f) => clip(formatCell(cols[f.name][i], f.type)))]);
  const widths = header.map((h, k) => Math.max(h.length, ...body.map((r) => r[k].length)));
  const fmt = (cells: string[]): string => cells.map((c, k) => c.padEnd(widths[k])).join('  ').trimEnd();
  const out = [`${label}: rows ${start}–${end - 1} of ${n}`, `    ${fmt(header)}`];
  body.forEach((r, k) => out.push(`  ${bad.has(start + k) ? '>' : ' '} ${fmt(r)}`));
  if (end < n) out.push(`    … ${n - end} more rows`);
  return out.join('\n');
}

function clip(s: string): string {
  return s.length > 48 ? `${s.slice(0, 47)}…` : s;
}

/** Cell equality: null only equals null, NaN equals NaN, numbers within `tol`, deep for nested values. */
export function sameCell(x: unknown, y: unknown, tol = 0): boolean {
  if (x === y) return true;
  if (x === null || y === null || x === undefined || y === undefined) return false;
  if (typeof x === 'number' && typeof y === 'number') {
    if (Number.isNaN(x) && Number.isNaN(y)) return true;
    return tol > 0 && Math.abs(x - y) <= tol;
  }
  if (typeof x !== 'object' || typeof y !== 'object') return false;
  if (Array.isArray(x) && Array.isArray(y)) return x.length === y.length && x.every((v, i) => sameCell(v, y[i], tol));
  if (x instanceof Date && y instanceof Date) return x.getTime() === y.getTime();
  if (Array.isArray(x) || Array.isArray(y)) return false;
  const kx = Object.keys(x as object);
  const ky = Object.keys(y as object);
  return kx.length === ky.length && kx.every((k) => sameCell((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], tol));
}

// ---------------------------------------------------------------------------------------
// Values that may hold batches (marble frames, arrays of batches, …)
// ---------------------------------------------------------------------------------------

/**
 * Deep equality where batches and tables compare with the batch matcher and everything
 * else structurally (errors by class and message, dates by time, `NaN` equals `NaN`,
 * properties holding `undefined` count as absent). `null` when equal, else a description
 * of the first difference starting with `path`.
 */
export function diffValues(actual: unknown, expected: unknown, opts: BatchEqualOptions = {}, path = 'value'): string | null {
  if (isBatchLike(actual) && isBatchLike(expected)) {
    const d = diffBatch(actual, expected, opts);
    return d ? `${path}: ${d.message}` : null;
  }
  if (isBatchLike(actual) || isBatchLike(expected)) {
    return `${path}: expected ${summarize(expected)}, got ${summarize(actual)}`;
  }
  if (Object.is(actual, expected) || actual === expected) return null;
  if (typeof actual === 'number' && typeof expected === 'number' && Number.isNaN(actual) && Number.isNaN(expected)) return null;
  const mismatch = `${path}: expected ${summarize(expected)}, got ${summarize(actual)}`;
  if (typeof actual !== 'object' || typeof expected !== 'object' || actual === null || expected === null) return mismatch;
  if (Object.getPrototypeOf(actual) !== Object.getPrototypeOf(expected)) {
    const plainish = (o: object): boolean => [Object.prototype, null].includes(Object.getPrototypeOf(o));
    if (!(plainish(actual) && plainish(expected))) return mismatch;
  }
  if (actual instanceof Date) return actual.getTime() === (expected as Date).getTime() ? null : mismatch;
  if (actual instanceof Error && (actual.name !== (expected as Error).name || actual.message !== (expected as Error).message)) {
    return mismatch;
  }
  if (actual instanceof Map || actual instanceof Set) {
    return diffValues([...actual], [...(expected as Map<unknown, unknown> | Set<unknown>)], opts, path);
  }
  if (Array.isArray(actual) || ArrayBuffer.isView(actual)) {
    const x = actual as unknown as ArrayLike<unknown>;
    const y = expected as unknown as ArrayLike<unknown>;
    if (x.length !== y.length) return `${path}: expected ${y.length} items, got ${x.length} (expected ${summarize(expected)}, got ${summarize(actual)})`;
    for (let i = 0; i < x.length; i++) {
      const d = diffValues(x[i], y[i], opts, `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  const keys = new Set<string>();
  for (const o of [actual, expected] as Record<string, unknown>[]) {
    for (const k of Object.keys(o)) if (o[k] !== undefined) keys.add(k);
  }
  for (const k of keys) {
    const d = diffValues((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k], opts, `${path}.${k}`);
    if (d) return d;
  }
  return null;
}

/** A one-line summary of a value for messages; batches show their size and first values. */
export function summarize(v: unknown): string {
  if (isBatchLike(v)) {
    const kind = isArrowTable(v) ? 'Table' : 'RecordBatch';
    const cols = toColumns(v);
    const parts = v.schema.fields.map((f) => {
      const values = cols[f.name];
      const shown = values.slice(0, 5).map((x) => formatValue(x));
      return `${f.name}: [${shown.join(', ')}${values.length > 5 ? ', …' : ''}]`;
    });
    return `${kind}(${v.numRows} row${v.numRows === 1 ? '' : 's'}${parts.length ? `; ${parts.join(', ')}` : ''})`;
  }
  if (Array.isArray(v)) return `[${v.map(summarize).join(', ')}]`;
  if (v === undefined) return 'undefined';
  return formatValue(v);
}

function describeThing(x: unknown): string {
  if (x === null || x === undefined) return String(x);
  if (Array.isArray(x)) return `an array of ${x.length} (${summarize(x)})`;
  if (typeof x === 'object') return `${(x as object).constructor?.name ?? 'an object'} ${clip(summarize(x))}`;
  return `${typeof x} ${formatValue(x)}`;
}
