/**
 * A compiled set of expressions for one input schema: the typed trees, the string-output
 * layouts, and the generated loops (one per null-pattern variant, built on first use). Per
 * batch it reads the input columns, builds the per-batch auxiliary values (dictionary
 * comparison tables, combined dictionaries), runs the loop once, and wraps the outputs in
 * `Data` with explicit lengths.
 */
import {
  type Data,
  type DataType,
  type Field,
  type RecordBatch,
  type Schema,
  type Vector,
  Dictionary,
  Int32,
  Null,
  Type,
  Utf8,
  makeVector,
} from 'apache-arrow';
import { ExpressionError } from '../errors';
import { fixedData } from '../batch/build';
import { newData } from '../batch/take';
import { type FixedArray, type FixedArrayConstructor, allocArray } from '../kernels/gather';
import { compileLoop } from '../kernels/compile';
import {
  compareBytes,
  compareToLiteral,
  concatUtf8,
  dictionaryCompareTable,
  equalBytes,
  equalsLiteral,
  gatherUtf8,
  indexOfString,
  validityTable,
} from '../kernels/exprStrings';
import type { ExprNode } from './expr';
import { type AuxRegistry, Generator, type SinkSpec, type StringSinkLayout } from './codegen';
import { Inferer, type Slot, type TNode } from './infer';
import { arrowTypeOf, sameType, typeName, valueTypeOf } from './types';

const HELPERS = { compareBytes, equalBytes, compareToLiteral, equalsLiteral };

// How the loop reads a slot: only its validity (types not computed on), nothing (Null), its
// `values` and validity, its `valueOffsets` and validity (Utf8), or its keys, validity and
// dictionary's entry validity (dictionary strings).
const READ_VALIDITY = 0;
const READ_NULL = 1;
const READ_VALUES = 2;
const READ_OFFSETS = 3;
const READ_DICT = 4;
/** Null-pattern keys are base-4 numbers up to this many slots, strings beyond. */
const MAX_NUMERIC_KEY_SLOTS = 24;
const EMPTY_OFFSETS = new Int32Array(1);
const EMPTY_BITS = new Uint8Array(0);
const NO_AUX: unknown[] = [];
const encoder = new TextEncoder();

// Generated loops shared by every Program (every operator instance, every run of a chain):
// keyed by the loop's source and the typed-array classes it reads and writes, so one loop
// keeps one set of type feedback (monomorphic) and, once V8 has optimized it, a chain built
// again (a new subscription, the next backtest) runs optimized code from its first batch
// instead of interpreting a fresh copy. Bounded: the oldest entry goes past `LOOP_CACHE_MAX`.
const LOOP_CACHE_MAX = 512;
const loopCache = new Map<string, Variant['fn']>();

function cachedLoop(source: string, types: string): Variant['fn'] {
  const key = `${types}\n${source}`;
  let fn = loopCache.get(key);
  if (fn === undefined) {
    fn = compileLoop<Variant['fn']>('expression', ['n', 'V', 'O', 'B', 'D', 'X', 'R', 'RB', 'H'], source);
    if (loopCache.size >= LOOP_CACHE_MAX) loopCache.delete(loopCache.keys().next().value as string);
    loopCache.set(key, fn);
  }
  return fn;
}

// ---- decoded dictionaries ------------------------------------------------------------

/** A dictionary's strings as one offsets/bytes pair, decoded once per dictionary object. */
interface DictView {
  readonly offsets: Int32Array;
  readonly bytes: Uint8Array;
  readonly size: number;
  /** Per-entry validity (1/0) when the dictionary holds nulls, else null. */
  readonly valid: Uint8Array | null;
  /** The dictionary vector, when it is a single chunk (reusable as is). */
  readonly single: Vector | null;
  readonly tables: Map<string, Uint8Array>;
}

const views = new WeakMap<object, DictView>();

