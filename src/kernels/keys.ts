/**
 * Dense key codes: hash tables on typed arrays that map key values (byte strings, 64-bit
 * integers, tuples of codes) to codes `0..size-1` in order of first insertion, and the
 * per-row encoding loops over Arrow-shaped buffers. Pure typed-array code: no RxJS, no
 * Arrow objects.
 *
 * A null row encodes as `NULL_CODE` (-1). Translation tables (dictionary index → code) hold
 * `UNRESOLVED` (-2) for entries not looked up yet, so that codes are handed out in order of
 * first appearance in the rows, not in dictionary order.
 */

/** The code of a null key. */
export const NULL_CODE = -1;
/** A translation-table entry not resolved yet. */
export const UNRESOLVED = -2;

const EMPTY = -1;

function nextPow2(n: number): number {
  let c = 16;
  while (c < n) c *= 2;
  return c;
}

/** Final avalanche of a 32-bit hash (murmur3 fmix32). */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** FNV-1a over `bytes[start, end)`, finalised. */
export function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let k = start; k < end; k++) h = Math.imul(h ^ bytes[k], 0x01000193);
  return fmix(h ^ (end - start));
}

/**
 * Byte strings → dense codes (open addressing, linear probing). The bytes of entry `c` are
 * `arena[starts[c], starts[c + 1])`.
 */
export class ByteKeyTable {
  arena: Uint8Array;
  used = 0;
  starts: Int32Array;
  hashes: Int32Array;
  slots: Int32Array;
  mask: number;
  size = 0;

  constructor(capacity = 16) {
    const cap = nextPow2(capacity * 2);
    this.slots = new Int32Array(cap).fill(EMPTY);
    this.mask = cap - 1;
    this.starts = new Int32Array(capacity + 1);
    this.hashes = new Int32Array(capacity);
    this.arena = new Uint8Array(capacity * 8);
  }

  /** The code of `bytes[start, end)`, or -1 when absent. */
  find(bytes: Uint8Array, start: number, end: number): number {
    const h = hashBytes(bytes, start, end);
    const { slots, mask } = this;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const c = slots[s];
      if (c === EMPTY) return -1;
      if (this.hashes[c] === h && this.equals(c, bytes, start, end)) return c;
    }
  }

  /** The code of `bytes[start, end)`, adding it when absent. */
  findOrAdd(bytes: Uint8Array, start: number, end: number): number {
    const h = hashBytes(bytes, start, end);
    const { slots, mask, hashes } = this;
    let s = h & mask;
    for (; ; s = (s + 1) & mask) {
      const c = slots[s];
      if (c === EMPTY) break;
      if (hashes[c] === h && this.equals(c, bytes, start, end)) return c;
    }
    return this.add(bytes, start, end, h, s);
  }

  private equals(c: number, bytes: Uint8Array, start: number, end: number): boolean {
    const a = this.starts[c];
    const len = end - start;
    if (this.starts[c + 1] - a !== len) return false;
    const arena = this.arena;
    for (let k = 0; k < len; k++) if (arena[a + k] !== bytes[start + k]) return false;
    return true;
  }

  private add(bytes: Uint8Array, start: number, end: number, h: number, slot: number): number {
    const c = this.size;
    const len = end - start;
    if (c + 1 >= this.hashes.length) {
      const hashes = new Int32Array(this.hashes.length * 2);
      hashes.set(this.hashes);
      this.hashes = hashes;
      const starts = new Int32Array(hashes.length + 1);
      starts.set(this.starts);
      this.starts = starts;
    }
    if (this.used + len > this.arena.length) {
      const arena = new Uint8Array(Math.max(this.arena.length * 2, this.used + len));
      arena.set(this.arena.subarray(0, this.used));
      this.arena = arena;
    }
    const arena = this.arena;
    const at = this.used;
    for (let k = 0; k < len; k++) arena[at + k] = bytes[start + k];
    this.used += len;
    this.starts[c + 1] = this.used;
    this.hashes[c] = h;
    this.slots[slot] = c;
    this.size = c + 1;
    if (this.size * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    return c;
  }

  private rehash(cap: number): void {
    const slots = new Int32Array(cap).fill(EMPTY);
    const mask = cap - 1;
    for (let c = 0; c < this.size; c++) {
      let s = this.hashes[c] & mask;
      while (slots[s] !== EMPTY) s = (s + 1) & mask;
      slots[s] = c;
    }
    this.slots = slots;
    this.mask = mask;
  }

  /** The start and end of entry `c` in `arena`. */
  range(c: number): [number, number] {
    return [this.starts[c], this.starts[c + 1]];
  }

  /**
   * A new table holding only the entries `keep[0..n)`, in that order: entry `keep[i]`
   * becomes code `i`. Sized for `n` entries (this is how key expiry gives memory back).
   */
  subset(keep: Int32Array, n: number = keep.length): ByteKeyTable {
    const starts = this.starts;
    let bytes = 0;
    for (let i = 0; i < n; i++) bytes += starts[keep[i] + 1] - starts[keep[i]];
    const t = new ByteKeyTable(Math.max(n, 16));
    if (t.arena.length < bytes) t.arena = new Uint8Array(bytes);
    const arena = this.arena;
    for (let i = 0; i < n; i++) {
      const c = keep[i];
      const a = starts[c];
      const b = starts[c + 1];
      const h = this.hashes[c];
      let s = h & t.mask;
      while (t.slots[s] !== EMPTY) s = (s + 1) & t.mask;
      t.arena.set(arena.subarray(a, b), t.used);
      t.used += b - a;
      t.starts[i + 1] = t.used;
      t.hashes[i] = h;
      t.slots[s] = i;
      t.size = i + 1;
    }
    return t;
  }
}

