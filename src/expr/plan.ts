/**
 * Per-schema plans of the expression operators (`select`, `withColumns`, `filter`): argument
 * parsing, output schemas built once per input schema, and a small cache keyed by schema
 * identity with a structural fallback (batches of one stream usually share a schema object;
 * when they do not, an equal schema maps to the same plan, so the output schema object stays
 * the same).
 */
import { type Data, type DataType, Field, type RecordBatch, Schema, Type } from 'apache-arrow';
import { ExpressionError } from '../errors';
import { recordBatch, structData } from '../batch/build';
import { selectRows } from '../batch/filter';
import { Expr, type ExprLike, type ExprNode, outputNameOf, toNode } from './expr';
import { Program } from './program';

/** An output column: its name and expression. */
export interface NamedExpr {
  readonly name: string;
  readonly node: ExprNode;
}

/** A structural key of a schema: names, nullability and types (dictionary ids included). */
export function schemaKey(schema: Schema): string {
  return schema.fields.map((f) => fieldKey(f)).join('\u0001');
}

function fieldKey(f: Field): string {
  return `${f.name}\u0002${f.nullable ? 1 : 0}\u0002${typeKey(f.type)}`;
}

function typeKey(t: DataType): string {
  let key = String(t);
  if (t.typeId === Type.Dictionary) {
    const d = t as unknown as { id: number; isOrdered: boolean; dictionary: DataType };
    key += `#${d.id}${d.isOrdered ? 'o' : ''}[${typeKey(d.dictionary)}]`;
  } else if (t.children && t.children.length) {
    key += `[${t.children.map((c: Field) => fieldKey(c)).join(',')}]`;
  }
  return key;
}

/** Plans cached per input schema (by identity, then by structure; at most `limit` kept). */
export class SchemaCache<P> {
  private readonly byObject = new WeakMap<Schema, P>();
  private readonly byKey = new Map<string, P>();

  constructor(
    private readonly build: (schema: Schema) => P,
    private readonly limit = 16,
  ) {}

  get(schema: Schema): P {
    let p = this.byObject.get(schema);
    if (p !== undefined) return p;
    const key = schemaKey(schema);
    p = this.byKey.get(key);
    if (p === undefined) {
      p = this.build(schema);
      if (this.byKey.size >= this.limit) this.byKey.delete(this.byKey.keys().next().value as string);
      this.byKey.set(key, p);
    }
    this.byObject.set(schema, p);
    return p;
  }
}

/** What `select` accepts: column names, arrays of names or expressions, expressions, or `{ name: expr }`. */
export type SelectItem = string | Expr | readonly (string | Expr)[] | Readonly<Record<string, ExprLike>>;

/** What `withColumns` accepts: expressions (named by alias or left-most column) or `{ name: expr }`. */
export type WithColumnsItem = Expr | readonly Expr[] | Readonly<Record<string, ExprLike>>;

/** Normalizes operator arguments to named expressions; rejects duplicate output names. */
export function parseItems(op: string, items: readonly (SelectItem | WithColumnsItem)[], allowNames: boolean): NamedExpr[] {
  const out: NamedExpr[] = [];
  const add = (x: unknown): void => {
    if (typeof x === 'string') {
      if (!allowNames) {
        throw new ExpressionError(`${op}: give expressions, not column names (use col('${x}') or { name: expr })`, {
          column: x,
        });
      }
      out.push({ name: x, node: { kind: 'col', name: x } });
    } else if (x instanceof Expr) {
      out.push({ name: outputNameOf(x.node), node: x.node });
    } else if (Array.isArray(x)) {
      for (const y of x) add(y);
    } else if (x !== null && typeof x === 'object' && !(x instanceof Date)) {
      for (const [name, e] of Object.entries(x as Record<string, ExprLike>)) {
        out.push({ name, node: { kind: 'alias', arg: toNode(e), name } });
      }
    } else {
      throw new ExpressionError(`${op}: unexpected argument`, {
        expected: allowNames ? 'a column name, an Expr, an array of them, or { name: expr }' : 'an Expr or { name: expr }',
        actual: x === null ? 'null' : typeof x,
      });
    }
  };
  for (const item of items) add(item);
  const seen = new Set<string>();
  for (const { name } of out) {
    if (seen.has(name)) {
      throw new ExpressionError(`${op}: the output name '${name}' is given more than once (use alias)`, { column: name });
    }
    seen.add(name);
  }
  return out;
}

/** A compiled projection: the output schema and the per-batch step. */
export interface Projection {
  readonly schema: Schema;
  apply(batch: RecordBatch): RecordBatch;
}

function outputField(name: string, type: DataType, field: Field | null): Field {
  if (field && field.name === name) return field;
  if (field) return new Field(name, type, field.nullable, field.metadata);
  return new Field(name, type, true);
}

/** `select`: exactly the given outputs, in order. */
export function planSelect(op: string, schema: Schema, items: readonly NamedExpr[]): Projection {
  const program = new Program(op, schema, items, 'values');
  const out = new Schema(
    program.outputs.map((o) => outputField(o.name, o.type, o.field)),
    schema.metadata,
  );
  return {
    schema: out,
    // Outputs have the batch's length and their fields' types by construction.
    apply: (batch) => recordBatch(out, structData(out, program.evaluate(batch), batch.numRows)),
  };
}

/** `withColumns`: the input's columns with replaced ones in place and new ones appended. */
export function planWithColumns(op: string, schema: Schema, items: readonly NamedExpr[]): Projection {
  const program = new Program(op, schema, items, 'values');
  const fields = schema.fields.slice();
  // For each output field: an input column index (>= 0) or -1 - the program output index.
  const source = fields.map((_, j) => j);
  program.outputs.forEach((o, k) => {
    const f = outputField(o.name, o.type, o.field);
    const at = fields.findIndex((g) => g.name === o.name);
    if (at >= 0) {
      fields[at] = f;
      source[at] = -1 - k;
    } else {
      fields.push(f);
      source.push(-1 - k);
    }
  });
  const out = new Schema(fields, schema.metadata);
  return {
    schema: out,
    apply: (batch) => {
      const computed = program.evaluate(batch);
      const inputs = batch.data.children as Data[];
      const children = new Array<Data>(source.length);
      for (let j = 0; j < source.length; j++) {
        const s = source[j];
        children[j] = s >= 0 ? inputs[s] : computed[-1 - s];
      }
      return recordBatch(out, structData(out, children, batch.numRows));
    },
  };
}

/** `filter`: keeps the rows where the predicate is true. */
export function planFilter(op: string, schema: Schema, predicate: ExprNode): { apply(batch: RecordBatch): RecordBatch } {
  const program = new Program(op, schema, [{ name: 'predicate', node: predicate }], 'filter');
  return {
    apply: (batch) => {
      const n = batch.numRows;
      if (n === 0) return batch;
      const { sel, m } = program.selection(batch);
      return selectRows(batch, sel, m);
    },
  };
}
