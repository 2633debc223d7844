/**
 * JavaScript generation for typed expression trees: one fused loop over the rows of a batch
 * that reads the inputs' typed arrays and validity bitmaps and writes preallocated outputs.
 *
 * The generated function has the signature
 * `(n, V, O, B, D, X, R, RB, H) => number[]`:
 * - `V[j]`, `O[j]`, `B[j]`: values (keys for a dictionary, offsets for Utf8), bit offset
 *   (`data.offset`, for validity and Bool values) and validity bitmap of input slot `j`;
 *   `D[j]`: per-dictionary-entry validity (1/0) for a dictionary holding nulls;
 * - `X[k]`: per-batch auxiliary values (comparison tables, string bytes, dictionary bases);
 * - `R[s]`, `RB[s]`: output values and validity of sink `s` (the selection for `filter`);
 * - `H`: string helper functions.
 * It returns the null count of each sink (the row count for a selection sink).
 *
 * One function is generated per "variant": which inputs hold nulls. Inputs without nulls
 * get no validity reads at all (their validity is the constant `true`, folded away).
 */
import {
  type TNode,
  type Slot,
  floorDiv,
  literalNs,
} from './infer';
import type { LitValue } from './expr';
import { type TimeType, type ValueType, intRange, isBig, sameType } from './types';

/** A value and its validity, as JavaScript expressions. */
interface R {
  readonly v: string;
  readonly ok: string;
}

/** How one string-valued output encodes its rows (see `program.ts`). */
export interface StringSinkLayout {
  readonly mode: 'dict' | 'utf8';
  /** utf8 mode: the number of sources and each leaf's source id. */
  readonly sources: number;
  readonly slotSource: ReadonlyMap<number, number>;
  readonly litSource: ReadonlyMap<string, number>;
  /** dict mode: aux names holding each dictionary slot's base and each literal's index. */
  readonly slotBase: ReadonlyMap<number, string>;
  readonly litIndex: ReadonlyMap<string, string>;
}

/** An output of the loop. */
export type SinkSpec =
  | { readonly kind: 'value'; readonly node: TNode; readonly vt: ValueType }
  | { readonly kind: 'string'; readonly node: TNode; readonly layout: StringSinkLayout }
  | { readonly kind: 'select'; readonly node: TNode };

/** Access to per-batch auxiliary values: returns the JS name bound to `X[k]`. */
export interface AuxRegistry {
  /** A per-slot Utf8 bytes buffer. */
  bytes(slot: Slot): string;
  /** A dictionary slot's (offsets, bytes) of its decoded dictionary. */
  dictOffsets(slot: Slot): string;
  dictBytes(slot: Slot): string;
  /** A per-dictionary comparison table for `slot OP literal`. */
  dictTable(slot: Slot, op: number, lit: string): string;
  /** A constant Uint8Array of a literal's UTF-8 bytes. */
  literalBytes(lit: string): string;
}

const CMP_CODE = { eq: 0, neq: 1, lt: 2, lte: 3, gt: 4, gte: 5 } as const;
const CMP_SYM = { eq: '===', neq: '!==', lt: '<', lte: '<=', gt: '>', gte: '>=' } as const;
const FLIP = { eq: 'eq', neq: 'neq', lt: 'gt', lte: 'gte', gt: 'lt', gte: 'lte' } as const;
type Cmp = keyof typeof CMP_CODE;

function numText(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '(-Infinity)';
  if (Object.is(x, -0)) return '(-0)';
  return x < 0 ? `(${x})` : String(x);
}

const bigText = (x: bigint): string => (x < 0n ? `(${x}n)` : `${x}n`);

/** A JS constant of type `vt` standing for "no value". */
export function placeholder(vt: ValueType): string {
  if (isBig(vt)) return '0n';
  if (vt.k === 'bool') return 'false';
  return '0';
}

const and = (a: string, b: string): string =>
  a === 'true' ? b : b === 'true' ? a : a === 'false' || b === 'false' ? 'false' : `(${a} && ${b})`;
const or = (a: string, b: string): string =>
  a === 'false' ? b : b === 'false' ? a : a === 'true' || b === 'true' ? 'true' : `(${a} || ${b})`;
const not = (a: string): string => (a === 'true' ? 'false' : a === 'false' ? 'true' : `!${a}`);

