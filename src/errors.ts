/**
 * weir's error types, defined once and reused by every source, driver and operator.
 *
 * Every error names, where it applies, the input (a driver input name or an operator
 * side such as `'left'`), the column, the row (0-based, counted over the whole stream,
 * not the batch) and what was expected. The fields are also available as properties
 * so that tests and callers can match on them rather than on message text.
 */

/** Where in the data an error was found. Every field is optional. */
export interface ErrorLocation {
  /** The input: a driver input name (`'quotes'`) or an operator side (`'left'`, `'right'`). */
  input?: string;
  /** The column name. */
  column?: string;
  /** The row, 0-based over the whole stream (not the batch). */
  row?: number;
  /** What was expected. */
  expected?: string;
  /** What was found. */
  actual?: string;
}

function describe(where: ErrorLocation): string {
  const parts: string[] = [];
  if (where.input !== undefined) parts.push(`input '${where.input}'`);
  if (where.column !== undefined) parts.push(`column '${where.column}'`);
  if (where.row !== undefined) parts.push(`row ${where.row}`);
  let text = parts.length ? ` (${parts.join(', ')})` : '';
  if (where.expected !== undefined) text += `: expected ${where.expected}`;
  if (where.actual !== undefined) text += `${where.expected !== undefined ? ',' : ':'} got ${where.actual}`;
  return text;
}

/** Base class of every error weir throws on purpose. */
export class WeirError extends Error implements ErrorLocation {
  readonly input?: string;
  readonly column?: string;
  readonly row?: number;
  readonly expected?: string;
  readonly actual?: string;

  constructor(message: string, where: ErrorLocation = {}) {
    super(message + describe(where));
    this.name = new.target.name;
    if (where.input !== undefined) this.input = where.input;
    if (where.column !== undefined) this.column = where.column;
    if (where.row !== undefined) this.row = where.row;
    if (where.expected !== undefined) this.expected = where.expected;
    if (where.actual !== undefined) this.actual = where.actual;
  }
}

/** A column that the caller named is not in the schema. */
export class MissingColumnError extends WeirError {
  constructor(where: ErrorLocation & { column: string }, available?: readonly string[]) {
    super('Unknown column', {
      expected: available ? `one of ${available.map((n) => `'${n}'`).join(', ') || '(no columns)'}` : 'an existing column',
      ...where,
    });
  }
}

/** A column has a type the operation cannot use. */
export class ColumnTypeError extends WeirError {
  constructor(message: string, where: ErrorLocation) {
    super(message, where);
  }
}

/** A time column holds a null. */
export class NullTimeError extends WeirError {
  constructor(where: ErrorLocation) {
    super('Null in time column', { expected: 'a non-null time', ...where });
  }
}

/** Time goes backwards within one stream (rows must be sorted by event time, ties allowed). */
export class TimeOrderError extends WeirError {
  constructor(where: ErrorLocation) {
    super('Time goes backwards', where);
  }
}

/** A stream's schema changed between batches. */
export class SchemaChangeError extends WeirError {
  constructor(where: ErrorLocation) {
    super('Schema changed mid-stream', where);
  }
}

/** A stream emitted something that is not an Arrow `RecordBatch`. */
export class NotARecordBatchError extends WeirError {
  constructor(where: ErrorLocation) {
    super('Not a RecordBatch', { expected: 'an apache-arrow RecordBatch', ...where });
  }
}

/** A driver or operator was given an input name it does not know. */
export class UnknownInputError extends WeirError {
  constructor(name: string, known: readonly string[]) {
    super(`Unknown input '${name}' (known inputs: ${known.map((n) => `'${n}'`).join(', ') || 'none'})`);
    (this as { input?: string }).input = name;
  }
}

/** An option has a value that cannot work (`start > end`, a negative cycle, …). */
export class InvalidOptionError extends WeirError {
  readonly option: string;
  constructor(option: string, message: string, where: ErrorLocation = {}) {
    super(`Invalid option '${option}': ${message}`, where);
    this.option = option;
  }
}

/** A row arrived behind the watermark (its time had already been released) under `late: 'error'`. */
export class LateDataError extends WeirError {
  constructor(where: ErrorLocation) {
    super('Late row: its time is at or behind the watermark already released', where);
  }
}

/** A replay or live run cannot proceed (for example two replays that both route RxJS's default scheduler). */
export class RunError extends WeirError {}

/** An expression cannot be compiled against a schema. */
export class ExpressionError extends WeirError {}
