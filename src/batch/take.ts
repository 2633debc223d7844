/**
 * Gathering rows of record batches and columns by index.
 */
import { Data, type DataType, type RecordBatch, type Schema, Type, type Vector } from 'apache-arrow';
import { ColumnTypeError, InvalidOptionError } from '../errors';
import { bitmapBytes } from '../kernels/bitmap';
import {
  type FixedArray,
  type FixedArrayConstructor,
  type Indices,
  allocArray,
  firstOutOfRange,
  fixedListChildIndices,
  gatherBits,
  gatherFixed,
  gatherLargeVarBinary,
  gatherListRanges,
  gatherVarBinary,
  hasNegative,
  MULTI_GATHER_MAX,
  type MultiGather,
  multiGatherFor,
  validityOfIndices,
} from '../kernels/gather';
import { NO_DATA, recordBatch, structData } from './build';

export type { Indices } from '../kernels/gather';

/** The column types that `takeRows`, `takeData`, `filterRows` and `selectRows` support. */
export const SUPPORTED_GATHER_TYPES =
  'Null, Bool, Int (8-64 bit), Float, Decimal, Date, Time, Timestamp, Interval, Duration, FixedSizeBinary, ' +
  'Utf8, LargeUtf8, Binary, LargeBinary, Dictionary, and List, Map, FixedSizeList and Struct of these';

const EMPTY_BITMAP = new Uint8Array(0);

/**
 * A `Data` at offset 0 from its buffers (`new Data` directly: `makeData` would copy or
 * re-derive lengths). `nullBitmap` is an empty array when there are no nulls, as
 * `makeData` does.
 */
export function newData<T extends DataType>(
  type: T,
  length: number,
  nullCount: number,
  nullBitmap: Uint8Array | null,
  values?: unknown,
  valueOffsets?: Int32Array | BigInt64Array,
  children?: Data[],
  dictionary?: Vector,
): Data<T> {
  const buffers = [valueOffsets, values, nullCount > 0 && nullBitmap ? nullBitmap : EMPTY_BITMAP, undefined];
  return new Data(type, 0, length, nullCount > 0 ? nullCount : 0, buffers as never, children ?? NO_DATA, dictionary, NO_DATA as never);
}

/** Whether a type id stores one fixed-width value (times `stride` elements) per row in `values`. */
export function isFixedWidth(typeId: Type): boolean {
  switch (typeId) {
    case Type.Int:
    case Type.Float:
    case Type.Decimal:
    case Type.Date:
    case Type.Time:
    case Type.Timestamp:
    case Type.Interval:
    case Type.Duration:
    case Type.FixedSizeBinary:
    case Type.Dictionary:
      return true;
    default:
      return false;
  }
}

/** A fresh zero-filled typed array of the same kind as `like` (see `allocArray`). */
export function allocLike<T extends FixedArray>(like: T, length: number): T {
  return allocArray(like.constructor as FixedArrayConstructor<T>, length);
}

function unsupported(type: DataType, column: string | undefined): ColumnTypeError {
  return new ColumnTypeError('Unsupported column type for gathering rows', {
    ...(column !== undefined ? { column } : {}),
    expected: SUPPORTED_GATHER_TYPES,
    actual: String(type),
  });
}

/**
 * A fixed-width column's gathered `values` as a `Data`, with the gathered validity of
 * `data` (and of the negative indices); a Dictionary keeps its dictionary.
 */
function withValidity(data: Data, indices: Indices, n: number, negatives: boolean, values: FixedArray, ofIndices?: IndexValidity): Data {
  if (data.nullCount > 0) {
    const nullBitmap = allocArray(Uint8Array, bitmapBytes(n));
    const nullCount = n - gatherBits(data.nullBitmap, data.offset, indices, n, nullBitmap, negatives);
    return newData(data.type, n, nullCount, nullBitmap, values, undefined, undefined, data.dictionary);
  }
  if (negatives) {
    const v = ofIndices ?? validityOfIndices(indices, n);
    return newData(data.type, n, v.nulls, v.bitmap, values, undefined, undefined, data.dictionary);
  }
  return newData(data.type, n, 0, null, values, undefined, undefined, data.dictionary);
}

/** The validity of a gather with negative indices (bit `i` set when `indices[i] >= 0`), for columns without nulls. */
type IndexValidity = { bitmap: Uint8Array; nulls: number };

/**
 * The gather with the negative-index check already done (once per batch, not per column).
 * `ofIndices`: the validity of the indices, computed once for every column without nulls of
 * a batch (they share the bitmap, as Arrow arrays may share an immutable buffer).
 */
