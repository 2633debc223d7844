/**
 * Polars-style column expressions: `col('bid').add(col('ask')).div(2)`.
 *
 * An {@link Expr} is an immutable description; nothing is computed when it is built. The
 * operators `select`, `withColumns` and `filter` compile the expressions they are given
 * once per input schema into one generated typed-array loop (see `./compile.ts`) and run
 * that loop on every batch. The semantics follow polars and are listed in
 * `docs/expressions.md`:
 *
 * - **Nulls propagate** through arithmetic, comparisons, `neg`, `abs`, `not` and `cast`:
 *   a null operand gives a null result.
 * - **`and` / `or` use Kleene logic**: `false AND null = false`, `true OR null = true`,
 *   otherwise a null operand gives null.
 * - **`filter` keeps the rows whose predicate is true**; false and null rows are dropped.
 * - **`when(c)`**: a null condition counts as false (the next branch or `otherwise`).
 * - **Types** follow polars' supertype rules (Int32 + Float64 → Float64, Int32 + Int32 →
 *   Int32, UInt32 + Int32 → Int64, Int64 + UInt64 → Float64); integer arithmetic wraps
 *   around like polars' (two's complement at the result width); numeric literals take the
 *   type of the column they meet (`col(int8).add(1)` stays Int8).
 * - **`div` is true division**: Float64 (Float32 when both sides are Float32 or a Float32
 *   and an integer of at most 16 bits); IEEE results for division by zero (`1/0 = inf`,
 *   `0/0 = NaN`). **`mod`** is the floored modulo (sign of the divisor, like Python and
 *   polars); an integer `mod` by zero gives null, a float one NaN.
 * - **Comparisons** of floats use polars' total order: NaN equals NaN and is greater than
 *   every other value (including +inf).
 */
import type { Data, DataType, RecordBatch, Vector } from 'apache-arrow';
import { ExpressionError } from '../errors';
import type { FixedArray } from '../kernels/gather';

/** A literal value: a number, boolean, string, bigint, `Date` (an instant) or `null`. */
export type LitValue = number | boolean | string | bigint | Date | null;

/** An expression or a literal (bare values are literals; refer to a column with `col`). */
export type ExprLike = Expr | LitValue;

/** Binary operators. */
export type ArithOp = 'add' | 'sub' | 'mul' | 'div' | 'mod';
export type CmpOp = 'eq' | 'neq' | 'lt' | 'lte' | 'gt' | 'gte';
export type LogicOp = 'and' | 'or';
export type UnaryOp = 'neg' | 'abs' | 'not' | 'isNull' | 'isNotNull';

/** What an `fn` callback may return: a column of the declared type and of the batch's length. */
export type FnResult = Data | Vector | FixedArray;

/**
 * The callback of {@link fn}: called once per batch with the batch's columns (as `Data`, by
 * name: the `inputs` if given, all columns otherwise) and the batch itself.
 */
export type FnCallback = (columns: Readonly<Record<string, Data>>, batch: RecordBatch) => FnResult;

/** Options of {@link fn}. */
export interface FnOptions {
  /** The Arrow type of the returned column (checked on every batch). */
  type: DataType;
  /**
   * Columns the function reads. They are checked when the expression is compiled (a
   * missing one raises `MissingColumnError`) and only they are passed to the callback.
   * Default: every column of the batch.
   */
  inputs?: readonly string[];
  /** The output name when no alias is given. Default: the first input, else `'fn'`. */
  name?: string;
}

/** The expression tree. */
export type ExprNode =
  | { readonly kind: 'col'; readonly name: string }
  | { readonly kind: 'lit'; readonly value: LitValue }
  | { readonly kind: 'arith'; readonly op: ArithOp; readonly left: ExprNode; readonly right: ExprNode }
  | { readonly kind: 'cmp'; readonly op: CmpOp; readonly left: ExprNode; readonly right: ExprNode }
  | { readonly kind: 'logic'; readonly op: LogicOp; readonly left: ExprNode; readonly right: ExprNode }
  | { readonly kind: 'unary'; readonly op: UnaryOp; readonly arg: ExprNode }
  | { readonly kind: 'fillNull'; readonly arg: ExprNode; readonly fill: ExprNode }
  | { readonly kind: 'cast'; readonly arg: ExprNode; readonly to: DataType }
  | {
      readonly kind: 'when';
      readonly branches: readonly { readonly cond: ExprNode; readonly then: ExprNode }[];
      readonly otherwise: ExprNode;
    }
  | { readonly kind: 'alias'; readonly arg: ExprNode; readonly name: string }
  | { readonly kind: 'fn'; readonly f: FnCallback; readonly options: FnOptions };

