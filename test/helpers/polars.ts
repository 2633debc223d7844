/**
 * nodejs-polars as a test oracle: Arrow `RecordBatch` / `Table` (apache-arrow 21) to a polars
 * `DataFrame` and back, exactly, through Arrow IPC; and typed polars literals (the JS binding
 * has no dynamic literals).
 *
 * `toPolars` writes an IPC *file* (`tableToIPC(table, 'file')`) and reads it with
 * `pl.readIPC`; `fromPolars` writes an IPC *stream* (`df.writeIPCStream()`) and reads it with
 * `tableFromIPC`. Values survive exactly (Int64 and UInt64 over their whole range, NaN, ±inf,
 * -0, nulls, non-BMP strings, sliced batches with offset ≠ 0, empty frames). Types
 * (nodejs-polars 0.25.2, checked in `test/expr/oracle.spec.ts`):
 *
 * | Arrow in | polars | Arrow back |
 * | --- | --- | --- |
 * | Int8…Int64, Uint8…Uint64, Float32, Float64, Bool, Null, Date32 | same | same |
 * | Timestamp ms / us / ns (with or without zone) | Datetime(unit, zone) | same |
 * | **Timestamp[s]** | **Datetime(ms)** (no seconds unit) | Timestamp[ms]: values × 1000 |
 * | **Date64** | **Datetime(ms)** | Timestamp[ms] |
 * | Utf8, LargeUtf8 | String | **LargeUtf8** (`writeIPC`, the file form, gives Utf8View) |
 * | Dictionary<Int*, Utf8> | **Categorical** | **Dictionary<Uint32, LargeUtf8>**: new keys and dictionary, same values |
 * | Binary | Binary | LargeBinary |
 *
 * Every field comes back nullable and the dictionary id is new. Compare *values* through
 * `toColumns` (`src/testing/read.ts`: it decodes dictionaries and reads Utf8 and LargeUtf8
 * alike) and types through {@link comparableType}.
 *
 * Never read values with polars' own `Series.toArray()` / `toRecords()`: Int64 comes back
 * as JS numbers (rounded above 2^53).
 *
 * Quirks of the nodejs-polars 0.25.2 expression API that an oracle must work around:
 * - `pl.lit(number)` is always a Float64 literal, even for `1` (no dynamic integer
 *   literals): cast it ({@link plLit}) to get the type weir gives the literal.
 * - `pl.lit(bigint)` is a **UInt64 of the absolute value** (`pl.lit(-5n)` is `5`): build
 *   Int64 literals from their decimal text ({@link plInt64}).
 * - A string argument of a binary method is a **column name** (`pl.col('s').eq('a')`
 *   compares with column `a`): wrap string literals in `pl.lit`.
 * - `pl.when(c).then(x)` is not an expression until `.otherwise(...)`: a weir `when` without
 *   `otherwise` is `.otherwise(pl.lit(null))`.
 * - `Expr.div` is polars' `Operator::Divide`, which is **floor division on integers**
 *   (`7 / -2 = -4`, `x / 0 = null`, Int32 result), not Python's true division `/`: true
 *   division of integer or Float64 operands is {@link plTrueDiv} (both cast to Float64 first,
 *   which is what polars' true division does).
 * - polars' kernels for a **scalar divisor** (`col / lit`, `col % lit`) on floats multiply by
 *   the reciprocal (`x * (1 / k)`), which is not correctly rounded (`60988769 / -7.75` gives
 *   `-7869518.580645161`, IEEE gives `…162`; the modulo's floor can then flip). Its
 *   column-by-column kernels are IEEE. {@link plColumnar} turns a literal into a column.
 * - A `Null`-typed literal in a `filter` predicate (`pl.col('b').and(pl.lit(null))`) fails
 *   ("filter predicate must be of type Boolean, got Null": the optimiser splits the `and`);
 *   give the null a type (`pl.lit(null).cast(pl.Bool)`).
 * - **`df.filter(expr)` can keep rows where `expr` is null**: `filter(t > (~c & c))` keeps the
 *   rows where `c` is null, although `select` of the same expression gives null there (as if
 *   `~c & c` were rewritten to `false`, which is wrong under Kleene logic; `noOptimization`
 *   does not help). Filter on the predicate materialised as a column instead
 *   (`df.withColumns(p.alias('__p')).filter(pl.col('__p'))`).
 * - There is no `neg`: use `mul(-1)` typed like the operand (same result, -0 and wrapping
 *   included).
 * - Some operations on a literal `null` alone (`and`, `not`, `abs`, `when(null)`) are
 *   errors in polars.
 * - Datetime units are only ms, us, ns.
 */
