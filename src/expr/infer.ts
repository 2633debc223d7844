/**
 * Type inference for expressions against a schema: resolves columns to input slots, checks
 * operand types (raising `MissingColumnError`, `ColumnTypeError` or `ExpressionError` with
 * the operator's name) and annotates every node with its value type. Runs once per schema.
 */
import { type DataType, type Field, type Schema, TimeUnit } from 'apache-arrow';
import { ColumnTypeError, ExpressionError, MissingColumnError, type WeirError } from '../errors';
import {
  type ArithOp,
  type CmpOp,
  type ExprNode,
  type FnCallback,
  type FnOptions,
  type LitValue,
  type LogicOp,
  nodeText,
} from './expr';
import {
  BOOL,
  F64,
  I32,
  NULL,
  type TimeType,
  UTF8,
  type ValueType,
  fitsInt,
  isNumeric,
  numericSupertype,
  smallestIntFor,
  timeSupertype,
  timestampType,
  typeName,
  valueTypeOf,
} from './types';

/** An input of the generated loop: a column of the batch or the result of an `fn`. */
export interface Slot {
  readonly id: number;
  readonly kind: 'col' | 'fn';
  /** Column index in the schema (`col`), or -1. */
  readonly column: number;
  readonly name: string;
  readonly type: DataType;
  readonly vt: ValueType;
  readonly field?: Field;
  readonly f?: FnCallback;
  readonly options?: FnOptions;
  /** For `fn`: the schema indices of the columns passed to the callback. */
  readonly fnInputs?: readonly number[];
}

/** An untyped literal that adapts to what it meets. */
export type Dyn = 'int' | 'float' | 'time' | null;

/** A typed node. `t` is the value type of the result. */
export type TNode =
  | { readonly k: 'slot'; readonly t: ValueType; readonly slot: Slot }
  | { readonly k: 'lit'; readonly t: ValueType; readonly dyn: Dyn; readonly value: LitValue }
  | { readonly k: 'arith'; readonly op: ArithOp; readonly t: ValueType; readonly st: ValueType; readonly l: TNode; readonly r: TNode }
  | { readonly k: 'neg' | 'abs'; readonly t: ValueType; readonly a: TNode }
  | { readonly k: 'cmp'; readonly op: CmpOp; readonly t: ValueType; readonly st: ValueType; readonly l: TNode; readonly r: TNode }
  | { readonly k: 'logic'; readonly op: LogicOp; readonly t: ValueType; readonly l: TNode; readonly r: TNode }
  | { readonly k: 'not'; readonly t: ValueType; readonly a: TNode }
  | { readonly k: 'isnull'; readonly negate: boolean; readonly t: ValueType; readonly a: TNode }
  | { readonly k: 'fill'; readonly t: ValueType; readonly a: TNode; readonly b: TNode }
  | { readonly k: 'cast'; readonly t: ValueType; readonly a: TNode }
  | { readonly k: 'when'; readonly t: ValueType; readonly conds: readonly TNode[]; readonly thens: readonly TNode[]; readonly other: TNode };

const NS_PER_MS = 1_000_000n;

/** A literal's instant in epoch ns (`Date` or `bigint`), else undefined. */
export function literalNs(v: LitValue): bigint | undefined {
  if (v instanceof Date) return BigInt(v.getTime()) * NS_PER_MS;
  if (typeof v === 'bigint') return v;
  return undefined;
}

/** Floor division of bigints. */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return q * b !== a && a < 0n !== b < 0n ? q - 1n : q;
}

function literalType(v: LitValue): { t: ValueType; dyn: Dyn } {
  if (v === null) return { t: NULL, dyn: null };
  if (typeof v === 'boolean') return { t: BOOL, dyn: null };
  if (typeof v === 'string') return { t: UTF8, dyn: null };
  if (v instanceof Date) return { t: timestampType(TimeUnit.NANOSECOND, null), dyn: 'time' };
  if (typeof v === 'bigint') {
    const t = smallestIntFor(v);
    return { t: t.k === 'int' && t.bits < 32 ? I32 : t, dyn: 'int' };
  }
  if (Number.isInteger(v)) {
    const b = BigInt(v);
    const t = smallestIntFor(b);
    return { t: t.k === 'int' && t.bits < 32 ? I32 : t, dyn: 'int' };
  }
  return { t: F64, dyn: 'float' };
}

const isDyn = (n: TNode): n is Extract<TNode, { k: 'lit' }> => n.k === 'lit' && n.dyn !== null;

