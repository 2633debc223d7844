/**
 * Aggregations, named one way for every operator that aggregates (`cumulative`, `rolling`,
 * and later `resample` and `pivot`), Arquero-style:
 *
 * ```ts
 * rolling({ by: 'ticker', window: { minutes: 5 }, aggs: { vol: sum('size'), pxMean: mean('price') } })
 * ```
 *
 * A helper takes a column name or an expression (`sum(col('price').mul(col('size')))`, as
 * polars' `(pl.col('price') * pl.col('size')).cum_sum()`) and returns a plain descriptor
 * `{ op, column, expr }`: it computes nothing. An expression is evaluated per batch by the
 * expression engine (docs/expressions.md) and aggregated like a column, without becoming
 * an output column. Each operator resolves the descriptors against the input schema once and runs one
 * monomorphic typed-array kernel per aggregation and batch (`src/kernels/cumulative.ts`,
 * `src/kernels/rolling.ts`), never a per-row call through an object. The incremental
 * states those kernels inline (`init`, `add`, `remove`, `value` over a `Float64Array`) are
 * written out once, as reference, in `src/aggs/state.ts`.
 *
 * Rules shared by every aggregation:
 * - **Nulls are skipped** (never counted, never added), as pandas and polars do.
 * - **NaN is a value**, not a null (as in Arrow and polars; pandas treats NaN as missing):
 *   it propagates through `sum`, `mean`, `min`, `max`, `std` and `var` as IEEE arithmetic
 *   does, and it is counted by `count`.
 * - Results are `Float64` (as pandas' rolling and expanding results), counts included.
 * - `std` and `var` are sample statistics (`ddof = 1`, the pandas and polars default),
 *   computed with Welford's updates (and their inverse to remove a value from a window).
 */
import { type DataType, type Schema, Type } from 'apache-arrow';
import { ColumnTypeError, InvalidOptionError, MissingColumnError } from '../errors';
import { Expr, type ExprNode } from '../expr/expr';

/** The aggregation operations. */
export type AggOp = 'sum' | 'mean' | 'min' | 'max' | 'count' | 'std' | 'var' | 'first' | 'last';

/** An aggregation: an operation over one column or expression (`count()` alone counts rows). Build with the helpers. */
export interface Agg {
  readonly op: AggOp;
  /** The input column, or `null` for `count()` (rows) and for an expression. */
  readonly column: string | null;
  /** The input expression (an aggregation over a computed value), or `null`. */
  readonly expr: ExprNode | null;
}

/** What an aggregation helper takes: a column name or an expression. */
export type AggInput = string | Expr;

/** Named aggregations: `{ outputColumn: agg }`, in output order. */
export type Aggs = Readonly<Record<string, Agg>>;

const OPS: readonly AggOp[] = ['sum', 'mean', 'min', 'max', 'count', 'std', 'var', 'first', 'last'];

function columnAgg(op: AggOp, input: AggInput): Agg {
  if (input instanceof Expr) {
    // a bare column reference is the column itself (one path, the same results)
    const node = input.node;
    return Object.freeze(node.kind === 'col' ? { op, column: node.name, expr: null } : { op, column: null, expr: node });
  }
  if (typeof input !== 'string' || input === '') {
    throw new InvalidOptionError('aggs', `${op}() expects a column name or an expression, got ${input === '' ? "''" : String(input)}`);
  }
  return Object.freeze({ op, column: input, expr: null });
}

/**
 * The sum of the non-null values (`0` over no values, where an operator outputs it).
 *
 * @example
 * cumulative({ by: 'ticker', aggs: { cumVol: sum('size'), cumPv: sum(col('price').mul(col('size'))) } })
 */
export function sum(column: AggInput): Agg {
  return columnAgg('sum', column);
}

/**
 * The mean of the non-null values (null over none).
 *
 * @example
 * rolling({ by: 'ticker', window: { minutes: 5 }, aggs: { pxMean: mean('price') } })
 */
export function mean(column: AggInput): Agg {
  return columnAgg('mean', column);
}

/** The smallest non-null value (null over none; NaN if a NaN is among the values). @example min('price') */
export function min(column: AggInput): Agg {
  return columnAgg('min', column);
}

/** The largest non-null value (null over none; NaN if a NaN is among the values). @example max('price') */
export function max(column: AggInput): Agg {
  return columnAgg('max', column);
}

/**
 * `count('col')`: the number of non-null values of `col`; `count()`: the number of rows.
 *
 * @example
 * rolling({ by: 'ticker', window: { rows: 10 }, aggs: { n: count(), quoted: count('bid') } })
 */
export function count(column?: AggInput): Agg {
  return column === undefined ? Object.freeze({ op: 'count', column: null, expr: null }) : columnAgg('count', column);
}