/** Wraps an integer result to its type's width (polars' wrapping arithmetic), rounds Float32. */
function wrap(vt: ValueType, e: string): string {
  if (vt.k === 'float') return vt.bits === 32 ? `Math.fround(${e})` : e;
  if (vt.k !== 'int') return e;
  switch (vt.bits) {
    case 64:
      return `BigInt.as${vt.signed ? 'Int' : 'Uint'}N(64, ${e})`;
    case 32:
      return vt.signed ? `((${e}) | 0)` : `((${e}) >>> 0)`;
    case 16:
      return vt.signed ? `(((${e}) << 16) >> 16)` : `((${e}) & 65535)`;
    default:
      return vt.signed ? `(((${e}) << 24) >> 24)` : `((${e}) & 255)`;
  }
}

/** Generates the body of one variant. */
export class Generator {
  private readonly lines: string[][] = [[]];
  private temps = 0;
  /** Slots whose value / validity are read in the loop. */
  readonly usedValue = new Set<number>();
  readonly usedValid = new Set<number>();

  constructor(
    /** Per slot: 0 no nulls, 1 nulls in the bitmap; +2 when a dictionary holds null entries. */
    private readonly flags: readonly number[],
    private readonly aux: AuxRegistry,
  ) {}

  // ---- plumbing ----------------------------------------------------------------------

  private emit(line: string): void {
    this.lines[this.lines.length - 1].push(line);
  }

  private tmp(): string {
    return `t${this.temps++}`;
  }

  /** Binds an expression to a temp unless it is already an identifier or a constant. */
  private atom(e: string): string {
    if (/^[A-Za-z_$][\w$]*$/.test(e) || /^\(?-?[\d.]+n?\)?$/.test(e) || e === 'true' || e === 'false' || e === 'NaN' || e === 'Infinity') {
      return e;
    }
    const t = this.tmp();
    this.emit(`const ${t} = ${e};`);
    return t;
  }

  /** Generates `f` into a nested block and returns its lines. */
  private block<T>(f: () => T): { lines: string[]; result: T } {
    this.lines.push([]);
    const result = f();
    const lines = this.lines.pop()!;
    return { lines, result };
  }

  private emitBlock(lines: readonly string[]): void {
    for (const l of lines) this.emit(`  ${l}`);
  }

  /** The loop body generated so far. */
  body(): string[] {
    return this.lines[0];
  }

  // ---- inputs ------------------------------------------------------------------------

  private value(slot: Slot): string {
    this.usedValue.add(slot.id);
    return `c${slot.id}`;
  }

  private valid(slot: Slot): string {
    if (slot.vt.k === 'null') return 'false';
    if (this.flags[slot.id] === 0) return 'true';
    this.usedValid.add(slot.id);
    if (this.flags[slot.id] & 2) this.usedValue.add(slot.id);
    return `q${slot.id}`;
  }

  /** The per-row loads at the top of the loop body. */
  loads(slots: readonly Slot[]): string[] {
    const out: string[] = [];
    for (const s of slots) {
      const j = s.id;
      if (this.usedValue.has(j)) {
        if (s.vt.k === 'bool') out.push(`const c${j} = ((v${j}[(o${j} + i) >> 3] >> ((o${j} + i) & 7)) & 1) === 1;`);
        else if (!(s.vt.k === 'str' && !s.vt.dict)) out.push(`const c${j} = v${j}[i];`);
      }
      if (this.usedValid.has(j)) {
        const f = this.flags[j];
        const bit = `((b${j}[(o${j} + i) >> 3] >> ((o${j} + i) & 7)) & 1) === 1`;
        const dict = `d${j}[c${j}] === 1`;
        out.push(`const q${j} = ${f & 1 ? (f & 2 ? `${bit} && ${dict}` : bit) : dict};`);
      }
    }
    return out;
  }

  // ---- constants and conversions ------------------------------------------------------

  /** A literal as a constant of type `t`. */
  constant(value: LitValue, t: ValueType): string {
    if (value === null) return placeholder(t);
    switch (t.k) {
      case 'int': {
        const b = typeof value === 'bigint' ? value : BigInt(value as number);
        return t.bits === 64 ? bigText(b) : numText(Number(b));
      }
      case 'float': {
        const x = typeof value === 'bigint' ? Number(value) : (value as number);
        return numText(t.bits === 32 ? Math.fround(x) : x);
      }
      case 'bool':
        return value ? 'true' : 'false';
      case 'time': {
        const q = floorDiv(literalNs(value)!, t.ns);
        return t.arrow === 'date32' ? numText(Number(q)) : bigText(q);
      }
      default:
        return placeholder(t);
    }
  }

