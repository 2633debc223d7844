/**
 * Building record batches from typed arrays without row objects.
 */
import {
  type Data,
  type DataType,
  type Field,
  RecordBatch,
  Schema,
  Struct,
  makeData,
} from 'apache-arrow';
import { ColumnTypeError } from '../errors';

/**
 * A `RecordBatch` from a schema and one `Data` per field. Checks that every child has the
 * batch's length and its field's type id (the `RecordBatch` constructor would otherwise pad
 * a short child with nulls and silently change the schema).
 */
export function makeBatch(schema: Schema, children: readonly Data[], length?: number): RecordBatch {
  const n = length ?? (children.length ? children[0].length : 0);
  if (children.length !== schema.fields.length) {
    throw new ColumnTypeError('Wrong number of columns for the schema', {
      expected: `${schema.fields.length} columns`,
      actual: `${children.length}`,
    });
  }
  for (let j = 0; j < children.length; j++) {
    const c = children[j];
    const f = schema.fields[j];
    if (c.length !== n) {
      throw new ColumnTypeError('Column length differs from the batch length', {
        column: f.name,
        expected: `${n} rows`,
        actual: `${c.length}`,
      });
    }
    if (c.type.typeId !== f.type.typeId) {
      throw new ColumnTypeError('Column type differs from its field', {
        column: f.name,
        expected: String(f.type),
        actual: String(c.type),
      });
    }
  }
  const data = makeData({ type: new Struct(schema.fields as Field[]), length: n, nullCount: 0, children: children as Data[] });
  return new RecordBatch(schema, data);
}

/**
 * The `Data` of a fixed-width column from a typed array (no copy) and an optional validity
 * bitmap (bit set = valid). Always passes `length` to `makeData`.
 */
export function fixedData<T extends DataType>(
  type: T,
  values: ArrayLike<unknown> & { length: number },
  nullBitmap?: Uint8Array | null,
  length: number = values.length,
  nullCount?: number,
): Data<T> {
  const props: Record<string, unknown> = { type, data: values, length };
  if (nullBitmap && nullBitmap.length > 0) {
    props.nullBitmap = nullBitmap;
    props.nullCount = nullCount ?? countNulls(nullBitmap, 0, length);
  } else {
    props.nullCount = 0;
  }
  return makeData(props as unknown as Parameters<typeof makeData>[0]) as unknown as Data<T>;
}

/** The number of unset bits in `bitmap` over bits `[offset, offset + length)`. */
export function countNulls(bitmap: Uint8Array, offset: number, length: number): number {
  let valid = 0;
  for (let i = 0; i < length; i++) {
    const p = offset + i;
    valid += (bitmap[p >> 3] >> (p & 7)) & 1;
  }
  return length - valid;
}

/** A schema with the same fields plus, replacing any field of the same name, `extra`. */
export function schemaWith(schema: Schema, extra: readonly Field[]): Schema {
  const fields = schema.fields.slice();
  for (const f of extra) {
    const i = fields.findIndex((g) => g.name === f.name);
    if (i >= 0) fields[i] = f;
    else fields.push(f);
  }
  return new Schema(fields, schema.metadata);
}