function dictView(data: Data): DictView {
  const dict = data.dictionary as Vector;
  let view = views.get(dict);
  if (view) return view;
  const chunks = dict.data as Data[];
  const parts = chunks.map((c) => ({
    offsets: c.length === 0 ? new Int32Array(1) : (c.valueOffsets as Int32Array),
    bytes: (c.values as Uint8Array) ?? new Uint8Array(0),
    size: c.length,
  }));
  const hasNulls = chunks.some((c) => c.nullCount > 0);
  let valid: Uint8Array | null = null;
  if (hasNulls) {
    valid = new Uint8Array(dict.length).fill(1);
    let at = 0;
    for (const c of chunks) {
      if (c.nullCount > 0) valid.set(validityTable(c.nullBitmap!, c.offset, c.length), at);
      at += c.length;
    }
  }
  if (parts.length === 1) {
    view = { ...parts[0], valid, single: dict, tables: new Map() };
  } else {
    const joined = concatUtf8(parts);
    view = { offsets: joined.offsets, bytes: joined.bytes, size: dict.length, valid, single: null, tables: new Map() };
  }
  views.set(dict, view);
  return view;
}

// ---- per-batch context ---------------------------------------------------------------

class BatchContext {
  private memo: Map<string, unknown> | null = null;
  private dictViews: (DictView | undefined)[] | null = null;

  constructor(
    readonly batch: RecordBatch,
    readonly n: number,
    readonly data: readonly Data[],
  ) {}

  view(slot: number): DictView {
    const views = (this.dictViews ??= []);
    return (views[slot] ??= dictView(this.data[slot]));
  }

  once<T>(key: string, f: () => T): T {
    const memo = (this.memo ??= new Map());
    if (memo.has(key)) return memo.get(key) as T;
    const v = f();
    memo.set(key, v);
    return v;
  }
}

/** The auxiliary values of a program, built per batch. */
class Aux implements AuxRegistry {
  readonly names: string[] = [];
  readonly builders: ((ctx: BatchContext) => unknown)[] = [];
  private readonly byKey = new Map<string, string>();

  add(key: string, build: (ctx: BatchContext) => unknown): string {
    let name = this.byKey.get(key);
    if (!name) {
      name = `x${this.names.length}`;
      this.names.push(name);
      this.builders.push(build);
      this.byKey.set(key, name);
    }
    return name;
  }

  bytes(slot: Slot): string {
    return this.add(`bytes:${slot.id}`, (ctx) => ctx.data[slot.id].values);
  }
  dictOffsets(slot: Slot): string {
    return this.add(`doff:${slot.id}`, (ctx) => ctx.view(slot.id).offsets);
  }
  dictBytes(slot: Slot): string {
    return this.add(`dbytes:${slot.id}`, (ctx) => ctx.view(slot.id).bytes);
  }
  dictTable(slot: Slot, op: number, lit: string): string {
    const bytes = encoder.encode(lit);
    const key = `${op}:${lit}`;
    return this.add(`dtab:${slot.id}:${key}`, (ctx) => {
      const v = ctx.view(slot.id);
      let t = v.tables.get(key);
      if (!t) {
        t = dictionaryCompareTable(v.offsets, v.bytes, v.size, bytes, op);
        v.tables.set(key, t);
      }
      return t;
    });
  }
  literalBytes(lit: string): string {
    const bytes = encoder.encode(lit);
    return this.add(`lit:${lit}`, () => bytes);
  }
}

// ---- outputs -------------------------------------------------------------------------

/** One output column of a program. */
export interface ProgramOutput {
  readonly name: string;
  /** The Arrow type of the output. */
  readonly type: DataType;
  /** For an output that is an input column passed through: its field. */
  readonly field: Field | null;
}

type OutputPlan =
  | { readonly kind: 'pass'; readonly slot: Slot }
  | { readonly kind: 'null' }
  | { readonly kind: 'value'; readonly sink: number; readonly type: DataType }
  | { readonly kind: 'dict'; readonly sink: number; readonly type: DataType; readonly slots: readonly Slot[]; readonly lits: readonly string[] }
  | { readonly kind: 'utf8'; readonly sink: number; readonly type: DataType; readonly sources: readonly (Slot | string)[] };

interface Variant {
  readonly fn: (...args: unknown[]) => number[];
  readonly nullable: readonly boolean[];
}