  /** Converts a value of `from` to the (wider) type `to` (promotion, not casting). */
  private convert(e: string, from: ValueType, to: ValueType): string {
    if (from.k === 'null') return placeholder(to);
    if (sameType(from, to)) return e;
    if (to.k === 'int') {
      if (to.bits === 64) return isBig(from) ? e : `BigInt(${e})`;
      return isBig(from) ? `Number(${e})` : e;
    }
    if (to.k === 'float') {
      const x = isBig(from) ? `Number(${e})` : e;
      return to.bits === 32 && !(from.k === 'float' && from.bits === 32) ? `Math.fround(${x})` : x;
    }
    if (to.k === 'time' && from.k === 'time') {
      if (from.ns === to.ns) return e;
      const f = from.ns / to.ns;
      if (to.arrow === 'date32') return e;
      const x = from.arrow === 'date32' ? `BigInt(${e})` : e;
      return `(${x} * ${f}n)`;
    }
    return e;
  }

  /** Generates `n` as a value of type `t`. */
  as(n: TNode, t: ValueType): R {
    if (n.k === 'lit') return { v: this.constant(n.value, t), ok: n.value === null ? 'false' : 'true' };
    const r = this.gen(n);
    return { v: this.atom(this.convert(r.v, n.t, t)), ok: r.ok };
  }

  // ---- nodes ---------------------------------------------------------------------------

  /** Generates a non-string node. */
  gen(n: TNode): R {
    switch (n.k) {
      case 'slot':
        return { v: n.slot.vt.k === 'null' ? placeholder(n.t) : this.value(n.slot), ok: this.valid(n.slot) };
      case 'lit':
        return this.as(n, n.t);
      case 'arith':
        return this.arith(n);
      case 'neg':
      case 'abs':
        return this.negAbs(n);
      case 'cmp':
        return this.cmp(n);
      case 'logic':
        return this.logic(n);
      case 'not': {
        const a = this.gen(n.a);
        return { v: this.atom(`!${a.v}`), ok: a.ok };
      }
      case 'isnull': {
        const ok = n.a.k === 'lit' ? (n.a.value === null ? 'false' : 'true') : this.validOf(n.a);
        return { v: n.negate ? ok : not(ok), ok: 'true' };
      }
      case 'fill': {
        const a = this.as(n.a, n.t);
        if (a.ok === 'true') return a;
        const b = this.as(n.b, n.t);
        if (a.ok === 'false') return b;
        return { v: this.atom(`${a.ok} ? ${a.v} : ${b.v}`), ok: or(a.ok, b.ok) };
      }
      case 'cast':
        return this.cast(n);
      case 'when':
        return this.when(n, (x) => this.as(x, n.t), n.t);
    }
  }

  /** The validity of a node of any type (strings included). */
  private validOf(n: TNode): string {
    if (n.k === 'slot') return this.valid(n.slot);
    if (n.t.k === 'str') return this.genString(n, null).ok;
    return this.gen(n).ok;
  }

  private arith(n: Extract<TNode, { k: 'arith' }>): R {
    const target = n.op === 'div' ? n.t : n.st;
    const a = this.as(n.l, target);
    const b = this.as(n.r, target);
    let ok = and(a.ok, b.ok);
    const st = n.st;
    let v: string;
    switch (n.op) {
      case 'add':
        v = wrap(st, `${a.v} + ${b.v}`);
        break;
      case 'sub':
        v = wrap(st, `${a.v} - ${b.v}`);
        break;
      case 'mul':
        if (st.k === 'int' && st.bits === 32) v = st.signed ? `Math.imul(${a.v}, ${b.v})` : `(Math.imul(${a.v}, ${b.v}) >>> 0)`;
        else v = wrap(st, `${a.v} * ${b.v}`);
        break;
      case 'div':
        v = wrap(n.t, `${a.v} / ${b.v}`);
        break;
      case 'mod': {
        if (st.k === 'float') {
          v = wrap(st, `${a.v} - ${b.v} * Math.floor(${a.v} / ${b.v})`);
          break;
        }
        const big = isBig(st);
        const zero = big ? '0n' : '0';
        const t = this.tmp();
        const signed = st.k === 'int' && st.signed;
        // A non-zero literal divisor needs no zero check and a known sign.
        const lit = n.r.k === 'lit' && n.r.value !== null ? BigInt(n.r.value as number | bigint) : null;
        const rem = `${a.v} % ${b.v}${big ? '' : ' + 0'}`;
        // Floored modulo: the remainder takes the divisor's sign. By zero: null.
        this.emit(`let ${t} = ${lit !== null && lit !== 0n ? rem : `${b.v} === ${zero} ? ${zero} : ${rem}`};`);
        if (signed) {
          const sign = lit === null ? `(${b.v} < ${zero})` : lit < 0n ? 'true' : 'false';
          this.emit(`if (${t} !== ${zero} && (${t} < ${zero}) !== ${sign}) ${t} += ${b.v};`);
        }
        if (lit === null || lit === 0n) ok = and(ok, lit === 0n ? 'false' : `${b.v} !== ${zero}`);
        return { v: t, ok: ok === 'true' || ok === 'false' ? ok : this.atom(ok) };
      }
    }
    return { v: this.atom(v), ok };
  }

