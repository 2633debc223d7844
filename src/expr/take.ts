/**
 * Row selection for `filter`: a new batch holding the rows `sel[0..m)` of a batch, copied
 * into new buffers for every column type (fixed width, Bool, Utf8/Binary and their Large
 * forms, Dictionary (keys gathered, dictionary kept), List/Map, FixedSizeList, Struct).
 * Unions and view types raise `ColumnTypeError`.
 *
 * (weir's filter keeps its own gather here so that it does not depend on a general `take`.)
 */
import { type Data, type DataType, type RecordBatch, Type, makeData } from 'apache-arrow';
import { ColumnTypeError } from '../errors';
import { makeBatch } from '../batch/build';
import {
  takeBits,
  takeFixed,
  takeFixedListRanges,
  takeLargeVarBinary,
  takeListRanges,
  takeVarBinary,
} from '../kernels/exprTake';

type Props = Parameters<typeof makeData>[0];

function make(props: Record<string, unknown>): Data {
  return makeData(props as unknown as Props) as unknown as Data;
}

function validityOf(data: Data, sel: Int32Array, m: number): { nullBitmap?: Uint8Array; nullCount: number } {
  if (data.nullCount === 0 || !data.nullBitmap || data.nullBitmap.length === 0) return { nullCount: 0 };
  const { bits, set } = takeBits(data.nullBitmap, data.offset, sel, m);
  return set === m ? { nullCount: 0 } : { nullBitmap: bits, nullCount: m - set };
}

/** The rows `sel[0..m)` of a column, in new buffers. */
export function takeData(data: Data, sel: Int32Array, m: number, column?: string): Data {
  const type = data.type as DataType;
  const base = { type, length: m, ...validityOf(data, sel, m) };
  switch (type.typeId) {
    case Type.Null:
      return make({ type, length: m });
    case Type.Bool: {
      const { bits } = takeBits(data.values as Uint8Array, data.offset, sel, m);
      return make({ ...base, data: bits });
    }
    case Type.Int:
    case Type.Float:
    case Type.Decimal:
    case Type.Date:
    case Type.Time:
    case Type.Timestamp:
    case Type.Interval:
    case Type.Duration:
    case Type.FixedSizeBinary:
      return make({ ...base, data: takeFixed(data.values, data.stride, sel, m) });
    case Type.Dictionary:
      return make({ ...base, data: takeFixed(data.values, 1, sel, m), dictionary: data.dictionary });
    case Type.Utf8:
    case Type.Binary: {
      const r = takeVarBinary(data.valueOffsets as Int32Array, data.values as Uint8Array, sel, m);
      return make({ ...base, valueOffsets: r.offsets, data: r.bytes });
    }
    case Type.LargeUtf8:
    case Type.LargeBinary: {
      const r = takeLargeVarBinary(data.valueOffsets as unknown as BigInt64Array, data.values as Uint8Array, sel, m);
      return make({ ...base, valueOffsets: r.offsets, data: r.bytes });
    }
    case Type.List:
    case Type.Map: {
      const r = takeListRanges(data.valueOffsets as Int32Array, sel, m);
      const child = takeData(data.children[0], r.childSel, r.childSel.length, column);
      return make({ ...base, valueOffsets: r.offsets, child });
    }
    case Type.FixedSizeList: {
      const size = (type as unknown as { listSize: number }).listSize;
      const childSel = takeFixedListRanges(size, sel, m);
      return make({ ...base, child: takeData(data.children[0], childSel, childSel.length, column) });
    }
    case Type.Struct:
      return make({ ...base, children: data.children.map((c) => takeData(c, sel, m, column)) });
    default:
      throw new ColumnTypeError('filter cannot select rows of this column type', {
        ...(column !== undefined ? { column } : {}),
        expected: 'a fixed-width, Bool, string, binary, dictionary, list or struct column',
        actual: String(type),
      });
  }
}

/** A batch of the rows `sel[0..m)` of `batch` (same schema object). */
export function takeBatch(batch: RecordBatch, sel: Int32Array, m: number): RecordBatch {
  const fields = batch.schema.fields;
  const children = batch.data.children.map((c, j) => takeData(c as Data, sel, m, fields[j].name));
  return makeBatch(batch.schema, children, m);
}