/** Removes aliases. */
function strip(n: ExprNode): ExprNode {
  return n.kind === 'alias' ? strip(n.arg) : n;
}

/** The string leaves in value position of a string-typed node. */
function stringLeaves(n: TNode, out: { slots: Slot[]; lits: string[]; utf8: boolean }): void {
  switch (n.k) {
    case 'slot':
      if (!out.slots.includes(n.slot)) out.slots.push(n.slot);
      if (!(n.slot.vt.k === 'str' && n.slot.vt.dict)) out.utf8 = true;
      return;
    case 'lit':
      if (typeof n.value === 'string' && !out.lits.includes(n.value)) out.lits.push(n.value);
      return;
    case 'fill':
      stringLeaves(n.a, out);
      stringLeaves(n.b, out);
      return;
    case 'cast':
      if (n.t.k === 'str' && !n.t.dict) out.utf8 = true;
      stringLeaves(n.a, out);
      return;
    case 'when':
      for (const t of n.thens) stringLeaves(t, out);
      stringLeaves(n.other, out);
      return;
    default:
      return;
  }
}

/**
 * Expressions compiled against one schema. `mode: 'values'` computes one column per root;
 * `mode: 'filter'` computes the selection of rows where the single root is true.
 */
export class Program {
  readonly outputs: readonly ProgramOutput[];
  private readonly slots: readonly Slot[];
  private readonly plans: readonly OutputPlan[];
  private readonly sinks: readonly SinkSpec[];
  private readonly aux = new Aux();
  /** Generated loops by null-pattern key (see `flagsKey`). */
  private readonly variants = new Map<number | string, Variant>();
  private readonly nullType = new Null();
  // Per slot, fixed for the schema: how the loop reads it (see `READ_*`).
  private readonly slotRead: Uint8Array;
  private readonly hasFnSlots: boolean;
  // Per sink: the typed-array class of its values, and whether they are bits (Bool).
  private readonly sinkArray: readonly FixedArrayConstructor[];
  private readonly sinkBits: readonly boolean[];
  // Scratch argument arrays of the generated loop, refilled per batch and cleared after it
  // (only our own code runs between filling them and the loop's return: reuse is safe).
  private readonly argV: unknown[];
  private readonly argO: number[];
  private readonly argB: (Uint8Array | null)[];
  private readonly argD: (Uint8Array | null)[];
  private readonly flags: Uint8Array;
  /** The slots' types and the sinks' array classes: with the source, the key of the shared loop cache. */
  private readonly loopTypes: string;
  /** The selection of filter mode, reused across batches (read before the next batch). */
  private selection_ = new Int32Array(0);
  /** With `reuseOutputs`: per sink, its values and validity buffers, reused by every batch. */
  private readonly reused: { values: FixedArray | null; bits: Uint8Array }[] | null;