  private negAbs(n: Extract<TNode, { k: 'neg' | 'abs' }>): R {
    const a = this.as(n.a, n.t);
    const t = n.t;
    if (n.k === 'neg') return { v: this.atom(wrap(t, `-${a.v}`)), ok: a.ok };
    if (t.k === 'float') return { v: this.atom(`Math.abs(${a.v})`), ok: a.ok };
    if (t.k === 'int' && !t.signed) return a;
    if (isBig(t)) return { v: this.atom(`${a.v} < 0n ? BigInt.asIntN(64, -${a.v}) : ${a.v}`), ok: a.ok };
    return { v: this.atom(wrap(t, `Math.abs(${a.v})`)), ok: a.ok };
  }

  private logic(n: Extract<TNode, { k: 'logic' }>): R {
    const a = this.as(n.l, n.t);
    const b = this.as(n.r, n.t);
    if (a.ok === 'true' && b.ok === 'true') return { v: this.atom(`${a.v} ${n.op === 'and' ? '&&' : '||'} ${b.v}`), ok: 'true' };
    const both = and(a.ok, b.ok);
    if (n.op === 'and') {
      // Kleene: a false side decides; otherwise a null side makes null.
      const v = this.atom(both === 'false' ? 'false' : `${both} ? ${a.v} && ${b.v} : false`);
      const ok = this.atom(or(or(both, and(a.ok, not(a.v))), and(b.ok, not(b.v))));
      return { v, ok };
    }
    const v = this.atom(both === 'false' ? 'true' : `${both} ? ${a.v} || ${b.v} : true`);
    const ok = this.atom(or(or(both, and(a.ok, a.v)), and(b.ok, b.v)));
    return { v, ok };
  }

  private cmp(n: Extract<TNode, { k: 'cmp' }>): R {
    const st = n.st;
    if (st.k === 'null') return { v: 'false', ok: 'false' };
    if (st.k === 'str') return this.cmpString(n);
    let op: Cmp = n.op;
    let l = n.l;
    let r = n.r;
    if (st.k === 'time') {
      // A time column against an instant literal: compare in the column's unit.
      if (l.k === 'lit' && r.k !== 'lit') {
        [l, r] = [r, l];
        op = FLIP[op];
      }
      if (r.k === 'lit' && l.k !== 'lit' && sameType(l.t, st)) return this.cmpInstant(op, l, r.value, st);
    }
    const a = this.as(l, st);
    const b = this.as(r, st);
    const ok = and(a.ok, b.ok);
    let v: string;
    if (st.k === 'float') {
      // polars' total order: NaN == NaN, NaN greater than everything else.
      const x = a.v;
      const y = b.v;
      switch (op) {
        case 'eq':
          v = `(${x} === ${y} || (${x} !== ${x} && ${y} !== ${y}))`;
          break;
        case 'neq':
          v = `!(${x} === ${y} || (${x} !== ${x} && ${y} !== ${y}))`;
          break;
        case 'lt':
          v = `(${y} !== ${y} ? ${x} === ${x} : ${x} < ${y})`;
          break;
        case 'lte':
          v = `(${y} !== ${y} || ${x} <= ${y})`;
          break;
        case 'gt':
          v = `(${x} !== ${x} ? ${y} === ${y} : ${y} < ${x})`;
          break;
        default:
          v = `(${x} !== ${x} || ${y} <= ${x})`;
      }
    } else if (st.k === 'bool') {
      v = op === 'eq' || op === 'neq' ? `${a.v} ${CMP_SYM[op]} ${b.v}` : `+${a.v} ${CMP_SYM[op]} +${b.v}`;
    } else {
      v = `${a.v} ${CMP_SYM[op]} ${b.v}`;
    }
    return { v: this.atom(v), ok };
  }