const OP_TEXT: Record<ArithOp | CmpOp | LogicOp, string> = {
  add: '+',
  sub: '-',
  mul: '*',
  div: '/',
  mod: '%',
  eq: '==',
  neq: '!=',
  lt: '<',
  lte: '<=',
  gt: '>',
  gte: '>=',
  and: '&',
  or: '|',
};

function litText(v: LitValue): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString();
  return String(v);
}

/** A readable rendering of an expression tree, used in error messages. */
export function nodeText(n: ExprNode): string {
  switch (n.kind) {
    case 'col':
      return `col(${JSON.stringify(n.name)})`;
    case 'lit':
      return litText(n.value);
    case 'arith':
    case 'cmp':
    case 'logic':
      return `(${nodeText(n.left)} ${OP_TEXT[n.op]} ${nodeText(n.right)})`;
    case 'unary':
      if (n.op === 'neg') return `-${nodeText(n.arg)}`;
      if (n.op === 'not') return `~${nodeText(n.arg)}`;
      return `${nodeText(n.arg)}.${n.op}()`;
    case 'fillNull':
      return `${nodeText(n.arg)}.fillNull(${nodeText(n.fill)})`;
    case 'cast':
      return `${nodeText(n.arg)}.cast(${String(n.to)})`;
    case 'when':
      return (
        n.branches.map((b, i) => `${i ? '.' : ''}when(${nodeText(b.cond)}).then(${nodeText(b.then)})`).join('') +
        `.otherwise(${nodeText(n.otherwise)})`
      );
    case 'alias':
      return `${nodeText(n.arg)}.alias(${JSON.stringify(n.name)})`;
    case 'fn':
      return `fn(${n.options.name ?? n.options.inputs?.join(', ') ?? ''})`;
  }
}

/** The name a column computed from `n` gets without an alias (polars: the left-most column). */
export function outputNameOf(n: ExprNode): string {
  switch (n.kind) {
    case 'col':
      return n.name;
    case 'alias':
      return n.name;
    case 'lit':
      return 'literal';
    case 'arith':
    case 'cmp':
    case 'logic':
      return outputNameOf(n.left);
    case 'unary':
    case 'fillNull':
    case 'cast':
      return outputNameOf(n.arg);
    case 'when':
      return outputNameOf(n.branches[0].then);
    case 'fn':
      return n.options.name ?? n.options.inputs?.[0] ?? 'fn';
  }
}

function checkLit(value: unknown): LitValue {
  if (
    value === null ||
    typeof value === 'number' ||
    typeof value === 'boolean' ||
    typeof value === 'string' ||
    typeof value === 'bigint'
  ) {
    return value;
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new ExpressionError('lit: invalid Date', { actual: 'Invalid Date' });
    return value;
  }
  throw new ExpressionError('Not an expression or a literal', {
    expected: 'an Expr, number, boolean, string, bigint, Date or null',
    actual: value === undefined ? 'undefined' : typeof value,
  });
}

/** The node of an expression or literal. */
export function toNode(x: ExprLike): ExprNode {
  return x instanceof Expr ? x.node : { kind: 'lit', value: checkLit(x) };
}

/**
 * A column expression. Build one with {@link col}, {@link lit}, {@link when} or {@link fn},
 * then chain methods; every method returns a new expression. Operands that are not
 * expressions are literals (`col('a').add(1)`, `col('t').eq('AAPL')`).
 */
export class Expr {
  /** The expression tree. */
  readonly node: ExprNode;

  constructor(node: ExprNode) {
    this.node = node;
  }

  private arith(op: ArithOp, other: ExprLike): Expr {
    return new Expr({ kind: 'arith', op, left: this.node, right: toNode(other) });
  }

