/**
 * The value types the expression compiler works with, their mapping from and to Arrow
 * types, and polars' numeric supertype rules.
 *
 * Only the types listed in {@link ValueType} take part in computation. Any other Arrow type
 * (List, Struct, Decimal, Float16, Binary, Time, Duration, views, unions, …) is `other`:
 * it can be passed through by `select`/`withColumns`, tested with `isNull`/`isNotNull` and
 * carried through `filter`, but not computed on.
 */
import {
  type DataType,
  Bool,
  DateDay,
  DateMillisecond,
  DateUnit,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  Null,
  Precision,
  Timestamp,
  TimeUnit,
  Type,
  Uint16,
  Uint32,
  Uint64,
  Uint8,
  Utf8,
} from 'apache-arrow';

/** Integer widths. */
export type IntBits = 8 | 16 | 32 | 64;

/** A time value: Date32 (days, `number`), Date64 (ms, `bigint`) or Timestamp (`bigint` in its unit). */
export interface TimeType {
  readonly k: 'time';
  readonly arrow: 'date32' | 'date64' | 'ts';
  /** Nanoseconds per stored unit. */
  readonly ns: bigint;
  /** The Timestamp unit (Date64 counts milliseconds, Date32 days). */
  readonly unit: TimeUnit | null;
  /** The Timestamp time zone, or null. */
  readonly tz: string | null;
}

/** A resolved value type. */
export type ValueType =
  | { readonly k: 'int'; readonly bits: IntBits; readonly signed: boolean }
  | { readonly k: 'float'; readonly bits: 32 | 64 }
  | { readonly k: 'bool' }
  | { readonly k: 'str'; readonly dict: boolean }
  | TimeType
  | { readonly k: 'null' }
  | { readonly k: 'other' };

export const BOOL: ValueType = { k: 'bool' };
export const NULL: ValueType = { k: 'null' };
export const OTHER: ValueType = { k: 'other' };
export const F64: ValueType = { k: 'float', bits: 64 };
export const F32: ValueType = { k: 'float', bits: 32 };
export const UTF8: ValueType = { k: 'str', dict: false };
export const int = (bits: IntBits, signed: boolean): ValueType => ({ k: 'int', bits, signed });
export const I32 = int(32, true);
export const I64 = int(64, true);

const NS_PER: Record<TimeUnit, bigint> = {
  [TimeUnit.SECOND]: 1_000_000_000n,
  [TimeUnit.MILLISECOND]: 1_000_000n,
  [TimeUnit.MICROSECOND]: 1_000n,
  [TimeUnit.NANOSECOND]: 1n,
};
export const NS_PER_DAY = 86_400_000_000_000n;

/** A Timestamp value type. */
export function timestampType(unit: TimeUnit, tz: string | null): TimeType {
  return { k: 'time', arrow: 'ts', ns: NS_PER[unit], unit, tz };
}

function unitForNs(ns: bigint): TimeUnit {
  for (const u of [TimeUnit.NANOSECOND, TimeUnit.MICROSECOND, TimeUnit.MILLISECOND, TimeUnit.SECOND]) {
    if (NS_PER[u] === ns) return u;
  }
  return TimeUnit.NANOSECOND;
}

/** The value type of an Arrow type. */
export function valueTypeOf(type: DataType): ValueType {
  const t = type as unknown as {
    typeId: Type;
    bitWidth: number;
    isSigned: boolean;
    precision: Precision;
    unit: number;
    timezone?: string | null;
    dictionary: DataType;
    indices: { bitWidth: number };
  };
  switch (t.typeId) {
    case Type.Null:
      return NULL;
    case Type.Int:
      return int(t.bitWidth as IntBits, t.isSigned);
    case Type.Float:
      if (t.precision === Precision.SINGLE) return F32;
      if (t.precision === Precision.DOUBLE) return F64;
      return OTHER;
    case Type.Bool:
      return BOOL;
    case Type.Utf8:
      return UTF8;
    case Type.Dictionary:
      return t.dictionary.typeId === Type.Utf8 && t.indices.bitWidth <= 32 ? { k: 'str', dict: true } : OTHER;
    case Type.Timestamp:
      return timestampType(t.unit as TimeUnit, t.timezone ?? null);
    case Type.Date:
      return t.unit === DateUnit.DAY
        ? { k: 'time', arrow: 'date32', ns: NS_PER_DAY, unit: null, tz: null }
        : { k: 'time', arrow: 'date64', ns: 1_000_000n, unit: null, tz: null };
    default:
      return OTHER;
  }
}