  constructor(
    private readonly op: string,
    schema: Schema,
    roots: readonly { readonly name: string; readonly node: ExprNode }[],
    mode: 'values' | 'filter',
    /**
     * Numeric outputs are written into buffers owned by the program and reused by the next
     * batch (no allocation per batch): for a caller that consumes the output columns before
     * evaluating again and keeps none of them (an aggregation's input).
     */
    reuseOutputs = false,
  ) {
    const inferer = new Inferer(op, schema);
    const sinks: SinkSpec[] = [];
    const plans: OutputPlan[] = [];
    const outputs: ProgramOutput[] = [];
    for (const { name, node } of roots) {
      const t = inferer.infer(node, name);
      if (mode === 'filter') {
        if (t.t.k !== 'bool' && t.t.k !== 'null') {
          const actual = typeName(t.t);
          throw t.k === 'slot'
            ? inferer.typeErrorFor(`the predicate must be Bool`, t, 'Bool')
            : new ExpressionError(`${op}: the predicate must be Bool`, { expected: 'Bool', actual });
        }
        sinks.push({ kind: 'select', node: t });
        continue;
      }
      const stripped = strip(node);
      if (t.k === 'slot' && (stripped.kind === 'col' || stripped.kind === 'fn')) {
        plans.push({ kind: 'pass', slot: t.slot });
        outputs.push({ name, type: t.slot.type, field: t.slot.field ?? null });
      } else if (t.t.k === 'null') {
        plans.push({ kind: 'null' });
        outputs.push({ name, type: this.nullType, field: null });
      } else if (t.t.k === 'str') {
        const leaves = { slots: [] as Slot[], lits: [] as string[], utf8: false };
        stringLeaves(t, leaves);
        const s = sinks.length;
        if (!leaves.utf8 && leaves.slots.length > 0) {
          const type = new Dictionary(new Utf8(), new Int32());
          const slotBase = new Map<number, string>();
          const litIndex = new Map<string, string>();
          const build = (ctx: BatchContext) => this.dictionaryOutput(ctx, s, leaves.slots, leaves.lits);
          leaves.slots.forEach((sl, k) => slotBase.set(sl.id, this.aux.add(`dbase:${s}:${sl.id}`, (ctx) => build(ctx).bases[k])));
          leaves.lits.forEach((l, k) => litIndex.set(l, this.aux.add(`dlit:${s}:${k}`, (ctx) => build(ctx).lits[k])));
          const layout: StringSinkLayout = { mode: 'dict', sources: 0, slotSource: new Map(), litSource: new Map(), slotBase, litIndex };
          sinks.push({ kind: 'string', node: t, layout });
          plans.push({ kind: 'dict', sink: s, type, slots: leaves.slots, lits: leaves.lits });
          outputs.push({ name, type, field: null });
        } else {
          const sources: (Slot | string)[] = [...leaves.slots, ...leaves.lits];
          const slotSource = new Map(leaves.slots.map((sl, k) => [sl.id, k] as const));
          const litSource = new Map(leaves.lits.map((l, k) => [l, leaves.slots.length + k] as const));
          const layout: StringSinkLayout = {
            mode: 'utf8',
            sources: Math.max(1, sources.length),
            slotSource,
            litSource,
            slotBase: new Map(),
            litIndex: new Map(),
          };
          const type = new Utf8();
          sinks.push({ kind: 'string', node: t, layout });
          plans.push({ kind: 'utf8', sink: s, type, sources });
          outputs.push({ name, type, field: null });
        }
      } else {
        const type = arrowTypeOf(t.t);
        plans.push({ kind: 'value', sink: sinks.length, type });
        sinks.push({ kind: 'value', node: t, vt: t.t });
        outputs.push({ name, type, field: null });
      }
    }
    this.slots = inferer.slots;
    this.sinks = sinks;
    this.plans = plans;
    this.outputs = outputs;
    const k = this.slots.length;
    this.slotRead = Uint8Array.from(this.slots, (sl) =>
      sl.vt.k === 'null' ? READ_NULL : sl.vt.k === 'other' ? READ_VALIDITY : sl.vt.k === 'str' && !sl.vt.dict ? READ_OFFSETS : sl.vt.k === 'str' ? READ_DICT : READ_VALUES,
    );
    this.hasFnSlots = this.slots.some((sl) => sl.kind !== 'col');
    this.sinkArray = sinks.map((spec) => {
      if (spec.kind === 'select') return Int32Array;
      if (spec.kind === 'string') return spec.layout.mode === 'dict' ? Int32Array : Float64Array;
      if (spec.vt.k === 'bool') return Uint8Array;
      return (arrowTypeOf(spec.vt) as unknown as { ArrayType: FixedArrayConstructor }).ArrayType;
    });
    this.sinkBits = sinks.map((spec) => spec.kind === 'value' && spec.vt.k === 'bool');
    this.argV = new Array<unknown>(k).fill(null);
    this.argO = new Array<number>(k).fill(0);
    this.argB = new Array<Uint8Array | null>(k).fill(null);
    this.argD = new Array<Uint8Array | null>(k).fill(null);
    this.flags = new Uint8Array(k);
    this.loopTypes = `${this.slots.map((sl) => String(sl.type)).join(',')} -> ${this.sinkArray.map((c) => c.name).join(',')}`;
    this.reused = reuseOutputs ? sinks.map(() => ({ values: null, bits: EMPTY_BITS })) : null;
  }

  // ---- per batch ---------------------------------------------------------------------