/** The sample standard deviation (`ddof = 1`) of the non-null values (null under two values). @example std('price') */
export function std(column: AggInput): Agg {
  return columnAgg('std', column);
}

/**
 * The sample variance (`ddof = 1`) of the non-null values (null under two values). Also
 * exported as `var` (`import { var as variance }`: `var` is a reserved word).
 *
 * @example variance('price')
 */
export function variance(column: AggInput): Agg {
  return columnAgg('var', column);
}
export { variance as var };

/** The first non-null value (in stream order; null when none). @example first('price') */
export function first(column: AggInput): Agg {
  return columnAgg('first', column);
}

/** The last non-null value (in stream order; null when none). @example last('price') */
export function last(column: AggInput): Agg {
  return columnAgg('last', column);
}

/** An aggregation resolved against a schema. */
export interface ResolvedAgg {
  /** The output column name. */
  readonly name: string;
  readonly op: AggOp;
  /** The input column name (`null`: `count()` or an expression). */
  readonly column: string | null;
  /** The input column's position (-1 for `count()` and for an expression). */
  readonly index: number;
  /** The input expression, or `null` (see `AggInputs`, which compiles it). */
  readonly expr: ExprNode | null;
}

/** Checks the `aggs` option: a non-empty record of descriptors built by the helpers. */
export function parseAggs(aggs: unknown, option = 'aggs'): ReadonlyArray<{ name: string; agg: Agg }> {
  if (aggs === null || typeof aggs !== 'object' || Array.isArray(aggs)) {
    throw new InvalidOptionError(option, `expected an object { outputColumn: sum('col'), ... }, got ${Array.isArray(aggs) ? 'an array' : String(aggs)}`);
  }
  const entries = Object.entries(aggs as Record<string, unknown>);
  if (entries.length === 0) throw new InvalidOptionError(option, 'expected at least one aggregation');
  return entries.map(([name, a]) => {
    const agg = a as Partial<Agg> | null;
    if (
      !agg ||
      typeof agg !== 'object' ||
      !OPS.includes(agg.op as AggOp) ||
      (agg.column !== null && typeof agg.column !== 'string') ||
      (agg.expr != null && (typeof agg.expr !== 'object' || agg.column !== null))
    ) {
      throw new InvalidOptionError(option, `'${name}': expected an aggregation built by sum, mean, min, max, count, std, var, first or last, got ${JSON.stringify(a)}`);
    }
    const expr = agg.expr ?? null;
    if (agg.column === null && expr === null && agg.op !== 'count') throw new InvalidOptionError(option, `'${name}': ${agg.op}() needs a column or an expression`);
    return { name, agg: { op: agg.op as AggOp, column: agg.column ?? null, expr } };
  });
}

/** Whether values of this type can be aggregated numerically (integers, Float32/64; read as Float64). */
export function isNumericDataType(type: DataType): boolean {
  const id = type.typeId as Type;
  return id === Type.Int || (id === Type.Float && (type as unknown as { precision: number }).precision > 0);
}

const NUMERIC_LIST = 'Int8…Int64, Uint8…Uint64, Float32, Float64';
export const NUMERIC_TYPES = `an integer or floating-point column (${NUMERIC_LIST})`;
/** What an aggregated expression must give (see `AggInputs`). */
export const NUMERIC_VALUES = `an integer or floating-point value (${NUMERIC_LIST})`;

/**
 * Resolves aggregations against a schema: every column exists (`MissingColumnError`) and
 * is numeric (`ColumnTypeError`), and no output name clashes with an input column or
 * another output (`InvalidOptionError`). Expressions are checked when compiled
 * (`AggInputs`).
 */
export function resolveAggs(schema: Schema, parsed: ReadonlyArray<{ name: string; agg: Agg }>, input?: string, option = 'aggs'): ResolvedAgg[] {
  const names = schema.fields.map((f) => f.name);
  const where = input !== undefined ? { input } : {};
  return parsed.map(({ name, agg }) => {
    if (names.includes(name)) {
      throw new InvalidOptionError(option, `output column '${name}' already exists in the input; choose another name`, { ...where, column: name });
    }
    if (agg.column === null) return { name, op: agg.op, column: null, index: -1, expr: agg.expr };
    const index = names.indexOf(agg.column);
    if (index < 0) throw new MissingColumnError({ ...where, column: agg.column }, names);
    const field = schema.fields[index];
    if (!isNumericDataType(field.type)) {
      throw new ColumnTypeError(`${agg.op}() needs a numeric column`, { ...where, column: agg.column, expected: NUMERIC_TYPES, actual: String(field.type) });
    }
    return { name, op: agg.op, column: agg.column, index, expr: null };
  });
}