  private cmp(op: CmpOp, other: ExprLike): Expr {
    return new Expr({ kind: 'cmp', op, left: this.node, right: toNode(other) });
  }

  private unary(op: UnaryOp): Expr {
    return new Expr({ kind: 'unary', op, arg: this.node });
  }

  /** `this + other`. Numeric; null if either side is null; integers wrap around. */
  add(other: ExprLike): Expr {
    return this.arith('add', other);
  }
  /** `this - other`. */
  sub(other: ExprLike): Expr {
    return this.arith('sub', other);
  }
  /** `this * other`. */
  mul(other: ExprLike): Expr {
    return this.arith('mul', other);
  }
  /** True division `this / other`: Float64 (Float32 for Float32 operands); `x / 0` is ±inf or NaN. */
  div(other: ExprLike): Expr {
    return this.arith('div', other);
  }
  /** Floored modulo (sign of the divisor); integer `mod` 0 is null, float `mod` 0 is NaN. */
  mod(other: ExprLike): Expr {
    return this.arith('mod', other);
  }
  /** `-this` (signed integers wrap: `-MIN = MIN`; not for unsigned integers). */
  neg(): Expr {
    return this.unary('neg');
  }
  /** `|this|` (signed integers wrap: `abs(MIN) = MIN`). */
  abs(): Expr {
    return this.unary('abs');
  }

  /** `this == other` (NaN equals NaN). Numbers, Bool, time, strings (Utf8 and dictionary). */
  eq(other: ExprLike): Expr {
    return this.cmp('eq', other);
  }
  /** `this != other`. */
  neq(other: ExprLike): Expr {
    return this.cmp('neq', other);
  }
  /** `this < other` (NaN is the greatest value; strings compare by UTF-8 bytes). */
  lt(other: ExprLike): Expr {
    return this.cmp('lt', other);
  }
  /** `this <= other`. */
  lte(other: ExprLike): Expr {
    return this.cmp('lte', other);
  }
  /** `this > other`. */
  gt(other: ExprLike): Expr {
    return this.cmp('gt', other);
  }
  /** `this >= other`. */
  gte(other: ExprLike): Expr {
    return this.cmp('gte', other);
  }

  /** Kleene AND: false if either side is false, else null if either is null, else true. */
  and(other: ExprLike): Expr {
    return new Expr({ kind: 'logic', op: 'and', left: this.node, right: toNode(other) });
  }
  /** Kleene OR: true if either side is true, else null if either is null, else false. */
  or(other: ExprLike): Expr {
    return new Expr({ kind: 'logic', op: 'or', left: this.node, right: toNode(other) });
  }
  /** Boolean negation (null stays null). */
  not(): Expr {
    return this.unary('not');
  }

  /** True where the value is null (never null itself). Any column type. */
  isNull(): Expr {
    return this.unary('isNull');
  }
  /** True where the value is not null (never null itself). Any column type. */
  isNotNull(): Expr {
    return this.unary('isNotNull');
  }
  /** The value, or `fill` where the value is null (`fill` may be an expression). */
  fillNull(fill: ExprLike): Expr {
    return new Expr({ kind: 'fillNull', arg: this.node, fill: toNode(fill) });
  }

  /**
   * Converts to an Arrow type: Int8…Int64, UInt8…UInt64, Float32, Float64, Bool, Utf8 (from a
   * dictionary column), Timestamp (from an integer: the raw value in the unit; from a time
   * column: the unit converted, flooring), DateDay/DateMillisecond. Like polars'
   * `cast(strict=False)`: a value that does not fit (out of range, NaN, ±inf to an integer)
   * becomes null. Float to integer truncates toward zero; numbers to Bool are `x != 0`.
   */
  cast(to: DataType): Expr {
    return new Expr({ kind: 'cast', arg: this.node, to });
  }

  /** Names the output column. */
  alias(name: string): Expr {
    if (typeof name !== 'string' || name === '') {
      throw new ExpressionError('alias: the name must be a non-empty string', { actual: String(name) });
    }
    return new Expr({ kind: 'alias', arg: this.node, name });
  }

  /** The name of the column this expression produces (its alias, else its left-most column). */
  get outputName(): string {
    return outputNameOf(this.node);
  }

