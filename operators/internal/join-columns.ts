/**
 * What `asofJoin` and `join` share: their key and output options (`by` / `leftBy` +
 * `rightBy`, `how`, `suffix`, `columns`), the choice of the right columns, and the output
 * schema (the left fields, then the right columns, renamed on a clash, nullable).
 */
import { Field, type RecordBatch, Schema } from 'apache-arrow';
import { InvalidOptionError, MissingColumnError } from '../../src/errors';
import { recordBatch, structData } from '../../src/batch/build';

/** The key and output options of a join. */
export interface JoinColumnOptions {
  /** Key column(s) of both sides (Utf8, Dictionary<Utf8>, integers, Bool): rows match only within one key. */
  by?: string | readonly string[];
  /** The left key column(s) (default `by`). */
  leftBy?: string | readonly string[];
  /** The right key column(s) (default `by`), in the order of `leftBy`. */
  rightBy?: string | readonly string[];
  /** Appended to a right column's name that clashes with a left column. Default `'_right'`. */
  suffix?: string;
  /** The right columns to bring along, in this order. Default: every right column but the right key columns (and, in `asofJoin`, the right time column). */
  columns?: readonly string[];
  /** `'left'` (default): every left row, with nulls when unmatched; `'inner'`: matched left rows only. */
  how?: 'left' | 'inner';
}

/** {@link JoinColumnOptions} checked. */
export interface JoinColumns {
  readonly leftBy: readonly string[];
  readonly rightBy: readonly string[];
  readonly suffix: string;
  readonly columns: readonly string[] | undefined;
  readonly inner: boolean;
}

/** The right columns a join brings along: their positions in the right schema and their (nullable) fields. */
export interface RightColumns {
  readonly indices: readonly number[];
  readonly schema: Schema;
}

export function asList(v: string | readonly string[] | undefined): readonly string[] | undefined {
  return v === undefined ? undefined : typeof v === 'string' ? [v] : [...v];
}

/** Checks the key and output options (`InvalidOptionError` naming the option). */
export function parseJoinColumns(o: JoinColumnOptions): JoinColumns {
  const by = asList(o.by);
  if (by !== undefined && (o.leftBy !== undefined || o.rightBy !== undefined)) {
    throw new InvalidOptionError('by', 'give either by or leftBy/rightBy, not both');
  }
  if ((o.leftBy === undefined) !== (o.rightBy === undefined)) {
    throw new InvalidOptionError(o.leftBy === undefined ? 'leftBy' : 'rightBy', 'leftBy and rightBy go together');
  }
  const leftBy = by ?? asList(o.leftBy) ?? [];
  const rightBy = by ?? asList(o.rightBy) ?? [];
  if (leftBy.length !== rightBy.length) {
    throw new InvalidOptionError('rightBy', `expected as many key columns as leftBy (${leftBy.length}), got ${rightBy.length}`);
  }
  const how = o.how ?? 'left';
  if (how !== 'left' && how !== 'inner') throw new InvalidOptionError('how', `expected 'left' or 'inner', got ${String(how)}`);
  const suffix = o.suffix ?? '_right';
  if (suffix === '') throw new InvalidOptionError('suffix', 'expected a non-empty suffix');
  return { leftBy, rightBy, suffix, columns: o.columns === undefined ? undefined : [...o.columns], inner: how === 'inner' };
}

/** Throws `MissingColumnError` (naming `input`) for the first of `columns` not in `schema`. */
export function checkColumns(schema: Schema, columns: readonly string[], input: string): void {
  const all = schema.fields.map((f) => f.name);
  for (const c of columns) if (!all.includes(c)) throw new MissingColumnError({ input, column: c }, all);
}

/**
 * The right columns to bring along: `p.columns` (checked), or every column of `schema` but
 * the right keys and `exclude` (the right time column, if any).
 */
export function rightColumns(schema: Schema, p: JoinColumns, exclude?: string): RightColumns {
  const all = schema.fields.map((f) => f.name);
  checkColumns(schema, p.rightBy, 'right');
  let wanted: readonly string[];
  if (p.columns !== undefined) {
    checkColumns(schema, p.columns, 'right');
    wanted = p.columns;
  } else {
    wanted = all.filter((n) => n !== exclude && !p.rightBy.includes(n));
  }
  const indices = wanted.map((n) => all.indexOf(n));
  return { indices, schema: new Schema(indices.map((j) => schema.fields[j].clone({ nullable: true }))) };
}

/** The chosen right columns of `batch` as a batch of `plan.schema` (zero-copy). */
export function project(batch: RecordBatch, plan: RightColumns): RecordBatch {
  const children = batch.data.children;
  return recordBatch(plan.schema, structData(plan.schema, plan.indices.map((j) => children[j]), batch.numRows));
}

/**
 * The output schema: the left fields as they are, then the right fields, each renamed
 * `name + suffix` when the name is taken (`InvalidOptionError` when the new name is taken
 * too).
 */
export function joinOutputSchema(left: Schema, right: Schema, suffix: string): Schema {
  const taken = new Set(left.fields.map((f) => f.name));
  const fields: Field[] = [...left.fields];
  for (const f of right.fields) {
    let name = f.name;
    if (taken.has(name)) {
      name = f.name + suffix;
      if (taken.has(name)) {
        throw new InvalidOptionError('suffix', `right column '${f.name}' renamed '${name}' still clashes with another column`, { column: f.name });
      }
    }
    taken.add(name);
    fields.push(name === f.name ? f : new Field(name, f.type, true, f.metadata));
  }
  return new Schema(fields, left.metadata);
}