/** Hash of a 64-bit integer given as two 32-bit halves. */
export function hashInt64(lo: number, hi: number): number {
  return fmix(lo ^ Math.imul(hi ^ 0x5bd1e995, 0x9e3779b1));
}

/**
 * 64-bit integers (as `lo`, `hi` 32-bit halves, two's complement) → dense codes (open
 * addressing, linear probing).
 */
export class IntKeyTable {
  lo: Int32Array;
  hi: Int32Array;
  slots: Int32Array;
  mask: number;
  size = 0;

  constructor(capacity = 16) {
    const cap = nextPow2(capacity * 2);
    this.slots = new Int32Array(cap).fill(EMPTY);
    this.mask = cap - 1;
    this.lo = new Int32Array(capacity);
    this.hi = new Int32Array(capacity);
  }

  /** The code of the integer `(hi, lo)`, or -1 when absent. */
  find(lo: number, hi: number): number {
    const { slots, mask } = this;
    for (let s = hashInt64(lo, hi) & mask; ; s = (s + 1) & mask) {
      const c = slots[s];
      if (c === EMPTY) return -1;
      if (this.lo[c] === lo && this.hi[c] === hi) return c;
    }
  }

  /** The code of the integer `(hi, lo)`, adding it when absent. */
  findOrAdd(lo: number, hi: number): number {
    const { slots, mask } = this;
    let s = hashInt64(lo, hi) & mask;
    for (; ; s = (s + 1) & mask) {
      const c = slots[s];
      if (c === EMPTY) break;
      if (this.lo[c] === lo && this.hi[c] === hi) return c;
    }
    const c = this.size;
    if (c >= this.lo.length) {
      const l = new Int32Array(this.lo.length * 2);
      l.set(this.lo);
      this.lo = l;
      const h = new Int32Array(this.hi.length * 2);
      h.set(this.hi);
      this.hi = h;
    }
    this.lo[c] = lo;
    this.hi[c] = hi;
    slots[s] = c;
    this.size = c + 1;
    if (this.size * 2 > slots.length) this.rehash(slots.length * 2);
    return c;
  }