  /** `col OP instant` where the instant may fall between two ticks of the column's unit. */
  private cmpInstant(op: Cmp, col: TNode, value: LitValue, t: TimeType): R {
    const a = this.as(col, t);
    const ns = literalNs(value)!;
    const q = floorDiv(ns, t.ns);
    const qc = t.arrow === 'date32' ? numText(Number(q)) : bigText(q);
    if (q * t.ns === ns) return { v: this.atom(`${a.v} ${CMP_SYM[op]} ${qc}`), ok: a.ok };
    // The instant lies strictly between q and q + 1 ticks.
    switch (op) {
      case 'eq':
        return { v: 'false', ok: a.ok };
      case 'neq':
        return { v: 'true', ok: a.ok };
      case 'lt':
      case 'lte':
        return { v: this.atom(`${a.v} <= ${qc}`), ok: a.ok };
      default:
        return { v: this.atom(`${a.v} > ${qc}`), ok: a.ok };
    }
  }

  private cmpString(n: Extract<TNode, { k: 'cmp' }>): R {
    let op: Cmp = n.op;
    let l = n.l;
    let r = n.r;
    if (l.k === 'lit' && r.k === 'lit') {
      if (l.value === null || r.value === null) return { v: 'false', ok: 'false' };
      const x = l.value as string;
      const y = r.value as string;
      const enc = new TextEncoder();
      const a = enc.encode(x);
      const b = enc.encode(y);
      let s = 0;
      for (let k = 0; k < Math.min(a.length, b.length) && s === 0; k++) s = a[k] < b[k] ? -1 : a[k] > b[k] ? 1 : 0;
      if (s === 0) s = a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
      const res = { eq: s === 0, neq: s !== 0, lt: s < 0, lte: s <= 0, gt: s > 0, gte: s >= 0 }[op];
      return { v: res ? 'true' : 'false', ok: 'true' };
    }
    if (l.k === 'lit') {
      [l, r] = [r, l];
      op = FLIP[op];
    }
    const ls = (l as Extract<TNode, { k: 'slot' }>).slot;
    const lok = this.valid(ls);
    if (r.k === 'lit') {
      if (r.value === null) return { v: 'false', ok: 'false' };
      const lit = r.value as string;
      if (ls.vt.k === 'str' && ls.vt.dict) {
        const table = this.aux.dictTable(ls, CMP_CODE[op], lit);
        return { v: this.atom(`${table}[${this.value(ls)}] === 1`), ok: lok };
      }
      const bytes = this.aux.bytes(ls);
      const lb = this.aux.literalBytes(lit);
      const range = `${bytes}, v${ls.id}[i], v${ls.id}[i + 1], ${lb}`;
      if (op === 'eq' || op === 'neq') return { v: this.atom(`${op === 'neq' ? '!' : ''}hEqLit(${range})`), ok: lok };
      return { v: this.atom(`hCmpLit(${range}) ${CMP_SYM[op]} 0`), ok: lok };
    }
    const rs = (r as Extract<TNode, { k: 'slot' }>).slot;
    const rok = this.valid(rs);
    const side = (s: Slot): string => {
      if (s.vt.k === 'str' && s.vt.dict) {
        const c = this.value(s);
        const o = this.aux.dictOffsets(s);
        return `${this.aux.dictBytes(s)}, ${o}[${c}], ${o}[${c} + 1]`;
      }
      return `${this.aux.bytes(s)}, v${s.id}[i], v${s.id}[i + 1]`;
    };
    const args = `${side(ls)}, ${side(rs)}`;
    if (op === 'eq' || op === 'neq') return { v: this.atom(`${op === 'neq' ? '!' : ''}hEq(${args})`), ok: and(lok, rok) };
    return { v: this.atom(`hCmp(${args}) ${CMP_SYM[op]} 0`), ok: and(lok, rok) };
  }