function gatherData(data: Data, indices: Indices, n: number, negatives: boolean, column?: string, ofIndices?: IndexValidity): Data {
  const type = data.type;
  if (type.typeId === Type.Null) return newData(type, n, n, null);

  const typeId = type.typeId as Type;
  if (isFixedWidth(typeId)) {
    const values = data.values as FixedArray;
    const stride = data.stride;
    const out = gatherFixed(values, stride, indices, n, allocLike(values, n * stride), negatives);
    return withValidity(data, indices, n, negatives, out, ofIndices);
  }

  // Validity.
  let nullBitmap: Uint8Array | null = null;
  let nullCount = 0;
  if (data.nullCount > 0) {
    nullBitmap = allocArray(Uint8Array, bitmapBytes(n));
    nullCount = n - gatherBits(data.nullBitmap, data.offset, indices, n, nullBitmap, negatives);
  } else if (negatives) {
    const v = ofIndices ?? validityOfIndices(indices, n);
    nullBitmap = v.bitmap;
    nullCount = v.nulls;
  }
  switch (typeId) {
    case Type.Bool: {
      const out = allocArray(Uint8Array, bitmapBytes(n));
      gatherBits(data.values as Uint8Array, data.offset, indices, n, out, negatives);
      return newData(type, n, nullCount, nullBitmap, out);
    }
    case Type.Utf8:
    case Type.Binary: {
      const { offsets, bytes } = gatherVarBinary(data.valueOffsets as Int32Array, data.values as Uint8Array, indices, n);
      return newData(type, n, nullCount, nullBitmap, bytes, offsets);
    }
    case Type.LargeUtf8:
    case Type.LargeBinary: {
      const { offsets, bytes } = gatherLargeVarBinary(
        data.valueOffsets as unknown as BigInt64Array,
        data.values as Uint8Array,
        indices,
        n,
      );
      return newData(type, n, nullCount, nullBitmap, bytes, offsets);
    }
    case Type.List:
    case Type.Map: {
      // Offsets are re-based to the slice; the child is not sliced (it carries its own offset).
      const r = gatherListRanges(data.valueOffsets as Int32Array, indices, n);
      const child = gatherData(data.children[0], r.childIndices, r.childIndices.length, false, column);
      return newData(type, n, nullCount, nullBitmap, undefined, r.offsets, [child]);
    }
    case Type.FixedSizeList: {
      // Data.slice slices the child by `listSize * offset`: row i's items are child rows
      // `listSize * i + c`.
      const size = data.stride;
      const childIndices = fixedListChildIndices(size, indices, n);
      const child = gatherData(data.children[0], childIndices, childIndices.length, negatives, column);
      return newData(type, n, nullCount, nullBitmap, undefined, undefined, [child]);
    }
    case Type.Struct: {
      const children = data.children.map((c) => gatherData(c, indices, n, negatives, column));
      return newData(type, n, nullCount, nullBitmap, undefined, undefined, children);
    }
    default:
      throw unsupported(type, column);
  }
}

/**
 * The rows `indices[0..length)` of one column, as new contiguous buffers of the same type
 * (a Dictionary column keeps its dictionary and gathers only its keys; a List or Map
 * gathers its child's rows of the selected lists; a FixedSizeList its `listSize` child rows
 * per row; a Struct each child). A negative index (possible in an `Int32Array`) gives a
 * null row (an empty list for List and Map; null items for FixedSizeList). Indices are not
 * range-checked here: use `takeRows` for that.
 *
 * @example
 * takeData(vectorFromArray(['a', 'b', 'c']).data[0], Int32Array.of(2, -1, 0)) // ['c', null, 'a']
 */
export function takeData<T extends DataType>(data: Data<T>, indices: Indices, length: number = indices.length): Data<T> {
  return gatherData(data, indices, length, hasNegative(indices, length)) as Data<T>;
}

/**
 * The rows `indices[0..length)` of a batch (gathered, in that order, repeats allowed), with
 * the same schema. Every column is copied into new contiguous buffers; nulls are kept. A
 * negative index in an `Int32Array` gives a row of nulls in every column (the schema is
 * not changed: a caller that uses this declares its fields nullable itself).
 *
 * Dispatches on type once per column. Throws `InvalidOptionError` (option `indices`) for an
 * index `>= batch.numRows`, and `ColumnTypeError` naming the column for an unsupported type
 * (LargeList, Union, view types, Run-end encoded).
 *
 * @example
 * takeRows(batch, Int32Array.of(3, 0, 0)) // rows 3, 0 and 0 of batch
 */