  private rehash(cap: number): void {
    const slots = new Int32Array(cap).fill(EMPTY);
    const mask = cap - 1;
    for (let c = 0; c < this.size; c++) {
      let s = hashInt64(this.lo[c], this.hi[c]) & mask;
      while (slots[s] !== EMPTY) s = (s + 1) & mask;
      slots[s] = c;
    }
    this.slots = slots;
    this.mask = mask;
  }

  /**
   * A new table holding only the entries `keep[0..n)`, in that order: entry `keep[i]`
   * becomes code `i`. Sized for `n` entries.
   */
  subset(keep: Int32Array, n: number = keep.length): IntKeyTable {
    const t = new IntKeyTable(Math.max(n, 16));
    for (let i = 0; i < n; i++) t.findOrAdd(this.lo[keep[i]], this.hi[keep[i]]);
    return t;
  }

  /** The value of code `c` as a number (exact when within ±2^53). */
  numberOf(c: number): number {
    return this.hi[c] * 4294967296 + (this.lo[c] >>> 0);
  }

  /** The value of code `c` as a signed 64-bit bigint. */
  bigintOf(c: number): bigint {
    return (BigInt(this.hi[c]) << 32n) | BigInt(this.lo[c] >>> 0);
  }
}

/** Hash of a pair of codes. */
export function hashPair(a: number, b: number): number {
  return fmix(Math.imul(a, 0x9e3779b1) ^ Math.imul(b ^ 0x7f4a7c15, 0x85ebca77));
}

/**
 * Tuples of `width` non-negative codes → dense codes (open addressing). Entry `c` is
 * `entries[c * width .. c * width + width)`.
 */
export class TupleKeyTable {
  readonly width: number;
  entries: Int32Array;
  slots: Int32Array;
  mask: number;
  size = 0;

  constructor(width: number, capacity = 16) {
    this.width = width;
    const cap = nextPow2(capacity * 2);
    this.slots = new Int32Array(cap).fill(EMPTY);
    this.mask = cap - 1;
    this.entries = new Int32Array(capacity * width);
  }

  private hashAt(tuple: ArrayLike<number>, at: number): number {
    if (this.width === 2) return hashPair(tuple[at], tuple[at + 1]);
    let h = 0x9747b28c;
    for (let j = 0; j < this.width; j++) h = Math.imul(h ^ tuple[at + j], 0x9e3779b1) ^ (h >>> 15);
    return fmix(h);
  }

  /** The code of the tuple `tuple[at .. at + width)`, adding it when absent. */
  findOrAdd(tuple: ArrayLike<number>, at = 0): number {
    const w = this.width;
    const { slots, mask } = this;
    let s = this.hashAt(tuple, at) & mask;
    outer: for (; ; s = (s + 1) & mask) {
      const c = slots[s];
      if (c === EMPTY) break;
      const e = c * w;
      for (let j = 0; j < w; j++) if (this.entries[e + j] !== tuple[at + j]) continue outer;
      return c;
    }
    return this.add(tuple, at, s);
  }

  /** The code of the pair `(a, b)` (width 2), adding it when absent. */
  findOrAddPair(a: number, b: number): number {
    const { slots, mask } = this;
    let s = hashPair(a, b) & mask;
    for (; ; s = (s + 1) & mask) {
      const c = slots[s];
      if (c === EMPTY) break;
      if (this.entries[2 * c] === a && this.entries[2 * c + 1] === b) return c;
    }
    const pair = PAIR;
    pair[0] = a;
    pair[1] = b;
    return this.add(pair, 0, s);
  }

  /**
   * A new table holding only the tuples `keep[0..n)`, in that order (tuple `keep[i]`
   * becomes code `i`), with component `j` translated through `columnMaps[j]` (the new
   * per-column codes). Sized for `n` entries.
   */
  subset(keep: Int32Array, n: number, columnMaps: readonly Int32Array[]): TupleKeyTable {
    const w = this.width;
    const t = new TupleKeyTable(w, Math.max(n, 16));
    const tuple = new Int32Array(w);
    for (let i = 0; i < n; i++) {
      const e = keep[i] * w;
      for (let j = 0; j < w; j++) tuple[j] = columnMaps[j][this.entries[e + j]];
      t.findOrAdd(tuple, 0);
    }
    return t;
  }

