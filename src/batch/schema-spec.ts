/**
 * Type shorthands for test batches (`'timestamp[ms]'`, `'dictionary'`, …) and the
 * resolution of a schema spec to Arrow fields.
 *
 * **Dictionary ids.** Apache Arrow gives every `new Dictionary(...)` a fresh id, and its
 * schema comparison (`util.compareSchemas`, the `Table` constructor, IPC writers) checks
 * ids. The `'dictionary'` shorthand therefore resolves through a module-level cache keyed
 * by **(column name, index type, value type)**, each entry a `Dictionary` with a fixed id
 * taken from a reserved range (from {@link DICTIONARY_ID_BASE}, far above the ids Arrow
 * hands out itself). So:
 * - two `batch()` calls with the same shorthand schema give identical schemas (same
 *   dictionary ids), which `new Table([a, b])`, IPC writers and `compareSchemas` accept;
 * - two dictionary columns of one batch get different ids (a shared id would make Arrow
 *   treat them as one dictionary: `RecordBatch.dictionaries` throws and IPC output is wrong).
 * A `Dictionary` object passed by the caller is used as is, with its own id.
 */
import {
  type DataType,
  Bool,
  DateDay,
  DateMillisecond,
  Dictionary,
  Field,
  Float32,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  Schema,
  Timestamp,
  TimeUnit,
  Uint8,
  Uint16,
  Uint32,
  Uint64,
  Utf8,
  isArrowField,
} from 'apache-arrow';
import { InvalidOptionError } from '../errors';

/** Integer type names usable in shorthands. */
export type IntName = 'int8' | 'int16' | 'int32' | 'int64' | 'uint8' | 'uint16' | 'uint32' | 'uint64';

/** Timestamp unit names usable in shorthands. */
export type TimestampUnitName = 's' | 'ms' | 'us' | 'ns';

/**
 * A column type written as a string:
 * `'timestamp[s|ms|us|ns]'`, `'timestamp[ns, UTC]'` (any zone after the comma),
 * `'date[day]'`, `'date[ms]'`, `'int8'` … `'int64'`, `'uint8'` … `'uint64'`,
 * `'float32'`, `'float64'`, `'bool'`, `'utf8'`, `'dictionary'` (= `Dictionary<Int32, Utf8>`)
 * and `'dictionary[int8]'` … (`Dictionary<IntN, Utf8>` with another index type).
 */
export type TypeShorthand =
  | `timestamp[${TimestampUnitName}]`
  | `timestamp[${TimestampUnitName}, ${string}]`
  | 'date[day]'
  | 'date[ms]'
  | IntName
  | 'float32'
  | 'float64'
  | 'bool'
  | 'utf8'
  | 'dictionary'
  | `dictionary[${IntName}]`;

/** A column type: a shorthand string, an Arrow `DataType`, or an Arrow `Field` (its type and nullability). */
export type TypeSpec = TypeShorthand | DataType | Field;

/** A schema: a full Arrow `Schema`, or a type per column name (columns left out are inferred). */
export type SchemaSpec = Schema | Readonly<Record<string, TypeSpec>>;

/** The first dictionary id of the range reserved for the `'dictionary'` shorthand. */
export const DICTIONARY_ID_BASE = 1_000_000_000;

const dictionaryCache = new Map<string, Dictionary>();

/**
 * The cached `Dictionary` type for a column (same object, same id, for the same column name,
 * index type and value type). See the module comment.
 */
export function dictionaryTypeFor(column: string, indices: DataType = new Int32(), values: DataType = new Utf8()): Dictionary {
  const key = `${column}\u0000${String(indices)}\u0000${String(values)}`;
  let type = dictionaryCache.get(key);
  if (!type) {
    type = new Dictionary(values, indices as Int32, DICTIONARY_ID_BASE + dictionaryCache.size);
    dictionaryCache.set(key, type);
  }
  return type;
}

const UNITS: Record<TimestampUnitName, TimeUnit> = {
  s: TimeUnit.SECOND,
  ms: TimeUnit.MILLISECOND,
  us: TimeUnit.MICROSECOND,
  ns: TimeUnit.NANOSECOND,
};

function intType(name: string): DataType | undefined {
  switch (name) {
    case 'int8': return new Int8();
    case 'int16': return new Int16();
    case 'int32': return new Int32();
    case 'int64': return new Int64();
    case 'uint8': return new Uint8();
    case 'uint16': return new Uint16();
    case 'uint32': return new Uint32();
    case 'uint64': return new Uint64();
    default: return undefined;
  }
}

const SHORTHANDS =
  "'timestamp[s|ms|us|ns]', 'timestamp[<unit>, <zone>]', 'date[day]', 'date[ms]', 'int8'…'int64', " +
  "'uint8'…'uint64', 'float32', 'float64', 'bool', 'utf8', 'dictionary', 'dictionary[<int type>]'";

/**
 * The Arrow type of a shorthand string. `column` names the column (dictionary types are
 * cached per column name). Throws `InvalidOptionError` on an unknown shorthand.
 */
export function parseShorthand(spec: string, column: string): DataType {
  const s = spec.trim();
  const int = intType(s);
  if (int) return int;
  switch (s) {
    case 'float32': return new Float32();
    case 'float64': return new Float64();
    case 'bool': return new Bool();
    case 'utf8': return new Utf8();
    case 'date[day]': return new DateDay();
    case 'date[ms]': return new DateMillisecond();
    case 'dictionary': return dictionaryTypeFor(column);
  }
  const ts = /^timestamp\[\s*(s|ms|us|ns)\s*(?:,\s*([^\]]*?)\s*)?\]$/.exec(s);
  if (ts) {
    const zone = ts[2] === undefined || ts[2] === '' ? null : ts[2];
    return new Timestamp(UNITS[ts[1] as TimestampUnitName], zone);
  }
  const dict = /^dictionary\[\s*([a-z0-9]+)\s*\]$/.exec(s);
  if (dict && intType(dict[1])) return dictionaryTypeFor(column, intType(dict[1])!);
  throw new InvalidOptionError('schema', `unknown type '${spec}' for column '${column}'`, {
    column,
    expected: `an Arrow DataType or one of ${SHORTHANDS}`,
    actual: `'${spec}'`,
  });
}

/** A `Field` for a column from a type spec. Shorthands and bare `DataType`s give nullable fields. */
export function fieldFor(name: string, spec: TypeSpec): Field {
  if (isArrowField(spec)) return spec.name === name ? spec : new Field(name, spec.type, spec.nullable, spec.metadata);
  if (typeof spec === 'string') return new Field(name, parseShorthand(spec, name), true);
  return new Field(name, spec, true);
}