  /** The output columns for a batch (values mode). */
  evaluate(batch: RecordBatch): Data[] {
    const n = batch.numRows;
    const ctx = this.context(batch, n);
    const values: unknown[] = [];
    const bitmaps: (Uint8Array | null)[] = [];
    const counts = this.runLoop(ctx, values, bitmaps);
    const plans = this.plans;
    const out = new Array<Data>(plans.length);
    for (let k = 0; k < plans.length; k++) {
      const p = plans[k];
      if (p.kind === 'pass') {
        out[k] = ctx.data[p.slot.id];
      } else if (p.kind === 'null') {
        out[k] = newData(this.nullType, n, n, null);
      } else {
        const nulls = counts[p.sink];
        const bitmap = nulls > 0 ? bitmaps[p.sink] : null;
        if (p.kind === 'value') out[k] = newData(p.type, n, nulls, bitmap, values[p.sink]);
        else if (p.kind === 'dict') {
          const dictionary = this.dictionaryOutput(ctx, p.sink, p.slots, p.lits).vector;
          out[k] = newData(p.type, n, nulls, bitmap, values[p.sink], undefined, undefined, dictionary);
        } else out[k] = this.utf8Output(ctx, p, values[p.sink] as Float64Array, bitmap, nulls);
      }
    }
    return out;
  }

  private utf8Output(
    ctx: BatchContext,
    p: Extract<OutputPlan, { kind: 'utf8' }>,
    handles: Float64Array,
    bitmap: Uint8Array | null,
    nulls: number,
  ): Data {
    const offs: Int32Array[] = [];
    const bytes: Uint8Array[] = [];
    for (const src of p.sources) {
      if (typeof src === 'string') {
        const b = encoder.encode(src);
        offs.push(Int32Array.of(0, b.length));
        bytes.push(b);
      } else if (src.vt.k === 'str' && src.vt.dict) {
        const v = ctx.view(src.id);
        offs.push(v.offsets);
        bytes.push(v.bytes);
      } else {
        const d = ctx.data[src.id];
        offs.push(d.length === 0 ? new Int32Array(1) : (d.valueOffsets as Int32Array));
        bytes.push(d.values as Uint8Array);
      }
    }
    const sources = Math.max(1, p.sources.length);
    const g = gatherUtf8(handles, bitmap, ctx.n, sources, offs, bytes);
    return newData(p.type, ctx.n, nulls, bitmap, g.bytes, g.offsets);
  }

  /**
   * The rows where the predicate is true (filter mode): increasing positions
   * `sel[0..m)`. `sel` is a buffer reused by the next call: read it before.
   */
  selection(batch: RecordBatch): { sel: Int32Array; m: number } {
    const n = batch.numRows;
    const values: unknown[] = [];
    const counts = this.runLoop(this.context(batch, n), values, []);
    return { sel: values[0] as Int32Array, m: counts[0] };
  }

  private context(batch: RecordBatch, n: number): BatchContext {
    const children = batch.data.children as Data[];
    const slots = this.slots;
    const data = new Array<Data>(slots.length);
    if (!this.hasFnSlots) {
      for (let j = 0; j < slots.length; j++) data[j] = children[slots[j].column];
    } else {
      for (let j = 0; j < slots.length; j++) {
        const s = slots[j];
        data[j] = s.kind === 'col' ? children[s.column] : this.callFn(s, batch, children, n);
      }
    }
    return new BatchContext(batch, n, data);
  }