/** A fresh Arrow type for a computed value type (`str` gives Utf8; dictionaries are built by the caller). */
export function arrowTypeOf(vt: ValueType): DataType {
  switch (vt.k) {
    case 'int':
      switch (vt.bits) {
        case 8:
          return vt.signed ? new Int8() : new Uint8();
        case 16:
          return vt.signed ? new Int16() : new Uint16();
        case 32:
          return vt.signed ? new Int32() : new Uint32();
        default:
          return vt.signed ? new Int64() : new Uint64();
      }
    case 'float':
      return vt.bits === 32 ? new Float32() : new Float64();
    case 'bool':
      return new Bool();
    case 'str':
      return new Utf8();
    case 'time':
      if (vt.arrow === 'date32') return new DateDay();
      if (vt.arrow === 'date64') return new DateMillisecond();
      return new Timestamp(vt.unit ?? TimeUnit.NANOSECOND, vt.tz);
    default:
      return new Null();
  }
}

/** A short name for messages: `Int32`, `UInt8`, `Float64`, `Bool`, `Utf8`, `Timestamp[ms]`, … */
export function typeName(vt: ValueType): string {
  switch (vt.k) {
    case 'int':
      return `${vt.signed ? 'Int' : 'UInt'}${vt.bits}`;
    case 'float':
      return `Float${vt.bits}`;
    case 'bool':
      return 'Bool';
    case 'str':
      return vt.dict ? 'Dictionary<Utf8>' : 'Utf8';
    case 'time':
      if (vt.arrow === 'date32') return 'Date32';
      if (vt.arrow === 'date64') return 'Date64';
      return `Timestamp[${['s', 'ms', 'us', 'ns'][vt.unit ?? 3]}${vt.tz ? `, ${vt.tz}` : ''}]`;
    case 'null':
      return 'Null';
    default:
      return 'other';
  }
}

export const isNumeric = (vt: ValueType): boolean => vt.k === 'int' || vt.k === 'float';
/** Whether values of this type are held as `bigint` in generated code. */
export const isBig = (vt: ValueType): boolean =>
  (vt.k === 'int' && vt.bits === 64) || (vt.k === 'time' && vt.arrow !== 'date32');

export function sameType(a: ValueType, b: ValueType): boolean {
  if (a.k !== b.k) return false;
  switch (a.k) {
    case 'int':
      return a.bits === (b as typeof a).bits && a.signed === (b as typeof a).signed;
    case 'float':
      return a.bits === (b as typeof a).bits;
    case 'str':
      return a.dict === (b as typeof a).dict;
    case 'time':
      return a.arrow === (b as TimeType).arrow && a.ns === (b as TimeType).ns && a.tz === (b as TimeType).tz;
    default:
      return true;
  }
}

/**
 * polars' numeric supertype (`get_supertype`): same kind → the wider; signed with
 * unsigned → a signed type wide enough for both (Int64 with UInt64 → Float64); an
 * integer of at most 16 bits with Float32 → Float32, any wider integer with a float →
 * Float64.
 */
export function numericSupertype(a: ValueType, b: ValueType): ValueType {
  if (a.k === 'float' && b.k === 'float') return a.bits >= b.bits ? a : b;
  if (a.k === 'float' || b.k === 'float') {
    const f = (a.k === 'float' ? a : b) as { bits: 32 | 64 };
    const i = (a.k === 'int' ? a : b) as { bits: IntBits };
    return f.bits === 32 && i.bits <= 16 ? F32 : F64;
  }
  const x = a as { bits: IntBits; signed: boolean };
  const y = b as { bits: IntBits; signed: boolean };
  if (x.signed === y.signed) return int(Math.max(x.bits, y.bits) as IntBits, x.signed);
  const s = x.signed ? x : y;
  const u = x.signed ? y : x;
  if (u.bits < s.bits) return int(s.bits, true);
  if (u.bits === 64) return F64;
  return int((u.bits * 2) as IntBits, true);
}

/** The supertype of two time types: the finer unit; Date with Timestamp gives Timestamp. */
export function timeSupertype(a: TimeType, b: TimeType): TimeType | undefined {
  if (a.arrow === 'ts' && b.arrow === 'ts' && a.tz !== b.tz) return undefined;
  const ns = a.ns < b.ns ? a.ns : b.ns;
  if (a.arrow === 'ts' || b.arrow === 'ts') {
    return timestampType(unitForNs(ns), a.arrow === 'ts' ? a.tz : b.tz);
  }
  return a.arrow === 'date64' ? a : b;
}

/** Inclusive range of an integer type, as bigints. */
export function intRange(bits: IntBits, signed: boolean): [bigint, bigint] {
  const w = BigInt(bits);
  return signed ? [-(1n << (w - 1n)), (1n << (w - 1n)) - 1n] : [0n, (1n << w) - 1n];
}

/** The smallest signed integer type holding `v` (UInt64 above Int64), or Float64 beyond. */
export function smallestIntFor(v: bigint): ValueType {
  for (const bits of [8, 16, 32, 64] as const) {
    const [lo, hi] = intRange(bits, true);
    if (v >= lo && v <= hi) return int(bits, true);
  }
  const [lo, hi] = intRange(64, false);
  return v >= lo && v <= hi ? int(64, false) : F64;
}

export function fitsInt(v: bigint, vt: { bits: IntBits; signed: boolean }): boolean {
  const [lo, hi] = intRange(vt.bits, vt.signed);
  return v >= lo && v <= hi;
}