/** Resolves and type-checks expressions against one schema. */
export class Inferer {
  readonly slots: Slot[] = [];
  private readonly byColumn = new Map<number, Slot>();
  private readonly byFn = new Map<ExprNode, Slot>();
  /** The output being compiled, for error messages. */
  private output = '';
  private root: ExprNode | null = null;

  constructor(
    private readonly op: string,
    private readonly schema: Schema,
  ) {}

  /** Types one output expression (`name` is its output column, for messages). */
  infer(node: ExprNode, name: string): TNode {
    this.output = name;
    this.root = node;
    return this.visit(node);
  }

  // ---- errors -------------------------------------------------------------------------

  private prefixed<E extends WeirError>(e: E): E {
    (e as { message: string }).message = `${this.op}: ${e.message}`;
    return e;
  }

  missing(name: string): MissingColumnError {
    return this.prefixed(new MissingColumnError({ column: name }, this.schema.fields.map((f) => f.name)));
  }

  /** A type error about an operand: names the column when the operand is one. */
  typeErrorFor(what: string, operand: TNode, expected: string): WeirError {
    return this.typeError(what, operand, expected);
  }

  private typeError(what: string, operand: TNode, expected: string, partner?: TNode): WeirError {
    const actual = typeName(operand.t);
    if (operand.k === 'slot') {
      return new ColumnTypeError(`${this.op}: ${what}`, { column: operand.slot.name, expected, actual: String(operand.slot.type) });
    }
    if (partner && partner.k === 'slot') {
      // A literal or expression that does not suit the column it meets: name that column.
      return new ColumnTypeError(`${this.op}: ${what}`, { column: partner.slot.name, expected, actual });
    }
    return this.exprError(what, expected, actual);
  }

  private exprError(what: string, expected?: string, actual?: string): ExpressionError {
    const where = this.root ? ` in ${nodeText(this.root)}` : '';
    return new ExpressionError(`${this.op}: ${what}${where}`, {
      column: this.output,
      ...(expected !== undefined ? { expected } : {}),
      ...(actual !== undefined ? { actual } : {}),
    });
  }

  // ---- slots --------------------------------------------------------------------------

  private columnIndex(name: string): number {
    const i = this.schema.fields.findIndex((f) => f.name === name);
    if (i < 0) throw this.missing(name);
    return i;
  }

  private columnSlot(name: string): Slot {
    const index = this.columnIndex(name);
    let s = this.byColumn.get(index);
    if (!s) {
      const field = this.schema.fields[index];
      s = { id: this.slots.length, kind: 'col', column: index, name, type: field.type, vt: valueTypeOf(field.type), field };
      this.slots.push(s);
      this.byColumn.set(index, s);
    }
    return s;
  }

  private fnSlot(node: Extract<ExprNode, { kind: 'fn' }>): Slot {
    let s = this.byFn.get(node);
    if (!s) {
      const inputs = node.options.inputs?.map((n) => this.columnIndex(n));
      s = {
        id: this.slots.length,
        kind: 'fn',
        column: -1,
        name: node.options.name ?? node.options.inputs?.[0] ?? 'fn',
        type: node.options.type,
        vt: valueTypeOf(node.options.type),
        f: node.f,
        options: node.options,
        ...(inputs ? { fnInputs: inputs } : {}),
      };
      this.slots.push(s);
      this.byFn.set(node, s);
    }
    return s;
  }

  // ---- types --------------------------------------------------------------------------

  /** Adapts an untyped literal to a typed side. */
  private adapt(d: Extract<TNode, { k: 'lit' }>, st: ValueType, what: string, partner: TNode | null): ValueType {
    const v = d.value;
    if (d.dyn === 'int') {
      if (st.k === 'int') {
        const b = BigInt(v as number | bigint);
        return fitsInt(b, st) ? st : numericSupertype(st, smallestIntFor(b));
      }
      if (st.k === 'float') return st;
      if (st.k === 'time' && typeof v === 'bigint') return this.adaptInstant(v, st);
      throw this.literalError(`${what}: cannot combine ${typeName(st)} with the number ${String(v)}`, d, st, partner);
    }
    if (d.dyn === 'float') {
      if (st.k === 'int') return F64;
      if (st.k === 'float') return st;
      throw this.literalError(`${what}: cannot combine ${typeName(st)} with the number ${String(v)}`, d, st, partner);
    }
    // time
    if (st.k === 'time') return this.adaptInstant(literalNs(v)!, st);
    throw this.literalError(`${what}: cannot combine ${typeName(st)} with an instant`, d, st, partner);
  }

  private literalError(what: string, d: TNode, st: ValueType, partner: TNode | null): WeirError {
    return this.typeError(what, d, `a value that combines with ${typeName(st)}`, partner ?? undefined);
  }