  private callFn(s: Slot, batch: RecordBatch, children: readonly Data[], n: number): Data {
    const fields = batch.schema.fields;
    const columns: Record<string, Data> = {};
    if (s.fnInputs) for (const j of s.fnInputs) columns[fields[j].name] = children[j];
    else fields.forEach((f, j) => (columns[f.name] = children[j]));
    const out = s.f!(columns, batch);
    const fail = (actual: string): never => {
      throw new ExpressionError(`${this.op}: fn returned a wrong column`, {
        column: s.name,
        expected: `${String(s.type)} with ${n} rows`,
        actual,
      });
    };
    let data: Data;
    if (ArrayBuffer.isView(out)) {
      const ctor = (s.type as unknown as { ArrayType?: unknown }).ArrayType;
      if (s.type.typeId === Type.Bool || s.type.typeId === Type.Utf8 || s.type.typeId === Type.Dictionary || out.constructor !== ctor) {
        fail(`${out.constructor.name} (return a Data for this type)`);
      }
      if ((out as Int32Array).length !== n) fail(`${(out as Int32Array).length} values`);
      data = fixedData(s.type, out as Int32Array, null, n);
    } else if (out && typeof out === 'object' && 'data' in out && Array.isArray((out as Vector).data)) {
      const chunks = (out as Vector).data as Data[];
      if (chunks.length !== 1) fail(`a Vector of ${chunks.length} chunks`);
      data = chunks[0];
    } else {
      data = out as Data;
    }
    if (!data || typeof data !== 'object' || !('type' in data)) fail(typeof out);
    const expect = valueTypeOf(s.type);
    const got = valueTypeOf(data.type);
    const same = expect.k === 'other' ? data.type.typeId === s.type.typeId : sameType(expect, got);
    if (!same) fail(String(data.type));
    if (data.length !== n) fail(`${data.length} rows`);
    return data;
  }

  /** A combined dictionary for a dictionary-valued output (memoized per batch). */
  private dictionaryOutput(
    ctx: BatchContext,
    sink: number,
    slots: readonly Slot[],
    lits: readonly string[],
  ): { bases: number[]; lits: number[]; vector: Vector } {
    return ctx.once(`dict:${sink}`, () => {
      const vs = slots.map((s) => ctx.view(s.id));
      const litBytes = lits.map((l) => encoder.encode(l));
      if (vs.length === 1 && vs[0].valid === null) {
        const v = vs[0];
        const found = litBytes.map((b) => indexOfString(v.offsets, v.bytes, v.size, b));
        if (found.every((k) => k >= 0) && v.single) return { bases: [0], lits: found, vector: v.single };
        const missing = litBytes.filter((_, k) => found[k] < 0);
        let next = v.size;
        const litIdx = found.map((k) => (k >= 0 ? k : next++));
        const joined = concatUtf8([v, ...missing.map((b) => ({ offsets: Int32Array.of(0, b.length), bytes: b, size: 1 }))]);
        return { bases: [0], lits: litIdx, vector: utf8Vector(joined.offsets, joined.bytes) };
      }
      const bases: number[] = [];
      let at = 0;
      for (const v of vs) {
        bases.push(at);
        at += v.size;
      }
      const litIdx = litBytes.map((_, k) => at + k);
      const joined = concatUtf8([...vs, ...litBytes.map((b) => ({ offsets: Int32Array.of(0, b.length), bytes: b, size: 1 }))]);
      return { bases, lits: litIdx, vector: utf8Vector(joined.offsets, joined.bytes) };
    });
  }