  toString(): string {
    return nodeText(this.node);
  }
}

/** A column of the input batch, by name. */
export function col(name: string): Expr {
  if (typeof name !== 'string') {
    throw new ExpressionError('col: the column name must be a string', { actual: typeof name });
  }
  return new Expr({ kind: 'col', name });
}

/**
 * A literal. Numbers take the type of what they meet (`col(int8).add(1)` is Int8,
 * `col(f32).mul(2.5)` is Float32); alone, an integer is Int32 (Int64 if larger) and a
 * fraction Float64. A `bigint` is an integer literal, and against a time column an instant
 * in epoch nanoseconds. A `Date` is an instant (compared with time columns in their unit).
 * `null` takes the type of what it meets.
 */
export function lit(value: LitValue): Expr {
  const v = checkLit(value);
  if (typeof v === 'bigint' && (v < -(2n ** 63n) || v >= 2n ** 64n)) {
    throw new ExpressionError('lit: bigint out of the 64-bit range', { actual: String(v) });
  }
  return new Expr({ kind: 'lit', value: v });
}

/** A `when` awaiting its `then`. */
export class When {
  private readonly done: readonly { cond: ExprNode; then: ExprNode }[];
  private readonly cond: ExprNode;

  constructor(done: readonly { cond: ExprNode; then: ExprNode }[], cond: ExprNode) {
    this.done = done;
    this.cond = cond;
  }

  /** The value where the condition is true. */
  then(value: ExprLike): Then {
    return new Then([...this.done, { cond: this.cond, then: toNode(value) }]);
  }
}

/**
 * `when(c).then(a)`: an expression (null where no branch matched) that can take further
 * `.when(...).then(...)` branches and a final `.otherwise(...)`.
 */
export class Then extends Expr {
  private readonly branches: readonly { cond: ExprNode; then: ExprNode }[];

  constructor(branches: readonly { cond: ExprNode; then: ExprNode }[]) {
    super({ kind: 'when', branches, otherwise: { kind: 'lit', value: null } });
    this.branches = branches;
  }

  /** Another branch, tried when the previous conditions are false or null. */
  when(cond: ExprLike): When {
    return new When(this.branches, toNode(cond));
  }

  /** The value where no condition is true. */
  otherwise(value: ExprLike): Expr {
    return new Expr({ kind: 'when', branches: this.branches, otherwise: toNode(value) });
  }
}

/**
 * Conditional value: `when(col('x').gt(0)).then(1).when(col('x').lt(0)).then(-1).otherwise(0)`.
 * Branches are tried in order; a null condition counts as false; without `otherwise` the
 * result is null where no condition holds. The branches' types unify like arithmetic
 * operands (numbers to their supertype, Utf8 and dictionary strings, times, Bool).
 */
export function when(cond: ExprLike): When {
  return new When([], toNode(cond));
}

/**
 * Escape hatch: a column computed by your own function, once per batch.
 *
 * `f(columns, batch)` receives the batch's columns as `Data` by name (only `options.inputs`
 * if given) and must return a column of `options.type` with one value per row: a `Data`, a
 * single-chunk `Vector`, or a typed array of values (no nulls; Bool needs a `Data`). The
 * result then takes part in the expression like any column:
 *
 * @example
 * ```ts
 * const spread = fn(({ bid, ask }) => {
 *   const b = bid.values as Float64Array, a = ask.values as Float64Array;
 *   const out = new Float64Array(bid.length);
 *   for (let i = 0; i < out.length; i++) out[i] = a[i] - b[i];
 *   return out;
 * }, { type: new Float64(), inputs: ['bid', 'ask'] });
 * source.pipe(withColumns({ spreadBps: spread.div(col('bid')).mul(1e4) }));
 * ```
 */
export function fn(f: FnCallback, options: FnOptions): Expr {
  if (typeof f !== 'function') throw new ExpressionError('fn: expected a function', { actual: typeof f });
  if (!options || !options.type) {
    throw new ExpressionError('fn: options.type (the Arrow type of the result) is required', {
      expected: 'an apache-arrow DataType',
    });
  }
  return new Expr({ kind: 'fn', f, options });
}