  private adaptInstant(ns: bigint, st: TimeType): ValueType {
    if (ns % st.ns === 0n) return st;
    return timestampType(TimeUnit.NANOSECOND, st.tz);
  }

  /** The supertype of two typed (non-literal, non-null) operands, or an error. */
  private super2(a: ValueType, b: ValueType, what: string, nb: TNode, first: TNode): ValueType {
    if (isNumeric(a) && isNumeric(b)) return numericSupertype(a, b);
    if (a.k === 'bool' && b.k === 'bool') return BOOL;
    if (a.k === 'str' && b.k === 'str') return { k: 'str', dict: a.dict && b.dict };
    if (a.k === 'time' && b.k === 'time') {
      const t = timeSupertype(a, b);
      if (!t) throw this.typeError(`${what}: time zones differ`, nb, typeName(a), first);
      return t;
    }
    throw this.typeError(`${what}: cannot combine ${typeName(a)} and ${typeName(b)}`, nb, typeName(a), first);
  }

  /** The common type of several operands (literals adapt; nulls take any type). */
  private unify(nodes: readonly TNode[], what: string): ValueType {
    let st: ValueType | null = null;
    let first: TNode | null = null;
    for (const n of nodes) {
      if (isDyn(n) || n.t.k === 'null') continue;
      if (n.t.k === 'other') throw this.typeError(`${what}: unsupported column type`, n, 'a number, Bool, string or time');
      st = st && first ? this.super2(st, n.t, what, n, first) : n.t;
      first ??= n;
    }
    const dyns = nodes.filter(isDyn);
    if (st === null) {
      if (!dyns.length) return NULL;
      let t = dyns[0].t;
      for (const d of dyns.slice(1)) {
        if (d.dyn === 'time' || dyns[0].dyn === 'time') {
          if (d.dyn !== dyns[0].dyn) throw this.exprError(`${what}: cannot combine a number and an instant`);
          continue;
        }
        t = numericSupertype(t, d.t);
      }
      return t;
    }
    for (const d of dyns) st = this.adapt(d, st, what, first);
    return st;
  }

  // ---- visit --------------------------------------------------------------------------

  private visit(n: ExprNode): TNode {
    switch (n.kind) {
      case 'col': {
        const slot = this.columnSlot(n.name);
        return { k: 'slot', t: slot.vt, slot };
      }
      case 'fn': {
        const slot = this.fnSlot(n);
        return { k: 'slot', t: slot.vt, slot };
      }
      case 'lit': {
        const { t, dyn } = literalType(n.value);
        return { k: 'lit', t, dyn, value: n.value };
      }
      case 'alias':
        return this.visit(n.arg);
      case 'arith':
        return this.arith(n.op, this.visit(n.left), this.visit(n.right));
      case 'unary':
        return this.unary(n.op, this.visit(n.arg));
      case 'cmp':
        return this.cmp(n.op, this.visit(n.left), this.visit(n.right));
      case 'logic': {
        const l = this.bool(this.visit(n.left), n.op);
        const r = this.bool(this.visit(n.right), n.op);
        return { k: 'logic', op: n.op, t: BOOL, l, r };
      }
      case 'fillNull': {
        const a = this.visit(n.arg);
        const b = this.visit(n.fill);
        this.valueOperand(a, 'fillNull');
        this.valueOperand(b, 'fillNull');
        return { k: 'fill', t: this.unify([a, b], 'fillNull'), a, b };
      }
      case 'cast':
        return this.cast(this.visit(n.arg), n.to);
      case 'when': {
        const conds = n.branches.map((b) => this.bool(this.visit(b.cond), 'when'));
        const thens = n.branches.map((b) => this.valueOperand(this.visit(b.then), 'then'));
        const other = this.valueOperand(this.visit(n.otherwise), 'otherwise');
        return { k: 'when', t: this.unify([...thens, other], 'when/then/otherwise'), conds, thens, other };
      }
    }
  }

  private valueOperand(n: TNode, what: string): TNode {
    if (n.t.k === 'other') throw this.typeError(`${what}: unsupported column type`, n, 'a number, Bool, string or time');
    return n;
  }

  private bool(n: TNode, what: string): TNode {
    if (n.t.k === 'bool' || n.t.k === 'null') return n;
    throw this.typeError(`'${what}' needs Bool operands`, n, 'Bool');
  }

  private numeric(n: TNode, what: string): TNode {
    if (isNumeric(n.t) || n.t.k === 'null') return n;
    throw this.typeError(`'${what}' needs numeric operands`, n, 'a numeric type (Int8…Int64, UInt8…UInt64, Float32, Float64)');
  }