  /**
   * Runs the loop of the batch's null-pattern variant: fills `values` and `bitmaps` with each
   * sink's output (fresh arrays; the selection buffer in filter mode) and returns each
   * sink's null count (kept rows for a selection).
   */
  private runLoop(ctx: BatchContext, values: unknown[], bitmaps: (Uint8Array | null)[]): number[] {
    const sinks = this.sinks;
    if (sinks.length === 0) return [];
    const n = ctx.n;
    const data = ctx.data;
    const read = this.slotRead;
    const flags = this.flags;
    const V = this.argV;
    const O = this.argO;
    const B = this.argB;
    const D = this.argD;
    let key = 0;
    for (let j = 0; j < read.length; j++) {
      const d = data[j];
      const r = read[j];
      // Null-typed slots are all null without reading a bitmap.
      let f = r === READ_NULL || d.nullCount === 0 ? 0 : 1;
      let valid: Uint8Array | null = null;
      if (r === READ_DICT) {
        valid = ctx.view(j).valid;
        if (valid !== null) f |= 2;
      }
      flags[j] = f;
      key = key * 4 + f;
      V[j] = r === READ_VALIDITY || r === READ_NULL ? null : r === READ_OFFSETS ? (d.length === 0 ? EMPTY_OFFSETS : d.valueOffsets) : d.values;
      O[j] = d.offset;
      B[j] = d.nullBitmap ?? null;
      D[j] = valid;
    }
    const variant = this.variant(read.length <= MAX_NUMERIC_KEY_SLOTS ? key : flags.join(''));
    const builders = this.aux.builders;
    let X: unknown[] = NO_AUX;
    if (builders.length > 0) {
      X = new Array<unknown>(builders.length);
      for (let k = 0; k < builders.length; k++) X[k] = builders[k](ctx);
    }
    const nullable = variant.nullable;
    const arrays = this.sinkArray;
    const reused = this.reused;
    for (let s = 0; s < sinks.length; s++) {
      if (reused !== null && sinks[s].kind === 'value' && !this.sinkBits[s]) {
        // the loop writes the values of valid rows and sets their bits: clear the bits only
        const r = reused[s];
        if (r.values === null || r.values.length < n) {
          r.values = new arrays[s](Math.max(n, 2 * (r.values?.length ?? 0)));
          r.bits = new Uint8Array((r.values.length + 7) >> 3);
        }
        const bytes = (n + 7) >> 3;
        bitmaps[s] = nullable[s] ? r.bits.fill(0, 0, bytes).subarray(0, bytes) : null;
        values[s] = r.values.subarray(0, n);
        continue;
      }
      bitmaps[s] = nullable[s] ? allocArray(Uint8Array, (n + 7) >> 3) : null;
      if (sinks[s].kind === 'select') {
        if (this.selection_.length < n) this.selection_ = new Int32Array(Math.max(n, this.selection_.length * 2));
        values[s] = this.selection_;
      } else {
        values[s] = allocArray(arrays[s], this.sinkBits[s] ? (n + 7) >> 3 : n);
      }
    }
    const counts = variant.fn(n, V, O, B, D, X, values, bitmaps, HELPERS);
    // Drop the batch's buffers: the program outlives it (cached per schema).
    V.fill(null);
    B.fill(null);
    D.fill(null);
    return counts;
  }

  private variant(key: number | string): Variant {
    let v = this.variants.get(key);
    if (!v) {
      v = this.generate(Array.from(this.flags));
      this.variants.set(key, v);
    }
    return v;
  }

  private generate(flags: readonly number[]): Variant {
    const gen = new Generator(flags, this.aux);
    const nullable = this.sinks.map((spec, s) => gen.sink(s, spec));
    const body = gen.body();
    const loads = gen.loads(this.slots);
    const lines: string[] = ['"use strict";'];
    for (const s of this.slots) {
      const j = s.id;
      lines.push(`const v${j} = V[${j}], o${j} = O[${j}], b${j} = B[${j}], d${j} = D[${j}];`);
    }
    this.aux.names.forEach((name, k) => lines.push(`const ${name} = X[${k}];`));
    lines.push('const hCmp = H.compareBytes, hEq = H.equalBytes, hCmpLit = H.compareToLiteral, hEqLit = H.equalsLiteral;');
    this.sinks.forEach((_, s) => lines.push(`const r${s} = R[${s}], rb${s} = RB[${s}]; let z${s} = 0;`));
    lines.push('for (let i = 0; i < n; i++) {');
    for (const l of loads) lines.push(`  ${l}`);
    for (const l of body) lines.push(`  ${l}`);
    lines.push('}');
    lines.push(`return [${this.sinks.map((_, s) => `z${s}`).join(', ')}];`);
    const fn = cachedLoop(lines.join('\n'), this.loopTypes);
    return { fn, nullable };
  }

  /** The generated loop of the variant for the given per-slot null flags (for tests and debugging). */
  loopFor(flags: readonly number[]): (...args: never[]) => unknown {
    return this.generate(flags).fn;
  }

  /** The generated source of the variant for the given per-slot null flags (for tests and debugging). */
  sourceFor(flags: readonly number[]): string {
    return this.loopFor(flags).toString();
  }
}

function utf8Vector(offsets: Int32Array, bytes: Uint8Array): Vector {
  return makeVector(newData(new Utf8(), offsets.length - 1, 0, null, bytes, offsets));
}