import { type DataType, type RecordBatch, Table, Type, tableFromIPC, tableToIPC } from 'apache-arrow';
import pl from 'nodejs-polars';

export { pl };

/** A polars data frame, as the helpers take and give it. */
export type PlDataFrame = pl.DataFrame;
/** A polars expression. */
export type PlExpr = pl.Expr;

/** What {@link toPolars} accepts. */
export type ArrowSource = RecordBatch | Table | readonly RecordBatch[];

/**
 * A polars `DataFrame` with the rows and columns of `source`, via an Arrow IPC file. A list of
 * batches becomes one frame (one chunk per batch); sliced batches are written from their
 * offset. Type mapping: see the file comment.
 *
 * @example
 * toPolars(batch({ a: [1, null] }, { a: 'int32' })).dtypes; // [Int32]
 */
export function toPolars(source: ArrowSource): PlDataFrame {
  const table = source instanceof Table ? source : new Table(Array.isArray(source) ? [...source] : [source as RecordBatch]);
  const bytes = tableToIPC(table, 'file');
  return pl.readIPC(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/**
 * An Arrow `Table` with the contents of a polars `DataFrame`, via an Arrow IPC stream (so
 * that strings come back as LargeUtf8 rather than Utf8View). Type mapping: see the file
 * comment.
 *
 * @example
 * toColumns(fromPolars(toPolars(b))); // the values of b
 */
export function fromPolars(df: PlDataFrame): Table {
  return tableFromIPC(df.writeIPCStream());
}

/**
 * A type's text with the differences that polars' round trip introduces removed, to compare
 * an output type of weir with the one polars computes: Utf8, LargeUtf8 and Utf8View are
 * `Utf8` (Binary alike), and a dictionary is `Dictionary<value type>` whatever its index type
 * and id. Other types print as apache-arrow prints them (`Int32`, `Timestamp<MILLISECOND>`).
 */
export function comparableType(type: DataType): string {
  switch (type.typeId) {
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Utf8View:
      return 'Utf8';
    case Type.Binary:
    case Type.LargeBinary:
    case Type.BinaryView:
      return 'Binary';
    case Type.Dictionary:
      return `Dictionary<${comparableType((type as unknown as { dictionary: DataType }).dictionary)}>`;
    default:
      return String(type);
  }
}

/** The polars types that weir's oracle tests give literals. */
export type PlLitType = 'Int32' | 'Int64' | 'Float64' | 'Bool' | 'Utf8';

/**
 * A polars literal of the given type, exact: numbers and bigints in Int64 through their
 * decimal text (see the quirks in the file comment), `Date`s as Datetime(ms), `null` as
 * polars' untyped null literal (which takes the type of what it meets, as weir's does).
 *
 * @example
 * plLit(1, 'Int32'); // Int32 literal 1 (pl.lit(1) alone is Float64)
 */
export function plLit(value: number | bigint | boolean | string | Date | null, type?: PlLitType): PlExpr {
  if (value === null) return pl.lit(null);
  if (type === 'Int64') return plInt64(BigInt(value as number | bigint));
  if (typeof value === 'bigint') return type === undefined ? plInt64(value) : plInt64(value).cast(pl[type]);
  const e = pl.lit(value);
  if (type === undefined) return e;
  return e.cast(type === 'Utf8' ? pl.Utf8 : pl[type]);
}

/** An exact Int64 polars literal (`pl.lit(bigint)` would be an unsigned absolute value). */
export function plInt64(value: bigint): PlExpr {
  return pl.lit(String(value)).cast(pl.Int64);
}

/**
 * Python polars' true division `a / b` for Int32/Int64/Float64 operands (not Float32): both
 * sides cast to Float64, then divided (IEEE: `1 / 0 = inf`, `0 / 0 = NaN`).
 */
export function plTrueDiv(a: PlExpr, b: PlExpr): PlExpr {
  return a.cast(pl.Float64).div(b.cast(pl.Float64));
}

/**
 * `e` computed as a full column rather than a scalar (a `when` on a column that is never null,
 * whose branch is `e`), so that polars uses its column-by-column kernels (see the quirks
 * above). Same values and type as `e`.
 */
export function plColumnar(e: PlExpr, nonNullColumn: string): PlExpr {
  return pl.when(pl.col(nonNullColumn).isNull()).then(pl.lit(null)).otherwise(e);
}

/** An exact polars Datetime literal in nanoseconds (epoch ns). */
export function plInstantNs(ns: bigint): PlExpr {
  return plInt64(ns).cast(pl.Datetime('ns'));
}