  private cast(n: Extract<TNode, { k: 'cast' }>): R {
    const from = n.a.t;
    const to = n.t;
    if (from.k === 'null') return { v: placeholder(to), ok: 'false' };
    const a = this.as(n.a, from);
    if (sameType(from, to)) return a;
    const v = a.v;
    const big = isBig(from);
    // Treat time values as their raw integers.
    const raw: ValueType =
      from.k === 'time' ? (from.arrow === 'date32' ? { k: 'int', bits: 32, signed: true } : { k: 'int', bits: 64, signed: true }) : from;
    switch (to.k) {
      case 'int': {
        const [lo, hi] = intRange(to.bits, to.signed);
        const out64 = to.bits === 64;
        if (raw.k === 'bool') return { v: this.atom(out64 ? `${v} ? 1n : 0n` : `${v} ? 1 : 0`), ok: a.ok };
        if (raw.k === 'float') {
          const t = this.atom(`Math.trunc(${v})`);
          const cond = out64
            ? `${t} >= ${numText(Number(lo))} && ${t} < ${numText(Number(hi) + 1)}`
            : `${t} >= ${lo} && ${t} <= ${hi}`;
          const okc = this.atom(and(a.ok, `(${cond})`));
          return { v: this.atom(`${okc} ? ${out64 ? `BigInt(${t})` : `${t} + 0`} : ${out64 ? '0n' : '0'}`), ok: okc };
        }
        if (raw.k !== 'int') break;
        const [flo, fhi] = intRange(raw.bits, raw.signed);
        const fits = flo >= lo && fhi <= hi;
        const cond = fits ? 'true' : big ? `(${v} >= ${bigText(lo)} && ${v} <= ${bigText(hi)})` : `(${v} >= ${lo} && ${v} <= ${hi})`;
        const okc = cond === 'true' ? a.ok : this.atom(and(a.ok, cond));
        if (out64) return { v: big ? v : this.atom(`BigInt(${v})`), ok: okc };
        return { v: big ? this.atom(`${okc} ? Number(${v}) : 0`) : v, ok: okc };
      }
      case 'float': {
        const x = raw.k === 'bool' ? `(${v} ? 1 : 0)` : big ? `Number(${v})` : v;
        return { v: this.atom(to.bits === 32 ? `Math.fround(${x})` : x), ok: a.ok };
      }
      case 'bool':
        return { v: this.atom(big ? `${v} !== 0n` : `${v} !== 0`), ok: a.ok };
      case 'time': {
        if (from.k === 'time') {
          if (from.ns >= to.ns) {
            // Finer (or equal) unit: multiply.
            const f = from.ns / to.ns;
            const x = from.arrow === 'date32' ? `BigInt(${v})` : v;
            if (to.arrow === 'date32') return { v, ok: a.ok };
            return { v: this.atom(f === 1n ? x : `${x} * ${f}n`), ok: a.ok };
          }
          // Coarser unit: floor division.
          const f = to.ns / from.ns;
          const x = from.arrow === 'date32' ? `BigInt(${v})` : v;
          const q = this.atom(`${x} >= 0n ? ${x} / ${f}n : -((-${x} - 1n) / ${f}n) - 1n`);
          if (to.arrow !== 'date32') return { v: q, ok: a.ok };
          const okc = this.atom(and(a.ok, `(${q} >= -2147483648n && ${q} <= 2147483647n)`));
          return { v: this.atom(`${okc} ? Number(${q}) : 0`), ok: okc };
        }
        if (raw.k !== 'int') break;
        if (to.arrow === 'date32') {
          const cond = big ? `(${v} >= -2147483648n && ${v} <= 2147483647n)` : raw.bits === 32 && !raw.signed ? `${v} <= 2147483647` : 'true';
          const okc = cond === 'true' ? a.ok : this.atom(and(a.ok, cond));
          return { v: big ? this.atom(`${okc} ? Number(${v}) : 0`) : v, ok: okc };
        }
        if (big) {
          if (!raw.signed) {
            const okc = this.atom(and(a.ok, `${v} <= 9223372036854775807n`));
            return { v, ok: okc };
          }
          return a;
        }
        return { v: this.atom(`BigInt(${v})`), ok: a.ok };
      }
      default:
        break;
    }
    return { v: placeholder(to), ok: 'false' };
  }