  private arith(op: ArithOp, l: TNode, r: TNode): TNode {
    this.numeric(l, op);
    this.numeric(r, op);
    const st = this.unify([l, r], op);
    // two nulls (nothing typed to adapt to): a null, as polars types it, taking the type of what it meets later
    if (st.k === 'null') return { k: 'lit', t: NULL, dyn: null, value: null };
    const t = op === 'div' ? (st.k === 'float' ? st : F64) : st;
    return { k: 'arith', op, t, st, l, r };
  }

  private unary(op: 'neg' | 'abs' | 'not' | 'isNull' | 'isNotNull', a: TNode): TNode {
    switch (op) {
      case 'isNull':
      case 'isNotNull':
        return { k: 'isnull', negate: op === 'isNotNull', t: BOOL, a };
      case 'not':
        return { k: 'not', t: BOOL, a: this.bool(a, 'not') };
      default: {
        this.numeric(a, op);
        let t = a.t;
        if (t.k === 'null') t = I32;
        if (op === 'neg' && t.k === 'int' && !t.signed) {
          throw this.typeError(`'neg' needs a signed type`, a, 'a signed integer or float');
        }
        return { k: op, t, a };
      }
    }
  }

  private cmp(op: CmpOp, l: TNode, r: TNode): TNode {
    const what = op;
    for (const n of [l, r]) {
      if (n.t.k === 'other') throw this.typeError(`'${what}': unsupported column type`, n, 'a number, Bool, string or time');
    }
    if (l.t.k === 'null' || r.t.k === 'null') return { k: 'cmp', op, t: BOOL, st: NULL, l, r };
    if (l.t.k === 'str' || r.t.k === 'str') {
      const other = l.t.k === 'str' ? r : l;
      if (other.t.k !== 'str') {
        throw this.typeError(`'${what}': cannot compare a string with ${typeName(other.t)}`, other, 'a string', other === l ? r : l);
      }
      for (const n of [l, r]) {
        if (n.k !== 'slot' && n.k !== 'lit') {
          throw this.exprError(`'${what}': string comparisons take a column or a literal on each side`, 'a column or a literal', nodeText(this.root!));
        }
      }
      return { k: 'cmp', op, t: BOOL, st: UTF8, l, r };
    }
    if (l.t.k === 'time' || r.t.k === 'time') {
      const timeSide = l.t.k === 'time' && !isDyn(l) ? l : r;
      const other = timeSide === l ? r : l;
      const instantLit = other.k === 'lit' && (other.value instanceof Date || typeof other.value === 'bigint');
      if (other.t.k !== 'time' && !instantLit) {
        throw this.typeError(
          `'${what}': compare a time column with another time column, lit(Date) or a bigint of epoch nanoseconds`,
          other,
          `a time column, lit(Date) or a bigint of epoch ns (to compare with ${typeName(timeSide.t)})`,
          timeSide,
        );
      }
      if (other.k === 'lit' && instantLit && timeSide.t.k === 'time' && !isDyn(timeSide)) {
        return { k: 'cmp', op, t: BOOL, st: timeSide.t, l, r };
      }
      return { k: 'cmp', op, t: BOOL, st: this.unify([l, r], what), l, r };
    }
    if (l.t.k === 'bool' || r.t.k === 'bool') {
      const other = l.t.k === 'bool' ? r : l;
      if (other.t.k !== 'bool') throw this.typeError(`'${what}': cannot compare Bool with ${typeName(other.t)}`, other, 'Bool', other === l ? r : l);
      return { k: 'cmp', op, t: BOOL, st: BOOL, l, r };
    }
    return { k: 'cmp', op, t: BOOL, st: this.unify([l, r], what), l, r };
  }

  private cast(a: TNode, to: DataType): TNode {
    const target = valueTypeOf(to);
    const from = a.t;
    const bad = (): never => {
      throw this.typeError(`cannot cast ${typeName(from)} to ${String(to)}`, a, 'a supported cast');
    };
    if (from.k === 'other') bad();
    switch (target.k) {
      case 'int':
      case 'float':
        if (from.k === 'str') bad();
        break;
      case 'bool':
        if (from.k === 'str' || from.k === 'time') bad();
        break;
      case 'time':
        if (from.k !== 'time' && from.k !== 'int' && from.k !== 'null') bad();
        break;
      case 'str':
        if (from.k !== 'str' && from.k !== 'null') bad();
        if (target.dict && from.k === 'str' && !from.dict) bad();
        break;
      default:
        bad();
    }
    return { k: 'cast', t: target, a };
  }
}