export function takeRows(batch: RecordBatch, indices: Indices, length: number = indices.length): RecordBatch {
  if (length > indices.length || length < 0) {
    throw new InvalidOptionError('length', `expected at most ${indices.length} (the number of indices), got ${length}`);
  }
  const rows = batch.numRows;
  const bad = firstOutOfRange(indices, length, rows);
  if (bad >= 0) {
    throw new InvalidOptionError('indices', `index ${indices[bad]} at position ${bad} is out of range for a batch of ${rows} rows`);
  }
  return gatherBatch(batch, indices, length, hasNegative(indices, length));
}

/**
 * How `gatherBatch` gathers the columns of one schema, built from its first batch: the
 * stride-1 fixed-width columns (numbers, times, dictionary keys) in groups of up to
 * `MULTI_GATHER_MAX`, each group by one generated loop (reading the indices once for the
 * group, with element accesses specialised to the group's classes: shared by every schema
 * with the same classes); the other columns one by one.
 */
interface BatchGatherPlan {
  readonly groups: readonly GatherGroup[];
  readonly rest: readonly number[];
}

export interface GatherGroup {
  readonly columns: readonly number[];
  /** Each column's values class (checked per batch; a mismatch takes the general path). */
  readonly classes: readonly FixedArrayConstructor[];
  readonly gather: MultiGather;
}

const BATCH_GATHER_PLANS = new WeakMap<Schema, BatchGatherPlan>();

/**
 * The stride-1 fixed-width columns at positions `fused` of `columns` in groups of up to
 * `MULTI_GATHER_MAX`, each with the shared generated loop for its columns' classes
 * (`multiGatherFor`).
 */
export function gatherGroups(fused: readonly number[], columns: readonly Data[]): GatherGroup[] {
  const groups: GatherGroup[] = [];
  for (let at = 0; at < fused.length; at += MULTI_GATHER_MAX) {
    const cols = fused.slice(at, at + MULTI_GATHER_MAX);
    const classes = cols.map((j) => columns[j].values.constructor as FixedArrayConstructor);
    groups.push({ columns: cols, classes, gather: multiGatherFor(classes) });
  }
  return groups;
}

function batchGatherPlan(schema: Schema, columns: readonly Data[]): BatchGatherPlan {
  let plan = BATCH_GATHER_PLANS.get(schema);
  if (plan !== undefined) return plan;
  const fused: number[] = [];
  const rest: number[] = [];
  columns.forEach((d, j) => {
    if (isFixedWidth(d.type.typeId) && d.stride === 1 && ArrayBuffer.isView(d.values)) fused.push(j);
    else rest.push(j);
  });
  plan = { groups: gatherGroups(fused, columns), rest };
  BATCH_GATHER_PLANS.set(schema, plan);
  return plan;
}

/** `takeRows` without the index checks (the caller made the indices). */
export function gatherBatch(batch: RecordBatch, indices: Indices, n: number, negatives: boolean): RecordBatch {
  const schema = batch.schema;
  const fields = schema.fields;
  const columns = batch.data.children;
  const out = new Array<Data>(columns.length);
  if (negatives || columns.length === 0) {
    // one validity bitmap of the indices for every column without nulls
    let ofIndices: IndexValidity | undefined;
    for (let j = 0; j < columns.length; j++) {
      const d = columns[j];
      if (negatives && d.nullCount === 0 && d.type.typeId !== Type.Null) ofIndices ??= validityOfIndices(indices, n);
      out[j] = gatherData(d, indices, n, negatives, fields[j].name, ofIndices);
    }
  } else {
    const plan = batchGatherPlan(schema, columns);
    for (const group of plan.groups) gatherGroup(group, columns, indices, n, out, fields);
    for (const j of plan.rest) out[j] = gatherData(columns[j], indices, n, false, fields[j].name);
  }
  // Every gathered column has n rows and its input's type: no checks needed.
  return recordBatch(schema, structData(schema, out, n));
}

function gatherGroup(
  group: GatherGroup,
  columns: readonly Data[],
  indices: Indices,
  n: number,
  out: Data[],
  fields: readonly { name: string }[],
): void {
  const cols = group.columns;
  const classes = group.classes;
  const k = cols.length;
  for (let c = 0; c < k; c++) {
    if (columns[cols[c]].values.constructor !== classes[c]) {
      for (const j of cols) out[j] = gatherData(columns[j], indices, n, false, fields[j].name);
      return;
    }
  }
  const values = new Array<FixedArray>(k);
  const outs = new Array<FixedArray>(k);
  for (let c = 0; c < k; c++) {
    values[c] = columns[cols[c]].values as FixedArray;
    outs[c] = allocArray(classes[c], n);
  }
  group.gather(values, indices, n, outs);
  for (let c = 0; c < k; c++) {
    const j = cols[c];
    out[j] = withValidity(columns[j], indices, n, false, outs[c]);
  }
}