  private hashOf(c: number): number {
    return this.hashAt(this.entries, c * this.width);
  }

  private add(tuple: ArrayLike<number>, at: number, slot: number): number {
    const w = this.width;
    const c = this.size;
    if ((c + 1) * w > this.entries.length) {
      const e = new Int32Array(this.entries.length * 2);
      e.set(this.entries);
      this.entries = e;
    }
    for (let j = 0; j < w; j++) this.entries[c * w + j] = tuple[at + j];
    this.slots[slot] = c;
    this.size = c + 1;
    if (this.size * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    return c;
  }

  private rehash(cap: number): void {
    const slots = new Int32Array(cap).fill(EMPTY);
    const mask = cap - 1;
    this.slots = slots;
    this.mask = mask;
    for (let c = 0; c < this.size; c++) {
      let s = this.hashOf(c) & mask;
      while (slots[s] !== EMPTY) s = (s + 1) & mask;
      slots[s] = c;
    }
  }
}

const PAIR = new Int32Array(2);

// ---------------------------------------------------------------------------------------
// Per-row encoding loops. `validity` is `null` when the column has no nulls (the caller
// branches on `nullCount === 0` once); a null row gets NULL_CODE.
// ---------------------------------------------------------------------------------------

function valid(validity: Uint8Array, offset: number, i: number): boolean {
  const p = offset + i;
  return ((validity[p >> 3] >> (p & 7)) & 1) === 1;
}

/**
 * Variable-width byte strings (Utf8: `offsetStride` 1; LargeUtf8's 64-bit offsets read as
 * their low 32-bit words: `offsetStride` 2) → codes in `table`.
 */
export function encodeBytes(
  offsets: Int32Array,
  offsetStride: number,
  bytes: Uint8Array,
  validity: Uint8Array | null,
  validityOffset: number,
  n: number,
  table: ByteKeyTable,
  out: Int32Array,
): void {
  if (validity === null) {
    // Hand-written hot loop: bytes are hashed in place, no string per row.
    for (let i = 0; i < n; i++) out[i] = table.findOrAdd(bytes, offsets[i * offsetStride], offsets[(i + 1) * offsetStride]);
  } else {
    for (let i = 0; i < n; i++) {
      out[i] = valid(validity, validityOffset, i)
        ? table.findOrAdd(bytes, offsets[i * offsetStride], offsets[(i + 1) * offsetStride])
        : NULL_CODE;
    }
  }
}

/**
 * 32-bit (or narrower) integers → codes in `table`. `unsigned` marks Uint32 values (their
 * high word is 0, not the sign).
 */
export function encodeInt32(
  values: ArrayLike<number>,
  unsigned: boolean,
  validity: Uint8Array | null,
  validityOffset: number,
  n: number,
  table: IntKeyTable,
  out: Int32Array,
): void {
  if (validity === null) {
    if (unsigned) for (let i = 0; i < n; i++) out[i] = table.findOrAdd(values[i] | 0, 0);
    else {
      for (let i = 0; i < n; i++) {
        const v = values[i];
        out[i] = table.findOrAdd(v, v >> 31);
      }
    }
  } else {
    for (let i = 0; i < n; i++) {
      if (!valid(validity, validityOffset, i)) out[i] = NULL_CODE;
      else {
        const v = values[i];
        out[i] = unsigned ? table.findOrAdd(v | 0, 0) : table.findOrAdd(v, v >> 31);
      }
    }
  }
}

/** 64-bit integers, given as an `Int32Array` view of little-endian (lo, hi) words → codes. */
export function encodeInt64(
  words: Int32Array,
  validity: Uint8Array | null,
  validityOffset: number,
  n: number,
  table: IntKeyTable,
  out: Int32Array,
): void {
  if (validity === null) {
    for (let i = 0; i < n; i++) out[i] = table.findOrAdd(words[2 * i], words[2 * i + 1]);
  } else {
    for (let i = 0; i < n; i++) {
      out[i] = valid(validity, validityOffset, i) ? table.findOrAdd(words[2 * i], words[2 * i + 1]) : NULL_CODE;
    }
  }
}

/** A translation table (index → code, `UNRESOLVED` until first use) and its count of unresolved entries. */
export interface Translation {
  readonly table: Int32Array;
  unresolved: number;
}

/** A translation table of `size` entries, all unresolved. */
export function newTranslation(size: number): Translation {
  return { table: new Int32Array(size).fill(UNRESOLVED), unresolved: size };
}

/**
 * Through a translation table: `out[i] = table[keys[i] + bias]`, resolving `UNRESOLVED`
 * entries with `resolve(keys[i] + bias)` on first use (so codes follow row order). Used for
 * dictionary indices (bias 0) and 8/16-bit integers (bias 128 / 32768 for signed ones).
 * A resolved entry may itself be `NULL_CODE` (a null dictionary value). Once every entry is
 * resolved the loop is the plain `out[i] = table[keys[i]]`.
 */
export function encodeTranslated(
  keys: ArrayLike<number>,
  bias: number,
  translation: Translation,
  resolve: (k: number) => number,
  validity: Uint8Array | null,
  validityOffset: number,
  n: number,
  out: Int32Array,
): void {
  const table = translation.table;
  let unresolved = translation.unresolved;
  let i = 0;
  if (validity === null) {
    for (; i < n && unresolved > 0; i++) {
      const k = keys[i] + bias;
      let c = table[k];
      if (c === UNRESOLVED) {
        c = table[k] = resolve(k);
        unresolved--;
      }
      out[i] = c;
    }
    // Hand-written hot loop: every entry is resolved.
    for (; i < n; i++) out[i] = table[keys[i] + bias];
  } else {
    for (; i < n; i++) {
      if (!valid(validity, validityOffset, i)) {
        out[i] = NULL_CODE;
        continue;
      }
      const k = keys[i] + bias;
      let c = table[k];
      if (c === UNRESOLVED) {
        c = table[k] = resolve(k);
        unresolved--;
      }
      out[i] = c;
    }
  }
  translation.unresolved = unresolved;
}

/**
 * Bit-packed booleans → codes via a two-entry translation table (`table[0]` for false,
 * `table[1]` for true), resolved on first use.
 */
export function encodeBits(
  bits: Uint8Array,
  offset: number,
  table: Int32Array,
  resolve: (k: number) => number,
  validity: Uint8Array | null,
  n: number,
  out: Int32Array,
): void {
  for (let i = 0; i < n; i++) {
    const p = offset + i;
    if (validity !== null && ((validity[p >> 3] >> (p & 7)) & 1) === 0) {
      out[i] = NULL_CODE;
      continue;
    }
    const k = (bits[p >> 3] >> (p & 7)) & 1;
    let c = table[k];
    if (c === UNRESOLVED) c = table[k] = resolve(k);
    out[i] = c;
  }
}

/** Pairs of per-column codes → composite codes; a null (negative) component gives NULL_CODE. */
export function encodePairs(a: Int32Array, b: Int32Array, n: number, table: TupleKeyTable, out: Int32Array): void {
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    out[i] = (x | y) < 0 ? NULL_CODE : table.findOrAddPair(x, y);
  }
}

/** Tuples of per-column codes → composite codes; a null (negative) component gives NULL_CODE. */
export function encodeTuples(columns: readonly Int32Array[], n: number, table: TupleKeyTable, out: Int32Array): void {
  const w = columns.length;
  const tuple = new Int32Array(w);
  for (let i = 0; i < n; i++) {
    let isNull = false;
    for (let j = 0; j < w; j++) {
      const c = columns[j][i];
      if (c < 0) {
        isNull = true;
        break;
      }
      tuple[j] = c;
    }
    out[i] = isNull ? NULL_CODE : table.findOrAdd(tuple, 0);
  }
}