  /** `when/then/otherwise`, lazily evaluating only the branch that is taken. */
  private when(
    n: Extract<TNode, { k: 'when' }>,
    branch: (x: TNode) => R,
    t: ValueType | null,
  ): R {
    const v = this.tmp();
    const ok = this.tmp();
    this.emit(`let ${v} = ${t ? placeholder(t) : '0'}, ${ok} = false;`);
    let depth = 0;
    for (let b = 0; b < n.conds.length; b++) {
      const c = this.gen(n.conds[b]);
      const cond = and(c.ok, c.v);
      const then = this.block(() => branch(n.thens[b]));
      this.emit(`if (${cond}) {`);
      this.emitBlock(then.lines);
      this.emit(`  ${v} = ${then.result.v}; ${ok} = ${then.result.ok};`);
      this.emit(`} else {`);
      this.lines.push([]);
      depth++;
    }
    const other = branch(n.other);
    this.emit(`${v} = ${other.v}; ${ok} = ${other.ok};`);
    for (let d = 0; d < depth; d++) {
      const inner = this.lines.pop()!;
      this.emitBlock(inner);
      this.emit('}');
    }
    return { v, ok };
  }

  // ---- strings -----------------------------------------------------------------------

  /**
   * Generates a string-valued node as a handle (see {@link StringSinkLayout}); with a null
   * layout, only its validity is meaningful.
   */
  genString(n: TNode, layout: StringSinkLayout | null): R {
    switch (n.k) {
      case 'slot': {
        const s = n.slot;
        const ok = this.valid(s);
        if (!layout) return { v: '0', ok };
        if (layout.mode === 'dict') return { v: this.atom(`${layout.slotBase.get(s.id)!} + ${this.value(s)}`), ok };
        const src = layout.slotSource.get(s.id)!;
        const idx = s.vt.k === 'str' && s.vt.dict ? this.value(s) : 'i';
        return { v: this.atom(`${idx} * ${layout.sources} + ${src}`), ok };
      }
      case 'lit': {
        if (n.value === null) return { v: '0', ok: 'false' };
        if (!layout) return { v: '0', ok: 'true' };
        const lit = n.value as string;
        if (layout.mode === 'dict') return { v: layout.litIndex.get(lit)!, ok: 'true' };
        return { v: String(layout.litSource.get(lit)!), ok: 'true' };
      }
      case 'fill': {
        const a = this.genString(n.a, layout);
        if (a.ok === 'true') return a;
        const b = this.genString(n.b, layout);
        if (a.ok === 'false') return b;
        return { v: this.atom(`${a.ok} ? ${a.v} : ${b.v}`), ok: this.atom(or(a.ok, b.ok)) };
      }
      case 'cast':
        return this.genString(n.a, layout);
      case 'when':
        return this.when(n, (x) => this.genString(x, layout), null);
      default:
        return { v: '0', ok: 'false' };
    }
  }

  // ---- sinks -------------------------------------------------------------------------

  /** Generates sink `s`; returns whether it may produce nulls (needs a validity bitmap). */
  sink(s: number, spec: SinkSpec): boolean {
    const { lines, result } = this.block(() => {
      if (spec.kind === 'string') return this.genString(spec.node, spec.layout);
      if (spec.kind === 'select') return this.as(spec.node, { k: 'bool' });
      return this.as(spec.node, spec.vt);
    });
    this.emit('{');
    this.emitBlock(lines);
    const { v, ok } = result;
    const setValid = `rb${s}[i >> 3] |= 1 << (i & 7);`;
    if (spec.kind === 'select') {
      const keep = and(ok, v);
      // Branch-free: write the row, advance when kept (the selection holds n slots). A
      // data-dependent branch here mispredicts on mixed predicates and costs ~2x.
      if (keep === 'true') this.emit(`  r${s}[z${s}++] = i;`);
      else if (keep !== 'false') this.emit(`  r${s}[z${s}] = i; z${s} += (${keep}) | 0;`);
      this.emit('}');
      return false;
    }
    const isBool = spec.kind === 'value' && spec.vt.k === 'bool';
    const write = isBool ? `if (${v}) r${s}[i >> 3] |= 1 << (i & 7);` : `r${s}[i] = ${v};`;
    if (ok === 'true') this.emit(`  ${write}`);
    else if (ok === 'false') this.emit(`  z${s}++;`);
    else this.emit(`  if (${ok}) { ${write} ${setValid} } else z${s}++;`);
    this.emit('}');
    return ok !== 'true';
  }
}
