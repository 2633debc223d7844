/**
 * The distinct inputs of a list of resolved aggregations: input columns and expressions,
 * each read once per batch as a `Data`, whatever number of aggregations use it
 * (`sum('size')` and `mean('size')` read `size` once; `sum(col('price').mul(col('size')))`
 * and `mean(...)` of the same expression evaluate it once).
 *
 * Expressions are compiled once per schema by the expression engine (`Program`, the one
 * `withColumns` uses: one generated loop for all of them) and evaluated per batch; their
 * results are aggregated like columns and never become output columns.
 */
import type { Data, RecordBatch, Schema } from 'apache-arrow';
import { ColumnTypeError } from '../errors';
import { type ExprNode, nodeText } from '../expr/expr';
import { Program } from '../expr/program';
import { NUMERIC_VALUES, type ResolvedAgg, isNumericDataType } from './agg';

export class AggInputs {
  /** Per aggregation, the index of its input among the distinct inputs (-1: `count()`). */
  readonly columnOf: readonly number[];
  /** The number of distinct inputs. */
  readonly size: number;
  /** Per distinct input: its position in the schema (>= 0), or -1 - its output in `program`. */
  private readonly sources: readonly number[];
  private readonly program: Program | undefined;

  /**
   * `op` names the operator in expression errors (`MissingColumnError` for a column an
   * expression reads that the schema lacks, `ColumnTypeError` / `ExpressionError` for
   * operands that do not fit); an expression whose value is not numeric is a
   * `ColumnTypeError` naming the expression.
   */
  constructor(op: string, schema: Schema, aggs: readonly ResolvedAgg[], input?: string) {
    const sources: number[] = [];
    // the same column, or the same expression text, is one input; an expression with an
    // `fn` (whose text names the callback, not its code) only when it is the same object
    const keys: unknown[] = [];
    const exprs: { name: string; node: ExprNode; text: string; op: string }[] = [];
    this.columnOf = aggs.map((a) => {
      if (a.index < 0 && a.expr === null) return -1;
      const text = a.expr !== null ? nodeText(a.expr) : '';
      const key = a.expr === null ? `col:${a.index}` : text.includes('fn(') ? a.expr : `expr:${text}`;
      const k = keys.indexOf(key);
      if (k >= 0) return k;
      if (a.expr !== null) {
        sources.push(-1 - exprs.length);
        exprs.push({ name: `${a.op}(${text})`, node: a.expr, text, op: a.op });
      } else {
        sources.push(a.index);
      }
      return keys.push(key) - 1;
    });
    this.sources = sources;
    this.size = sources.length;
    // the results are read before the next batch and kept by no one: the program reuses its output buffers
    this.program = exprs.length > 0 ? new Program(op, schema, exprs, 'values', true) : undefined;
    this.program?.outputs.forEach((o, m) => {
      if (!isNumericDataType(o.type)) {
        throw new ColumnTypeError(`${op}: ${exprs[m].op}() needs a numeric value`, {
          ...(input !== undefined ? { input } : {}),
          column: exprs[m].text,
          expected: NUMERIC_VALUES,
          actual: String(o.type),
        });
      }
    });
  }

  /** Sets `out[k]` to distinct input k's `Data` for `batch` (`k < size`). */
  read(batch: RecordBatch, out: Data[]): void {
    const children = batch.data.children;
    const computed = this.program?.evaluate(batch);
    const sources = this.sources;
    for (let k = 0; k < sources.length; k++) {
      const s = sources[k];
      out[k] = s >= 0 ? children[s] : computed![-1 - s];
    }
  }
}
